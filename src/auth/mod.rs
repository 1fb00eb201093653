//! Who the caller is and what they may do: passwords, tokens, CSRF.

pub mod csrf;
pub mod password;
pub mod token;
