//! The OpenAPI 3.1 document of `/api/v1`, and the reference page.
//!
//! Every API route is registered through [`ApiRoutes::op`], which takes the
//! handler together with the description `#[utoipa::path]` generated from
//! it: actix serves the method and path that the description names, and the
//! document is built from the very same list ([`every_feature`]). A route
//! cannot be served without being documented, nor documented without being
//! served.
//!
//! `/api/openapi.json` and `/api/docs` are public documentation: they hold
//! no data (see [`crate::access::anonymous_may`]).

mod reference;
pub mod schemas;

use std::sync::OnceLock;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Responder, web};
use utoipa::openapi::path::{HttpMethod, Operation, Paths};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr,
    ResponseBuilder, Schema, Tag,
};

use crate::access::{self, Action};
use crate::error::AppError;

/// Where the API lives; documented paths are absolute.
pub const API_PREFIX: &str = "/api/v1";

/// The bearer scheme's name in the document.
pub const BEARER: &str = "bearer";

/// What the document gathers while the routes are registered.
#[derive(Default)]
struct Gathered {
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
    tags: Vec<Tag>,
}

/// Routes whose paths start with one segment (`/stages`): that segment,
/// and each route with the rest of its path, in the order they were added.
type RouteGroup = (String, Vec<(String, actix_web::Route)>);

/// The API's route table: each route is served (when it is being mounted)
/// and documented from one call.
pub struct ApiRoutes {
    /// Routes to serve, grouped; `None` while only the document is built.
    served: Option<Vec<RouteGroup>>,
    gathered: Gathered,
    tag: &'static str,
}

impl ApiRoutes {
    /// Serves `handler` at the method(s) and path that `doc` (the
    /// `__path_<handler>` type `#[utoipa::path]` made) describes, and
    /// documents it.
    pub fn op<D, F, Args>(&mut self, _doc: D, handler: F) -> &mut Self
    where
        D: utoipa::Path + utoipa::__dev::SchemaReferences,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = D::path();
        let methods = D::methods();
        if self.served.is_some() {
            // Start-up: a path outside the API is a programming error.
            let local = path
                .strip_prefix(API_PREFIX)
                .unwrap_or_else(|| panic!("API path {path} is not under {API_PREFIX}"));
            for method in &methods {
                self.serve(local, web::method(actix_method(method)).to(handler.clone()));
            }
        }
        let mut operation = D::operation();
        complete(&mut operation, self.tag);
        D::schemas(&mut self.gathered.schemas);
        self.gathered
            .paths
            .add_path_operation(path, methods, operation);
        self
    }

    /// Adds `route` at `local` (a path under [`API_PREFIX`]) to the group of
    /// its first segment, after the routes already there.
    fn serve(&mut self, local: &str, route: actix_web::Route) {
        let Some(served) = self.served.as_mut() else {
            return;
        };
        let (first, rest) = split_first_segment(local);
        match served.iter_mut().find(|(segment, _)| segment == first) {
            Some((_, routes)) => routes.push((rest.to_owned(), route)),
            None => served.push((first.to_owned(), vec![(rest.to_owned(), route)])),
        }
    }

    /// The feature registered next, as the document's tag for its operations.
    fn feature(&mut self, tag: &'static str, description: &str, register: fn(&mut ApiRoutes)) {
        self.tag = tag;
        self.gathered.tags.push(Tag::new(tag));
        if let Some(last) = self.gathered.tags.last_mut() {
            last.description = Some(description.to_owned());
        }
        register(self);
    }
}

/// Every feature's API, in the order of the document: the one list that
/// both actix and the document read.
fn every_feature(r: &mut ApiRoutes) {
    r.feature(
        "People",
        "Signing in, your account and tokens, users and invitations.",
        crate::people::api,
    );
    r.feature(
        "Bank",
        "Tracks, stage kinds, formats and the question bank.",
        crate::bank::api,
    );
    r.feature("Jobs", "Jobs and their criteria.", crate::jobs::api);
    r.feature(
        "Loops",
        "Interview loops, their stages, coverage and revisions.",
        crate::loops::api,
    );
    r.feature(
        "Candidates",
        "Candidates, prep packs, the outbox and data rights.",
        crate::candidates::api,
    );
    r.feature(
        "Interviews",
        "Interview kits, scorecards, debriefs and decisions.",
        crate::interviews::api,
    );
    r.feature(
        "Insights",
        "Calibration, agreement and question analytics.",
        crate::insights::api,
    );
    r.feature(
        "Webhooks",
        "Events posted to other systems, and their delivery logs.",
        crate::webhooks::api,
    );
    r.feature("Audit", "The audit log.", crate::audit::api);
}

/// `("/stages", "/{id}/kit")` from `"/stages/{id}/kit"`; `("/me", "")`
/// from `"/me"`.
fn split_first_segment(local: &str) -> (&str, &str) {
    match local[1.min(local.len())..].find('/') {
        Some(at) => local.split_at(at + 1),
        None => (local, ""),
    }
}

