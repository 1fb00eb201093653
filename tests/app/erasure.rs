//! Candidates' data rights: erasure everywhere (scanned in every text column
//! of every table), ratings kept anonymous, an export of everything held,
//! and retention erasing those whose process ended long enough ago.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use loopwright::db::schema::{audit_events, candidates};
use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Candidate, Job, Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::{TestApp, TestDb};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `(table, column)` for every text column of every table, read from the
/// database's own catalogue, and where in them `needles` occur (any case).
fn places_holding(db: &TestDb, needles: &[&str]) -> (usize, Vec<String>) {
    macro_rules! scan {
        ($conn:expr, $catalogue:expr) => {{
            let conn = $conn;
            let columns: Vec<Column> = diesel::sql_query($catalogue).load(conn).unwrap();
            let mut found = Vec::new();
            for c in &columns {
                for needle in needles {
                    let sql = format!(
                        "SELECT COUNT(*) AS n FROM \"{}\" WHERE LOWER(CAST(\"{}\" AS TEXT)) LIKE '%{}%'",
                        c.table_name,
                        c.column_name,
                        needle.to_lowercase().replace('\'', "''")
                    );
                    let count: Count = diesel::sql_query(sql).get_result(conn).unwrap();
                    if count.n > 0 {
                        found.push(format!("{}.{} holds {needle:?}", c.table_name, c.column_name));
                    }
                }
            }
            (columns.len(), found)
        }};
    }
    let url = db.url();
    if db.is_postgres() {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        scan!(
            &mut conn,
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        )
    } else {
        let path = url.strip_prefix("sqlite://").unwrap();
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        scan!(
            &mut conn,
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND (UPPER(p.type) LIKE '%TEXT%' OR UPPER(p.type) LIKE '%CHAR%' OR p.type = '')"
        )
    }
}

/// The `.eml` copies the outbox wrote (no SMTP server in tests) that
/// mention `needle`.
fn mail_copies_holding(app: &TestApp, needle: &str) -> usize {
    std::fs::read_dir(app.data_dir().join("outbox"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path()).is_ok_and(|text| text.contains(needle))
                })
                .count()
        })
        .unwrap_or(0)
}

/// A candidate through a whole process: scheduled, sent a prep pack,
/// interviewed (a scorecard submitted and amended), decided on.
struct Story<'a> {
    team: Team<'a>,
    job: Job,
    grace: Candidate,
}

const NAME: &str = "Grace Brewster Hopper";
const EMAIL: &str = "grace.hopper@navy.example.com";
const PHRASE: &str = "zebra-striped cache";

fn through_the_process(app: &TestApp) -> Story<'_> {
    let mut team = Team::new(app);
    // A webhook that never answers: every event about her stays queued.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let hook = team.admin.api.post_json(
        "/api/v1/webhooks",
        json!({"url": format!("http://{closed}/hooks"), "events": [
            "candidate.created", "scorecard.submitted", "decision.recorded",
            "prep_pack.sent", "prep_pack.failed"]}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
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
    let grace = candidate(NAME)
        .email(EMAIL)
        .notes(&format!("Referred by Ada; asked about the {PHRASE}."))
        .on(&job)
        .create(&mut team.recruiter.api);
    grace.schedule(
        &mut team.recruiter.api,
        grace.stages[0],
        chrono::Utc::now() + chrono::Duration::days(3),
    );
    let version = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{}/loop", grace.id))
        .json()["version"]
        .clone();
    let located = team.recruiter.api.patch_json(
        &format!("/api/v1/stages/{}", grace.stages[0]),
        json!({"version": version, "location": format!("Room 4, ask for {NAME}")}),
    );
    assert_eq!(located.status, 200, "{}", located.body);
    let sent = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", grace.id),
        json!({"note": format!("Dear {NAME}, looking forward to it.")}),
    );
    assert_eq!(sent.status, 202, "{}", sent.body);
    let card = scorecard()
        .rate(focus, "strong_yes", &format!("{NAME} designed a {PHRASE}."))
        .no_red_flags(&job.red_flags)
        .recommend("strong_yes")
        .summary(&format!("{NAME} was excellent: the {PHRASE}."));
    card.submit(&mut team.interviewers[0].api, grace.stages[0]);
    let mut amended = card.body();
    amended["reason"] = json!(format!("Forgot to say {NAME} also tested the {PHRASE}."));
    let amend = team.interviewers[0].api.post_json(
        &format!("/api/v1/stages/{}/scorecard/amendments", grace.stages[0]),
        amended,
    );
    assert_eq!(amend.status, 201, "{}", amend.body);
    let decided = team.manager.api.post_json(
        &format!("/api/v1/candidates/{}/decision", grace.id),
        json!({"outcome": "hire", "rationale": format!("Hire {NAME}: the {PHRASE} won us over.")}),
    );
    assert_eq!(decided.status, 201, "{}", decided.body);
    Story { team, job, grace }
}

