//! Rendering pages: what every page's context holds (who is signed in,
//! navigation, CSRF token, flash), and pages loaded and rendered in one trip
//! to the blocking pool.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Value, json};

use super::{AppState, State, db, html};
use crate::access::Action;
use crate::auth::{CurrentUser, csrf};
use crate::db::DbConn;
use crate::domain::Role;
use crate::error::AppError;
use actix_web::web;

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
        // The `time` helper shows times in this zone.
        "viewer_zone": "UTC",
    });
    if let (Some(base), Value::Object(extra)) = (context.as_object_mut(), extra) {
        base.extend(extra);
    }
    context
}

/// The header of a signed-in person's page: who they are and where to go.
pub(super) fn show_signed_in(context: &mut Value, user: &CurrentUser, path: &str) {
    context["user"] = json!({
        "name": user.user.name,
        "email": user.user.email,
        "role": user.role.as_str(),
        "role_label": user.role.label(),
    });
    context["nav"] = nav(user.role, path);
    context["viewer_zone"] = json!(user.zone.name());
}

/// Navigation by what the person came to do.
fn nav(role: Role, path: &str) -> Value {
    let mut items = vec![("/", "Home"), ("/interviews", "My interviews")];
    if crate::access::role_allows(role, Action::ListJobs) {
        items.push(("/jobs", "Jobs"));
    }
    if crate::access::role_allows(role, Action::ListCandidates) {
        items.push(("/candidates", "Candidates"));
    }
    items.extend([("/bank", "Question bank"), ("/tracks", "Tracks")]);
    if crate::access::role_allows(role, Action::ReadCalibration) {
        items.push(("/insights", "Insights"));
    }
    if role == Role::Admin {
        items.push(("/users", "People"));
    }
    if crate::access::role_allows(role, Action::ReadAudit) {
        items.push(("/audit", "Audit log"));
    }
    items
        .into_iter()
        .map(|(href, label)| {
            let current = if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            };
            json!({"href": href, "label": label, "current": current})
        })
        .collect()
}

const FLASH_COOKIE: &str = "lw_flash";

/// A one-time message shown on the next page (after a redirect).
pub fn flash_cookie(kind: &str, message: &str) -> Cookie<'static> {
    let value = serde_urlencoded::to_string([("k", kind), ("m", message)]).unwrap_or_default();
    Cookie::build(FLASH_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish()
}

fn take_flash(req: &HttpRequest) -> Option<Value> {
    let cookie = req.cookie(FLASH_COOKIE)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(cookie.value()).ok()?;
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    Some(json!({"kind": get("k")?, "message": get("m")?}))
}

/// Renders a page from its typed context (a `Serialize` struct of the
/// feature's), with what every page gets; see [`render`].
pub fn render_page(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    status: StatusCode,
    template: &str,
    title: &str,
    page: &impl serde::Serialize,
) -> Result<HttpResponse, AppError> {
    let extra = serde_json::to_value(page).map_err(AppError::internal)?;
    render(state, req, user, status, template, title, extra)
}

/// Renders a page for whoever is asking: their navigation, a CSRF token for
/// its forms (setting the signed-out CSRF cookie if needed), and any flash.
pub fn render(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    status: StatusCode,
    template: &str,
    title: &str,
    extra: Value,
) -> Result<HttpResponse, AppError> {
    let frame = PageFrame::new(req, user);
    let body = state
        .templates
        .render_page(template, frame.context.with(title, extra))?;
    frame.respond(status, body)
}

/// What every page gets from the request, read before its own context:
/// the signed-in header, a CSRF token (and the cookie that carries it when
/// signed out), and any flash.
pub struct PageFrame {
    /// What the template's context takes from the frame: `Send`, so it can
    /// go where the page renders.
    pub context: FrameContext,
    csrf_cookie: Option<Cookie<'static>>,
    flashed: bool,
}

#[derive(Clone)]
pub struct FrameContext {
    csrf_token: String,
    /// Set over the page's own context: who is signed in, and the flash.
    header: Value,
}

impl FrameContext {
    /// The template's context: what every page gets, the page's own, then
    /// the header (the page's context never replaces who is signed in).
    pub fn with(&self, title: &str, extra: Value) -> Value {
        let mut context = page_context(title, Some(&self.csrf_token), extra);
        if let (Some(base), Value::Object(header)) = (context.as_object_mut(), &self.header) {
            base.extend(header.clone());
        }
        context
    }
}

