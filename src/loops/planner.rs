//! The planner: everything its page shows about one loop, loaded once and
//! checked once.

use std::collections::HashMap;

use diesel::prelude::*;

use super::coverage::{CoverageView, coverage_for};
use super::{LoopView, load_loop};
use crate::access::{self, Action, Actor, Target};
use crate::bank::search::{QuestionQuery, QuestionSummary, search};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{formats, questions, stage_kinds, users};
use crate::domain::Role;
use crate::error::AppError;
use crate::jobs::{JobView, job_view};

/// A stage kind or format as a choice: slug and display name.
#[derive(Debug, Clone)]
pub struct Choice {
    pub slug: String,
    pub name: String,
}

/// A question pulled into one of the loop's stages.
#[derive(Debug, Clone)]
pub struct PlannedQuestion {
    pub prompt: String,
    pub why: String,
    pub minutes: i64,
}

/// An active member of the team who could interview.
#[derive(Debug, Clone)]
pub struct Teammate {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// The planner of one loop (`ReadLoop`), and whether the viewer may change
/// it (`EditLoop`, from the same scope).
#[derive(Debug, Clone)]
pub struct PlannerView {
    pub shape: LoopView,
    pub job: JobView,
    pub coverage: CoverageView,
    pub questions: HashMap<i64, PlannedQuestion>,
    pub stage_kinds: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub team: Vec<Teammate>,
    pub can_edit: bool,
}

/// See [`PlannerView`]: a fixed number of queries whatever the loop's size;
/// the loop is loaded once.
pub fn planner(conn: &mut DbConn, actor: &User, loop_id: i64) -> Result<PlannerView, AppError> {
    let scope = access::ensure(conn, actor, Action::ReadLoop, Target::Loop(loop_id))?;
    let can_edit = access::can(Actor::from(actor), Action::EditLoop, &scope).is_ok();
    let shape = load_loop(conn, loop_id)?;
    let job = job_view(conn, shape.job_id)?;
    let coverage = coverage_for(conn, &shape, job.criteria.clone())?;
    let question_ids: Vec<i64> = shape
        .stages
        .iter()
        .flat_map(|s| s.question_ids.iter().copied())
        .collect();
    let questions: HashMap<i64, PlannedQuestion> = questions::table
        .filter(questions::id.eq_any(&question_ids))
        .select((
            questions::id,
            questions::prompt,
            questions::why_asked,
            questions::suggested_minutes,
        ))
        .load::<(i64, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, prompt, why, minutes)| {
            (
                id,
                PlannedQuestion {
                    prompt,
                    why,
                    minutes,
                },
            )
        })
        .collect();
    let choice = |(slug, name): (String, String)| Choice { slug, name };
    let stage_kinds = stage_kinds::table
        .order(stage_kinds::position)
        .select((stage_kinds::slug, stage_kinds::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(choice)
        .collect();
    let formats = formats::table
        .order(formats::position)
        .select((formats::slug, formats::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(choice)
        .collect();
    let team = users::table
        .filter(users::active.eq(true))
        .order(users::name)
        .select((users::id, users::name, users::role))
        .load::<(i64, String, Role)>(conn)?
        .into_iter()
        .map(|(id, name, role)| Teammate { id, name, role })
        .collect();
    Ok(PlannerView {
        shape,
        job,
        coverage,
        questions,
        stage_kinds,
        formats,
        team,
        can_edit,
    })
}

/// The bank panel of one stage: questions that suit its kind, those that
/// probe its focus first, and what it already holds (`EditLoop`).
pub struct QuestionPanel {
    pub job_id: i64,
    pub job_title: String,
    pub stage: super::StageView,
    pub kind_name: String,
    pub focus_names: Vec<String>,
    /// Minutes of the questions already in the stage.
    pub planned_minutes: i64,
    pub loop_version: i64,
    /// The loop's other stages that already ask a question ("2. Hiring
    /// manager interview"), by question id.
    pub elsewhere: HashMap<i64, Vec<String>>,
    pub results: Vec<QuestionSummary>,
    pub total: i64,
}

/// See [`QuestionPanel`]; `text` narrows the search.
pub fn question_panel(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    text: &str,
) -> Result<QuestionPanel, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    let shape = load_loop(conn, loop_id)?;
    let job = job_view(conn, shape.job_id)?;
    let mut elsewhere: HashMap<i64, Vec<String>> = HashMap::new();
    for (i, other) in shape.stages.iter().enumerate() {
        if other.id == stage_id {
            continue;
        }
        for q in &other.question_ids {
            elsewhere
                .entry(*q)
                .or_default()
                .push(format!("{}. {}", i + 1, other.title));
        }
    }
    let stage = shape
        .stages
        .into_iter()
        .find(|s| s.id == stage_id)
        .ok_or(AppError::NotFound)?;
    let kind_name: String = stage_kinds::table
        .filter(stage_kinds::slug.eq(&stage.stage_kind))
        .select(stage_kinds::name)
        .first(conn)?;
    let focus_names: Vec<String> = job
        .criteria
        .iter()
        .filter(|c| stage.focus_criterion_ids.contains(&c.id))
        .map(|c| c.name.clone())
        .collect();
    let bank_query = QuestionQuery {
        q: Some(text.to_owned()).filter(|t| !t.trim().is_empty()),
        stage_kind: Some(stage.stage_kind.clone()),
        per_page: Some(50),
        ..QuestionQuery::default()
    };
    let (mut results, total) = search(conn, &bank_query)?;
    let planned_minutes: i64 = questions::table
        .filter(questions::id.eq_any(&stage.question_ids))
        .select(questions::suggested_minutes)
        .load::<i64>(conn)?
        .into_iter()
        .sum();
    // Questions no stage asks come first (those already here last), then
    // those probing the stage's focus: the top suggestion is never a
    // duplicate when another question suits.
    results.sort_by_key(|r| {
        (
            stage.question_ids.contains(&r.id),
            elsewhere.contains_key(&r.id),
            !r.criteria.iter().any(|c| focus_names.contains(&c.name)),
        )
    });
    Ok(QuestionPanel {
        job_id: job.id,
        job_title: job.title,
        stage,
        kind_name,
        focus_names,
        planned_minutes,
        loop_version: shape.version,
        elsewhere,
        results,
        total,
    })
}
