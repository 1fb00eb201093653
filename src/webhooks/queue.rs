//! The webhook outbox: one row per event per webhook, queued in the
//! transaction of the event, claimed with a lease (and `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL) so that no two workers send the same row, and
//! each attempt recorded with its status code.

use crate::db::run_query::on_backend;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhooks};
use crate::domain::DeliveryStatus;
use crate::metrics::QueueTally;

/// After this many failed attempts a delivery is given up (failed).
pub const MAX_ATTEMPTS: i64 = 10;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub event_key: String,
    pub candidate_id: Option<i64>,
    pub body: String,
    pub state: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The webhook outbox by state at `now`, for `/metrics`: one grouped
/// statement over the `(state, next_attempt_at)` index, never touching
/// what was sent.
pub fn tally(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<QueueTally> {
    use diesel::dsl::{count_star, min};
    let groups: Vec<(DeliveryStatus, i64, Option<NaiveDateTime>)> = webhook_deliveries::table
        .filter(webhook_deliveries::state.eq_any(QueueTally::COUNTED))
        .group_by(webhook_deliveries::state)
        .select((
            webhook_deliveries::state,
            count_star(),
            min(webhook_deliveries::created_at),
        ))
        .load(conn)?;
    Ok(QueueTally::of_groups(groups, now))
}

/// The webhooks that asked for `event` (one statement).
pub fn subscribers(conn: &mut DbConn, event: &str) -> QueryResult<Vec<i64>> {
    let all: Vec<(i64, String)> = webhooks::table
        .select((webhooks::id, webhooks::events))
        .order(webhooks::id)
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events)
                .is_ok_and(|names| names.iter().any(|n| n == event))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Queues `body` for each of `webhook_ids` in the caller's transaction. The
/// same `event_key` is queued once per webhook, however often it is asked
/// (a prep pack whose delivery is recorded twice, say).
pub fn enqueue(
    conn: &mut DbConn,
    webhook_ids: &[i64],
    event: &str,
    event_key: &str,
    candidate_id: Option<i64>,
    body: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    for &webhook_id in webhook_ids {
        let values = (
            webhook_deliveries::webhook_id.eq(webhook_id),
            webhook_deliveries::event.eq(event),
            webhook_deliveries::event_key.eq(event_key),
            webhook_deliveries::candidate_id.eq(candidate_id),
            webhook_deliveries::body.eq(body),
            webhook_deliveries::state.eq(DeliveryStatus::Queued),
            webhook_deliveries::attempts.eq(0_i64),
            webhook_deliveries::next_attempt_at.eq(at),
            webhook_deliveries::created_at.eq(at),
        );
        macro_rules! insert {
            ($inner:expr) => {
                diesel::insert_into(webhook_deliveries::table)
                    .values(values)
                    .on_conflict((
                        webhook_deliveries::webhook_id,
                        webhook_deliveries::event_key,
                    ))
                    .do_nothing()
                    .execute($inner)?
            };
        }
        match conn {
            DbConn::Sqlite(inner) => insert!(inner),
            DbConn::Postgresql(inner) => insert!(inner),
        };
    }
    Ok(())
}

const CLAIM_SQL: &str = "UPDATE webhook_deliveries \
     SET state = 'sending', attempts = attempts + 1, next_attempt_at = $1 \
     WHERE id IN (SELECT id FROM webhook_deliveries \
         WHERE state IN ('queued', 'sending') AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT 1{lock}) \
     RETURNING *";

/// Takes the next due delivery for this worker, leased until `at + lease`:
/// one whose sender died mid-send is due again when its lease ends.
pub fn claim_next(
    conn: &mut DbConn,
    at: NaiveDateTime,
    lease: Duration,
) -> QueryResult<Option<Delivery>> {
    use diesel::sql_types::Timestamp;
    let lease_until = at + lease;
    let claimed: Vec<Delivery> = match conn {
        DbConn::Postgresql(pg) => {
            diesel::sql_query(CLAIM_SQL.replace("{lock}", " FOR UPDATE SKIP LOCKED"))
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(at)
                .load(pg)?
        }
        // SQLite has one writer at a time: the UPDATE itself is the lock.
        DbConn::Sqlite(lite) => diesel::sql_query(CLAIM_SQL.replace("{lock}", ""))
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(at)
            .load(lite)?,
    };
    Ok(claimed.into_iter().next())
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's status, if it answered.
    pub status_code: Option<i64>,
    /// `None`: delivered (a 2xx).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// How a delivery stands after [`record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Sent,
    /// Due again after a backoff.
    Retrying,
    /// Given up after [`MAX_ATTEMPTS`].
    GaveUp,
    /// The lease was lost (another worker has the row now) or the webhook
    /// was deleted: the attempt is logged, the row left alone.
    Stale,
}

/// Records an attempt of `delivery` (as it was claimed): sent, due again
/// after `base × 2^(attempts-1)` (at most an hour), or failed for good.
/// Only while the row is still this attempt's.
pub fn record(
    conn: &mut DbConn,
    delivery: &Delivery,
    outcome: &Outcome,
    at: NaiveDateTime,
    retry_base: std::time::Duration,
) -> QueryResult<Recorded> {
    crate::db::write_transaction(conn, |conn| {
        let mine = webhook_deliveries::table
            .find(delivery.id)
            .filter(webhook_deliveries::state.eq(DeliveryStatus::Sending))
            .filter(webhook_deliveries::attempts.eq(delivery.attempts));
        let gave_up = delivery.attempts >= MAX_ATTEMPTS;
        let (state, recorded) = match (&outcome.error, gave_up) {
            (None, _) => (DeliveryStatus::Sent, Recorded::Sent),
            (Some(_), true) => (DeliveryStatus::Failed, Recorded::GaveUp),
            (Some(_), false) => (DeliveryStatus::Queued, Recorded::Retrying),
        };
        let next = at + crate::mail::backoff(delivery.attempts, retry_base);
        let changed = diesel::update(mine)
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::next_attempt_at.eq(next),
                webhook_deliveries::last_status_code.eq(outcome.status_code),
                webhook_deliveries::last_error.eq(outcome.error.as_deref()),
                webhook_deliveries::sent_at.eq((state == DeliveryStatus::Sent).then_some(at)),
            ))
            .execute(conn)?;
        let still_there: bool = diesel::select(diesel::dsl::exists(
            webhook_deliveries::table.find(delivery.id),
        ))
        .get_result(conn)?;
        if still_there {
            diesel::insert_into(webhook_attempts::table)
                .values((
                    webhook_attempts::delivery_id.eq(delivery.id),
                    webhook_attempts::attempt.eq(delivery.attempts),
                    webhook_attempts::status_code.eq(outcome.status_code),
                    webhook_attempts::error.eq(outcome.error.as_deref()),
                    webhook_attempts::duration_ms.eq(outcome.duration_ms),
                    webhook_attempts::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(if changed == 1 {
            recorded
        } else {
            Recorded::Stale
        })
    })
}

/// The text fields of a body that may quote a candidate: blanked when the
/// candidate is erased.
const FREE_TEXT: [&str; 5] = ["summary", "evidence", "rationale", "notes", "error"];

/// Erasure of candidate `id` (in its transaction): the deliveries about
/// them lose the candidate's name and email and every free text
/// (summaries, evidence, rationales, delivery errors); wherever else one of
/// `needles` (their name, their address) was written, it reads
/// [`PLACEHOLDER`](crate::candidates::erasure::PLACEHOLDER). A queued
/// delivery is still sent, scrubbed.
pub fn erase_candidate(conn: &mut DbConn, id: i64, needles: &[&str]) -> QueryResult<()> {
    use crate::candidates::erasure::{PLACEHOLDER, erased_name};
    let needles: Vec<&str> = needles
        .iter()
        .copied()
        .filter(|n| n.trim().chars().count() >= 3)
        .collect();
    let rows: Vec<(i64, Option<i64>, String)> = on_backend!(conn, |conn, Backend| {
        let mut about = webhook_deliveries::table
            .select((
                webhook_deliveries::id,
                webhook_deliveries::candidate_id,
                webhook_deliveries::body,
            ))
            .filter(webhook_deliveries::candidate_id.eq(id))
            .into_boxed::<Backend>();
        for needle in &needles {
            about = about.or_filter(
                webhook_deliveries::body
                    .like(format!("%{}%", escape_like(needle)))
                    .escape('\\'),
            );
        }
        diesel::RunQueryDsl::load(about, conn)
    })?;
    for (delivery_id, candidate_id, body) in rows {
        let scrubbed = match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(mut value) => {
                if candidate_id == Some(id) {
                    blank(&mut value, id, &erased_name(id));
                }
                replace_in(&mut value, &needles, PLACEHOLDER);
                value.to_string()
            }
            Err(_) => needles
                .iter()
                .fold(body, |text, n| text.replace(n, PLACEHOLDER)),
        };
        diesel::update(webhook_deliveries::table.find(delivery_id))
            .set(webhook_deliveries::body.eq(scrubbed))
            .execute(conn)?;
    }
    // Errors quote what the receiver or the network said: rarely a name.
    let theirs: Vec<i64> = webhook_deliveries::table
        .filter(webhook_deliveries::candidate_id.eq(id))
        .select(webhook_deliveries::id)
        .load(conn)?;
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&theirs)))
        .set(webhook_deliveries::last_error.eq(None::<String>))
        .execute(conn)?;
    diesel::update(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(&theirs)))
        .set(webhook_attempts::error.eq(None::<String>))
        .execute(conn)?;
    for needle in &needles {
        let like = format!("%{}%", escape_like(needle));
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::last_error.like(&like).escape('\\')),
        )
        .set(webhook_deliveries::last_error.eq(Some(PLACEHOLDER)))
        .execute(conn)?;
        diesel::update(
            webhook_attempts::table.filter(webhook_attempts::error.like(&like).escape('\\')),
        )
        .set(webhook_attempts::error.eq(Some(PLACEHOLDER)))
        .execute(conn)?;
    }
    Ok(())
}

