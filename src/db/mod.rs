//! Storage: one set of diesel queries for SQLite and PostgreSQL.
//!
//! `DbConn` is a `MultiConnection` over both backends; the pool opens the one
//! the URL names (never guessing by trying each), sets SQLite's PRAGMAs on every
//! new connection and counts statements for query-count tests. Queries run
//! on the connection underneath through [`prelude`] ([`run_query`]).

pub mod enums;
pub mod id_list;
pub mod models;
pub mod run_query;
pub mod schema;
mod statistics;
pub use statistics::{BULK_ROWS, refresh_statistics, refresh_statistics_after};
mod webhook_schema;
mod write_turn;

/// diesel's prelude with [`RunQueryDsl`](run_query::RunQueryDsl) in place
/// of diesel's: queries run on the connection underneath [`DbConn`]
/// (see [`run_query`]). Modules import this, not diesel's, unless most of
/// their queries are typed for one backend (boxed, `as_select()`, or run
/// on a concrete connection).
pub mod prelude {
    pub use super::run_query::RunQueryDsl;
    pub use diesel::prelude::*;
}

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::result::DatabaseErrorKind;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// `INSERT INTO $table VALUES (…), (…), …`: all of `$rows` (a `Vec` of
/// tuples of `column.eq(value)`) in one statement, on either backend. The
/// multi-backend connection cannot batch inserts itself, so this runs the
/// same insert on the concrete connection. An empty `$rows` runs nothing.
/// Evaluates to `QueryResult<usize>` (rows inserted).
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            Ok(0)
        } else {
            match $conn {
                $crate::db::DbConn::Sqlite(c) => {
                    diesel::RunQueryDsl::execute(diesel::insert_into($table).values(rows), c)
                }
                $crate::db::DbConn::Postgresql(c) => {
                    diesel::RunQueryDsl::execute(diesel::insert_into($table).values(rows), c)
                }
            }
        }
    }};
}

/// [`insert_rows!`] that writes over a row whose `$key` (a tuple of the
/// columns of a unique key) is taken: `INSERT … ON CONFLICT ($key) DO
/// UPDATE SET $set`, `$set` naming the new values as
/// `diesel::upsert::excluded(column)`. One statement for any number of
/// rows; none for none. Evaluates to `QueryResult<usize>`.
#[macro_export]
macro_rules! upsert_rows {
    ($conn:expr, $table:expr, $rows:expr, $key:expr, $set:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            Ok(0)
        } else {
            match $conn {
                $crate::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::execute(
                    diesel::insert_into($table)
                        .values(rows)
                        .on_conflict($key)
                        .do_update()
                        .set($set),
                    c,
                ),
                $crate::db::DbConn::Postgresql(c) => diesel::RunQueryDsl::execute(
                    diesel::insert_into($table)
                        .values(rows)
                        .on_conflict($key)
                        .do_update()
                        .set($set),
                    c,
                ),
            }
        }
    }};
}

