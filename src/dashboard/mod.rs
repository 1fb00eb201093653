//! The signed-in home page: what needs this person now. Each section is
//! asked of the one policy (a role that may never act on a kind of thing
//! gets no section for it), and each is a fixed number of queries whatever
//! the size of the company: lists are capped at [`SHOWN`] rows with a count
//! of the rest.

pub mod page;

use std::collections::HashMap;

use crate::db::prelude::*;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::access::{self, Action};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::run_query::on_backend;
use crate::db::schema::{
    candidates, decisions, jobs, loops, one_time_tokens, outbox_messages, scorecards,
    stage_interviewers, stages,
};
use crate::domain::{CandidateStatus, DeliveryStatus, JobStatus, Role, ScorecardStatus};
use crate::error::AppError;

/// Rows shown per section; the rest are counted and linked.
pub const SHOWN: i64 = 8;

/// Upcoming interviews are those starting within this many days.
pub const UPCOMING_DAYS: i64 = 7;

/// What needs the person, section by section; a section the role has no
/// part in is `None`, an empty one is an empty list.
#[derive(Debug, Serialize)]
pub struct Dashboard {
    /// Interviews of theirs that have started and whose scorecard is not in.
    pub scorecards_due: Section<ScorecardDue>,
    /// Their interviews in the next [`UPCOMING_DAYS`] days.
    pub upcoming: Section<Upcoming>,
    /// Candidates whose every scorecard is in and who have no decision
    /// (hiring managers of the job and admins).
    pub awaiting_decision: Option<Section<AwaitingDecision>>,
    /// Open jobs whose template loop has coverage warnings (hiring managers
    /// of the job and admins).
    pub coverage: Option<Section<CoverageAlert>>,
    /// Emails that failed for good (admins; recruiters see candidates').
    pub failed_emails: Option<Section<FailedEmail>>,
    /// Invitations not yet accepted (admins).
    pub invitations: Option<Section<PendingInvitation>>,
}

/// Up to [`SHOWN`] rows and how many there are in all.
#[derive(Debug, Serialize)]
pub struct Section<T> {
    pub rows: Vec<T>,
    pub total: i64,
    /// `total` is more than the rows shown.
    pub more: bool,
}

impl<T> Section<T> {
    fn of(rows: Vec<T>, total: i64) -> Self {
        let more = total > rows.len() as i64;
        Self { rows, total, more }
    }

    fn capped(mut rows: Vec<T>) -> Self {
        let total = rows.len() as i64;
        rows.truncate(SHOWN as usize);
        Self::of(rows, total)
    }
}

#[derive(Debug, Serialize)]
pub struct ScorecardDue {
    pub stage_id: i64,
    pub stage_title: String,
    pub candidate_name: String,
    pub job_title: String,
    /// When the interview ended (UTC); `overdue` once it has.
    pub ends_at: NaiveDateTime,
    pub overdue: bool,
    /// A draft has been saved.
    pub drafted: bool,
}

