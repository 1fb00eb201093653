//! Insights on the demo data set: the three plants are found by the API and
//! the pages, each person sees what the policy lets them, and below the
//! minimum samples the figures say "not enough data yet".

use diesel::prelude::*;
use loopwright::db::models::now;
use loopwright::db::schema::{jobs, users};
use loopwright::insights::demo::{self, DemoOptions, DemoReport};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{Browser, TestApp, TestUser, cli};

/// Statements an Insights answer may take, whatever the data size: the
/// sign-in check, the access check and the service's fixed loads.
const MAX_STATEMENTS: u64 = 14;

fn demo_app(candidates: usize) -> (TestApp, DemoReport) {
    let app = TestApp::spawn();
    let report = demo::generate(
        &mut app.conn(),
        DemoOptions {
            candidates,
            seed: 7,
        },
        now(),
    )
    .expect("the demo fills an empty database");
    (app, report)
}

/// A demo person, signed in by their email.
fn person(app: &TestApp, email: &str) -> TestUser {
    let id = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .expect("a demo person");
    TestUser {
        id,
        email: email.to_owned(),
        password: demo::PASSWORD.to_owned(),
    }
}

fn get_json(client: &mut Browser, path: &str) -> Value {
    let res = client.get(path);
    assert_eq!(res.status, 200, "{path}: {}", res.body);
    res.json()
}

fn items<'a>(body: &'a Value, name: &str) -> &'a Vec<Value> {
    body[name].as_array().expect("a list")
}

#[test]
fn the_api_and_the_pages_find_the_three_plants() {
    let (app, report) = demo_app(150);
    let admin = person(&app, &report.admin_email);
    let mut api = app.script(&admin);

    // The lenient interviewer rates highest against the panel, surely so.
    let (statements, body) =
        app.count_queries(|| get_json(&mut api, "/api/v1/insights/interviewers?per_page=100"));
    assert!(statements <= MAX_STATEMENTS, "{statements} statements");
    let people = items(&body, "interviewers");
    assert_eq!(people.len(), report.interviewers);
    let most = people
        .iter()
        .filter(|p| !p["leniency"].is_null())
        .max_by(|a, b| {
            let offset = |p: &Value| p["leniency"]["mean_offset"].as_f64().unwrap();
            offset(a).total_cmp(&offset(b))
        })
        .expect("leniency figures");
    assert_eq!(most["user_id"], report.lenient.0);
    assert!(most["leniency"]["low"].as_f64().unwrap() > 0.0, "{most}");
    assert!(most["leniency"]["shared_candidates"].as_u64().unwrap() >= 5);
    let d = &most["distribution"];
    assert!(d["strong_yes"].as_u64().unwrap() > d["strong_no"].as_u64().unwrap());
    assert!(most["decision_agreement"]["of"].as_u64().unwrap() > 0);
    assert!(most["median_hours_to_submit"].as_f64().is_some());

    // The disputed criterion has the lowest alpha.
    let (statements, body) =
        app.count_queries(|| get_json(&mut api, "/api/v1/insights/criteria?per_page=100"));
    assert!(statements <= MAX_STATEMENTS, "{statements} statements");
    let criteria = items(&body, "criteria");
    assert_eq!(criteria[0]["name"], report.disputed.as_str());
    let lowest = criteria[0]["alpha"].as_f64().unwrap();
    assert!(
        criteria[1..]
            .iter()
            .all(|c| c["alpha"].as_f64().is_none_or(|a| a > lowest))
    );
    assert!(criteria[0]["candidates"].as_u64().unwrap() >= 10);
    assert!(criteria[0]["raters"].as_u64().unwrap() >= 2);

    // The planted question never separates; the others do.
    let (statements, body) = app
        .count_queries(|| get_json(&mut api, "/api/v1/insights/questions?per_page=100&sort=use"));
    assert!(statements <= MAX_STATEMENTS, "{statements} statements");
    let questions = items(&body, "questions");
    let planted = questions
        .iter()
        .find(|q| q["question_id"] == report.never_separating.0)
        .expect("the planted question is asked");
    assert!(
        planted["flags"]
            .as_array()
            .unwrap()
            .contains(&"never_separates".into()),
        "{planted}"
    );
    assert!(planted["hired"].as_u64().unwrap() + planted["not_hired"].as_u64().unwrap() >= 20);
    let flagged: Vec<&Value> = questions
        .iter()
        .filter(|q| {
            q["flags"]
                .as_array()
                .unwrap()
                .contains(&"never_separates".into())
        })
        .collect();
    assert_eq!(flagged.len(), 1, "only the planted one: {flagged:?}");
    // Sorted by use: most asked first.
    let asked: Vec<u64> = questions
        .iter()
        .map(|q| q["asked"].as_u64().unwrap())
        .collect();
    assert!(asked.windows(2).all(|w| w[0] >= w[1]));
    // By signal: the planted one is among the last with a figure.
    let by_signal = get_json(
        &mut api,
        "/api/v1/insights/questions?per_page=100&sort=signal",
    );
    let aucs: Vec<f64> = items(&by_signal, "questions")
        .iter()
        .filter_map(|q| q["separation"]["auc"].as_f64())
        .collect();
    assert!(aucs.windows(2).all(|w| w[0] >= w[1]));

    // The pages say the same, in words and figures.
    let mut browser = app.signed_in(&admin);
    let page = browser.get("/insights");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&report.lenient.1));
    assert!(page.body.contains("Rates higher than the panel"));
    assert!(
        page.body
            .contains("<svg class=\"chart distribution\" role=\"img\"")
    );
    assert!(page.body.contains("href=\"/insights\""), "a nav link");
    let page = browser.get("/insights/criteria");
    assert_eq!(page.status, 200);
    let first_row = page.body.split("<tbody>").nth(1).unwrap();
    assert!(first_row.find(&report.disputed).unwrap() < first_row.find("</tr>").unwrap());
    assert!(page.body.contains("Disagree"));
    let page = browser.get("/insights/questions?sort=signal");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Never separates"));
    assert!(page.body.contains("Consider rotating it out."));
    let page = browser.get(&format!(
        "/insights/questions/{}",
        report.never_separating.0
    ));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Never separates"));
    assert!(page.body.contains("Version"));
}

