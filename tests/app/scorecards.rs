//! Interview kits, structured scorecards, independence, the debrief's
//! agenda and the decision, through the API.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{
    Loop, Member, ScorecardSpec, Team, candidate, first_question, job, plan, scorecard, stage,
};
use crate::support::{TestApp, csrf_field};

/// Grace Hopper's loop: A interviews on its first stage, B on its third.
struct Setup<'a> {
    manager: Member<'a>,
    recruiter: Member<'a>,
    a: Member<'a>,
    b: Member<'a>,
    candidate: i64,
    loop_id: i64,
    /// A's stage and B's stage on the candidate's loop.
    stage_a: i64,
    stage_b: i64,
    rated: Rated,
    question_a: i64,
}

/// A criterion both stages focus on, and the job's red flags.
struct Rated {
    shared: i64,
    red_flags: Vec<i64>,
}

impl Rated {
    /// A complete scorecard: `rating` on the shared criterion with evidence,
    /// every red flag answered (`observed` seen), a recommendation, a summary.
    fn complete(&self, rating: &str, recommendation: &str, observed: Option<i64>) -> ScorecardSpec {
        let card = scorecard()
            .rate(
                self.shared,
                rating,
                "Walked through the trade-offs of two indexes.",
            )
            .no_red_flags(&self.red_flags)
            .recommend(recommendation)
            .summary("Clear thinker.");
        match observed {
            Some(id) => card.red_flag(id, "Skipped the edge cases."),
            None => card,
        }
    }
}