diesel::define_sql_function! {
    /// SQL's `lower(text)`: case folding in the database (ASCII only on SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` with LIKE's wildcards (`%`, `_`) and the escape character `\`
/// escaped, for `LIKE … ESCAPE '\'`: what a person types matches itself.
pub fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledConn = PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a writer waits for SQLite's write lock: the PRAGMA's figure
/// below (a test checks they agree).
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// The busy timeout comes first so that even switching to WAL waits for a
/// lock instead of failing at once; WAL lets readers run beside the writer.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL;";

/// How many SQL statements the pool's connections have started. Tests read it
/// around a request to prove a page's query count is bounded.
#[derive(Clone, Debug, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Each connection's instrumentation: it tallies statements, and keeps what
/// the pool needs to hand a PostgreSQL connection out without asking the
/// server first.
struct CountQueries {
    counter: QueryCounter,
    /// When the server last answered on this connection.
    last_answer: Option<Instant>,
    /// The server closed it, or it could not be written to: the pool drops it
    /// when it comes back.
    lost: bool,
    /// The pool's count of lost connections when this one last answered.
    losses_seen: u64,
}

/// A PostgreSQL connection that answered this recently is handed out as it
/// is; one idle for longer is asked `SELECT 1` first, since servers,
/// proxies and restarts close idle connections.
const TRUSTED_FOR: Duration = Duration::from_secs(10);

impl CountQueries {
    fn new(counter: QueryCounter) -> Self {
        Self {
            counter,
            last_answer: None,
            lost: false,
            losses_seen: 0,
        }
    }

    /// Whether the connection may be used without a probe: it answered
    /// within [`TRUSTED_FOR`] of `now`, and no pooled connection has been
    /// lost since (a lost one means the server may have closed them all).
    fn trusted(&self, now: Instant, losses: u64) -> bool {
        self.losses_seen == losses
            && self
                .last_answer
                .is_some_and(|at| now.saturating_duration_since(at) < TRUSTED_FOR)
    }
}

thread_local! {
    static ON_THIS_THREAD: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Statements started on this thread so far: the difference around a piece
/// of work is what it ran (a request's database work runs on one thread).
pub fn statements_on_this_thread() -> u64 {
    ON_THIS_THREAD.with(std::cell::Cell::get)
}

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.counter.0.fetch_add(1, Ordering::Relaxed);
                ON_THIS_THREAD.with(|n| n.set(n.get() + 1));
                tracing::trace!(target: "loopwright::sql", %query);
            }
            InstrumentationEvent::FinishQuery { error, .. } => match error {
                Some(diesel::result::Error::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _,
                )) => self.lost = true,
                _ => self.last_answer = Some(Instant::now()),
            },
            _ => {}
        }
    }
}

#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    counter: QueryCounter,
    /// Connections found lost so far: each pooled connection is asked again
    /// after a loss.
    losses: AtomicU64,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl, counter: QueryCounter) -> Self {
        Self {
            url,
            counter,
            losses: AtomicU64::new(0),
        }
    }
}

fn connection_state(conn: &mut DbConn) -> Option<&mut CountQueries> {
    conn.instrumentation().downcast_mut::<CountQueries>()
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => DbConn::Postgresql(
                diesel::PgConnection::establish(url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?,
            ),
            DatabaseUrl::Sqlite(path) => {
                configure_sqlite();
                let path = path.to_string_lossy();
                let mut conn = diesel::SqliteConnection::establish(&path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                DbConn::Sqlite(conn)
            }
        };
        let mut state = CountQueries::new(self.counter.clone());
        state.losses_seen = self.losses.load(Ordering::Relaxed);
        state.last_answer = Some(Instant::now());
        conn.set_instrumentation(state);
        Ok(conn)
    }

    /// Checked on every checkout. A SQLite connection is a file opened in
    /// this process and cannot go stale, so it is not asked. A PostgreSQL
    /// one answers `SELECT 1` only when it is not [`CountQueries::trusted`]:
    /// idle for a while, or pooled when another connection was lost. Under
    /// load no checkout is probed.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        if matches!(conn, DbConn::Sqlite(_)) {
            return Ok(());
        }
        let losses = self.losses.load(Ordering::Relaxed);
        if connection_state(conn).is_some_and(|state| state.trusted(Instant::now(), losses)) {
            return Ok(());
        }
        if let Err(e) = conn.batch_execute("SELECT 1") {
            self.losses.fetch_add(1, Ordering::Relaxed);
            return Err(diesel::r2d2::Error::QueryError(e));
        }
        if let Some(state) = connection_state(conn) {
            state.losses_seen = losses;
        }
        Ok(())
    }

    /// A connection the server closed under a request is dropped, and every
    /// other pooled one is probed at its next checkout; so is one left in a
    /// transaction or with its transaction state in error.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        let lost = connection_state(conn).is_some_and(|state| state.lost);
        if lost {
            self.losses.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("the database closed a pooled connection; the pool drops it");
        }
        lost || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("cannot open the database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: diesel::r2d2::PoolError,
    },
    #[error("cannot connect to {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
}

/// Opens the pool and proves the database answers before anything else runs.
pub fn connect(url: &DatabaseUrl, counter: QueryCounter) -> Result<DbPool, DbSetupError> {
    let max_size = match url {
        // One writer at a time anyway; a few readers beside it.
        DatabaseUrl::Sqlite(_) => 8,
        DatabaseUrl::Postgres(_) => 16,
    };
    connect_sized(url, counter, max_size)
}

