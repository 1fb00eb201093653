//! Scorecards' ratings and red-flag answers named by their criteria, for
//! what leaves the app whole: a candidate's export and the
//! `scorecard.submitted` webhook.

use crate::db::prelude::*;

use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::schema::{job_criteria, scorecard_ratings, scorecard_red_flags};

/// One criterion's rating on one scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NamedRating {
    pub scorecard_id: i64,
    pub criterion_id: i64,
    /// The criterion's name as it is now.
    pub criterion: String,
    /// `strong_no` … `strong_yes`; `None` for no signal.
    pub rating: Option<String>,
    pub evidence: String,
}

/// One red flag's answer on one scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NamedRedFlag {
    pub scorecard_id: i64,
    pub criterion_id: i64,
    /// The red flag's name as it is now.
    pub red_flag: String,
    /// `None` until answered.
    pub observed: Option<bool>,
    pub evidence: String,
}

/// The ratings and red-flag answers of `scorecard_ids`, each list in the
/// job's criterion order (then by scorecard). Two statements, whatever the
/// count. The caller has already decided the scorecards are the reader's.
pub fn named_answers(
    conn: &mut DbConn,
    scorecard_ids: &[i64],
) -> QueryResult<(Vec<NamedRating>, Vec<NamedRedFlag>)> {
    let ratings = scorecard_ratings::table
        .inner_join(job_criteria::table)
        .filter(scorecard_ratings::scorecard_id.one_of(scorecard_ids))
        .order((job_criteria::position, scorecard_ratings::scorecard_id))
        .select((
            scorecard_ratings::scorecard_id,
            scorecard_ratings::job_criterion_id,
            job_criteria::name,
            scorecard_ratings::rating,
            scorecard_ratings::evidence,
        ))
        .load(conn)?;
    let red_flags = scorecard_red_flags::table
        .inner_join(job_criteria::table)
        .filter(scorecard_red_flags::scorecard_id.one_of(scorecard_ids))
        .order((job_criteria::position, scorecard_red_flags::scorecard_id))
        .select((
            scorecard_red_flags::scorecard_id,
            scorecard_red_flags::job_criterion_id,
            job_criteria::name,
            scorecard_red_flags::observed,
            scorecard_red_flags::evidence,
        ))
        .load(conn)?;
    Ok((ratings, red_flags))
}
