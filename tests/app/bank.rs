//! The question bank: browsing, search, filters, editing, export and import.

use std::time::Instant;

use diesel::prelude::*;
use loopwright::bank::search::RANKED_AT_MOST;
use loopwright::db::schema::questions;
use loopwright::domain::Role;
use serde_json::{Value, json};

use crate::support::{Browser, TestApp, TestDb, test_config};

fn ids(res: &Value) -> Vec<i64> {
    res["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect()
}

fn question_count(app: &TestApp) -> i64 {
    questions::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn new_question(prompt: &str, why: &str) -> Value {
    json!({
        "prompt": prompt,
        "why": why,
        "category": "technical",
        "track": "backend-developer",
        "criteria": ["api-design"],
        "red_flags": ["happy-path-designs"],
        "stage_kinds": ["system-design-interview"],
        "prep_pointers": ["Names the trade-off", "Covers failure modes", "Mentions monitoring"],
        "follow_ups": ["What breaks first?"],
        "minutes": 15
    })
}

#[test]
fn the_bank_page_lists_seeded_questions_with_their_chips() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&user);
    let page = browser.get("/bank");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Question bank"));
    assert!(
        page.body.contains("href=\"/bank?criterion="),
        "criterion chips filter"
    );
    assert!(page.body.contains("href=\"/bank?stage_kind="));
    assert!(
        !page.body.contains("/bank/questions/new"),
        "interviewers cannot add questions"
    );

    let id: i64 = questions::table
        .filter(questions::slug.eq("slow-query-diagnosis"))
        .select(questions::id)
        .first(&mut app.conn())
        .unwrap();
    let question = browser.get(&format!("/bank/questions/{id}"));
    assert_eq!(question.status, 200);
    assert!(question.body.contains("Why this comes up"));
    assert!(question.body.contains("Not used in any loop yet."));
}

#[test]
fn search_finds_a_question_by_a_word_of_its_why_note() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let created = script.post_json("/api/v1/questions", new_question("Design a ledger for refunds.", "Ledgers show whether someone thinks about zygomorphic reconciliation. Teams ask it to see care with money."));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["question"]["id"].as_i64().unwrap();

    let found = script.get("/api/v1/questions?q=zygomorphic");
    assert_eq!(found.status, 200);
    assert_eq!(ids(&found.json()), [id]);
    assert_eq!(found.json()["total"], 1);

    // Seeded questions too: every hit mentions the word somewhere searchable.
    let seeded = script.get("/api/v1/questions?q=idempotency").json();
    assert!(seeded["total"].as_i64().unwrap() >= 2);

    // The page shows the same search, escaped.
    let mut browser = app.signed_in(&hm);
    let page = browser.get("/bank?q=%3Cscript%3Ezzqx");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>zzqx"));
    assert!(page.body.contains("&lt;script&gt;zzqx"));
    assert!(page.body.contains("No question matches"));
}

#[test]
fn filters_combine_and_paging_is_stable() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut script = app.script(&user);
    let total = |s: &mut Browser, q: &str| {
        s.get(&format!("/api/v1/questions?{q}")).json()["total"]
            .as_i64()
            .unwrap()
    };
    let by_criterion = total(&mut script, "criterion=api-design");
    let by_kind = total(&mut script, "stage_kind=live-coding-round");
    let both = script
        .get("/api/v1/questions?criterion=api-design&stage_kind=live-coding-round&per_page=100")
        .json();
    let n = both["total"].as_i64().unwrap();
    assert!(
        n > 0 && n < by_criterion && n <= by_kind,
        "{n} {by_criterion} {by_kind}"
    );
    for q in both["questions"].as_array().unwrap() {
        assert!(
            q["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["slug"] == "api-design")
        );
        assert!(
            q["stage_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["slug"] == "live-coding-round")
        );
    }
    let three = total(
        &mut script,
        "criterion=api-design&stage_kind=live-coding-round&category=technical",
    );
    assert!(three <= n);
    assert_eq!(total(&mut script, "track=no-such-track"), 0);

    let all = total(&mut script, "");
    let mut seen = Vec::new();
    let pages = (all + 9) / 10;
    for page in 1..=pages {
        seen.extend(ids(&script
            .get(&format!("/api/v1/questions?per_page=10&page={page}"))
            .json()));
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(seen.len() as i64, all);
    assert_eq!(unique.len(), seen.len(), "no question on two pages");
    assert_eq!(
        ids(&script.get("/api/v1/questions?per_page=10&page=2").json()),
        seen[10..20]
    );
}

#[test]
fn editing_records_a_version_and_archiving_leaves_search_only() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let id = script.post_json("/api/v1/questions", new_question("How would you shard a queue?", "Sharding queues shows whether someone sees ordering trade-offs. Teams run into it at scale.")).json()["question"]["id"].as_i64().unwrap();
    let edited = script.patch_json(
        &format!("/api/v1/questions/{id}"),
        json!({"prompt": "How would you partition a queue?"}),
    );
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.json()["question"]["version"], 2);

    let mut browser = app.signed_in(&admin);
    let page = browser.get(&format!("/bank/questions/{id}"));
    assert!(page.body.contains("partition a queue"));
    assert!(
        page.body.contains("Version 1"),
        "the earlier version is listed"
    );

    let archived = browser.submit(
        &format!("/bank/questions/{id}"),
        &format!("/bank/questions/{id}/archive"),
        &[("archived", "true")],
    );
    assert_eq!(archived.status, 303);
    assert!(!ids(&script.get("/api/v1/questions?q=partition").json()).contains(&id));
    assert!(
        ids(&script
            .get("/api/v1/questions?q=partition&archived=true")
            .json())
        .contains(&id)
    );
    assert_eq!(
        script.get(&format!("/api/v1/questions/{id}")).json()["question"]["archived"],
        true
    );
    assert_eq!(
        script.get(&format!("/api/v1/questions/{id}")).json()["question"]["version"],
        2,
        "archiving is not a new version"
    );
}

