//! Every change to a loop, each guarded by the loop's version.
//!
//! A change first bumps the version with `UPDATE … WHERE version = expected`:
//! of two saves carrying the same version, exactly one wins and the other
//! gets 409 Conflict. The change and a snapshot of the loop's new shape (a
//! revision) are written in the same transaction, so nothing is half-applied.
//! Every change asks the policy for `EditLoop` first.

use std::collections::{BTreeSet, HashMap};

use crate::db::prelude::*;
use chrono::NaiveDateTime;

use super::revisions::record_revision_of;
use super::{LoopView, check_duration, check_title, insert_stage, load_loop};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::AuditEvent;
use crate::db::models::{User, now};
use crate::db::schema::{
    formats, job_criteria, jobs, loops, questions, stage_focus_criteria, stage_interviewers,
    stage_kind_focus, stage_kinds, stage_questions, stages, users,
};
use crate::db::write_transaction;
use crate::error::AppError;

/// Claims the next version of a loop, or says someone else got there first.
fn bump_version(conn: &mut DbConn, loop_id: i64, expected: i64) -> Result<i64, AppError> {
    let changed = diesel::update(
        loops::table
            .filter(loops::id.eq(loop_id))
            .filter(loops::version.eq(expected)),
    )
    .set((
        loops::version.eq(loops::version + 1),
        loops::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 1 {
        return Ok(expected + 1);
    }
    let current: Option<i64> = loops::table
        .find(loop_id)
        .select(loops::version)
        .first(conn)
        .optional()?;
    match current {
        None => Err(AppError::NotFound),
        Some(current) => Err(AppError::Conflict(format!(
            "Someone else changed this loop: you edited version {expected}, it is at version {current} now. Reload to see their changes, then try again."
        ))),
    }
}

/// Why a loop change's transaction ends without committing.
enum Undone {
    Failed(AppError),
    /// The change left the loop as it was: no new version, no revision.
    Unchanged(LoopView),
}

impl From<diesel::result::Error> for Undone {
    fn from(e: diesel::result::Error) -> Self {
        Undone::Failed(e.into())
    }
}

/// Runs one change to a loop under its version; returns the new shape.
///
/// A change that changes nothing (the same title again, `null` on a time
/// that was not set) is rolled back: the version stays, no revision is
/// written, and the answer is the loop as it is. A stale version is still 409.
fn change_loop(
    conn: &mut DbConn,
    loop_id: i64,
    expected: i64,
    actor: &User,
    summary: &str,
    apply: impl FnOnce(&mut DbConn) -> Result<(), AppError>,
) -> Result<LoopView, AppError> {
    let outcome = write_transaction(conn, |conn| {
        let version = bump_version(conn, loop_id, expected).map_err(Undone::Failed)?;
        let before = load_loop(conn, loop_id).map_err(Undone::Failed)?;
        apply(conn).map_err(Undone::Failed)?;
        // One load serves the comparison, the revision and the answer.
        let shape = load_loop(conn, loop_id).map_err(Undone::Failed)?;
        if shape == before {
            return Err(Undone::Unchanged(LoopView {
                version: expected,
                ..before
            }));
        }
        record_revision_of(conn, &shape, version, Some(actor.id), summary)
            .map_err(Undone::Failed)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "loop.edited",
            ("loop", Some(loop_id)),
            serde_json::json!({"version": version, "summary": summary}),
        )
        .map_err(|e| Undone::Failed(e.into()))?;
        Ok(shape)
    });
    match outcome {
        Ok(shape) | Err(Undone::Unchanged(shape)) => Ok(shape),
        Err(Undone::Failed(e)) => Err(e),
    }
}

fn renumber(conn: &mut DbConn, loop_id: i64, order: &[i64]) -> QueryResult<()> {
    for (position, id) in order.iter().enumerate() {
        diesel::update(
            stages::table
                .filter(stages::id.eq(id))
                .filter(stages::loop_id.eq(loop_id)),
        )
        .set(stages::position.eq(position as i64))
        .execute(conn)?;
    }
    Ok(())
}

fn stage_order(conn: &mut DbConn, loop_id: i64) -> QueryResult<Vec<i64>> {
    stages::table
        .filter(stages::loop_id.eq(loop_id))
        .order((stages::position, stages::id))
        .select(stages::id)
        .load(conn)
}

/// Adds a stage of a kind at the end (or at `position`), with the kind's
/// default format, duration and the job's copies of its suggested focus.
pub fn add_stage(
    conn: &mut DbConn,
    actor: &User,
    loop_id: i64,
    expected: i64,
    kind_slug: &str,
    position: Option<usize>,
) -> Result<LoopView, AppError> {
    access::ensure(conn, actor, Action::EditLoop, Target::Loop(loop_id))?;
    change_loop(conn, loop_id, expected, actor, "stage added", |conn| {
        let (kind_id, name, format_id, minutes): (i64, String, i64, i64) = stage_kinds::table
            .filter(stage_kinds::slug.eq(kind_slug))
            .select((
                stage_kinds::id,
                stage_kinds::name,
                stage_kinds::default_format_id,
                stage_kinds::default_duration_minutes,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                AppError::field("stage_kind", format!("Unknown stage kind {kind_slug:?}."))
            })?;
        let (job_id, track_id): (i64, i64) = loops::table
            .inner_join(jobs::table)
            .filter(loops::id.eq(loop_id))
            .select((jobs::id, jobs::track_id))
            .first(conn)?;
        let focus: Vec<i64> = stage_kind_focus::table
            .inner_join(job_criteria::table.on(
                job_criteria::source_criterion_id.eq(stage_kind_focus::criterion_id.nullable()),
            ))
            .filter(stage_kind_focus::track_id.eq(track_id))
            .filter(stage_kind_focus::stage_kind_id.eq(kind_id))
            .filter(job_criteria::job_id.eq(job_id))
            .select(job_criteria::id)
            .load(conn)?;
        let mut order = stage_order(conn, loop_id)?;
        let new_id = insert_stage(
            conn,
            loop_id,
            order.len() as i64,
            kind_id,
            &name,
            format_id,
            minutes,
            &focus,
            now(),
        )?;
        order.insert(position.unwrap_or(order.len()).min(order.len()), new_id);
        renumber(conn, loop_id, &order)?;
        Ok(())
    })
}

/// What a stage edit may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct StageChanges {
    pub title: Option<String>,
    pub format: Option<String>,
    pub duration_minutes: Option<i64>,
    pub focus_criterion_ids: Option<Vec<i64>>,
    pub location: Option<Option<String>>,
    pub position: Option<usize>,
    /// UTC; only on a candidate's loop.
    pub starts_at: Option<Option<NaiveDateTime>>,
    /// An IANA zone name, already checked.
    pub time_zone: Option<Option<String>>,
}

