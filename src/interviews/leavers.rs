//! People who left the team with scorecards still owed.
//!
//! A deactivated interviewer gets no more reminders, and the debrief shows
//! their scorecard as "left" rather than "missing". Their hiring manager is
//! told once, by email through the outbox, which candidates and stages wait
//! for someone else: one email per (person who left, hiring manager), whose
//! idempotency key keeps it to one however often the periodic task runs.
//! Reassigning the stage (from the debrief) takes it off the list.

use std::collections::BTreeMap;

use crate::db::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::reminders::{managers_among, queued_keys, still_in_process};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User};
use crate::db::schema::{candidates, jobs, loops, scorecards, stage_interviewers, stages, users};
use crate::db::write_transaction;
use crate::domain::{CandidateStatus, ScorecardStatus};
use crate::error::AppError;
use crate::mail::{self, NewEmail};
use crate::templates::Templates;

/// person who left (id, name), stage id/title, candidate id/name, job title, manager id
type Owed = (i64, String, i64, String, i64, String, String, Option<i64>);

/// One stage waiting for someone else, as the email lists it.
#[derive(Serialize)]
struct WaitingStage {
    candidate_name: String,
    job_title: String,
    stage_title: String,
    /// The candidate's debrief, where the stage is reassigned.
    link: String,
}

/// What `emails/interviewer_left` shows.
#[derive(Serialize)]
struct LeftEmail<'a> {
    app_name: &'static str,
    recipient_name: &'a str,
    interviewer_name: &'a str,
    stages: Vec<WaitingStage>,
    subject: &'a str,
}