#[test]
fn each_person_sees_what_the_policy_allows() {
    let (app, report) = demo_app(60);
    // An interviewer: their own calibration, nothing else.
    let lenient = person(&app, &report.lenient.2);
    let mut api = app.script(&lenient);
    let body = get_json(&mut api, "/api/v1/insights/interviewers");
    let rows = items(&body, "interviewers");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["user_id"], lenient.id);
    for path in ["/api/v1/insights/criteria", "/api/v1/insights/questions"] {
        assert_eq!(api.get(path).status, 403, "{path}");
    }
    let mut browser = app.signed_in(&lenient);
    let page = browser.get("/insights");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("your ratings"));
    assert!(
        !page.body.contains("/insights/criteria"),
        "no link to views they may not see"
    );
    assert_eq!(browser.get("/insights/questions").status, 403);

    // A hiring manager: their jobs, and no one else's.
    let (mine, theirs): (i64, i64) = {
        let manager = users::table
            .filter(users::email.eq("morgan@example.com"))
            .select(users::id)
            .first::<i64>(&mut app.conn())
            .unwrap();
        let mine = jobs::table
            .filter(jobs::hiring_manager_id.eq(manager))
            .select(jobs::id)
            .first(&mut app.conn())
            .unwrap();
        let theirs = jobs::table
            .filter(jobs::hiring_manager_id.ne(manager))
            .select(jobs::id)
            .first(&mut app.conn())
            .unwrap();
        (mine, theirs)
    };
    let manager = person(&app, "morgan@example.com");
    let mut api = app.script(&manager);
    let body = get_json(&mut api, "/api/v1/insights/criteria?per_page=100");
    assert!(!items(&body, "criteria").is_empty());
    assert!(items(&body, "criteria").iter().all(|c| c["job_id"] == mine));
    for path in [
        format!("/api/v1/insights/criteria?job_id={theirs}"),
        format!("/api/v1/insights/questions?job_id={theirs}"),
        format!("/api/v1/insights/interviewers?job_id={theirs}"),
    ] {
        assert_eq!(api.get(&path).status, 403, "{path}");
    }
    let all = get_json(&mut api, "/api/v1/insights/interviewers?per_page=100");
    let one = get_json(
        &mut api,
        &format!("/api/v1/insights/interviewers?job_id={mine}&per_page=100"),
    );
    assert_eq!(all["total"], one["total"], "all of theirs is this one job");

    // A recruiter: every job.
    let recruiter = person(&app, "riley@example.com");
    let mut api = app.script(&recruiter);
    let body = get_json(&mut api, "/api/v1/insights/criteria?per_page=100");
    let jobs_seen: std::collections::BTreeSet<i64> = items(&body, "criteria")
        .iter()
        .map(|c| c["job_id"].as_i64().unwrap())
        .collect();
    assert_eq!(jobs_seen.len(), 3);
}

