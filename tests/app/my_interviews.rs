//! My interviews: what is coming soonest first, then what has passed, then
//! what is not scheduled yet.

use crate::builders::{Member, Team, candidate, job, plan, scorecard, stage};
use crate::support::TestApp;

#[test]
fn my_interviews_lead_with_the_next_one() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [mut a, _] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([a.id]))
        .stage(1, stage().interviewers([a.id]))
        .stage(2, stage().interviewers([a.id]))
        .stage(3, stage().interviewers([a.id]))
        .stage(4, stage().interviewers([a.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let now = chrono::Utc::now();
    let when = [
        (grace.stages[0], now - chrono::Duration::days(2)),
        (grace.stages[1], now + chrono::Duration::days(7)),
        (grace.stages[2], now + chrono::Duration::days(1)),
        (grace.stages[3], now - chrono::Duration::days(1)),
    ];
    for (stage, at) in when {
        grace.schedule(&mut recruiter.api, stage, at);
    }
    let mine = a.api.get("/api/v1/me/interviews").json();
    let order: Vec<i64> = mine["interviews"]
        .as_array()
        .map(|all| all.iter().filter_map(|i| i["stage_id"].as_i64()).collect())
        .unwrap_or_default();
    let expected = [
        grace.stages[2], // tomorrow
        grace.stages[1], // next week
        grace.stages[3], // yesterday
        grace.stages[0], // two days ago
        grace.stages[4], // not scheduled yet
    ];
    assert_eq!(order, expected, "{mine}");
}

/// Seats whose copy of the stage's start, of the scorecard's state or of
/// the candidate's process disagrees with the stage, the scorecard or the
/// candidate, and people whose tally of seats disagrees with a count.
fn seats_miscopied(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Miscopied {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn();
    diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM stage_interviewers i JOIN stages s ON s.id = i.stage_id \
         WHERE (i.starts_at IS NULL) <> (s.starts_at IS NULL) OR i.starts_at <> s.starts_at \
            OR i.scorecard_submitted <> EXISTS (SELECT 1 FROM scorecards c \
                WHERE c.stage_id = i.stage_id AND c.interviewer_id = i.user_id \
                  AND c.status = 'submitted') \
            OR i.candidate_in_process <> EXISTS (SELECT 1 FROM loops l \
                JOIN candidates d ON d.id = l.candidate_id \
                WHERE l.id = s.loop_id AND d.status IN ('active', 'on_hold'))) \
         + (SELECT COUNT(*) FROM users u \
            WHERE COALESCE((SELECT seats FROM interviewer_seats t WHERE t.user_id = u.id), 0) \
               <> (SELECT COUNT(*) FROM stage_interviewers i WHERE i.user_id = u.id)) AS n",
    )
    .get_result::<Miscopied>(&mut *conn)
    .unwrap()
    .n
}

/// Every page of My interviews, `per_page` at a time, and the total each
/// page gave.
fn paged(member: &mut Member, per_page: usize) -> (Vec<i64>, Vec<i64>) {
    let (mut order, mut totals) = (Vec::new(), Vec::new());
    for page in 1.. {
        let res = member
            .api
            .get(&format!(
                "/api/v1/me/interviews?page={page}&per_page={per_page}"
            ))
            .json();
        totals.push(res["total"].as_i64().unwrap_or(-1));
        let ids: Vec<i64> = res["interviews"]
            .as_array()
            .map(|all| all.iter().filter_map(|i| i["stage_id"].as_i64()).collect())
            .unwrap_or_default();
        let last = ids.len() < per_page;
        order.extend(ids);
        if last {
            break;
        }
    }
    (order, totals)
}

/// An interviewer's pages and dashboard read each seat's copy of its
/// stage's start, scorecard state and candidate's process: the copies
/// follow reschedules, submissions, replaced panels and candidates leaving
/// the process, and pages cut across coming, passed and unscheduled
/// interviews give the same order as one long page.
#[test]
fn my_interviews_follow_reschedules_and_submissions_across_pages() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [mut a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    let shared = job.criteria[0];
    plan()
        .stage(0, stage().focus([shared]).interviewers([a.id]))
        .stage(1, stage().focus([shared]).interviewers([a.id]))
        .stage(2, stage().focus([shared]).interviewers([a.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let ada = candidate("Ada Lovelace")
        .on(&job)
        .create(&mut recruiter.api);
    assert_eq!(seats_miscopied(&app), 0);
    let now = chrono::Utc::now();
    let days = chrono::Duration::days;
    grace.schedule(&mut recruiter.api, grace.stages[0], now - days(3));
    grace.schedule(&mut recruiter.api, grace.stages[1], now + days(2));
    ada.schedule(&mut recruiter.api, ada.stages[0], now - days(1));
    ada.schedule(&mut recruiter.api, ada.stages[1], now + days(1));
    ada.schedule(&mut recruiter.api, ada.stages[2], now + days(30));
    assert_eq!(seats_miscopied(&app), 0);

    let expected = vec![
        ada.stages[1],   // tomorrow
        grace.stages[1], // in two days
        ada.stages[2],   // next month
        ada.stages[0],   // yesterday
        grace.stages[0], // three days ago
        grace.stages[2], // not scheduled, newest stage first
    ];
    for per_page in [1, 2, 4, 6] {
        let (order, totals) = paged(&mut a, per_page);
        assert_eq!(order, expected, "{per_page} a page");
        assert!(totals.iter().all(|&t| t == 6), "{totals:?}");
    }

    // Moved from next month to last week: it now leads what has passed...
    ada.schedule(&mut recruiter.api, ada.stages[2], now - days(7));
    assert_eq!(seats_miscopied(&app), 0);
    let (order, _) = paged(&mut a, 2);
    assert_eq!(
        order,
        [
            ada.stages[1],
            grace.stages[1],
            ada.stages[0],
            grace.stages[0],
            ada.stages[2],
            grace.stages[2]
        ]
    );
    // ...and is due on the dashboard, oldest first.
    let due_links = |member: &mut Member| -> Vec<i64> {
        let home = member.browser().get("/");
        assert_eq!(home.status, 200);
        let start = home.body.find("id=\"scorecards-due\"").unwrap_or(0);
        let due = &home.body[start..];
        let due = &due[..due.find("</section>").unwrap_or(due.len())];
        due.split("/stages/")
            .skip(1)
            .filter_map(|s| s.split('/').next()?.parse().ok())
            .collect()
    };
    assert_eq!(
        due_links(&mut a),
        [ada.stages[2], grace.stages[0], ada.stages[0]]
    );

    // A submitted scorecard leaves the due list; a draft does not.
    scorecard()
        .rate(shared, "yes", "Chose the right index and said why.")
        .no_red_flags(&job.red_flags)
        .recommend("yes")
        .summary("Calm and precise.")
        .submit(&mut a.api, grace.stages[0]);
    scorecard()
        .summary("Half written.")
        .draft(&mut a.api, ada.stages[0]);
    assert_eq!(seats_miscopied(&app), 0);
    assert_eq!(due_links(&mut a), [ada.stages[2], ada.stages[0]]);

    // A panel replaced: the new interviewer's seat starts with the stage's
    // time, and the old one's interviews leave their pages.
    let version = crate::builders::Loop::get(&mut manager.api, ada.loop_id).version;
    let res = manager.api.put_json(
        &format!("/api/v1/stages/{}/interviewers", ada.stages[2]),
        serde_json::json!({"user_ids": [b.id], "version": version}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(seats_miscopied(&app), 0);
    assert_eq!(due_links(&mut a), [ada.stages[0]]);
    let (order, totals) = paged(&mut a, 4);
    assert!(!order.contains(&ada.stages[2]), "{order:?}");
    assert_eq!(totals[0], 5);

    // A stage removed takes its seats, and their tally, with it.
    crate::builders::Loop::remove_stage(&mut manager.api, grace.loop_id, grace.stages[2]);
    assert_eq!(seats_miscopied(&app), 0);
    let (order, totals) = paged(&mut a, 3);
    assert!(!order.contains(&grace.stages[2]), "{order:?}");
    assert_eq!(totals[0], 4);

    // A candidate who withdraws owes no scorecards and has no interviews
    // ahead on the dashboard; My interviews still lists them.
    let week = |member: &mut Member| -> bool {
        let home = member.browser().get("/");
        home.body
            .contains(&format!("/stages/{}/kit", ada.stages[1]))
    };
    assert!(week(&mut a));
    let res = recruiter.api.patch_json(
        &format!("/api/v1/candidates/{}", ada.id),
        serde_json::json!({"status": "withdrawn"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(seats_miscopied(&app), 0);
    assert_eq!(due_links(&mut a), Vec::<i64>::new());
    assert!(!week(&mut a));
    assert_eq!(paged(&mut a, 4).0.len(), 4);
    // Back on hold: in process again.
    let res = recruiter.api.patch_json(
        &format!("/api/v1/candidates/{}", ada.id),
        serde_json::json!({"status": "on_hold"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(seats_miscopied(&app), 0);
    assert_eq!(due_links(&mut a), [ada.stages[0]]);
    assert!(week(&mut a));
}

/// On PostgreSQL, a candidate's status changed while a loop edit replaces
/// a panel in another transaction: the status change waits for the edit
/// (the loop's row), so the new seat is seen and marked, not left with the
/// status it read before. (SQLite runs one writer at a time.)
#[test]
fn a_status_changed_beside_a_panel_replaced_marks_the_new_seats() {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let app = TestApp::spawn();
    let crate::support::TestDb::Postgres { url, .. } = app.db() else {
        println!("PostgreSQL only: SQLite runs one writer at a time");
        return;
    };
    let Team {
        mut manager,
        mut recruiter,
        interviewers,
        ..
    } = Team::new(&app);
    let [a, b] = <[Member; 2]>::try_from(interviewers).ok().unwrap();
    let job = job("Backend Developer").create(&mut manager.api);
    plan()
        .stage(0, stage().interviewers([a.id]))
        .apply(&mut manager.api, job.loop_id);
    let grace = candidate("Grace Hopper")
        .on(&job)
        .create(&mut recruiter.api);
    let stage_id = grace.stages[0];

    // The edit, as set_interviewers does it: the loop's version first, then
    // the panel removed and seated again, not yet committed.
    let mut edit = PgConnection::establish(url).unwrap();
    diesel::sql_query("BEGIN").execute(&mut edit).unwrap();
    diesel::sql_query(format!(
        "UPDATE loops SET version = version + 1 WHERE id = {}",
        grace.loop_id
    ))
    .execute(&mut edit)
    .unwrap();
    diesel::sql_query(format!(
        "DELETE FROM stage_interviewers WHERE stage_id = {stage_id}"
    ))
    .execute(&mut edit)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO stage_interviewers (stage_id, user_id) VALUES ({stage_id}, {}), ({stage_id}, {})",
        a.id, b.id
    ))
    .execute(&mut edit)
    .unwrap();

    // The status change, through the API, meanwhile.
    let candidate_id = grace.id;
    let withdraw = std::thread::spawn(move || {
        recruiter.api.patch_json(
            &format!("/api/v1/candidates/{candidate_id}"),
            serde_json::json!({"status": "withdrawn"}),
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    diesel::sql_query("COMMIT").execute(&mut edit).unwrap();
    let res = withdraw.join().unwrap();
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(seats_miscopied(&app), 0);
}
