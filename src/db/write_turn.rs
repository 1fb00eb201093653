//! One writer at a time: this process's writers take turns at SQLite's
//! write lock, each woken as the one before it ends.
//!
//! SQLite lets one connection write at a time. A writer that finds the lock
//! taken waits in SQLite's busy handler, which sleeps in steps of 1 to
//! 100 ms and checks again: under load a scorecard save waited up to a third
//! of a second (p99, `docs/performance.md`) for a lock freed within a
//! millisecond or two, and the lock sat idle while its next writer slept.
//! Writers of this process take a turn here first and are woken as soon as
//! the one before them ends. Writers of other processes on the same file
//! still meet the busy timeout, as before. The turns are not a queue in
//! arrival order: a writer arriving as a turn ends may take it before one
//! woken for it, and none waits longer than the busy timeout. They are one
//! for the process, not one per database file: an app has one file (tests
//! that run several apps in one process share the turns, which only
//! orders their writes).

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The turn this process's SQLite writers take.
pub(super) static WRITERS: WriteTurns = WriteTurns::new();

/// Writers taking turns: at most one holds the turn.
pub(super) struct WriteTurns {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// A writer's turn, given back when dropped. `None` inside when the wait
/// ran out: the writer goes on to SQLite's own lock and busy timeout.
pub(super) struct WriteTurn<'t>(Option<&'t WriteTurns>);

impl WriteTurns {
    const fn new() -> Self {
        WriteTurns {
            taken: Mutex::new(false),
            freed: Condvar::new(),
        }
    }

    /// Waits up to `patience` for the turn. A writer that outlasts it (a
    /// writer stuck behind itself, say) is let through without the turn, so
    /// it fails on SQLite's busy timeout as it would have without this
    /// queue, never waits forever.
    pub(super) fn take(&self, patience: Duration) -> WriteTurn<'_> {
        let deadline = Instant::now() + patience;
        // No code but these few lines runs under the lock, so a poisoned
        // lock still holds a true answer.
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while *taken {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return WriteTurn(None);
            }
            taken = self
                .freed
                .wait_timeout(taken, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *taken = true;
        WriteTurn(Some(self))
    }
}

impl WriteTurn<'_> {
    /// Whether this writer holds the turn (false when its wait ran out).
    #[cfg(test)]
    fn held(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for WriteTurn<'_> {
    fn drop(&mut self) {
        if let Some(turns) = self.0 {
            *turns.taken.lock().unwrap_or_else(PoisonError::into_inner) = false;
            turns.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_writer_waits_for_the_turn_and_takes_it_when_it_is_given_back() {
        let turns = WriteTurns::new();
        let first = turns.take(Duration::from_secs(5));
        assert!(first.held());
        std::thread::scope(|s| {
            let (took, taken) = mpsc::channel();
            let turns = &turns;
            s.spawn(move || {
                let second = turns.take(Duration::from_secs(60));
                took.send(second.held()).unwrap();
            });
            // The second writer is still waiting while the first holds it.
            assert!(taken.recv_timeout(Duration::from_millis(100)).is_err());
            drop(first);
            let started = Instant::now();
            assert!(taken.recv().unwrap(), "the second writer took the turn");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "woken when the turn was given back, not at its patience's end"
            );
        });
        assert!(turns.take(Duration::ZERO).held(), "given back again");
    }

    #[test]
    fn a_writer_that_outwaits_its_patience_goes_on_without_the_turn() {
        let turns = WriteTurns::new();
        let first = turns.take(Duration::from_secs(5));
        let started = Instant::now();
        let late = turns.take(Duration::from_millis(30));
        assert!(!late.held());
        assert!(started.elapsed() >= Duration::from_millis(30));
        // Dropping a turn not held leaves the holder's turn alone.
        drop(late);
        assert!(!turns.take(Duration::ZERO).held());
        drop(first);
        assert!(turns.take(Duration::ZERO).held());
    }
}