#[test]
fn the_question_form_checks_every_field_and_keeps_what_was_typed() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut browser = app.signed_in(&hm);
    let form = browser.get("/bank/questions/new");
    assert_eq!(form.status, 200);
    let bad = browser.submit(
        "/bank/questions/new",
        "/bank/questions",
        &[
            ("prompt", ""),
            ("why", "Too short"),
            ("category", "technical"),
            ("track", "backend-developer"),
            ("prep_pointers", "only one <b>"),
            ("follow_ups", ""),
            ("minutes", "0"),
        ],
    );
    assert_eq!(bad.status, 422);
    for field in [
        "prompt",
        "why",
        "criteria",
        "stage_kinds",
        "prep_pointers",
        "follow_ups",
        "minutes",
    ] {
        assert!(
            bad.body.contains(&format!("id=\"error-{field}\"")),
            "{field}"
        );
    }
    assert!(bad.body.contains("only one &lt;b&gt;"));
    let before = question_count(&app);
    let good = browser.submit(
        "/bank/questions/new",
        "/bank/questions",
        &[
            ("prompt", "Tell me about a cache you removed."),
            ("why", "Removing a cache shows judgement about complexity. Teams value people who simplify."),
            ("category", "behavioural"),
            ("track", "backend-developer"),
            ("criteria", "pragmatic-trade-offs"),
            ("criteria", "distributed-systems"),
            ("stage_kinds", "past-project-deep-dive"),
            ("prep_pointers", "What it cost\nWhy it went\nWhat broke"),
            ("follow_ups", "Would you add it back?"),
            ("minutes", "10"),
        ],
    );
    assert_eq!(good.status, 303, "{}", good.body);
    assert_eq!(question_count(&app), before + 1);
    let page = browser.get(good.header("location").unwrap());
    assert!(page.body.contains("Tell me about a cache you removed."));
}

#[test]
fn export_then_import_into_an_empty_database_is_identical() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    script.post_json("/api/v1/questions", new_question("What does \"exactly once\" mean to you?", "It separates marketing from mechanism. Teams ask to see whether someone knows about idempotent consumers."));
    let first = script.get("/api/v1/bank/export");
    assert_eq!(first.status, 200);
    assert!(
        first
            .header("content-type")
            .unwrap()
            .starts_with("application/toml")
    );
    assert!(first.body.contains("[[question]]") && first.body.contains("[[track.criterion]]"));

    // An empty database: migrated, never seeded.
    let db = TestDb::new();
    let dir = tempfile::TempDir::new().unwrap();
    let storage = loopwright::open_storage(&test_config(&db, dir.path())).unwrap();
    let file = dir.path().join("bank.toml");
    std::fs::write(&file, &first.body).unwrap();
    let report = loopwright::seed(&storage.pool, Some(&file)).unwrap();
    assert!(report.inserted > 150);
    let second = loopwright::export_bank(&storage.pool).unwrap();
    assert_eq!(second, first.body);
}

