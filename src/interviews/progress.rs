//! How far each candidate's interviews have come: scorecards in against
//! scorecards expected, and the decision, for the lists that link to the
//! debrief.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::schema::{decisions, loops, scorecards, stage_interviewers, stages};
use crate::domain::{DecisionOutcome, ScorecardStatus};

/// One candidate's debrief at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DebriefProgress {
    /// Scorecards submitted on the candidate's loop.
    pub submitted: i64,
    /// One per interviewer per stage of the candidate's loop.
    pub expected: i64,
    /// The newest decision, if any.
    pub decision: Option<DecisionOutcome>,
}

/// [`DebriefProgress`] for each of `candidate_ids` (absent ones have no loop
/// yet and read as the default). Three grouped queries, whatever the count,
/// each kept prepared ([`OneOf`](crate::db::id_list::OneOf)).
/// The caller has already decided the candidates are the viewer's to list.
pub fn progress_of(
    conn: &mut DbConn,
    candidate_ids: &[i64],
) -> QueryResult<HashMap<i64, DebriefProgress>> {
    let mut progress: HashMap<i64, DebriefProgress> = HashMap::new();
    let expected: Vec<(Option<i64>, i64)> = stage_interviewers::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(loops::candidate_id.assume_not_null().one_of(candidate_ids))
        .group_by(loops::candidate_id)
        .select((loops::candidate_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, n) in expected {
        if let Some(id) = id {
            progress.entry(id).or_default().expected = n;
        }
    }
    let submitted: Vec<(Option<i64>, i64)> = scorecards::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(loops::candidate_id.assume_not_null().one_of(candidate_ids))
        .filter(scorecards::status.eq(ScorecardStatus::Submitted))
        .group_by(loops::candidate_id)
        .select((loops::candidate_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, n) in submitted {
        if let Some(id) = id {
            progress.entry(id).or_default().submitted = n;
        }
    }
    // Newest first: the first seen per candidate is their decision.
    let outcomes: Vec<(i64, DecisionOutcome)> = decisions::table
        .filter(decisions::candidate_id.one_of(candidate_ids))
        .order((decisions::candidate_id, decisions::id.desc()))
        .select((decisions::candidate_id, decisions::outcome))
        .load(conn)?;
    for (id, outcome) in outcomes {
        let entry = progress.entry(id).or_default();
        if entry.decision.is_none() {
            entry.decision = Some(outcome);
        }
    }
    Ok(progress)
}