fn setup(app: &TestApp) -> Setup<'_> {
    let Team {
        mut manager,
        recruiter: mut rec,
        interviewers,
        ..
    } = Team::new(app);
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    let question_a = first_question(&mut manager.api, "stage_kind=recruiter-screen")["id"]
        .as_i64()
        .unwrap();
    let [a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    plan()
        .stage(
            0,
            stage()
                .focus([shared])
                .interviewers([a.id])
                .questions([question_a]),
        )
        .stage(2, stage().focus([shared]).interviewers([b.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .email("grace@example.com")
        .on(&job)
        .create(&mut rec.api);
    Setup {
        manager,
        recruiter: rec,
        a,
        b,
        candidate: grace.id,
        loop_id: grace.loop_id,
        stage_a: grace.stages[0],
        stage_b: grace.stages[2],
        rated: Rated {
            shared,
            red_flags: job.red_flags,
        },
        question_a,
    }
}

#[test]
fn the_kit_shows_the_stage_to_its_interviewer_and_nobody_stray() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let kit_path = format!("/api/v1/stages/{}/kit", l.stage_a);
    let kit = l.a.api.get(&kit_path);
    assert_eq!(kit.status, 200, "{}", kit.body);
    let kit = kit.json();
    assert_eq!(kit["candidate"]["name"], "Grace Hopper");
    assert_eq!(kit["focus_criteria"][0]["id"], l.rated.shared);
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
    assert_eq!(l.b.api.get(&kit_path).status, 404);
    assert_eq!(l.recruiter.api.get(&kit_path).status, 200);
    let mine = l.a.api.get("/api/v1/me/interviews").json();
    assert_eq!(mine["interviews"][0]["stage_id"], l.stage_a);
    assert_eq!(mine["interviews"][0]["scorecard"], "not_started");
}

#[test]
fn a_scorecard_is_drafted_submitted_locked_and_amended_with_a_reason() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let (a, shared, red_flags) = (&mut l.a.api, l.rated.shared, &l.rated.red_flags);
    let path = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    let draft = a.put_json(
        &path,
        scorecard().rate(shared, "yes", "").summary("").body(),
    );
    assert_eq!(draft.status, 200, "{}", draft.body);
    assert_eq!(draft.json()["status"], "draft");

    let early = a.post_json(&format!("{path}/submit"), json!({}));
    assert_eq!(early.status, 422);
    let fields = early.json()["error"]["fields"].clone();
    assert!(
        fields[format!("ratings.{shared}")].is_string(),
        "evidence is required: {fields}"
    );
    assert!(fields["recommendation"].is_string() && fields["summary"].is_string());
    assert!(fields[format!("red_flags.{}", red_flags[0])].is_string());
    assert_eq!(
        a.get(&path).json()["ratings"][0]["rating"],
        "yes",
        "the draft is kept"
    );

    let bad = a.put_json(
        &path,
        json!({"ratings": [{"criterion_id": shared, "rating": "maybe"}]}),
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
        a.put_json(&path, l.rated.complete("yes", "yes", None).body())
            .status,
        200
    );
    let submitted = a.post_json(&format!("{path}/submit"), json!({}));
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    assert_eq!(submitted.json()["status"], "submitted");
    assert_eq!(
        a.put_json(&path, l.rated.complete("no", "no", None).body())
            .status,
        409,
        "locked"
    );

    let no_reason = a.post_json(
        &format!("{path}/amendments"),
        l.rated.complete("strong_yes", "yes", None).body(),
    );
    assert_eq!(no_reason.status, 422);
    let mut amended = l.rated.complete("strong_yes", "yes", None).body();
    amended["reason"] = json!("Re-read my notes: the index answer was excellent.");
    let res = a.post_json(&format!("{path}/amendments"), amended);
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(a.get(&path).json()["ratings"][0]["rating"], "strong_yes");
    assert_eq!(
        a.get("/api/v1/me/interviews").json()["interviews"][0]["scorecard"],
        "submitted"
    );
    // Someone not on the stage has no scorecard there.
    assert_eq!(l.b.api.get(&path).status, 404);

    // The debrief says the scorecard it shows was amended, and when.
    let debrief = format!("/candidates/{}/debrief", l.candidate);
    let card = &l.manager.api.get(&format!("/api/v1{debrief}")).json()["scorecards"][0];
    assert!(card["amended_at"].as_str().is_some(), "{card}");
    let page = l.manager.browser().get(&debrief);
    assert!(page.body.contains("debrief-col-amended"), "{}", page.body);
    assert!(
        page.body.contains(">Amended <time datetime="),
        "{}",
        page.body
    );
}

#[test]
fn interviewers_see_others_scorecards_only_after_submitting_their_own() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let (a, b) = (&mut l.a.api, &mut l.b.api);
    let debrief = format!("/api/v1/candidates/{}/debrief", l.candidate);
    let a_card = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    let strong = l.rated.complete("strong_yes", "strong_yes", None);
    strong.submit(a, l.stage_a);

    // B has not submitted: no debrief, and A's scorecard is not B's to read.
    let refused = b.get(&debrief);
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("Walked through"), "no ratings leak");
    assert_eq!(b.get(&a_card).status, 404);
    // A submitted: A sees the debrief, with B missing.
    let seen = a.get(&debrief).json();
    assert_eq!(seen["scorecards"].as_array().unwrap().len(), 1);
    assert_eq!(seen["missing"][0]["interviewer_id"], l.b.id);

    let flagged = l.rated.red_flags[1];
    let against = l.rated.complete("no", "no", Some(flagged));
    against.submit(b, l.stage_b);
    let both = b.get(&debrief);
    assert_eq!(both.status, 200);
    let both = both.json();
    assert_eq!(both["scorecards"].as_array().unwrap().len(), 2);
    assert!(both["missing"].as_array().unwrap().is_empty());
    let agenda = both["agenda"].as_array().unwrap();
    assert!(agenda.contains(&json!({"kind": "disagreement", "criterion_id": l.rated.shared, "lowest": "no", "highest": "strong_yes"})), "{agenda:?}");
    assert!(
        agenda
            .iter()
            .any(|i| i["kind"] == "red_flag_raised" && i["criterion_id"] == flagged)
    );

    // The debrief page's matrix tones each answer from good to bad, with
    // its words; each interviewer's kit shows what they submitted likewise,
    // and the amendment form starts from it.
    let page = l
        .manager
        .browser()
        .get(&format!("/candidates/{}/debrief", l.candidate))
        .body;
    let matrix = page
        .split("debrief-matrix\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_default();
    for badge in [
        r#"<span class="badge ok strong">Strong yes</span>"#,
        r#"<span class="badge warn">No</span>"#,
        r#"<span class="badge bad">Observed</span>"#,
        r#"<span class="badge ok">Not observed</span>"#,
    ] {
        assert!(matrix.contains(badge), "{badge} in {matrix}");
    }
    let kit =
        l.a.browser()
            .get(&format!("/stages/{}/kit", l.stage_a))
            .body;
    assert!(
        kit.contains(r#"<span class="badge ok strong">Strong yes</span>"#),
        "{kit}"
    );
    let rating = format!("rating-{}", l.rated.shared);
    assert!(kit.contains(&format!("name=\"{rating}\" value=\"strong_yes\" checked")));
    assert_eq!(kit.matches(&format!("name=\"{rating}\"")).count(), 5);
    assert_eq!(
        kit.matches(" checked>").count(),
        2 + l.rated.red_flags.len()
    );
    assert!(kit.contains(r#"name="recommendation" value="strong_yes" checked"#));
    let kit =
        l.b.browser()
            .get(&format!("/stages/{}/kit", l.stage_b))
            .body;
    assert!(
        kit.contains(r#"<span class="badge warn">No</span>"#),
        "{kit}"
    );
    assert!(kit.contains(&format!(
        "name=\"red_flag-{flagged}\" value=\"yes\" checked"
    )));
    assert!(!kit.contains(&format!("name=\"red_flag-{flagged}\" value=\"no\" checked")));

    // Others: the manager and recruiters see it; a stray interviewer does not learn it exists.
    assert_eq!(l.manager.api.get(&debrief).status, 200);
    assert_eq!(l.recruiter.api.get(&debrief).status, 200);
    let stray = app.user(Role::Interviewer);
    assert_eq!(app.script(&stray).get(&debrief).status, 404);
}

#[test]
fn the_decision_is_recorded_by_the_manager_and_every_version_kept() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let (hm, shared) = (&mut l.manager.api, l.rated.shared);
    let path = format!("/api/v1/candidates/{}/decision", l.candidate);
    let empty = hm.post_json(&path, json!({"outcome": "hire", "rationale": " "}));
    assert_eq!(empty.status, 422);
    assert!(empty.json()["error"]["fields"]["rationale"].is_string());
    assert_eq!(
        hm.post_json(&path, json!({"outcome": "maybe", "rationale": "x"}))
            .status,
        422
    );
    assert_eq!(hm.post_json(&path, json!({"outcome": "hold", "rationale": "Waiting for the design round.", "criterion_ids": [shared]})).status, 201);
    let revised = hm.post_json(&path, json!({"outcome": "hire", "rationale": "Strong on every criterion we probed.", "criterion_ids": [shared]}));
    assert_eq!(revised.status, 201);
    let decisions = revised.json()["decisions"].clone();
    assert_eq!(decisions.as_array().unwrap().len(), 2);
    assert_eq!(decisions[0]["outcome"], "hire");
    assert_eq!(decisions[1]["outcome"], "hold");
    assert_eq!(decisions[0]["decided_by"], l.manager.id);
    assert_eq!(
        l.recruiter
            .api
            .post_json(&path, json!({"outcome": "no_hire", "rationale": "x"}))
            .status,
        403
    );
    assert_eq!(
        l.a.api
            .post_json(&path, json!({"outcome": "no_hire", "rationale": "x"}))
            .status,
        404
    );
}

#[test]
fn an_interviewer_fills_the_scorecard_on_the_kit_page() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let mut a = l.a.browser();
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
    // The format as people read it; its slug is for the API.
    let stage =
        l.a.api
            .get(&format!("/api/v1/stages/{}/kit", l.stage_a))
            .json()["stage"]
            .clone();
    let (slug, name) = (
        stage["format"].as_str().unwrap(),
        stage["format_name"].as_str().unwrap(),
    );
    assert_ne!(slug, name);
    assert!(
        kit.body.contains(&format!("Format: </span>{name} ·")),
        "{}",
        kit.body
    );

    let csrf = crate::support::csrf_field(&kit.body);
    let rating = format!("rating-{}", l.rated.shared);
    let evidence = format!("evidence-{}", l.rated.shared);
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
    let card = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    assert_eq!(
        l.a.api.get(&card).json()["ratings"][0]["evidence"],
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
    for id in &l.rated.red_flags {
        fields.push((format!("red_flag-{id}"), "no".into()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = a.post_form(&format!("/stages/{}/scorecard", l.stage_a), &pairs);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(l.a.api.get(&card).json()["status"], "submitted");
    let locked = a.get(&kit_path);
    assert!(
        locked.body.contains("Amend"),
        "a submitted scorecard offers an amendment, not an edit"
    );

    let debrief = a.get(&format!("/candidates/{}/debrief", l.candidate));
    assert_eq!(debrief.status, 200);
    assert!(debrief.body.contains("Chose the right index"));

    let mut hm = l.manager.browser();
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
fn the_debrief_my_interviews_and_home_cost_the_same_queries_whatever_their_size() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    l.rated
        .complete("yes", "yes", None)
        .submit(&mut l.a.api, l.stage_a);
    l.rated
        .complete("no", "no", None)
        .submit(&mut l.b.api, l.stage_b);
    let mut manager = l.manager.browser();
    let debrief = format!("/candidates/{}/debrief", l.candidate);
    let (two, res) = app.count_queries(|| manager.get(&debrief));
    assert_eq!(res.status, 200);
    // Ten more stages for A, each with a submitted scorecard: twelve in all.
    let extra = add_stages(&app, l.stage_a, l.a.id, 10);
    let fine = scorecard()
        .no_red_flags(&l.rated.red_flags)
        .recommend("yes")
        .summary("Fine.");
    for stage in extra {
        fine.submit(&mut l.a.api, stage);
    }
    let (twelve, res) = app.count_queries(|| manager.get(&debrief));
    assert_eq!(res.status, 200);
    assert!(res.body.contains("Extra stage 9"));
    assert_eq!(two, twelve, "the debrief does not grow with its scorecards");

    let mut a_page = l.a.browser();
    let (few, res) = app.count_queries(|| a_page.get("/interviews"));
    assert_eq!(res.status, 200);
    let (home_few, res) = app.count_queries(|| a_page.get("/"));
    assert_eq!(res.status, 200);
    add_stages(&app, l.stage_a, l.a.id, 489);
    let (many, res) = app.count_queries(|| a_page.get("/interviews"));
    assert_eq!(res.status, 200);
    let (home_many, home) = app.count_queries(|| a_page.get("/"));
    assert_eq!(home.status, 200);
    assert_eq!(home_few, home_many, "the dashboard does not grow either");
    assert!(
        res.body.contains("500 interviews"),
        "paginated, with the total"
    );
    assert_eq!(
        few, many,
        "my interviews does not grow with past interviews"
    );
    let api =
        l.a.api
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
            let (base, path, shared) = (app.base.clone(), path.clone(), l.rated.shared);
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
    let page = l
        .recruiter
        .browser()
        .get(&format!("/stages/{}/kit", l.stage_a));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("you have no scorecard here"));
    assert!(!page.body.contains("Submit scorecard"));
}

#[test]
fn a_hiring_manager_who_interviews_waits_like_everyone_for_the_debrief() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        recruiter: mut rec,
        ..
    } = Team::new(&app);
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([manager.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper").on(&job).create(&mut rec.api);
    let debrief = format!("/api/v1/candidates/{}/debrief", grace.id);

    // The job's own manager, but with a scorecard to give: not yet.
    let early = manager.api.get(&debrief);
    assert_eq!(early.status, 403, "{}", early.body);
    assert!(
        early.body.contains("Submit your own scorecard"),
        "{}",
        early.body
    );
    // The recruiter, with none to give, reads it at once.
    assert_eq!(rec.api.get(&debrief).status, 200);

    scorecard()
        .rate(shared, "yes", "Explained the query plan.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Solid.")
        .submit(&mut manager.api, grace.stages[0]);
    let after = manager.api.get(&debrief);
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.json()["scorecards"].as_array().unwrap().len(), 1);
}

#[test]
fn evidence_typed_before_a_rating_survives_autosave_and_reload() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let mut a = l.a.browser();
    let kit_path = format!("/stages/{}/kit", l.stage_a);
    let kit = a.get(&kit_path);
    let csrf = crate::support::csrf_field(&kit.body);
    let shared = l.rated.shared;
    let flag = l.rated.red_flags[0];
    // What a browser sends while nothing is picked yet: empty radios are
    // absent, the text areas are there.
    let evidence = format!("evidence-{shared}");
    let flag_evidence = format!("red_flag_evidence-{flag}");
    let saved = a.post_form(
        &format!("/stages/{}/scorecard/autosave", l.stage_a),
        &[
            ("csrf_token", &csrf),
            (&evidence, "Reasoned about lock contention before I asked."),
            (&flag_evidence, "Interrupted twice; watch for it."),
            ("summary", ""),
        ],
    );
    assert_eq!(saved.status, 204, "{}", saved.body);

    let card = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    let draft = l.a.api.get(&card).json();
    assert_eq!(draft["ratings"][0]["criterion_id"], shared, "{draft}");
    assert_eq!(draft["ratings"][0]["rating"], Value::Null);
    assert_eq!(
        draft["ratings"][0]["evidence"],
        "Reasoned about lock contention before I asked."
    );
    assert_eq!(draft["red_flags"][0]["observed"], Value::Null);

    // A reload shows both texts in their fields.
    let reloaded = a.get(&kit_path);
    assert!(
        reloaded
            .body
            .contains("Reasoned about lock contention before I asked.")
    );
    assert!(reloaded.body.contains("Interrupted twice; watch for it."));

    // The API keeps evidence without a rating the same way.
    let api = l.a.api.put_json(
        &card,
        json!({"ratings": [{"criterion_id": shared, "evidence": "Typed first, rated later."}]}),
    );
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(
        l.a.api.get(&card).json()["ratings"][0]["evidence"],
        "Typed first, rated later."
    );

    // Submitting names each criterion and red flag still to choose.
    let early = a.post_form(
        &format!("/stages/{}/scorecard", l.stage_a),
        &[
            ("csrf_token", &csrf),
            (&evidence, "Typed first, rated later."),
            ("action", "submit"),
        ],
    );
    assert_eq!(early.status, 422);
    let summary = early
        .body
        .split("class=\"error-summary")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or_default();
    let messages: Vec<&str> = summary
        .split("<li>")
        .skip(1)
        .filter_map(|li| li.split('>').nth(1))
        .filter_map(|m| m.split('<').next())
        .collect();
    let flags = l.rated.red_flags.len();
    assert_eq!(messages.len(), 1 + flags + 2, "{messages:?}");
    let distinct: std::collections::BTreeSet<&str> = messages.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        messages.len(),
        "every message names its own criterion: {messages:?}"
    );
    assert!(
        messages.iter().filter(|m| m.contains("red flag")).count() == flags,
        "{messages:?}"
    );
}

/// The text inside `<textarea id="ID" …>…</textarea>` on a page.
fn textarea(html: &str, id: &str) -> String {
    let open = format!("<textarea id=\"{id}\"");
    html.split(&open)
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split("</textarea>").next())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_refused_amendment_or_off_scale_answer_keeps_everything_typed() {
    let app = TestApp::spawn();
    let mut l = setup(&app);
    let shared = l.rated.shared;
    l.rated
        .complete("yes", "yes", None)
        .submit(&mut l.a.api, l.stage_a);
    let mut a = l.a.browser();
    let kit_path = format!("/stages/{}/kit", l.stage_a);
    let kit = a.get(&kit_path);
    let csrf = crate::support::csrf_field(&kit.body);
    let amend = format!("/stages/{}/scorecard/amend", l.stage_a);
    let evidence = format!("evidence-{shared}");
    let rating = format!("rating-{shared}");
    let mut fields: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf.clone()),
        (rating.clone(), "strong_yes".into()),
        (
            evidence.clone(),
            "On a second look: chose the covering index.".into(),
        ),
        ("recommendation".into(), "strong_yes".into()),
        ("summary".into(), "Sharper than I first wrote.".into()),
        ("reason".into(), String::new()),
    ];
    for id in &l.rated.red_flags {
        fields.push((format!("red_flag-{id}"), "no".into()));
    }
    let post = |a: &mut crate::support::Browser, fields: &[(String, String)]| {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        a.post_form(&amend, &pairs)
    };

    // No reason: refused, the amendment as typed stays in its form and the
    // submitted answers stay above it.
    let no_reason = post(&mut a, &fields);
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(
        no_reason
            .body
            .contains("Say why you are changing a submitted scorecard.")
    );
    assert_eq!(
        textarea(&no_reason.body, &evidence),
        "On a second look: chose the covering index."
    );
    assert_eq!(
        textarea(&no_reason.body, "field-summary"),
        "Sharper than I first wrote."
    );
    assert!(
        no_reason
            .body
            .contains(&format!("name=\"{rating}\" value=\"strong_yes\" checked")),
        "the typed rating stays chosen"
    );
    let read_only = no_reason
        .body
        .split("scorecard-readonly")
        .nth(1)
        .and_then(|rest| rest.split("<details").next())
        .unwrap_or_default();
    assert!(read_only.contains("Walked through the trade-offs of two indexes."));
    assert!(read_only.contains("Clear thinker."));
    assert!(!read_only.contains("Sharper than I first wrote."));

    // A reason with a value off the scale: refused, the reason kept too.
    fields[1].1 = "excellent".into();
    fields[5].1 = "Rewatched the recording.".into();
    let off_scale = post(&mut a, &fields);
    assert_eq!(off_scale.status, 422, "{}", off_scale.body);
    assert_eq!(
        textarea(&off_scale.body, "field-reason"),
        "Rewatched the recording."
    );
    assert_eq!(
        textarea(&off_scale.body, &evidence),
        "On a second look: chose the covering index."
    );
    let card = format!("/api/v1/stages/{}/scorecard", l.stage_a);
    assert_eq!(
        l.a.api.get(&card).json()["ratings"][0]["rating"],
        "yes",
        "nothing refused was saved"
    );

    // A draft with a value off the scale keeps its texts the same way.
    let mut b = l.b.browser();
    let kit_b = b.get(&format!("/stages/{}/kit", l.stage_b));
    let csrf_b = crate::support::csrf_field(&kit_b.body);
    let draft = b.post_form(
        &format!("/stages/{}/scorecard", l.stage_b),
        &[
            ("csrf_token", &csrf_b),
            (&rating, "maybe"),
            (&evidence, "Asked good questions back."),
            ("summary", "Promising."),
        ],
    );
    assert_eq!(draft.status, 422, "{}", draft.body);
    assert_eq!(
        textarea(&draft.body, &evidence),
        "Asked good questions back."
    );
    assert_eq!(textarea(&draft.body, "field-summary"), "Promising.");
    assert!(draft.body.contains(&format!("id=\"error-{rating}\"")));
}

