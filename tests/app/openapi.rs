//! The OpenAPI document at `/api/openapi.json` and the reference at
//! `/api/docs`: the document is OpenAPI 3.1, says what every answer looks
//! like, and matches the route table exactly.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::TestApp;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn document(app: &TestApp) -> Value {
    let res = app.browser().get("/api/openapi.json");
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        res.headers
    );
    res.json()
}

/// Every (METHOD, path) the document lists.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
        for key in item.as_object().unwrap().keys() {
            assert!(
                METHODS.contains(&key.as_str()) || key == "parameters",
                "{path}: unexpected {key}"
            );
        }
    }
    ops
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.insert(v.as_str().unwrap_or_default().to_owned());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_with_the_bearer_scheme_errors_paging_and_conflicts() {
    let app = TestApp::spawn();
    let doc = document(&app);

    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Loopwright API");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(doc["security"][0]["bearer"], serde_json::json!([]));

    // The error shape: {"error": {"code", "message", "fields"?, "location"?}}.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ErrorBody"]["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorDetail"
    );
    let detail = &schemas["ErrorDetail"];
    let required: Vec<&str> = detail["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["code", "message"]);
    assert!(detail["properties"]["fields"].is_object());

    // Every reference resolves.
    let mut all = BTreeSet::new();
    refs(&doc, &mut all);
    assert!(all.len() > 30, "{all:?}");
    for r in &all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas[name].is_object(), "{r} does not resolve");
    }

    let mut ids = BTreeSet::new();
    for (method, path) in documented(&doc) {
        let method = method.to_ascii_lowercase();
        let op = operation(&doc, &method, &path);
        let id = op["operationId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} twice");
        assert!(op["tags"][0].is_string(), "{method} {path} has no tag");
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success answer"
        );
        // Every error answer has the error body.
        for (status, answer) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    answer["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        let public = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().all(|r| r.as_object().unwrap().is_empty()));
        assert_eq!(
            responses.contains_key("401"),
            !public || path == "/api/v1/auth/login",
            "{method} {path}: 401 documented iff a token is needed"
        );
        // Every path parameter is declared.
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(|c| c == '{' || c == '}');
            assert!(
                op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path")),
                "{method} {path}: no path parameter {name}"
            );
        }
    }

    // Public operations say so; everything else takes the bearer token.
    for (method, path) in [
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/password-resets"),
        ("post", "/api/v1/password-resets/{token}/accept"),
        ("post", "/api/v1/invitations/{token}/accept"),
    ] {
        assert_eq!(
            operation(&doc, method, path)["security"],
            serde_json::json!([{}]),
            "{method} {path}"
        );
    }
    assert!(operation(&doc, "get", "/api/v1/jobs")["security"].is_null());

    // Lists take ?page=&per_page= and answer with page, per_page and total.
    for path in [
        "/api/v1/jobs",
        "/api/v1/candidates",
        "/api/v1/questions",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/me/tokens",
        "/api/v1/me/interviews",
    ] {
        let op = operation(&doc, "get", path);
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(params.contains(&"page"), "{path}: {params:?}");
        assert!(params.contains(&"per_page"), "{path}: {params:?}");
        let page = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "per_page")
            .unwrap();
        assert_eq!(page["schema"]["minimum"], 1);
        assert_eq!(page["schema"]["maximum"], 100);
        let body = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let schema = &schemas[body.rsplit('/').next().unwrap()];
        for field in ["page", "per_page", "total"] {
            assert!(
                schema["properties"][field].is_object(),
                "{path}: {body} lacks {field}"
            );
        }
    }

    // 409 where a stale version or a duplicate is refused, 422 where a
    // field is.
    for (method, path) in [
        ("patch", "/api/v1/stages/{id}"),
        ("delete", "/api/v1/stages/{id}"),
        ("post", "/api/v1/loops/{id}/stages"),
        ("put", "/api/v1/stages/{id}/questions"),
        ("put", "/api/v1/stages/{id}/interviewers"),
        ("post", "/api/v1/candidates"),
        ("post", "/api/v1/users"),
        ("put", "/api/v1/stages/{id}/scorecard"),
    ] {
        let op = operation(&doc, method, path);
        assert!(op["responses"]["409"].is_object(), "{method} {path}: 409");
    }
    for (method, path) in [
        ("post", "/api/v1/jobs"),
        ("patch", "/api/v1/jobs/{id}"),
        ("post", "/api/v1/candidates"),
        ("patch", "/api/v1/stages/{id}"),
        ("post", "/api/v1/me/tokens"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/candidates/{id}/decision"),
        ("put", "/api/v1/stages/{id}/scorecard"),
    ] {
        let op = operation(&doc, method, path);
        assert!(op["responses"]["422"].is_object(), "{method} {path}: 422");
    }

    // The busiest bodies are described field by field.
    let stage = &schemas["StageView"]["properties"];
    for field in [
        "id",
        "position",
        "stage_kind",
        "title",
        "format",
        "duration_minutes",
    ] {
        assert!(stage[field].is_object(), "StageView lacks {field}: {stage}");
    }
    let rating = &schemas["Rating"]["enum"];
    assert_eq!(
        rating,
        &serde_json::json!(["strong_no", "no", "yes", "strong_yes", "no_signal"])
    );
}

