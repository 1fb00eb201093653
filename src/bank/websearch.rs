//! PostgreSQL only: the bank's full-text match and rank as expressions of
//! fixed SQL around one bound value. Written with `sql()`, a statement
//! holding them was never kept prepared (diesel does not cache a statement
//! with literal SQL), so PostgreSQL parsed and planned both of a search's
//! statements on every search.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Double, Text};
use diesel::{QueryResult, expression::is_aggregate};

use crate::db::schema::questions;

/// `questions.search @@ websearch_to_tsquery('english', $text)`: the
/// stored vector (migration `bank_search`) matches what a person typed,
/// read as a web search (words, "quoted phrases", `-excluded`).
#[derive(Debug, Clone, QueryId)]
pub struct Matches {
    text: String,
}

/// `ts_rank(questions.search, websearch_to_tsquery('english', $text))`
/// as a double: higher ranks better.
#[derive(Debug, Clone, QueryId)]
pub struct Rank {
    text: String,
}

pub fn matches(text: &str) -> Matches {
    Matches {
        text: text.to_owned(),
    }
}

pub fn rank(text: &str) -> Rank {
    Rank {
        text: text.to_owned(),
    }
}

impl Expression for Matches {
    type SqlType = Bool;
}

impl Expression for Rank {
    type SqlType = Double;
}

impl QueryFragment<Pg> for Matches {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("questions.search @@ websearch_to_tsquery('english', ");
        out.push_bind_param::<Text, _>(&self.text)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for Rank {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("ts_rank(questions.search, websearch_to_tsquery('english', ");
        out.push_bind_param::<Text, _>(&self.text)?;
        out.push_sql("))::double precision");
        Ok(())
    }
}

macro_rules! on_questions {
    ($($expression:ty),*) => {$(
        impl AppearsOnTable<questions::table> for $expression {}
        impl SelectableExpression<questions::table> for $expression {}
        impl ValidGrouping<()> for $expression {
            type IsAggregate = is_aggregate::Never;
        }
    )*};
}

on_questions!(Matches, Rank);

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    use crate::bank::search::{QuestionQuery, search};
    use crate::db::DbConn;

    /// A search's two statements are kept prepared: later searches,
    /// whatever their words, are neither parsed nor planned again.
    #[test]
    fn a_postgres_search_ranks_and_keeps_its_statements_prepared() {
        // PostgreSQL when the test suite is given one (as CI does).
        let Ok(url) = std::env::var("LOOPWRIGHT_TEST_DATABASE_URL") else {
            return;
        };
        let mut conn = DbConn::Postgresql(PgConnection::establish(&url).unwrap());
        // Nothing stays: the schema and rows go with the rollback.
        conn.begin_test_transaction().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        conn.batch_execute(
            "INSERT INTO questions (slug, category, prompt, why_asked, suggested_minutes, \
                 created_at, updated_at) VALUES \
             ('kept-a', 'technical', 'Walk me through a quokka cache you built.', \
                 'Shows zanzibar judgement.', 10, '2026-12-01', '2026-12-01'), \
             ('kept-b', 'technical', 'Design a zanzibar limiter.', 'Tests trade-offs.', 10, \
                 '2026-12-01', '2026-12-01'), \
             ('kept-c', 'behavioural', 'Tell me about a wombat conflict.', 'Teamwork.', 10, \
                 '2026-12-01', '2026-12-01');",
        )
        .unwrap();
        let kept = crate::db::record_kept_statements(&mut conn);
        let search_for = |conn: &mut DbConn, text: &str| -> Vec<String> {
            let query = QuestionQuery {
                q: Some(text.to_owned()),
                ..QuestionQuery::default()
            };
            search(conn, &query)
                .unwrap()
                .questions
                .into_iter()
                .map(|q| q.slug)
                .collect()
        };
        // The prompt weighs more than why a question comes up.
        assert_eq!(search_for(&mut conn, "zanzibar"), ["kept-b", "kept-a"]);
        assert_eq!(search_for(&mut conn, "wombat"), ["kept-c"]);
        assert_eq!(search_for(&mut conn, "quokka cache"), ["kept-a"]);
        let kept = kept.lock().unwrap();
        let searching: Vec<&String> = kept
            .iter()
            .filter(|sql| sql.contains("websearch_to_tsquery"))
            .collect();
        assert_eq!(searching.len(), 2, "{searching:?}");
    }
}
