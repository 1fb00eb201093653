//! Candidates: a deep copy of the template loop, scheduling in time zones,
//! conflicts, and who may see them.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::support::{Browser, TestApp, TestUser};

struct Setup {
    manager: TestUser,
    recruiter: TestUser,
    interviewer: TestUser,
    job: Value,
}

fn setup(app: &TestApp) -> Setup {
    let manager = app.user(Role::HiringManager);
    let recruiter = app.user(Role::Recruiter);
    let interviewer = app.user(Role::Interviewer);
    let mut hm = app.script(&manager);
    let track = hm.get("/api/v1/tracks/backend-developer").json()["track"]["id"]
        .as_i64()
        .unwrap();
    let job = hm
        .post_json(
            "/api/v1/jobs",
            json!({"title": "Backend Developer", "track_id": track}),
        )
        .json()["job"]
        .clone();
    let loop_id = job["template_loop_id"].as_i64().unwrap();
    let first = hm.get(&format!("/api/v1/loops/{loop_id}")).json()["stages"][0]["id"]
        .as_i64()
        .unwrap();
    let question = hm
        .get("/api/v1/questions?stage_kind=recruiter-screen&per_page=1")
        .json()["questions"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        hm.put_json(
            &format!("/api/v1/stages/{first}/questions"),
            json!({"version": 1, "question_ids": [question]})
        )
        .status,
        200
    );
    assert_eq!(
        hm.put_json(
            &format!("/api/v1/stages/{first}/interviewers"),
            json!({"version": 2, "user_ids": [interviewer.id]})
        )
        .status,
        200
    );
    Setup {
        manager,
        recruiter,
        interviewer,
        job,
    }
}

fn add_candidate(script: &mut Browser, job: &Value, name: &str) -> Value {
    let res = script.post_json("/api/v1/candidates", json!({"name": name, "email": format!("{}@example.com", name.to_lowercase().replace(' ', ".")), "job_id": job["id"], "notes": "Referred by Ada"}));
    assert_eq!(res.status, 201, "{}", res.body);
    res.json()["candidate"].clone()
}

fn shape_without_ids(loop_json: &Value) -> Vec<Value> {
    loop_json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!([
                s["stage_kind"],
                s["title"],
                s["format"],
                s["duration_minutes"],
                s["focus_criterion_ids"],
                s["interviewer_ids"],
                s["question_ids"]
            ])
        })
        .collect()
}

