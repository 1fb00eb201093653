//! Every route × every role: allowed exactly what DESIGN.md's table says.

use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Team, candidate, job};
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

/// `GET` a page, with the session cookie.
macro_rules! page {
    ($path:literal) => {
        Call::Page("GET", format!($path))
    };
}

/// Post a page's form (its CSRF field added): `form!("/path/{id}", field = value, ...)`.
macro_rules! form {
    ($path:literal, $fields:ident) => {
        Call::Form(format!($path), $fields)
    };
    ($path:literal $(, $field:ident = $value:expr)*) => {
        Call::Form(format!($path), vec![$((stringify!($field), $value.to_string())),*])
    };
}

/// Call the API with the bearer token: `api!(METHOD "/path/{id}")`, with an
/// optional JSON body.
macro_rules! api {
    ($method:ident $path:literal) => {
        Call::Api(stringify!($method), format!($path), None)
    };
    ($method:ident $path:literal, $body:tt) => {
        Call::Api(stringify!($method), format!($path), Some(json!($body)))
    };
}

/// Post a non-JSON body to the API.
macro_rules! raw {
    ($path:literal, $content_type:literal, $body:literal) => {
        Call::Raw($path.into(), $content_type, $body.into())
    };
}

/// One route a line: `call => allowed roles, ok, denied`, and where one role
/// is denied with another status than the rest, that role and its status.
macro_rules! table {
    (@also) => { None };
    (@also $role:ident $status:literal) => { Some((Role::$role, $status)) };
    ($($call:expr => $allowed:expr, $ok:literal, $denied:literal $(, $role:ident $status:literal)?;)*) => {
        vec![$(Route {
            call: $call,
            allowed: $allowed,
            ok: $ok,
            denied: $denied,
            also: table!(@also $($role $status)?),
        }),*]
    };
}

const ADMIN: &[Role] = &[Role::Admin];
/// Jobs and their loops: admins, and the hiring manager who manages the job.
const MANAGERS: &[Role] = &[Role::Admin, Role::HiringManager];
/// Reading jobs and loops: recruiters too.
const JOB_READERS: &[Role] = &[Role::Admin, Role::HiringManager, Role::Recruiter];
/// The question bank: admins and hiring managers edit it.
const EDITORS: &[Role] = &[Role::Admin, Role::HiringManager];
/// A candidate's data rights: erasure and export.
const ERASERS: &[Role] = &[Role::Admin, Role::Recruiter];
/// What anyone may read without signing in: the API's documentation.
const PUBLIC: &[&str] = &["GET /api/openapi.json", "GET /api/docs"];
const EVERYONE: &[Role] = &[
    Role::Admin,
    Role::HiringManager,
    Role::Recruiter,
    Role::Interviewer,
];

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
    /// One candidate per caller to erase through the API, one through the page.
    erasable: [i64; 6],
    erasable_by_form: [i64; 6],
    /// A webhook, and one per caller to delete through the API and the page.
    webhook: i64,
    webhooks: [i64; 6],
    webhooks_by_form: [i64; 6],
}

