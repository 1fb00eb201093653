//! A deterministic fuzz pass over every API route: the routes are read from
//! the route table (the OpenAPI document, built from it), and each gets the same
//! fixed cases: malformed JSON, wrong types, NUL, huge numbers and pages,
//! punctuation-only text, an oversize body, invalid UTF-8, odd path
//! segments, and every verb. No answer may be a 5xx.
//!
//! Requests go over a raw socket so that bodies and query strings can hold
//! bytes no well-behaved client would send.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::builders::{Team, candidate, job};
use crate::support::TestApp;

/// One request over a fresh connection: `(status, body)`. `target` is sent
/// as it is (percent-escapes and all); `body` as raw bytes.
pub fn raw_request(
    base: &str,
    method: &str,
    target: &str,
    bearer: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = bearer {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(kind) = content_type {
        head.push_str(&format!("Content-Type: {kind}\r\n"));
    }
    head.push_str("\r\n");
    // The server may answer (413) before reading all of a large body.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {target}: no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `(method, path)` of every API route, paths under `/api/v1`: from the
/// route table, as the OpenAPI document (built from it) lists them.
fn api_routes() -> Vec<(String, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(loopwright::openapi::document_json()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for verb in ["get", "post", "put", "patch", "delete"] {
            if item.get(verb).is_some() {
                let path = path.strip_prefix("/api/v1").unwrap().to_owned();
                routes.push((verb.to_ascii_uppercase(), path));
            }
        }
    }
    routes
}

/// Text and numbers no one should have to think about twice.
fn strings() -> Vec<String> {
    vec![
        "!!!".into(),
        "'\"<>&;--".into(),
        "\u{0}".into(),
        String::new(),
        " ".into(),
        "é\u{202e}😀".into(),
        "x".repeat(5000),
    ]
}

const NUMBERS: [&str; 8] = [
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999",
    "-9223372036854775809",
    "1e400",
    "-1",
    "0",
    "1.5",
];

/// Field names the API's bodies use, by the type they take.
const TEXT_FIELDS: [&str; 30] = [
    "title",
    "name",
    "email",
    "notes",
    "status",
    "team",
    "kind",
    "description",
    "prompt",
    "why",
    "category",
    "track",
    "location",
    "starts_at",
    "time_zone",
    "stage_kind",
    "format",
    "outcome",
    "rationale",
    "summary",
    "recommendation",
    "reason",
    "note",
    "password",
    "role",
    "token",
    "new_password",
    "current_password",
    "evidence",
    "q",
];
const NUMBER_FIELDS: [&str; 8] = [
    "version",
    "position",
    "duration_minutes",
    "minutes",
    "track_id",
    "job_id",
    "hiring_manager_id",
    "criterion_id",
];
const LIST_FIELDS: [&str; 9] = [
    "focus_criterion_ids",
    "question_ids",
    "user_ids",
    "criterion_ids",
    "criteria",
    "stage_kinds",
    "prep_pointers",
    "follow_ups",
    "red_flags",
];

/// A body with every known field, each of its type: strings `text`,
/// numbers `number` (a JSON literal, possibly out of range).
fn typed_body(text: &str, number: &str) -> String {
    let mut fields: Vec<String> = Vec::new();
    let t = Value::String(text.to_owned()).to_string();
    for f in TEXT_FIELDS {
        fields.push(format!("\"{f}\": {t}"));
    }
    for f in NUMBER_FIELDS {
        fields.push(format!("\"{f}\": {number}"));
    }
    for f in LIST_FIELDS {
        fields.push(format!("\"{f}\": [{number}, {t}]"));
    }
    fields.push(format!(
        "\"ratings\": [{{\"criterion_id\": {number}, \"rating\": {t}, \"evidence\": {t}}}]"
    ));
    fields.push(format!(
        "\"question_notes\": [{{\"question_id\": {number}, \"notes\": {t}}}]"
    ));
    for f in ["active", "archived", "typical_stages"] {
        fields.push(format!("\"{f}\": true"));
    }
    format!("{{{}}}", fields.join(", "))
}

/// `(name, content type, body)` for every body case.
fn body_cases(version: i64) -> Vec<(String, Option<&'static str>, Vec<u8>)> {
    let json = Some("application/json");
    let mut cases: Vec<(String, Option<&'static str>, Vec<u8>)> = vec![
        ("no body".into(), None, Vec::new()),
        ("empty JSON".into(), json, Vec::new()),
        ("malformed JSON".into(), json, b"{\"title\": ".to_vec()),
        ("trailing garbage".into(), json, b"{} }".to_vec()),
        ("a list".into(), json, b"[1, 2, 3]".to_vec()),
        ("a string".into(), json, b"\"x\"".to_vec()),
        ("null".into(), json, b"null".to_vec()),
        ("deep nesting".into(), json, {
            let mut b = "[".repeat(10_000).into_bytes();
            b.extend("]".repeat(10_000).as_bytes());
            b
        }),
        (
            "invalid UTF-8".into(),
            json,
            b"{\"title\": \"\xff\xfe\xc3\x28\"}".to_vec(),
        ),
        (
            "invalid UTF-8 form".into(),
            Some("application/x-www-form-urlencoded"),
            b"title=%ff%fe&name=\xff".to_vec(),
        ),
        ("toml".into(), Some("application/toml"), b"[[question]]\nslug = \"\0\"\n".to_vec()),
        (
            "oversize".into(),
            json,
            format!("{{\"title\": \"{}\"}}", "x".repeat(1024 * 1024)).into_bytes(),
        ),
        (
            "wrong types".into(),
            json,
            br#"{"title": [], "name": {}, "version": "one", "position": true, "focus_criterion_ids": "1", "ratings": 3, "active": "yes", "job_id": [1]}"#
                .to_vec(),
        ),
        (
            "all null".into(),
            json,
            typed_body("", "0").replace("\"\"", "null").replace(": 0", ": null").into_bytes(),
        ),
    ];
    for (i, text) in strings().into_iter().enumerate() {
        for number in NUMBERS {
            // Every string with every number would be 56 bodies a route; the
            // diagonal and one extreme number per string keep it to 14.
            if NUMBERS.iter().position(|n| *n == number) == Some(i) || number == "1e400" {
                cases.push((
                    format!(
                        "typed: {:?}.. with {number}",
                        text.chars().take(8).collect::<String>()
                    ),
                    json,
                    typed_body(&text, number).into_bytes(),
                ));
            }
        }
    }
    // Good version, odd everything else: reaches past the version check.
    cases.push((
        "typed at the current version".into(),
        json,
        typed_body("!!!", "1")
            .replace("\"version\": 1", &format!("\"version\": {version}"))
            .into_bytes(),
    ));
    cases
}

const QUERIES: [&str; 15] = [
    "q=!!!&per_page=1",
    "page=9223372036854775807",
    "page=-1",
    "page=0",
    "page=abc",
    "per_page=100000",
    "per_page=-9223372036854775808",
    "page=1e3&per_page=1.5",
    "q=%00&status=%00&job_id=%00",
    "q=%ff%fe&category=%c3%28",
    "job_id=99999999999999999999&candidate_id=-1&from=abc&to=9223372036854775807",
    "version=99999999999999999999",
    "status=!!!&track=%27%22%3C%3E&stage_kind=--&criterion=;",
    "archived=maybe&candidate_id=",
    "%00=%00&&&==&page",
];

const SEGMENTS: [&str; 7] = [
    "0",
    "-1",
    "99999999999999999999",
    "abc",
    "%00",
    "%ff",
    "!!!",
];

#[test]
fn no_api_route_answers_5xx_to_odd_input() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut team.recruiter.api);
    let stage = grace.stages[0];
    let shape = team
        .recruiter
        .api
        .get(&format!("/api/v1/loops/{}", grace.loop_id))
        .json();
    let version = shape["version"].as_i64().unwrap();
    let res = team.recruiter.api.put_json(
        &format!("/api/v1/stages/{stage}/interviewers"),
        json!({"version": version, "user_ids": [team.interviewers[0].id]}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let question = team.admin.api.get("/api/v1/questions?per_page=1").json()["questions"][0]["id"]
        .as_i64()
        .unwrap();
    let spare = app.user(loopwright::domain::Role::Interviewer);

    let admin = team.admin.api.bearer.clone().unwrap();
    let interviewer = team.interviewers[0].api.bearer.clone().unwrap();
    let real_path = |path: &str| -> String {
        let id = if path.starts_with("/users/") {
            spare.id.to_string()
        } else if path.starts_with("/stages/") {
            stage.to_string()
        } else if path.starts_with("/candidates/") {
            grace.id.to_string()
        } else if path.starts_with("/loops/") {
            grace.loop_id.to_string()
        } else if path.starts_with("/jobs/") {
            job.id.to_string()
        } else if path.starts_with("/criteria/") {
            job.criteria[1].to_string()
        } else if path.starts_with("/questions/") {
            question.to_string()
        } else {
            "no-such-token".into()
        };
        let path = path
            .replace("{key}", "backend-developer")
            .replace("{token}", &id);
        format!("/api/v1{}", path.replace("{id}", &id))
    };

    let routes = api_routes();
    assert!(
        routes.len() >= 54,
        "the route tables were not read: {routes:?}"
    );
    let cases = body_cases(version + 1);
    let started = Instant::now();
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut requests = 0;
    let mut send = |method: &str, target: &str, kind: Option<&str>, body: &[u8], case: &str| {
        let bearer = if target.contains("/scorecard") || target.ends_with("/me/interviews") {
            &interviewer
        } else {
            &admin
        };
        let (status, answer) = raw_request(&app.base, method, target, Some(bearer), kind, body);
        requests += 1;
        *by_class.entry(format!("{}xx", status / 100)).or_default() += 1;
        if status >= 500 {
            failures.push(format!(
                "{method} {target} [{case}] -> {status}: {}",
                &answer[..answer.len().min(300)]
            ));
        }
    };

    for (verb, path) in &routes {
        let target = real_path(path);
        for (name, kind, body) in &cases {
            send(verb, &target, *kind, body, name);
        }
        for query in QUERIES {
            send(verb, &format!("{target}?{query}"), None, b"", query);
        }
        if path.contains('{') {
            for segment in SEGMENTS {
                let odd = format!(
                    "/api/v1{}",
                    path.replace("{id}", segment)
                        .replace("{key}", segment)
                        .replace("{token}", segment)
                );
                send(verb, &odd, Some("application/json"), b"{}", segment);
            }
        }
    }
    // Every verb on every path, the routed ones included.
    let paths: std::collections::BTreeSet<&String> = routes.iter().map(|(_, p)| p).collect();
    for path in &paths {
        for verb in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
            send(
                verb,
                &real_path(path),
                Some("application/json"),
                b"{\"a\": 1}",
                "any verb",
            );
        }
    }

    let per_route = cases.len() + QUERIES.len();
    println!(
        "fuzz: {} routes x {per_route} cases (+{} odd path segments on routes with ids, +7 verbs on {} paths) = {requests} requests in {:.1} s; answers by class: {by_class:?}",
        routes.len(),
        SEGMENTS.len(),
        paths.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} answers were 5xx:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
