//! HTTP: the route table, shared state, and the pieces every handler uses.

mod assets;
mod health;
mod home;
mod setup;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{HttpMessage, HttpResponse, web};
use serde_json::{Value, json};
use tracing_actix_web::RequestId;

use crate::config::Config;
use crate::db::{DbConn, DbPool, QueryCounter};
use crate::error::{AppError, code_for_status};
use crate::templates::Templates;

pub struct AppState {
    pub pool: DbPool,
    pub templates: Templates,
    pub config: Config,
    /// The base of links we print or email.
    pub public_url: String,
    pub queries: QueryCounter,
}

pub type State = web::Data<AppState>;

/// The one route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/", web::get().to(home::show))
        .route("/static/{file}", web::get().to(assets::show))
        .route("/setup/{token}", web::get().to(setup::show))
        .route("/setup/{token}", web::post().to(setup::create))
        .app_data(
            web::FormConfig::default()
                .limit(64 * 1024)
                .error_handler(|e, _| {
                    AppError::BadRequest(format!("The form could not be read: {e}")).into()
                }),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(1024 * 1024)
                .error_handler(|e, _| {
                    AppError::BadRequest(format!("The JSON body could not be read: {e}")).into()
                }),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(AppError::NotFound)
        }));
}

/// Runs `work` with a pooled connection on the blocking thread pool.
pub async fn db<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// The context every page gets, merged with the page's own.
pub fn page_context(title: &str, csrf_token: Option<&str>, extra: Value) -> Value {
    let mut context = json!({
        "app_name": "Loopwright",
        "version": env!("CARGO_PKG_VERSION"),
        "title": title,
        "user": null,
        "nav": [],
        "flash": [],
        "csrf_token": csrf_token,
    });
    if let (Some(base), Value::Object(extra)) = (context.as_object_mut(), extra) {
        base.extend(extra);
    }
    context
}

/// An HTML page with the given status.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Adds `X-Request-Id` to every response so users and logs can be matched.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

/// Error responses: JSON under `/api`, an HTML page everywhere else.
pub fn error_pages<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let is_api = res.request().path().starts_with("/api/");
        let is_html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let is_json = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if is_html || (is_api && is_json) {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let message = res
            .response()
            .error()
            .and_then(|e| e.as_error::<AppError>().map(ToString::to_string))
            .unwrap_or_else(|| default_message(status).to_owned());
        let request_id = res
            .request()
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string());
        let (req, old) = res.into_parts();
        let mut new = if is_api {
            HttpResponse::build(status).json(json!({
                "error": {"code": code_for_status(status), "message": message}
            }))
        } else {
            let body = req
                .app_data::<State>()
                .and_then(|state| {
                    let context = page_context(
                        status.canonical_reason().unwrap_or("Error"),
                        None,
                        json!({
                            "status": status.as_u16(),
                            "heading": heading(status),
                            "message": message,
                            "request_id": request_id,
                        }),
                    );
                    state.templates.render("pages/error", &context).ok()
                })
                .unwrap_or_else(|| format!("{} {}", status.as_u16(), message));
            html(status, body)
        };
        // Keep headers such as Retry-After and Set-Cookie.
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().insert(name.clone(), value.clone());
            }
        }
        let res: ServiceResponse<BoxBody> = ServiceResponse::new(req, new);
        Ok(ErrorHandlerResponse::Response(
            res.map_into_right_body::<B>(),
        ))
    })
}

fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "We could not read that request",
        401 => "Please sign in",
        403 => "You cannot do that",
        404 => "Page not found",
        405 => "That action is not available here",
        409 => "Someone else changed this",
        410 => "This link is no longer valid",
        422 => "Please check what you entered",
        429 => "Too many attempts",
        503 => "Loopwright is not ready",
        _ => "Something went wrong",
    }
}

fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "We could not find that.",
        405 => "That method is not allowed here.",
        s if s >= 500 => "Something went wrong on our side.",
        _ => "The request could not be completed.",
    }
}
