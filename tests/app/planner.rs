//! Jobs and loop planning through the API: building a loop, coverage,
//! versions and conflicts, bad input, and who may do what.

use diesel::prelude::*;
use loopwright::db::schema::{loop_revisions, users};
use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Job, Member, Team, job, plan, stage};
use crate::support::{Browser, TestApp};

fn create_job(script: &mut Browser, typical: bool) -> Job {
    let spec = job("Senior Backend Developer").team("Payments");
    let spec = if typical { spec } else { spec.without_stages() };
    spec.create(script)
}

fn warnings(coverage: &Value) -> Vec<Value> {
    coverage["warnings"].as_array().unwrap().clone()
}

fn not_probed(coverage: &Value, id: i64) -> bool {
    warnings(coverage)
        .iter()
        .any(|w| w["kind"] == "criterion_not_probed" && w["criterion_id"] == id)
}

#[test]
fn a_new_job_copies_the_track_and_starts_with_the_typical_stages() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    assert_eq!(job.json["criteria"].as_array().unwrap().len(), 10);
    assert_eq!(job.json["hiring_manager"]["id"], hm.id);
    let shape = script.get(&format!("/api/v1/jobs/{}/loop", job.id)).json();
    let kinds: Vec<&str> = shape["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage_kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "recruiter-screen",
            "hiring-manager-interview",
            "live-coding-round",
            "system-design-interview",
            "past-project-deep-dive",
            "final-values-interview"
        ]
    );
    assert_eq!(shape["version"], 1);
    let coding = &shape["stages"][2];
    assert_eq!(coding["format"], "live-coding");
    assert_eq!(coding["duration_minutes"], 60);
    assert!(
        !coding["focus_criterion_ids"].as_array().unwrap().is_empty(),
        "suggested focus is copied"
    );
    assert!(
        shape["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["starts_at"].is_null())
    );

    let empty = create_job(&mut script, false);
    let shape = script
        .get(&format!("/api/v1/jobs/{}/loop", empty.id))
        .json();
    assert!(shape["stages"].as_array().unwrap().is_empty());
    let listed = script.get("/api/v1/jobs").json();
    assert_eq!(listed["total"], 2);
}