#[test]
fn an_import_with_one_bad_entry_changes_nothing_and_names_it() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let before = question_count(&app);
    let export = script.get("/api/v1/bank/export").body;
    let bad = format!(
        "{export}\n[[question]]\nslug = \"bad-one\"\ncategory = \"technical\"\nprompt = \"A fine prompt\"\nwhy = \"A fine why. It has two sentences.\"\nprep_pointers = [\"a\", \"b\", \"c\"]\nfollow_ups = [\"d\"]\ntracks = [\"backend-developer\"]\ncriteria = [\"mind-reading\"]\nstage_kinds = [\"live-coding-round\"]\nminutes = 5\n\n[[question]]\nslug = \"good-one\"\ncategory = \"technical\"\nprompt = \"Fine\"\nwhy = \"Fine. Fine.\"\ntracks = [\"backend-developer\"]\ncriteria = [\"api-design\"]\nstage_kinds = [\"live-coding-round\"]\nminutes = 5\n"
    );
    let res = script.post_raw("/api/v1/bank/import", "application/toml", &bad);
    assert_eq!(res.status, 422, "{}", res.body);
    let error = &res.json()["error"];
    assert_eq!(error["fields"]["entry"], "question bad-one");
    assert_eq!(error["fields"]["field"], "criteria");
    assert!(error["message"].as_str().unwrap().contains("mind-reading"));
    assert_eq!(question_count(&app), before, "nothing was imported");

    let missing_prompt = export.replacen("prompt = \"", "prompt = \" \" # ", 1);
    let res = script.post_raw("/api/v1/bank/import", "application/toml", &missing_prompt);
    assert!(res.status == 422 || res.status == 400, "{}", res.body);
    let duplicate = format!(
        "{export}\n{}",
        &export[export.find("[[question]]").unwrap()
            ..export[export.find("[[question]]").unwrap() + 5..]
                .find("[[question]]")
                .unwrap()
                + export.find("[[question]]").unwrap()
                + 5]
    );
    let res = script.post_raw("/api/v1/bank/import", "application/toml", &duplicate);
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("appears twice")
    );
    assert_eq!(question_count(&app), before);
}

#[test]
fn a_second_track_arrives_by_import_with_no_code_change() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let file = r#"
[[track]]
slug = "frontend-developer"
name = "Frontend Developer"
description = "For engineers who build what people click."
stage_kinds = ["recruiter-screen", "live-coding-round", "final-values-interview"]
formats = ["live-coding", "behavioural-star"]

[[track.criterion]]
slug = "accessibility"
kind = "criterion"
name = "Builds for everyone"
description = "Knows semantic HTML and keyboard use."
candidate_description = "We look at how you make interfaces usable by everyone."

[[track.criterion]]
slug = "div-soup"
kind = "red_flag"
name = "Div soup"
description = "Ignores semantics."
candidate_description = "Use the right element for the job."

[[track.stage_focus]]
stage_kind = "live-coding-round"
criteria = ["accessibility"]

[[question]]
slug = "accessible-dropdown"
category = "technical"
prompt = "Build an accessible dropdown."
why = "It shows whether someone knows ARIA and focus. Teams ship menus every week."
prep_pointers = ["Keyboard", "Focus", "Roles"]
follow_ups = ["What about screen readers?"]
tracks = ["frontend-developer"]
criteria = ["accessibility"]
red_flags = ["div-soup"]
stage_kinds = ["live-coding-round"]
minutes = 30
"#;
    let res = script.post_raw("/api/v1/bank/import", "application/toml", file);
    assert_eq!(res.status, 200, "{}", res.body);
    let tracks = script.get("/api/v1/tracks").json();
    assert_eq!(tracks["tracks"].as_array().unwrap().len(), 2);
    let track = script.get("/api/v1/tracks/frontend-developer").json();
    assert_eq!(track["criteria"][0]["name"], "Builds for everyone");
    assert_eq!(track["red_flags"][0]["name"], "Div soup");
    let found = script
        .get("/api/v1/questions?track=frontend-developer")
        .json();
    assert_eq!(found["total"], 1);
    let mut browser = app.signed_in(&admin);
    let page = browser.get("/tracks/frontend-developer");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Builds for everyone"));
}