/// Tells each hiring manager, once, of the people who left (deactivated)
/// with scorecards still to give on candidates in process of their jobs.
/// Returns how many emails were queued. A fixed number of queries, then one
/// insert per email.
pub fn tell_hiring_managers(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
) -> Result<usize, AppError> {
    let rows: Vec<Owed> = stage_interviewers::table
        .inner_join(users::table)
        .inner_join(stages::table.inner_join(
            loops::table.inner_join(jobs::table).inner_join(
                candidates::table.on(loops::candidate_id.eq(candidates::id.nullable())),
            ),
        ))
        .left_join(
            scorecards::table.on(scorecards::stage_id
                .eq(stage_interviewers::stage_id)
                .and(scorecards::interviewer_id.eq(stage_interviewers::user_id))),
        )
        .filter(users::active.eq(false))
        .filter(candidates::status.eq_any(CandidateStatus::IN_PROCESS))
        .filter(
            scorecards::status
                .is_null()
                .or(scorecards::status.ne(ScorecardStatus::Submitted)),
        )
        .order((users::id, candidates::name, stages::position))
        .select((
            users::id,
            users::name,
            stages::id,
            stages::title,
            candidates::id,
            candidates::name,
            jobs::title,
            jobs::hiring_manager_id,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let in_process = still_in_process(conn, &rows.iter().map(|r| r.4).collect())?;
    let managers = managers_among(conn, &rows.iter().filter_map(|r| r.7).collect())?;
    // (person who left, manager) → their name and the stages waiting.
    let mut letters: BTreeMap<(i64, i64), (String, Vec<WaitingStage>)> = BTreeMap::new();
    for (left_id, left_name, _, stage_title, candidate_id, candidate_name, job_title, manager) in
        rows
    {
        let Some(manager) = manager.filter(|m| managers.contains_key(m)) else {
            continue;
        };
        if !in_process.contains(&candidate_id) {
            continue;
        }
        letters
            .entry((left_id, manager))
            .or_insert_with(|| (left_name, Vec::new()))
            .1
            .push(WaitingStage {
                candidate_name,
                job_title,
                stage_title,
                link: format!("{public_url}/candidates/{candidate_id}/debrief"),
            });
    }
    let key = |(left, manager): &(i64, i64)| format!("interviewer_left:{left}:{manager}");
    let keys: Vec<String> = letters.keys().map(key).collect();
    let queued = queued_keys(conn, &keys)?;
    let mut count = 0;
    for (pair, (left_name, stages)) in letters {
        let idempotency_key = key(&pair);
        let Some((name, email)) = managers.get(&pair.1) else {
            continue;
        };
        if queued.contains(&idempotency_key) {
            continue;
        }
        let subject = format!("{left_name} has left: scorecards to reassign");
        let (text, html) = templates.render_email(
            "interviewer_left",
            &LeftEmail {
                app_name: "Loopwright",
                recipient_name: name,
                interviewer_name: &left_name,
                stages,
                subject: &subject,
            },
        )?;
        mail::enqueue(
            conn,
            &NewEmail {
                idempotency_key,
                kind: "interviewer_left",
                to_email: email.clone(),
                to_name: name.clone(),
                subject,
                text,
                html,
                attachments: Vec::new(),
                candidate_id: None,
            },
        )?;
        count += 1;
    }
    Ok(count)
}

/// Hands a stage of a candidate's loop from someone who left the team
/// (deactivated, scorecard not given) to `replacement_id`; the stage's other
/// interviewers stay. The change goes through the planner's
/// [`set_interviewers`](crate::loops::edits::set_interviewers), so it asks
/// the policy for `EditLoop`, carries the loop's `version` and is recorded
/// as a revision.
///
/// Errors: 404 if the stage is not on this candidate's loop (or hidden);
/// 422 on `replacement_id` when nobody, someone inactive or someone already
/// on the stage is chosen; 409 when the loop changed since `version`, or
/// the person is no longer on the stage or is active again.
pub fn reassign(
    conn: &mut DbConn,
    actor: &User,
    candidate_id: i64,
    stage_id: i64,
    leaver_id: i64,
    replacement_id: Option<i64>,
    version: i64,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let scope = access::ensure(conn, actor, Action::EditLoop, Target::Stage(stage_id))?;
        if scope.candidate_id != Some(candidate_id) {
            return Err(AppError::NotFound);
        }
        let on_stage: Vec<(i64, String, bool)> = stage_interviewers::table
            .inner_join(users::table)
            .filter(stage_interviewers::stage_id.eq(stage_id))
            .select((users::id, users::name, users::active))
            .load(conn)?;
        match on_stage.iter().find(|(id, ..)| *id == leaver_id) {
            None => {
                return Err(AppError::Conflict(
                    "That person is no longer on this stage: reload the debrief to see who is."
                        .into(),
                ));
            }
            Some((_, name, true)) => {
                return Err(AppError::Conflict(format!(
                    "{name} is an active member of the team again: change the stage's interviewers in the planner."
                )));
            }
            Some(_) => {}
        }
        let submitted: i64 = scorecards::table
            .filter(scorecards::stage_id.eq(stage_id))
            .filter(scorecards::interviewer_id.eq(leaver_id))
            .filter(scorecards::status.eq(ScorecardStatus::Submitted))
            .count()
            .get_result(conn)?;
        if submitted > 0 {
            return Err(AppError::Conflict(
                "That person submitted their scorecard for this stage: nothing is owed.".into(),
            ));
        }
        let Some(replacement) = replacement_id else {
            return Err(AppError::field(
                "replacement_id",
                "Choose who takes this stage over.",
            ));
        };
        if let Some((_, name, _)) = on_stage.iter().find(|(id, ..)| *id == replacement) {
            return Err(AppError::field(
                "replacement_id",
                format!("{name} is on this stage already: choose someone else."),
            ));
        }
        let ids: Vec<i64> = on_stage
            .iter()
            .map(|(id, ..)| *id)
            .filter(|id| *id != leaver_id)
            .chain([replacement])
            .collect();
        crate::loops::edits::set_interviewers(conn, actor, stage_id, version, &ids).map_err(
            |e| match e {
                AppError::Validation { fields, .. } if fields.contains_key("user_ids") => {
                    AppError::field("replacement_id", "Choose an active member of the team.")
                }
                e => e,
            },
        )?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "stage.reassigned",
            ("stage", Some(stage_id)),
            json!({"from": leaver_id, "to": replacement, "candidate_id": candidate_id}),
        )?;
        Ok(())
    })
}
