//! The API contract as a script sees it: PATCH semantics (`null` clears,
//! absent leaves), paged lists, checked paging, body limits (413), and NUL,
//! non-UTF-8 and wrongly typed input refused with the field named.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Team, candidate, job};
use crate::support::{Browser, TestApp};

fn field_error(res: &crate::support::TestResponse, status: u16, field: &str) -> String {
    assert_eq!(res.status, status, "{}", res.body);
    let body = res.json();
    let message = body["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no error for {field}: {}", res.body));
    message.to_owned()
}

fn stage_of(shape: &Value, stage: i64) -> Value {
    shape["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == stage)
        .cloned()
        .unwrap()
}

#[test]
fn a_stage_is_unscheduled_with_null_and_a_patch_that_changes_nothing_keeps_the_version() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut team.recruiter.api);
    let api = &mut team.recruiter.api;
    let stage = grace.stages[0];
    let path = format!("/api/v1/stages/{stage}");
    let version = |api: &mut Browser| {
        api.get(&format!("/api/v1/loops/{}", grace.loop_id)).json()["version"]
            .as_i64()
            .unwrap()
    };

    let v = version(api);
    let set = api.patch_json(
        &path,
        json!({"version": v, "starts_at": "2026-12-01T09:30:00+01:00",
               "time_zone": "Europe/Berlin", "location": "Room 4"}),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let s = stage_of(&set.json(), stage);
    assert!(
        s["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T08:30")
    );
    assert_eq!(s["time_zone"], "Europe/Berlin");

    // null clears; what is left out stays.
    let v = version(api);
    let cleared = api.patch_json(
        &path,
        json!({"version": v, "starts_at": null, "time_zone": null}),
    );
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    let shape = cleared.json();
    assert_eq!(shape["version"], v + 1);
    let s = stage_of(&shape, stage);
    assert_eq!(s["starts_at"], Value::Null, "{s}");
    assert_eq!(s["time_zone"], Value::Null, "{s}");
    assert_eq!(s["location"], "Room 4", "absent leaves it");

    // The same again changes nothing: no new version, no revision.
    let revisions = |api: &mut Browser| {
        api.get(&format!("/api/v1/loops/{}/revisions", grace.loop_id))
            .json()["total"]
            .as_i64()
            .unwrap()
    };
    let before = revisions(api);
    let again = api.patch_json(
        &path,
        json!({"version": v + 1, "starts_at": null, "time_zone": null}),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["version"], v + 1);
    assert_eq!(version(api), v + 1);
    assert_eq!(revisions(api), before);
    let title = s["title"].as_str().unwrap().to_owned();
    let same = api.patch_json(&path, json!({"version": v + 1, "title": title}));
    assert_eq!(same.json()["version"], v + 1, "{}", same.body);
    // A stale version is still a conflict, change or not.
    assert_eq!(
        api.patch_json(&path, json!({"version": v, "title": title}))
            .status,
        409
    );

    // location: null clears too; a field that cannot be empty refuses null.
    let loc = api.patch_json(&path, json!({"version": v + 1, "location": null}));
    assert_eq!(stage_of(&loc.json(), stage)["location"], Value::Null);
    for field in ["title", "format", "duration_minutes", "focus_criterion_ids"] {
        let res = api.patch_json(&path, json!({"version": v + 2, field: null}));
        field_error(&res, 422, field);
    }
    assert_eq!(version(api), v + 2, "refusals change nothing");
}

