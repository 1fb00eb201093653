//! Every route × every role: allowed exactly what DESIGN.md's table says.

use loopwright::domain::Role;
use serde_json::json;

use crate::support::{Browser, TestApp, csrf_field};

#[derive(Clone, Copy)]
enum Who {
    Anonymous,
    Signed(Role),
}

/// How a route is called: a page (cookie + CSRF field) or the API (bearer).
enum Call {
    Page(&'static str, String),
    Form(String, Vec<(&'static str, String)>),
    Api(&'static str, String, Option<serde_json::Value>),
    /// A non-JSON API body: (path, content type, body).
    Raw(String, &'static str, String),
}

struct Route {
    call: Call,
    allowed: &'static [Role],
    /// The status an allowed caller gets.
    ok: u16,
    /// The status a signed-in caller who is not allowed gets: 403, or 404
    /// where even the thing's existence must not leak (candidates).
    denied: u16,
    /// A role that is denied with another status (e.g. 404 for an
    /// interviewer where a recruiter gets 403).
    also: Option<(Role, u16)>,
}

const ADMIN: &[Role] = &[Role::Admin];
/// Jobs and their loops: admins, and the hiring manager who manages the job.
const MANAGERS: &[Role] = &[Role::Admin, Role::HiringManager];
/// Reading jobs and loops: recruiters too.
const JOB_READERS: &[Role] = &[Role::Admin, Role::HiringManager, Role::Recruiter];

/// What the routes act on.
struct Fixture {
    target: i64,
    question: i64,
    job: i64,
    loop_id: i64,
    stage: i64,
    track: i64,
    candidate: i64,
    candidate_stage: i64,
    /// One job criterion per caller, for DELETE.
    deletable: [i64; 6],
    /// The same, for the page's remove button.
    removable: [i64; 6],
    criterion: i64,
}
const EDITORS: &[Role] = &[Role::Admin, Role::HiringManager];
const EVERYONE: &[Role] = &[
    Role::Admin,
    Role::HiringManager,
    Role::Recruiter,
    Role::Interviewer,
];

fn routes(f: &Fixture, n: usize) -> Vec<Route> {
    let Fixture {
        target,
        question,
        job,
        loop_id,
        stage,
        track,
        candidate,
        candidate_stage,
        deletable,
        removable,
        criterion,
    } = *f;
    let doomed = deletable[n.min(5)];
    let user = format!("/users/{target}");
    vec![
        Route {
            call: Call::Page("GET", "/users".into()),
            allowed: ADMIN,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", user.clone()),
            allowed: ADMIN,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                "/users/invitations".into(),
                vec![
                    ("name", "Invitee".into()),
                    ("email", format!("form{n}@example.com")),
                    ("role", "interviewer".into()),
                ],
            ),
            allowed: ADMIN,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                user.clone(),
                vec![
                    ("name", "Target Person".into()),
                    ("role", "interviewer".into()),
                ],
            ),
            allowed: ADMIN,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(format!("{user}/active"), vec![("active", "true".into())]),
            allowed: ADMIN,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/users".into(), None),
            allowed: ADMIN,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                "/api/v1/users".into(),
                Some(
                    json!({"name": "Made", "email": format!("made{n}@example.com"), "role": "recruiter", "password": "a made up passphrase"}),
                ),
            ),
            allowed: ADMIN,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1{user}"),
                Some(json!({"name": "Target Person"})),
            ),
            allowed: ADMIN,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                "/api/v1/invitations".into(),
                Some(
                    json!({"name": "Invitee", "email": format!("api{n}@example.com"), "role": "interviewer"}),
                ),
            ),
            allowed: ADMIN,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/me".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/".into()),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/bank".into()),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/bank/questions/{question}")),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/tracks".into()),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/tracks/backend-developer".into()),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/bank/questions/new".into()),
            allowed: EDITORS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/bank/questions/{question}/edit")),
            allowed: EDITORS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                "/bank/questions".into(),
                vec![
                    ("prompt", format!("Question {n} from a form?")),
                    (
                        "why",
                        "It checks the role matrix. It has two sentences.".into(),
                    ),
                    ("category", "technical".into()),
                    ("track", "backend-developer".into()),
                    ("criteria", "api-design".into()),
                    ("stage_kinds", "live-coding-round".into()),
                    ("prep_pointers", "one\ntwo\nthree".into()),
                    ("follow_ups", "four".into()),
                    ("minutes", "5".into()),
                ],
            ),
            allowed: EDITORS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/bank/questions/{question}/archive"),
                vec![("archived", "false".into())],
            ),
            allowed: EDITORS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/questions?q=cache".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/questions/{question}"), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/tracks".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/tracks/backend-developer".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/stage-kinds".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/formats".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                "/api/v1/questions".into(),
                Some(json!({
                    "prompt": format!("Question {n} from the API?"), "why": "It checks the role matrix. Two sentences.",
                    "category": "technical", "track": "backend-developer", "criteria": ["api-design"],
                    "stage_kinds": ["live-coding-round"], "prep_pointers": ["a", "b", "c"], "follow_ups": ["d"], "minutes": 5
                })),
            ),
            allowed: EDITORS,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/questions/{question}"),
                Some(json!({"minutes": 12})),
            ),
            allowed: EDITORS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/bank/export".into(), None),
            allowed: EDITORS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Raw(
                "/api/v1/bank/import".into(),
                "application/toml",
                "[prep]\ngeneral_advice = [\"Breathe.\"]\n".into(),
            ),
            allowed: EDITORS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/jobs".into(), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                "/api/v1/jobs".into(),
                Some(json!({"title": format!("Job {n}"), "track_id": track})),
            ),
            allowed: MANAGERS,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/jobs/{job}"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/jobs/{job}/loop"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/loops/{loop_id}"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/loops/{loop_id}/coverage"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        // Writes carry a stale version on purpose: an allowed caller gets past
        // the permission check to the version check (409), and nothing changes.
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/loops/{loop_id}/stages"),
                Some(json!({"stage_kind": "live-coding-round", "version": 99})),
            ),
            allowed: MANAGERS,
            ok: 409,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/stages/{stage}"),
                Some(json!({"title": "Renamed", "version": 99})),
            ),
            allowed: MANAGERS,
            ok: 409,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("DELETE", format!("/api/v1/stages/{stage}?version=99"), None),
            allowed: MANAGERS,
            ok: 409,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PUT",
                format!("/api/v1/stages/{stage}/questions"),
                Some(json!({"question_ids": [question], "version": 99})),
            ),
            allowed: MANAGERS,
            ok: 409,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PUT",
                format!("/api/v1/stages/{stage}/interviewers"),
                Some(json!({"user_ids": [target], "version": 99})),
            ),
            allowed: MANAGERS,
            ok: 409,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/jobs".into()),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/jobs/{job}")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                "/jobs".into(),
                vec![
                    ("title", format!("Form job {n}")),
                    ("track_id", track.to_string()),
                    ("typical_stages", "true".into()),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/stages/{stage}/questions")),
            allowed: MANAGERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        // Page forms with a stale version: allowed callers are sent back to the planner with a message.
        Route {
            call: Call::Form(
                format!("/loops/{loop_id}/stages"),
                vec![
                    ("version", "99".into()),
                    ("stage_kind", "live-coding-round".into()),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{stage}"),
                vec![
                    ("version", "99".into()),
                    ("title", "x".into()),
                    ("duration_minutes", "30".into()),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{stage}/move"),
                vec![("version", "99".into()), ("direction", "down".into())],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{stage}/remove"),
                vec![("version", "99".into())],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{stage}/questions/add"),
                vec![
                    ("version", "99".into()),
                    ("question_id", question.to_string()),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/candidates".into()),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                "/candidates".into(),
                vec![
                    ("name", format!("Form Candidate {n}")),
                    ("email", format!("form-candidate{n}@example.com")),
                    ("job_id", job.to_string()),
                ],
            ),
            allowed: JOB_READERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/candidates/{candidate}")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/candidates/{candidate}/planner")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/candidates/{candidate}/status"),
                vec![("status", "active".into())],
            ),
            allowed: JOB_READERS,
            ok: 303,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{candidate_stage}/schedule"),
                vec![
                    ("version", "99".into()),
                    ("candidate_id", candidate.to_string()),
                    ("starts_at", "".into()),
                    ("time_zone", "UTC".into()),
                ],
            ),
            allowed: JOB_READERS,
            ok: 303,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/candidates".into(), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                "/api/v1/candidates".into(),
                Some(
                    json!({"name": format!("API Candidate {n}"), "email": format!("api-candidate{n}@example.com"), "job_id": job}),
                ),
            ),
            allowed: JOB_READERS,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/candidates/{candidate}"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/candidates/{candidate}"),
                Some(json!({"notes": "Checked"})),
            ),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/candidates/{candidate}/loop"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/stages/{candidate_stage}"),
                Some(json!({"version": 99, "location": "Room 2"})),
            ),
            allowed: JOB_READERS,
            ok: 409,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/jobs/{job}"),
                Some(json!({"team": "Matrix team"})),
            ),
            allowed: MANAGERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/jobs/{job}/criteria"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/jobs/{job}/criteria"),
                Some(json!({"kind": "criterion", "name": format!("Added {n}")})),
            ),
            allowed: MANAGERS,
            ok: 201,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "PATCH",
                format!("/api/v1/criteria/{criterion}"),
                Some(json!({"description": "Sharper"})),
            ),
            allowed: MANAGERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("DELETE", format!("/api/v1/criteria/{doomed}"), None),
            allowed: MANAGERS,
            ok: 204,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/loops/{loop_id}/revisions"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api(
                "GET",
                format!("/api/v1/loops/{loop_id}/revisions/compare?from=1&to=1"),
                None,
            ),
            allowed: JOB_READERS,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/jobs/{job}/criteria"),
                vec![
                    ("kind", "criterion".into()),
                    ("name", format!("Form added {n}")),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/criteria/{criterion}"),
                vec![
                    ("name", "Renamed by form".into()),
                    ("description", "".into()),
                ],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/criteria/{criterion}/move"),
                vec![("direction", "down".into())],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Form(format!("/criteria/{}/remove", removable[n.min(5)]), vec![]),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Page("GET", "/interviews".into()),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", "/api/v1/me/interviews".into(), None),
            allowed: EVERYONE,
            ok: 200,
            denied: 403,
            also: None,
        },
        Route {
            call: Call::Api("GET", format!("/api/v1/stages/{candidate_stage}/kit"), None),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/stages/{candidate_stage}/kit")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        // Nobody in the matrix interviews on that stage: nobody has a scorecard there.
        Route {
            call: Call::Api(
                "GET",
                format!("/api/v1/stages/{candidate_stage}/scorecard"),
                None,
            ),
            allowed: &[],
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "PUT",
                format!("/api/v1/stages/{candidate_stage}/scorecard"),
                Some(json!({"summary": "x"})),
            ),
            allowed: &[],
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/stages/{candidate_stage}/scorecard/submit"),
                Some(json!({})),
            ),
            allowed: &[],
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/stages/{candidate_stage}/scorecard/amendments"),
                Some(json!({"reason": "x"})),
            ),
            allowed: &[],
            ok: 201,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{candidate_stage}/scorecard"),
                vec![("summary", "x".into()), ("action", "save".into())],
            ),
            allowed: &[],
            ok: 303,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{candidate_stage}/scorecard/autosave"),
                vec![("summary", "x".into())],
            ),
            allowed: &[],
            ok: 204,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/stages/{candidate_stage}/scorecard/amend"),
                vec![("reason", "x".into())],
            ),
            allowed: &[],
            ok: 303,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "GET",
                format!("/api/v1/candidates/{candidate}/debrief"),
                None,
            ),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/candidates/{candidate}/debrief")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/candidates/{candidate}/decision"),
                Some(json!({"outcome": "hold", "rationale": "Matrix"})),
            ),
            allowed: MANAGERS,
            ok: 201,
            denied: 403,
            also: Some((Role::Interviewer, 404)),
        },
        Route {
            call: Call::Form(
                format!("/candidates/{candidate}/decision"),
                vec![("outcome", "hold".into()), ("rationale", "Matrix".into())],
            ),
            allowed: MANAGERS,
            ok: 303,
            denied: 403,
            also: Some((Role::Interviewer, 404)),
        },
        Route {
            call: Call::Api(
                "GET",
                format!("/api/v1/candidates/{candidate}/prep-pack"),
                None,
            ),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "POST",
                format!("/api/v1/candidates/{candidate}/prep-pack/send"),
                Some(json!({"note": "Hello"})),
            ),
            allowed: JOB_READERS,
            ok: 202,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Api(
                "GET",
                format!("/api/v1/outbox?candidate_id={candidate}"),
                None,
            ),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Page("GET", format!("/candidates/{candidate}/prep-pack/preview")),
            allowed: JOB_READERS,
            ok: 200,
            denied: 404,
            also: None,
        },
        Route {
            call: Call::Form(
                format!("/candidates/{candidate}/prep-pack/send"),
                vec![
                    ("idempotency_key", format!("matrix-{n}")),
                    ("note", "".into()),
                ],
            ),
            allowed: JOB_READERS,
            ok: 303,
            denied: 404,
            also: None,
        },
        // Last: it signs the caller out.
        Route {
            call: Call::Api("POST", "/api/v1/auth/logout".into(), Some(json!({}))),
            allowed: EVERYONE,
            ok: 204,
            denied: 403,
            also: None,
        },
    ]
}