/// Sets SQLite's process-wide options once, before its first connection
/// opens: [`ConnectionManager::connect`] calls it before opening each one.
/// SQLite refuses them once any connection in the process is open (another
/// library's, or a test's), and says so in the log.
///
/// - Multi-thread mode: a connection is only ever used by the thread that
///   took it from the pool, so SQLite's per-connection mutex is pure cost.
/// - No memory statistics: with them every allocation inside SQLite takes
///   one process-wide mutex.
/// - No initial bulk allocation for a page cache: every temporary b-tree
///   (an `IN (SELECT …)` list, a sort) opened a cache of its own and
///   allocated about 80 KiB for it, which the C allocator handed back to
///   the kernel when the statement ended and faulted in again on the next
///   one: 13 % of the bank search API's CPU time. Pages are now allocated
///   as a cache uses them.
///
/// The first two did not change a page's throughput measurably on two
/// cores; they take a lock off every statement (`docs/performance.md`).
fn configure_sqlite() {
    SQLITE_OPTIONS.get_or_init(|| {
        // SAFETY: each option takes the documented argument types (the
        // page cache: no buffer, size 0, no lines), and
        // `sqlite3_config` refuses (returns an error code without touching
        // anything) once SQLite has been initialised.
        let codes = unsafe {
            [
                libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD),
                libsqlite3_sys::sqlite3_config(
                    libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                    0 as std::ffi::c_int,
                ),
                libsqlite3_sys::sqlite3_config(
                    libsqlite3_sys::SQLITE_CONFIG_PAGECACHE,
                    std::ptr::null_mut::<std::ffi::c_void>(),
                    0 as std::ffi::c_int,
                    0 as std::ffi::c_int,
                ),
            ]
        };
        let applied = codes.iter().all(|&code| code == libsqlite3_sys::SQLITE_OK);
        if !applied {
            tracing::warn!(
                ?codes,
                "SQLite was opened before the app set its options; it keeps its defaults"
            );
        }
        applied
    });
}

static SQLITE_OPTIONS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether SQLite took this process's options (`None`: no SQLite
/// connection has been opened through the pool yet).
pub fn sqlite_options_applied() -> Option<bool> {
    SQLITE_OPTIONS.get().copied()
}

/// A pool of at most `max_size` connections, opened lazily after the first.
pub fn connect_sized(
    url: &DatabaseUrl,
    counter: QueryCounter,
    max_size: u32,
) -> Result<DbPool, DbSetupError> {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager::new(url.clone(), counter))
        .map_err(|source| DbSetupError::Connect {
            url: url.to_string(),
            source,
        })
}

/// Applies pending migrations of the backend in use; returns how many ran.
pub fn migrate(conn: &mut DbConn) -> Result<usize, DbSetupError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgresql(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    applied.map_err(|e| DbSetupError::Migrate(e.to_string()))
}

/// A transaction that writes. On SQLite it takes this process's turn to
/// write ([`write_turn`]), then starts with `BEGIN IMMEDIATE`, taking the
/// write lock up front: a deferred transaction that reads first
/// and writes later fails at once with "database is locked" when another
/// connection wrote in between, whatever the busy timeout. On PostgreSQL,
/// and inside a transaction already (a savepoint), diesel's `transaction`.
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if matches!(conn, DbConn::Postgresql(_)) || in_transaction(conn) {
        return conn.transaction(work);
    }
    let _turn = write_turn::WRITERS.take(BUSY_TIMEOUT);
    transaction_begun_with(conn, "BEGIN IMMEDIATE", "BEGIN", work)
}

/// Reads that must agree with each other (a list and its details): one
/// snapshot for all of `work`'s statements. On PostgreSQL a read-only
/// `REPEATABLE READ` transaction (`READ COMMITTED`, the default, takes a
/// new snapshot per statement); on SQLite a deferred transaction, whose
/// snapshot is taken at its first read. Inside a transaction already,
/// `work` runs in it.
pub fn read_snapshot<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if in_transaction(conn) {
        return work(conn);
    }
    transaction_begun_with(
        conn,
        "BEGIN",
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        work,
    )
}