/// A stage that interviewers have written scorecards for stays on the loop,
/// whether they submitted them or only drafted: the API and the planner
/// refuse to remove it and say why, and every scorecard is still there.
#[test]
fn a_stage_with_scorecards_stays_on_the_loop_with_its_evidence() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let card = s.rated.complete("yes", "yes", None);
    card.submit(&mut s.a.api, s.stage_a);
    card.draft(&mut s.b.api, s.stage_b);
    let before = Loop::get(&mut s.manager.api, s.loop_id);

    for (stage, counts) in [(s.stage_a, "1 submitted"), (s.stage_b, "1 draft")] {
        let res = s.manager.api.request(
            "DELETE",
            &format!("/api/v1/stages/{stage}?version={}", before.version),
            None,
        );
        assert_eq!(res.status, 409, "{}", res.body);
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("scorecards ({counts})"))),
            "{}",
            res.body
        );
    }

    // Through the planner's Remove button: the page comes back saying why.
    let mut hm = s.manager.browser();
    let planner = format!("/candidates/{}/planner", s.candidate);
    let csrf = csrf_field(&hm.get(&planner).body);
    let res = hm.post_form(
        &format!("/stages/{}/remove", s.stage_b),
        &[
            ("csrf_token", csrf.as_str()),
            ("version", &before.version.to_string()),
        ],
    );
    assert_eq!(res.status, 303);
    let page = hm.get(res.header("location").unwrap());
    assert!(
        page.body
            .contains("This stage has scorecards (1 draft), so it stays"),
        "{}",
        page.body
    );

    let after = Loop::get(&mut s.manager.api, s.loop_id);
    assert_eq!(after.version, before.version, "nothing changed");
    assert_eq!(after.stages, before.stages);
    let submitted =
        s.a.api
            .get(&format!("/api/v1/stages/{}/scorecard", s.stage_a));
    assert_eq!(submitted.json()["status"], "submitted");
    let draft =
        s.b.api
            .get(&format!("/api/v1/stages/{}/scorecard", s.stage_b));
    assert_eq!(draft.json()["status"], "draft");
    assert_eq!(
        draft.json()["summary"],
        "Clear thinker.",
        "the draft keeps what was typed"
    );

    // A stage nobody has written a scorecard for still goes.
    let empty = after.stages[1];
    Loop::remove_stage(&mut s.manager.api, s.loop_id, empty);
    assert!(
        !Loop::get(&mut s.manager.api, s.loop_id)
            .stages
            .contains(&empty)
    );
}

