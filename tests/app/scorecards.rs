//! Interview kits, structured scorecards, independence, the debrief's
//! agenda and the decision, through the API.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, TestUser};

struct Loop {
    manager: TestUser,
    recruiter: TestUser,
    a: TestUser,
    b: TestUser,
    candidate: i64,
    /// A's stage and B's stage on the candidate's loop.
    stage_a: i64,
    stage_b: i64,
    /// A criterion both stages focus on, and the job's red flags.
    shared: i64,
    red_flags: Vec<i64>,
    question_a: i64,
}

fn setup(app: &TestApp) -> Loop {
    let manager = app.user(Role::HiringManager);
    let recruiter = app.user(Role::Recruiter);
    let (a, b) = (app.user(Role::Interviewer), app.user(Role::Interviewer));
    let mut hm = app.script(&manager);
    let track = hm.get("/api/v1/tracks/backend-developer").json()["track"]["id"].clone();
    let job = hm
        .post_json(
            "/api/v1/jobs",
            json!({"title": "Backend Developer", "track_id": track}),
        )
        .json()["job"]
        .clone();
    let shared = job["criteria"][0]["id"].as_i64().unwrap();
    let red_flags: Vec<i64> = job["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "red_flag")
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let loop_id = job["template_loop_id"].as_i64().unwrap();
    let shape = hm.get(&format!("/api/v1/loops/{loop_id}")).json();
    let (t0, t2) = (
        shape["stages"][0]["id"].as_i64().unwrap(),
        shape["stages"][2]["id"].as_i64().unwrap(),
    );
    let question_a = hm
        .get("/api/v1/questions?stage_kind=recruiter-screen&per_page=1")
        .json()["questions"][0]["id"]
        .as_i64()
        .unwrap();
    let mut v = 1;
    for (stage, who) in [(t0, &a), (t2, &b)] {
        assert_eq!(
            hm.patch_json(
                &format!("/api/v1/stages/{stage}"),
                json!({"version": v, "focus_criterion_ids": [shared]})
            )
            .status,
            200
        );
        assert_eq!(
            hm.put_json(
                &format!("/api/v1/stages/{stage}/interviewers"),
                json!({"version": v + 1, "user_ids": [who.id]})
            )
            .status,
            200
        );
        v += 2;
    }
    assert_eq!(
        hm.put_json(
            &format!("/api/v1/stages/{t0}/questions"),
            json!({"version": v, "question_ids": [question_a]})
        )
        .status,
        200
    );
    let mut rec = app.script(&recruiter);
    let candidate = rec
        .post_json(
            "/api/v1/candidates",
            json!({"name": "Grace Hopper", "email": "grace@example.com", "job_id": job["id"]}),
        )
        .json()["candidate"]["id"]
        .as_i64()
        .unwrap();
    let copy = rec
        .get(&format!("/api/v1/candidates/{candidate}/loop"))
        .json();
    Loop {
        stage_a: copy["stages"][0]["id"].as_i64().unwrap(),
        stage_b: copy["stages"][2]["id"].as_i64().unwrap(),
        manager,
        recruiter,
        a,
        b,
        candidate,
        shared,
        red_flags,
        question_a,
    }
}

fn complete(l: &Loop, rating: &str, recommendation: &str, observed: Option<i64>) -> Value {
    json!({
        "ratings": [{"criterion_id": l.shared, "rating": rating, "evidence": "Walked through the trade-offs of two indexes."}],
        "red_flags": l.red_flags.iter().map(|id| json!({"criterion_id": id, "observed": Some(*id) == observed, "evidence": if Some(*id) == observed { "Skipped the edge cases." } else { "" }})).collect::<Vec<_>>(),
        "recommendation": recommendation,
        "summary": "Clear thinker.",
    })
}

#[test]
fn the_kit_shows_the_stage_to_its_interviewer_and_nobody_stray() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let kit = app
        .script(&l.a)
        .get(&format!("/api/v1/stages/{}/kit", l.stage_a));
    assert_eq!(kit.status, 200, "{}", kit.body);
    let kit = kit.json();
    assert_eq!(kit["candidate"]["name"], "Grace Hopper");
    assert_eq!(kit["focus_criteria"][0]["id"], l.shared);
    assert!(
        !kit["focus_criteria"][0]["description"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(kit["red_flags"].as_array().unwrap().len(), 5);
    assert_eq!(kit["questions"][0]["id"], l.question_a);
    assert!(kit["questions"][0]["why"].as_str().unwrap().len() > 20);
    assert!(
        kit["questions"][0]["prep_pointers"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert_eq!(
        app.script(&l.b)
            .get(&format!("/api/v1/stages/{}/kit", l.stage_a))
            .status,
        404
    );
    assert_eq!(
        app.script(&l.recruiter)
            .get(&format!("/api/v1/stages/{}/kit", l.stage_a))
            .status,
        200
    );
    let mine = app.script(&l.a).get("/api/v1/me/interviews").json();
    assert_eq!(mine["interviews"][0]["stage_id"], l.stage_a);
    assert_eq!(mine["interviews"][0]["scorecard"], "not_started");
}

#[test]
fn a_scorecard_is_drafted_submitted_locked_and_amended_with_a_reason() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let mut a = app.script(&l.a);
    let path = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    let draft = a.put_json(&path, json!({"ratings": [{"criterion_id": l.shared, "rating": "yes", "evidence": ""}], "summary": ""}));
    assert_eq!(draft.status, 200, "{}", draft.body);
    assert_eq!(draft.json()["status"], "draft");

    let early = a.post_json(&format!("{path}/submit"), json!({}));
    assert_eq!(early.status, 422);
    let fields = early.json()["error"]["fields"].clone();
    assert!(
        fields[format!("ratings.{}", l.shared)].is_string(),
        "evidence is required: {fields}"
    );
    assert!(fields["recommendation"].is_string() && fields["summary"].is_string());
    assert!(fields[format!("red_flags.{}", l.red_flags[0])].is_string());
    assert_eq!(
        a.get(&path).json()["ratings"][0]["rating"],
        "yes",
        "the draft is kept"
    );

    let bad = a.put_json(
        &path,
        json!({"ratings": [{"criterion_id": l.shared, "rating": "maybe"}]}),
    );
    assert_eq!(bad.status, 422);
    assert!(
        bad.json()["error"]["fields"]["ratings[0].rating"].is_string(),
        "{}",
        bad.body
    );
    let stray = a.put_json(
        &path,
        json!({"ratings": [{"criterion_id": 987654, "rating": "yes", "evidence": "x"}]}),
    );
    assert_eq!(stray.status, 422);

    assert_eq!(
        a.put_json(&path, complete(&l, "yes", "yes", None)).status,
        200
    );
    let submitted = a.post_json(&format!("{path}/submit"), json!({}));
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "submitted");
    assert_eq!(
        a.put_json(&path, complete(&l, "no", "no", None)).status,
        409,
        "locked"
    );

    let no_reason = a.post_json(
        &format!("{path}/amendments"),
        complete(&l, "strong_yes", "yes", None),
    );
    assert_eq!(no_reason.status, 422);
    let mut amended = complete(&l, "strong_yes", "yes", None);
    amended["reason"] = json!("Re-read my notes: the index answer was excellent.");
    let res = a.post_json(&format!("{path}/amendments"), amended);
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(a.get(&path).json()["ratings"][0]["rating"], "strong_yes");
    assert_eq!(
        a.get("/api/v1/me/interviews").json()["interviews"][0]["scorecard"],
        "submitted"
    );
    // Someone not on the stage has no scorecard there.
    assert_eq!(app.script(&l.b).get(&path).status, 404);
}

#[test]
fn interviewers_see_others_scorecards_only_after_submitting_their_own() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let (mut a, mut b) = (app.script(&l.a), app.script(&l.b));
    let debrief = format!("/api/v1/candidates/{}/debrief", l.candidate);
    let a_card = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    let b_card = format!("/api/v1/stages/{}/scorecard", l.stage_b);
    a.put_json(&a_card, complete(&l, "strong_yes", "strong_yes", None));
    assert_eq!(
        a.post_json(&format!("{a_card}/submit"), json!({})).status,
        200
    );

    // B has not submitted: no debrief, and A's scorecard is not B's to read.
    let refused = b.get(&debrief);
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("Walked through"), "no ratings leak");
    assert_eq!(b.get(&a_card).status, 404);
    // A submitted: A sees the debrief, with B missing.
    let seen = a.get(&debrief).json();
    assert_eq!(seen["scorecards"].as_array().unwrap().len(), 1);
    assert_eq!(seen["missing"][0]["interviewer_id"], l.b.id);

    b.put_json(&b_card, complete(&l, "no", "no", Some(l.red_flags[1])));
    assert_eq!(
        b.post_json(&format!("{b_card}/submit"), json!({})).status,
        200
    );
    let both = b.get(&debrief);
    assert_eq!(both.status, 200);
    let both = both.json();
    assert_eq!(both["scorecards"].as_array().unwrap().len(), 2);
    assert!(both["missing"].as_array().unwrap().is_empty());
    let agenda = both["agenda"].as_array().unwrap();
    assert!(agenda.contains(&json!({"kind": "disagreement", "criterion_id": l.shared, "lowest": "no", "highest": "strong_yes"})), "{agenda:?}");
    assert!(
        agenda
            .iter()
            .any(|i| i["kind"] == "red_flag_raised" && i["criterion_id"] == l.red_flags[1])
    );

    // Others: the manager and recruiters see it; a stray interviewer does not learn it exists.
    assert_eq!(app.script(&l.manager).get(&debrief).status, 200);
    assert_eq!(app.script(&l.recruiter).get(&debrief).status, 200);
    let stray = app.user(Role::Interviewer);
    assert_eq!(app.script(&stray).get(&debrief).status, 404);
}

