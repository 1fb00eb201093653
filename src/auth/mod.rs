//! Who the caller is and what they may do: passwords, sessions, CSRF.

pub mod csrf;
pub mod current_user;
pub mod next;
pub mod oidc;
pub mod password;
pub mod session;
pub mod signed_in;
pub mod token;

pub use current_user::{CurrentUser, MaybeUser};