pub fn update_stage(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    changes: StageChanges,
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    // Every bad field is named at once, not only the first.
    let title = changes
        .title
        .as_deref()
        .map(|t| check_title("title", t))
        .transpose();
    let duration = changes.duration_minutes.map(check_duration).transpose();
    let (title, duration) = match (title, duration) {
        (Ok(title), Ok(duration)) => (title, duration),
        (title, duration) => return Err(super::field_errors([title.err(), duration.err()])),
    };
    change_loop(conn, loop_id, expected, actor, "stage changed", |conn| {
        let at = now();
        if let Some(title) = &title {
            diesel::update(stages::table.find(stage_id))
                .set((stages::title.eq(title), stages::updated_at.eq(at)))
                .execute(conn)?;
        }
        if let Some(minutes) = duration {
            diesel::update(stages::table.find(stage_id))
                .set(stages::duration_minutes.eq(minutes))
                .execute(conn)?;
        }
        if let Some(format) = &changes.format {
            let format_id: i64 = formats::table
                .filter(formats::slug.eq(format))
                .select(formats::id)
                .first(conn)
                .optional()?
                .ok_or_else(|| AppError::field("format", format!("Unknown format {format:?}.")))?;
            diesel::update(stages::table.find(stage_id))
                .set(stages::format_id.eq(format_id))
                .execute(conn)?;
        }
        if let Some(location) = &changes.location {
            let location = location.as_deref().map(str::trim).filter(|l| !l.is_empty());
            if location.is_some_and(|l| l.chars().count() > 500) {
                return Err(AppError::field("location", "Use at most 500 characters."));
            }
            diesel::update(stages::table.find(stage_id))
                .set(stages::location.eq(location))
                .execute(conn)?;
        }
        if let Some(focus) = &changes.focus_criterion_ids {
            let job_id: i64 = loops::table
                .find(loop_id)
                .select(loops::job_id)
                .first(conn)?;
            let wanted: BTreeSet<i64> = focus.iter().copied().collect();
            let known: i64 = job_criteria::table
                .filter(job_criteria::job_id.eq(job_id))
                .filter(job_criteria::id.eq_any(&wanted))
                .count()
                .get_result(conn)?;
            if known as usize != wanted.len() {
                return Err(AppError::field(
                    "focus_criterion_ids",
                    "Choose focus criteria from this job's criteria.",
                ));
            }
            diesel::delete(
                stage_focus_criteria::table.filter(stage_focus_criteria::stage_id.eq(stage_id)),
            )
            .execute(conn)?;
            for c in wanted {
                diesel::insert_into(stage_focus_criteria::table)
                    .values((
                        stage_focus_criteria::stage_id.eq(stage_id),
                        stage_focus_criteria::job_criterion_id.eq(c),
                    ))
                    .execute(conn)?;
            }
        }
        if changes.starts_at.is_some() || changes.time_zone.is_some() {
            let candidate: Option<i64> = loops::table
                .find(loop_id)
                .select(loops::candidate_id)
                .first(conn)?;
            if candidate.is_none() {
                return Err(AppError::field(
                    "starts_at",
                    "Times are set on a candidate's loop, not on the job's template.",
                ));
            }
            if let Some(starts_at) = changes.starts_at {
                diesel::update(stages::table.find(stage_id))
                    .set(stages::starts_at.eq(starts_at))
                    .execute(conn)?;
            }
            if let Some(zone) = &changes.time_zone {
                diesel::update(stages::table.find(stage_id))
                    .set(stages::time_zone.eq(zone))
                    .execute(conn)?;
            }
        }
        if let Some(position) = changes.position {
            let mut order = stage_order(conn, loop_id)?;
            order.retain(|id| *id != stage_id);
            order.insert(position.min(order.len()), stage_id);
            renumber(conn, loop_id, &order)?;
        }
        Ok(())
    })
}

