//! Coverage: which criteria and red flags each stage and question probes.

use std::collections::{BTreeSet, HashMap};

use crate::db::prelude::*;
use serde::Serialize;

use super::{LoopView, load_loop};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::models::User;
use crate::db::schema::{job_criteria, questions};
use crate::domain::coverage::{self, Coverage, CriterionRef, QuestionPlan, StagePlan, Warning};
use crate::error::AppError;
use crate::jobs::{JobCriterion, job_criteria_of};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageView {
    pub loop_id: i64,
    pub version: i64,
    pub criteria: Vec<JobCriterion>,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// The coverage of a loop: a fixed number of queries whatever its size.
///
/// Asks the policy for `ReadLoop`.
pub fn coverage_of(
    conn: &mut DbConn,
    actor: &User,
    loop_id: i64,
) -> Result<CoverageView, AppError> {
    access::ensure(conn, actor, Action::ReadLoop, Target::Loop(loop_id))?;
    let shape = load_loop(conn, loop_id)?;
    let criteria = job_criteria_of(conn, shape.job_id)?;
    coverage_for(conn, &shape, criteria)
}

/// The coverage of a loop already loaded (with its job's criteria), unchecked:
/// for services that have checked. Three queries.
pub(crate) fn coverage_for(
    conn: &mut DbConn,
    shape: &LoopView,
    job_criteria_list: Vec<JobCriterion>,
) -> Result<CoverageView, AppError> {
    let criteria = HashMap::from([(shape.job_id, job_criteria_list)]);
    coverage_for_loops(conn, std::slice::from_ref(shape), &criteria)?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The coverage of each of `shapes`, already loaded and checked, with their
/// jobs' criteria (by job id), in the same order: three queries whatever
/// the number of loops.
pub(crate) fn coverage_for_loops(
    conn: &mut DbConn,
    shapes: &[LoopView],
    criteria_by_job: &HashMap<i64, Vec<JobCriterion>>,
) -> Result<Vec<CoverageView>, AppError> {
    let job_ids: BTreeSet<i64> = shapes.iter().map(|s| s.job_id).collect();
    // A question probes a job criterion when it probes the bank criterion the
    // job's copy came from: (job, bank criterion) → the job's copy.
    let copies: HashMap<(i64, i64), i64> = job_criteria::table
        .filter(job_criteria::job_id.one_of(&job_ids))
        .filter(job_criteria::source_criterion_id.is_not_null())
        .select((
            job_criteria::job_id,
            job_criteria::source_criterion_id.assume_not_null(),
            job_criteria::id,
        ))
        .load::<(i64, i64, i64)>(conn)?
        .into_iter()
        .map(|(job, source, copy)| ((job, source), copy))
        .collect();
    let question_ids: BTreeSet<i64> = shapes
        .iter()
        .flat_map(|shape| shape.stages.iter())
        .flat_map(|s| s.question_ids.iter().copied())
        .collect();
    let minutes: HashMap<i64, i64> = questions::table
        .filter(questions::id.one_of(&question_ids))
        .select((questions::id, questions::suggested_minutes))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let bank_probes =
        crate::bank::questions::criteria_probed_by(conn, question_ids.iter().copied())?;
    Ok(shapes
        .iter()
        .map(|shape| {
            let job_criteria_list = criteria_by_job
                .get(&shape.job_id)
                .cloned()
                .unwrap_or_default();
            let probes = |q: i64| -> BTreeSet<i64> {
                bank_probes
                    .get(&q)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| copies.get(&(shape.job_id, *c)).copied())
                    .collect()
            };
            let criteria_refs: Vec<CriterionRef> = job_criteria_list
                .iter()
                .map(|c| CriterionRef {
                    id: c.id,
                    kind: c.kind,
                })
                .collect();
            let plans: Vec<StagePlan> = shape
                .stages
                .iter()
                .map(|s| StagePlan {
                    id: s.id,
                    duration_minutes: s.duration_minutes,
                    focus: s.focus_criterion_ids.iter().copied().collect(),
                    questions: s
                        .question_ids
                        .iter()
                        .map(|q| QuestionPlan {
                            id: *q,
                            minutes: minutes.get(q).copied().unwrap_or(0),
                            probes: probes(*q),
                        })
                        .collect(),
                    interviewers: s.interviewer_ids.len(),
                })
                .collect();
            CoverageView {
                loop_id: shape.id,
                version: shape.version,
                coverage: coverage::coverage(&criteria_refs, &plans),
                criteria: job_criteria_list,
            }
        })
        .collect())
}

/// A coverage warning in words, naming criteria, stages and questions by
/// the names given (a missing name reads as "criterion 7" and so on).
pub(crate) fn warning_text(
    w: &Warning,
    criterion: &HashMap<i64, String>,
    stage: &HashMap<i64, String>,
    question: &HashMap<i64, String>,
) -> String {
    let c = |id: &i64| {
        criterion
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("criterion {id}"))
    };
    let s = |id: &i64| {
        stage
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("stage {id}"))
    };
    match w {
        Warning::CriterionNotProbed { criterion_id } => {
            format!("No stage probes “{}”.", c(criterion_id))
        }
        Warning::RedFlagNotSurfaced { criterion_id } => format!(
            "No question can surface the red flag “{}”.",
            c(criterion_id)
        ),
        Warning::CriterionProbedEverywhere { criterion_id } => format!(
            "Every stage probes “{}”: consider focusing fewer stages on it.",
            c(criterion_id)
        ),
        Warning::StageWithoutQuestions { stage_id } => format!("{} has no questions.", s(stage_id)),
        Warning::StageWithoutInterviewer { stage_id } => {
            format!("{} has no interviewer.", s(stage_id))
        }
        Warning::StageOverBudget {
            stage_id,
            planned_minutes,
            duration_minutes,
        } => {
            format!(
                "{} plans {planned_minutes} minutes of questions in {duration_minutes} minutes.",
                s(stage_id)
            )
        }
        Warning::QuestionInSeveralStages {
            question_id,
            stage_ids,
        } => format!(
            "“{}” is asked in {}.",
            question
                .get(question_id)
                .cloned()
                .unwrap_or_else(|| format!("question {question_id}")),
            stage_ids.iter().map(s).collect::<Vec<_>>().join(" and ")
        ),
    }
}