#[test]
fn the_decision_is_recorded_by_the_manager_and_every_version_kept() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let mut hm = app.script(&l.manager);
    let path = format!("/api/v1/candidates/{}/decision", l.candidate);
    let empty = hm.post_json(&path, json!({"outcome": "hire", "rationale": " "}));
    assert_eq!(empty.status, 422);
    assert!(empty.json()["error"]["fields"]["rationale"].is_string());
    assert_eq!(
        hm.post_json(&path, json!({"outcome": "maybe", "rationale": "x"}))
            .status,
        422
    );
    assert_eq!(hm.post_json(&path, json!({"outcome": "hold", "rationale": "Waiting for the design round.", "criterion_ids": [l.shared]})).status, 201);
    let revised = hm.post_json(&path, json!({"outcome": "hire", "rationale": "Strong on every criterion we probed.", "criterion_ids": [l.shared]}));
    assert_eq!(revised.status, 201);
    let decisions = revised.json()["decisions"].clone();
    assert_eq!(decisions.as_array().unwrap().len(), 2);
    assert_eq!(decisions[0]["outcome"], "hire");
    assert_eq!(decisions[1]["outcome"], "hold");
    assert_eq!(decisions[0]["decided_by"], l.manager.id);
    assert_eq!(
        app.script(&l.recruiter)
            .post_json(&path, json!({"outcome": "no_hire", "rationale": "x"}))
            .status,
        403
    );
    assert_eq!(
        app.script(&l.a)
            .post_json(&path, json!({"outcome": "no_hire", "rationale": "x"}))
            .status,
        404
    );
}

