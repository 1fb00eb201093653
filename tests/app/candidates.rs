//! Candidates: a deep copy of the template loop, scheduling in time zones,
//! conflicts, and who may see them.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Candidate, Job, Member, Team, candidate, first_question, job, plan, stage};
use crate::support::{Browser, TestApp};

struct Setup<'a> {
    admin: Member<'a>,
    manager: Member<'a>,
    recruiter: Member<'a>,
    interviewer: Member<'a>,
    job: Job,
}

/// A backend job whose first stage has a question and an interviewer.
fn setup(app: &TestApp) -> Setup<'_> {
    let Team {
        admin,
        mut manager,
        recruiter,
        mut interviewers,
    } = Team::with_interviewers(app, 1);
    let interviewer = interviewers.remove(0);
    let job = job("Backend Developer").create(&mut manager.api);
    let question = first_question(&mut manager.api, "stage_kind=recruiter-screen")["id"]
        .as_i64()
        .unwrap();
    plan()
        .stage(
            0,
            stage().questions([question]).interviewers([interviewer.id]),
        )
        .apply(&mut manager.api, job.loop_id);
    Setup {
        admin,
        manager,
        recruiter,
        interviewer,
        job,
    }
}

fn add_candidate(script: &mut Browser, job: &Job, name: &str) -> Candidate {
    candidate(name)
        .notes("Referred by Ada")
        .on(job)
        .create(script)
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
    let mut s = setup(&app);
    let (recruiter, hm) = (&mut s.recruiter.api, &mut s.manager.api);
    let template_id = s.job.loop_id;
    let template = hm.get(&format!("/api/v1/loops/{template_id}")).json();
    let candidate = add_candidate(recruiter, &s.job, "Grace Hopper");
    assert_eq!(candidate.json["template_version"], template["version"]);
    let copy = recruiter
        .get(&format!("/api/v1/candidates/{}/loop", candidate.id))
        .json();
    assert_eq!(shape_without_ids(&copy), shape_without_ids(&template));
    assert_eq!(copy["candidate_id"], candidate.id);
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
        .get(&format!("/api/v1/candidates/{}/loop", candidate.id))
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
    let mut s = setup(&app);
    let recruiter = &mut s.recruiter.api;
    let grace = add_candidate(recruiter, &s.job, "Grace Hopper");
    let ada = add_candidate(recruiter, &s.job, "Ada Lovelace");
    let (g1, g2) = (grace.stages[0], grace.stages[1]);

    let res = recruiter.patch_json(&format!("/api/v1/stages/{g1}"), json!({"version": 1, "starts_at": "2026-12-01T10:00:00+01:00", "time_zone": "Europe/Berlin", "location": "https://meet.example/grace"}));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.json()["stages"][0]["starts_at"],
        "2026-12-01T09:00:00+00:00",
        "stored in UTC"
    );
    let detail = recruiter
        .get(&format!("/api/v1/candidates/{}", grace.id))
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
        .get(&format!("/api/v1/candidates/{}", grace.id))
        .json()["schedule"]["conflicts"]
        .clone();
    assert_eq!(
        conflicts,
        json!([{"kind": "overlap", "stage_id": g1, "other_stage_id": g2}])
    );

    // Ada's screen at the same time, with the same interviewer: double-booked.
    let a1 = ada.stages[0];
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
        .get(&format!("/api/v1/candidates/{}", ada.id))
        .json()["schedule"]["conflicts"]
        .clone();
    assert_eq!(
        conflicts,
        json!([{"kind": "interviewer_double_booked", "user_id": s.interviewer.id, "stage_id": a1, "other_stage_id": g1}])
    );

    // Bad times change nothing.
    let ada_loop = format!("/api/v1/candidates/{}/loop", ada.id);
    let before = recruiter.get(&ada_loop).json();
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
    assert_eq!(recruiter.get(&ada_loop).json(), before);

    // A stage that began hours before Ada's and lasts the longest a stage
    // may still holds her interviewer; one that ended as hers begins does not.
    let moved = recruiter.patch_json(
        &format!("/api/v1/stages/{a1}"),
        json!({"version": 2, "starts_at": "2026-12-02T16:00:00Z"}),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let long = recruiter.patch_json(
        &format!("/api/v1/stages/{g1}"),
        json!({"version": 3, "starts_at": "2026-12-02T08:30:00Z", "duration_minutes": 480}),
    );
    assert_eq!(long.status, 200, "{}", long.body);
    let conflicts_of_ada = |recruiter: &mut crate::support::Browser| {
        recruiter
            .get(&format!("/api/v1/candidates/{}", ada.id))
            .json()["schedule"]["conflicts"]
            .clone()
    };
    assert_eq!(
        conflicts_of_ada(recruiter),
        json!([{"kind": "interviewer_double_booked", "user_id": s.interviewer.id, "stage_id": a1, "other_stage_id": g1}])
    );
    let ends_as_hers_begins = recruiter.patch_json(
        &format!("/api/v1/stages/{g1}"),
        json!({"version": 4, "starts_at": "2026-12-02T08:00:00Z"}),
    );
    assert_eq!(
        ends_as_hers_begins.status, 200,
        "{}",
        ends_as_hers_begins.body
    );
    assert_eq!(conflicts_of_ada(recruiter), json!([]));
}

