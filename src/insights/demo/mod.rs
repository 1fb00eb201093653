//! `loopwright demo`: a living data set in an empty data dir, for newcomers
//! and for benchmarks, with three things planted for Insights to find.
//!
//! Jobs and candidates go through the product's own services (so loops are
//! cloned as they would be); schedules, scorecards, decisions and sent prep
//! packs are written directly, in one transaction, because thousands of
//! past interviews cannot be lived through the API in seconds.
//!
//! The model: each candidate has a hidden quality q ~ N(0, 1); a rating is
//! q plus the interviewer's bias plus noise, cut into the 4-point scale at
//! −1, 0 and 1; the decision is a hire when q + N(0, 0.3) > 0.6 (about a
//! quarter hired). The plants:
//! - the lenient interviewer's bias is +1 (everyone else's within ±0.1);
//! - the disputed criterion ("API design") gets noise of 1.6 instead of 0.5,
//!   so the panel disagrees on it;
//! - the never-separating question probes only "distributed systems", whose
//!   ratings in the stage that asks it follow a trait unrelated to q.
//!
//! The steps, in the order they draw from the seeded generator and write
//! rows (both orders are what makes a seed give the same data):
//! [`team`] (people, jobs, the bank's questions on the template loops),
//! [`history`] (candidates, their schedules and scorecards) and
//! [`outcomes`] (decisions and sent prep packs).

mod history;
mod outcomes;
mod scorecards;
mod team;

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::db::schema::users;
use crate::db::{DbConn, write_transaction};
use crate::error::AppError;

/// Every demo account signs in with this password.
pub const PASSWORD: &str = "demo passphrase 2026";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub candidates: usize,
    pub seed: u64,
}

/// What was made, and the plants, for the operator.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub admin_email: String,
    pub people: usize,
    pub interviewers: usize,
    pub jobs: usize,
    pub candidates: usize,
    pub scorecards: usize,
    pub decisions: usize,
    pub prep_packs: usize,
    /// (user id, name, email)
    pub lenient: (i64, String, String),
    /// The job criterion's name (one per job).
    pub disputed: String,
    /// (question id, prompt)
    pub never_separating: (i64, String),
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "demo data: {} people ({} interviewers), {} jobs, {} candidates, {} submitted scorecards, {} decisions, {} prep packs sent",
            self.people,
            self.interviewers,
            self.jobs,
            self.candidates,
            self.scorecards,
            self.decisions,
            self.prep_packs
        )?;
        writeln!(
            f,
            "sign in as {} (or any demo person) with the password \"{PASSWORD}\"",
            self.admin_email
        )?;
        writeln!(f, "planted for Insights to find:")?;
        writeln!(
            f,
            "  lenient interviewer: {} <{}> (user {})",
            self.lenient.1, self.lenient.2, self.lenient.0
        )?;
        writeln!(f, "  disputed criterion: {}", self.disputed)?;
        write!(
            f,
            "  never-separating question: {} (question {})",
            self.never_separating.1, self.never_separating.0
        )
    }
}

/// The disputed criterion and the never-separating question's criterion,
/// by the bank's slugs.
const DISPUTED: &str = "api-design";
const FLAT: &str = "distributed-systems";
const FLAT_STAGE: &str = "system-design-interview";

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{e}"))
}

/// Fills an empty database (the bank seeded, no people yet) with the demo
/// data set, deterministic for a given seed and `now`. Errors: 409 when
/// there are people already.
pub fn generate(
    conn: &mut DbConn,
    options: DemoOptions,
    now: NaiveDateTime,
) -> Result<DemoReport, AppError> {
    let existing: i64 = users::table.count().get_result(conn)?;
    if existing > 0 {
        return Err(AppError::Conflict(
            "The demo fills an empty data dir, and this one has people in it already.".into(),
        ));
    }
    let hash = crate::auth::password::hash(PASSWORD).map_err(internal)?;
    let report = write_transaction(conn, |conn| build(conn, options, now, &hash))?;
    crate::db::refresh_statistics(conn)?;
    Ok(report)
}

/// The steps in order; each takes the generator where the last left it.
fn build(
    conn: &mut DbConn,
    options: DemoOptions,
    now: NaiveDateTime,
    hash: &str,
) -> Result<DemoReport, AppError> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let team = team::Team::hire(conn, &mut rng, options.candidates, now, hash)?;
    let job_ids = team.open_jobs(conn)?;
    let bank = team::Bank::load(conn)?;
    bank.fill_templates(conn, &mut rng, &job_ids)?;
    let pool = history::Pool::apply(conn, &mut rng, &team, &job_ids, options.candidates)?;
    let past = history::interview(conn, &mut rng, &team, &bank, &pool, now)?;
    outcomes::record(conn, &team, &pool, &past)?;
    outcomes::report(conn, &team, &bank, &job_ids, options, &past)
}