#[test]
fn every_patch_route_clears_with_null_where_a_value_may_be_empty_and_refuses_it_elsewhere() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer")
        .team("Platform")
        .create(&mut team.manager.api);
    let grace = candidate("Grace Hopper")
        .notes("Referred by Ada.")
        .on(&job)
        .create(&mut team.recruiter.api);

    // Jobs: team clears, title stays.
    let m = &mut team.manager.api;
    let res = m.patch_json(&format!("/api/v1/jobs/{}", job.id), json!({"team": null}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["job"]["team"], "");
    assert_eq!(res.json()["job"]["title"], "Backend Developer");
    for field in ["title", "status"] {
        let res = m.patch_json(&format!("/api/v1/jobs/{}", job.id), json!({field: null}));
        field_error(&res, 422, field);
    }

    // Criteria: description clears, name refuses null.
    let criterion = job.criteria[0];
    let path = format!("/api/v1/criteria/{criterion}");
    let res = m.patch_json(&path, json!({"description": null}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["criterion"]["description"], "");
    assert!(!res.json()["criterion"]["name"].as_str().unwrap().is_empty());
    field_error(&m.patch_json(&path, json!({"name": null})), 422, "name");

    // Candidates: notes clear, the rest refuse null.
    let r = &mut team.recruiter.api;
    let path = format!("/api/v1/candidates/{}", grace.id);
    let res = r.patch_json(&path, json!({"notes": null}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["candidate"]["notes"], "");
    assert_eq!(res.json()["candidate"]["name"], "Grace Hopper");
    for field in ["name", "email", "status"] {
        field_error(&r.patch_json(&path, json!({field: null})), 422, field);
    }

    // Users and questions: nothing may be null.
    let a = &mut team.admin.api;
    let path = format!("/api/v1/users/{}", team.interviewers[0].id);
    for field in ["name", "role", "active"] {
        field_error(&a.patch_json(&path, json!({field: null})), 422, field);
    }
    let question = a.get("/api/v1/questions?per_page=1").json()["questions"][0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/questions/{question}");
    for field in ["prompt", "why", "minutes", "archived"] {
        field_error(&a.patch_json(&path, json!({field: null})), 422, field);
    }
}

#[test]
fn every_list_pages_with_page_per_page_and_total() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    job_with_name(&mut team.manager.api, "Data Engineer");
    let mut candidates = Vec::new();
    for name in ["Ada Lovelace", "Grace Hopper", "Edsger Dijkstra"] {
        candidates.push(candidate(name).on(&job).create(&mut team.recruiter.api));
    }
    let send = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", candidates[0].id),
        json!({}),
    );
    assert!(send.status < 300, "{}", send.body);

    // The example: two candidates of three.
    let r = &mut team.recruiter.api;
    let first = r.get("/api/v1/candidates?per_page=2").json();
    assert_eq!(first["candidates"].as_array().unwrap().len(), 2, "{first}");
    assert_eq!(
        (
            first["page"].clone(),
            first["per_page"].clone(),
            first["total"].clone()
        ),
        (json!(1), json!(2), json!(3))
    );
    let second = r.get("/api/v1/candidates?per_page=2&page=2").json();
    assert_eq!(second["candidates"].as_array().unwrap().len(), 1);
    assert_ne!(second["candidates"][0], first["candidates"][0]);
    let beyond = r.get("/api/v1/candidates?per_page=2&page=9").json();
    assert_eq!(beyond["candidates"], json!([]));
    assert_eq!(beyond["total"], 3);

    let lists: Vec<(&str, String)> = vec![
        ("jobs", "/api/v1/jobs".into()),
        (
            "candidates",
            format!("/api/v1/candidates?job_id={}", job.id),
        ),
        ("questions", "/api/v1/questions".into()),
        ("tracks", "/api/v1/tracks".into()),
        ("stage_kinds", "/api/v1/stage-kinds".into()),
        ("formats", "/api/v1/formats".into()),
        ("criteria", format!("/api/v1/jobs/{}/criteria", job.id)),
        (
            "revisions",
            format!("/api/v1/loops/{}/revisions", job.loop_id),
        ),
        (
            "messages",
            format!("/api/v1/outbox?candidate_id={}", candidates[0].id),
        ),
        ("interviews", "/api/v1/me/interviews".into()),
    ];
    let a = &mut team.admin.api;
    for (name, path) in lists.iter().chain(&[("users", "/api/v1/users".to_owned())]) {
        let join = if path.contains('?') { '&' } else { '?' };
        let res = a.get(&format!("{path}{join}per_page=1"));
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        let body = res.json();
        let items = body[*name]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no {name}: {body}"));
        assert!(items.len() <= 1, "{path} ignores per_page: {body}");
        assert_eq!(body["page"], 1, "{path}");
        assert_eq!(body["per_page"], 1, "{path}");
        let total = body["total"].as_i64().unwrap();
        if *name != "interviews" {
            assert!(total >= 1, "{path}: {body}");
            assert_eq!(items.len(), 1, "{path}");
        }
        if total >= 2 {
            let next = a.get(&format!("{path}{join}per_page=1&page=2")).json();
            assert_ne!(next[*name][0], items[0], "{path}: page 2 is page 1");
        }
    }
}

#[test]
fn a_search_for_punctuation_finds_nothing_rather_than_failing() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut a = app.script(&admin);
    for q in ["!!!", "%E2%80%94", "%ff%fe"] {
        let res = a.get(&format!("/api/v1/questions?q={q}"));
        assert_eq!(res.status, 200, "{q}: {}", res.body);
        assert_eq!(res.json()["total"], 0, "{q}");
    }
}