#[test]
fn an_erased_candidate_is_nowhere_in_the_database_but_their_ratings_still_count() {
    let app = TestApp::spawn();
    let Story {
        mut team, grace, ..
    } = through_the_process(&app);
    let needles = [NAME, EMAIL, PHRASE];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while mail_copies_holding(&app, EMAIL) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        mail_copies_holding(&app, EMAIL),
        1,
        "the prep pack was delivered"
    );
    let (columns, before) = places_holding(app.db(), &needles);
    assert!(
        columns > 50,
        "the catalogue lists the text columns ({columns})"
    );
    assert!(
        before.len() >= 8,
        "the story wrote them in many places: {before:#?}"
    );
    for needle in needles {
        let place = format!("webhook_deliveries.body holds {needle:?}");
        assert!(
            before.contains(&place),
            "the webhook's queue too: {before:#?}"
        );
    }

    // A hiring manager may not erase; the recruiter may.
    let path = format!("/api/v1/candidates/{}", grace.id);
    assert_eq!(team.manager.api.request("DELETE", &path, None).status, 403);
    let erased = team.recruiter.api.request("DELETE", &path, None);
    assert_eq!(erased.status, 204, "{}", erased.body);

    let (_, after) = places_holding(app.db(), &needles);
    assert!(after.is_empty(), "still held after erasure: {after:#?}");
    assert_eq!(
        mail_copies_holding(&app, EMAIL),
        0,
        "the outbox's file copies go too"
    );

    // Ratings, the recommendation and the decision stay, anonymous.
    let debrief = team
        .manager
        .api
        .get(&format!("/api/v1/candidates/{}/debrief", grace.id));
    assert_eq!(debrief.status, 200, "{}", debrief.body);
    let debrief = debrief.json();
    assert_eq!(
        debrief["scorecards"][0]["ratings"][0]["rating"],
        "strong_yes"
    );
    assert_eq!(debrief["scorecards"][0]["recommendation"], "strong_yes");
    assert_eq!(debrief["decisions"][0]["outcome"], "hire");
    let shown = team.recruiter.api.get(&path).json();
    assert_eq!(
        shown["candidate"]["name"],
        format!("Erased candidate {}", grace.id)
    );
    let listed = team.recruiter.api.get("/api/v1/candidates").json();
    assert_eq!(
        listed["total"], 1,
        "still counted among the job's candidates"
    );

    // Audited without the person's data; erasing again changes nothing.
    let details: Vec<String> = audit_events::table
        .filter(audit_events::action.eq("candidate.erased"))
        .select(audit_events::details)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(details.len(), 1);
    assert!(details[0].contains("\"by\":\"request\""), "{}", details[0]);
    assert_eq!(
        team.recruiter.api.request("DELETE", &path, None).status,
        204
    );
    // Their name, email and notes are not set again; the status still moves.
    for body in [
        json!({"name": NAME}),
        json!({"email": EMAIL}),
        json!({"notes": PHRASE}),
    ] {
        let refused = team.recruiter.api.patch_json(&path, body);
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.body.contains("erased"), "{}", refused.body);
    }
    let moved = team
        .recruiter
        .api
        .patch_json(&path, json!({"status": "withdrawn"}));
    assert_eq!(moved.status, 200, "{}", moved.body);
    let (_, refilled) = places_holding(app.db(), &needles);
    assert!(refilled.is_empty(), "written again: {refilled:#?}");
    // Nobody to email any more.
    let again = team.recruiter.api.post_json(
        &format!("/api/v1/candidates/{}/prep-pack/send", grace.id),
        json!({}),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    let erasures: i64 = audit_events::table
        .filter(audit_events::action.eq("candidate.erased"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(erasures, 1);
}

#[test]
fn the_candidate_page_erases_after_a_confirmation() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let ada = candidate("Ada King Lovelace")
        .notes("Prefers mornings.")
        .on(&job)
        .create(&mut team.recruiter.api);
    let mut recruiter = team.recruiter.browser();
    let page = recruiter.get(&format!("/candidates/{}", ada.id));
    let confirm_link = format!("href=\"/candidates/{}/erase\"", ada.id);
    assert!(page.body.contains(&confirm_link), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("/api/v1/candidates/{}/export", ada.id))
    );
    let hm_page = team
        .manager
        .browser()
        .get(&format!("/candidates/{}", ada.id));
    assert!(
        !hm_page.body.contains(&confirm_link),
        "hiring managers do not erase"
    );

    let confirm = recruiter.get(&format!("/candidates/{}/erase", ada.id));
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("cannot be undone"));
    // Looking is not erasing.
    assert_eq!(
        team.recruiter
            .api
            .get(&format!("/api/v1/candidates/{}", ada.id))
            .json()["candidate"]["name"],
        "Ada King Lovelace"
    );
    let done = recruiter.submit(
        &format!("/candidates/{}/erase", ada.id),
        &format!("/candidates/{}/erase", ada.id),
        &[],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let after = recruiter.get(&format!("/candidates/{}", ada.id));
    assert!(!after.body.contains("Ada King Lovelace"));
    assert!(!after.body.contains("Prefers mornings."));
    assert!(after.body.contains("personal data was erased"));
}