#[test]
fn coverage_follows_the_plan_worked_by_hand() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let interviewer = app.user(Role::Interviewer);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, false);
    let (language, distributed, ops) = (
        job.criterion("SQL"),
        job.criterion("istributed"),
        job.criterion("perational"),
    );
    let loop_id = job.loop_id;

    let shape = script
        .post_json(
            &format!("/api/v1/loops/{loop_id}/stages"),
            json!({"stage_kind": "recruiter-screen", "version": 1}),
        )
        .json();
    let screen = shape["stages"][0]["id"].as_i64().unwrap();
    let shape = script
        .patch_json(
            &format!("/api/v1/stages/{screen}"),
            json!({"version": 2, "focus_criterion_ids": [language]}),
        )
        .json();
    assert_eq!(shape["stages"][0]["focus_criterion_ids"], json!([language]));
    // The screen's suggested focus already: nothing changed, no new version.
    assert_eq!(shape["version"], 2);
    let shape = script
        .post_json(
            &format!("/api/v1/loops/{loop_id}/stages"),
            json!({"stage_kind": "system-design-interview", "version": 2}),
        )
        .json();
    let design = shape["stages"][1]["id"].as_i64().unwrap();
    assert!(
        shape["stages"][1]["focus_criterion_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(distributed)),
        "the kind's suggested focus"
    );

    let coverage = script
        .get(&format!("/api/v1/loops/{loop_id}/coverage"))
        .json();
    assert!(!not_probed(&coverage, language));
    assert!(!not_probed(&coverage, distributed));
    assert!(not_probed(&coverage, ops));
    assert_eq!(
        warnings(&coverage)
            .iter()
            .filter(|w| w["kind"] == "red_flag_not_surfaced")
            .count(),
        5,
        "no questions yet"
    );
    assert_eq!(
        warnings(&coverage)
            .iter()
            .filter(|w| w["kind"] == "stage_without_interviewer")
            .count(),
        2
    );

    // A question that probes operations, in the screen: the matrix counts it.
    let ops_question = script.get("/api/v1/questions?criterion=operational-mindset&stage_kind=recruiter-screen&per_page=1").json()["questions"][0]["id"].as_i64().unwrap();
    let shape = script.put_json(
        &format!("/api/v1/stages/{screen}/questions"),
        json!({"version": 3, "question_ids": [ops_question]}),
    );
    assert_eq!(shape.status, 200, "{}", shape.body);
    assert_eq!(
        script
            .put_json(
                &format!("/api/v1/stages/{screen}/interviewers"),
                json!({"version": 4, "user_ids": [interviewer.id]})
            )
            .status,
        200
    );
    let coverage = script
        .get(&format!("/api/v1/loops/{loop_id}/coverage"))
        .json();
    assert!(!not_probed(&coverage, ops));
    let ops_row = coverage["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["criterion_id"] == ops)
        .unwrap();
    assert_eq!(
        ops_row["cells"][0],
        json!({"stage_id": screen, "focus": false, "questions": 1})
    );
    assert!(
        !warnings(&coverage)
            .iter()
            .any(|w| w["kind"] == "stage_without_interviewer" && w["stage_id"] == screen)
    );

    // Remove the only stage probing distributed systems: the warning appears.
    let removed = script.request(
        "DELETE",
        &format!("/api/v1/stages/{design}?version=5"),
        None,
    );
    assert_eq!(removed.status, 200, "{}", removed.body);
    let coverage = script
        .get(&format!("/api/v1/loops/{loop_id}/coverage"))
        .json();
    assert!(not_probed(&coverage, distributed));
    // Add it back: it goes.
    script.post_json(
        &format!("/api/v1/loops/{loop_id}/stages"),
        json!({"stage_kind": "system-design-interview", "version": 6}),
    );
    let coverage = script
        .get(&format!("/api/v1/loops/{loop_id}/coverage"))
        .json();
    assert!(!not_probed(&coverage, distributed));
    assert_eq!(coverage["version"], 7);

    let revisions: Vec<i64> = loop_revisions::table
        .filter(loop_revisions::loop_id.eq(loop_id))
        .order(loop_revisions::version)
        .select(loop_revisions::version)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        revisions,
        (1..=7).collect::<Vec<i64>>(),
        "every version's shape is kept"
    );
}

#[test]
fn two_edits_of_the_same_version_one_wins_the_other_gets_409() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    let stage = job.template(&mut script).stages[0];

    let first = script.patch_json(
        &format!("/api/v1/stages/{stage}"),
        json!({"version": 1, "title": "Phone screen"}),
    );
    assert_eq!(first.status, 200);
    let second = script.patch_json(
        &format!("/api/v1/stages/{stage}"),
        json!({"version": 1, "title": "Coffee chat", "duration_minutes": 20}),
    );
    assert_eq!(second.status, 409);
    assert!(
        second.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    let now = script.get(&format!("/api/v1/loops/{}", job.loop_id)).json();
    assert_eq!(now["stages"][0]["title"], "Phone screen");
    assert_eq!(
        now["stages"][0]["duration_minutes"], 30,
        "nothing of the losing edit was applied"
    );

    // At the same moment, from two clients: exactly one wins.
    let token = script.bearer.clone().unwrap();
    let base = app.base.clone();
    let racers: Vec<_> = ["Left", "Right"]
        .into_iter()
        .map(|title| {
            let (token, base) = (token.clone(), base.clone());
            std::thread::spawn(move || {
                let mut b = Browser::new(&base);
                b.bearer = Some(token);
                b.patch_json(
                    &format!("/api/v1/stages/{stage}"),
                    json!({"version": 2, "title": title}),
                )
                .status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    assert_eq!(job.template(&mut script).version, 3);
}

#[test]
fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let gone = app.user(Role::Interviewer);
    diesel::update(users::table.find(gone.id))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    let loop_id = job.loop_id;
    let before = job.template(&mut script);
    let stage = before.stages[0];

    for (path, method, body, field) in [
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"version": 1, "duration_minutes": 0}),
            "duration_minutes",
        ),
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"version": 1, "duration_minutes": 1000}),
            "duration_minutes",
        ),
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"version": 1, "title": " "}),
            "title",
        ),
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"version": 1, "starts_at": "tomorrow-ish"}),
            "starts_at",
        ),
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"version": 1, "focus_criterion_ids": [987654]}),
            "focus_criterion_ids",
        ),
        (
            format!("/api/v1/stages/{stage}"),
            "PATCH",
            json!({"title": "No version"}),
            "version",
        ),
        (
            format!("/api/v1/stages/{stage}/questions"),
            "PUT",
            json!({"version": 1, "question_ids": [987654]}),
            "question_ids",
        ),
        (
            format!("/api/v1/stages/{stage}/interviewers"),
            "PUT",
            json!({"version": 1, "user_ids": [gone.id]}),
            "user_ids",
        ),
        (
            format!("/api/v1/loops/{loop_id}/stages"),
            "POST",
            json!({"version": 1, "stage_kind": "karaoke"}),
            "stage_kind",
        ),
    ] {
        let res = script.request(method, &path, Some(("application/json", body.to_string())));
        assert_eq!(res.status, 422, "{method} {path} {body}: {}", res.body);
        assert!(
            res.json()["error"]["fields"][field].is_string(),
            "{field}: {}",
            res.body
        );
    }
    assert_eq!(
        script.get(&format!("/api/v1/loops/{loop_id}")).json(),
        before.json,
        "nothing changed"
    );
}