#[test]
fn search_over_ten_thousand_questions_is_fast_and_its_query_count_constant() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let mut script = app.script(&user);
    let search = "/api/v1/questions?q=caching&criterion=api-design&per_page=25";
    // Once before counting, so that the pool's connections are open.
    assert_eq!(script.get(search).status, 200);
    let (few_queries, few) = app.count_queries(|| script.get(search));
    assert_eq!(few.status, 200);
    assert_eq!(few.json()["more"], false);

    let mut conn = app.conn();
    diesel::sql_query(
        "INSERT INTO questions (slug, category, prompt, why_asked, prep_pointers, follow_ups, suggested_minutes, version, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
         SELECT 'generated-' || i, 'technical', 'Generated question ' || i || ' about caching layers and queues', \
                'Generated why-note ' || i || ' on retries. It is filler for a load test.', '[\"a\",\"b\",\"c\"]', '[\"d\"]', 10, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO question_criteria (question_id, criterion_id) \
         SELECT q.id, c.id FROM questions q, criteria c WHERE q.slug LIKE 'generated-%' AND c.slug = 'api-design'",
    )
    .execute(&mut conn)
    .unwrap();
    assert!(question_count(&app) > 10_000);

    let started = Instant::now();
    let (many_queries, many) = app.count_queries(|| script.get(search));
    let elapsed = started.elapsed();
    assert_eq!(many.status, 200);
    // Counted and ranked up to a bound, the newest: the work is bounded.
    assert_eq!(many.json()["total"], RANKED_AT_MOST);
    assert_eq!(many.json()["more"], true);
    let listed = many.json()["questions"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 25);
    let newest: i64 = questions::table
        .select(diesel::dsl::max(questions::id))
        .first::<Option<i64>>(&mut conn)
        .unwrap()
        .unwrap();
    assert!(
        listed
            .iter()
            .all(|q| q["id"].as_i64().unwrap() > newest - RANKED_AT_MOST),
        "only the newest are ranked"
    );
    assert_eq!(
        few_queries, many_queries,
        "the search's query count does not grow with the bank"
    );
    let backend = if app.db().is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "search over 10,139 questions on {backend} (debug build, one request): {:.1} ms, {many_queries} queries",
        elapsed.as_secs_f64() * 1e3
    );
    let (_, page) =
        app.count_queries(|| script.get("/api/v1/questions?q=caching&page=200&per_page=25"));
    assert_eq!(page.status, 200);

    // A word more narrows it to what can be counted whole.
    let narrow = script.get("/api/v1/questions?q=caching%209999").json();
    assert_eq!(narrow["total"], 1, "{narrow}");
    assert_eq!(narrow["more"], false);
    let mut browser = app.signed_in(&user);
    let bank = browser.get("/bank?q=caching");
    assert_eq!(bank.status, 200);
    assert!(
        bank.body
            .contains(&format!("More than {RANKED_AT_MOST} questions")),
        "{}",
        bank.body
    );
    assert!(bank.body.contains("add a word or a filter"));
}

#[test]
fn any_string_a_person_types_is_a_valid_search() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let mut browser = app.signed_in(&hm);
    // FTS5 and tsquery syntax, lone punctuation, emoji, NUL and other control
    // characters: each is a search like any other, never an error.
    for typed in [
        "-",
        "?",
        "(",
        ")",
        "\"",
        "\"\"",
        "*",
        "^",
        ":",
        "'",
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "a:b",
        "col:",
        "-idempotency",
        "idem*",
        "🙂",
        "🙂 idempotency",
        "\u{0}",
        "a\u{0}b",
        "\t\n",
        "%",
        "_",
        "\\",
        "C++",
        "!!!",
        "&|!",
        "<->",
        "x' OR '1'='1",
    ] {
        let q = serde_urlencoded::to_string([("q", typed)]).unwrap();
        let api = script.get(&format!("/api/v1/questions?{q}"));
        if typed.contains('\u{0}') {
            // The API refuses a NUL in any parameter the same way, naming it.
            assert_eq!(api.status, 400, "API search for {typed:?}: {}", api.body);
            assert!(api.json()["error"]["fields"]["q"].is_string());
        } else {
            assert_eq!(api.status, 200, "API search for {typed:?}: {}", api.body);
            assert!(api.json()["total"].as_i64().is_some(), "{typed:?}");
        }
        let page = browser.get(&format!("/bank?{q}"));
        assert_eq!(page.status, 200, "bank page search for {typed:?}");
    }
    // Punctuation around a word still finds the word.
    let found = script
        .get("/api/v1/questions?q=%22idempotency%22%3F")
        .json();
    assert!(found["total"].as_i64().unwrap() >= 2, "{found}");
    // A page far past the end is an empty page, not an error.
    let far = script.get("/api/v1/questions?q=idempotency&page=9223372036854775807");
    assert!(far.status < 500, "{}", far.body);
}

