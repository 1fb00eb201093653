//! Candidates through their pages: adding one, scheduling a stage in a zone.

use loopwright::domain::Role;

use crate::builders::{Member, Team, candidate, job};
use crate::support::{TestApp, csrf_field};

#[test]
fn a_recruiter_adds_a_candidate_and_schedules_a_stage_through_the_pages() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 0);
    let job_id = job("Data Engineer")
        .create(&mut team.manager.api)
        .id
        .to_string();

    let mut browser = team.recruiter.browser();
    let list = browser.get("/candidates");
    assert_eq!(list.status, 200);
    let csrf = csrf_field(&list.body);
    let bad = browser.post_form(
        "/candidates",
        &[
            ("csrf_token", &csrf),
            ("name", "Edsger"),
            ("email", "not-an-email"),
            ("job_id", &job_id),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"error-email\""));
    assert!(
        bad.body.contains("value=\"Edsger\""),
        "what was typed is kept"
    );
    let added = browser.post_form(
        "/candidates",
        &[
            ("csrf_token", &csrf),
            ("name", "Edsger Dijkstra"),
            ("email", "edsger@example.com"),
            ("job_id", &job_id),
            ("notes", "Prefers <goto>-free code"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let page_path = added.header("location").unwrap().to_owned();
    let page = browser.get(&page_path);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Edsger Dijkstra"));
    assert!(page.body.contains("Prefers &lt;goto&gt;-free code"));
    assert!(page.body.contains("Not scheduled"));

    let candidate_id = page_path.rsplit('/').next().unwrap().to_owned();
    let shape = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{candidate_id}/loop"))
        .json();
    let stage = shape["stages"][0]["id"].as_i64().unwrap();
    let version = shape["version"].to_string();
    let csrf = csrf_field(&page.body);
    let bad = browser.post_form(
        &format!("/stages/{stage}/schedule"),
        &[
            ("csrf_token", &csrf),
            ("version", &version),
            ("candidate_id", &candidate_id),
            ("starts_at", "2026-12-01T10:00"),
            ("time_zone", "Atlantis/Capital"),
            ("location", "Room 1"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains(&format!("id=\"error-stage-{stage}-time_zone\"")),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"Atlantis/Capital\""),
        "what was typed is kept"
    );
    let saved = browser.post_form(
        &format!("/stages/{stage}/schedule"),
        &[
            ("csrf_token", &csrf),
            ("version", &version),
            ("candidate_id", &candidate_id),
            ("starts_at", "2026-12-01T10:00"),
            ("time_zone", "Europe/Berlin"),
            ("location", "https://meet.example/ed"),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = browser.get(&page_path);
    assert!(
        page.body.contains("title=\"Tue 1 Dec 2026, 09:00 UTC\""),
        "shown in the viewer's zone (none chosen: UTC)"
    );
    assert!(
        page.body.contains("(candidate's time: 10:00 CET)"),
        "and in the chosen zone"
    );
    let shape = team
        .recruiter
        .api
        .get(&format!("/api/v1/candidates/{candidate_id}/loop"))
        .json();
    assert_eq!(shape["stages"][0]["starts_at"], "2026-12-01T09:00:00+00:00");

    // The candidate's own planner opens for the recruiter.
    assert_eq!(
        browser
            .get(&format!("/candidates/{candidate_id}/planner"))
            .status,
        200
    );
    // An interviewer does not learn the candidate exists.
    let interviewer = Member::new(&app, Role::Interviewer);
    assert_eq!(interviewer.browser().get(&page_path).status, 404);
}

#[test]
fn the_candidate_page_costs_the_same_queries_for_one_candidate_or_many() {
    let app = TestApp::spawn();
    let mut hm = Member::new(&app, Role::HiringManager);
    let job = job("Busy job").create(&mut hm.api);
    let add = |hm: &mut Member, i: usize| -> i64 {
        let email = format!("c{i}@example.com");
        let name = format!("Candidate {i}");
        candidate(&name)
            .email(&email)
            .on(&job)
            .create(&mut hm.api)
            .id
    };
    let first = add(&mut hm, 0);
    let mut browser = hm.browser();
    let (one, res) = app.count_queries(|| browser.get(&format!("/candidates/{first}")));
    assert_eq!(res.status, 200);
    let (list_one, _) = app.count_queries(|| browser.get("/candidates"));
    for i in 1..40 {
        add(&mut hm, i);
    }
    let (many, res) = app.count_queries(|| browser.get(&format!("/candidates/{first}")));
    assert_eq!(res.status, 200);
    let (list_many, list) = app.count_queries(|| browser.get("/candidates"));
    assert!(list.body.contains("Candidate 39"));
    assert_eq!(
        one, many,
        "the candidate page does not grow with the job's candidates"
    );
    assert_eq!(list_one, list_many, "nor does the list");
}

#[test]
fn the_candidates_list_pages_in_the_database_and_keeps_its_filters() {
    let app = TestApp::spawn();
    let crate::builders::Team {
        mut manager,
        mut recruiter,
        ..
    } = crate::builders::Team::new(&app);
    let job = crate::builders::job("Backend Developer").create(&mut manager.api);
    for name in ["Ada", "Barbara", "Grace"] {
        crate::builders::candidate(name)
            .on(&job)
            .create(&mut recruiter.api);
    }
    let mut page = recruiter.browser();
    let first_url = format!("/candidates?job_id={}&per_page=2", job.id);
    let (few, first) = app.count_queries(|| page.get(&first_url));
    assert_eq!(first.status, 200);
    assert!(first.body.contains(">Ada<") && first.body.contains(">Barbara<"));
    assert!(!first.body.contains(">Grace<"), "{}", first.body);
    assert!(first.body.contains("3 candidates"), "{}", first.body);
    let next = format!("/candidates?page=2&per_page=2&job_id={}", job.id);
    let links = first.body.replace("&#x3D;", "=").replace("&amp;", "&");
    assert!(links.contains(&next), "{}", first.body);
    let second = page.get(&next);
    assert!(second.body.contains(">Grace<"), "{}", second.body);
    assert!(!second.body.contains(">Ada<"));

    for n in 0..6 {
        crate::builders::candidate(&format!("Zed {n}"))
            .on(&job)
            .create(&mut recruiter.api);
    }
    let (many, again) = app.count_queries(|| page.get(&first_url));
    assert_eq!(again.status, 200);
    assert_eq!(few, many, "statements grew with the candidates");
}

/// Two open jobs of the same title are told apart in the candidates'
/// job lists by their teams.
#[test]
fn jobs_of_the_same_title_are_told_apart_by_their_team() {
    let app = TestApp::spawn();
    let mut team = Team::new(&app);
    let payments = job("Backend Developer")
        .team("Payments")
        .create(&mut team.manager.api);
    let search = job("Backend Developer")
        .team("Search")
        .create(&mut team.manager.api);
    job("Designer").create(&mut team.manager.api);
    let page = team.recruiter.browser().get("/candidates");
    assert_eq!(page.status, 200);
    for (id, label) in [
        (payments.id, "Backend Developer (Payments)"),
        (search.id, "Backend Developer (Search)"),
    ] {
        assert!(
            page.body
                .contains(&format!("<option value=\"{id}\">{label}</option>")),
            "{}",
            page.body
        );
    }
    assert!(
        page.body.contains(">Designer</option>"),
        "a title of its own stays bare"
    );
}

/// A company's closed jobs pile up: the jobs list pages them, open ones
/// first, and the candidates page offers open jobs only, and a closed one
/// when it is the filter chosen.
#[test]
fn closed_jobs_are_paged_and_leave_the_candidate_selects() {
    let app = TestApp::spawn();
    let mut team = Team::with_interviewers(&app, 0);
    let open = job("Data Engineer").create(&mut team.manager.api).id;
    let past = job("Archivist").closed().create(&mut team.manager.api).id;
    let third = job("Site Reliability Engineer")
        .create(&mut team.manager.api)
        .id;

    let api = &mut team.recruiter.api;
    let first = api.get("/api/v1/jobs?per_page=2").json();
    let ids: Vec<i64> = first["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [open, third], "open jobs first, by title: {first}");
    assert_eq!(first["total"], 3);
    let second = api.get("/api/v1/jobs?per_page=2&page=2").json();
    assert_eq!(second["jobs"][0]["id"], past, "{second}");

    let mut browser = team.recruiter.browser();
    let jobs = browser.get("/jobs?per_page=2");
    assert_eq!(jobs.status, 200);
    assert!(jobs.body.contains("Page 1 of 2 · 3 jobs"), "{}", jobs.body);
    assert!(!jobs.body.contains("Archivist"));
    assert!(jobs.body.contains("rel=\"next\""));
    let later = browser.get("/jobs?page=2&per_page=2");
    assert!(later.body.contains("Archivist"), "{}", later.body);
    assert!(later.body.contains("rel=\"prev\""));
    let past_the_end = browser.get("/jobs?page=9&per_page=2");
    assert!(
        past_the_end
            .body
            .contains("No jobs on this page: there are 2 pages."),
        "{}",
        past_the_end.body
    );

    let option = |id: i64| format!("<option value=\"{id}\"");
    let list = browser.get("/candidates");
    assert!(list.body.contains(&option(open)));
    assert!(list.body.contains(&option(third)));
    assert!(
        !list.body.contains(&option(past)),
        "a closed job is not offered"
    );
    let filtered = browser.get(&format!("/candidates?job_id={past}"));
    assert_eq!(filtered.status, 200);
    assert!(
        filtered.body.contains(&format!(
            "<option value=\"{past}\" selected>Archivist</option>"
        )),
        "the closed job chosen as the filter stays chosen"
    );
}