#[derive(Debug, Serialize)]
pub struct Upcoming {
    pub stage_id: i64,
    pub stage_title: String,
    pub candidate_name: String,
    pub job_title: String,
    /// UTC.
    pub starts_at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct AwaitingDecision {
    pub candidate_id: i64,
    pub candidate_name: String,
    pub job_title: String,
    pub scorecards: i64,
}

#[derive(Debug, Serialize)]
pub struct CoverageAlert {
    pub job_id: i64,
    pub job_title: String,
    pub warnings: usize,
}

#[derive(Debug, Serialize)]
pub struct FailedEmail {
    pub subject: String,
    pub recipient_name: String,
    pub candidate_id: Option<i64>,
    pub last_error: Option<String>,
    /// UTC.
    pub queued_at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct PendingInvitation {
    pub name: String,
    pub email: String,
    /// UTC.
    pub expires_at: NaiveDateTime,
}

/// The dashboard of `user` at `now` (UTC).
pub fn dashboard_for(
    conn: &mut DbConn,
    user: &User,
    now: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    let role = user.role();
    let decides = access::role_allows(role, Action::CreateJob);
    Ok(Dashboard {
        scorecards_due: scorecards_due(conn, user.id, now)?,
        upcoming: upcoming(conn, user.id, now)?,
        awaiting_decision: if decides {
            Some(awaiting_decision(conn, user)?)
        } else {
            None
        },
        coverage: if decides {
            Some(coverage_alerts(conn, user)?)
        } else {
            None
        },
        failed_emails: match role {
            Role::Admin => Some(failed_emails(conn, false)?),
            Role::Recruiter => Some(failed_emails(conn, true)?),
            _ => None,
        },
        invitations: if access::role_allows(role, Action::ManageUsers) {
            Some(invitations(conn, now)?)
        } else {
            None
        },
    })
}

/// stage id, title, starts, minutes, candidate, job, scorecard status
type OwnStage = (
    i64,
    String,
    NaiveDateTime,
    i64,
    String,
    String,
    Option<ScorecardStatus>,
);

/// The person's stages on the loops of candidates still in process, with
/// their own scorecard's status, in order of start, at most [`SHOWN`], and
/// how many there are in all: those started by `now` whose scorecard is not
/// in (`until` of `None`), else those starting after `now` up to `until`.
/// Two statements, reading the seats' own copy of each stage's start, its
/// scorecard's state and its candidate's process, so what they read is
/// what is due or coming, not the person's whole history.
fn own_stages(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
    until: Option<NaiveDateTime>,
) -> QueryResult<(Vec<OwnStage>, i64)> {
    let seats = || {
        stage_interviewers::table
            .filter(stage_interviewers::user_id.eq(user_id))
            .filter(stage_interviewers::candidate_in_process.eq(true))
    };
    let rows = || {
        seats()
            .inner_join(
                stages::table.inner_join(loops::table.inner_join(jobs::table).inner_join(
                    candidates::table.on(loops::candidate_id.eq(candidates::id.nullable())),
                )),
            )
            .left_join(
                scorecards::table.on(scorecards::stage_id
                    .eq(stage_interviewers::stage_id)
                    .and(scorecards::interviewer_id.eq(stage_interviewers::user_id))),
            )
            .order((stage_interviewers::starts_at.asc(), stages::id.asc()))
            .limit(SHOWN)
            .select((
                stages::id,
                stages::title,
                stage_interviewers::starts_at.assume_not_null(),
                stages::duration_minutes,
                candidates::name,
                jobs::title,
                scorecards::status.nullable(),
            ))
    };
    match until {
        None => {
            let due = stage_interviewers::scorecard_submitted
                .eq(false)
                .and(stage_interviewers::starts_at.le(now));
            let total = seats().filter(due).count().get_result(conn)?;
            Ok((rows().filter(due).load(conn)?, total))
        }
        Some(until) => {
            let coming = stage_interviewers::starts_at
                .gt(now)
                .and(stage_interviewers::starts_at.le(until));
            let total = seats().filter(coming).count().get_result(conn)?;
            Ok((rows().filter(coming).load(conn)?, total))
        }
    }
}

fn scorecards_due(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Section<ScorecardDue>> {
    let (rows, total) = own_stages(conn, user_id, now, None)?;
    let rows = rows
        .into_iter()
        .map(
            |(stage_id, stage_title, starts, minutes, candidate, job, status)| {
                let ends_at = starts + Duration::minutes(minutes);
                ScorecardDue {
                    stage_id,
                    stage_title,
                    candidate_name: candidate,
                    job_title: job,
                    ends_at,
                    overdue: ends_at < now,
                    drafted: status == Some(ScorecardStatus::Draft),
                }
            },
        )
        .collect();
    Ok(Section::of(rows, total))
}

fn upcoming(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<Section<Upcoming>> {
    let until = now + Duration::days(UPCOMING_DAYS);
    let (rows, total) = own_stages(conn, user_id, now, Some(until))?;
    let rows = rows
        .into_iter()
        .map(
            |(stage_id, stage_title, starts_at, _, candidate, job, _)| Upcoming {
                stage_id,
                stage_title,
                candidate_name: candidate,
                job_title: job,
                starts_at,
            },
        )
        .collect();
    Ok(Section::of(rows, total))
}

/// Hiring managers: their jobs; admins: every job.
fn managed_by(user: &User) -> Option<i64> {
    (user.role() == Role::HiringManager).then_some(user.id)
}

/// Candidates in process with no decision whose every expected scorecard is
/// in: three queries (candidates with a scorecard in and no decision, then
/// expected and submitted counts for those).
fn awaiting_decision(conn: &mut DbConn, user: &User) -> QueryResult<Section<AwaitingDecision>> {
    let waiting: Vec<(i64, String, String)> = on_backend!(conn, |conn, Backend| {
        let mut query = candidates::table
            .inner_join(jobs::table)
            .left_join(decisions::table)
            .filter(decisions::id.is_null())
            .filter(candidates::status.eq_any(CandidateStatus::IN_PROCESS))
            .filter(diesel::dsl::exists(
                scorecards::table
                    .inner_join(stages::table.inner_join(loops::table))
                    .filter(scorecards::status.eq(ScorecardStatus::Submitted))
                    .filter(loops::candidate_id.eq(candidates::id.nullable())),
            ))
            .into_boxed::<Backend>();
        if let Some(manager) = managed_by(user) {
            query = query.filter(jobs::hiring_manager_id.eq(manager));
        }
        diesel::RunQueryDsl::load(
            query.order(candidates::updated_at.asc()).select((
                candidates::id,
                candidates::name,
                jobs::title,
            )),
            conn,
        )
    })?;
    let ids: Vec<i64> = waiting.iter().map(|w| w.0).collect();
    let progress = crate::interviews::progress::progress_of(conn, &ids)?;
    let rows = waiting
        .into_iter()
        .filter_map(|(candidate_id, candidate_name, job_title)| {
            let p = progress.get(&candidate_id)?;
            (p.expected > 0 && p.submitted >= p.expected).then_some(AwaitingDecision {
                candidate_id,
                candidate_name,
                job_title,
                scorecards: p.submitted,
            })
        })
        .collect();
    Ok(Section::capped(rows))
}

/// Open jobs (the person's, or all for admins) whose template loop has
/// coverage warnings: a fixed number of queries whatever the number of jobs.
fn coverage_alerts(conn: &mut DbConn, user: &User) -> Result<Section<CoverageAlert>, AppError> {
    let open: Vec<(i64, String, i64)> = on_backend!(conn, |conn, Backend| {
        let mut query = jobs::table
            .inner_join(loops::table)
            .filter(loops::candidate_id.is_null())
            .filter(jobs::status.eq(JobStatus::Open))
            .into_boxed::<Backend>();
        if let Some(manager) = managed_by(user) {
            query = query.filter(jobs::hiring_manager_id.eq(manager));
        }
        diesel::RunQueryDsl::load(
            query
                .order((jobs::title, jobs::id))
                .select((jobs::id, jobs::title, loops::id)),
            conn,
        )
    })?;
    let loop_ids: Vec<i64> = open.iter().map(|j| j.2).collect();
    let job_ids: Vec<i64> = open.iter().map(|j| j.0).collect();
    let shapes = crate::loops::load_loops(conn, &loop_ids)?;
    let criteria = crate::jobs::criteria_of_jobs(conn, &job_ids)?;
    let warnings: HashMap<i64, usize> =
        crate::loops::coverage::coverage_for_loops(conn, &shapes, &criteria)?
            .into_iter()
            .map(|c| (c.loop_id, c.coverage.warnings.len()))
            .collect();
    let rows = open
        .into_iter()
        .filter_map(|(job_id, job_title, loop_id)| {
            let n = warnings.get(&loop_id).copied().unwrap_or(0);
            (n > 0).then_some(CoverageAlert {
                job_id,
                job_title,
                warnings: n,
            })
        })
        .collect();
    Ok(Section::capped(rows))
}

/// (subject, recipient, candidate, last error, queued at) of a failed email.
type FailedEmailRow = (String, String, Option<i64>, Option<String>, NaiveDateTime);

/// Emails that failed for good, newest first; `candidates_only` for those
/// who answer for candidates' emails but not for people's. Two queries.
fn failed_emails(conn: &mut DbConn, candidates_only: bool) -> QueryResult<Section<FailedEmail>> {
    let (total, rows) = on_backend!(conn, |conn, Backend| {
        let filtered = || {
            let mut q = outbox_messages::table
                .filter(outbox_messages::status.eq(DeliveryStatus::Failed))
                .into_boxed::<Backend>();
            if candidates_only {
                q = q.filter(outbox_messages::candidate_id.is_not_null());
            }
            q
        };
        let total: i64 = diesel::RunQueryDsl::get_result(filtered().count(), conn)?;
        let rows: Vec<FailedEmailRow> = diesel::RunQueryDsl::load(
            filtered()
                .order(outbox_messages::id.desc())
                .limit(SHOWN)
                .select((
                    outbox_messages::subject,
                    outbox_messages::recipient_name,
                    outbox_messages::candidate_id,
                    outbox_messages::last_error,
                    outbox_messages::created_at,
                )),
            conn,
        )?;
        QueryResult::Ok((total, rows))
    })?;
    let rows = rows
        .into_iter()
        .map(
            |(subject, recipient_name, candidate_id, last_error, queued_at)| FailedEmail {
                subject,
                recipient_name,
                candidate_id,
                last_error,
                queued_at,
            },
        )
        .collect();
    Ok(Section::of(rows, total))
}

fn invitations(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Section<PendingInvitation>> {
    let pending = || {
        one_time_tokens::table
            .filter(
                one_time_tokens::purpose.eq(crate::db::models::TokenPurpose::Invitation.as_str()),
            )
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(now))
    };
    let total: i64 = pending().count().get_result(conn)?;
    let rows = pending()
        .order(one_time_tokens::expires_at.asc())
        .limit(SHOWN)
        .select((
            one_time_tokens::name,
            one_time_tokens::email,
            one_time_tokens::expires_at,
        ))
        .load::<(Option<String>, Option<String>, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(name, email, expires_at)| PendingInvitation {
            name: name.unwrap_or_default(),
            email: email.unwrap_or_default(),
            expires_at,
        })
        .collect();
    Ok(Section::of(rows, total))
}