#[test]
fn a_candidates_loop_is_a_deep_copy_of_the_template() {
    let app = TestApp::spawn();
    let s = setup(&app);
    let mut recruiter = app.script(&s.recruiter);
    let mut hm = app.script(&s.manager);
    let template_id = s.job["template_loop_id"].as_i64().unwrap();
    let template = hm.get(&format!("/api/v1/loops/{template_id}")).json();
    let candidate = add_candidate(&mut recruiter, &s.job, "Grace Hopper");
    assert_eq!(candidate["template_version"], template["version"]);
    let copy = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", candidate["id"]))
        .json();
    assert_eq!(shape_without_ids(&copy), shape_without_ids(&template));
    assert_eq!(copy["candidate_id"], candidate["id"]);
    let template_ids: Vec<&Value> = template["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert!(
        copy["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !template_ids.contains(&&s["id"])),
        "stages are copies, not shared"
    );

    // Editing the candidate's loop leaves the template as it was…
    let stage = copy["stages"][0]["id"].as_i64().unwrap();
    assert_eq!(
        recruiter
            .patch_json(
                &format!("/api/v1/stages/{stage}"),
                json!({"version": 1, "title": "Call with Grace"})
            )
            .status,
        200
    );
    assert_eq!(
        shape_without_ids(&hm.get(&format!("/api/v1/loops/{template_id}")).json()),
        shape_without_ids(&template)
    );
    // …and editing the template leaves existing candidates as they were.
    let template_stage = template["stages"][1]["id"].as_i64().unwrap();
    let version = template["version"].as_i64().unwrap();
    assert_eq!(
        hm.patch_json(
            &format!("/api/v1/stages/{template_stage}"),
            json!({"version": version, "duration_minutes": 90})
        )
        .status,
        200
    );
    let copy_now = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", candidate["id"]))
        .json();
    assert_eq!(
        copy_now["stages"][1]["duration_minutes"],
        template["stages"][1]["duration_minutes"]
    );
    assert_eq!(copy_now["stages"][0]["title"], "Call with Grace");
    // A recruiter edits candidates' loops, never the template.
    assert_eq!(
        recruiter
            .patch_json(
                &format!("/api/v1/stages/{template_stage}"),
                json!({"version": version + 1, "title": "x"})
            )
            .status,
        403
    );
}

#[test]
fn stages_are_scheduled_in_a_time_zone_and_conflicts_are_flagged() {
    let app = TestApp::spawn();
    let s = setup(&app);
    let mut recruiter = app.script(&s.recruiter);
    let grace = add_candidate(&mut recruiter, &s.job, "Grace Hopper");
    let ada = add_candidate(&mut recruiter, &s.job, "Ada Lovelace");
    let grace_loop = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", grace["id"]))
        .json();
    let (g1, g2) = (
        grace_loop["stages"][0]["id"].as_i64().unwrap(),
        grace_loop["stages"][1]["id"].as_i64().unwrap(),
    );

    let res = recruiter.patch_json(&format!("/api/v1/stages/{g1}"), json!({"version": 1, "starts_at": "2026-12-01T10:00:00+01:00", "time_zone": "Europe/Berlin", "location": "https://meet.example/grace"}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.json()["stages"][0]["starts_at"],
        "2026-12-01T09:00:00+00:00",
        "stored in UTC"
    );
    let detail = recruiter
        .get(&format!("/api/v1/candidates/{}", grace["id"]))
        .json();
    let first = &detail["schedule"]["stages"][0];
    assert_eq!(first["time_zone"], "Europe/Berlin");
    assert_eq!(first["local_start"], "Tue 1 Dec 2026, 10:00 CET");
    assert_eq!(first["local_end"], "Tue 1 Dec 2026, 10:30 CET");
    assert!(
        detail["schedule"]["conflicts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The second stage starts before the first ends: an overlap.
    assert_eq!(
        recruiter
            .patch_json(
                &format!("/api/v1/stages/{g2}"),
                json!({"version": 2, "starts_at": "2026-12-01T09:15:00Z"})
            )
            .status,
        200
    );
    let conflicts = recruiter
        .get(&format!("/api/v1/candidates/{}", grace["id"]))
        .json()["schedule"]["conflicts"]
        .clone();
    assert_eq!(
        conflicts,
        json!([{"kind": "overlap", "stage_id": g1, "other_stage_id": g2}])
    );

    // Ada's screen at the same time, with the same interviewer: double-booked.
    let ada_loop = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", ada["id"]))
        .json();
    let a1 = ada_loop["stages"][0]["id"].as_i64().unwrap();
    assert_eq!(
        recruiter
            .patch_json(
                &format!("/api/v1/stages/{a1}"),
                json!({"version": 1, "starts_at": "2026-12-01T09:20:00Z"})
            )
            .status,
        200
    );
    let conflicts = recruiter
        .get(&format!("/api/v1/candidates/{}", ada["id"]))
        .json()["schedule"]["conflicts"]
        .clone();
    assert_eq!(
        conflicts,
        json!([{"kind": "interviewer_double_booked", "user_id": s.interviewer.id, "stage_id": a1, "other_stage_id": g1}])
    );

    // Bad times change nothing.
    let before = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", ada["id"]))
        .json();
    for (body, field) in [
        (
            json!({"version": 2, "starts_at": "next tuesday"}),
            "starts_at",
        ),
        (
            json!({"version": 2, "time_zone": "Mars/Olympus_Mons"}),
            "time_zone",
        ),
        (
            json!({"version": 2, "duration_minutes": 0}),
            "duration_minutes",
        ),
    ] {
        let res = recruiter.patch_json(&format!("/api/v1/stages/{a1}"), body);
        assert_eq!(res.status, 422);
        assert!(
            res.json()["error"]["fields"][field].is_string(),
            "{}",
            res.body
        );
    }
    assert_eq!(
        recruiter
            .get(&format!("/api/v1/candidates/{}/loop", ada["id"]))
            .json(),
        before
    );
}

#[test]
fn who_may_see_a_candidate() {
    let app = TestApp::spawn();
    let s = setup(&app);
    let mut recruiter = app.script(&s.recruiter);
    let candidate = add_candidate(&mut recruiter, &s.job, "Grace Hopper");
    let path = format!("/api/v1/candidates/{}", candidate["id"]);
    let other_manager = app.user(Role::HiringManager);
    let admin = app.user(Role::Admin);
    assert_eq!(app.script(&s.manager).get(&path).status, 200);
    assert_eq!(app.script(&admin).get(&path).status, 200);
    assert_eq!(
        app.script(&other_manager).get(&path).status,
        404,
        "not one of their jobs: it does not exist for them"
    );
    assert_eq!(app.script(&s.interviewer).get(&path).status, 404);
    assert_eq!(
        app.script(&s.interviewer).get("/api/v1/candidates").status,
        403
    );
    assert_eq!(
        app.script(&other_manager).get("/api/v1/candidates").json()["total"],
        0
    );
    let add = app.script(&other_manager).post_json(
        "/api/v1/candidates",
        json!({"name": "X", "email": "x@example.com", "job_id": s.job["id"]}),
    );
    assert_eq!(add.status, 403);
    assert_eq!(app.browser().get(&path).status, 401);
}

#[test]
fn candidates_are_listed_by_job_and_status_and_checked() {
    let app = TestApp::spawn();
    let s = setup(&app);
    let mut recruiter = app.script(&s.recruiter);
    let grace = add_candidate(&mut recruiter, &s.job, "Grace Hopper");
    add_candidate(&mut recruiter, &s.job, "Ada Lovelace");
    let held = recruiter.patch_json(
        &format!("/api/v1/candidates/{}", grace["id"]),
        json!({"status": "on_hold"}),
    );
    assert_eq!(held.status, 200);
    let job_id = s.job["id"].as_i64().unwrap();
    assert_eq!(
        recruiter
            .get(&format!("/api/v1/candidates?job_id={job_id}"))
            .json()["total"],
        2
    );
    let on_hold = recruiter
        .get(&format!(
            "/api/v1/candidates?job_id={job_id}&status=on_hold"
        ))
        .json();
    assert_eq!(on_hold["total"], 1);
    assert_eq!(on_hold["candidates"][0]["name"], "Grace Hopper");

    let bad = recruiter.patch_json(
        &format!("/api/v1/candidates/{}", grace["id"]),
        json!({"status": "ghosted"}),
    );
    assert_eq!(bad.status, 422);
    let bad = recruiter.post_json(
        "/api/v1/candidates",
        json!({"name": "", "email": "nope", "job_id": job_id}),
    );
    assert_eq!(bad.status, 422);
    let fields = &bad.json()["error"]["fields"];
    assert!(fields["name"].is_string() && fields["email"].is_string());

    let (one, _) =
        app.count_queries(|| recruiter.get(&format!("/api/v1/candidates?job_id={job_id}")));
    for i in 0..8 {
        add_candidate(&mut recruiter, &s.job, &format!("Candidate {i}"));
    }
    let (many, res) =
        app.count_queries(|| recruiter.get(&format!("/api/v1/candidates?job_id={job_id}")));
    assert_eq!(res.json()["total"], 10);
    assert_eq!(one, many, "listing candidates costs the same for 2 or 10");
}