#[test]
fn the_edit_form_holds_the_question_as_stored() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let created = script.post_json(
        "/api/v1/questions",
        new_question(
            "How would you shard a queue?",
            "Sharding queues shows whether someone sees ordering trade-offs. Teams run into it at scale.",
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["question"]["id"].as_i64().unwrap();
    let mut browser = app.signed_in(&hm);
    let form = browser.get(&format!("/bank/questions/{id}/edit"));
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Edit question"));
    assert!(form.body.contains("How would you shard a queue?"));
    assert!(
        form.body
            .contains("Names the trade-off\nCovers failure modes\nMentions monitoring")
    );
    assert!(
        form.body
            .contains(&format!("action=\"/bank/questions/{id}\""))
    );
    assert_eq!(browser.get("/bank/questions/999999/edit").status, 404);
}

#[test]
fn search_ranks_a_match_in_the_prompt_first_and_pages_by_rank() {
    let app = TestApp::spawn();
    let hm = app.user(Role::HiringManager);
    let mut script = app.script(&hm);
    let mut create = |prompt: &str, why: &str| -> i64 {
        let created = script.post_json("/api/v1/questions", new_question(prompt, why));
        assert_eq!(created.status, 201, "{}", created.body);
        created.json()["question"]["id"].as_i64().unwrap()
    };
    // Created first, so ordering by id alone would put it first.
    let in_the_note = create(
        "How would you roll out a schema change?",
        "Quasiperiodic deploys show whether someone plans a migration. Teams see it often.",
    );
    let in_the_prompt = create(
        "Design a quasiperiodic job scheduler.",
        "Schedulers show whether someone thinks about clocks and retries. Teams run them.",
    );
    let search = |script: &mut Browser, query: &str| -> Value {
        let found = script.get(&format!("/api/v1/questions?q=quasiperiodic{query}"));
        assert_eq!(found.status, 200, "{}", found.body);
        found.json()
    };
    let all = search(&mut script, "");
    assert_eq!(ids(&all), [in_the_prompt, in_the_note]);
    assert_eq!(all["total"], 2);
    // As one types: the last word may be the start of a word, however short.
    for typed in ["quasiperi", "design%20quasip", "scheduler%20q"] {
        let found = script.get(&format!("/api/v1/questions?q={typed}&per_page=100"));
        let found = ids(&found.json());
        assert!(found.contains(&in_the_prompt), "{typed}: {found:?}");
        assert_eq!(
            found.contains(&in_the_note),
            typed == "quasiperi",
            "{typed}: {found:?}"
        );
    }
    // One a page, in rank order; past the end, no rows and the same total.
    for (page, expected) in [
        (1, vec![in_the_prompt]),
        (2, vec![in_the_note]),
        (3, vec![]),
    ] {
        let one = search(&mut script, &format!("&per_page=1&page={page}"));
        assert_eq!(ids(&one), expected, "page {page}");
        assert_eq!(one["total"], 2, "page {page}");
    }
    // Filters narrow the ranked hits.
    let archived = script.patch_json(
        &format!("/api/v1/questions/{in_the_prompt}"),
        json!({"archived": true}),
    );
    assert_eq!(archived.status, 200, "{}", archived.body);
    let left = search(&mut script, "");
    assert_eq!(ids(&left), [in_the_note]);
    assert_eq!(left["total"], 1);
}

/// The bank without a search counts its live questions on every page: the
/// count reads the index of their ids, not every question's text.
#[test]
fn counting_the_live_questions_reads_their_index() {
    #[derive(diesel::QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    let app = TestApp::spawn();
    if app.db().is_postgres() {
        println!("SQLite's plan only: PostgreSQL chooses by its statistics");
        return;
    }
    // The statement diesel writes for `archived_at.is_null()` and `count()`.
    let plan: Vec<Step> = diesel::sql_query(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM \"questions\" WHERE (\"questions\".\"archived_at\" IS NULL)",
    )
    .load(&mut app.conn())
    .unwrap();
    let steps: Vec<&str> = plan.iter().map(|s| s.detail.as_str()).collect();
    assert!(
        steps.iter().any(|s| s.contains("questions_live")),
        "{steps:?}"
    );
    let hm = app.user(Role::HiringManager);
    let listed = app.script(&hm).get("/api/v1/questions").json();
    assert_eq!(listed["total"], question_count(&app), "{listed}");
}
