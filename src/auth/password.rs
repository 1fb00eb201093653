//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1).
//!
//! A hash costs tens of milliseconds and 19 MiB: callers on the async
//! executor run these functions through [`off_thread`], which puts them on
//! the blocking pool a few at a time.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    // These constants are valid; Params::new only fails on out-of-range values.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How many hashes run at once: one per core. More would not finish sooner,
/// and each holds 19 MiB while it runs.
static SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs `work` (something that hashes or verifies) on the blocking pool once
/// a slot is free. A storm of sign-ins waits here, costing a queued future
/// each, instead of starting a 19 MiB hash each on its own thread.
pub async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, actix_web::error::BlockingError> {
    // The semaphore is never closed, so acquiring only waits.
    let _slot = SLOTS.acquire().await.ok();
    actix_web::web::block(work).await
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[actix_web::test]
    async fn no_more_hashes_run_at_once_than_there_are_slots() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let storm: Vec<_> = (0..32)
            .map(|_| {
                actix_web::rt::spawn(off_thread(|| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in storm {
            assert!(matches!(task.await, Ok(Ok(()))));
        }
        let slots = std::thread::available_parallelism().map_or(2, |n| n.get());
        let most = MOST.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= slots,
            "{most} ran at once, {slots} slots"
        );
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