#[test]
fn an_interviewer_fills_the_scorecard_on_the_kit_page() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let mut a = app.signed_in(&l.a);
    let mine = a.get("/interviews");
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Grace Hopper"));
    let kit_path = format!("/stages/{}/kit", l.stage_a);
    let kit = a.get(&kit_path);
    assert_eq!(kit.status, 200, "{}", kit.body);
    assert!(
        kit.body.contains("Why this comes up") || kit.body.contains("why"),
        "the why-note is in the kit"
    );
    assert!(kit.body.contains("/static/autosave.js"));

    let csrf = crate::support::csrf_field(&kit.body);
    let rating = format!("rating-{}", l.shared);
    let evidence = format!("evidence-{}", l.shared);
    // Autosave keeps a half-typed draft.
    let saved = a.post_form(
        &format!("/stages/{}/scorecard/autosave", l.stage_a),
        &[
            ("csrf_token", &csrf),
            (&rating, "yes"),
            (&evidence, "Half a thought <b>"),
        ],
    );
    assert_eq!(saved.status, 204);
    assert_eq!(
        app.script(&l.a)
            .get(&format!("/api/v1/stages/{}/scorecard", l.stage_a))
            .json()["ratings"][0]["evidence"],
        "Half a thought <b>"
    );

    let early = a.post_form(
        &format!("/stages/{}/scorecard", l.stage_a),
        &[
            ("csrf_token", &csrf),
            (&rating, "yes"),
            (&evidence, ""),
            ("action", "submit"),
        ],
    );
    assert_eq!(early.status, 422);
    assert!(early.body.contains("error-summary"));
    assert!(early.body.contains("Give your overall recommendation."));

    let mut fields: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf.clone()),
        (rating.clone(), "strong_yes".into()),
        (
            evidence.clone(),
            "Chose the right index and said why.".into(),
        ),
        ("recommendation".into(), "yes".into()),
        ("summary".into(), "Calm and precise.".into()),
        ("action".into(), "submit".into()),
    ];
    for id in &l.red_flags {
        fields.push((format!("red_flag-{id}"), "no".into()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = a.post_form(&format!("/stages/{}/scorecard", l.stage_a), &pairs);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        app.script(&l.a)
            .get(&format!("/api/v1/stages/{}/scorecard", l.stage_a))
            .json()["status"],
        "submitted"
    );
    let locked = a.get(&kit_path);
    assert!(
        locked.body.contains("Amend"),
        "a submitted scorecard offers an amendment, not an edit"
    );

    let debrief = a.get(&format!("/candidates/{}/debrief", l.candidate));
    assert_eq!(debrief.status, 200);
    assert!(debrief.body.contains("Chose the right index"));

    let mut hm = app.signed_in(&l.manager);
    let page = hm.get(&format!("/candidates/{}/debrief", l.candidate));
    let csrf = crate::support::csrf_field(&page.body);
    let bad = hm.post_form(
        &format!("/candidates/{}/decision", l.candidate),
        &[
            ("csrf_token", &csrf),
            ("outcome", "hire"),
            ("rationale", ""),
        ],
    );
    assert_eq!(bad.status, 422);
    let ok = hm.post_form(
        &format!("/candidates/{}/decision", l.candidate),
        &[
            ("csrf_token", &csrf),
            ("outcome", "hold"),
            ("rationale", "One scorecard is still missing."),
        ],
    );
    assert_eq!(ok.status, 303);
    assert!(
        hm.get(&format!("/candidates/{}/debrief", l.candidate))
            .body
            .contains("One scorecard is still missing.")
    );
}

/// Adds `n` stages to a loop, each with `interviewer` on it (straight in the database).
fn add_stages(app: &TestApp, loop_of_stage: i64, interviewer: i64, n: usize) -> Vec<i64> {
    use diesel::prelude::*;
    use loopwright::db::schema::{stage_interviewers, stages};
    let mut conn = app.conn();
    let (loop_id, kind, format): (i64, i64, i64) = stages::table
        .find(loop_of_stage)
        .select((stages::loop_id, stages::stage_kind_id, stages::format_id))
        .first(&mut conn)
        .unwrap();
    let at = loopwright::db::models::now();
    (0..n)
        .map(|i| {
            let id: i64 = diesel::insert_into(stages::table)
                .values((
                    stages::loop_id.eq(loop_id),
                    stages::position.eq(100 + i as i64),
                    stages::stage_kind_id.eq(kind),
                    stages::title.eq(format!("Extra stage {i}")),
                    stages::format_id.eq(format),
                    stages::duration_minutes.eq(30),
                    stages::starts_at.eq(Some(at - chrono::Duration::days(i as i64 + 1))),
                    stages::created_at.eq(at),
                    stages::updated_at.eq(at),
                ))
                .returning(stages::id)
                .get_result(&mut conn)
                .unwrap();
            diesel::insert_into(stage_interviewers::table)
                .values((
                    stage_interviewers::stage_id.eq(id),
                    stage_interviewers::user_id.eq(interviewer),
                ))
                .execute(&mut conn)
                .unwrap();
            id
        })
        .collect()
}

#[test]
fn the_debrief_and_my_interviews_cost_the_same_queries_whatever_their_size() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let mut a = app.script(&l.a);
    let mut b = app.script(&l.b);
    for (script, stage, rating) in [(&mut a, l.stage_a, "yes"), (&mut b, l.stage_b, "no")] {
        let path = format!("/api/v1/stages/{stage}/scorecard");
        script.put_json(&path, complete(&l, rating, rating, None));
        assert_eq!(
            script
                .post_json(&format!("{path}/submit"), json!({}))
                .status,
            200
        );
    }
    let mut manager = app.signed_in(&l.manager);
    let debrief = format!("/candidates/{}/debrief", l.candidate);
    let (two, res) = app.count_queries(|| manager.get(&debrief));
    assert_eq!(res.status, 200);
    // Ten more stages for A, each with a submitted scorecard: twelve in all.
    let extra = add_stages(&app, l.stage_a, l.a.id, 10);
    for stage in &extra {
        let path = format!("/api/v1/stages/{stage}/scorecard");
        a.put_json(&path, json!({"red_flags": l.red_flags.iter().map(|id| json!({"criterion_id": id, "observed": false})).collect::<Vec<_>>(), "recommendation": "yes", "summary": "Fine."}));
        assert_eq!(
            a.post_json(&format!("{path}/submit"), json!({})).status,
            200
        );
    }
    let (twelve, res) = app.count_queries(|| manager.get(&debrief));
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Extra stage 9"));
    assert_eq!(two, twelve, "the debrief does not grow with its scorecards");

    let mut a_page = app.signed_in(&l.a);
    let (few, res) = app.count_queries(|| a_page.get("/interviews"));
    assert_eq!(res.status, 200);
    add_stages(&app, l.stage_a, l.a.id, 489);
    let (many, res) = app.count_queries(|| a_page.get("/interviews"));
    assert_eq!(res.status, 200);
    assert!(
        res.body.contains("500 interviews"),
        "paginated, with the total"
    );
    assert_eq!(
        few, many,
        "my interviews does not grow with past interviews"
    );
    let api = app
        .script(&l.a)
        .get("/api/v1/me/interviews?per_page=50&page=10")
        .json();
    assert_eq!(api["total"], 500);
    assert_eq!(api["interviews"].as_array().unwrap().len(), 50);
}

