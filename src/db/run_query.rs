//! Running a query on the connection underneath [`DbConn`].
//!
//! diesel's multi-backend connection (`#[derive(MultiConnection)]`,
//! diesel_derives 2.3) wraps every query it runs in a `SerializedQuery`
//! whose `walk_ast` renders the query's whole SQL text on every pass: once
//! to ask whether the statement may be cached and once more to collect its
//! binds, on every run, even when the prepared statement is already in the
//! connection's cache. On a page of a dozen statements that rendering was
//! a fifth of the CPU time (`docs/performance.md`).
//!
//! A diesel query that is not boxed is one type for every backend, so it
//! can run on the concrete connection instead, which finds its cached
//! statement by the query's type and renders nothing. [`RunQueryDsl`] here
//! has the methods of diesel's, taking a [`DbConn`]; [`prelude`](super::prelude)
//! puts it in diesel's place. A query built for the multi-backend only (a
//! boxed one) runs through diesel's own trait, named in full:
//! `diesel::RunQueryDsl::load(query, conn)`.

use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl};
use diesel::{PgConnection, QueryResult, SqliteConnection};

use super::DbConn;

/// diesel's `RunQueryDsl` for [`DbConn`], run on the backend's own
/// connection (see the module's note). Same methods, same results, same
/// errors; statements are counted and traced as before (the
/// instrumentation is the inner connection's).
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

    /// Every row, as [`load`](Self::load).
    fn get_results<'query, U>(self, conn: &mut DbConn) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        RunQueryDsl::load(self, conn)
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
