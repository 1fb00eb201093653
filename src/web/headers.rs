//! Security headers every response gets, decided in one place.
//!
//! - `Strict-Transport-Security` when the public URL is https, so a browser
//!   that saw the site once never talks to it in clear again (RFC 6797).
//! - `Secure` on every cookie then too (RFC 6265 §4.1.2.5): the session,
//!   CSRF and flash cookies alike, and any added later.
//! - `Cache-Control: no-store` on everything but the static assets: pages and
//!   API answers carry scorecards, debriefs and CSRF tokens, which neither a
//!   shared proxy nor the browser's back button may keep (RFC 9111 §5.2.2.5).

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use super::State;

/// One year, in seconds: the HSTS lifetime browsers' preload lists expect.
const HSTS: &str = "max-age=31536000";

/// The middleware; wrap the whole app with `from_fn(harden)`.
pub async fn harden(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<State>()
        .is_some_and(|state| state.secure_cookies);
    let cacheable = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            headers.remove(header::SET_COOKIE);
            for value in cookies {
                headers.append(header::SET_COOKIE, secure(value));
            }
        }
    }
    Ok(res)
}

/// The same cookie with `Secure` set; a value that does not parse as a
/// cookie is passed on unchanged.
fn secure(value: HeaderValue) -> HeaderValue {
    let Some(mut cookie) = value.to_str().ok().and_then(|v| Cookie::parse(v).ok()) else {
        return value;
    };
    cookie.set_secure(true);
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_become_secure_and_keep_their_attributes() {
        let value = HeaderValue::from_static("lw_csrf=abc; HttpOnly; SameSite=Lax; Path=/");
        let out = secure(value);
        let out = out.to_str().unwrap();
        for part in [
            "lw_csrf=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Secure",
        ] {
            assert!(out.contains(part), "{out}");
        }
    }
}
