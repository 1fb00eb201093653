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

/// `on_backend!(conn, |inner, Backend| body)`: `body` run on the connection
/// underneath the [`DbConn`] `conn`, as `inner`, with `Backend` naming its
/// backend (`Sqlite` or `Pg`); answers what `body` answers.
///
/// For a query boxed because its filters vary: boxed for the multi-backend
/// (`into_boxed()` on a `DbConn` query) it is rendered twice a run (see the
/// module's note); boxed for `Backend` (`into_boxed::<Backend>()`) and run
/// on `inner` with `diesel::RunQueryDsl`, once, to find its prepared
/// statement by text. `body` is compiled once per backend.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident, $backend:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($inner) => {
                #[allow(dead_code)]
                type $backend = diesel::sqlite::Sqlite;
                $body
            }
            $crate::db::DbConn::Postgresql($inner) => {
                #[allow(dead_code)]
                type $backend = diesel::pg::Pg;
                $body
            }
        }
    };
}
pub(crate) use on_backend;

/// `UPDATE table SET values WHERE filter`, kept prepared:
/// `update_kept(scorecards::table, scorecards::id.eq(id), (…))`.
///
/// diesel prepares every `diesel::update` afresh: a changeset may leave out
/// its `None` fields, so one type can render different SQL, and diesel
/// marks its update statement as never to be cached rather than key it by
/// text. SQLite then compiles it on every run (its parser and planner were
/// 6 % of a draft save, and every autosave runs one). This statement writes
/// the same SQL without that mark and is cached under its SQL text, so it
/// is reused exactly when the same SQL runs again. `filter` is a boolean
/// expression on `table` (`table::id.eq(id)`); `values` what `.set(…)`
/// takes. Values go in as binds: SQL text built from values
/// (`sql(format!(…))`) would cache a statement per value. An empty
/// changeset fails as diesel's own update does (`EmptyChangeset`).
pub fn update_kept<T, W, V>(
    table: T,
    filter: W,
    values: V,
) -> KeptUpdate<T::FromClause, W, V::Changeset>
where
    T: diesel::Table,
    W: diesel::AppearsOnTable<T> + diesel::Expression<SqlType = diesel::sql_types::Bool>,
    V: diesel::AsChangeset<Target = T>,
{
    KeptUpdate {
        table: table.from_clause(),
        filter,
        values: values.as_changeset(),
    }
}

/// See [`update_kept`].
#[derive(Debug, Clone)]
pub struct KeptUpdate<F, W, C> {
    table: F,
    filter: W,
    values: C,
}

impl<F, W, C> diesel::query_builder::QueryId for KeptUpdate<F, W, C> {
    type QueryId = ();
    // Cached by its text, not its type: a changeset's text may vary.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<F, W, C, DB> diesel::query_builder::QueryFragment<DB> for KeptUpdate<F, W, C>
where
    DB: diesel::backend::Backend,
    F: diesel::query_builder::QueryFragment<DB>,
    W: diesel::query_builder::QueryFragment<DB>,
    C: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        if self.values.is_noop(out.backend())? {
            return Err(diesel::result::Error::QueryBuilderError(Box::new(
                diesel::result::EmptyChangeset,
            )));
        }
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<F, W, C, Conn> diesel::RunQueryDsl<Conn> for KeptUpdate<F, W, C> {}

#[cfg(test)]
mod tests {

    use diesel::connection::SimpleConnection;

    use super::update_kept;
    use crate::db::DbConn;
    use crate::db::prelude::*;

    diesel::table! {
        notes (id) {
            id -> BigInt,
            body -> Nullable<Text>,
        }
    }

    /// Runs three updates of each kind; returns the SQL of the statements
    /// the connection cached, and the rows as they end.
    fn updates(mut conn: DbConn, create: &str) -> (Vec<String>, Vec<(i64, Option<String>)>) {
        conn.batch_execute(create).unwrap();
        let cached = crate::db::record_kept_statements(&mut conn);
        for (id, body) in [(1, Some("a")), (2, None), (1, Some("b"))] {
            diesel::update(notes::table.find(id))
                .set(notes::body.eq(body))
                .execute(&mut conn)
                .unwrap();
        }
        assert!(cached.lock().unwrap().is_empty(), "diesel caches no UPDATE");
        for (id, body) in [(1, Some("c")), (2, Some("d")), (2, None)] {
            update_kept(notes::table, notes::id.eq(id), notes::body.eq(body))
                .execute(&mut conn)
                .unwrap();
        }
        // Nothing to set: refused, as diesel's own update is.
        let nothing = Some(notes::body.eq("e")).filter(|_| false);
        let refused = update_kept(notes::table, notes::id.eq(1), nothing).execute(&mut conn);
        assert!(
            matches!(refused, Err(diesel::result::Error::QueryBuilderError(_))),
            "{refused:?}"
        );
        let rows = notes::table.order(notes::id).load(&mut conn).unwrap();
        let cached = cached.lock().unwrap().clone();
        (cached, rows)
    }

    const CREATE: &str = "CREATE TEMPORARY TABLE notes (id BIGINT PRIMARY KEY, body TEXT);
        INSERT INTO notes (id, body) VALUES (1, NULL), (2, 'x');";

    #[test]
    fn a_kept_update_is_prepared_once_and_still_writes_each_time() {
        let conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        let (cached, rows) = updates(conn, CREATE);
        let updates: Vec<&String> = cached.iter().filter(|s| s.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 1, "{cached:?}");
        assert_eq!(rows, vec![(1, Some("c".to_owned())), (2, None)]);
    }

    #[test]
    fn a_kept_update_is_prepared_once_on_postgres() {
        // PostgreSQL when the test suite is given one (as CI does).
        let Ok(url) = std::env::var("LOOPWRIGHT_TEST_DATABASE_URL") else {
            return;
        };
        let conn = DbConn::Postgresql(diesel::PgConnection::establish(&url).unwrap());
        let (cached, rows) = updates(conn, CREATE);
        let updates: Vec<&String> = cached.iter().filter(|s| s.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 1, "{cached:?}");
        assert_eq!(rows, vec![(1, Some("c".to_owned())), (2, None)]);
    }
}
