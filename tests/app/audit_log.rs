//! The audit log: what the team did is recorded, and admins read it by
//! person, kind and period, a page at a time.

use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::builders::{Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::TestApp;

fn kinds(events: &Value) -> Vec<String> {
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_admin_reads_what_the_team_did_filtered_and_paged() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let focus = job.criteria[0];
    plan()
        .stage(
            0,
            stage()
                .focus([focus])
                .interviewers([team.interviewers[0].id]),
        )
        .apply(&mut team.manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut team.recruiter.api);
    let card = scorecard()
        .rate(focus, "yes", "Explained the index.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Clear.");
    card.submit(&mut team.interviewers[0].api, grace.stages[0]);
    let mut amended = card.body();
    amended["reason"] = json!("Typo");
    let amend = team.interviewers[0].api.post_json(
        &format!("/api/v1/stages/{}/scorecard/amendments", grace.stages[0]),
        amended,
    );
    assert_eq!(amend.status, 201, "{}", amend.body);
    let decided = team.manager.api.post_json(
        &format!("/api/v1/candidates/{}/decision", grace.id),
        json!({"outcome": "hold", "rationale": "More signal needed."}),
    );
    assert_eq!(decided.status, 201, "{}", decided.body);
    let sent = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", grace.id),
        json!({}),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    let promoted = team.admin.api.patch_json(
        &format!("/api/v1/users/{}", team.interviewers[1].id),
        json!({"role": "recruiter"}),
    );
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    let token = team.recruiter.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "Sync", "scope": "read"}),
    );
    assert_eq!(token.status, 201);
    let other = candidate("Alan Turing")
        .on(&job)
        .create(&mut team.recruiter.api);
    let erase = team
        .admin
        .api
        .request("DELETE", &format!("/api/v1/candidates/{}", other.id), None);
    assert_eq!(erase.status, 204);

    // The prep pack is delivered by the outbox worker, then audited.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let all = loop {
        let all = team.admin.api.get("/api/v1/audit?per_page=100");
        assert_eq!(all.status, 200, "{}", all.body);
        let all = all.json();
        if kinds(&all).iter().any(|k| k == "email.sent") || std::time::Instant::now() > deadline {
            break all;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let seen = kinds(&all);
    for kind in [
        "sign_in.succeeded",
        "user.updated",
        "loop.edited",
        "candidate.created",
        "scorecard.submitted",
        "scorecard.amended",
        "decision.recorded",
        "prep_pack.queued",
        "email.sent",
        "token.created",
        "candidate.erased",
    ] {
        assert!(
            seen.iter().any(|k| k == kind),
            "{kind} missing from {seen:?}"
        );
    }
    // Newest first, with who did it.
    assert_eq!(all["events"][0]["kind"], "candidate.erased");
    assert_eq!(all["events"][0]["actor_id"], team.admin.id);
    assert_eq!(all["events"][0]["actor_name"], "Admin Tester");

    // By person, by kind (a family or one action), a page at a time.
    let mine = team.admin.api.get(&format!(
        "/api/v1/audit?actor_id={}&per_page=100",
        team.interviewers[0].id
    ));
    let mine = kinds(&mine.json());
    assert!(mine.contains(&"scorecard.submitted".to_owned()), "{mine:?}");
    assert!(mine.iter().all(|k| k != "decision.recorded"), "{mine:?}");
    let cards = team.admin.api.get("/api/v1/audit?kind=scorecard").json();
    assert_eq!(kinds(&cards), ["scorecard.amended", "scorecard.submitted"]);
    let one = team
        .admin
        .api
        .get("/api/v1/audit?kind=scorecard.amended")
        .json();
    assert_eq!(one["total"], 1);
    assert_eq!(one["events"][0]["details"]["reason"], "Typo");
    let paged = team.admin.api.get("/api/v1/audit?per_page=2&page=2").json();
    assert_eq!(paged["page"], 2);
    assert_eq!(paged["per_page"], 2);
    assert_eq!(paged["total"], all["total"]);
    assert_eq!(paged["events"][0]["id"], all["events"][2]["id"]);

    // By period: nothing before this year 2000, everything up to today.
    let old = team.admin.api.get("/api/v1/audit?to=1999-12-31").json();
    assert_eq!(old["total"], 0);
    let today = chrono::Utc::now().date_naive();
    let until_today = team
        .admin
        .api
        .get(&format!("/api/v1/audit?from={today}&to={today}"))
        .json();
    assert!(until_today["total"].as_i64().unwrap() >= seen.len() as i64 - 1);

    // The page words them: what happened, its details by name, a link to
    // what has a page.
    let page = team.admin.browser().get("/audit?kind=scorecard.amended");
    assert!(
        page.body.contains("Scorecard amended <code"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<span class=\"muted\">reason:</span> Typo")
    );
    let page = team.admin.browser().get("/audit?kind=candidate.created");
    assert!(
        page.body.contains(&format!(
            "<a href=\"/candidates/{id}\">Candidate {id}</a>",
            id = grace.id
        )),
        "{}",
        page.body
    );

    // Unusable filters are named; others are not admins.
    let bad = team.admin.api.get("/api/v1/audit?from=last+week");
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["fields"]["from"].is_string(),
        "{}",
        bad.body
    );
    assert_eq!(team.admin.api.get("/api/v1/audit?actor_id=me").status, 400);
    // The page's typed person is not read by the API: refused, not ignored.
    let typed = team
        .admin
        .api
        .get("/api/v1/audit?actor=someone%40example.com");
    assert_eq!(typed.status, 400, "{}", typed.body);
    assert!(
        typed.json()["error"]["fields"]["actor"].is_string(),
        "{}",
        typed.body
    );
    assert_eq!(team.admin.api.get("/api/v1/audit?page=0").status, 400);
    assert_eq!(team.manager.api.get("/api/v1/audit").status, 403);
    assert_eq!(team.recruiter.api.get("/api/v1/audit").status, 403);
}