#[test]
fn below_the_minimum_every_figure_says_not_enough_data_yet() {
    let (app, report) = demo_app(3);
    let admin = person(&app, &report.admin_email);
    let mut api = app.script(&admin);
    let (statements, body) =
        app.count_queries(|| get_json(&mut api, "/api/v1/insights/interviewers?per_page=100"));
    assert!(statements <= MAX_STATEMENTS, "{statements} statements");
    let rows = items(&body, "interviewers");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["leniency"].is_null()), "{rows:?}");
    let body = get_json(&mut api, "/api/v1/insights/criteria");
    assert!(
        items(&body, "criteria")
            .iter()
            .all(|c| c["alpha"].is_null())
    );
    let body = get_json(&mut api, "/api/v1/insights/questions?per_page=100");
    assert!(items(&body, "questions").iter().all(|q| {
        q["separation"].is_null()
            && !q["flags"]
                .as_array()
                .unwrap()
                .contains(&"never_separates".into())
    }));

    let mut browser = app.signed_in(&admin);
    for path in ["/insights", "/insights/criteria", "/insights/questions"] {
        let page = browser.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("Not enough data yet"), "{path}");
    }
}

#[test]
fn filters_that_cannot_be_read_are_refused_by_name() {
    let (app, report) = demo_app(3);
    let mut api = app.script(&person(&app, &report.admin_email));
    for (path, field) in [
        ("/api/v1/insights/interviewers?job_id=abc", "job_id"),
        ("/api/v1/insights/interviewers?from=2026-13-01", "from"),
        (
            "/api/v1/insights/interviewers?from=2026-05-02&to=2026-05-01",
            "to",
        ),
        ("/api/v1/insights/questions?sort=popularity", "sort"),
    ] {
        let res = api.get(path);
        assert_eq!(res.status, 400, "{path}");
        assert!(
            res.json()["error"]["fields"][field].is_string(),
            "{path}: {}",
            res.body
        );
    }
    assert_eq!(
        api.get("/api/v1/insights/criteria?job_id=999999").status,
        404
    );
    // Empty filters from the page's form mean "all".
    let body = get_json(&mut api, "/api/v1/insights/interviewers?job_id=&from=&to=");
    assert!(body["total"].as_u64().unwrap() > 0);
    // A period with no interviews has no figures.
    let body = get_json(
        &mut api,
        "/api/v1/insights/interviewers?from=2001-01-01&to=2001-12-31",
    );
    assert!(
        items(&body, "interviewers")
            .iter()
            .all(|r| r["scorecards"] == 0)
    );
    let mut browser = app.signed_in(&person(&app, &report.admin_email));
    assert_eq!(browser.get("/insights/questions/999999").status, 404);
}

