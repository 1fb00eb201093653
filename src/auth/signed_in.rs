//! The people signed in lately, kept in memory, so that a request does not
//! make a trip to the blocking pool only to load who is asking.
//!
//! How a request's person stays right:
//! - The current-user extractor takes a known person from here (no trip)
//!   and leaves them to be confirmed; one not known is loaded as before,
//!   in a trip of its own, and kept.
//! - The request's first trip to the database ([`crate::web::db`]) loads
//!   the person's row again, in that same trip, before the handler's work
//!   ([`SignedInPeople::confirm`]). If the row changed (deactivated, signed
//!   out everywhere, a new role, name, email or time zone), the work is not
//!   done: 401 when the session is over, 409 otherwise, and the person is
//!   forgotten so that the next request loads them afresh.
//! - A change written in this process forgets the person as it is written
//!   ([`changed`]), so the next request loads them; the confirmation covers
//!   changes made by another process (several app processes on PostgreSQL,
//!   or the command line).
//! - A request that reads nothing from the database (`GET /api/v1/me`, a
//!   blank form) is not confirmed: it may show a change made by another
//!   process up to [`FRESH_FOR`] late.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::db::DbConn;
use crate::db::models::User;
use crate::error::AppError;

/// How long a person is taken from memory before they are loaded again.
pub const FRESH_FOR: Duration = Duration::from_secs(30);

/// Why a request read with a person's old role, name or zone was not done.
pub const ACCOUNT_CHANGED: &str = "Your account changed while this was on its way (a new role, name, email or time zone), so nothing was done. Reload the page, or send it again.";

/// At most this many people are kept; past it, the oldest half goes.
const MOST: usize = 4096;

/// The people signed in lately, by id, with when each was loaded.
#[derive(Default)]
pub struct SignedInPeople {
    known: Mutex<HashMap<i64, (User, Instant)>>,
}

impl SignedInPeople {
    /// The person `id` if loaded less than [`FRESH_FOR`] ago.
    pub fn get(&self, id: i64) -> Option<User> {
        let known = self.known.lock().ok()?;
        let (user, at) = known.get(&id)?;
        (at.elapsed() < FRESH_FOR).then(|| user.clone())
    }

    /// Keeps `user`, just loaded.
    pub fn keep(&self, user: &User) {
        let Ok(mut known) = self.known.lock() else {
            return;
        };
        if known.len() >= MOST {
            let mut by_age: Vec<(Instant, i64)> =
                known.iter().map(|(id, (_, at))| (*at, *id)).collect();
            by_age.sort_unstable();
            for (_, id) in by_age.into_iter().take(MOST / 2) {
                known.remove(&id);
            }
        }
        known.insert(user.id, (user.clone(), Instant::now()));
    }

    /// Forgets the person `id`: the next request loads them.
    pub fn forget(&self, id: i64) {
        if let Ok(mut known) = self.known.lock() {
            known.remove(&id);
        }
    }

    /// Loads `known`'s row again and answers whether the request may go on
    /// as them: `Unauthorized` when they were deactivated or signed out
    /// everywhere, `Conflict` when their role, name, email or time zone
    /// changed (the request was read with the old ones). Either way
    /// they are forgotten. One statement, in the caller's trip.
    pub fn confirm(&self, conn: &mut DbConn, known: &User) -> Result<(), AppError> {
        let now = User::find(conn, known.id)?;
        let refusal = match now {
            Some(now) if same_person(&now, known) => return Ok(()),
            Some(now) if now.active && now.token_version == known.token_version => {
                AppError::Conflict(ACCOUNT_CHANGED.into())
            }
            _ => AppError::Unauthorized,
        };
        self.forget(known.id);
        Err(refusal)
    }
}

/// Whether a request read as `known` is still right for `now`.
fn same_person(now: &User, known: &User) -> bool {
    now.active == known.active
        && now.token_version == known.token_version
        && now.role == known.role
        && now.name == known.name
        && now.email == known.email
        && now.time_zone == known.time_zone
}

tokio::task_local! {
    /// The person the request's extractor took from memory, until its first
    /// trip to the database confirms them.
    static TO_CONFIRM: RefCell<Option<User>>;
}

/// Middleware: holds, for as long as the request runs, the person its first
/// database trip must confirm.
pub async fn scope(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    TO_CONFIRM.scope(RefCell::new(None), next.call(req)).await
}

/// The extractor took `user` from memory: the request's first trip to the
/// database confirms them. Outside a request it does nothing.
pub(crate) fn confirm_later(user: &User) {
    let _ = TO_CONFIRM.try_with(|to_confirm| *to_confirm.borrow_mut() = Some(user.clone()));
}

/// The person this request's trip must confirm, once: later trips of the
/// same request do not confirm again.
pub(crate) fn take_to_confirm() -> Option<User> {
    TO_CONFIRM
        .try_with(|to_confirm| to_confirm.borrow_mut().take())
        .ok()
        .flatten()
}

thread_local! {
    /// The people whose row a trip on this thread changed.
    static CHANGED: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

/// The row of person `id` is being changed: they are forgotten when the
/// trip that changes it ends (after its transaction), so that no request
/// reads them from memory again. Called where `users` rows are written.
pub fn changed(id: i64) {
    CHANGED.with(|changed| changed.borrow_mut().push(id));
}

/// Runs `work` (a trip's work, on the blocking thread), then forgets the
/// people it changed.
pub(crate) fn forgetting_changes<T>(people: &SignedInPeople, work: impl FnOnce() -> T) -> T {
    CHANGED.with(|changed| changed.borrow_mut().clear());
    let answer = work();
    let ids = CHANGED.with(|changed| std::mem::take(&mut *changed.borrow_mut()));
    for id in ids {
        people.forget(id);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64) -> User {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap();
        User {
            id,
            email: format!("p{id}@example.com"),
            name: format!("Person {id}"),
            role: "interviewer".into(),
            password_hash: None,
            active: true,
            token_version: 0,
            created_at: at,
            updated_at: at,
            time_zone: None,
        }
    }

    #[test]
    fn a_kept_person_is_known_until_forgotten_or_their_change_ends() {
        let people = SignedInPeople::default();
        assert!(people.get(1).is_none());
        people.keep(&person(1));
        people.keep(&person(2));
        assert_eq!(people.get(1).map(|u| u.name), Some("Person 1".into()));
        people.forget(1);
        assert!(people.get(1).is_none());
        forgetting_changes(&people, || changed(2));
        assert!(people.get(2).is_none(), "a changed row is forgotten");
    }

    #[test]
    fn past_the_limit_the_oldest_half_goes() {
        let people = SignedInPeople::default();
        for id in 0..MOST as i64 {
            people.keep(&person(id));
        }
        people.keep(&person(-1));
        assert!(people.get(-1).is_some());
        assert!(people.get(0).is_none(), "the oldest went");
        assert!(people.get(MOST as i64 - 1).is_some(), "the newest stayed");
    }

    #[test]
    fn a_new_role_or_zone_is_another_person_a_new_password_is_not() {
        let known = person(1);
        let mut now = person(1);
        now.password_hash = Some("$argon2id$…".into());
        assert!(same_person(&now, &known));
        now.role = "admin".into();
        assert!(!same_person(&now, &known));
        let mut zoned = person(1);
        zoned.time_zone = Some("Europe/Paris".into());
        assert!(!same_person(&zoned, &known));
    }
}