#[test]
fn the_audit_page_shows_times_and_escapes_what_people_typed() {
    let app = TestApp::spawn();
    let mut admin = Member::new(&app, Role::Admin);
    let res = admin.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "<img src=x onerror=alert(1)>", "scope": "read"}),
    );
    assert_eq!(res.status, 201);
    let mut browser = admin.browser();
    let page = browser.get("/audit");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("token.created"));
    assert!(!page.body.contains("<img src=x"), "escaped");
    assert!(
        page.body
            .contains("<span class=\"muted\">name:</span> &lt;img src"),
        "the token's name, a named detail: {}",
        page.body
    );
    assert!(
        page.body.contains("<time datetime="),
        "times through the time helper"
    );
    assert!(
        page.body.contains("href=\"/audit\""),
        "in the admin's navigation"
    );
    assert!(page.body.contains("Retention is off"));

    let filtered = browser.get(&format!("/audit?kind=token&actor_id={}", admin.id));
    assert_eq!(filtered.status, 200);
    assert!(
        filtered
            .body
            .contains("API token created <code class=\"small muted\">token.created</code>")
    );
    assert!(
        !filtered
            .body
            .contains("<code class=\"small muted\">sign_in.succeeded</code>")
    );
    assert!(
        page.body
            .contains("<code class=\"small muted\">sign_in.succeeded</code>")
    );

    let refused = browser.get("/audit?from=someday");
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("id=\"error-from\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"someday\""),
        "what was typed is kept"
    );

    let interviewer = Member::new(&app, Role::Interviewer);
    assert_eq!(interviewer.browser().get("/audit").status, 403);
}

/// The audit page names a person by what one types (suggested as one
/// types), not with a select of everyone who ever had an account.
#[test]
fn the_audit_page_filters_by_a_person_typed_by_email_or_name() {
    let app = TestApp::spawn();
    let mut admin = Member::new(&app, Role::Admin);
    let recruiter = Member::new(&app, Role::Recruiter);
    let made = admin.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "nightly export", "scope": "read"}),
    );
    assert_eq!(made.status, 201);
    let mut browser = admin.browser();
    let page = browser.get("/audit");
    assert!(page.body.contains("data-people-search"));
    assert!(
        !page
            .body
            .contains(&format!("<option value=\"{}\"", recruiter.id)),
        "no select of everyone"
    );

    let name = admin.api.get("/api/v1/me").json()["user"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    for typed in [
        admin.user.email.to_uppercase(),
        format!("{name} <{}>", admin.user.email),
        name.to_lowercase(),
    ] {
        let query = serde_urlencoded::to_string([("actor", &typed), ("kind", &"token".to_owned())])
            .unwrap();
        let found = browser.get(&format!("/audit?{query}"));
        assert_eq!(found.status, 200, "{typed}: {}", found.body);
        assert!(
            found
                .body
                .contains("<code class=\"small muted\">token.created</code>"),
            "{typed}"
        );
    }
    let by_someone_else = browser.get(&format!("/audit?kind=token&actor={}", recruiter.user.email));
    assert!(
        !by_someone_else
            .body
            .contains("<code class=\"small muted\">token.created</code>")
    );

    let followed = browser.get(&format!("/audit?actor_id={}", admin.id));
    assert!(
        followed
            .body
            .contains(&format!("&lt;{}&gt;", admin.user.email)),
        "a link by id shows who it is"
    );

    {
        use diesel::prelude::*;
        use loopwright::db::schema::users;
        diesel::update(users::table.find(recruiter.id))
            .set(users::active.eq(false))
            .execute(&mut app.conn())
            .expect("the recruiter leaves");
    }
    let left = browser.get(&format!("/audit?actor={}", recruiter.user.email));
    assert_eq!(left.status, 200, "someone who left is still named");
    assert!(
        left.body
            .contains("<code class=\"small muted\">sign_in.succeeded</code>")
    );

    let unknown = browser.get("/audit?actor=nobody%40example.com");
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("id=\"error-actor\""),
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("value=\"nobody@example.com\""));
}
