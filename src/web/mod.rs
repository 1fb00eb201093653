//! HTTP: the route table, shared state, and the pieces every handler uses.

mod assets;
pub mod extract;
pub mod form;
pub mod headers;
mod health;
mod lists;
mod own_thread;
mod render;
mod request_span;
mod tone;

pub use lists::{Counted, Listed, named};
pub use own_thread::on_own_thread;
pub use render::{
    Chosen, FrameContext, PageFrame, flash_cookie, page_context, render, render_chosen,
    render_loaded, render_off_worker, render_page,
};
pub use request_span::RequestSpan;
pub use tone::Tone;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{HttpMessage, HttpResponse, web};
use serde_json::{Value, json};
use tracing_actix_web::RequestId;

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use tokio::sync::Notify;

use crate::auth::session::{self, SessionKeys};
use crate::auth::signed_in;
use crate::auth::{CurrentUser, csrf};
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
    pub sessions: SessionKeys,
    /// Cookies get `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// Wakes the outbox worker when an email is queued.
    pub mail_wake: Arc<Notify>,
    pub metrics: crate::metrics::Metrics,
    /// Single sign-on, when configured.
    pub oidc: Option<Arc<crate::auth::oidc::OidcProvider>>,
    /// The people signed in lately, so a request need not load who asks.
    pub signed_in: Arc<crate::auth::signed_in::SignedInPeople>,
    /// Where every password hash waits its turn.
    pub hashing: Arc<crate::auth::password::HashQueue>,
}

pub type State = web::Data<AppState>;

/// The one route table. The API comes first: its scope's static prefix
/// turns every page request away with a string comparison, and API
/// requests are not tried against the pages' routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/v1").configure(crate::openapi::api_v1))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(crate::metrics::page::show))
        .route("/", web::get().to(crate::dashboard::page::show))
        .route("/static/{file}", web::get().to(assets::show))
        .configure(crate::people::pages)
        .configure(crate::auth::oidc::pages::routes)
        .configure(crate::bank::pages)
        .configure(crate::interviews::pages)
        .configure(crate::jobs::pages)
        .configure(crate::loops::pages)
        .configure(crate::candidates::pages)
        .configure(crate::insights::pages)
        .configure(crate::audit::pages)
        .configure(crate::webhooks::pages)
        .configure(crate::openapi::routes)
        .app_data(
            web::FormConfig::default()
                .limit(extract::FORM_LIMIT)
                .error_handler(|e, _| match e {
                    actix_web::error::UrlencodedError::Overflow { .. } => {
                        AppError::PayloadTooLarge {
                            limit: extract::FORM_LIMIT,
                        }
                        .into()
                    }
                    e => AppError::BadRequest(format!("The form could not be read: {e}")).into(),
                }),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(extract::JSON_LIMIT)
                .error_handler(|e, _| match e {
                    actix_web::error::JsonPayloadError::Overflow { .. }
                    | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                        AppError::PayloadTooLarge {
                            limit: extract::JSON_LIMIT,
                        }
                        .into()
                    }
                    e => {
                        AppError::BadRequest(format!("The JSON body could not be read: {e}")).into()
                    }
                }),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(AppError::NotFound)
        }));
}

/// Runs `work` with a pooled connection on the blocking thread pool, and
/// adds the statements it ran to the request's tally. The request's first
/// trip first confirms the person its extractor took from memory (one
/// statement; see [`signed_in`]), and a trip that changes a person's row
/// has them loaded afresh by the next request.
pub async fn db<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    db_then(state, work, Ok).await
}

/// [`db`], answering `work`'s value as JSON with `status`. The JSON is
/// written in the same trip, once the connection is back in the pool: the
/// server's worker threads only send the bytes, and the value is freed by
/// the thread that made it (a value freed by another thread costs the
/// allocator more). Errors are as for [`db`], or 500 if the value cannot
/// be written as JSON.
pub async fn db_json<T, F>(
    state: &AppState,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, AppError>
where
    T: serde::Serialize,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let body = db_then(state, work, |value| {
        serde_json::to_vec(&value).map_err(AppError::internal)
    })
    .await?;
    Ok(HttpResponse::build(status)
        .insert_header(header::ContentType::json())
        .body(body))
}

/// [`db`], then `then` with `work`'s value on the same blocking thread,
/// once the connection is back in the pool.
async fn db_then<T, U, F, G>(state: &AppState, work: F, then: G) -> Result<U, AppError>
where
    U: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    G: FnOnce(T) -> Result<U, AppError> + Send + 'static,
{
    let pool = state.pool.clone();
    let waiting = state.metrics.pool_waiting.clone();
    let people = state.signed_in.clone();
    let to_confirm = signed_in::take_to_confirm();
    let (answer, statements) = web::block(move || {
        let before = crate::db::statements_on_this_thread();
        waiting.inc();
        let conn = pool.get();
        waiting.dec();
        let answer = conn.map_err(AppError::from).and_then(|mut conn| {
            if let Some(known) = &to_confirm {
                people.confirm(&mut conn, known)?;
            }
            signed_in::forgetting_changes(&people, || work(&mut conn))
        });
        let statements = crate::db::statements_on_this_thread() - before;
        (answer.and_then(then), statements)
    })
    .await?;
    crate::metrics::request::add_statements(statements);
    answer
}