/// What actix serves under `/api/v1`: the patterns of its resource map
/// (read from its debug form, the only view actix gives of its routes).
fn served_patterns() -> BTreeSet<String> {
    use actix_web::{App, HttpRequest, test, web};
    actix_web::rt::System::new().block_on(async {
        let app = test::init_service(App::new().configure(loopwright::web::routes).route(
            "/__resource_map",
            web::get().to(|req: HttpRequest| async move { format!("{:#?}", req.resource_map()) }),
        ))
        .await;
        let req = test::TestRequest::get().uri("/__resource_map").to_request();
        let map = String::from_utf8(test::call_and_read_body(&app, req).await.to_vec()).unwrap();
        patterns_of(&map)
    })
}

/// The full patterns of the routes in a `{:#?}` of a `ResourceMap`: each
/// node's pattern joined to its ancestors', by indentation; scopes (nodes
/// with routes under them) left out.
fn patterns_of(map: &str) -> BTreeSet<String> {
    // (indentation, full pattern, index in `nodes`) of the open ancestors.
    let mut stack: Vec<(usize, String, usize)> = Vec::new();
    let mut nodes: Vec<(String, bool)> = Vec::new();
    let lines: Vec<&str> = map.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start() != "patterns: Single(" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let pattern = lines[i + 1].trim().trim_end_matches(',').trim_matches('"');
        while stack.last().is_some_and(|(d, ..)| *d >= indent) {
            stack.pop();
        }
        let full = format!(
            "{}{pattern}",
            stack.last().map(|(_, p, _)| p.as_str()).unwrap_or("")
        );
        if let Some((.., parent)) = stack.last() {
            nodes[*parent].1 = true;
        }
        nodes.push((full.clone(), false));
        stack.push((indent, full, nodes.len() - 1));
    }
    nodes
        .into_iter()
        .filter(|(_, is_scope)| !is_scope)
        .map(|(pattern, _)| pattern)
        .collect()
}

