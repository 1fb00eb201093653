//! Password-reset requests: answered at once, the same way for every
//! address, and handled afterwards.
//!
//! Whether an address has an account must show neither in the answer nor in
//! how long it takes. So the request only writes a row, the same row for
//! every address, and a background task (off the request path, on the
//! background pool) looks the address up and queues the email through the
//! outbox. The rows are also what the request limits count, per email and
//! per client address, so that nobody can flood an inbox.

use std::sync::LazyLock;
use std::time::Duration as StdDuration;

use crate::db::prelude::*;
use actix_web::web;
use chrono::{Duration, NaiveDateTime};
use tokio::sync::Notify;

use super::accounts;
use super::throttle::{self, Limit};
use crate::db::schema::password_reset_requests;
use crate::db::{DbConn, DbPool};
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::templates::Templates;
use crate::web::AppState;

/// Requests for one email, from anywhere.
pub const PER_EMAIL: Limit = Limit {
    max: 3,
    window: Duration::hours(1),
};

/// Requests from one address, for any emails.
pub const PER_ADDRESS: Limit = Limit {
    max: 10,
    window: Duration::hours(1),
};

/// A request left unhandled this long (its process stopped) is dropped
/// rather than answered late; whoever asked will have asked again.
const STALE_AFTER: Duration = Duration::minutes(15);

/// Requests handled per look, before the task looks again.
const BATCH: i64 = 20;

/// Wakes the background task of every app in this process; each then looks
/// in its own database.
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Records a request for `email` from `ip` unless a limit is reached, in
/// which case nothing is written and the answer is the seconds to wait.
/// Does the same work whether or not the email has an account.
pub fn record(
    conn: &mut DbConn,
    email: &EmailAddress,
    ip: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    crate::db::write_transaction(conn, |conn| {
        throttle::lock(conn, "password_reset_requests")?;
        let by_email: Vec<NaiveDateTime> = password_reset_requests::table
            .filter(password_reset_requests::email.eq(email.as_str()))
            .filter(password_reset_requests::created_at.gt(at - PER_EMAIL.window))
            .order(password_reset_requests::created_at.desc())
            .limit(PER_EMAIL.max)
            .select(password_reset_requests::created_at)
            .load(conn)?;
        let by_address: Vec<NaiveDateTime> = password_reset_requests::table
            .filter(password_reset_requests::ip.eq(ip))
            .filter(password_reset_requests::created_at.gt(at - PER_ADDRESS.window))
            .order(password_reset_requests::created_at.desc())
            .limit(PER_ADDRESS.max)
            .select(password_reset_requests::created_at)
            .load(conn)?;
        let retry_after = throttle::wait(&by_email, PER_EMAIL, at)
            .into_iter()
            .chain(throttle::wait(&by_address, PER_ADDRESS, at))
            .max();
        if retry_after.is_none() {
            diesel::insert_into(password_reset_requests::table)
                .values((
                    password_reset_requests::email.eq(email.as_str()),
                    password_reset_requests::ip.eq(ip),
                    password_reset_requests::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(retry_after)
    })
}

/// Tells the background task that a request is waiting.
pub fn wake() {
    WAKE.notify_waiters();
}

/// Handles waiting requests: each is claimed once (whichever process gets
/// it first) and, if its email has an active account, gets a reset link
/// queued in the outbox in the same transaction. Returns how many emails
/// were queued.
pub fn handle_pending(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let pending: Vec<(i64, String, NaiveDateTime)> = password_reset_requests::table
        .filter(password_reset_requests::handled_at.is_null())
        .order(password_reset_requests::id)
        .limit(BATCH)
        .select((
            password_reset_requests::id,
            password_reset_requests::email,
            password_reset_requests::created_at,
        ))
        .load(conn)?;
    let mut queued = 0;
    for (id, email, created_at) in pending {
        queued += crate::db::write_transaction(conn, |conn| {
            let claimed = diesel::update(
                password_reset_requests::table
                    .find(id)
                    .filter(password_reset_requests::handled_at.is_null()),
            )
            .set(password_reset_requests::handled_at.eq(at))
            .execute(conn)?
                == 1;
            let Ok(email) = EmailAddress::parse(&email) else {
                return Ok::<_, AppError>(0);
            };
            if !claimed || created_at < at - STALE_AFTER {
                return Ok(0);
            }
            let sent = accounts::request_password_reset(conn, templates, public_url, &email)?;
            Ok(usize::from(sent))
        })?;
    }
    Ok(queued)
}

/// Handles requests as they come (woken by [`wake`], or every
/// `mail_poll_every` for those another process recorded), then wakes the
/// outbox worker. Runs until the process stops.
pub async fn run(state: web::Data<AppState>, pool: DbPool) {
    loop {
        // Listening before looking: a request recorded while this looks is
        // not missed.
        let woken = WAKE.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let (st, pool) = (state.clone(), pool.clone());
        let handled = web::block(move || {
            let mut conn = pool.get()?;
            handle_pending(
                &mut conn,
                &st.templates,
                &st.public_url,
                crate::db::models::now(),
            )
        })
        .await;
        match handled {
            Ok(Ok(0)) => {}
            Ok(Ok(_)) => state.mail_wake.notify_one(),
            Ok(Err(e)) => tracing::warn!(error = %e, "password resets: could not handle requests"),
            Err(e) => tracing::warn!(error = %e, "password resets: could not handle requests"),
        }
        let poll: StdDuration = state.config.mail_poll_every;
        tokio::select! {
            _ = &mut woken => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}
