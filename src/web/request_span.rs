//! The span every request runs in: what the logs say of the request an
//! event came from.
//!
//! `tracing-actix-web`'s default span reads the route pattern (matching the
//! path against every route again), the connection's details and the user
//! agent on every request, even when nothing records the span; under load
//! that was about 5 % of a cheap request's time. This span reads only what
//! is at hand, and its fields are computed only when a subscriber wants it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// `request{method path request_id status}`, at `info`.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = request.path(),
            request_id = request_id.map(tracing::field::display),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if span.is_disabled() {
            return;
        }
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}
