//! What a change to a loop may not take away: interviewers' scorecards.
//!
//! A stage's scorecards go with the stage (`ON DELETE CASCADE`), and a
//! submitted scorecard belongs on the debrief under its author, who must
//! still reach it from their kit to amend it. So a stage with scorecards
//! stays, and so does an interviewer who submitted one on it.

use std::collections::BTreeSet;

use crate::db::DbConn;
use crate::db::prelude::*;
use crate::db::schema::{scorecards, users};
use crate::domain::ScorecardStatus;
use crate::error::AppError;

/// Refuses to remove a stage that interviewers have written scorecards
/// for, drafts or submitted.
///
/// # Errors
/// [`AppError::Conflict`] (409) naming how many of each it has.
pub fn keep_stage_with_scorecards(conn: &mut DbConn, stage_id: i64) -> Result<(), AppError> {
    let statuses: Vec<ScorecardStatus> = scorecards::table
        .filter(scorecards::stage_id.eq(stage_id))
        .select(scorecards::status)
        .load(conn)?;
    if statuses.is_empty() {
        return Ok(());
    }
    let submitted = statuses
        .iter()
        .filter(|s| **s == ScorecardStatus::Submitted)
        .count();
    let drafts = statuses.len() - submitted;
    let counts = match (submitted, drafts) {
        (s, 0) => format!("{s} submitted"),
        (0, 1) => "1 draft".to_owned(),
        (0, d) => format!("{d} drafts"),
        (s, 1) => format!("{s} submitted, 1 draft"),
        (s, d) => format!("{s} submitted, {d} drafts"),
    };
    Err(AppError::Conflict(format!(
        "This stage has scorecards ({counts}), so it stays: removing it would delete the interviewers' evidence."
    )))
}

/// Refuses to take off stage `stage_id` anyone who submitted a scorecard
/// on it: `kept` is who stays on the stage. A draft does not hold its
/// author on the stage; it is kept, and is theirs again if they come back.
///
/// # Errors
/// [`AppError::Validation`] (422) on `user_ids`, naming each author.
pub fn keep_authors_on_stage(
    conn: &mut DbConn,
    stage_id: i64,
    kept: &BTreeSet<i64>,
) -> Result<(), AppError> {
    let authors: Vec<(i64, String)> = scorecards::table
        .inner_join(users::table)
        .filter(scorecards::stage_id.eq(stage_id))
        .filter(scorecards::status.eq(ScorecardStatus::Submitted))
        .order(users::name)
        .select((users::id, users::name))
        .load(conn)?;
    let taken_off: Vec<String> = authors
        .into_iter()
        .filter(|(id, _)| !kept.contains(id))
        .map(|(_, name)| name)
        .collect();
    let (verb, stays) = match taken_off.len() {
        0 => return Ok(()),
        1 => ("has", "stays"),
        _ => ("have", "stay"),
    };
    Err(AppError::field(
        "user_ids",
        format!(
            "{} {verb} submitted a scorecard for this stage, so {stays} on it: the debrief shows their evidence under their name.",
            taken_off.join(" and "),
        ),
    ))
}
