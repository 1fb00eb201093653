//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1).
//!
//! A hash costs tens of milliseconds and 19 MiB: callers on the async
//! executor run these functions through the app's [`HashQueue`], which runs
//! them a few at a time on threads of their own, below the pages' priority.

use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;

/// OWASP's argon2id parameters: 19 MiB, two passes, one lane.
fn params() -> Params {
    // These constants are valid; Params::new only fails on out-of-range values.
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Runs `work` with `blocks` blocks of argon2 memory (19 MiB at our
/// parameters), given back to the system when it is done: each hash runs on
/// a thread of its own and the allocator returns freed memory at once, so
/// an idle server holds no hash's memory and a storm at most one per slot.
fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory = vec![Block::default(); blocks];
    work(&mut memory)
}

/// How many hashes run at once: one per core but one, so that a storm of
/// sign-ins leaves a core for every other page. Each holds 19 MiB while it
/// runs.
fn slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// How many may wait per slot before more are turned away at once. A
/// waiting sign-in costs a parked future and its request (a few KiB), so
/// the bound is wide: what turns sign-ins away in a storm is [`MAX_WAIT`].
const WAITING_PER_SLOT: usize = 256;

/// The longest a hash waits for a slot before it is turned away with
/// [`AppError::Busy`]. A storm's sign-ins wait their turn rather than being
/// answered 429 at once: a client that asks again as soon as it is refused
/// (a script, or a storm of them) would otherwise be answered thousands of
/// times a second, each answer a request parsed and written on the cores
/// the pages need. Hashes run at tens of milliseconds alone, and slower
/// below the pages' priority under load, so a few dozen sign-ins at once
/// are all done within this. Shorter than the shutdown's grace
/// (`SHUTDOWN_GRACE`), so a sign-in waiting when the app stops is answered.
pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(8);

/// The app's queue for hashes: at most one running per slot (see
/// [`slots`]), the rest waiting in turn, each at most its `max_wait`
/// ([`MAX_WAIT`]), at most [`WAITING_PER_SLOT`] per slot; those past either
/// bound are turned away with [`AppError::Busy`] (429 with `Retry-After`).
/// A storm of sign-ins waits here, costing a parked future each, instead of
/// starting a 19 MiB hash each on its own thread.
#[derive(Debug)]
pub struct HashQueue {
    slots: usize,
    running: tokio::sync::Semaphore,
    /// Tickets out: hashes waiting for a slot or running.
    in_flight: AtomicUsize,
    max_wait: std::time::Duration,
}

impl Default for HashQueue {
    fn default() -> Self {
        HashQueue::with_slots(slots())
    }
}

impl HashQueue {
    /// A queue running at most `slots` hashes at once, each waiting at most
    /// [`MAX_WAIT`] for its turn.
    pub fn with_slots(slots: usize) -> Self {
        HashQueue::with_limits(slots, MAX_WAIT)
    }

    /// A queue running at most `slots` hashes at once, each waiting at most
    /// `max_wait` for its turn.
    pub fn with_limits(slots: usize, max_wait: std::time::Duration) -> Self {
        HashQueue {
            slots,
            running: tokio::sync::Semaphore::new(slots),
            in_flight: AtomicUsize::new(0),
            max_wait,
        }
    }

    /// Hashes running or waiting for a slot now (for `/metrics`).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// A place in the queue, or [`AppError::Busy`] when it is full. Take it,
    /// and wait for its turn ([`HashTicket::wait_turn`]), before anything
    /// else a hash waits on (a sign-in's attempt is written down before its
    /// password is checked): a request turned away has then done nothing.
    pub fn ticket(&self) -> Result<HashTicket<'_>, AppError> {
        let limit = self.slots * (WAITING_PER_SLOT + 1);
        if self.in_flight.fetch_add(1, Ordering::Relaxed) >= limit {
            self.in_flight.fetch_sub(1, Ordering::Relaxed);
            return Err(AppError::Busy {
                retry_after_secs: 1,
            });
        }
        Ok(HashTicket { queue: self })
    }

    /// Runs `work` (something that hashes or verifies) on a thread of its own
    /// once a slot is free; [`AppError::Busy`] when the queue is full or no
    /// slot came free within its wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        self.ticket()?.wait_turn().await?.run(work).await
    }
}