#[test]
fn the_demo_command_fills_an_empty_data_dir_once_and_names_its_plants() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let run = || {
        cli(dir.path())
            .env("LOOPWRIGHT_DATA_DIR", &data)
            .args(["demo", "--candidates", "12", "--seed", "3"])
            .output()
            .expect("the binary runs")
    };
    let first = run();
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("12 candidates"), "{out}");
    assert!(out.contains("lenient interviewer:"), "{out}");
    assert!(out.contains("disputed criterion: API design"), "{out}");
    assert!(out.contains("never-separating question:"), "{out}");
    let again = run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty data dir"));
}

#[test]
fn closed_jobs_leave_the_job_filter_and_are_reached_from_their_page() {
    use crate::builders::{Member, Team, job};
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 0);
    let open = job("Data Engineer").create(&mut team.manager.api).id;
    let past = job("Archivist").closed().create(&mut team.manager.api).id;

    let option = |id: i64| format!("<option value=\"{id}\"");
    let mut recruiter = team.recruiter.browser();
    for path in ["/insights", "/insights/criteria", "/insights/questions"] {
        let page = recruiter.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(&option(open)), "{path}: the open job");
        assert!(
            !page.body.contains(&option(past)),
            "{path}: a closed job is not offered"
        );
    }
    let chosen = recruiter.get(&format!("/insights/criteria?job_id={past}"));
    assert_eq!(chosen.status, 200);
    assert!(
        chosen.body.contains(&format!(
            "<option value=\"{past}\" selected>Archivist (closed)</option>"
        )),
        "the closed job chosen stays chosen: {}",
        chosen.body
    );

    let mut manager = team.manager.browser();
    let planner = manager.get(&format!("/jobs/{past}"));
    assert_eq!(planner.status, 200);
    let link = format!("href=\"/insights?job_id={past}\"");
    assert!(planner.body.contains(&link), "{}", planner.body);
    let figures = manager.get(&format!("/insights?job_id={past}"));
    assert_eq!(figures.status, 200);
    assert!(figures.body.contains(&option(past)));

    let mut interviewer = Member::new(&app, loopwright::domain::Role::Interviewer).browser();
    let theirs = interviewer.get(&format!("/jobs/{past}"));
    assert!(
        theirs.status != 200 || !theirs.body.contains(&link),
        "an interviewer is not sent to the job's figures"
    );
}

#[test]
fn the_insights_pages_show_a_page_of_rows_at_a_time_keeping_the_filter() {
    let (app, report) = demo_app(60);
    let admin = person(&app, &report.admin_email);
    let mut api = app.script(&admin);
    let interviewers = get_json(&mut api, "/api/v1/insights/interviewers?per_page=5");
    let total = interviewers["total"].as_i64().unwrap();
    assert!(total > 5, "{interviewers}");
    let pages = (total + 4) / 5;

    let mut browser = app.signed_in(&admin);
    // Rows of the table's body (its foot is the whole panel).
    let rows = |body: &str| {
        let tbody = body.split("<tbody>").nth(1).unwrap_or_default();
        let tbody = tbody.split("</tbody>").next().unwrap_or_default();
        tbody.matches("<tr>").count()
    };
    let first = browser.get("/insights?per_page=5&from=2000-01-01");
    assert_eq!(first.status, 200);
    assert_eq!(rows(&first.body), 5, "five interviewers in the table");
    assert!(
        first
            .body
            .contains(&format!("Page 1 of {pages} · {total} interviewers")),
        "{}",
        first.body
    );
    // Handlebars writes `=` in an attribute as `&#x3D;`.
    let next =
        "href=\"/insights?from&#x3D;2000-01-01&amp;per_page&#x3D;5&amp;page&#x3D;2\" rel=\"next\"";
    assert!(first.body.contains(next), "the next page keeps the filter");
    let last = browser.get(&format!(
        "/insights?per_page=5&from=2000-01-01&page={pages}"
    ));
    assert_eq!(rows(&last.body), (total - 5 * (pages - 1)) as usize);
    assert!(last.body.contains("rel=\"prev\""));
    assert!(!last.body.contains("rel=\"next\""));
    let beyond = browser.get(&format!("/insights?per_page=5&page={}", pages + 1));
    assert!(
        beyond.body.contains(&format!(
            "No interviewers on this page: there are {pages} pages."
        )),
        "{}",
        beyond.body
    );
    assert!(
        beyond
            .body
            .contains("href=\"/insights\">The first page</a>")
    );

    let criteria = get_json(&mut api, "/api/v1/insights/criteria?per_page=2");
    let page = browser.get("/insights/criteria?per_page=2");
    assert!(page.body.contains(&format!(
        "· {} criteria",
        criteria["total"].as_i64().unwrap()
    )));
    let questions = browser.get("/insights/questions?sort=use&per_page=3");
    assert_eq!(questions.status, 200);
    assert!(
        questions.body.contains(
            "href=\"/insights/questions?sort&#x3D;use&amp;per_page&#x3D;3&amp;page&#x3D;2\""
        ),
        "the next page keeps the sort: {}",
        questions.body
    );
}

