//! The allocator: mimalloc, told to give freed memory back at once.
//!
//! Pages allocate many small, short-lived values (query rows, the JSON a
//! template reads, the HTML), and glibc's malloc and free were about a
//! quarter of a page's time under load; mimalloc serves the same pages
//! 30-60 % faster (`docs/performance.md`). Left to its defaults it keeps
//! freed memory for a second (ten for its arenas) and commits arenas
//! whole, which under load doubled the app's peak RSS; [`give_memory_back`]
//! turns both off, unless the environment sets them (mimalloc reads
//! `MIMALLOC_PURGE_DELAY` and `MIMALLOC_ARENA_EAGER_COMMIT` when the
//! process starts).

use std::ffi::{c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_t` values of the mimalloc that `libmimalloc-sys` builds
/// (`include/mimalloc.h`, version 3); the test below checks them against
/// their documented defaults.
const ARENA_EAGER_COMMIT: c_int = 4;
const PURGE_DELAY: c_int = 15;

unsafe extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// Freed memory is returned to the system at once, and arena memory is
/// committed as it is used: a lower peak RSS for a little more work in
/// the allocator. Options the environment sets are left as they are.
/// Idempotent; called when the app is built.
pub fn give_memory_back() {
    for (option, variable) in [
        (PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
        (ARENA_EAGER_COMMIT, "MIMALLOC_ARENA_EAGER_COMMIT"),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: `mi_option_set` takes any option and value; both
            // options are read by mimalloc at each use.
            unsafe { mi_option_set(option, 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(option: c_int) -> c_long {
        // SAFETY: reading an option has no preconditions.
        unsafe { mi_option_get(option) }
    }

    #[test]
    fn the_options_set_are_the_purge_delay_and_eager_arena_commit() {
        // Their documented defaults (1000 ms; 2, "on where the system
        // overcommits") identify them; nothing in the unit tests builds
        // the app, so nothing has changed them yet.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(option(PURGE_DELAY), 1000);
        }
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            assert_eq!(option(ARENA_EAGER_COMMIT), 2);
        }
        give_memory_back();
        for (o, variable) in [
            (PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
            (ARENA_EAGER_COMMIT, "MIMALLOC_ARENA_EAGER_COMMIT"),
        ] {
            if std::env::var_os(variable).is_none() {
                assert_eq!(option(o), 0, "{variable}");
            }
        }
    }
}
