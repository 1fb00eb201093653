//! Running a query on the connection underneath [`DbConn`].
//!
//! diesel's multi-backend connection (`#[derive(MultiConnection)]`,
//! diesel_derives 2.3) wraps every query it runs in a `SerializedQuery`
//! whose `walk_ast` renders the query's whole SQL text on every pass: once
//! to ask whether the statement may be cached and once more to collect its
//! binds, on every run, even when the prepared statement is already in the
//! connection's cache. On the debrief API (12 statements) that rendering
//! was a fifth of the CPU time (`docs/performance.md`).
//!
//! A diesel query that is not boxed is one type for every backend, so it
//! can run on the concrete connection instead. There a query with a static
//! id (most) finds its cached statement by type and is not rendered; one
//! without (`sql_query`, one using [`OneOf`](super::id_list::OneOf)) is
//! rendered once, to look its statement up by text, instead of twice.
//! [`RunQueryDsl`] here has the methods of diesel's that the app uses,
//! taking a [`DbConn`]; [`prelude`](super::prelude) puts it in diesel's
//! place. A query typed for one backend, the multi-backend (a boxed query)
//! or another (a `Selectable::as_select()`), runs through diesel's own
//! trait, named in full: `diesel::RunQueryDsl::load(query, conn)`. Using
//! the wrong one does not compile.

use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl};
use diesel::{PgConnection, QueryResult, SqliteConnection};

use super::DbConn;

/// diesel's `RunQueryDsl` for [`DbConn`], run on the backend's own
/// connection (see the module's note): `load`, `get_result`, `first` and
/// `execute`, with diesel's results and errors.
/// Transactions, the statement cache and the instrumentation that counts
/// and traces statements are the inner connection's either way.
pub trait RunQueryDsl: Sized {
    /// Every row: `Vec<U>`.
    fn load<'query, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(conn) => diesel::RunQueryDsl::load(self, conn),
            DbConn::Postgresql(conn) => diesel::RunQueryDsl::load(self, conn),
        }
    }

    /// The first row; `NotFound` when there is none.
    fn get_result<'query, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        match conn {
            DbConn::Sqlite(conn) => diesel::RunQueryDsl::get_result(self, conn),
            DbConn::Postgresql(conn) => diesel::RunQueryDsl::get_result(self, conn),
        }
    }

    /// `LIMIT 1`, then the row; `NotFound` when there is none.
    fn first<'query, U>(self, conn: &mut DbConn) -> QueryResult<U>
    where
        Self: LimitDsl,
        diesel::dsl::Limit<Self>:
            LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        let query = LimitDsl::limit(self, 1);
        match conn {
            DbConn::Sqlite(conn) => diesel::RunQueryDsl::get_result(query, conn),
            DbConn::Postgresql(conn) => diesel::RunQueryDsl::get_result(query, conn),
        }
    }

    /// An insert, update or delete: the rows it touched.
    fn execute(self, conn: &mut DbConn) -> QueryResult<usize>
    where
        Self: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
    {
        match conn {
            DbConn::Sqlite(conn) => ExecuteDsl::execute(self, conn),
            DbConn::Postgresql(conn) => ExecuteDsl::execute(self, conn),
        }
    }
}

// The types diesel runs on a `DbConn`, and no others (not a `Vec`'s `first`).
impl<T: diesel::RunQueryDsl<DbConn>> RunQueryDsl for T {}