fn call(browser: &mut Browser, script: &mut Browser, route: &Route) -> (u16, Option<String>) {
    let res = match &route.call {
        Call::Page(method, path) => browser.request(method, path, None),
        Call::Form(path, fields) => {
            let page = browser.get("/login");
            let csrf = if page.status == 303 {
                csrf_field(&browser.get("/").body)
            } else {
                csrf_field(&page.body)
            };
            let mut all: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            browser.post_form(path, &all)
        }
        Call::Api(method, path, body) => script.request(
            method,
            path,
            body.as_ref().map(|b| ("application/json", b.to_string())),
        ),
        Call::Raw(path, content_type, body) => {
            script.request("POST", path, Some((content_type, body.clone())))
        }
    };
    (res.status, res.header("location").map(str::to_owned))
}

#[test]
fn every_route_allows_exactly_the_roles_in_the_table() {
    let app = TestApp::spawn();
    let target = app.user(Role::Interviewer);
    let question: i64 = {
        use diesel::prelude::*;
        use loopwright::db::schema::questions;
        questions::table
            .order(questions::id)
            .select(questions::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let manager = app.user(Role::HiringManager);
    let admin = app.user(Role::Admin);
    let mut setup = app.script(&admin);
    let track = setup.get("/api/v1/tracks/backend-developer").json()["track"]["id"]
        .as_i64()
        .unwrap();
    let job = setup
        .post_json(
            "/api/v1/jobs",
            json!({"title": "Matrix job", "track_id": track, "hiring_manager_id": manager.id}),
        )
        .json()["job"]
        .clone();
    let loop_id = job["template_loop_id"].as_i64().unwrap();
    let stage = setup.get(&format!("/api/v1/loops/{loop_id}")).json()["stages"][0]["id"]
        .as_i64()
        .unwrap();
    let candidate = setup
        .post_json(
            "/api/v1/candidates",
            json!({"name": "Matrix Candidate", "email": "matrix@example.com", "job_id": job["id"]}),
        )
        .json()["candidate"]["id"]
        .as_i64()
        .unwrap();
    let candidate_stage = setup
        .get(&format!("/api/v1/candidates/{candidate}/loop"))
        .json()["stages"][0]["id"]
        .as_i64()
        .unwrap();
    let mut removable = [0; 6];
    for (i, slot) in removable.iter_mut().enumerate() {
        *slot = setup
            .post_json(
                &format!("/api/v1/jobs/{}/criteria", job["id"]),
                json!({"kind": "red_flag", "name": format!("Removable {i}")}),
            )
            .json()["criterion"]["id"]
            .as_i64()
            .unwrap();
    }
    let mut deletable = [0; 6];
    for (i, slot) in deletable.iter_mut().enumerate() {
        *slot = setup
            .post_json(
                &format!("/api/v1/jobs/{}/criteria", job["id"]),
                json!({"kind": "red_flag", "name": format!("Doomed {i}")}),
            )
            .json()["criterion"]["id"]
            .as_i64()
            .unwrap();
    }
    let fixture = Fixture {
        target: target.id,
        question,
        job: job["id"].as_i64().unwrap(),
        loop_id,
        stage,
        track,
        candidate,
        candidate_stage,
        deletable,
        removable,
        criterion: job["criteria"][0]["id"].as_i64().unwrap(),
    };
    let mut n = 0;
    for who in [
        Who::Anonymous,
        Who::Signed(Role::Admin),
        Who::Signed(Role::HiringManager),
        Who::Signed(Role::Recruiter),
        Who::Signed(Role::Interviewer),
    ] {
        let (mut browser, mut script) = match who {
            Who::Anonymous => (app.browser(), app.browser()),
            // The hiring manager is the one who manages the job.
            Who::Signed(Role::HiringManager) => (app.signed_in(&manager), app.script(&manager)),
            Who::Signed(role) => {
                let user = app.user(role);
                (app.signed_in(&user), app.script(&user))
            }
        };
        n += 1;
        for route in routes(&fixture, n) {
            let (status, location) = call(&mut browser, &mut script, &route);
            let label = match &route.call {
                Call::Page(m, p) | Call::Api(m, p, _) => format!("{m} {p}"),
                Call::Form(p, _) | Call::Raw(p, ..) => format!("POST {p}"),
            };
            match who {
                Who::Anonymous => match route.call {
                    Call::Api(..) | Call::Raw(..) => assert_eq!(status, 401, "anonymous {label}"),
                    _ if route.allowed == EVERYONE && label == "GET /" => {
                        assert_eq!(status, 200, "anonymous {label}")
                    }
                    _ => {
                        assert_eq!(status, 303, "anonymous {label}");
                        assert!(
                            location.unwrap_or_default().starts_with("/login"),
                            "anonymous {label} goes to sign-in"
                        );
                    }
                },
                Who::Signed(role) if route.allowed.contains(&role) => {
                    assert_eq!(status, route.ok, "{role} {label}")
                }
                Who::Signed(role) => {
                    let expected = route
                        .also
                        .filter(|(r, _)| *r == role)
                        .map_or(route.denied, |(_, s)| s);
                    assert_eq!(status, expected, "{role} {label}")
                }
            }
        }
    }
}

#[test]
fn public_pages_answer_everyone() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    for path in [
        "/",
        "/login",
        "/password-reset",
        "/healthz",
        "/readyz",
        "/static/style.css",
    ] {
        assert_eq!(browser.get(path).status, 200, "{path}");
    }
}
