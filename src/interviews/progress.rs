//! How far each candidate's interviews have come: scorecards in against
//! scorecards expected, and the decision, for the lists that link to the
//! debrief.

use std::collections::HashMap;

use crate::db::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::schema::{decisions, loops};
use crate::domain::DecisionOutcome;

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
/// yet and read as the default). Two queries, whatever the count, each kept
/// prepared ([`OneOf`](crate::db::id_list::OneOf)): the counts are each
/// loop's `assigned_interviewers` and `submitted_scorecards`, kept by
/// triggers from its stages' (migrations `stage_progress` and
/// `loop_progress`), so a candidate costs one row, not one per stage,
/// interviewer or scorecard.
/// The caller has already decided the candidates are the viewer's to list.
pub fn progress_of(
    conn: &mut DbConn,
    candidate_ids: &[i64],
) -> QueryResult<HashMap<i64, DebriefProgress>> {
    let mut progress: HashMap<i64, DebriefProgress> = HashMap::new();
    let counts: Vec<(Option<i64>, i32, i32)> = loops::table
        .filter(loops::candidate_id.assume_not_null().one_of(candidate_ids))
        .select((
            loops::candidate_id,
            loops::assigned_interviewers,
            loops::submitted_scorecards,
        ))
        .load(conn)?;
    for (id, expected, submitted) in counts {
        let Some(id) = id else { continue };
        let entry = progress.entry(id).or_default();
        entry.expected = i64::from(expected);
        entry.submitted = i64::from(submitted);
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
