//! The planner: everything its page shows about one loop, loaded once and
//! checked once.

use std::collections::HashMap;

use diesel::prelude::*;

use super::coverage::{CoverageView, coverage_for};
use super::{LoopView, load_loop};
use crate::access::{self, Action, Actor, Target};
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