#[test]
fn two_hundred_interviewers_save_drafts_at_once_and_none_is_lost() {
    use diesel::prelude::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use loopwright::auth::session::Claims;
    use loopwright::db::models::{User, UserInsertForm, now};
    use loopwright::db::schema::stage_interviewers;

    let app = TestApp::spawn();
    let l = setup(&app);
    // 200 interviewers on one stage (one password hash shared, tokens signed here: no 200 sign-ins).
    let hash = loopwright::auth::password::hash("a shared test passphrase").unwrap();
    let mut conn = app.conn();
    let at = now();
    let mut tokens = Vec::new();
    for i in 0..200 {
        let email = format!("panel{i}@example.com");
        let user = User::create(
            &mut conn,
            &UserInsertForm::active(&email, "Panel Member", "interviewer", &hash, at),
        )
        .unwrap();
        diesel::insert_into(stage_interviewers::table)
            .values((
                stage_interviewers::stage_id.eq(l.stage_b),
                stage_interviewers::user_id.eq(user.id),
            ))
            .execute(&mut conn)
            .unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id.to_string(),
            iat: now,
            exp: now + 600,
            ver: 0,
            csrf: "c".repeat(64),
        };
        tokens.push((
            user.id,
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(app.secret().as_bytes()),
            )
            .unwrap(),
        ));
    }
    drop(conn);
    let path = format!("/api/v1/stages/{}/scorecard", l.stage_b);
    let threads: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|(id, token)| {
            let (base, path, shared) = (app.base.clone(), path.clone(), l.shared);
            std::thread::spawn(move || {
                let mut b = crate::support::Browser::new(&base);
                b.bearer = Some(token);
                let body = json!({"ratings": [{"criterion_id": shared, "rating": "yes", "evidence": format!("Draft of interviewer {id}")}], "summary": format!("Summary {id}")});
                b.put_json(&path, body).status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every save succeeded: {statuses:?}"
    );
    for (id, token) in &tokens {
        let mut b = app.browser();
        b.bearer = Some(token.clone());
        let card = b.get(&path).json();
        assert_eq!(card["status"], "draft");
        assert_eq!(card["summary"], format!("Summary {id}"));
        assert_eq!(
            card["ratings"][0]["evidence"],
            format!("Draft of interviewer {id}")
        );
    }
}

#[test]
fn someone_not_on_the_stage_sees_the_kit_without_a_scorecard_form() {
    let app = TestApp::spawn();
    let l = setup(&app);
    let page = app
        .signed_in(&l.recruiter)
        .get(&format!("/stages/{}/kit", l.stage_a));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("you have no scorecard here"));
    assert!(!page.body.contains("Submit scorecard"));
}
