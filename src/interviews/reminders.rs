//! Scorecard reminders: an interviewer whose scorecard is still missing a
//! while after their stage ended gets an email, at most once a day, never
//! after submitting; after a longer while their hiring manager hears too.
//! Both go through the outbox; the idempotency key (stage, person, day) is
//! what makes "at most once a day" hold across processes.
//!
//! Only candidates still in process are chased (see [`still_in_process`]),
//! and only active people are written to: someone who left is the business
//! of [`super::leavers`].

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::db::prelude::*;
use crate::db::run_query::on_backend;
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{
    candidates, decisions, jobs, loops, outbox_messages, scorecards, stage_interviewers, stages,
    users,
};
use crate::domain::{CandidateStatus, DecisionOutcome, Role, ScorecardStatus};
use crate::error::AppError;
use crate::mail::{self, NewEmail};
use crate::templates::Templates;

#[derive(Debug, Clone, Copy)]
pub struct Delays {
    /// After the stage ends, remind the interviewer.
    pub interviewer: Duration,
    /// After the stage ends, tell the hiring manager too.
    pub hiring_manager: Duration,
    /// After the stage ends, stop chasing: the debrief still shows the
    /// scorecard as missing, and whoever manages the candidate can remind
    /// by hand. This bounds each run to the stages of a window, found
    /// through the index on their start, however long the history grows.
    pub give_up: Duration,
}

impl Default for Delays {
    fn default() -> Self {
        Self {
            interviewer: Duration::hours(24),
            hiring_manager: Duration::hours(48),
            give_up: Duration::days(GIVE_UP_DAYS),
        }
    }
}

/// Days after a stage ends that its missing scorecards are chased.
pub const GIVE_UP_DAYS: i64 = 14;

/// stage, title, starts, minutes, interviewer id/name/email, candidate id/name, job title, manager id
type Due = (
    i64,
    String,
    NaiveDateTime,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
);

/// What `emails/reminder` shows.
#[derive(Serialize)]
struct ReminderEmail<'a> {
    app_name: &'static str,
    recipient_name: &'a str,
    interviewer_name: &'a str,
    candidate_name: &'a str,
    stage_title: &'a str,
    job_title: &'a str,
    link: &'a str,
    /// Whole hours since the stage ended.
    hours: i64,
    escalation: bool,
    subject: &'a str,
}

/// The periodic task: queues the reminders and escalations due at `now`, and
/// tells hiring managers of people who left with scorecards still owed.
/// Returns how many emails were queued.
///
/// `now` is the clock (UTC): the server passes the time of day, tests drive
/// it through a candidate's life.
pub fn run(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    now: NaiveDateTime,
    delays: Delays,
) -> Result<usize, AppError> {
    let reminded = remind(conn, templates, public_url, now, delays)?;
    let told = super::leavers::tell_hiring_managers(conn, templates, public_url)?;
    Ok(reminded + told)
}

/// Of `candidate_ids`, those whose process still runs: no final decision
/// (hire, no hire) is their newest. Their status is filtered in SQL by the
/// caller ([`CandidateStatus::IN_PROCESS`]). One query.
pub(crate) fn still_in_process(
    conn: &mut DbConn,
    candidate_ids: &BTreeSet<i64>,
) -> QueryResult<BTreeSet<i64>> {
    let history: Vec<(i64, DecisionOutcome)> = decisions::table
        .filter(decisions::candidate_id.eq_any(candidate_ids))
        .order((decisions::candidate_id, decisions::id.desc()))
        .select((decisions::candidate_id, decisions::outcome))
        .load(conn)?;
    let mut seen = BTreeSet::new();
    let mut decided = BTreeSet::new();
    for (candidate, outcome) in history {
        // Newest first: the first row of a candidate is their decision.
        if seen.insert(candidate) && outcome.is_final() {
            decided.insert(candidate);
        }
    }
    Ok(candidate_ids.difference(&decided).copied().collect())
}