/// 303 See Other with a one-time message for the next page.
pub fn redirect_with_flash(
    location: &str,
    kind: &str,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let mut response = see_other(location);
    response
        .add_cookie(&flash_cookie(kind, message))
        .map_err(AppError::internal)?;
    Ok(response)
}

/// 303 See Other: where a form post sends the browser next.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The session cookie for a freshly issued token.
pub fn session_cookie(state: &AppState, jwt: String) -> Cookie<'static> {
    Cookie::build(session::COOKIE, jwt)
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            session::LIFETIME_SECS,
        ))
        .finish()
}

pub fn clear_session_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(session::COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// The client's address, for throttling and the audit log.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// `?page=&per_page=` for lists; `per_page` is capped at 100.
#[derive(Debug, serde::Deserialize)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> i64 {
        // Bounded so that the offset cannot overflow.
        self.page.unwrap_or(1).clamp(1, form::MAX_PAGE)
    }

    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(50).clamp(1, 100)
    }
}

/// Field errors as the form templates take them: by field, and in order
/// for the summary at the top. A typed page context flattens this in.
#[derive(Debug, Default, serde::Serialize)]
pub struct FormErrors {
    errors: std::collections::BTreeMap<String, String>,
    error_list: Vec<FieldError>,
}

#[derive(Debug, serde::Serialize)]
struct FieldError {
    field: String,
    message: String,
}

impl FormErrors {
    pub fn new(errors: &[(&str, String)]) -> Self {
        FormErrors {
            errors: errors
                .iter()
                .map(|(f, m)| ((*f).to_owned(), m.clone()))
                .collect(),
            error_list: errors
                .iter()
                .map(|(f, m)| FieldError {
                    field: (*f).to_owned(),
                    message: m.clone(),
                })
                .collect(),
        }
    }
}

/// Field errors as the form templates take them.
pub fn form_errors(errors: &[(&str, String)]) -> Value {
    serde_json::to_value(FormErrors::new(errors)).unwrap_or_default()
}

/// Field errors as the API's 422 body.
pub fn api_field_errors(errors: Vec<(&'static str, String)>) -> AppError {
    let message = errors
        .iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join(" ");
    AppError::Validation {
        message,
        fields: errors.into_iter().map(|(f, m)| (f.to_owned(), m)).collect(),
    }
}

/// Appends the merge of two JSON objects (for page contexts).
pub fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// An HTML page with the given status.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Answers `HEAD` wherever `GET` is answered (RFC 9110 §9.3.2): routing sees
/// a GET; the connection still knows the request was HEAD and sends the
/// headers alone.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
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
        if status == StatusCode::UNAUTHORIZED && !is_api {
            // Sign in, then come back here (only for pages one can go back to).
            let req = res.request();
            let location = if req.method() == actix_web::http::Method::GET {
                let back = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", back)]).unwrap_or_default()
                )
            } else {
                "/login".to_owned()
            };
            let (req, _) = res.into_parts();
            let mut redirect = see_other(&location);
            redirect.add_cookie(&clear_session_cookie()).ok();
            return Ok(ErrorHandlerResponse::Response(
                ServiceResponse::new(req, redirect).map_into_right_body(),
            ));
        }
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
        let known = req.extensions().get::<CurrentUser>().cloned();
        let has_session = req.cookie(crate::auth::session::COOKIE).is_some();
        if is_api || known.is_some() || !has_session {
            let res = error_response(req, old, status, &message, request_id, known, is_api);
            return Ok(ErrorHandlerResponse::Response(res.map_into_right_body()));
        }
        // The request failed before anyone asked who sent it (an unreadable
        // query, an unknown path): ask now, so the page keeps their header.
        Ok(ErrorHandlerResponse::Future(Box::pin(async move {
            let known = crate::auth::current_user::signed_in(&req).await;
            let res = error_response(req, old, status, &message, request_id, known, false);
            Ok(res.map_into_right_body())
        })))
    })
}

/// The error answer: JSON for the API, else the error page, with the
/// person's header and navigation when they are signed in.
fn error_response<B>(
    req: HttpRequest,
    old: HttpResponse<B>,
    status: StatusCode,
    message: &str,
    request_id: Option<String>,
    signed_in: Option<CurrentUser>,
    is_api: bool,
) -> ServiceResponse<BoxBody> {
    // Their session carries the form token: no cookie to set here.
    let csrf_token = signed_in
        .as_ref()
        .filter(|_| !is_api)
        .map(|_| csrf::issue(&req).0);
    let mut new = if is_api {
        HttpResponse::build(status).json(json!({
            "error": {"code": code_for_status(status), "message": message}
        }))
    } else {
        let body = req
            .app_data::<State>()
            .and_then(|state| {
                let mut context = page_context(
                    status.canonical_reason().unwrap_or("Error"),
                    csrf_token.as_deref(),
                    json!({
                        "status": status.as_u16(),
                        "heading": heading(status),
                        "message": message,
                        "request_id": request_id,
                    }),
                );
                if let Some(user) = &signed_in {
                    render::show_signed_in(&mut context, user, req.path());
                }
                state.templates.render_page("pages/error", context).ok()
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
    ServiceResponse::new(req, new)
}

fn heading(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "We could not read that request",
        401 => "Please sign in",
        403 => "You cannot do that",
        404 => "Page not found",
        405 => "That action is not available here",
        409 => "Someone else changed this",
        413 => "That is more than we accept at once",
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