/// A place in a [`HashQueue`], given back when dropped, even if its request
/// goes away while it waits.
#[derive(Debug)]
pub struct HashTicket<'q> {
    queue: &'q HashQueue,
}

impl<'q> HashTicket<'q> {
    /// Waits for a slot, at most the queue's wait ([`MAX_WAIT`]);
    /// [`AppError::Busy`] past it. The slot is the caller's until the
    /// [`HashSlot`] is dropped or has run its hash.
    pub async fn wait_turn(self) -> Result<HashSlot<'q>, AppError> {
        let waited = self.queue.running.acquire();
        match actix_web::rt::time::timeout(self.queue.max_wait, waited).await {
            Ok(Ok(permit)) => Ok(HashSlot {
                _permit: permit,
                _ticket: self,
            }),
            // Waited too long (or, never, the queue was closed).
            Ok(Err(_)) | Err(_) => Err(AppError::Busy {
                retry_after_secs: 1,
            }),
        }
    }
}

/// A running slot of a [`HashQueue`], held until dropped or until its
/// hash has run.
#[derive(Debug)]
pub struct HashSlot<'q> {
    _permit: tokio::sync::SemaphorePermit<'q>,
    _ticket: HashTicket<'q>,
}

impl HashSlot<'_> {
    /// Runs `work` on a thread of its own that yields the CPU to pages
    /// ([`yield_to_pages`]); [`AppError::Internal`] if the thread cannot
    /// start or `work` panics.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let result = crate::web::on_own_thread("password-hash", move || {
            yield_to_pages();
            work()
        })
        .await;
        drop(self);
        result
    }
}

/// How much lower a hash's thread runs than the pages' (a nice value).
/// At 10 the scheduler gives a busy page thread about ten times its share
/// of a core: during a storm of sign-ins, the pages keep the CPU and the
/// hashes take what is left; on an idle server a hash runs as fast as ever.
const HASH_NICE: i32 = 10;

/// Lowers the calling thread's priority by [`HASH_NICE`]. On Linux the nice
/// value is the thread's own; elsewhere nothing changes.
fn yield_to_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `getpriority` and `setpriority` with `PRIO_PROCESS` and 0
    // read and set the calling thread's nice value on Linux; they take no
    // pointers, and a refusal returns an error leaving the thread as it was.
    unsafe {
        let now = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, now.saturating_add(HASH_NICE).min(19));
    }
}

