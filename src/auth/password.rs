//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1).
//!
//! A hash costs tens of milliseconds and 19 MiB: callers on the async
//! executor run these functions through [`off_thread`], which puts them on
//! the blocking pool a few at a time.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

fn argon2() -> Argon2<'static> {
    // These constants are valid; Params::new only fails on out-of-range values.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How many hashes run at once: one per core but one, so that a storm of
/// sign-ins leaves a core for every other page. Each holds 19 MiB while it
/// runs.
fn slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

static SLOTS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(slots()));

/// Hashes waiting for a slot or running.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// How many may wait per slot before more are turned away: at 25-40 ms a
/// hash, the last in line waits about a second.
const WAITING_PER_SLOT: usize = 32;

/// Hashes running or waiting for a slot now (for `/metrics`).
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Relaxed)
}

/// Counts a hash in flight until dropped, even if its request goes away.
struct InFlight;

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `work` (something that hashes or verifies) on the blocking pool once
/// a slot is free. A storm of sign-ins waits here, costing a queued future
/// each, instead of starting a 19 MiB hash each on its own thread; past
/// [`WAITING_PER_SLOT`] per slot the rest get [`AppError::Busy`] (429 with
/// `Retry-After`).
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let limit = slots() * (WAITING_PER_SLOT + 1);
    if IN_FLIGHT.fetch_add(1, Ordering::Relaxed) >= limit {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
        return Err(AppError::Busy {
            retry_after_secs: 1,
        });
    }
    let _counted = InFlight;
    // The semaphore is never closed, so acquiring only waits.
    let _slot = SLOTS.acquire().await.ok();
    Ok(actix_web::web::block(work).await?)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`): never the password.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("cannot encode salt: {e}"))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// True when `password` matches `phc`; a malformed hash never matches.
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test for the whole gate: its counters are the process's.
    #[actix_web::test]
    async fn a_storm_runs_a_hash_per_slot_and_turns_away_what_is_past_the_queue() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let limit = slots() * (WAITING_PER_SLOT + 1);
        let storm: Vec<_> = (0..limit + 8)
            .map(|_| {
                actix_web::rt::spawn(off_thread(|| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        let (mut ran, mut busy) = (0, 0);
        for task in storm {
            match task.await {
                Ok(Ok(())) => ran += 1,
                Ok(Err(AppError::Busy { retry_after_secs })) => {
                    assert_eq!(retry_after_secs, 1);
                    busy += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let most = MOST.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= slots(),
            "{most} ran at once, {} slots",
            slots()
        );
        assert_eq!((ran, busy), (limit, 8), "the queue holds {limit}");
        assert_eq!(in_flight(), 0);
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify(&phc, "correct horse battery staple"));
        assert!(!verify(&phc, "correct horse battery stapler"));
        assert!(!verify("not a hash", "anything"));
    }
}
