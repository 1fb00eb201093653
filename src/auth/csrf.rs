//! CSRF protection for form posts: a random token in a cookie that a form must
//! echo in a hidden field. Another site can make a browser send the cookie but
//! cannot read it to fill the field.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use super::token;
use crate::error::AppError;

pub const COOKIE: &str = "lw_csrf";
pub const FIELD: &str = "csrf_token";

/// The token for a page's forms, and the cookie to set if the browser has none.
pub fn issue(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
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

/// Refuses (403) a post whose field does not match the cookie.
pub fn verify(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    match req.cookie(COOKIE) {
        Some(c) if !submitted.is_empty() && token::constant_time_eq(c.value(), submitted) => Ok(()),
        _ => Err(AppError::Forbidden(
            "The form expired or was sent from another site. Reload the page and try again.".into(),
        )),
    }
}
