//! The big data set: a company with years of hiring behind it. Under the
//! small set's world (seeded afterwards through the API, see `seed.rs`) lie
//! the demo's history (`loopwright demo`: candidates with their loops,
//! submitted scorecards and decisions), people up to [`Size::people`],
//! questions up to [`Size::questions`] and closed jobs of years past up to
//! [`Size::jobs`].

use std::time::Instant;

use diesel::RunQueryDsl;
use loopwright::db::DbConn;
use loopwright::db::models::{UserInsertForm, now};
use loopwright::db::schema::{jobs, questions, users};
use loopwright::insights::demo::{self, DemoOptions};

/// How big the big set is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub candidates: usize,
    pub people: usize,
    pub questions: usize,
    /// Jobs in all, most of them closed: about 25 candidates a job.
    pub jobs: usize,
}

/// The issue's company: 10k candidates, 1k people, 20k questions (the
/// demo gives each candidate a full loop, so about 100k scorecards), and
/// the 400 jobs those candidates applied to over the years.
pub const ISSUE: Size = Size {
    candidates: 10_000,
    people: 1_000,
    questions: 20_000,
    jobs: 400,
};

/// What the big set holds once filled, for the report.
pub struct Filled {
    pub candidates: i64,
    pub scorecards: i64,
    pub people: i64,
    pub questions: i64,
    pub jobs: i64,
    pub seconds: f64,
}

impl std::fmt::Display for Filled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} candidates, {} scorecards, {} people, {} questions, {} jobs (filled in {:.0} s)",
            self.candidates, self.scorecards, self.people, self.questions, self.jobs, self.seconds
        )
    }
}

/// Fills an empty database (the bank seeded, nobody yet) to `size`.
pub fn fill(conn: &mut DbConn, size: Size) -> Filled {
    let started = Instant::now();
    demo::generate(
        conn,
        DemoOptions {
            candidates: size.candidates,
            seed: 1,
        },
        now(),
    )
    .expect("demo data");
    add_people(conn, size.people);
    add_questions(conn, size.questions);
    add_closed_jobs(conn, size.jobs);
    let count = |conn: &mut DbConn, table: &str| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(conn)
            .expect("count")
            .n
    };
    Filled {
        candidates: count(conn, "candidates"),
        scorecards: count(conn, "scorecards"),
        people: count(conn, "users"),
        questions: count(conn, "questions"),
        jobs: count(conn, "jobs"),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Interviewers (who can sign in) until there are `target` people.
fn add_people(conn: &mut DbConn, target: usize) {
    use diesel::QueryDsl;
    let existing: i64 = users::table.count().get_result(conn).expect("count");
    let hash = loopwright::auth::password::hash(demo::PASSWORD).expect("hash");
    let at = now();
    let people: Vec<(String, String)> = (existing as usize..target)
        .map(|i| {
            (
                format!("colleague{i}@example.com"),
                format!("Colleague Number {i}"),
            )
        })
        .collect();
    for batch in people.chunks(200) {
        let rows: Vec<UserInsertForm> = batch
            .iter()
            .map(|(email, name)| UserInsertForm::active(email, name, "interviewer", &hash, at))
            .collect();
        loopwright::insert_rows!(conn, users::table, &rows).expect("people");
    }
}

/// Copies of the seeded bank, each a variant with its own slug and the same
/// tracks, stage kinds and criteria, until there are at least `target`.
fn add_questions(conn: &mut DbConn, target: usize) {
    use diesel::QueryDsl;
    let original: i64 = questions::table.count().get_result(conn).expect("count");
    let original = original.max(1);
    let copies = (target as i64 + original - 1) / original - 1;
    for k in 1..=copies {
        let copy = format!("'-copy-{k}'");
        let questions = format!(
            "INSERT INTO questions (slug, category, prompt, why_asked, prep_pointers, follow_ups, \
             suggested_minutes, version, created_at, updated_at) \
             SELECT slug || {copy}, category, prompt || ' (variant {k})', why_asked, prep_pointers, \
             follow_ups, suggested_minutes, 1, created_at, updated_at \
             FROM questions WHERE slug NOT LIKE '%-copy-%'"
        );
        // Each copy gets its original's rows in the tables that link questions.
        let links = [
            ("question_tracks", "track_id"),
            ("question_stage_kinds", "stage_kind_id"),
            ("question_criteria", "criterion_id"),
        ]
        .map(|(table, column)| {
            format!(
                "INSERT INTO {table} (question_id, {column}) SELECT c.id, l.{column} \
                 FROM questions c JOIN questions o ON c.slug = o.slug || {copy} \
                 JOIN {table} l ON l.question_id = o.id WHERE o.slug NOT LIKE '%-copy-%'"
            )
        });
        for statement in std::iter::once(questions).chain(links) {
            diesel::sql_query(statement)
                .execute(conn)
                .expect("question copies");
        }
    }
}

/// Closed jobs of years past, until there are `target`: the demo's open
/// jobs again (their teams numbered: "Payments 2"), under the same managers.
fn add_closed_jobs(conn: &mut DbConn, target: usize) {
    use diesel::QueryDsl;
    let existing: i64 = jobs::table.count().get_result(conn).expect("count");
    let missing = target as i64 - existing;
    if missing <= 0 {
        return;
    }
    diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {missing}), \
              recent AS (SELECT track_id, title, team, hiring_manager_id, created_by, created_at, \
                              ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS m \
                       FROM jobs) \
         INSERT INTO jobs (track_id, title, team, hiring_manager_id, status, created_by, \
                           created_at, updated_at) \
         SELECT track_id, title, team || ' ' || (n.i / m + 2), hiring_manager_id, 'closed', \
                created_by, created_at, created_at \
         FROM n JOIN recent ON recent.k = n.i % recent.m"
    ))
    .execute(conn)
    .expect("closed jobs");
}
