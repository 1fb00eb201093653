//! Body and query extractors that check what every form, JSON body and
//! query string must satisfy, so that no handler sees:
//!
//! - a body over its limit: 413 naming the limit ([`AppError::PayloadTooLarge`]);
//! - bytes that are not UTF-8: 400;
//! - a value of the wrong shape: 422 naming the field (400 naming the
//!   parameter for a query string);
//! - a NUL character (U+0000) in any text: 422 naming the field. PostgreSQL
//!   cannot store NUL in `text` and SQLite would keep it; refused here, both
//!   backends answer alike.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::csrf;
use crate::error::AppError;

/// The largest url-encoded form, in bytes.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest scorecard form, in bytes: room for every text at its limit
/// (`domain::scorecard`) even url-encoded, so that a text too long is a
/// field error on the re-rendered form, never a 413 page that loses the draft.
pub const SCORECARD_FORM_LIMIT: usize = 1024 * 1024;
/// The largest JSON body, in bytes.
pub const JSON_LIMIT: usize = 1024 * 1024;
/// The largest file sent as a raw body (a bank import), in bytes.
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

/// What a field holding NUL is told.
const NUL_MESSAGE: &str = "Remove the NUL character (U+0000): it cannot be stored.";

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Past its limit, a body is still read (not kept) up to this many bytes
/// more, so that the client, still sending, gets the 413 rather than a reset
/// connection; a larger one is cut off.
const DRAIN: usize = 1024 * 1024;

/// The whole body, at most `limit` bytes, whatever actix's `PayloadConfig`
/// says (its default, 256 KiB, would otherwise cap every body): 413 past it.
async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<Bytes, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > (limit + DRAIN) as u64) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    let stream = actix_web::web::Payload::from_request(req, payload)
        .await
        .map_err(|e| AppError::BadRequest(format!("The body could not be read: {e}")))?;
    match stream.to_bytes_limited(limit + DRAIN).await {
        Ok(Ok(bytes)) if bytes.len() <= limit => Ok(bytes),
        Ok(Ok(_)) | Err(_) => Err(AppError::PayloadTooLarge { limit }),
        Ok(Err(e)) => Err(AppError::BadRequest(format!(
            "The body could not be read: {e}"
        ))),
    }
}

/// `bytes` as text, or 400 saying where it stops being UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, AppError> {
    std::str::from_utf8(bytes).map_err(|e| {
        AppError::BadRequest(format!(
            "The body is not UTF-8 text: invalid bytes at offset {}.",
            e.valid_up_to()
        ))
    })
}

/// A raw body of at most `LIMIT` bytes (e.g. a file to import): 413 past it.
pub struct LimitedBody<const LIMIT: usize>(pub Bytes);

impl<const LIMIT: usize> FromRequest for LimitedBody<LIMIT> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { Ok(LimitedBody(read_body(&req, &mut payload, LIMIT).await?)) })
    }
}

/// A url-encoded form of at most `LIMIT` bytes (413 past it) whose
/// `csrf_token` field matches the session's (or the signed-out CSRF
/// cookie's): checked before the handler runs.
pub struct CsrfForm<T, const LIMIT: usize = FORM_LIMIT>(pub T);

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for CsrfForm<T, LIMIT> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if content_type(&req) != "application/x-www-form-urlencoded" {
                return Err(AppError::BadRequest(
                    "The form could not be read: expected application/x-www-form-urlencoded."
                        .into(),
                ));
            }
            let bytes = read_body(&req, &mut payload, LIMIT).await?;
            let token: CsrfOnly = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            csrf::verify(&req, &token.csrf_token)?;
            if let Some(field) = nul_in_pairs(&bytes) {
                return Err(AppError::field(&field, NUL_MESSAGE));
            }
            let value = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            Ok(CsrfForm(value))
        })
    }
}

/// The first url-encoded field (by name) whose name or value holds NUL.
fn nul_in_pairs(encoded: &[u8]) -> Option<String> {
    form_pairs(encoded)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| printable(&k))
}

fn form_pairs(encoded: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    // serde_urlencoded decodes with the same parser; its pairs as text.
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded)
        .unwrap_or_default()
        .into_iter()
}

/// A name safe to quote back: NUL shown as `\0`.
fn printable(name: &str) -> String {
    name.replace('\0', "\\0")
}

/// A JSON body; a value of the wrong shape gets 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let kind = content_type(&req);
            if kind != "application/json" && !kind.ends_with("+json") {
                return Err(AppError::BadRequest(
                    "Send the body as JSON with Content-Type: application/json.".into(),
                ));
            }
            let bytes = read_body(&req, &mut payload, JSON_LIMIT).await?;
            json_body(&bytes).map(ApiJson)
        })
    }
}