fn job_with_name(client: &mut Browser, title: &str) {
    job(title).create(client);
}

#[test]
fn page_and_per_page_are_checked_and_named() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut a = app.script(&admin);
    for path in [
        "/api/v1/candidates",
        "/api/v1/users",
        "/api/v1/questions",
        "/api/v1/jobs",
        "/api/v1/me/interviews",
        "/api/v1/tracks",
    ] {
        for (query, name) in [
            ("page=9223372036854775807", "page"),
            ("page=0", "page"),
            ("page=-1", "page"),
            ("page=two", "page"),
            ("per_page=0", "per_page"),
            ("per_page=-5", "per_page"),
            ("per_page=101", "per_page"),
            ("per_page=1e3", "per_page"),
        ] {
            let res = a.get(&format!("{path}?{query}"));
            let message = field_error(&res, 400, name);
            assert_eq!(res.json()["error"]["code"], "bad_request");
            if name == "per_page" {
                assert!(message.contains("100"), "the bound is said: {message}");
            }
        }
    }
    let last = a.get("/api/v1/candidates?page=92233720368547758&per_page=100");
    assert_eq!(last.status, 200, "{}", last.body);
    assert_eq!(last.json()["candidates"], json!([]));
}

#[test]
fn an_oversize_body_is_413_naming_the_limit_as_json_and_as_a_page() {
    let app = TestApp::spawn();
    let manager = app.user(Role::HiringManager);
    let mut m = app.script(&manager);
    let big = json!({"title": "x".repeat(1024 * 1024 + 10)});
    let res = m.post_json("/api/v1/jobs", big);
    assert_eq!(res.status, 413, "{}", res.body);
    let body = res.json();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("1 MiB"),
        "{body}"
    );
    // Under the limit (and over actix's default 256 KiB) is read, then judged.
    let long = m.post_json("/api/v1/jobs", json!({"title": "x".repeat(300 * 1024)}));
    assert_eq!(long.status, 422, "{}", long.body);

    let mut browser = app.signed_in(&manager);
    let html = browser.get("/jobs").body;
    let csrf = crate::support::csrf_field(&html);
    let res = browser.post_form(
        "/jobs",
        &[("csrf_token", &csrf), ("title", &"y".repeat(70 * 1024))],
    );
    assert_eq!(res.status, 413, "{}", res.body);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.body.contains("64 KiB"), "{}", res.body);
}

#[test]
fn a_bank_export_over_256_kib_imports_back() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut a = app.script(&admin);
    let export = a.get("/api/v1/bank/export").body;
    let start = export.find("[[question]]").unwrap();
    let end = start + 12 + export[start + 12..].find("[[question]]").unwrap();
    let block = &export[start..end];
    let slug_line = block.lines().find(|l| l.starts_with("slug = ")).unwrap();
    let mut grown = export.clone();
    let mut n = 0;
    while grown.len() <= 300 * 1024 {
        n += 1;
        let slug = slug_line.trim_end_matches('"').to_owned() + &format!("-copy-{n}\"");
        grown.push('\n');
        grown.push_str(&block.replacen(slug_line, &slug, 1));
    }
    let res = a.post_raw("/api/v1/bank/import", "application/toml", &grown);
    assert_eq!(res.status, 200, "{}", &res.body[..res.body.len().min(500)]);

    let again = a.get("/api/v1/bank/export");
    assert!(again.body.len() > 256 * 1024, "{}", again.body.len());
    let res = a.post_raw("/api/v1/bank/import", "application/toml", &again.body);
    assert_eq!(res.status, 200, "{}", &res.body[..res.body.len().min(500)]);
    assert_eq!(a.get("/api/v1/bank/export").body, again.body);
}