#[test]
fn who_may_read_and_change_a_jobs_loop() {
    let app = TestApp::spawn();
    let Team {
        manager: mut owner,
        mut admin,
        mut recruiter,
        mut interviewers,
    } = Team::with_interviewers(&app, 1);
    let (interviewer, mut other) = (&mut interviewers[0], Member::new(&app, Role::HiringManager));
    let job = create_job(&mut owner.api, true);
    let loop_id = job.loop_id;
    let stage = job.template(&mut owner.api).stages[0];

    let read = |m: &mut Member| -> u16 { m.api.get(&format!("/api/v1/loops/{loop_id}")).status };
    let write = |m: &mut Member| -> u16 {
        m.api
            .patch_json(
                &format!("/api/v1/stages/{stage}"),
                json!({"version": 99, "title": "x"}),
            )
            .status
    };
    assert_eq!(
        (read(&mut owner), read(&mut admin), read(&mut recruiter)),
        (200, 200, 200)
    );
    assert_eq!((read(&mut other), read(interviewer)), (403, 403));
    // Allowed writers get past permissions to the version check (409).
    assert_eq!((write(&mut owner), write(&mut admin)), (409, 409));
    assert_eq!(
        (write(&mut other), write(&mut recruiter), write(interviewer)),
        (403, 403, 403)
    );
    assert_eq!(
        recruiter
            .api
            .post_json("/api/v1/jobs", json!({"title": "x", "track_id": 1}))
            .status,
        403
    );
    assert_eq!(
        other.api.get("/api/v1/jobs").json()["total"],
        0,
        "a hiring manager lists their own jobs"
    );
    assert_eq!(
        app.browser()
            .get(&format!("/api/v1/loops/{loop_id}/coverage"))
            .status,
        401
    );
}

#[test]
fn reading_a_loop_costs_the_same_queries_for_two_stages_or_twelve() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, false);
    let loop_id = job.loop_id;
    let add = |script: &mut Browser, n: usize| {
        (0..n)
            .fold(plan(), |p, _| p.add(stage().kind("live-coding-round")))
            .apply(script, loop_id)
    };
    add(&mut script, 2);
    let (two, _) = app.count_queries(|| script.get(&format!("/api/v1/loops/{loop_id}")));
    let (two_cov, _) =
        app.count_queries(|| script.get(&format!("/api/v1/loops/{loop_id}/coverage")));
    add(&mut script, 10);
    let (twelve, res) = app.count_queries(|| script.get(&format!("/api/v1/loops/{loop_id}")));
    let (twelve_cov, _) =
        app.count_queries(|| script.get(&format!("/api/v1/loops/{loop_id}/coverage")));
    assert_eq!(res.json()["stages"].as_array().unwrap().len(), 12);
    assert_eq!(two, twelve);
    assert_eq!(two_cov, twelve_cov);
}