#[test]
fn the_pages_show_the_last_year_unless_other_days_are_chosen() {
    use loopwright::db::schema::stages;
    let (app, report) = demo_app(20);
    let admin = person(&app, &report.admin_email);
    let mut browser = app.signed_in(&admin);
    let page = browser.get("/insights");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Interviews of the last 12 months"));
    let year_ago = (now().date() - chrono::Months::new(12)).to_string();
    assert!(
        page.body
            .contains(&format!("name=\"from\" type=\"date\" value=\"{year_ago}\"")),
        "the form shows the days the figures cover: {}",
        page.body
    );
    assert!(!page.body.contains("No submitted scorecards"));

    // Every interview two years older: the default period holds none of them.
    let mut conn = app.conn();
    let times: Vec<(i64, Option<chrono::NaiveDateTime>)> = stages::table
        .select((stages::id, stages::starts_at))
        .load(&mut conn)
        .unwrap();
    for (id, starts) in times {
        diesel::update(stages::table.find(id))
            .set(stages::starts_at.eq(starts.map(|t| t - chrono::Duration::days(730))))
            .execute(&mut conn)
            .unwrap();
    }
    let recent = browser.get("/insights/criteria");
    assert!(recent.body.contains("Interviews of the last 12 months"));
    let all_time = |body: &str| body.contains("Days in UTC, both included.");
    for path in ["/insights", "/insights/criteria", "/insights/questions"] {
        let page = browser.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(!all_time(&page.body), "{path}");
        // Both days named and empty: all time, kept by the links between views.
        let page = browser.get(&format!("{path}?from=&to="));
        assert_eq!(page.status, 200, "{path}");
        assert!(all_time(&page.body), "{path}");
        assert!(
            page.body.contains("href=\"/insights/criteria?from&#x3D;\""),
            "{path}: {}",
            page.body
        );
    }
    let whole = browser.get("/insights?from=");
    assert!(
        !whole.body.contains("No submitted scorecards"),
        "{}",
        whole.body
    );
    let last_year = browser.get("/insights");
    assert!(
        last_year.body.contains("No submitted scorecards"),
        "{}",
        last_year.body
    );
    // The API computes over what it is asked for: all time by default.
    let mut api = app.script(&admin);
    let body = get_json(&mut api, "/api/v1/insights/interviewers");
    assert!(body["total"].as_i64().unwrap() > 0, "{body}");
}

#[test]
fn the_demo_leaves_postgresql_with_statistics_to_plan_by() {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let (app, _) = demo_app(3);
    let mut conn = app.conn();
    let count = |sql: &str, conn: &mut _| {
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .expect("a count")
            .n
    };
    if app.db().is_postgres() {
        let columns = count(
            "SELECT COUNT(*) AS n FROM pg_stats WHERE tablename = 'scorecards'",
            &mut conn,
        );
        assert!(columns > 0, "ANALYZE ran after the load");
    } else {
        // SQLite plans without statistics, as its statements are written for.
        let tables = count(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'",
            &mut conn,
        );
        assert_eq!(tables, 0);
    }
}