/// Active people by id, among `ids`, who may hear of missing scorecards as
/// a hiring manager (hiring managers and admins): name and email.
pub(crate) fn managers_among(
    conn: &mut DbConn,
    ids: &BTreeSet<i64>,
) -> QueryResult<HashMap<i64, (String, String)>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::HiringManager, Role::Admin]))
        .select((users::id, users::name, users::email))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, email)| (id, (name, email)))
        .collect())
}

/// Which of `keys` are in the outbox already. One query.
pub(crate) fn queued_keys(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashSet<String>> {
    Ok(outbox_messages::table
        .filter(outbox_messages::idempotency_key.eq_any(keys))
        .select(outbox_messages::idempotency_key)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// One email to queue: kind, key, recipient name and address, escalation.
struct Chase {
    kind: &'static str,
    key: String,
    name: String,
    email: String,
    escalation: bool,
}

/// Reminders and escalations due at `now`. A fixed number of queries to
/// find them (the stage's start bounds the search through its index; the
/// scorecard is looked up by its unique (stage, interviewer)), then one
/// insert per email.
fn remind(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    now: NaiveDateTime,
    delays: Delays,
) -> Result<usize, AppError> {
    // A stage that started after this cannot have ended long enough ago,
    // and one that started before the other cannot have ended recently enough.
    let latest_start = now - delays.interviewer;
    let earliest_start = now - delays.give_up - Duration::minutes(crate::loops::MAX_STAGE_MINUTES);
    let rows = owed(conn, Some(earliest_start), latest_start, None)?;
    let rows: Vec<Due> = rows
        .into_iter()
        .filter(|r| {
            let ended = r.2 + Duration::minutes(r.3);
            now >= ended + delays.interviewer && now <= ended + delays.give_up
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let in_process = still_in_process(conn, &rows.iter().map(|r| r.7).collect())?;
    let managers = managers_among(conn, &rows.iter().filter_map(|r| r.10).collect())?;
    let day = now.format("%Y-%m-%d").to_string();
    let mut chases: Vec<(Chase, &Due)> = Vec::new();
    for row in rows.iter().filter(|r| in_process.contains(&r.7)) {
        let (stage_id, _, starts, minutes, user_id, user_name, user_email, ..) = row;
        chases.push((
            Chase {
                kind: "scorecard_reminder",
                key: format!("reminder:{stage_id}:{user_id}:{day}"),
                name: user_name.clone(),
                email: user_email.clone(),
                escalation: false,
            },
            row,
        ));
        let ended = *starts + Duration::minutes(*minutes);
        if now >= ended + delays.hiring_manager
            && let Some((name, email)) = row.10.and_then(|m| managers.get(&m)).cloned()
        {
            chases.push((
                Chase {
                    kind: "scorecard_escalation",
                    key: format!("scorecard_escalation:{stage_id}:{user_id}:{day}"),
                    name,
                    email,
                    escalation: true,
                },
                row,
            ));
        }
    }
    let keys: Vec<String> = chases.iter().map(|(c, _)| c.key.clone()).collect();
    let queued = queued_keys(conn, &keys)?;
    let mut count = 0;
    for (chase, row) in chases {
        if queued.contains(&chase.key) {
            continue;
        }
        queue(conn, templates, public_url, now, chase, row)?;
        count += 1;
    }
    Ok(count)
}

/// Renders and queues one chase about `row`.
fn queue(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    now: NaiveDateTime,
    chase: Chase,
    row: &Due,
) -> Result<(), AppError> {
    let (stage_id, stage_title, starts, minutes, _, user_name, _, _, candidate, job, _) = row;
    let subject = if chase.escalation {
        format!("Missing scorecard: {user_name} for {candidate}")
    } else {
        format!("Your scorecard for {candidate} is still missing")
    };
    let link = format!("{public_url}/stages/{stage_id}/kit");
    let context = ReminderEmail {
        app_name: "Loopwright",
        recipient_name: &chase.name,
        interviewer_name: user_name,
        candidate_name: candidate,
        stage_title,
        job_title: job,
        link: &link,
        hours: (now - (*starts + Duration::minutes(*minutes))).num_hours(),
        escalation: chase.escalation,
        subject: &subject,
    };
    let (text, html) = templates.render_email("reminder", &context)?;
    mail::enqueue(
        conn,
        &NewEmail {
            idempotency_key: chase.key,
            kind: chase.kind,
            to_email: chase.email,
            to_name: chase.name,
            subject,
            text,
            html,
            attachments: Vec::new(),
            candidate_id: None,
        },
    )?;
    Ok(())
}

/// Scorecards owed by active people on candidates still in process, on
/// stages that started from `earliest_start` (if given) to `latest_start`;
/// `only` narrows to one (stage, interviewer). One query, driven by the
/// index on the stage's start.
fn owed(
    conn: &mut DbConn,
    earliest_start: Option<NaiveDateTime>,
    latest_start: NaiveDateTime,
    only: Option<(i64, i64)>,
) -> QueryResult<Vec<Due>> {
    on_backend!(conn, |conn, Backend| {
        let mut query = stage_interviewers::table
            .inner_join(users::table)
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
            .filter(stages::starts_at.le(latest_start))
            .filter(users::active.eq(true))
            .filter(candidates::status.eq_any(CandidateStatus::IN_PROCESS))
            .filter(
                scorecards::status
                    .is_null()
                    .or(scorecards::status.ne(ScorecardStatus::Submitted)),
            )
            .select((
                stages::id,
                stages::title,
                stages::starts_at.assume_not_null(),
                stages::duration_minutes,
                users::id,
                users::name,
                users::email,
                candidates::id,
                candidates::name,
                jobs::title,
                jobs::hiring_manager_id,
            ))
            .into_boxed::<Backend>();
        if let Some(earliest) = earliest_start {
            query = query.filter(stages::starts_at.ge(earliest));
        }
        if let Some((stage_id, user_id)) = only {
            query = query
                .filter(stage_interviewers::stage_id.eq(stage_id))
                .filter(stage_interviewers::user_id.eq(user_id));
        }
        diesel::RunQueryDsl::load(query, conn)
    })
}

/// What asking for a reminder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reminded {
    /// An email is queued now.
    Queued,
    /// They were reminded today already (by hand or by the daily run).
    AlreadyToday,
}

/// Reminds one interviewer of their missing scorecard now, on behalf of
/// `actor` (`ManageCandidate` on the candidate): the stage must be on the
/// candidate's loop, have ended, and the scorecard still be owed, else a
/// 422 that says which. At most once a day per stage and person: the key is
/// the daily reminder's, so the daily run will not repeat it.
/// Returns the interviewer's name and what was done.
#[allow(clippy::too_many_arguments)]
pub fn remind_now(
    conn: &mut DbConn,
    actor: &crate::db::models::User,
    templates: &Templates,
    public_url: &str,
    candidate_id: i64,
    stage_id: i64,
    interviewer_id: i64,
    now: NaiveDateTime,
) -> Result<(String, Reminded), AppError> {
    use crate::access::{self, Action, Target};
    let scope = access::ensure(
        conn,
        actor,
        Action::ManageCandidate,
        Target::Candidate(candidate_id),
    )?;
    let row = owed(conn, None, now, Some((stage_id, interviewer_id)))?
        .into_iter()
        .find(|r| Some(r.7) == scope.candidate_id)
        .filter(|r| r.2 + Duration::minutes(r.3) <= now)
        .ok_or_else(|| {
            AppError::field(
                "stage_id",
                "There is no scorecard due from them on this stage: it is in, the stage has not ended, or they left.",
            )
        })?;
    let key = format!(
        "reminder:{stage_id}:{interviewer_id}:{}",
        now.format("%Y-%m-%d")
    );
    let name = row.5.clone();
    if !queued_keys(conn, std::slice::from_ref(&key))?.is_empty() {
        return Ok((name, Reminded::AlreadyToday));
    }
    let chase = Chase {
        kind: "scorecard_reminder",
        key,
        name: row.5.clone(),
        email: row.6.clone(),
        escalation: false,
    };
    queue(conn, templates, public_url, now, chase, &row)?;
    Ok((name, Reminded::Queued))
}
