//! The events, queued where they happen, in that change's transaction:
//! each body is `{id, event, occurred_at, <resource>}`, the resource as it
//! was when the event happened, and the candidate it concerns as
//! `candidate` (docs/webhooks.md shows each).
//!
//! When no webhook asked for an event, queuing it costs one statement.

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::queue::{enqueue, subscribers};
use super::{Event, TEST_EVENT, WebhookView};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{candidates, decisions, jobs, loops, scorecards, stages, users};
use crate::domain::when::iso;
use crate::mail::OutboxMessage;

/// `{id, event, occurred_at}` and the resource's fields.
fn body(event_key: &str, event: &str, at: NaiveDateTime, resource: Value) -> String {
    let mut body = json!({"id": event_key, "event": event, "occurred_at": iso(at)});
    if let (Some(body), Value::Object(resource)) = (body.as_object_mut(), resource) {
        body.extend(resource);
    }
    body.to_string()
}

/// Queues `event` for the webhooks that asked for it, its resource built
/// only when someone did.
fn queue(
    conn: &mut DbConn,
    event: Event,
    event_key: &str,
    candidate_id: Option<i64>,
    at: NaiveDateTime,
    resource: impl FnOnce(&mut DbConn) -> QueryResult<Value>,
) -> QueryResult<()> {
    let hooks = subscribers(conn, event.name())?;
    if hooks.is_empty() {
        return Ok(());
    }
    let resource = resource(conn)?;
    let text = body(event_key, event.name(), at, resource);
    enqueue(
        conn,
        &hooks,
        event.name(),
        event_key,
        candidate_id,
        &text,
        at,
    )
}

/// The candidate as every body about them shows them.
fn candidate(conn: &mut DbConn, id: i64) -> QueryResult<Value> {
    let (name, email, job_id, job_title, status, created_at): (
        String,
        String,
        i64,
        String,
        String,
        NaiveDateTime,
    ) = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::id.eq(id))
        .select((
            candidates::name,
            candidates::email,
            candidates::job_id,
            jobs::title,
            candidates::status,
            candidates::created_at,
        ))
        .first(conn)?;
    Ok(json!({
        "id": id, "name": name, "email": email, "job_id": job_id, "job_title": job_title,
        "status": status, "created_at": iso(created_at),
    }))
}

/// `candidate.created`: `{candidate}`.
pub fn candidate_created(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    let key = format!("candidate.created:{id}");
    queue(conn, Event::CandidateCreated, &key, Some(id), at, |conn| {
        Ok(json!({"candidate": candidate(conn, id)?}))
    })
}

/// `scorecard.submitted`: `{scorecard: {id, stage_id, stage_title,
/// interviewer, recommendation, summary, ratings, red_flags, submitted_at},
/// candidate}`.
pub fn scorecard_submitted(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    let key = format!("scorecard.submitted:{id}");
    let candidate_id: Option<i64> = scorecards::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(scorecards::id.eq(id))
        .select(loops::candidate_id)
        .first(conn)?;
    queue(
        conn,
        Event::ScorecardSubmitted,
        &key,
        candidate_id,
        at,
        |conn| {
            let (
                stage_id,
                stage_title,
                interviewer_id,
                interviewer,
                recommendation,
                summary,
                submitted,
            ): (
                i64,
                String,
                i64,
                String,
                Option<String>,
                String,
                Option<NaiveDateTime>,
            ) = scorecards::table
                .inner_join(stages::table)
                .inner_join(users::table)
                .filter(scorecards::id.eq(id))
                .select((
                    scorecards::stage_id,
                    stages::title,
                    scorecards::interviewer_id,
                    users::name,
                    scorecards::recommendation,
                    scorecards::summary,
                    scorecards::submitted_at,
                ))
                .first(conn)?;
            let (ratings, flags) = crate::interviews::answers::named_answers(conn, &[id])?;
            let ratings: Vec<Value> = ratings
                .into_iter()
                .map(|r| {
                    json!({"criterion_id": r.criterion_id, "criterion": r.criterion,
                           "rating": r.rating.unwrap_or_else(|| "no_signal".into()), "evidence": r.evidence})
                })
                .collect();
            let flags: Vec<Value> = flags
                .into_iter()
                .map(|f| {
                    json!({"criterion_id": f.criterion_id, "criterion": f.red_flag,
                           "observed": f.observed.unwrap_or(false), "evidence": f.evidence})
                })
                .collect();
            let mut resource = json!({"scorecard": {
                "id": id, "stage_id": stage_id, "stage_title": stage_title, "candidate_id": candidate_id,
                "interviewer": {"id": interviewer_id, "name": interviewer},
                "recommendation": recommendation, "summary": summary,
                "ratings": ratings, "red_flags": flags, "submitted_at": submitted.map(iso),
            }});
            if let Some(cid) = candidate_id {
                resource["candidate"] = candidate(conn, cid)?;
            }
            Ok(resource)
        },
    )
}