#[test]
fn every_served_api_route_is_documented_and_every_documented_one_is_served() {
    let app = TestApp::spawn();
    let doc = document(&app);
    let ops = documented(&doc);
    let paths: BTreeSet<String> = ops.iter().map(|(_, p)| p.clone()).collect();
    assert!(ops.len() >= 60, "{} operations", ops.len());

    // Every path actix routes under /api/v1 is in the document, and back.
    let served: BTreeSet<String> = served_patterns()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/"))
        .collect();
    assert!(served.contains("/api/v1/jobs/{id}"), "{served:?}");
    let undocumented: Vec<_> = served.difference(&paths).collect();
    assert!(
        undocumented.is_empty(),
        "served, not documented: {undocumented:?}"
    );
    let unserved: Vec<_> = paths.difference(&served).collect();
    assert!(unserved.is_empty(), "documented, not served: {unserved:?}");

    // And method by method: a documented operation reaches its handler
    // (which asks for a token, or reads the body first when public); any
    // other method on the path is 405, with `Allow` naming the documented
    // ones.
    let mut anonymous = app.browser();
    for path in &paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{token}", "nonsense")
            .replace("{key}", "backend-developer");
        let mut allowed: Vec<String> = METHODS
            .iter()
            .map(|m| m.to_ascii_uppercase())
            .filter(|m| ops.contains(&(m.clone(), path.clone())))
            .collect();
        if allowed.contains(&"GET".to_owned()) {
            allowed.insert(1, "HEAD".to_owned());
        }
        for method in METHODS {
            let upper = method.to_ascii_uppercase();
            let res = anonymous.request(
                &upper,
                &concrete,
                Some(("application/json", "{not json".to_owned())),
            );
            if ops.contains(&(upper.clone(), path.clone())) {
                assert!(
                    matches!(res.status, 400 | 401),
                    "{upper} {path} is documented but answered {}: {}",
                    res.status,
                    res.body
                );
            } else {
                assert_eq!(
                    res.status, 405,
                    "{upper} {path} is not documented but answered {}: {}",
                    res.status, res.body
                );
                assert_eq!(res.json()["error"]["code"], "method_not_allowed");
                let allow: Vec<String> = res
                    .header("allow")
                    .unwrap_or_default()
                    .split(", ")
                    .map(str::to_owned)
                    .collect();
                let mut sorted_allowed = allowed.clone();
                sorted_allowed.sort();
                let mut sorted_allow = allow.clone();
                sorted_allow.sort();
                assert_eq!(sorted_allow, sorted_allowed, "{upper} {path}: Allow");
            }
        }
    }
    // A path that is not the API's at all is the default 404.
    let res = anonymous.get("/api/v1/no-such-thing");
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["error"]["code"], "not_found");
}

#[test]
fn the_reference_page_shows_every_operation_to_anyone() {
    let app = TestApp::spawn();
    let doc = document(&app);
    let res = app.browser().get("/api/docs");
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("<h1>API reference</h1>"));
    for (method, path) in documented(&doc) {
        let op = operation(&doc, &method.to_ascii_lowercase(), &path);
        let anchor = format!(
            "id=\"op-{}\"",
            op["operationId"].as_str().unwrap().replace('_', "-")
        );
        assert!(
            res.body.contains(&anchor),
            "no {anchor} for {method} {path}"
        );
        assert!(res.body.contains(&format!("<code>{path}</code>")), "{path}");
    }
    // Schemas are linked, and text from the document is escaped.
    assert!(res.body.contains("href=\"#schema-errorbody\""));
    assert!(res.body.contains("id=\"schema-errorbody\""));
    assert!(res.body.contains("&lt;token&gt;"));
    assert!(!res.body.contains("<token>"));
    assert!(res.body.contains("href=\"/api/openapi.json\""));

    // Signed in, the page has the person's header; the footer links it.
    let user = app.user(loopwright::domain::Role::Interviewer);
    let mut browser = app.signed_in(&user);
    let page = browser.get("/api/docs");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Signed in as"), "{}", page.body);
    let home = browser.get("/");
    assert!(home.body.contains("href=\"/api/docs\""));
}

/// What the contract test found, kept fixed: a JSON array is not an
/// object with every field left out, and an empty upload is not an empty
/// bank file.
#[test]
fn an_array_body_and_an_empty_bank_file_are_refused() {
    let app = TestApp::spawn();
    let admin = app.user(loopwright::domain::Role::Admin);
    let mut api = app.script(&admin);
    let question = api.get("/api/v1/questions?per_page=1").json()["questions"][0]["id"]
        .as_i64()
        .unwrap();
    for (method, path) in [
        ("PATCH", format!("/api/v1/questions/{question}")),
        ("POST", "/api/v1/jobs".to_owned()),
        ("POST", "/api/v1/me/tokens".to_owned()),
    ] {
        let res = api.request(method, &path, Some(("application/json", "[]".to_owned())));
        assert_eq!(res.status, 422, "{method} {path}: {}", res.body);
        assert!(
            res.json()["error"]["fields"]["body"]
                .as_str()
                .unwrap()
                .contains("not an array"),
            "{}",
            res.body
        );
    }
    let res = api.request("POST", "/api/v1/bank/import", None);
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("empty")
    );
}