/// Someone who submitted a scorecard on a stage stays on it: the API and
/// the planner refuse to take them off, keeping what the manager typed;
/// the debrief keeps their name on their evidence. A draft holds nobody.
#[test]
fn an_interviewer_who_submitted_stays_on_the_stage() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    s.rated
        .complete("yes", "yes", None)
        .submit(&mut s.a.api, s.stage_a);
    let version = Loop::get(&mut s.manager.api, s.loop_id).version;
    let a_name = s.a.api.get("/api/v1/me").json()["user"]["name"]
        .as_str()
        .unwrap()
        .to_owned();

    // The API: B put in A's place.
    let res = s.manager.api.put_json(
        &format!("/api/v1/stages/{}/interviewers", s.stage_a),
        json!({"user_ids": [s.b.id], "version": version}),
    );
    assert_eq!(res.status, 422, "{}", res.body);
    let message = res.json()["error"]["fields"]["user_ids"].to_string();
    assert!(
        message.contains(&format!("{a_name} has submitted a scorecard")),
        "{message}"
    );

    // The planner: the stage's form comes back with what was typed and
    // the reason beside the interviewers.
    let mut hm = s.manager.browser();
    let planner = format!("/candidates/{}/planner", s.candidate);
    let csrf = csrf_field(&hm.get(&planner).body);
    let res = hm.post_form(
        &format!("/stages/{}", s.stage_a),
        &[
            ("csrf_token", csrf.as_str()),
            ("version", &version.to_string()),
            ("title", "Screen, renamed"),
            ("duration_minutes", "35"),
            ("interviewers", &s.b.id.to_string()),
        ],
    );
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.contains("value=\"Screen, renamed\""));
    assert!(res.body.contains(&format!(
        "id=\"stage-{}-add-interviewers-error\"",
        s.stage_a
    )));
    let after = Loop::get(&mut s.manager.api, s.loop_id);
    assert_eq!(after.version, version, "nothing saved");

    // The debrief still names A on A's scorecard.
    let debrief = s
        .manager
        .api
        .get(&format!("/api/v1/candidates/{}/debrief", s.candidate))
        .json();
    assert_eq!(
        debrief["scorecards"][0]["interviewer_name"],
        a_name.as_str()
    );

    // B only drafted on B's stage: B may be taken off, and the draft is
    // B's again when B is put back.
    s.rated
        .complete("no", "no", None)
        .draft(&mut s.b.api, s.stage_b);
    let seat = |api: &mut crate::support::Browser, ids: Vec<i64>| {
        let version = Loop::get(api, s.loop_id).version;
        let res = api.put_json(
            &format!("/api/v1/stages/{}/interviewers", s.stage_b),
            json!({"user_ids": ids, "version": version}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
    };
    seat(&mut s.manager.api, vec![]);
    let kit =
        s.b.api
            .get(&format!("/api/v1/stages/{}/scorecard", s.stage_b));
    assert_eq!(kit.status, 404, "off the stage, B cannot reach it");
    seat(&mut s.manager.api, vec![s.b.id]);
    let draft =
        s.b.api
            .get(&format!("/api/v1/stages/{}/scorecard", s.stage_b));
    assert_eq!(draft.json()["status"], "draft", "{}", draft.body);
}

/// A kit left open in another tab after the scorecard was submitted: what
/// is typed there comes back in the amendment form, not thrown away.
#[test]
fn a_save_from_a_stale_tab_comes_back_as_an_amendment_to_send() {
    let app = TestApp::spawn();
    let mut s = setup(&app);
    let mut tab = s.a.browser();
    let kit_path = format!("/stages/{}/kit", s.stage_a);
    let csrf = csrf_field(&tab.get(&kit_path).body);
    s.rated
        .complete("yes", "yes", None)
        .submit(&mut s.a.api, s.stage_a);
    for action in ["save", "submit"] {
        let res = tab.post_form(
            &format!("/stages/{}/scorecard", s.stage_a),
            &[
                ("csrf_token", csrf.as_str()),
                ("action", action),
                ("summary", "Typed in the stale tab, <kept>."),
            ],
        );
        assert_eq!(res.status, 409, "{}", res.body);
        assert!(res.body.contains("submitted meanwhile and is locked"));
        assert!(
            res.body.contains("Typed in the stale tab, &lt;kept&gt;."),
            "{}",
            res.body
        );
    }
    let card =
        s.a.api
            .get(&format!("/api/v1/stages/{}/scorecard", s.stage_a))
            .json();
    assert_eq!(card["summary"], "Clear thinker.", "{card}");
    assert_eq!(card["status"], "submitted");
}
