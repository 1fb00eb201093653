//! Loading a [`Scope`]: one query for where the thing sits and who manages
//! its job, and, only when the rule needs them, the actor's own facts as an
//! interviewer.

use crate::db::prelude::*;

use super::{Action, Actor, Scope, can};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{candidates, jobs, loops, scorecards, stage_interviewers, stages};
use crate::domain::{Role, ScorecardStatus};
use crate::error::AppError;

/// What an action is asked of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Job(i64),
    Loop(i64),
    Stage(i64),
    Candidate(i64),
}

/// Loads the scope of `target` and checks `action` for `actor`: the scope
/// (with the ids of the job, loop, candidate and stage) if allowed, 404 if
/// the thing does not exist or must stay hidden, else 403.
pub fn ensure(
    conn: &mut DbConn,
    actor: &User,
    action: Action,
    target: Target,
) -> Result<Scope, AppError> {
    let scope = match scope_of(conn, actor, action, target) {
        Ok(scope) => scope,
        // A role that may never do this hears so whether or not the thing exists.
        Err(AppError::NotFound) => {
            super::can_ever(Actor::from(actor), action)?;
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(e),
    };
    can(Actor::from(actor), action, &scope)?;
    Ok(scope)
}

/// The scope alone, for asking [`can`] several questions of one thing
/// (what a page may show).
pub fn scope_of(
    conn: &mut DbConn,
    actor: &User,
    action: Action,
    target: Target,
) -> Result<Scope, AppError> {
    let mut scope = match target {
        Target::Job(id) => {
            let manager: Option<i64> = jobs::table
                .find(id)
                .select(jobs::hiring_manager_id)
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            Scope {
                job_id: Some(id),
                hiring_manager_id: manager,
                ..Scope::default()
            }
        }
        Target::Loop(id) => {
            let (job_id, candidate_id, manager): (i64, Option<i64>, Option<i64>) = loops::table
                .inner_join(jobs::table)
                .filter(loops::id.eq(id))
                .select((jobs::id, loops::candidate_id, jobs::hiring_manager_id))
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            Scope {
                job_id: Some(job_id),
                hiring_manager_id: manager,
                loop_id: Some(id),
                candidate_id,
                ..Scope::default()
            }
        }
        Target::Stage(id) => {
            // Whether the actor interviews here comes in the same statement:
            // a stage's fact is one index probe, cheaper than a trip.
            let (loop_id, job_id, candidate_id, manager, interviews): (
                i64,
                i64,
                Option<i64>,
                Option<i64>,
                bool,
            ) = stages::table
                .inner_join(loops::table.inner_join(jobs::table))
                .filter(stages::id.eq(id))
                .select((
                    loops::id,
                    jobs::id,
                    loops::candidate_id,
                    jobs::hiring_manager_id,
                    diesel::dsl::exists(
                        stage_interviewers::table
                            .filter(stage_interviewers::stage_id.eq(id))
                            .filter(stage_interviewers::user_id.eq(actor.id)),
                    ),
                ))
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            Scope {
                job_id: Some(job_id),
                hiring_manager_id: manager,
                loop_id: Some(loop_id),
                candidate_id,
                stage_id: Some(id),
                interviews,
                ..Scope::default()
            }
        }
        Target::Candidate(id) => {
            let (job_id, manager, loop_id): (i64, Option<i64>, Option<i64>) = candidates::table
                .inner_join(jobs::table)
                .left_join(loops::table.on(loops::candidate_id.eq(candidates::id.nullable())))
                .filter(candidates::id.eq(id))
                .select((jobs::id, jobs::hiring_manager_id, loops::id.nullable()))
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            Scope {
                job_id: Some(job_id),
                hiring_manager_id: manager,
                loop_id,
                candidate_id: Some(id),
                ..Scope::default()
            }
        }
    };
    if needs_interviewer_facts(actor, action, &scope) {
        load_interviewer_facts(conn, actor.id, &mut scope)?;
    }
    Ok(scope)
}

/// The scope of the candidate a stage is for, from that stage's scope (the
/// same job, manager, loop and candidate), with `actor`'s facts for
/// `action`: what [`scope_of`] with [`Target::Candidate`] answers, without
/// reading the candidate again. 404 for a template loop's stage.
pub fn candidate_scope_of_stage(
    conn: &mut DbConn,
    actor: &User,
    action: Action,
    stage: &Scope,
) -> Result<Scope, AppError> {
    if stage.candidate_id.is_none() {
        return Err(AppError::NotFound);
    }
    let mut scope = Scope {
        stage_id: None,
        interviews: false,
        own_submitted: false,
        ..*stage
    };
    if needs_interviewer_facts(actor, action, &scope) {
        load_interviewer_facts(conn, actor.id, &mut scope)?;
    }
    Ok(scope)
}

/// Admins, recruiters and the job's hiring manager see kits and debriefs
/// without being on the loop; only a scorecard of one's own needs the facts
/// whoever asks.
fn needs_interviewer_facts(actor: &User, action: Action, scope: &Scope) -> bool {
    let sees_all = match actor.role() {
        Role::Admin | Role::Recruiter => true,
        Role::HiringManager => scope.hiring_manager_id == Some(actor.id),
        Role::Interviewer => false,
    };
    match action {
        // Whether their own scorecards are in matters whoever asks.
        Action::KeepScorecard | Action::ReadDebrief => true,
        Action::ReadKit => !sees_all,
        _ => false,
    }
}

fn load_interviewer_facts(conn: &mut DbConn, user_id: i64, scope: &mut Scope) -> QueryResult<()> {
    // A stage's scope read them with the stage.
    if scope.stage_id.is_some() {
        return Ok(());
    }
    let Some(loop_id) = scope.loop_id else {
        return Ok(());
    };
    // (stage, whether the actor's scorecard on it is submitted)
    let mine: Vec<(i64, Option<String>)> = stage_interviewers::table
        .inner_join(stages::table)
        .left_join(
            scorecards::table.on(scorecards::stage_id
                .eq(stage_interviewers::stage_id)
                .and(scorecards::interviewer_id.eq(stage_interviewers::user_id))),
        )
        .filter(stages::loop_id.eq(loop_id))
        .filter(stage_interviewers::user_id.eq(user_id))
        .select((stages::id, scorecards::status.nullable()))
        .load(conn)?;
    scope.interviews = !mine.is_empty();
    scope.own_submitted = mine
        .iter()
        .all(|(_, status)| status.as_deref() == Some(ScorecardStatus::Submitted.as_str()));
    Ok(())
}