#[test]
fn nul_in_any_text_is_422_naming_the_field_on_every_backend() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut team.recruiter.api);
    let stage = grace.stages[0];
    let v = team
        .recruiter
        .api
        .get(&format!("/api/v1/loops/{}", grace.loop_id))
        .json()["version"]
        .as_i64()
        .unwrap();
    let interviewer = team.interviewers[0].id;
    let res = team.recruiter.api.put_json(
        &format!("/api/v1/stages/{stage}/interviewers"),
        json!({"version": v, "user_ids": [interviewer]}),
    );
    assert_eq!(res.status, 200, "{}", res.body);

    let refused = |client: &mut Browser, method: &str, path: &str, body: Value, field: &str| {
        let res = client.request(method, path, Some(("application/json", body.to_string())));
        let message = field_error(&res, 422, field);
        assert!(message.contains("NUL"), "{method} {path}: {message}");
    };
    refused(
        &mut team.interviewers[0].api,
        "PUT",
        &format!("/api/v1/stages/{stage}/scorecard"),
        json!({"summary": "clear\u{0}", "ratings": []}),
        "summary",
    );
    refused(
        &mut team.interviewers[1].api,
        "POST",
        "/api/v1/auth/login",
        json!({"email": "a\u{0}@example.com", "password": "x"}),
        "email",
    );
    refused(
        &mut team.recruiter.api,
        "POST",
        "/api/v1/candidates",
        json!({"name": "Ada\u{0}", "email": "ada@example.com", "job_id": job.id}),
        "name",
    );
    refused(
        &mut team.manager.api,
        "PATCH",
        &format!("/api/v1/stages/{stage}"),
        json!({"version": v + 1, "location": "Room\u{0}4"}),
        "location",
    );
    refused(
        &mut team.admin.api,
        "POST",
        "/api/v1/questions",
        json!({"prompt": "Why?", "follow_ups": ["ok", "no\u{0}"]}),
        "follow_ups[1]",
    );

    // Forms: sign-in with NUL in the email.
    let mut browser = app.browser();
    let res = browser.submit(
        "/login",
        "/login",
        &[("email", "a\u{0}@example.com"), ("password", "x")],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("email"), "{}", res.body);

    // Query strings and path segments: 400 naming the parameter.
    let a = &mut team.admin.api;
    field_error(&a.get("/api/v1/questions?q=%00"), 400, "q");
    field_error(&a.get("/api/v1/tracks/back%00end"), 400, "key");
}

#[test]
fn bodies_that_are_not_utf8_or_of_the_wrong_type_are_4xx_naming_the_field() {
    let app = TestApp::spawn();
    let manager = app.user(Role::HiringManager);
    let mut m = app.script(&manager);
    let track = m.get("/api/v1/tracks/backend-developer").json()["track"]["id"]
        .as_i64()
        .unwrap();

    let wrong = m.post_json("/api/v1/jobs", json!({"title": ["a"], "track_id": track}));
    field_error(&wrong, 422, "title");
    let huge = m.request(
        "POST",
        "/api/v1/jobs",
        Some((
            "application/json",
            "{\"title\": \"T\", \"track_id\": 99999999999999999999999}".into(),
        )),
    );
    field_error(&huge, 422, "track_id");
    let out_of_range = m.request(
        "POST",
        "/api/v1/jobs",
        Some((
            "application/json",
            "{\"title\": \"T\", \"track_id\": 1e400}".into(),
        )),
    );
    field_error(&out_of_range, 422, "track_id");
    let trailing = m.request(
        "POST",
        "/api/v1/jobs",
        Some(("application/json", "{\"title\": \"T\"} [".into())),
    );
    assert_eq!(trailing.status, 400, "{}", trailing.body);

    let raw = crate::fuzz::raw_request(
        &app.base,
        "POST",
        "/api/v1/jobs",
        m.bearer.as_deref(),
        Some("application/json"),
        b"{\"title\": \"\xff\xfe\"}",
    );
    assert_eq!(raw.0, 400, "{}", raw.1);
    assert!(raw.1.contains("UTF-8"), "{}", raw.1);
}
