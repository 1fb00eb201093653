//! The chips a question shows: its criteria, red flags and stage kinds.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Text};
use diesel::sqlite::Sqlite;

use super::search::Chip;
use crate::db::DbConn;
use crate::db::prelude::*;
use crate::domain::CriterionKind;

/// A question's criteria, red flags and stage kinds, each in place order.
pub type ChipSets = (Vec<Chip>, Vec<Chip>, Vec<Chip>);

/// What a link row names instead of a criterion's kind.
const STAGE_KIND: &str = "stage_kind";

/// Criteria, red flags and stage kinds of some questions, each list in
/// its place order (position, then id): one statement.
pub fn chips_for(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ChipSets>> {
    let mut rows: Vec<(i64, String, String, String, i64, i64)> = LinkRows::of(ids).load(conn)?;
    rows.sort_by_key(|row| (row.4, row.5));
    let mut out: HashMap<i64, ChipSets> = HashMap::new();
    for (id, kind, slug, name, _, _) in rows {
        let entry = out.entry(id).or_default();
        let target = if kind == STAGE_KIND {
            &mut entry.2
        } else if kind == CriterionKind::RedFlag.as_str() {
            &mut entry.1
        } else {
            &mut entry.0
        };
        let chip = Chip { slug, name, kind };
        if !target.contains(&chip) {
            target.push(chip);
        }
    }
    Ok(out)
}

/// The statement behind [`chips_for`]: for each listed question, its
/// links to criteria (either kind) and to stage kinds, as `(question id,
/// kind, slug, name, position, id)` rows, kind `criterion`, `red_flag` or
/// [`STAGE_KIND`].
///
/// The id list drives both joins (`json_each` on SQLite, `unnest` on
/// PostgreSQL). Written as `question_id IN (SELECT value FROM
/// json_each(?))`, SQLite built a temporary b-tree for each list on every
/// run; and the text is fixed, so the prepared statement is found by its
/// type without rendering the query first.
struct LinkRows {
    ids: Vec<i64>,
    json: String,
}

impl LinkRows {
    fn of(ids: &[i64]) -> Self {
        LinkRows {
            ids: ids.to_vec(),
            json: serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned()),
        }
    }
}

const CRITERIA_ROWS: &str = " JOIN question_criteria ON question_criteria.question_id = listed.value \
     JOIN criteria ON criteria.id = question_criteria.criterion_id";
const STAGE_KIND_ROWS: &str = " JOIN question_stage_kinds ON question_stage_kinds.question_id = listed.value \
     JOIN stage_kinds ON stage_kinds.id = question_stage_kinds.stage_kind_id";
const CRITERIA_COLUMNS: &str = "SELECT question_criteria.question_id, criteria.kind, criteria.slug, \
     criteria.name, criteria.position, criteria.id FROM ";
const STAGE_KIND_COLUMNS: &str = " UNION ALL SELECT question_stage_kinds.question_id, 'stage_kind', \
     stage_kinds.slug, stage_kinds.name, stage_kinds.position, stage_kinds.id FROM ";

impl QueryFragment<Sqlite> for LinkRows {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(CRITERIA_COLUMNS);
        out.push_sql("json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql(") AS listed");
        out.push_sql(CRITERIA_ROWS);
        out.push_sql(STAGE_KIND_COLUMNS);
        out.push_sql("json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql(") AS listed");
        out.push_sql(STAGE_KIND_ROWS);
        Ok(())
    }
}

impl QueryFragment<Pg> for LinkRows {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(CRITERIA_COLUMNS);
        out.push_sql("unnest(");
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(") AS listed (value)");
        out.push_sql(CRITERIA_ROWS);
        out.push_sql(STAGE_KIND_COLUMNS);
        out.push_sql("unnest(");
        out.push_bind_param::<Array<BigInt>, Vec<i64>>(&self.ids)?;
        out.push_sql(") AS listed (value)");
        out.push_sql(STAGE_KIND_ROWS);
        Ok(())
    }
}

impl QueryId for LinkRows {
    type QueryId = Self;
    // One text per backend, whatever the ids: kept by type.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for LinkRows {
    type SqlType = (BigInt, Text, Text, Text, BigInt, BigInt);
}

impl<Conn> diesel::RunQueryDsl<Conn> for LinkRows {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each question's chips in place order, in the right list, none for
    /// a question without links or an id that is no question; and the
    /// statement is prepared once for lists of any length.
    #[test]
    fn chips_come_in_place_order_from_one_kept_statement() {
        use diesel::Connection;
        let mut conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        crate::db::migrate(&mut conn).unwrap();
        let bank = crate::bank::BankFile::embedded().unwrap();
        crate::bank::apply(&mut conn, &bank, None).unwrap();
        let cached = crate::db::record_kept_statements(&mut conn);
        let mut with_links: Vec<(i64, usize, usize)> = Vec::new();
        let ids: Vec<i64> = crate::db::schema::questions::table
            .select(crate::db::schema::questions::id)
            .order(crate::db::schema::questions::id)
            .limit(30)
            .load(&mut conn)
            .unwrap();
        for id in &ids {
            let links: i64 = crate::db::schema::question_criteria::table
                .filter(crate::db::schema::question_criteria::question_id.eq(id))
                .count()
                .get_result(&mut conn)
                .unwrap();
            let kinds: i64 = crate::db::schema::question_stage_kinds::table
                .filter(crate::db::schema::question_stage_kinds::question_id.eq(id))
                .count()
                .get_result(&mut conn)
                .unwrap();
            with_links.push((*id, links as usize, kinds as usize));
        }
        let mut listed = ids.clone();
        listed.push(i64::MAX);
        let chips = chips_for(&mut conn, &listed).unwrap();
        assert!(!chips.contains_key(&i64::MAX));
        for (id, links, kinds) in with_links {
            let (criteria, red_flags, stage_kinds) = chips.get(&id).cloned().unwrap_or_default();
            assert_eq!(criteria.len() + red_flags.len(), links, "question {id}");
            assert_eq!(stage_kinds.len(), kinds, "question {id}");
            assert!(criteria.iter().all(|c| c.kind == "criterion"));
            assert!(red_flags.iter().all(|c| c.kind == "red_flag"));
            assert!(stage_kinds.iter().all(|c| c.kind == STAGE_KIND));
        }
        assert!(
            chips
                .values()
                .any(|(c, _, s)| !c.is_empty() && !s.is_empty())
        );
        let one = chips_for(&mut conn, &ids[..1]).unwrap();
        assert_eq!(one.get(&ids[0]), chips.get(&ids[0]));
        assert!(chips_for(&mut conn, &[]).unwrap().is_empty());
        let cached = cached.lock().unwrap();
        let chips: Vec<&String> = cached
            .iter()
            .filter(|sql| sql.contains("json_each"))
            .collect();
        assert_eq!(chips.len(), 1, "{cached:?}");
    }
}
