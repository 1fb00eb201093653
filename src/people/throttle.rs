//! Throttling of sign-in guesses, counted in the database so that every app
//! process sees the same count.
//!
//! An attempt is written down *before* its password is checked, in the same
//! transaction that counts the recent ones, and only once its write lock is
//! held: SQLite's `BEGIN IMMEDIATE` and, on PostgreSQL, a table lock that
//! conflicts with itself. So however many guesses arrive at once, at most the
//! limit of them reach the password check. A success removes the attempts of
//! its account from its address; a failure stays as a row until its window
//! has passed.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConn;
use crate::db::models::{AuditEvent, User};
use crate::db::schema::sign_in_failures;

/// At most `max` events in any `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window: Duration,
}

/// Guesses at one account, from anywhere.
pub const PER_ACCOUNT: Limit = Limit {
    max: 5,
    window: Duration::minutes(15),
};

/// Guesses from one address, at any accounts. Higher than per account, so a
/// team behind one office address is not locked out by one person's typos.
pub const PER_ADDRESS: Limit = Limit {
    max: 20,
    window: Duration::minutes(15),
};

/// Seconds until `limit` allows one more event, given the times of the
/// newest events (newest first, at most `limit.max` of them, all within the
/// window); `None` when there is room now. The wait ends when the oldest of
/// those leaves the window; it is at least one second.
pub fn wait(newest_first: &[NaiveDateTime], limit: Limit, at: NaiveDateTime) -> Option<u64> {
    if (newest_first.len() as i64) < limit.max {
        return None;
    }
    let oldest = newest_first.last()?;
    Some((*oldest + limit.window - at).num_seconds().max(1) as u64)
}

/// Inside a write transaction: holds `table`'s write lock until it ends, so
/// that counting and inserting cannot interleave between processes. SQLite's
/// write transaction holds the database's lock already.
pub fn lock(conn: &mut DbConn, table: &'static str) -> QueryResult<()> {
    match conn {
        // SHARE ROW EXCLUSIVE conflicts with itself and with writes, not
        // with plain reads.
        DbConn::Postgresql(pg) => {
            diesel::sql_query(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                .execute(pg)
                .map(|_| ())
        }
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// What a sign-in attempt needs from the database before the hash is checked.
pub struct SignInLookup {
    pub user: Option<User>,
    /// Seconds to wait when the account or the address is throttled; the
    /// attempt was then not recorded and its password must not be checked.
    pub retry_after: Option<u64>,
}

/// Counts the recent failures of `email` (from anywhere) and of `ip` (at any
/// account) and, when both are under their limits, records this attempt as
/// a failure until [`finish_sign_in`] says otherwise. `email` is the key of
/// `accounts::sign_in_key`, `ip` the client's address.
pub fn begin_sign_in(
    conn: &mut DbConn,
    email: &str,
    ip: &str,
    at: NaiveDateTime,
) -> QueryResult<SignInLookup> {
    crate::db::write_transaction(conn, |conn| {
        lock(conn, "sign_in_failures")?;
        let by_account: Vec<NaiveDateTime> = sign_in_failures::table
            .filter(sign_in_failures::email.eq(email))
            .filter(sign_in_failures::created_at.gt(at - PER_ACCOUNT.window))
            .order(sign_in_failures::created_at.desc())
            .limit(PER_ACCOUNT.max)
            .select(sign_in_failures::created_at)
            .load(conn)?;
        let by_address: Vec<NaiveDateTime> = sign_in_failures::table
            .filter(sign_in_failures::ip.eq(ip))
            .filter(sign_in_failures::created_at.gt(at - PER_ADDRESS.window))
            .order(sign_in_failures::created_at.desc())
            .limit(PER_ADDRESS.max)
            .select(sign_in_failures::created_at)
            .load(conn)?;
        let retry_after = wait(&by_account, PER_ACCOUNT, at)
            .into_iter()
            .chain(wait(&by_address, PER_ADDRESS, at))
            .max();
        if retry_after.is_none() {
            diesel::insert_into(sign_in_failures::table)
                .values((
                    sign_in_failures::email.eq(email),
                    sign_in_failures::ip.eq(ip),
                    sign_in_failures::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(SignInLookup {
            user: User::find_by_email(conn, email)?,
            retry_after,
        })
    })
}

/// Records how a checked attempt ended: a success clears the failures of
/// this account from this address (this attempt's among them); a failure
/// keeps the row [`begin_sign_in`] wrote. Both are audited.
pub fn finish_sign_in(
    conn: &mut DbConn,
    email: &str,
    ip: &str,
    user: Option<&User>,
    succeeded: bool,
) -> QueryResult<()> {
    if succeeded {
        diesel::delete(
            sign_in_failures::table
                .filter(sign_in_failures::email.eq(email))
                .filter(sign_in_failures::ip.eq(ip)),
        )
        .execute(conn)?;
    }
    let action = if succeeded {
        "sign_in.succeeded"
    } else {
        "sign_in.failed"
    };
    AuditEvent::record(
        conn,
        user.map(|u| u.id),
        action,
        ("user", user.map(|u| u.id)),
        json!({"email": email, "ip": ip}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_ends_when_the_oldest_counted_event_leaves_the_window() {
        let at = NaiveDateTime::default() + Duration::hours(1);
        let limit = Limit {
            max: 3,
            window: Duration::minutes(15),
        };
        let times = [at, at - Duration::minutes(1), at - Duration::minutes(10)];
        assert_eq!(wait(&times[..2], limit, at), None);
        assert_eq!(wait(&times, limit, at), Some(5 * 60));
        let just_leaving = [at, at, at - Duration::minutes(15)];
        assert_eq!(wait(&just_leaving, limit, at), Some(1));
    }
}
