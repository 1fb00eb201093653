//! A job's criteria and red flags: added, renamed, reordered, removed.

use crate::db::prelude::*;
use serde_json::json;

use super::{JobCriterion, job_criteria_of};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::job_criteria;
use crate::db::write_transaction;
use crate::domain::{CriterionKind, Invalid};
use crate::error::AppError;
use crate::loops::MAX_TITLE;

/// What may change about a job criterion (or red flag) of one job.
#[derive(Debug, Default)]
pub struct CriterionChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i64>,
}

/// Both fields checked, every problem named at once.
fn check_criterion_text(name: Option<&str>, description: Option<&str>) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(name) = name {
        let n = name.trim().chars().count();
        if n == 0 || n > MAX_TITLE {
            errors.push(Some(AppError::field(
                "name",
                format!("Give a name of 1 to {MAX_TITLE} characters."),
            )));
        }
    }
    if description.is_some_and(|d| d.chars().count() > 2000) {
        errors.push(Some(AppError::field(
            "description",
            "Keep the description under 2000 characters.",
        )));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::loops::field_errors(errors))
    }
}

/// Adds a criterion or red flag of this job only (not from the track).
pub fn add_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    job_id: i64,
    kind: &str,
    name: &str,
    description: &str,
) -> Result<JobCriterion, AppError> {
    access::ensure(conn, actor, Action::EditJob, Target::Job(job_id))?;
    let kind: CriterionKind = kind
        .parse()
        .map_err(|e: Invalid| AppError::field("kind", e.0))?;
    check_criterion_text(Some(name), Some(description))?;
    write_transaction(conn, |conn| {
        let at = now();
        let position: i64 = job_criteria::table
            .filter(job_criteria::job_id.eq(job_id))
            .select(diesel::dsl::max(job_criteria::position))
            .first::<Option<i64>>(conn)?
            .map_or(0, |p| p + 1);
        let id: i64 = diesel::insert_into(job_criteria::table)
            .values((
                job_criteria::job_id.eq(job_id),
                job_criteria::kind.eq(kind),
                job_criteria::name.eq(name.trim()),
                job_criteria::description.eq(description.trim()),
                job_criteria::position.eq(position),
                job_criteria::created_at.eq(at),
                job_criteria::updated_at.eq(at),
            ))
            .returning(job_criteria::id)
            .get_result(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.added",
            ("job", Some(job_id)),
            json!({"criterion_id": id, "kind": kind}),
        )?;
        job_criteria_of(conn, job_id)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(AppError::NotFound)
    })
}

/// A job's criteria and red flags in order, for whoever may read the job.
pub fn criteria_of(
    conn: &mut DbConn,
    actor: &User,
    job_id: i64,
) -> Result<Vec<JobCriterion>, AppError> {
    access::ensure(conn, actor, Action::ReadJob, Target::Job(job_id))?;
    Ok(job_criteria_of(conn, job_id)?)
}

/// The job a job criterion belongs to, if `actor` may edit it (`EditJob`).
pub fn job_to_edit(conn: &mut DbConn, actor: &User, criterion_id: i64) -> Result<i64, AppError> {
    let job_id = criterion_job(conn, criterion_id)?;
    access::ensure(conn, actor, Action::EditJob, Target::Job(job_id))?;
    Ok(job_id)
}

/// The job a job criterion belongs to.
fn criterion_job(conn: &mut DbConn, criterion_id: i64) -> Result<i64, AppError> {
    job_criteria::table
        .find(criterion_id)
        .select(job_criteria::job_id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn update_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    criterion_id: i64,
    changes: CriterionChanges,
) -> Result<JobCriterion, AppError> {
    let job_id = job_to_edit(conn, actor, criterion_id)?;
    check_criterion_text(changes.name.as_deref(), changes.description.as_deref())?;
    write_transaction(conn, |conn| {
        if let Some(name) = &changes.name {
            diesel::update(job_criteria::table.find(criterion_id))
                .set(job_criteria::name.eq(name.trim()))
                .execute(conn)?;
        }
        if let Some(description) = &changes.description {
            diesel::update(job_criteria::table.find(criterion_id))
                .set(job_criteria::description.eq(description.trim()))
                .execute(conn)?;
        }
        if let Some(position) = changes.position {
            let mut order: Vec<i64> = job_criteria_of(conn, job_id)?
                .into_iter()
                .map(|c| c.id)
                .filter(|id| *id != criterion_id)
                .collect();
            order.insert(
                usize::try_from(position.max(0))
                    .unwrap_or(0)
                    .min(order.len()),
                criterion_id,
            );
            for (i, id) in order.iter().enumerate() {
                diesel::update(job_criteria::table.find(id))
                    .set(job_criteria::position.eq(i as i64))
                    .execute(conn)?;
            }
        }
        diesel::update(job_criteria::table.find(criterion_id))
            .set(job_criteria::updated_at.eq(now()))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.changed",
            ("job", Some(job_id)),
            json!({"criterion_id": criterion_id}),
        )?;
        job_criteria_of(conn, job_id)?
            .into_iter()
            .find(|c| c.id == criterion_id)
            .ok_or(AppError::NotFound)
    })
}

/// Removes a criterion from a job: from every stage's focus too. A criterion
/// that a submitted scorecard rated stays, since that record must not change.
pub fn delete_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    criterion_id: i64,
) -> Result<(), AppError> {
    use crate::db::schema::{scorecard_ratings, scorecard_red_flags};
    let job_id = job_to_edit(conn, actor, criterion_id)?;
    write_transaction(conn, |conn| {
        let rated: i64 = scorecard_ratings::table
            .filter(scorecard_ratings::job_criterion_id.eq(criterion_id))
            .count()
            .get_result(conn)?;
        let flagged: i64 = scorecard_red_flags::table
            .filter(scorecard_red_flags::job_criterion_id.eq(criterion_id))
            .count()
            .get_result(conn)?;
        if rated + flagged > 0 {
            return Err(AppError::Conflict(
                "Scorecards already rate this criterion; rename it instead of removing it.".into(),
            ));
        }
        diesel::delete(job_criteria::table.find(criterion_id)).execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.removed",
            ("job", Some(job_id)),
            json!({"criterion_id": criterion_id}),
        )?;
        Ok(())
    })
}