/// Removes a stage from its loop, with its questions and interviewers.
///
/// # Errors
/// [`AppError::Conflict`] (409) while the stage has scorecards, drafts or
/// submitted: they would go with it (`ON DELETE CASCADE`), and an
/// interviewer's evidence is never thrown away by someone else's edit.
pub fn delete_stage(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    change_loop(conn, loop_id, expected, actor, "stage removed", |conn| {
        super::evidence::keep_stage_with_scorecards(conn, stage_id)?;
        diesel::delete(stages::table.find(stage_id)).execute(conn)?;
        let order = stage_order(conn, loop_id)?;
        renumber(conn, loop_id, &order)?;
        Ok(())
    })
}

/// Replaces a stage's questions (in order), each pulled at its current version.
pub fn set_questions(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    question_ids: &[i64],
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    check_unique(question_ids)?;
    change_loop(
        conn,
        loop_id,
        expected,
        actor,
        "questions changed",
        |conn| replace_questions(conn, stage_id, question_ids),
    )
}

/// One step on a stage's questions, as the planner's buttons take them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionStep {
    Add(i64),
    Remove(i64),
    Earlier(i64),
    Later(i64),
}

/// Applies one [`QuestionStep`] to the stage's questions as they are now
/// (one small read inside the change, not a load of the whole loop).
pub fn step_questions(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    step: QuestionStep,
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    change_loop(
        conn,
        loop_id,
        expected,
        actor,
        "questions changed",
        |conn| {
            let mut ids: Vec<i64> = stage_questions::table
                .filter(stage_questions::stage_id.eq(stage_id))
                .order(stage_questions::position)
                .select(stage_questions::question_id)
                .load(conn)?;
            match step {
                QuestionStep::Add(q) if !ids.contains(&q) => ids.push(q),
                QuestionStep::Add(_) => {}
                QuestionStep::Remove(q) => ids.retain(|id| *id != q),
                QuestionStep::Earlier(q) | QuestionStep::Later(q) => {
                    if let Some(i) = ids.iter().position(|id| *id == q) {
                        let j = match step {
                            QuestionStep::Earlier(_) => i.saturating_sub(1),
                            _ => (i + 1).min(ids.len() - 1),
                        };
                        ids.swap(i, j);
                    }
                }
            }
            replace_questions(conn, stage_id, &ids)
        },
    )
}

