//! The mail outbox: every email is a row first, then a worker delivers it.
//!
//! Writing the row in the same transaction as the change that causes it means
//! no email is lost when SMTP is down; the unique idempotency key means none is
//! queued twice; claiming rows with a lease (and `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL) means no two workers send the same row.

pub mod worker;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::models::now;
use crate::db::schema::outbox_messages;
use crate::domain::DeliveryStatus;
use crate::metrics::QueueTally;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// Text attachments only (calendar invites): kept as UTF-8.
    pub content: String,
}

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// Unique per logical email: queuing the same key twice queues it once.
    pub idempotency_key: String,
    pub kind: &'static str,
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
    pub candidate_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Serialize)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessage {
    pub id: i64,
    pub idempotency_key: String,
    pub kind: String,
    pub recipient_email: String,
    pub recipient_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attachments: String,
    pub candidate_id: Option<i64>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl OutboxMessage {
    pub fn attachments(&self) -> Vec<Attachment> {
        serde_json::from_str(&self.attachments).unwrap_or_default()
    }
}

/// How long a claimed row is reserved for its sender before it is due again,
/// given the longest a send may take: twice that, so that recording the
/// outcome and a clock running behind in another process fit in the margin.
/// A lease no longer than the send would let a second worker claim the row
/// while the first is still talking to a slow relay: the email goes twice.
pub fn lease_for(send_timeout: std::time::Duration) -> Duration {
    Duration::from_std(send_timeout.saturating_mul(2)).unwrap_or(Duration::hours(1))
}
/// After this long, an email that could not be delivered is marked failed.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);

/// Queues an email (in the caller's transaction) and returns its row id; an
/// email with the same idempotency key is not queued again.
pub fn enqueue(conn: &mut DbConn, email: &NewEmail) -> QueryResult<i64> {
    let existing = outbox_messages::table
        .filter(outbox_messages::idempotency_key.eq(&email.idempotency_key))
        .select(outbox_messages::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let at = now();
    diesel::insert_into(outbox_messages::table)
        .values((
            outbox_messages::idempotency_key.eq(&email.idempotency_key),
            outbox_messages::kind.eq(email.kind),
            outbox_messages::recipient_email.eq(&email.to_email),
            outbox_messages::recipient_name.eq(&email.to_name),
            outbox_messages::subject.eq(&email.subject),
            outbox_messages::text_body.eq(&email.text),
            outbox_messages::html_body.eq(&email.html),
            outbox_messages::attachments
                .eq(serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into())),
            outbox_messages::candidate_id.eq(email.candidate_id),
            outbox_messages::status.eq(DeliveryStatus::Queued),
            outbox_messages::attempts.eq(0),
            outbox_messages::next_attempt_at.eq(at),
            outbox_messages::created_at.eq(at),
        ))
        .returning(outbox_messages::id)
        .get_result(conn)
}

const CLAIM_SQL: &str = "UPDATE outbox_messages \
     SET status = 'sending', attempts = attempts + 1, next_attempt_at = $1 \
     WHERE id IN (SELECT id FROM outbox_messages \
         WHERE status IN ('queued', 'sending') AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3{lock}) \
     RETURNING *";

/// Takes up to `limit` due rows for this worker, leasing them until
/// `at + lease`. A row whose sender died mid-send becomes due again when its
/// lease ends, so the lease must outlast all the work done under it: the
/// worker claims one row per send (see [`lease_for`]).
pub fn claim_due(
    conn: &mut DbConn,
    at: NaiveDateTime,
    limit: i64,
    lease: Duration,
) -> QueryResult<Vec<OutboxMessage>> {
    use diesel::sql_types::{BigInt, Timestamp};
    let lease_until = at + lease;
    match conn {
        DbConn::Postgresql(pg) => {
            diesel::sql_query(CLAIM_SQL.replace("{lock}", " FOR UPDATE SKIP LOCKED"))
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(at)
                .bind::<BigInt, _>(limit)
                .load(pg)
        }
        // SQLite has one writer at a time: the UPDATE itself is the lock.
        DbConn::Sqlite(lite) => diesel::sql_query(CLAIM_SQL.replace("{lock}", ""))
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(at)
            .bind::<BigInt, _>(limit)
            .load(lite),
    }
}

pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((
            outbox_messages::status.eq(DeliveryStatus::Sent),
            outbox_messages::sent_at.eq(Some(at)),
            outbox_messages::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt: due again after a backoff, or failed for good
/// once the email is older than `GIVE_UP_AFTER`. Only while the row is still
/// this attempt's (its lease was not taken over and the row not sent since).
/// Answers whether this attempt gave the email up.
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    message: &OutboxMessage,
    error: &str,
    at: NaiveDateTime,
    retry_base: std::time::Duration,
) -> QueryResult<bool> {
    let next = at + backoff(message.attempts, retry_base);
    let give_up = next - message.created_at > GIVE_UP_AFTER;
    diesel::update(
        outbox_messages::table
            .find(message.id)
            .filter(outbox_messages::status.eq(DeliveryStatus::Sending))
            .filter(outbox_messages::attempts.eq(message.attempts)),
    )
    .set((
        outbox_messages::status.eq(if give_up {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Queued
        }),
        outbox_messages::next_attempt_at.eq(next),
        outbox_messages::last_error.eq(Some(error)),
    ))
    .execute(conn)
    .map(|changed| give_up && changed == 1)
}

/// base, 2×base, 4×base … capped at one hour between attempts.
pub fn backoff(attempts: i64, base: std::time::Duration) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    let millis = (base.as_millis() as i64).saturating_mul(1_i64 << exponent);
    Duration::milliseconds(millis.min(60 * 60 * 1000))
}

/// The row of a logical email, if it was queued.
pub fn find_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<i64>> {
    outbox_messages::table
        .filter(outbox_messages::idempotency_key.eq(key))
        .select(outbox_messages::id)
        .first(conn)
        .optional()
}

/// Every email queued for a candidate, newest first.
pub fn for_candidate(conn: &mut DbConn, candidate_id: i64) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .filter(outbox_messages::candidate_id.eq(candidate_id))
        .order(outbox_messages::id.desc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Every email sent to or queued for one address, newest first.
pub fn for_recipient(conn: &mut DbConn, email: &str) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .filter(outbox_messages::recipient_email.eq(email))
        .order(outbox_messages::id.desc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Counts the outbox by status at `now`: one grouped statement over the
/// `(status, next_attempt_at)` index, never touching sent mail.
pub fn tally(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<QueueTally> {
    use diesel::dsl::{count_star, min};
    let groups: Vec<(DeliveryStatus, i64, Option<NaiveDateTime>)> = outbox_messages::table
        .filter(outbox_messages::status.eq_any(QueueTally::COUNTED))
        .group_by(outbox_messages::status)
        .select((
            outbox_messages::status,
            count_star(),
            min(outbox_messages::created_at),
        ))
        .load(conn)?;
    Ok(QueueTally::of_groups(groups, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = std::time::Duration::from_secs(30);
        assert_eq!(backoff(1, base), Duration::seconds(30));
        assert_eq!(backoff(2, base), Duration::seconds(60));
        assert_eq!(backoff(4, base), Duration::seconds(240));
        assert_eq!(backoff(50, base), Duration::hours(1));
    }
}
