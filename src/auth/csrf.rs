//! CSRF protection for form posts.
//!
//! Signed in, a form echoes the session's own token (a claim of the HttpOnly
//! session cookie, so another site can neither read nor guess it). Signed out
//! (sign-in, setup, invitation and reset forms), it echoes a random token
//! kept in an HttpOnly cookie of its own.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use super::current_user::cookie_claims;
use super::token;
use crate::error::AppError;

pub const COOKIE: &str = "lw_csrf";
pub const FIELD: &str = "csrf_token";

/// The token for a page's forms, and the cookie to set if one is needed.
pub fn issue(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(claims) = cookie_claims(req) {
        return (claims.csrf, None);
    }
    match req.cookie(COOKIE) {
        Some(c) if c.value().len() == 64 => (c.value().to_owned(), None),
        _ => {
            let value = token::generate();
            let cookie = Cookie::build(COOKIE, value.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .finish();
            (value, Some(cookie))
        }
    }
}

/// Refuses (403) a post whose field does not match what `issue` gave out.
pub fn verify(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    let expected = cookie_claims(req)
        .map(|c| c.csrf)
        .or_else(|| req.cookie(COOKIE).map(|c| c.value().to_owned()));
    match expected {
        Some(expected)
            if !submitted.is_empty() && token::constant_time_eq(&expected, submitted) =>
        {
            Ok(())
        }
        _ => Err(AppError::Forbidden(
            "The form expired or was sent from another site. Reload the page and try again.".into(),
        )),
    }
}