/// `decision.recorded`: `{decision: {id, candidate_id, outcome, rationale,
/// criterion_ids, decided_by, created_at}, candidate}`.
pub fn decision_recorded(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    let key = format!("decision.recorded:{id}");
    let candidate_id: i64 = decisions::table
        .find(id)
        .select(decisions::candidate_id)
        .first(conn)?;
    queue(
        conn,
        Event::DecisionRecorded,
        &key,
        Some(candidate_id),
        at,
        |conn| {
            let (outcome, rationale, criterion_ids, decided_by, name, created_at): (
                String,
                String,
                String,
                Option<i64>,
                Option<String>,
                NaiveDateTime,
            ) = decisions::table
                .left_join(users::table)
                .filter(decisions::id.eq(id))
                .select((
                    decisions::outcome,
                    decisions::rationale,
                    decisions::criterion_ids,
                    decisions::decided_by,
                    users::name.nullable(),
                    decisions::created_at,
                ))
                .first(conn)?;
            let criterion_ids: Value = serde_json::from_str(&criterion_ids).unwrap_or(json!([]));
            Ok(json!({
                "decision": {
                    "id": id, "candidate_id": candidate_id, "outcome": outcome, "rationale": rationale,
                    "criterion_ids": criterion_ids,
                    "decided_by": decided_by.map(|uid| json!({"id": uid, "name": name})),
                    "created_at": iso(created_at),
                },
                "candidate": candidate(conn, candidate_id)?,
            }))
        },
    )
}

/// `prep_pack.sent` or `prep_pack.failed`, as the mail worker records the
/// outcome of a prep pack email: `{prep_pack: {outbox_message_id,
/// candidate_id, status, attempts, sent_at, error}, candidate}`.
pub fn prep_pack_outcome(
    conn: &mut DbConn,
    message: &OutboxMessage,
    error: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    if message.kind != "prep_pack" {
        return Ok(());
    }
    let (event, status) = match error {
        None => (Event::PrepPackSent, "sent"),
        Some(_) => (Event::PrepPackFailed, "failed"),
    };
    let key = format!("{}:{}", event.name(), message.id);
    let candidate_id = message.candidate_id;
    queue(conn, event, &key, candidate_id, at, |conn| {
        let mut resource = json!({"prep_pack": {
            "outbox_message_id": message.id, "candidate_id": candidate_id, "status": status,
            "attempts": message.attempts, "sent_at": error.is_none().then(|| iso(at)),
            "error": error,
        }});
        if let Some(cid) = candidate_id {
            resource["candidate"] = candidate(conn, cid)?;
        }
        Ok(resource)
    })
}

/// `webhook.test`: `{webhook: {id, url}, sent_by}`, to `hook` alone;
/// answers the delivery's id.
pub fn test_event(
    conn: &mut DbConn,
    hook: &WebhookView,
    by: &User,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    use crate::db::schema::webhook_deliveries;
    let key = format!("{TEST_EVENT}:{}", crate::auth::token::generate());
    let resource = json!({
        "webhook": {"id": hook.id, "url": hook.url},
        "sent_by": {"id": by.id, "name": by.name},
    });
    let text = body(&key, TEST_EVENT, at, resource);
    enqueue(conn, &[hook.id], TEST_EVENT, &key, None, &text, at)?;
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(hook.id))
        .filter(webhook_deliveries::event_key.eq(&key))
        .select(webhook_deliveries::id)
        .first(conn)
}