/// Mounts every API route; the caller scopes it under [`API_PREFIX`]. A
/// path called with a method it does not serve answers 405 with `Allow`.
///
/// Routes are grouped in a scope per first segment (`/stages`, `/jobs`, …):
/// actix tries a request against each route in turn, running a regular
/// expression for every one with a parameter, while a scope's static
/// prefix is a string comparison. A request is matched against its own
/// group only (routing was 8 % of the kit API's time under load).
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    let mut routes = ApiRoutes {
        served: Some(Vec::new()),
        gathered: Gathered::default(),
        tag: "",
    };
    every_feature(&mut routes);
    let paths = std::mem::take(&mut routes.gathered.paths.paths);
    for (path, item) in &paths {
        let allow = allowed_methods(item).join(", ");
        let local = path.strip_prefix(API_PREFIX).unwrap_or(path);
        routes.serve(
            local,
            web::route().to(move || {
                let allow = allow.clone();
                async move { method_not_allowed(&allow) }
            }),
        );
    }
    for (first, group) in routes.served.unwrap_or_default() {
        let mut scope = web::scope(&first);
        for (rest, route) in group {
            scope = scope.route(&rest, route);
        }
        cfg.service(scope);
    }
}

/// The methods a documented path serves, as `Allow` lists them.
fn allowed_methods(item: &utoipa::openapi::PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("HEAD", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, served)| served.then_some(method))
    .collect()
}

/// 405 with `Allow` and the API's error body.
fn method_not_allowed(allow: &str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow))
        .json(crate::error::ErrorBody {
            error: crate::error::ErrorDetail {
                code: "method_not_allowed",
                message: format!("This path answers {allow}."),
                fields: Default::default(),
                location: None,
            },
        })
}

/// The routes of the document and the reference page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(show_document))
        .route("/api/docs", web::get().to(reference::show));
}

/// The OpenAPI document, built from the route table.
pub fn document() -> OpenApi {
    let mut routes = ApiRoutes {
        served: None,
        gathered: Gathered::default(),
        tag: "",
    };
    every_feature(&mut routes);
    let Gathered {
        paths,
        mut schemas,
        tags,
    } = routes.gathered;
    schemas::common(&mut schemas);
    let mut components = ComponentsBuilder::new()
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token (create one on your account page or with \
                         `POST /api/v1/me/tokens`) or the token `POST /api/v1/auth/login` \
                         answers with.",
                    ))
                    .build(),
            ),
        )
        .build();
    components.schemas.extend(schemas);
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Loopwright API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Structured interviewing, self-hosted. Errors are \
                     `{\"error\": {\"code\", \"message\", \"fields\"}}`; lists take \
                     `?page=&per_page=` and answer with `page`, `per_page` and `total`; \
                     edits to loops and stages carry a `version` and a stale one gets 409.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .security(Some(vec![SecurityRequirement::new(
            BEARER,
            Vec::<String>::new(),
        )]))
        .tags(Some(tags))
        .build()
}

/// The document as served, built once.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut value = serde_json::to_value(document()).unwrap_or_default();
        plain_descriptions(&mut value);
        serde_json::to_string_pretty(&value).unwrap_or_default()
    })
}

/// Descriptions come from doc comments: their intra-doc links
/// (``[`MIN_SHARED_CANDIDATES`]``) read as plain code to an API's user.
fn plain_descriptions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    serde_json::Value::String(text) if key == "description" => {
                        *text = text.replace("[`", "`").replace("`]", "`");
                    }
                    _ => plain_descriptions(item),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

/// `GET /api/openapi.json`.
async fn show_document(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    if !access::anonymous_may(Action::ReadApiDocs) {
        return Err(AppError::Unauthorized);
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json()))
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// What every operation shares, added where the handler's description does
/// not say it: its tag, an operation id without the `api_` prefix, and the
/// error answers any call can get (a malformed request, no or a bad token,
/// a refusal, an unknown id, too large a body, a database that is down).
fn complete(operation: &mut Operation, tag: &'static str) {
    if tag.is_empty() {
        return;
    }
    let tags = operation.tags.get_or_insert_with(Vec::new);
    if tags.is_empty() {
        tags.push(tag.to_owned());
    }
    if let Some(id) = operation.operation_id.as_mut()
        && let Some(short) = id.strip_prefix("api_")
    {
        *id = short.to_owned();
    }
    let public = operation
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &SecurityRequirement::default()));
    let mut common = vec![
        (
            "400",
            "The request could not be read: a malformed body or parameter.",
        ),
        (
            "403",
            "Not allowed: the role, the job or a read-only token forbids it.",
        ),
        ("404", "No such thing, or not one the caller may know of."),
        ("503", "The database is not answering; try again shortly."),
    ];
    if !public {
        common.push(("401", "No token, or one that is expired or revoked."));
    }
    if operation.request_body.is_some() {
        common.push(("413", "The body is larger than the API accepts."));
        common.push((
            "415",
            "The body is not of the content type the operation takes.",
        ));
    }
    for (status, description) in common {
        if !operation.responses.responses.contains_key(status) {
            operation
                .responses
                .responses
                .insert(status.to_owned(), error_response(description));
        }
    }
}

/// An answer with the API's error body.
pub fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}