#[test]
fn a_jobs_criteria_can_be_edited_added_reordered_and_removed() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    let job_id = job.id;
    let added = script.post_json(&format!("/api/v1/jobs/{job_id}/criteria"), json!({"kind": "criterion", "name": "Writes clear design docs", "description": "Docs others can act on."}));
    assert_eq!(added.status, 201, "{}", added.body);
    let docs = added.json()["criterion"]["id"].as_i64().unwrap();
    let coverage = script
        .get(&format!("/api/v1/loops/{}/coverage", job.loop_id))
        .json();
    assert!(
        not_probed(&coverage, docs),
        "a new criterion nothing probes is flagged at once"
    );

    let moved = script.patch_json(
        &format!("/api/v1/criteria/{docs}"),
        json!({"position": 0, "name": "Writes clear docs"}),
    );
    assert_eq!(moved.status, 200);
    let list = script
        .get(&format!("/api/v1/jobs/{job_id}/criteria"))
        .json();
    assert_eq!(list["criteria"][0]["name"], "Writes clear docs");
    let bad = script.patch_json(&format!("/api/v1/criteria/{docs}"), json!({"name": ""}));
    assert_eq!(bad.status, 422);

    // Focus a stage on it, then remove it: it leaves the stage's focus too.
    let shape = script.get(&format!("/api/v1/jobs/{job_id}/loop")).json();
    let stage = shape["stages"][0]["id"].as_i64().unwrap();
    script.patch_json(
        &format!("/api/v1/stages/{stage}"),
        json!({"version": shape["version"], "focus_criterion_ids": [docs]}),
    );
    assert_eq!(
        script
            .request("DELETE", &format!("/api/v1/criteria/{docs}"), None)
            .status,
        204
    );
    let shape = script.get(&format!("/api/v1/jobs/{job_id}/loop")).json();
    assert!(
        shape["stages"][0]["focus_criterion_ids"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        script
            .get(&format!("/api/v1/jobs/{job_id}/criteria"))
            .json()["criteria"]
            .as_array()
            .unwrap()
            .len(),
        10
    );

    let closed = script.patch_json(
        &format!("/api/v1/jobs/{job_id}"),
        json!({"status": "closed", "title": "Staff Backend Developer"}),
    );
    assert_eq!(closed.json()["job"]["status"], "closed");
    assert_eq!(
        script
            .patch_json(
                &format!("/api/v1/jobs/{job_id}"),
                json!({"status": "paused"})
            )
            .status,
        422
    );
}

#[test]
fn each_version_is_kept_and_two_can_be_compared() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    let loop_id = job.loop_id;
    let shape = job.template(&mut script);
    let (first, last) = (shape.stages[0], shape.stages[5]);
    script.patch_json(
        &format!("/api/v1/stages/{first}"),
        json!({"version": 1, "duration_minutes": 20}),
    );
    script.request("DELETE", &format!("/api/v1/stages/{last}?version=2"), None);
    let revisions = script
        .get(&format!("/api/v1/loops/{loop_id}/revisions"))
        .json();
    let versions: Vec<i64> = revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(
        revisions["revisions"][0]["stages"]
            .as_array()
            .unwrap()
            .len(),
        6,
        "version 1 as it was"
    );
    let compared = script
        .get(&format!(
            "/api/v1/loops/{loop_id}/revisions/compare?from=1&to=3"
        ))
        .json();
    assert_eq!(
        compared["changes"],
        json!([
            {"kind": "changed", "stage_id": first, "fields": ["duration_minutes"]},
            {"kind": "removed", "stage_id": last, "title": "Final / values interview"},
        ])
    );
    assert_eq!(
        script
            .get(&format!(
                "/api/v1/loops/{loop_id}/revisions/compare?from=1&to=9"
            ))
            .status,
        422
    );
}

#[test]
fn a_stage_edit_with_two_bad_fields_names_both() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let job = create_job(&mut script, true);
    let before = job.template(&mut script);
    let res = script.patch_json(
        &format!("/api/v1/stages/{}", before.stages[0]),
        json!({"version": before.version, "title": " ", "duration_minutes": 0}),
    );
    assert_eq!(res.status, 422);
    let fields = res.json()["error"]["fields"].clone();
    assert_eq!(fields["title"], "Enter a title.");
    assert_eq!(
        fields["duration_minutes"],
        "A stage lasts between 1 and 480 minutes."
    );
    assert_eq!(job.template(&mut script).json, before.json);
}