#[test]
fn who_may_see_a_candidate() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let candidate = add_candidate(&mut s.recruiter.api, &s.job, "Grace Hopper");
    let path = format!("/api/v1/candidates/{}", candidate.id);
    let mut other_manager = Member::new(&app, Role::HiringManager);
    assert_eq!(s.manager.api.get(&path).status, 200);
    assert_eq!(s.admin.api.get(&path).status, 200);
    assert_eq!(
        other_manager.api.get(&path).status,
        404,
        "not one of their jobs: it does not exist for them"
    );
    assert_eq!(s.interviewer.api.get(&path).status, 404);
    assert_eq!(s.interviewer.api.get("/api/v1/candidates").status, 403);
    assert_eq!(
        other_manager.api.get("/api/v1/candidates").json()["total"],
        0
    );
    let add = other_manager.api.post_json(
        "/api/v1/candidates",
        json!({"name": "X", "email": "x@example.com", "job_id": s.job.id}),
    );
    assert_eq!(add.status, 403);
    assert_eq!(app.browser().get(&path).status, 401);
}

#[test]
fn candidates_are_listed_by_job_and_status_and_checked() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let recruiter = &mut s.recruiter.api;
    let grace = add_candidate(recruiter, &s.job, "Grace Hopper");
    add_candidate(recruiter, &s.job, "Ada Lovelace");
    let held = recruiter.patch_json(
        &format!("/api/v1/candidates/{}", grace.id),
        json!({"status": "on_hold"}),
    );
    assert_eq!(held.status, 200);
    let job_id = s.job.id;
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
        &format!("/api/v1/candidates/{}", grace.id),
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
        add_candidate(recruiter, &s.job, &format!("Candidate {i}"));
    }
    let (many, res) =
        app.count_queries(|| recruiter.get(&format!("/api/v1/candidates?job_id={job_id}")));
    assert_eq!(res.json()["total"], 10);
    assert_eq!(one, many, "listing candidates costs the same for 2 or 10");
}

#[test]
fn the_same_person_twice_on_one_job_points_at_the_first() {
    let app = TestApp::spawn();
    let Setup {
        mut recruiter,
        mut manager,
        job,
        ..
    } = setup(&app);
    let first = candidate("Ada Lovelace")
        .email("ada@example.com")
        .on(&job)
        .create(&mut recruiter.api);

    // A second add, the email in other letter case: 409 naming the first.
    let again = recruiter.api.post_json(
        "/api/v1/candidates",
        json!({"name": "Ada L.", "email": "ADA@Example.com", "job_id": job.id}),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    let error = &again.json()["error"];
    assert_eq!(error["location"], format!("/candidates/{}", first.id));
    assert!(
        error["fields"]["email"]
            .as_str()
            .unwrap()
            .contains("Ada Lovelace")
    );
    let listed = recruiter
        .api
        .get(&format!("/api/v1/candidates?job_id={}", job.id));
    assert_eq!(
        listed.json()["candidates"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );

    // The same through the page: the error sits by the email, what was typed stays.
    let mut browser = recruiter.browser();
    let job_id = job.id.to_string();
    let page = browser.submit(
        "/candidates",
        "/candidates",
        &[
            ("name", "Ada Twice"),
            ("email", "ada@example.com"),
            ("job_id", &job_id),
            ("notes", "typed notes survive"),
        ],
    );
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("id=\"error-email\""), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("href=\"/candidates/{}\"", first.id))
    );
    assert!(page.body.contains("Ada Twice") && page.body.contains("typed notes survive"));

    // Changing another candidate's email to Ada's is refused the same way.
    let grace = add_candidate(&mut recruiter.api, &job, "Grace Hopper");
    let clash = recruiter.api.patch_json(
        &format!("/api/v1/candidates/{}", grace.id),
        json!({"email": "ada@example.com"}),
    );
    assert_eq!(clash.status, 409, "{}", clash.body);

    // On another job the same email is allowed, and each page names the other.
    let other = crate::builders::job("Data Engineer").create(&mut manager.api);
    let second = candidate("Ada Lovelace")
        .email("ada@example.com")
        .on(&other)
        .create(&mut recruiter.api);
    let page = browser.get(&format!("/candidates/{}", first.id));
    assert!(page.body.contains("also a candidate for"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("href=\"/candidates/{}\"", second.id))
    );
    assert!(page.body.contains("Data Engineer"));
}