fn check_unique(question_ids: &[i64]) -> Result<BTreeSet<i64>, AppError> {
    let unique: BTreeSet<i64> = question_ids.iter().copied().collect();
    if unique.len() != question_ids.len() {
        return Err(AppError::field("question_ids", "A question appears twice."));
    }
    Ok(unique)
}

/// Writes a stage's questions in order: known, not newly archived, each
/// kept at the version it was pulled at or pulled at its current one.
fn replace_questions(
    conn: &mut DbConn,
    stage_id: i64,
    question_ids: &[i64],
) -> Result<(), AppError> {
    let unique = check_unique(question_ids)?;
    let already: BTreeSet<i64> = stage_questions::table
        .filter(stage_questions::stage_id.eq(stage_id))
        .select(stage_questions::question_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let found: HashMap<i64, (i64, bool)> = questions::table
        .filter(questions::id.eq_any(&unique))
        .select((
            questions::id,
            questions::version,
            questions::archived_at.is_not_null(),
        ))
        .load::<(i64, i64, bool)>(conn)?
        .into_iter()
        .map(|(id, version, archived)| (id, (version, archived)))
        .collect();
    for id in question_ids {
        match found.get(id) {
            None => {
                return Err(AppError::field(
                    "question_ids",
                    format!("There is no question {id} in the bank."),
                ));
            }
            // Archived questions stay where they are, but are not pulled anew.
            Some((_, true)) if !already.contains(id) => {
                return Err(AppError::field(
                    "question_ids",
                    format!("Question {id} is archived."),
                ));
            }
            _ => {}
        }
    }
    let kept: HashMap<i64, i64> = stage_questions::table
        .filter(stage_questions::stage_id.eq(stage_id))
        .select((
            stage_questions::question_id,
            stage_questions::question_version,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    diesel::delete(stage_questions::table.filter(stage_questions::stage_id.eq(stage_id)))
        .execute(conn)?;
    for (position, id) in question_ids.iter().enumerate() {
        // A question already in the stage keeps the version it was pulled at.
        let version = kept.get(id).copied().unwrap_or(found[id].0);
        diesel::insert_into(stage_questions::table)
            .values((
                stage_questions::stage_id.eq(stage_id),
                stage_questions::question_id.eq(id),
                stage_questions::position.eq(position as i64),
                stage_questions::question_version.eq(version),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves a stage one place earlier or later in its loop.
pub fn move_stage(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    earlier: bool,
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    change_loop(conn, loop_id, expected, actor, "stage changed", |conn| {
        let mut order = stage_order(conn, loop_id)?;
        if let Some(i) = order.iter().position(|id| *id == stage_id) {
            let j = if earlier {
                i.saturating_sub(1)
            } else {
                (i + 1).min(order.len() - 1)
            };
            order.swap(i, j);
        }
        renumber(conn, loop_id, &order)?;
        Ok(())
    })
}

pub fn set_interviewers(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    user_ids: &[i64],
) -> Result<LoopView, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    let unique: BTreeSet<i64> = user_ids.iter().copied().collect();
    change_loop(
        conn,
        loop_id,
        expected,
        actor,
        "interviewers changed",
        |conn| {
            let active: BTreeSet<i64> = users::table
                .filter(users::id.eq_any(&unique))
                .filter(users::active.eq(true))
                .select(users::id)
                .load::<i64>(conn)?
                .into_iter()
                .collect();
            if let Some(missing) = unique.difference(&active).next() {
                return Err(AppError::field(
                    "user_ids",
                    format!("User {missing} is not an active member of the team."),
                ));
            }
            super::evidence::keep_authors_on_stage(conn, stage_id, &unique)?;
            diesel::delete(
                stage_interviewers::table.filter(stage_interviewers::stage_id.eq(stage_id)),
            )
            .execute(conn)?;
            for id in &unique {
                diesel::insert_into(stage_interviewers::table)
                    .values((
                        stage_interviewers::stage_id.eq(stage_id),
                        stage_interviewers::user_id.eq(id),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        },
    )
}
