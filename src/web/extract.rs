//! Body extractors that check what every form and JSON body must satisfy.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::csrf;
use crate::error::AppError;

const FORM_LIMIT: usize = 64 * 1024;
const JSON_LIMIT: usize = 1024 * 1024;

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

/// The whole body; actix's `PayloadConfig` (set in the route table) caps it first.
async fn read_body(
    req: HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, AppError> {
    let bytes = Bytes::from_request(&req, &mut payload)
        .await
        .map_err(|e| AppError::BadRequest(format!("The body could not be read: {e}")))?;
    if bytes.len() > limit {
        return Err(AppError::BadRequest(format!(
            "The body is larger than {limit} bytes."
        )));
    }
    Ok(bytes)
}

/// A url-encoded form whose `csrf_token` field matches the session's (or the
/// signed-out CSRF cookie's): checked before the handler runs.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            if content_type(&req) != "application/x-www-form-urlencoded" {
                return Err(AppError::BadRequest(
                    "The form could not be read: expected application/x-www-form-urlencoded."
                        .into(),
                ));
            }
            let bytes = read_body(req.clone(), payload, FORM_LIMIT).await?;
            let token: CsrfOnly = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            csrf::verify(&req, &token.csrf_token)?;
            let value = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            Ok(CsrfForm(value))
        })
    }
}

/// A JSON body; a value of the wrong shape gets 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let kind = content_type(&req);
            if kind != "application/json" && !kind.ends_with("+json") {
                return Err(AppError::BadRequest(
                    "Send the body as JSON with Content-Type: application/json.".into(),
                ));
            }
            let bytes = read_body(req, payload, JSON_LIMIT).await?;
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(&mut de)
                .map(ApiJson)
                .map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    if inner.is_syntax() || inner.is_eof() {
                        return AppError::BadRequest(format!(
                            "The body is not valid JSON: {inner}"
                        ));
                    }
                    let message = inner.to_string();
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_owned();
                    let field = if path == "." {
                        missing_field(&message).unwrap_or("body".into())
                    } else {
                        path
                    };
                    AppError::Validation {
                        message: format!("{field}: {message}"),
                        fields: BTreeMap::from([(field, message)]),
                    }
                })
        })
    }
}

/// serde's "missing field `email`" names the field at the top level.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}