#[test]
fn an_export_holds_everything_about_the_candidate() {
    let app = TestApp::spawn();
    let Story {
        mut team,
        grace,
        job,
    } = through_the_process(&app);
    let path = format!("/api/v1/candidates/{}/export", grace.id);
    let res = team.recruiter.api.get(&path);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.header("content-disposition")
            .unwrap_or_default()
            .contains(&format!("candidate-{}.json", grace.id))
    );
    let doc = res.json();
    assert_eq!(doc["candidate"]["name"], NAME);
    assert_eq!(doc["candidate"]["email"], EMAIL);
    assert_eq!(doc["candidate"]["job_id"], job.id);
    assert!(doc["candidate"]["notes"].as_str().unwrap().contains(PHRASE));
    assert_eq!(doc["stages"].as_array().unwrap().len(), grace.stages.len());
    let card = &doc["scorecards"][0];
    assert_eq!(card["ratings"][0]["rating"], "strong_yes");
    assert!(card["summary"].as_str().unwrap().contains(PHRASE));
    assert!(
        doc["decisions"][0]["rationale"]
            .as_str()
            .unwrap()
            .contains(NAME)
    );
    let emails = doc["emails"].as_array().unwrap();
    assert!(
        emails
            .iter()
            .any(|e| e["recipient_email"] == EMAIL && e["kind"] == "prep_pack"),
        "{emails:?}"
    );
    let kinds: Vec<&str> = doc["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"candidate.created"), "{kinds:?}");
    assert!(kinds.contains(&"decision.recorded"), "{kinds:?}");

    assert_eq!(team.manager.api.get(&path).status, 403);
    assert_eq!(team.interviewers[0].api.get(&path).status, 404);
}

#[test]
fn retention_erases_candidates_whose_process_ended_long_enough_ago() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let job = job("Backend Developer").create(&mut team.manager.api);
    let mut add = |name: &str, status: &str| -> i64 {
        let c = candidate(name).on(&job).create(&mut team.recruiter.api);
        let res = team.recruiter.api.patch_json(
            &format!("/api/v1/candidates/{}", c.id),
            json!({"status": status}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        c.id
    };
    let old = add("Long Ago Rejected", "rejected");
    let recent = add("Recently Hired", "hired");
    let running = add("Still Interviewing", "active");
    let ago = |days: i64| loopwright::db::models::now() - chrono::Duration::days(days);
    for (id, days) in [(old, 40), (recent, 5), (running, 400)] {
        diesel::update(candidates::table.find(id))
            .set((
                candidates::updated_at.eq(ago(days)),
                candidates::ended_at.eq(Some(ago(days)).filter(|_| id != running)),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    // Retention counts from the end of the process: a later edit of the
    // notes does not postpone it.
    let noted = team.recruiter.api.patch_json(
        &format!("/api/v1/candidates/{old}"),
        json!({"notes": "Asked to be kept in mind for next year."}),
    );
    assert_eq!(noted.status, 200, "{}", noted.body);
    let admin_browser = team.admin.browser();
    drop(team);
    let db = app.stop();

    // Restarted with retention on: the admin page says who is due, the
    // background task erases the one whose time has come.
    let app = TestApp::spawn_with(db, |c| c.retention_days = Some(30));
    let name_of = |id: i64| -> String {
        candidates::table
            .find(id)
            .select(candidates::name)
            .first(&mut app.conn())
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while name_of(old) == "Long Ago Rejected" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(name_of(old), format!("Erased candidate {old}"));
    assert_eq!(name_of(recent), "Recently Hired");
    assert_eq!(name_of(running), "Still Interviewing");
    let by: String = audit_events::table
        .filter(audit_events::action.eq("candidate.erased"))
        .select(audit_events::details)
        .first(&mut app.conn())
        .unwrap();
    assert!(by.contains("retention"), "{by}");

    let _ = admin_browser;
    let admin = Member::new(&app, Role::Admin);
    let page = admin.browser().get("/audit");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Recently Hired"), "{}", page.body);
    assert!(!page.body.contains("Still Interviewing"));
    assert!(page.body.contains("erased 30 days after"));
}