/// Every route, for the `n`th caller (what a route creates is unique to it).
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
        erasable,
        erasable_by_form,
        webhook,
        webhooks,
        webhooks_by_form,
    } = *f;
    let (hook, hook_by_form) = (webhooks[n.min(5)], webhooks_by_form[n.min(5)]);
    let (doomed, removable) = (deletable[n.min(5)], removable[n.min(5)]);
    let (erasable, erasable_by_form) = (erasable[n.min(5)], erasable_by_form[n.min(5)]);
    let new_user = json!({"name": "Made", "email": format!("made{n}@example.com"), "role": "recruiter", "password": "a made up passphrase"});
    let new_question = json!({
        "prompt": format!("Question {n} from the API?"), "why": "It checks the role matrix. Two sentences.",
        "category": "technical", "track": "backend-developer", "criteria": ["api-design"],
        "stage_kinds": ["live-coding-round"], "prep_pointers": ["a", "b", "c"], "follow_ups": ["d"], "minutes": 5
    });
    let question_form: Vec<(&str, String)> = [
        ("prompt", format!("Question {n} from a form?").as_str()),
        ("why", "It checks the role matrix. It has two sentences."),
        ("category", "technical"),
        ("track", "backend-developer"),
        ("criteria", "api-design"),
        ("stage_kinds", "live-coding-round"),
        ("prep_pointers", "one\ntwo\nthree"),
        ("follow_ups", "four"),
        ("minutes", "5"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    table! {
        page!("/users")                                                  => ADMIN, 200, 403;
        page!("/users/{target}")                                         => ADMIN, 200, 403;
        form!("/users/invitations", name = "Invitee", email = format!("form{n}@example.com"), role = "interviewer") => ADMIN, 303, 403;
        form!("/users/{target}", name = "Target Person", role = "interviewer") => ADMIN, 303, 403;
        form!("/users/{target}/active", active = "true")                 => ADMIN, 303, 403;
        form!("/users/invitations/revoke", email = "nobody@example.com") => ADMIN, 303, 403;
        api!(GET "/api/v1/users")                                        => ADMIN, 200, 403;
        api!(GET "/api/v1/interviewers?q=tester")                        => JOB_READERS, 200, 403;
        api!(POST "/api/v1/users", new_user)                             => ADMIN, 201, 403;
        api!(PATCH "/api/v1/users/{target}", {"name": "Target Person"})  => ADMIN, 200, 403;
        api!(POST "/api/v1/invitations", {"name": "Invitee", "email": format!("api{n}@example.com"), "role": "interviewer"}) => ADMIN, 201, 403;
        api!(GET "/api/v1/me")                                           => EVERYONE, 200, 403;
        page!("/")                                                       => EVERYONE, 200, 403;
        // Public documentation: anyone, signed in or not (see PUBLIC).
        page!("/api/openapi.json")                                       => EVERYONE, 200, 403;
        page!("/api/docs")                                               => EVERYONE, 200, 403;
        page!("/account")                                                => EVERYONE, 200, 403;
        form!("/account", time_zone = "Asia/Kathmandu")                  => EVERYONE, 303, 403;
        page!("/bank")                                                   => EVERYONE, 200, 403;
        page!("/bank/questions/{question}")                              => EVERYONE, 200, 403;
        page!("/tracks")                                                 => EVERYONE, 200, 403;
        page!("/tracks/backend-developer")                               => EVERYONE, 200, 403;
        page!("/bank/questions/new")                                     => EDITORS, 200, 403;
        page!("/bank/questions/{question}/edit")                         => EDITORS, 200, 403;
        form!("/bank/questions", question_form)                          => EDITORS, 303, 403;
        form!("/bank/questions/{question}/archive", archived = "false")  => EDITORS, 303, 403;
        api!(GET "/api/v1/questions?q=cache")                            => EVERYONE, 200, 403;
        api!(GET "/api/v1/questions/{question}")                         => EVERYONE, 200, 403;
        api!(GET "/api/v1/tracks")                                       => EVERYONE, 200, 403;
        api!(GET "/api/v1/tracks/backend-developer")                     => EVERYONE, 200, 403;
        api!(GET "/api/v1/stage-kinds")                                  => EVERYONE, 200, 403;
        api!(GET "/api/v1/formats")                                      => EVERYONE, 200, 403;
        api!(POST "/api/v1/questions", new_question)                     => EDITORS, 201, 403;
        api!(PATCH "/api/v1/questions/{question}", {"minutes": 12})      => EDITORS, 200, 403;
        api!(GET "/api/v1/bank/export")                                  => EDITORS, 200, 403;
        raw!("/api/v1/bank/import", "application/toml", "[prep]\ngeneral_advice = [\"Breathe.\"]\n") => EDITORS, 200, 403;
        api!(GET "/api/v1/jobs")                                         => JOB_READERS, 200, 403;
        api!(POST "/api/v1/jobs", {"title": format!("Job {n}"), "track_id": track}) => MANAGERS, 201, 403;
        api!(GET "/api/v1/jobs/{job}")                                   => JOB_READERS, 200, 403;
        api!(GET "/api/v1/jobs/{job}/loop")                              => JOB_READERS, 200, 403;
        api!(GET "/api/v1/loops/{loop_id}")                              => JOB_READERS, 200, 403;
        api!(GET "/api/v1/loops/{loop_id}/coverage")                     => JOB_READERS, 200, 403;
        // Writes carry a stale version on purpose: an allowed caller gets past
        // the permission check to the version check (409), and nothing changes.
        api!(POST "/api/v1/loops/{loop_id}/stages", {"stage_kind": "live-coding-round", "version": 99}) => MANAGERS, 409, 403;
        api!(PATCH "/api/v1/stages/{stage}", {"title": "Renamed", "version": 99}) => MANAGERS, 409, 403;
        api!(DELETE "/api/v1/stages/{stage}?version=99")                 => MANAGERS, 409, 403;
        api!(PUT "/api/v1/stages/{stage}/questions", {"question_ids": [question], "version": 99}) => MANAGERS, 409, 403;
        api!(PUT "/api/v1/stages/{stage}/interviewers", {"user_ids": [target], "version": 99}) => MANAGERS, 409, 403;
        page!("/jobs")                                                   => JOB_READERS, 200, 403;
        page!("/jobs/{job}")                                             => JOB_READERS, 200, 403;
        form!("/jobs", title = format!("Form job {n}"), track_id = track, typical_stages = "true") => MANAGERS, 303, 403;
        page!("/stages/{stage}/questions")                               => MANAGERS, 200, 403;
        // Page forms with a stale version: allowed callers are sent back to the planner with a message.
        form!("/loops/{loop_id}/stages", version = "99", stage_kind = "live-coding-round") => MANAGERS, 303, 403;
        // A stage edit comes back as typed, over the loop as it is now.
        form!("/stages/{stage}", version = "99", title = "x", duration_minutes = "30") => MANAGERS, 409, 403;
        form!("/stages/{stage}/move", version = "99", direction = "down") => MANAGERS, 303, 403;
        form!("/stages/{stage}/remove", version = "99")                  => MANAGERS, 303, 403;
        form!("/stages/{stage}/questions/add", version = "99", question_id = question) => MANAGERS, 303, 403;
        page!("/candidates")                                             => JOB_READERS, 200, 403;
        form!("/candidates", name = format!("Form Candidate {n}"), email = format!("form-candidate{n}@example.com"), job_id = job) => JOB_READERS, 303, 403;
        page!("/candidates/{candidate}")                                 => JOB_READERS, 200, 404;
        page!("/candidates/{candidate}/planner")                         => JOB_READERS, 200, 404;
        form!("/candidates/{candidate}/status", status = "active")       => JOB_READERS, 303, 404;
        form!("/stages/{candidate_stage}/schedule", version = "99", candidate_id = candidate, starts_at = "", time_zone = "UTC") => JOB_READERS, 303, 404;
        api!(GET "/api/v1/candidates")                                   => JOB_READERS, 200, 403;
        api!(POST "/api/v1/candidates", {"name": format!("API Candidate {n}"), "email": format!("api-candidate{n}@example.com"), "job_id": job}) => JOB_READERS, 201, 403;
        api!(GET "/api/v1/candidates/{candidate}")                       => JOB_READERS, 200, 404;
        api!(PATCH "/api/v1/candidates/{candidate}", {"notes": "Checked"}) => JOB_READERS, 200, 404;
        api!(GET "/api/v1/candidates/{candidate}/loop")                  => JOB_READERS, 200, 404;
        api!(PATCH "/api/v1/stages/{candidate_stage}", {"version": 99, "location": "Room 2"}) => JOB_READERS, 409, 404;
        api!(PATCH "/api/v1/jobs/{job}", {"team": "Matrix team"})        => MANAGERS, 200, 403;
        api!(GET "/api/v1/jobs/{job}/criteria")                          => JOB_READERS, 200, 403;
        api!(POST "/api/v1/jobs/{job}/criteria", {"kind": "criterion", "name": format!("Added {n}")}) => MANAGERS, 201, 403;
        api!(PATCH "/api/v1/criteria/{criterion}", {"description": "Sharper"}) => MANAGERS, 200, 403;
        api!(DELETE "/api/v1/criteria/{doomed}")                         => MANAGERS, 204, 403;
        api!(GET "/api/v1/loops/{loop_id}/revisions")                    => JOB_READERS, 200, 403;
        api!(GET "/api/v1/loops/{loop_id}/revisions/compare?from=1&to=1") => JOB_READERS, 200, 403;
        form!("/jobs/{job}/criteria", kind = "criterion", name = format!("Form added {n}")) => MANAGERS, 303, 403;
        form!("/criteria/{criterion}", name = "Renamed by form", description = "") => MANAGERS, 303, 403;
        form!("/criteria/{criterion}/move", direction = "down")          => MANAGERS, 303, 403;
        form!("/criteria/{removable}/remove")                            => MANAGERS, 303, 403;
        page!("/interviews")                                             => EVERYONE, 200, 403;
        api!(GET "/api/v1/me/interviews")                                => EVERYONE, 200, 403;
        api!(GET "/api/v1/stages/{candidate_stage}/kit")                 => JOB_READERS, 200, 404;
        page!("/stages/{candidate_stage}/kit")                           => JOB_READERS, 200, 404;
        // Nobody in the matrix interviews on that stage: nobody has a scorecard there.
        api!(GET "/api/v1/stages/{candidate_stage}/scorecard")           => &[], 200, 404;
        api!(PUT "/api/v1/stages/{candidate_stage}/scorecard", {"summary": "x"}) => &[], 200, 404;
        api!(POST "/api/v1/stages/{candidate_stage}/scorecard/submit", {}) => &[], 200, 404;
        api!(POST "/api/v1/stages/{candidate_stage}/scorecard/amendments", {"reason": "x"}) => &[], 201, 404;
        form!("/stages/{candidate_stage}/scorecard", summary = "x", action = "save") => &[], 303, 404;
        form!("/stages/{candidate_stage}/scorecard/autosave", summary = "x") => &[], 204, 404;
        form!("/stages/{candidate_stage}/scorecard/amend", reason = "x") => &[], 303, 404;
        api!(GET "/api/v1/candidates/{candidate}/debrief")               => JOB_READERS, 200, 404;
        page!("/candidates/{candidate}/debrief")                         => JOB_READERS, 200, 404;
        api!(POST "/api/v1/candidates/{candidate}/decision", {"outcome": "hold", "rationale": "Matrix"}) => MANAGERS, 201, 403, Interviewer 404;
        form!("/candidates/{candidate}/decision", outcome = "hold", rationale = "Matrix") => MANAGERS, 303, 403, Interviewer 404;
        // Nothing is due on that stage: allowed callers hear so (422 / a message).
        api!(POST "/api/v1/candidates/{candidate}/reminders", {"stage_id": candidate_stage, "interviewer_id": target}) => JOB_READERS, 422, 404;
        form!("/candidates/{candidate}/remind", stage_id = candidate_stage, interviewer_id = target) => JOB_READERS, 303, 404;
        api!(GET "/api/v1/candidates/{candidate}/prep-pack")             => JOB_READERS, 200, 404;
        api!(POST "/api/v1/candidates/{candidate}/prep-pack/send", {"note": "Hello"}) => JOB_READERS, 202, 404;
        api!(GET "/api/v1/outbox?candidate_id={candidate}")              => JOB_READERS, 200, 404;
        page!("/candidates/{candidate}/prep-pack/preview")               => JOB_READERS, 200, 404;
        form!("/candidates/{candidate}/prep-pack/send", idempotency_key = format!("matrix-{n}"), note = "") => JOB_READERS, 303, 404;
        page!("/insights")                                               => EVERYONE, 200, 403;
        page!("/insights?job_id={job}")                                  => EVERYONE, 200, 403;
        page!("/insights/criteria")                                      => JOB_READERS, 200, 403;
        page!("/insights/criteria?job_id={job}")                         => JOB_READERS, 200, 403;
        page!("/insights/questions?sort=use")                            => JOB_READERS, 200, 403;
        page!("/insights/questions/{question}")                          => JOB_READERS, 200, 403;
        api!(GET "/api/v1/insights/interviewers")                        => EVERYONE, 200, 403;
        api!(GET "/api/v1/insights/interviewers?job_id={job}")           => EVERYONE, 200, 403;
        api!(GET "/api/v1/insights/criteria?job_id={job}")               => JOB_READERS, 200, 403;
        api!(GET "/api/v1/insights/questions?job_id={job}&sort=signal")  => JOB_READERS, 200, 403;
        page!("/audit")                                                  => ADMIN, 200, 403;
        api!(GET "/api/v1/audit?kind=candidate")                         => ADMIN, 200, 403;
        api!(GET "/api/v1/me/tokens")                                    => EVERYONE, 200, 403;
        api!(POST "/api/v1/me/tokens", {"name": format!("Matrix {n}"), "scope": "read"}) => EVERYONE, 201, 403;
        form!("/account/tokens", token_name = format!("Form {n}"), token_scope = "read", token_lifetime = "30") => EVERYONE, 201, 403;
        api!(GET "/api/v1/candidates/{candidate}/export")                => ERASERS, 200, 404, HiringManager 403;
        page!("/candidates/{candidate}/erase")                           => ERASERS, 200, 404, HiringManager 403;
        api!(DELETE "/api/v1/candidates/{erasable}")                     => ERASERS, 204, 404, HiringManager 403;
        form!("/candidates/{erasable_by_form}/erase")                    => ERASERS, 303, 404, HiringManager 403;
        page!("/webhooks")                                               => ADMIN, 200, 403;
        page!("/webhooks/{webhook}")                                     => ADMIN, 200, 403;
        form!("/webhooks", url = "http://127.0.0.1:9/matrix", events = "decision.recorded") => ADMIN, 303, 403;
        form!("/webhooks/{webhook}/test")                                => ADMIN, 303, 403;
        form!("/webhooks/{hook_by_form}/delete")                         => ADMIN, 303, 403;
        api!(GET "/api/v1/webhooks")                                     => ADMIN, 200, 403;
        api!(POST "/api/v1/webhooks", {"url": "http://127.0.0.1:9/matrix", "events": ["decision.recorded"]}) => ADMIN, 201, 403;
        api!(GET "/api/v1/webhooks/{webhook}")                           => ADMIN, 200, 403;
        api!(GET "/api/v1/webhooks/{webhook}/deliveries")                => ADMIN, 200, 403;
        api!(POST "/api/v1/webhooks/{webhook}/test", {})                 => ADMIN, 202, 403;
        api!(DELETE "/api/v1/webhooks/{hook}")                           => ADMIN, 204, 403;
        // Last: it signs the caller out.
        api!(POST "/api/v1/auth/logout", {})                             => EVERYONE, 204, 403;
    }
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
    // The team's first interviewer calls the routes; the second is the
    // person the admin routes edit.
    let mut team = Team::with_interviewers(&app, 2);
    let question: i64 = {
        use diesel::prelude::*;
        use loopwright::db::schema::questions;
        questions::table
            .order(questions::id)
            .select(questions::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let admin = &mut team.admin.api;
    let job = job("Matrix job").managed_by(team.manager.id).create(admin);
    let stage = job.template(admin).stages[0];
    let candidate = candidate("Matrix Candidate")
        .email("matrix@example.com")
        .on(&job)
        .create(admin);
    let mut red_flag = |name: String| -> i64 {
        let path = format!("/api/v1/jobs/{}/criteria", job.id);
        let res = admin.post_json(&path, json!({"kind": "red_flag", "name": name}));
        assert_eq!(res.status, 201, "{}", res.body);
        res.json()["criterion"]["id"].as_i64().unwrap()
    };
    let removable = std::array::from_fn(|i| red_flag(format!("Removable {i}")));
    let deletable = std::array::from_fn(|i| red_flag(format!("Doomed {i}")));
    let mut erasable = |kind: &str, i: usize| -> i64 {
        crate::builders::candidate(&format!("Erasable {kind} {i}"))
            .on(&job)
            .create(admin)
            .id
    };
    let erasable_by_form = std::array::from_fn(|i| erasable("Form", i));
    let erasable = std::array::from_fn(|i| erasable("Api", i));
    let mut webhook = || -> i64 {
        let body = json!({"url": "http://127.0.0.1:9/matrix", "events": ["decision.recorded"]});
        let res = admin.post_json("/api/v1/webhooks", body);
        assert_eq!(res.status, 201, "{}", res.body);
        res.json()["webhook"]["id"].as_i64().unwrap()
    };
    let webhooks_by_form = std::array::from_fn(|_| webhook());
    let webhooks = std::array::from_fn(|_| webhook());
    let fixture = Fixture {
        target: team.interviewers[1].id,
        question,
        job: job.id,
        loop_id: job.loop_id,
        stage,
        track: job.track_id,
        candidate: candidate.id,
        candidate_stage: candidate.stages[0],
        deletable,
        removable,
        criterion: job.criteria[0],
        erasable,
        erasable_by_form,
        webhook: webhook(),
        webhooks,
        webhooks_by_form,
    };
    // The hiring manager is the one who manages the job.
    let callers = [
        None,
        Some(&team.admin),
        Some(&team.manager),
        Some(&team.recruiter),
        Some(&team.interviewers[0]),
    ];
    let mut n = 0;
    for caller in callers {
        let (who, mut browser, mut script) = match caller {
            None => (Who::Anonymous, app.browser(), app.browser()),
            Some(m) => (Who::Signed(m.role), m.browser(), app.script(&m.user)),
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
                    _ if route.allowed == EVERYONE
                        && (label == "GET /" || PUBLIC.contains(&label.as_str())) =>
                    {
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

/// The single sign-on routes are for signing in: the same for every role.
/// Starting one while signed in goes home; a callback that matches no
/// sign-in this browser started is refused for everyone alike.
#[test]
fn single_sign_on_routes_answer_every_role() {
    use loopwright::config::{OidcSettings, SignInSettings};
    // Nothing listens there: a signed-out start meets an unreachable provider.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn_with(crate::support::TestDb::new(), |c| {
        c.sign_in = SignInSettings {
            password: true,
            oidc: Some(OidcSettings {
                issuer: format!("http://{closed}"),
                client_id: "loopwright".into(),
                client_secret: None,
                name: "Matrix ID".into(),
                domains: Vec::new(),
                role: Role::Interviewer,
                invited_only: false,
            }),
        };
    });
    let team = Team::with_interviewers(&app, 1);
    let callers = [
        None,
        Some(&team.admin),
        Some(&team.manager),
        Some(&team.recruiter),
        Some(&team.interviewers[0]),
    ];
    for caller in callers {
        let mut browser = caller.map_or_else(|| app.browser(), |m| m.browser());
        let start = browser.get("/auth/oidc/start");
        match caller {
            None => assert_eq!(start.status, 503, "anonymous start"),
            Some(m) => {
                assert_eq!(start.status, 303, "{} start", m.role);
                assert_eq!(start.header("location"), Some(m.role.home_path()));
            }
        }
        let label = caller.map_or("anonymous".to_owned(), |m| m.role.to_string());
        let callback = browser.get("/auth/oidc/callback?code=x&state=y");
        assert_eq!(callback.status, 400, "{label} callback");
    }
}
