//! Scorecard reminders: an interviewer whose scorecard is still missing a
//! while after their stage ended gets an email, at most once a day, never
//! after submitting; after a longer while their hiring manager hears too.
//! Both go through the outbox; the idempotency key (stage, person, day) is
//! what makes "at most once a day" hold across processes.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConn;
use crate::db::schema::{candidates, jobs, loops, scorecards, stage_interviewers, stages, users};
use crate::domain::{Role, ScorecardStatus};
use crate::error::AppError;
use crate::mail::{self, NewEmail};
use crate::templates::Templates;

#[derive(Debug, Clone, Copy)]
pub struct Delays {
    /// After the stage ends, remind the interviewer.
    pub interviewer: Duration,
    /// After the stage ends, tell the hiring manager too.
    pub hiring_manager: Duration,
}

impl Default for Delays {
    fn default() -> Self {
        Self {
            interviewer: Duration::hours(24),
            hiring_manager: Duration::hours(48),
        }
    }
}

/// stage, title, starts, minutes, interviewer id/name/email, candidate, job title, manager id
type Due = (
    i64,
    String,
    NaiveDateTime,
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
);

/// Queues the reminders due at `now`; returns how many were queued.
pub fn run(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    now: NaiveDateTime,
    delays: Delays,
) -> Result<usize, AppError> {
    let rows: Vec<Due> = stage_interviewers::table
        .inner_join(users::table)
        .inner_join(stages::table.inner_join(
            loops::table.inner_join(jobs::table).inner_join(
                candidates::table.on(loops::candidate_id.eq(candidates::id.nullable())),
            ),
        ))
        .filter(stages::starts_at.is_not_null())
        .filter(users::active.eq(true))
        .select((
            stages::id,
            stages::title,
            stages::starts_at.assume_not_null(),
            stages::duration_minutes,
            users::id,
            users::name,
            users::email,
            candidates::name,
            jobs::title,
            jobs::hiring_manager_id,
        ))
        .load(conn)?;
    let submitted: Vec<(i64, i64)> = scorecards::table
        .filter(scorecards::status.eq(ScorecardStatus::Submitted))
        .select((scorecards::stage_id, scorecards::interviewer_id))
        .load(conn)?;
    // Active people by id, once: a manager's address is looked up per row below.
    let managers: std::collections::HashMap<i64, (String, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::HiringManager, Role::Admin]))
        .select((users::id, users::name, users::email))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, email)| (id, (name, email)))
        .collect();
    let day = now.format("%Y-%m-%d").to_string();
    let mut queued = 0;
    for (
        stage_id,
        stage_title,
        starts,
        minutes,
        user_id,
        user_name,
        user_email,
        candidate,
        job,
        manager,
    ) in rows
    {
        let ended = starts + Duration::minutes(minutes);
        if submitted.contains(&(stage_id, user_id)) || now < ended + delays.interviewer {
            continue;
        }
        let link = format!("{public_url}/stages/{stage_id}/kit");
        let base = json!({
            "app_name": "Loopwright", "candidate_name": candidate, "stage_title": stage_title, "job_title": job,
            "interviewer_name": user_name, "link": link, "hours": (now - ended).num_hours(),
        });
        let mut targets = vec![("reminder", user_email.clone(), user_name.clone(), false)];
        if now >= ended + delays.hiring_manager
            && let Some((name, email)) = manager.and_then(|m| managers.get(&m)).cloned()
        {
            targets.push(("scorecard_escalation", email, name, true));
        }
        for (kind, email, name, escalation) in targets {
            let key = format!("{kind}:{stage_id}:{user_id}:{day}");
            if mail::find_by_key(conn, &key)?.is_some() {
                continue;
            }
            let subject = if escalation {
                format!("Missing scorecard: {user_name} for {candidate}")
            } else {
                format!("Your scorecard for {candidate} is still missing")
            };
            let mut context = base.clone();
            context["recipient_name"] = json!(name);
            context["escalation"] = json!(escalation);
            context["subject"] = json!(subject);
            let (text, html) = templates.render_email("reminder", &context)?;
            mail::enqueue(
                conn,
                &NewEmail {
                    idempotency_key: key,
                    kind: if escalation {
                        "scorecard_escalation"
                    } else {
                        "scorecard_reminder"
                    },
                    to_email: email,
                    to_name: name,
                    subject,
                    text,
                    html,
                    attachments: Vec::new(),
                    candidate_id: None,
                },
            )?;
            queued += 1;
        }
    }
    Ok(queued)
}
