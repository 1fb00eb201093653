//! "This id is one of these": a filter whose statement text does not change
//! with the number of ids, so the connection keeps it prepared.
//!
//! diesel's `eq_any` renders `IN (?, ?, …)` on SQLite, one placeholder per
//! id, and never caches such a statement: every request that lists ids
//! prepares it again. [`OneOf`] binds the whole list as one value instead:
//! `IN (SELECT value FROM json_each(?))` with a JSON array on SQLite,
//! `= ANY(?)` with an array on PostgreSQL.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryResult};

use super::DbConn;

type Multi = <DbConn as Connection>::Backend;

/// `column` is one of `ids`; see the module docs. A `BigInt` column; for a
/// nullable one, use `assume_not_null()` (a NULL is one of nothing).
#[derive(Debug, Clone)]
pub struct OneOf<C> {
    column: C,
    ids: Vec<i64>,
    /// The ids as a JSON array, for SQLite's `json_each`.
    json: String,
}

/// `.one_of(ids)` on a `BigInt` column.
pub trait OneOfExt: Expression<SqlType = BigInt> + Sized {
    fn one_of<'a>(self, ids: impl IntoIterator<Item = &'a i64>) -> OneOf<Self> {
        let ids: Vec<i64> = ids.into_iter().copied().collect();
        let json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned());
        OneOf {
            column: self,
            ids,
            json,
        }
    }
}

impl<C: Expression<SqlType = BigInt>> OneOfExt for C {}

impl<C> Expression for OneOf<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for OneOf<C> where C: AppearsOnTable<QS> {}

impl<C, QS> SelectableExpression<QS> for OneOf<C> where C: SelectableExpression<QS> {}

impl<C, G> ValidGrouping<G> for OneOf<C>
where
    C: ValidGrouping<G>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryId for OneOf<C> {
    type QueryId = ();
    // The text differs by backend: cached by its text, not by its type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<Multi> for OneOf<C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Multi>) -> QueryResult<()> {
        // Each backend writes its own fragment.
        Multi::walk_variant_ast(self, pass)
    }
}

#[cfg(test)]
mod tests {

    use crate::db::prelude::*;
    use diesel::connection::SimpleConnection;

    use super::OneOfExt;
    use crate::db::DbConn;

    diesel::table! {
        things (id) {
            id -> BigInt,
        }
    }

    /// Filters right whatever the number of ids, and prepares the
    /// statement once for all of them.
    fn one_statement_for_every_length(mut conn: DbConn, create: &str) {
        conn.batch_execute(create).unwrap();
        let cached = crate::db::record_kept_statements(&mut conn);
        // On the connection underneath (`db::run_query`), then through the
        // multi-backend one, as boxed queries built for it run.
        fn on_backend(conn: &mut DbConn, ids: &[i64]) -> Vec<i64> {
            let query = things::table.filter(things::id.one_of(ids));
            query
                .order(things::id)
                .select(things::id)
                .load(conn)
                .unwrap()
        }
        fn through_multi(conn: &mut DbConn, ids: &[i64]) -> Vec<i64> {
            let query = things::table.filter(things::id.one_of(ids));
            let query = query.order(things::id).select(things::id);
            diesel::RunQueryDsl::load(query, conn).unwrap()
        }
        type Pick = fn(&mut DbConn, &[i64]) -> Vec<i64>;
        for (way, pick) in [on_backend as Pick, through_multi].into_iter().enumerate() {
            assert_eq!(pick(&mut conn, &[3, 1]), vec![1, 3]);
            assert_eq!(pick(&mut conn, &[2, 4, 5, 9]), vec![2, 4, 5]);
            assert_eq!(pick(&mut conn, &[]), Vec::<i64>::new());
            // At most one statement a way, whatever the number of ids.
            let cached = cached.lock().unwrap();
            assert!(!cached.is_empty() && cached.len() <= way + 1, "{cached:?}");
        }
    }

    const CREATE: &str = "CREATE TEMPORARY TABLE things (id BIGINT PRIMARY KEY);
        INSERT INTO things (id) VALUES (1), (2), (3), (4), (5);";

    #[test]
    fn one_statement_for_every_length_on_sqlite() {
        let conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        one_statement_for_every_length(conn, CREATE);
    }

    #[test]
    fn one_statement_for_every_length_on_postgres() {
        // PostgreSQL when the test suite is given one (as CI does).
        let Ok(url) = std::env::var("LOOPWRIGHT_TEST_DATABASE_URL") else {
            return;
        };
        let conn = DbConn::Postgresql(diesel::PgConnection::establish(&url).unwrap());
        one_statement_for_every_length(conn, CREATE);
    }
}