impl PageFrame {
    pub fn new(req: &HttpRequest, user: Option<&CurrentUser>) -> Self {
        let (csrf_token, csrf_cookie) = csrf::issue(req);
        let flash = take_flash(req);
        let mut header = json!({});
        if let Some(user) = user {
            show_signed_in(&mut header, user, req.path());
        }
        if let Some(flash) = &flash {
            header["flash"] = json!([flash]);
        }
        PageFrame {
            context: FrameContext { csrf_token, header },
            csrf_cookie,
            flashed: flash.is_some(),
        }
    }

    /// The rendered `body` with the frame's cookies.
    pub fn respond(self, status: StatusCode, body: String) -> Result<HttpResponse, AppError> {
        let mut response = html(status, body);
        if let Some(cookie) = self.csrf_cookie {
            response.add_cookie(&cookie).map_err(AppError::internal)?;
        }
        if self.flashed {
            let mut gone = Cookie::build(FLASH_COOKIE, "").path("/").finish();
            gone.make_removal();
            response.add_cookie(&gone).map_err(AppError::internal)?;
        }
        Ok(response)
    }
}

/// Reads a page's data with `load` (which answers the page's title and its
/// context) and renders `template` with it, both on the blocking pool in
/// one trip: neither the queries nor the template run on the server's
/// worker threads, and the page pays one thread hop, not two. Errors from
/// `load` are the handler's answer, as from [`db`].
pub async fn render_loaded<P, F>(
    state: &State,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    status: StatusCode,
    template: &'static str,
    load: F,
) -> Result<HttpResponse, AppError>
where
    P: Serialize,
    F: FnOnce(&mut DbConn) -> Result<(String, P), AppError> + Send + 'static,
{
    render_chosen(state, req, user, move |conn| {
        let (title, page) = load(conn)?;
        Chosen::page(status, template, title, &page)
    })
    .await
}

/// The page a read decided on: its status, template, title and context.
/// For a page that is one thing or another by what was found (a link's
/// form, or the message that the link cannot be used).
pub struct Chosen {
    pub status: StatusCode,
    pub template: &'static str,
    pub title: String,
    pub context: Value,
}

impl Chosen {
    pub fn page(
        status: StatusCode,
        template: &'static str,
        title: impl Into<String>,
        page: &impl Serialize,
    ) -> Result<Self, AppError> {
        Ok(Chosen {
            status,
            template,
            title: title.into(),
            context: serde_json::to_value(page).map_err(AppError::internal)?,
        })
    }

    /// The page's HTML inside what every page gets from `frame`.
    fn render(self, state: &AppState, frame: &FrameContext) -> Result<String, AppError> {
        let context = frame.with(&self.title, self.context);
        Ok(state.templates.render_page(self.template, context)?)
    }
}

/// [`render_loaded`] for a page whose status and template depend on what
/// `load` finds: read, chosen and rendered on the blocking pool in one trip.
pub async fn render_chosen<F>(
    state: &State,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    load: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<Chosen, AppError> + Send + 'static,
{
    let frame = PageFrame::new(req, user);
    let (state_in_hop, frame_context) = (state.clone(), frame.context.clone());
    let (status, body) = db(state, move |conn| {
        let page = load(conn)?;
        Ok((page.status, page.render(&state_in_hop, &frame_context)?))
    })
    .await?;
    frame.respond(status, body)
}

/// Renders `template` on the blocking pool, without a connection, with the
/// context `build` answers (the page's title and its context): for a page
/// with nothing to read, or a form sent back, refused before any trip to
/// the pool, whose context is built already. The template does not run on
/// the server's worker threads, and the page pays one thread hop. A page
/// that reads data uses [`render_loaded`], which reads and renders in that
/// same hop; an answer decided by an earlier trip is rendered where it is,
/// since a trip of its own would be a second hop.
pub async fn render_off_worker<P, F>(
    state: &State,
    req: &HttpRequest,
    user: Option<&CurrentUser>,
    status: StatusCode,
    template: &'static str,
    build: F,
) -> Result<HttpResponse, AppError>
where
    P: Serialize,
    F: FnOnce() -> Result<(String, P), AppError> + Send + 'static,
{
    let frame = PageFrame::new(req, user);
    let (state_in_hop, frame_context) = (state.clone(), frame.context.clone());
    let body = web::block(move || -> Result<String, AppError> {
        let (title, page) = build()?;
        Chosen::page(status, template, title, &page)?.render(&state_in_hop, &frame_context)
    })
    .await??;
    frame.respond(status, body)
}
