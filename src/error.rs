//! One error type for every handler, mapped to HTTP.
//!
//! `AppError` renders as the API's JSON error body; the `error_pages`
//! middleware in `web` turns error responses outside `/api` into an HTML page.
//! Internal causes are logged, never shown.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that parsed but broke a rule; `fields` maps field name to message.
    #[error("{message}")]
    Validation {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("{0}")]
    BadRequest(String),
    /// A query or path parameter that cannot be used (`?page=0`); 400
    /// naming it in `fields`.
    #[error("{name}: {message}")]
    BadParameter { name: String, message: String },
    /// A body over `limit` bytes: 413 saying the limit.
    #[error("The body is larger than {} (at most {limit} bytes).", human_size(*limit))]
    PayloadTooLarge { limit: usize },
    #[error("Sign in to continue.")]
    Unauthorized,
    /// A sign-in with a wrong email or password (never saying which).
    #[error("The email or password is not right.")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("We could not find that.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The thing asked for exists already: `field` says which input made it
    /// the same one, `location` is the path of the one that exists.
    #[error("{message}")]
    Duplicate {
        field: &'static str,
        message: String,
        location: String,
    },
    #[error("{0}")]
    Gone(String),
    #[error("Too many attempts. Try again in {}.", wait_words(*.retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    /// The password-hash queue is full, or a hash waited past its turn:
    /// 429, not the person's doing.
    #[error("Many people are signing in at once. Try again in {}.", wait_words(*.retry_after_secs))]
    Busy { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side.")]
    Internal(#[source] anyhow::Error),
}

/// A wait as a person reads it: "1 second", "40 seconds", "15 minutes"
/// (rounded up), "2 hours".
fn wait_words(secs: u64) -> String {
    let (n, unit) = match secs {
        0..=59 => (secs.max(1), "second"),
        60..=3599 => (secs.div_ceil(60), "minute"),
        _ => (secs.div_ceil(3600), "hour"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// What every API error answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    /// A stable, machine-readable name for the kind of error, e.g.
    /// `validation_failed` (422), `conflict` (409), `not_found` (404).
    pub code: &'a str,
    /// What went wrong, for a person to read.
    pub message: String,
    /// The fields (or parameters) at fault, each with what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// For a duplicate: the path of what already exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// `262144` as "256 KiB": limits as people read them.
fn human_size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

impl AppError {
    /// 400 for a query or path parameter, naming it.
    pub fn parameter(name: &str, message: impl Into<String>) -> Self {
        Self::BadParameter {
            name: name.to_owned(),
            message: message.into(),
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            message: format!("{field}: {message}"),
            fields: BTreeMap::from([(field.to_owned(), message)]),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    /// A stable, machine-readable name for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::BadRequest(_) | Self::BadParameter { .. } => "bad_request",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Unauthorized => "unauthorized",
            Self::BadCredentials => "invalid_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict(_) | Self::Duplicate { .. } => "conflict",
            Self::Gone(_) => "gone",
            Self::TooManyRequests { .. } | Self::Busy { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

/// The code for a status when no `AppError` is at hand (e.g. actix's own 404).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "too_many_requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) | Self::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Duplicate { .. } => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooManyRequests { .. } | Self::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let (fields, location) = match self {
            Self::Validation { fields, .. } => (fields.clone(), None),
            Self::BadParameter { name, message } => {
                (BTreeMap::from([(name.clone(), message.clone())]), None)
            }
            Self::Duplicate {
                field,
                message,
                location,
            } => (
                BTreeMap::from([((*field).to_owned(), message.clone())]),
                Some(location.clone()),
            ),
            _ => (BTreeMap::new(), None),
        };
        let mut response = HttpResponse::build(self.status_code()).json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                fields,
                location,
            },
        });
        if matches!(self, Self::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::TooManyRequests { retry_after_secs } | Self::Busy { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => {
                tracing::error!(error = info.message(), "the database connection was lost");
                Self::Unavailable("The database connection was lost. Try again.".into())
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %e, "no database connection");
        Self::Unavailable("The database is not answering. Try again shortly.".into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<crate::templates::RenderError> for AppError {
    fn from(e: crate::templates::RenderError) -> Self {
        Self::Internal(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_person_says_them() {
        let cases = [
            (0, "1 second"),
            (1, "1 second"),
            (40, "40 seconds"),
            (60, "1 minute"),
            (61, "2 minutes"),
            (900, "15 minutes"),
            (3600, "1 hour"),
            (7200, "2 hours"),
        ];
        for (secs, words) in cases {
            assert_eq!(wait_words(secs), words, "{secs} s");
        }
        assert_eq!(
            AppError::Busy {
                retry_after_secs: 1
            }
            .to_string(),
            "Many people are signing in at once. Try again in 1 second."
        );
        assert_eq!(
            AppError::TooManyRequests {
                retry_after_secs: 840
            }
            .to_string(),
            "Too many attempts. Try again in 14 minutes."
        );
    }
}