/// Reads a JSON body as `T` (an object): 400 for bytes that are not UTF-8
/// or not JSON, 422 naming the field for NUL in a string or a value of the
/// wrong shape, and naming `body` for an array.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text = utf8(bytes)?;
    // JSON can only carry NUL escaped (a raw control character is a syntax
    // error), so only a body with the escape needs the walk.
    let escaped_nul = text.contains("\\u0000");
    let mut unplaced_nul = false;
    if escaped_nul {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => {
                if let Some(path) = nul_path(&value, String::new()) {
                    return Err(AppError::field(&path, NUL_MESSAGE));
                }
            }
            // A number out of range stops the walk; `T` may still skip it.
            Err(_) => unplaced_nul = true,
        }
    }
    // serde reads a struct from an array too (its fields by position): a
    // body is an object, and `[]` is not an empty one.
    if text.trim_start().starts_with('[') {
        return Err(AppError::field(
            "body",
            "Send a JSON object ({\"field\": value, …}), not an array.",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(|e| {
        AppError::BadRequest(format!(
            "The body is not valid JSON: {}",
            without_position(&e)
        ))
    })?;
    if unplaced_nul {
        return Err(AppError::field("body", NUL_MESSAGE));
    }
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let message = without_position(&inner);
    if inner.is_syntax() || inner.is_eof() {
        // A number past what JSON's doubles hold is a syntax error to serde;
        // the path says whose it was.
        if message.starts_with("number out of range") && !matches!(path.as_str(), "." | "") {
            return AppError::Validation {
                message: format!("{path}: {message}"),
                fields: BTreeMap::from([(path, message)]),
            };
        }
        return AppError::BadRequest(format!("The body is not valid JSON: {inner}"));
    }
    let field = if path == "." {
        missing_field(&message).unwrap_or("body".into())
    } else {
        path
    };
    AppError::Validation {
        message: format!("{field}: {message}"),
        fields: BTreeMap::from([(field, message)]),
    }
}

/// serde_json's message without " at line 1 column 9".
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned()
}

/// Where the first NUL is, as serde_path_to_error writes paths
/// (`ratings[0].evidence`).
fn nul_path(value: &Value, here: String) -> Option<String> {
    let join = |key: &str| {
        if here.is_empty() {
            printable(key)
        } else {
            format!("{here}.{}", printable(key))
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => {
            Some(if here.is_empty() { "body".into() } else { here })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{here}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(join(k))
            } else {
                nul_path(v, join(k))
            }
        }),
        _ => None,
    }
}

/// serde's "missing field `email`" names the field at the top level.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// PATCH bodies, one way for every route: a field left out leaves the value
/// as it is. On a field that may be empty, `null` clears it:
///
/// ```ignore
/// #[serde(default, deserialize_with = "patch::nullable")]
/// location: Option<Option<String>>, // absent: None; null: Some(None)
/// #[serde(default, deserialize_with = "patch::not_null")]
/// title: Option<String>,            // null: 422 naming the field
/// ```
///
/// (Plain `Option<T>` reads `null` as absent, so a `null` meant to clear
/// would change nothing and still answer 200.)
pub mod patch {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    /// `null` is `Some(None)`: clear it. Use with `#[serde(default)]`.
    pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }

    /// `null` is refused: this field cannot be cleared. Use with `#[serde(default)]`.
    pub fn not_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        match Option::<T>::deserialize(d)? {
            Some(value) => Ok(Some(value)),
            None => Err(D::Error::custom(
                "cannot be cleared: give a value or leave the field out",
            )),
        }
    }
}

/// A text path segment (`/tracks/{key}`), refused with 400 naming `name` when
/// it holds NUL (sent as `%00`).
pub fn path_text(name: &str, value: String) -> Result<String, AppError> {
    if value.contains('\0') {
        return Err(AppError::parameter(name, NUL_MESSAGE));
    }
    Ok(value)
}

/// A query string for the API: a parameter of the wrong shape or holding
/// NUL gets 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(query(req.query_string()).map(ApiQuery))
    }
}

/// Reads `?a=1&b=2` as `T`; see [`ApiQuery`].
pub fn query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    if let Some(name) = nul_in_pairs(query.as_bytes()) {
        return Err(AppError::parameter(&name, NUL_MESSAGE));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let name = match path.as_str() {
            "." | "" => missing_field(&message).unwrap_or("query".into()),
            _ => path,
        };
        AppError::parameter(&name, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_where_it_is() {
        let value = serde_json::json!({"a": [{"b": "x"}, {"b": "y\u{0}"}]});
        assert_eq!(nul_path(&value, String::new()).as_deref(), Some("a[1].b"));
        let key = serde_json::json!({"n\u{0}": 1});
        assert_eq!(nul_path(&key, String::new()).as_deref(), Some("n\\0"));
        assert_eq!(
            nul_path(&serde_json::json!({"a": "b"}), String::new()),
            None
        );
    }

    #[test]
    fn nul_beside_a_number_out_of_range_is_still_refused() {
        #[derive(Deserialize, Debug)]
        struct B {
            #[allow(dead_code)]
            a: String,
        }
        let e = json_body::<B>(br#"{"a": "x\u0000", "skip": 1e400}"#).unwrap_err();
        assert!(
            matches!(e, AppError::Validation { ref fields, .. } if fields.contains_key("body")),
            "{e:?}"
        );
        let e = json_body::<B>(br#"{"a": "x\u0000"}"#).unwrap_err();
        assert!(
            matches!(e, AppError::Validation { ref fields, .. } if fields.contains_key("a")),
            "{e:?}"
        );
    }

    #[test]
    fn query_errors_name_the_parameter() {
        #[derive(Deserialize, Debug)]
        struct Q {
            #[allow(dead_code)]
            job_id: Option<i64>,
        }
        let e = query::<Q>("job_id=abc").unwrap_err();
        assert!(
            matches!(e, AppError::BadParameter { ref name, .. } if name == "job_id"),
            "{e:?}"
        );
        let e = query::<Q>("job_id=1&x=%00").unwrap_err();
        assert!(
            matches!(e, AppError::BadParameter { ref name, .. } if name == "x"),
            "{e:?}"
        );
    }
}
