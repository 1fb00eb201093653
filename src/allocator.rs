//! The allocator: mimalloc, told to give freed memory back at once.
//!
//! Pages allocate many small, short-lived values (query rows, the JSON a
//! template reads, the HTML), and glibc's malloc and free were about a
//! quarter of a page's time under load; mimalloc serves the same pages
//! 30-60 % faster (`docs/performance.md`). Left to its defaults it commits
//! its arenas whole and keeps freed memory for a second (ten for its
//! arenas), which under load took the app's peak RSS to 2-3 × glibc's.
//! Arenas are committed as used by a define in `.cargo/config.toml` (the
//! first arena is reserved before `main`); [`give_memory_back`] ends the
//! delay. The environment's `MIMALLOC_ARENA_EAGER_COMMIT` and
//! `MIMALLOC_PURGE_DELAY`, read when the process starts, still win.

use std::ffi::{c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of the mimalloc that `libmimalloc-sys` builds
/// (`include/mimalloc.h`, version 3); the test below checks it.
const PURGE_DELAY: c_int = 15;

unsafe extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Freed memory is returned to the system at once: a lower peak RSS for
/// a little more work in the allocator. Left as it is when the environment
/// sets it. Idempotent; called when the app is built.
pub fn give_memory_back() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` takes any option and value; mimalloc
        // reads the purge delay at each purge.
        unsafe { mi_option_set(PURGE_DELAY, 0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mi_option_arena_eager_commit`, as [`PURGE_DELAY`].
    const ARENA_EAGER_COMMIT: c_int = 4;

    fn option(option: c_int) -> c_long {
        // SAFETY: reading an option has no preconditions.
        unsafe { mi_option_get(option) }
    }

    #[test]
    fn arenas_are_committed_as_used_and_freed_memory_goes_back_at_once() {
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            assert_eq!(option(ARENA_EAGER_COMMIT), 0, "the build's define");
        }
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // Its documented default (ms) tells the option apart; nothing
            // in the unit tests builds the app, so nothing changed it yet.
            assert_eq!(option(PURGE_DELAY), 1000);
            give_memory_back();
            assert_eq!(option(PURGE_DELAY), 0);
        }
    }
}