/// In a body about candidate `id`: their `candidate` object keeps its id,
/// job and status only; free text anywhere is blanked.
fn blank(value: &mut serde_json::Value, id: i64, name: &str) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "candidate" && inner.get("id").and_then(Value::as_i64) == Some(id) {
                    inner["name"] = Value::String(name.to_owned());
                    inner["email"] = Value::String(String::new());
                } else if FREE_TEXT.contains(&key.as_str()) && inner.is_string() {
                    *inner = Value::String(String::new());
                } else {
                    blank(inner, id, name);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| blank(v, id, name)),
        _ => {}
    }
}

/// Every string holding one of `needles` gets `with` in its place.
fn replace_in(value: &mut serde_json::Value, needles: &[&str], with: &str) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            for needle in needles {
                if text.contains(needle) {
                    *text = text.replace(needle, with);
                }
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| replace_in(v, needles, with)),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_in(v, needles, with)),
        _ => {}
    }
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped by `\`.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_erased_candidates_body_keeps_ids_and_loses_their_words() {
        let mut body = json!({
            "event": "scorecard.submitted",
            "candidate": {"id": 7, "name": "Grace Hopper", "email": "g@example.com", "job_id": 2},
            "scorecard": {"summary": "Grace was great", "ratings": [{"criterion_id": 1, "rating": "yes", "evidence": "Grace's cache"}],
                          "interviewer": {"id": 3, "name": "Ada"}}
        });
        blank(&mut body, 7, "Erased candidate 7");
        replace_in(&mut body, &["Grace Hopper"], "[erased]");
        assert_eq!(body["candidate"]["name"], "Erased candidate 7");
        assert_eq!(body["candidate"]["email"], "");
        assert_eq!(body["candidate"]["job_id"], 2);
        assert_eq!(body["scorecard"]["summary"], "");
        assert_eq!(body["scorecard"]["ratings"][0]["evidence"], "");
        assert_eq!(body["scorecard"]["ratings"][0]["rating"], "yes");
        assert_eq!(body["scorecard"]["interviewer"]["name"], "Ada");
    }
}