/// Whether `conn` is inside a transaction.
fn in_transaction(conn: &mut DbConn) -> bool {
    fn depth<C>(inner: &mut C) -> bool
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
    {
        AnsiTransactionManager::transaction_manager_status_mut(inner)
            .transaction_depth()
            .ok()
            .flatten()
            .is_some()
    }
    match conn {
        DbConn::Sqlite(inner) => depth(inner),
        DbConn::Postgresql(inner) => depth(inner),
    }
}

/// Runs `work` in a transaction opened with `sqlite` or `postgres` (the
/// backend's `BEGIN …`), committed if it succeeds and rolled back if not.
/// `work`'s error comes first when both it and the rollback fail.
fn transaction_begun_with<T, E>(
    conn: &mut DbConn,
    sqlite: &str,
    postgres: &str,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    fn end<C>(inner: &mut C, commit: bool) -> QueryResult<()>
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
    {
        if commit {
            AnsiTransactionManager::commit_transaction(inner)
        } else {
            AnsiTransactionManager::rollback_transaction(inner)
        }
    }
    match conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, sqlite)?,
        DbConn::Postgresql(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, postgres)?
        }
    }
    let result = work(conn);
    let commit = result.is_ok();
    let ended = match conn {
        DbConn::Sqlite(inner) => end(inner, commit),
        DbConn::Postgresql(inner) => end(inner, commit),
    };
    let value = result?;
    ended?;
    Ok(value)
}

/// `SELECT 1`: the database is reachable and answering.
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The SQL of each statement `conn` prepares and keeps from now on, as
/// its statement cache reports them (tests of what is kept prepared).
#[cfg(test)]
pub(crate) fn record_kept_statements(conn: &mut DbConn) -> Arc<std::sync::Mutex<Vec<String>>> {
    use diesel::connection::InstrumentationEvent;
    let kept = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&kept);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::CacheQuery { sql, .. } = event
            && let Ok(mut seen) = seen.lock()
        {
            seen.push(sql.to_owned());
        }
    });
    kept
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_write_turn_waits_as_long_as_sqlites_busy_timeout() {
        let pragma = format!("PRAGMA busy_timeout = {};", BUSY_TIMEOUT.as_millis());
        assert!(SQLITE_PRAGMAS.starts_with(&pragma), "{SQLITE_PRAGMAS}");
    }

    /// The two migration folders must hold the same migrations.
    #[test]
    fn migration_folders_mirror_each_other() {
        let names = |backend: &str| -> BTreeSet<String> {
            std::fs::read_dir(format!(
                "{}/migrations/{backend}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
        };
        assert_eq!(names("sqlite"), names("postgres"));
        assert!(!names("sqlite").is_empty());
    }

    /// The bundled SQLite is built as `.cargo/config.toml` says: plans kept
    /// stable for cached statements, each connection's page cache its own.
    #[test]
    fn sqlite_is_built_with_stable_plans_and_page_caches_of_its_own() {
        let used = |option: &std::ffi::CStr| {
            // SAFETY: a NUL-terminated option name; the call only reads it.
            unsafe { libsqlite3_sys::sqlite3_compileoption_used(option.as_ptr()) }
        };
        assert_eq!(used(c"ENABLE_QPSG"), 1);
        assert_eq!(used(c"ENABLE_MEMORY_MANAGEMENT"), 0);
    }

    #[test]
    fn a_connection_is_trusted_while_it_answered_recently_and_none_was_lost() {
        let now = Instant::now();
        let mut state = CountQueries::new(QueryCounter::default());
        assert!(!state.trusted(now, 0), "never answered: probed");
        state.last_answer = Some(now - Duration::from_secs(2));
        assert!(state.trusted(now, 0));
        assert!(!state.trusted(now, 1), "another connection was lost since");
        state.losses_seen = 1;
        assert!(state.trusted(now, 1));
        assert!(!state.trusted(now + TRUSTED_FOR, 1), "idle too long");
    }
}