impl Drop for HashTicket<'_> {
    fn drop(&mut self) {
        self.queue.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`): never the password.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt_bytes = rand::random::<[u8; 16]>();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| anyhow::anyhow!("cannot encode salt: {e}"))?;
    let params = params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |memory| {
        argon2().hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut out, memory)
    })
    .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("cannot encode parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("cannot encode hash: {e}"))?),
    };
    Ok(phc.to_string())
}

/// True when `password` matches `phc` (an argon2 PHC string with its own
/// parameters); a malformed hash never matches.
pub fn verify(phc: &str, password: &str) -> bool {
    let matches = || -> Option<bool> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from)
            .ok()?;
        let expected = parsed.hash?;
        let params = Params::try_from(&parsed).ok()?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        let hasher = Argon2::new(algorithm, version, params.clone());
        with_memory(params.block_count(), |memory| {
            hasher.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        })
        .ok()?;
        // `Output`'s equality takes the same time wherever the bytes differ.
        Some(Output::new(&out).ok()? == expected)
    };
    matches().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_storm_runs_a_hash_per_slot_and_turns_away_what_is_past_the_queue() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        static TURNED_AWAY: AtomicUsize = AtomicUsize::new(0);
        static OPEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        // A wait no loaded test machine reaches: only the queue's length
        // turns hashes away here (the wait has its own test below).
        let queue = std::sync::Arc::new(HashQueue::with_limits(
            2,
            std::time::Duration::from_secs(120),
        ));
        let limit = 2 * (WAITING_PER_SLOT + 1);
        let storm: Vec<_> = (0..limit + 8)
            .map(|_| {
                let queue = queue.clone();
                actix_web::rt::spawn(async move {
                    let result = queue
                        .run(|| {
                            let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                            MOST.fetch_max(now, Ordering::SeqCst);
                            // The first hashes hold their slots until every
                            // request of the storm has its answer or its place.
                            while !OPEN.load(Ordering::SeqCst) {
                                std::thread::sleep(std::time::Duration::from_millis(1));
                            }
                            std::thread::sleep(std::time::Duration::from_millis(2));
                            RUNNING.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await;
                    if result.is_err() {
                        TURNED_AWAY.fetch_add(1, Ordering::SeqCst);
                    }
                    result
                })
            })
            .collect();
        for _ in 0..10_000 {
            if TURNED_AWAY.load(Ordering::SeqCst) == 8 && queue.in_flight() == limit {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert_eq!(queue.in_flight(), limit, "the queue holds {limit}");
        OPEN.store(true, Ordering::SeqCst);
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
        assert!((1..=2).contains(&most), "{most} ran at once, 2 slots");
        assert_eq!((ran, busy), (limit, 8), "the queue holds {limit}");
        assert_eq!(queue.in_flight(), 0);
    }

    #[actix_web::test]
    async fn a_hash_that_waits_past_the_queues_wait_is_turned_away() {
        let queue = std::sync::Arc::new(HashQueue::with_limits(
            1,
            std::time::Duration::from_millis(50),
        ));
        let (started, release) = std::sync::mpsc::channel::<()>();
        let (finish, finished) = std::sync::mpsc::channel::<()>();
        let holder = {
            let queue = queue.clone();
            actix_web::rt::spawn(async move {
                queue
                    .run(move || {
                        let _ = started.send(());
                        let _ = finished.recv_timeout(std::time::Duration::from_secs(5));
                    })
                    .await
            })
        };
        actix_web::rt::task::spawn_blocking(move || release.recv())
            .await
            .unwrap()
            .unwrap();
        let waited = std::time::Instant::now();
        let turned_away = queue.run(|| ()).await;
        assert!(
            matches!(
                turned_away,
                Err(AppError::Busy {
                    retry_after_secs: 1
                })
            ),
            "{turned_away:?}"
        );
        assert!(waited.elapsed() >= std::time::Duration::from_millis(50));
        assert_eq!(queue.in_flight(), 1, "the waiting one gave its place back");
        finish.send(()).unwrap();
        holder.await.unwrap().unwrap();
        assert_eq!(
            queue.run(|| 7).await.unwrap(),
            7,
            "a free slot runs at once"
        );
    }

    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn a_hash_runs_below_the_pages_priority() {
        // SAFETY: reads the calling thread's nice value; no pointers.
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let pages = nice();
        let hash = HashQueue::with_slots(1).run(nice).await.unwrap();
        assert_eq!(hash, (pages + HASH_NICE).min(19));
        assert_eq!(nice(), pages, "the caller's thread keeps its priority");
    }

    #[test]
    fn a_ticket_holds_its_place_until_dropped() {
        let queue = HashQueue::with_slots(1);
        let tickets: Vec<_> = std::iter::from_fn(|| queue.ticket().ok()).collect();
        assert_eq!(tickets.len(), WAITING_PER_SLOT + 1);
        assert!(matches!(queue.ticket(), Err(AppError::Busy { .. })));
        drop(tickets);
        assert_eq!(queue.in_flight(), 0);
        assert!(queue.ticket().is_ok());
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

    /// Hashes made by the argon2 crate's own hasher verify, and ours verify
    /// with its verifier.
    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = argon2()
            .hash_password(b"tr0ub4dor&3", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&theirs, "tr0ub4dor&3"));
        assert!(!verify(&theirs, "tr0ub4dor&4"));
        let ours = hash("tr0ub4dor&3").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().verify_password(b"tr0ub4dor&3", &parsed).is_ok());
        // Other parameters (a cheaper hash from elsewhere) verify too.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw", &salt)
        .unwrap()
        .to_string();
        assert!(verify(&cheap, "pw"));
    }
}
