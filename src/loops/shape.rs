//! Reading loops with their stages: five statements whatever their number,
//! each of a fixed shape the connection keeps prepared.

use std::collections::BTreeMap;

use crate::db::prelude::*;
use chrono::NaiveDateTime;

use super::{LoopView, StageView};
use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::schema::{
    formats, job_criteria, loops, stage_focus_criteria, stage_interviewers, stage_kinds,
    stage_questions, stages,
};
use crate::error::AppError;

type Head = (i64, i64, Option<i64>, i64);
type StageRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);
/// `(stage id, the focus criterion, interviewer or question id)`, in order.
type StageLink = (i64, i64);

/// What the five statements read, before it is put together.
struct Rows {
    heads: Vec<Head>,
    stages: Vec<StageRow>,
    focus: Vec<StageLink>,
    interviewers: Vec<StageLink>,
    questions: Vec<StageLink>,
}

/// A loop with its stages, unchecked (for services that have checked).
pub(crate) fn load_loop(conn: &mut DbConn, loop_id: i64) -> Result<LoopView, AppError> {
    load_loops(conn, &[loop_id])?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Loops with their stages, unchecked, in the order of `loop_ids` (missing
/// ones left out): five statements whatever the number of loops and stages,
/// each kept prepared by the connection (id lists bound as one value,
/// [`OneOf`](crate::db::id_list::OneOf)).
pub(crate) fn load_loops(conn: &mut DbConn, loop_ids: &[i64]) -> QueryResult<Vec<LoopView>> {
    let heads: Vec<Head> = loops::table
        .filter(loops::id.one_of(loop_ids))
        .select((
            loops::id,
            loops::job_id,
            loops::candidate_id,
            loops::version,
        ))
        .load(conn)?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let stages: Vec<StageRow> = stages::table
        .inner_join(stage_kinds::table)
        .inner_join(formats::table)
        .filter(stages::loop_id.one_of(loop_ids))
        .order((stages::loop_id, stages::position, stages::id))
        .select((
            stages::loop_id,
            stages::id,
            stages::position,
            stage_kinds::slug,
            stages::title,
            formats::slug,
            stages::duration_minutes,
            stages::starts_at,
            stages::time_zone,
            stages::location,
        ))
        .load(conn)?;
    let ids: Vec<i64> = stages.iter().map(|r| r.1).collect();
    let rows = Rows {
        heads,
        stages,
        focus: stage_focus_criteria::table
            .inner_join(job_criteria::table)
            .filter(stage_focus_criteria::stage_id.one_of(&ids))
            .order(job_criteria::position)
            .select((
                stage_focus_criteria::stage_id,
                stage_focus_criteria::job_criterion_id,
            ))
            .load(conn)?,
        interviewers: stage_interviewers::table
            .filter(stage_interviewers::stage_id.one_of(&ids))
            .order(stage_interviewers::user_id)
            .select((stage_interviewers::stage_id, stage_interviewers::user_id))
            .load(conn)?,
        questions: stage_questions::table
            .filter(stage_questions::stage_id.one_of(&ids))
            .order((stage_questions::stage_id, stage_questions::position))
            .select((stage_questions::stage_id, stage_questions::question_id))
            .load(conn)?,
    };
    Ok(rows.assemble(loop_ids))
}

impl Rows {
    /// The loops named by `loop_ids`, in that order.
    fn assemble(self, loop_ids: &[i64]) -> Vec<LoopView> {
        let by_stage = |links: Vec<StageLink>| {
            let mut map: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            for (stage, id) in links {
                map.entry(stage).or_default().push(id);
            }
            map
        };
        let (mut focus, mut interviewers, mut questions) = (
            by_stage(self.focus),
            by_stage(self.interviewers),
            by_stage(self.questions),
        );
        let mut stages_of: BTreeMap<i64, Vec<StageView>> = BTreeMap::new();
        for (
            loop_id,
            id,
            position,
            stage_kind,
            title,
            format,
            duration_minutes,
            starts_at,
            time_zone,
            location,
        ) in self.stages
        {
            stages_of.entry(loop_id).or_default().push(StageView {
                id,
                position,
                stage_kind,
                title,
                format,
                duration_minutes,
                focus_criterion_ids: focus.remove(&id).unwrap_or_default(),
                interviewer_ids: interviewers.remove(&id).unwrap_or_default(),
                question_ids: questions.remove(&id).unwrap_or_default(),
                starts_at: starts_at.map(|t| t.and_utc().to_rfc3339()),
                time_zone,
                location,
            });
        }
        let mut by_id: BTreeMap<i64, LoopView> = self
            .heads
            .into_iter()
            .map(|(id, job_id, candidate_id, version)| {
                let view = LoopView {
                    id,
                    job_id,
                    candidate_id,
                    version,
                    stages: stages_of.remove(&id).unwrap_or_default(),
                };
                (id, view)
            })
            .collect();
        loop_ids.iter().filter_map(|id| by_id.remove(id)).collect()
    }
}
