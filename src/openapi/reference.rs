//! `/api/docs`: the API reference, rendered by our own template from the
//! document itself, so it says what `/api/openapi.json` says.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::access::{self, Action};
use crate::auth::MaybeUser;
use crate::error::AppError;
use crate::web::{State, render_off_worker};

/// A run of text, shown as code when it was between backticks.
#[derive(Serialize)]
struct Segment {
    text: String,
    code: bool,
}

#[derive(Serialize)]
struct Page {
    version: String,
    description: Vec<Segment>,
    groups: Vec<Group>,
    schemas: Vec<SchemaView>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    anchor: String,
    description: Vec<Segment>,
    operations: Vec<OperationView>,
}

#[derive(Serialize)]
struct OperationView {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: Vec<Segment>,
    public: bool,
    parameters: Vec<ParameterView>,
    request: Option<TypeView>,
    responses: Vec<ResponseView>,
}

#[derive(Serialize)]
struct ParameterView {
    name: String,
    location: String,
    required: bool,
    kind: TypeView,
    description: Vec<Segment>,
}

#[derive(Serialize)]
struct ResponseView {
    status: String,
    description: Vec<Segment>,
    body: Option<TypeView>,
}

/// A schema as shown: its name (linked when it is a component) or a
/// short description of an inline one.
#[derive(Serialize)]
struct TypeView {
    text: String,
    link: Option<String>,
}

#[derive(Serialize)]
struct SchemaView {
    name: String,
    anchor: String,
    description: Vec<Segment>,
    fields: Vec<FieldView>,
    values: Vec<String>,
}

#[derive(Serialize)]
struct FieldView {
    name: String,
    kind: TypeView,
    required: bool,
    description: Vec<Segment>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

pub async fn show(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, AppError> {
    if !access::anonymous_may(Action::ReadApiDocs) {
        return Err(AppError::Unauthorized);
    }
    render_off_worker(
        &state,
        &req,
        user.0.as_ref(),
        StatusCode::OK,
        "pages/api_docs",
        || {
            let doc: Value =
                serde_json::from_str(super::document_json()).map_err(AppError::internal)?;
            Ok(("API reference".to_owned(), view(&doc)))
        },
    )
    .await
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The document's text with its `inline code` marked, for the template to
/// show (escaped) as code.
fn prose(value: &Value) -> Vec<Segment> {
    value
        .as_str()
        .unwrap_or_default()
        .split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| Segment {
            text: part.to_owned(),
            code: i % 2 == 1,
        })
        .collect()
}

fn anchor(prefix: &str, name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{}", slug.trim_matches('-'))
}

fn view(doc: &Value) -> Page {
    let mut groups: Vec<Group> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| Group {
            name: text(&tag["name"]),
            anchor: anchor("tag", tag["name"].as_str().unwrap_or_default()),
            description: prose(&tag["description"]),
            operations: Vec::new(),
        })
        .collect();
    let global_public = doc["security"].as_array().is_none_or(Vec::is_empty);
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let op = &item[method];
            if op.is_null() {
                continue;
            }
            let tag = op["tags"][0].as_str().unwrap_or_default();
            let public = match op["security"].as_array() {
                Some(list) => {
                    list.is_empty()
                        || list
                            .iter()
                            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
                }
                None => global_public,
            };
            let view = OperationView {
                anchor: anchor("op", op["operationId"].as_str().unwrap_or(path)),
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                summary: text(&op["summary"]),
                description: prose(&op["description"]),
                public,
                parameters: op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| ParameterView {
                        name: text(&p["name"]),
                        location: text(&p["in"]),
                        required: p["required"].as_bool().unwrap_or(false),
                        kind: type_of(&p["schema"]),
                        description: prose(&p["description"]),
                    })
                    .collect(),
                request: op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|c| type_of(&c["schema"])),
                responses: op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| ResponseView {
                        status: status.clone(),
                        description: prose(&r["description"]),
                        body: r["content"]
                            .as_object()
                            .and_then(|c| c.values().next())
                            .map(|c| type_of(&c["schema"])),
                    })
                    .collect(),
            };
            match groups.iter_mut().find(|g| g.name == tag) {
                Some(group) => group.operations.push(view),
                None => groups.push(Group {
                    name: tag.to_owned(),
                    anchor: anchor("tag", tag),
                    description: Vec::new(),
                    operations: vec![view],
                }),
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| schema_view(name, schema))
        .collect();
    Page {
        version: text(&doc["info"]["version"]),
        description: prose(&doc["info"]["description"]),
        groups,
        schemas,
    }
}

fn schema_view(name: &str, schema: &Value) -> SchemaView {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    SchemaView {
        name: name.to_owned(),
        anchor: anchor("schema", name),
        description: prose(&schema["description"]),
        fields: schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(field, s)| FieldView {
                name: field.clone(),
                kind: type_of(s),
                required: required.contains(&field.as_str()),
                description: prose(&s["description"]),
            })
            .collect(),
        values: schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect(),
    }
}

/// `Job`, `array of Job`, `string (date-time)`, `one of: null, Job`, …
fn type_of(schema: &Value) -> TypeView {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return TypeView {
            text: name.to_owned(),
            link: Some(anchor("schema", name)),
        };
    }
    let plain = |text: String| TypeView { text, link: None };
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let names: Vec<String> = choices.iter().map(|c| type_of(c).text).collect();
        let linked = choices.iter().find_map(|c| type_of(c).link);
        return TypeView {
            text: format!("one of: {}", names.join(", ")),
            link: linked,
        };
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".to_owned(),
    };
    if kind.starts_with("array") {
        let item = type_of(&schema["items"]);
        return TypeView {
            text: format!("{kind} of {}", item.text),
            link: item.link,
        };
    }
    match schema["format"].as_str() {
        Some(format) => plain(format!("{kind} ({format})")),
        None => plain(kind),
    }
}
