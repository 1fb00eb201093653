//! Finding questions: full-text search (FTS5 on SQLite, tsvector on
//! PostgreSQL) and filters, behind one function; ranked and paginated.

use super::chips::chips_for;
use crate::db::id_list::OneOfExt;
use crate::domain::CriterionKind;

use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Double, Text};
use diesel::sqlite::Sqlite;
use diesel::{PgConnection, SqliteConnection};
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::prelude::*;
use crate::db::schema::{
    criteria, question_criteria, question_stage_kinds, question_tracks, questions, stage_kinds,
    tracks,
};
use fts::questions_fts;

/// SQLite only: the bank's full-text index (FTS5 with `questions` as its
/// external content, see the `bank_search` migration), joined to rank a
/// search in one statement.
mod fts {
    use crate::db::schema::{
        criteria, question_criteria, question_stage_kinds, question_tracks, questions, stage_kinds,
        tracks,
    };

    diesel::table! {
        questions_fts (rowid) {
            rowid -> BigInt,
            /// FTS5's hidden column named after the table: the left side
            /// of `MATCH` for a query over every indexed column.
            #[sql_name = "questions_fts"]
            document -> Text,
            /// FTS5's hidden rank column: the `bm25()` weights a query gives.
            rank -> Double,
        }
    }

    // `column MATCH value`. Written with `sql()` instead, a statement
    // cannot be kept prepared (diesel never caches one with literal SQL),
    // and SQLite compiled both of a search's statements on every search.
    diesel::infix_operator!(Matches, " MATCH ", backend: diesel::sqlite::Sqlite);

    diesel::allow_tables_to_appear_in_same_query!(questions_fts, questions);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_criteria);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, criteria);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_stage_kinds);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, stage_kinds);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_tracks);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, tracks);
}

/// The filters of the bank page and `GET /api/v1/questions`; all combine.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuestionQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// A screening criterion's slug.
    #[serde(default)]
    pub criterion: Option<String>,
    #[serde(default)]
    pub red_flag: Option<String>,
    #[serde(default)]
    pub stage_kind: Option<String>,
    #[serde(default)]
    pub track: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default)]
    #[param(ignore)]
    pub page: Option<i64>,
    #[serde(default)]
    #[param(ignore)]
    pub per_page: Option<i64>,
}

impl QuestionQuery {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(25).clamp(1, 100)
    }

    /// Rows before this page; a page past the end (however far) is empty.
    pub fn offset(&self) -> i64 {
        (self.page() - 1).saturating_mul(self.per_page())
    }

    /// What to search for: control characters (a NUL, which PostgreSQL
    /// refuses in text, tabs, newlines) read as spaces.
    fn text(&self) -> Option<String> {
        let text: String = self
            .q
            .as_deref()?
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn slug(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Chip {
    pub slug: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionSummary {
    pub id: i64,
    pub slug: String,
    pub category: String,
    pub prompt: String,
    pub why: String,
    pub minutes: i64,
    pub archived: bool,
    pub criteria: Vec<Chip>,
    pub red_flags: Vec<Chip>,
    pub stage_kinds: Vec<Chip>,
}

/// A search's text matching more questions than this ranks the newest this
/// many of them and counts no further, so that its cost does not grow with
/// the bank (ranking scores every hit it is given: on 10,000 hits a search
/// took 11.7 ms, bounded to 1,000 4.6 ms, to 250 2.3 ms, about what listing
/// a page without text costs; `examples/bank_search.rs`).
pub const RANKED_AT_MOST: i64 = 250;

/// One page of a search, and how many questions match.
#[derive(Debug)]
pub struct Found {
    pub questions: Vec<QuestionSummary>,
    /// Questions that match: all of them, or [`RANKED_AT_MOST`] when `more`.
    pub total: i64,
    /// More questions match the text than `total`: only the newest
    /// [`RANKED_AT_MOST`] were ranked; more words or a filter narrow it.
    pub more: bool,
}

/// The words of what a person typed: runs of letters and digits, so that
/// no query syntax of either backend comes through.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// FTS5 query text from what a person typed: every word must appear; the last
/// may be the start of a word (the planner's picker searches as one types).
/// Quoting each word keeps FTS5 syntax out.
fn fts5_query(text: &str) -> Option<String> {
    let words = words(text);
    let (last, first) = words.split_last()?;
    let mut query: Vec<String> = first.iter().map(|w| format!("\"{w}\"")).collect();
    query.push(format!("\"{last}\"*"));
    Some(query.join(" "))
}

/// PostgreSQL `to_tsquery` text, as [`fts5_query`]: every word (stemmed,
/// stop words dropped by the `english` configuration), the last as a prefix.
fn tsquery_text(text: &str) -> Option<String> {
    let words = words(text);
    let (last, first) = words.split_last()?;
    let mut query: Vec<String> = first.iter().map(|w| format!("'{w}'")).collect();
    query.push(format!("'{last}':*"));
    Some(query.join(" & "))
}

/// `$q`, a boxed query that reads `questions`, narrowed by every filter of
/// `$query` but its text: a macro, since the query may read `questions`
/// alone or joined to the full-text index.
macro_rules! narrowed {
    ($q:expr, $query:expr) => {{
        let query: &QuestionQuery = $query;
        let mut q = $q;
        if query.archived != Some(true) {
            q = q.filter(questions::archived_at.is_null());
        }
        if let Some(category) = QuestionQuery::slug(&query.category) {
            q = q.filter(questions::category.eq(category));
        }
        for (slug, kind) in [
            (
                QuestionQuery::slug(&query.criterion),
                CriterionKind::Criterion,
            ),
            (QuestionQuery::slug(&query.red_flag), CriterionKind::RedFlag),
        ] {
            if let Some(slug) = slug {
                q = q.filter(
                    questions::id.eq_any(
                        question_criteria::table
                            .inner_join(criteria::table)
                            .filter(criteria::slug.eq(slug))
                            .filter(criteria::kind.eq(kind))
                            .select(question_criteria::question_id),
                    ),
                );
            }
        }
        if let Some(slug) = QuestionQuery::slug(&query.stage_kind) {
            q = q.filter(
                questions::id.eq_any(
                    question_stage_kinds::table
                        .inner_join(stage_kinds::table)
                        .filter(stage_kinds::slug.eq(slug))
                        .select(question_stage_kinds::question_id),
                ),
            );
        }
        if let Some(slug) = QuestionQuery::slug(&query.track) {
            q = q.filter(
                questions::id.eq_any(
                    question_tracks::table
                        .inner_join(tracks::table)
                        .filter(tracks::slug.eq(slug))
                        .select(question_tracks::question_id),
                ),
            );
        }
        q
    }};
}

/// One page of the bank narrowed by every filter of `$query` (no text),
/// in id order, with how many match: `($conn, $query, $backend)`, the
/// queries boxed for the backend of the connection they run on.
macro_rules! listed_page {
    ($conn:expr, $query:expr, $backend:ty) => {{
        let query: &QuestionQuery = $query;
        let conn = $conn;
        let total: i64 = diesel::RunQueryDsl::get_result(
            narrowed!(questions::table.into_boxed::<$backend>(), query).count(),
            conn,
        )?;
        let rows: Vec<Row> = diesel::RunQueryDsl::load(
            narrowed!(questions::table.into_boxed::<$backend>(), query)
                .order(questions::id)
                .select(ROW)
                .limit(query.per_page())
                .offset(query.offset()),
            conn,
        )?;
        (rows, total, false)
    }};
}

/// One page of matching questions, best first, with how many match: three
/// statements whatever the size of the bank, and with text, work bounded by
/// [`RANKED_AT_MOST`] hits whatever their number. The queries, boxed since
/// the filters vary, are built for the connection's own backend and run on
/// it (see `db::run_query`).
pub fn search(conn: &mut DbConn, query: &QuestionQuery) -> QueryResult<Found> {
    let (rows, total, more) = match (&mut *conn, query.text()) {
        (DbConn::Sqlite(conn), Some(text)) => match fts5_query(&text) {
            Some(fts) => sqlite_ranked_page(conn, query, &fts)?,
            // Only punctuation: nothing can match.
            None => (Vec::new(), 0, false),
        },
        (DbConn::Postgresql(conn), Some(text)) => match tsquery_text(&text) {
            Some(tsquery) => postgres_ranked_page(conn, query, &tsquery)?,
            None => (Vec::new(), 0, false),
        },
        (DbConn::Sqlite(conn), None) => listed_page!(conn, query, Sqlite),
        (DbConn::Postgresql(conn), None) => listed_page!(conn, query, Pg),
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut chips = chips_for(conn, &ids)?;
    let questions = rows
        .into_iter()
        .map(|(id, slug, category, prompt, why, minutes, archived_at)| {
            let (criteria, red_flags, stage_kinds) = chips.remove(&id).unwrap_or_default();
            QuestionSummary {
                id,
                slug,
                category,
                prompt,
                why,
                minutes,
                archived: archived_at.is_some(),
                criteria,
                red_flags,
                stage_kinds,
            }
        })
        .collect();
    Ok(Found {
        questions,
        total,
        more,
    })
}

/// Of matching ids listed newest first, up to one past [`RANKED_AT_MOST`]:
/// how many count, whether more match, and the oldest id to rank (`None`:
/// rank them all).
fn bounded(newest: &[i64]) -> (i64, bool, Option<i64>) {
    let cap = usize::try_from(RANKED_AT_MOST).unwrap_or(usize::MAX);
    if newest.len() > cap {
        (RANKED_AT_MOST, true, newest.get(cap - 1).copied())
    } else {
        (newest.len() as i64, false, None)
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<chrono::NaiveDateTime>,
);

const ROW: (
    questions::id,
    questions::slug,
    questions::category,
    questions::prompt,
    questions::why_asked,
    questions::suggested_minutes,
    questions::archived_at,
) = (
    questions::id,
    questions::slug,
    questions::category,
    questions::prompt,
    questions::why_asked,
    questions::suggested_minutes,
    questions::archived_at,
);

/// SQLite: one full-text statement reads the newest matching ids (in the
/// index's rowid order, stopping one past [`RANKED_AT_MOST`]) with their
/// `rank`, set to weighted `bm25()` (lower is better), which gives the
/// count; they are ranked here (ties by id, so paging is stable), and the
/// page's rows are read by id. FTS5 walks the index for the words once (a
/// statement that counted and another that ranked walked it twice: on
/// 20,000 questions, setting up the last word's prefix was a quarter of a
/// search).
fn sqlite_ranked_page(
    conn: &mut SqliteConnection,
    query: &QuestionQuery,
    fts: &str,
) -> QueryResult<(Vec<Row>, i64, bool)> {
    let newest: Vec<(i64, f64)> = diesel::RunQueryDsl::load(
        narrowed!(
            questions_fts::table
                .inner_join(questions::table.on(questions::id.eq(questions_fts::rowid)))
                .into_boxed::<Sqlite>(),
            query
        )
        .filter(fts::Matches::new(
            questions_fts::document,
            fts.to_owned().into_sql::<Text>(),
        ))
        // Weights by column: prompt, why it comes up, prep pointers.
        .filter(fts::Matches::new(
            questions_fts::rank,
            "bm25(10.0, 4.0, 1.0)".into_sql::<Text>(),
        ))
        .select((questions_fts::rowid, questions_fts::rank))
        .order(questions_fts::rowid.desc())
        .limit(RANKED_AT_MOST + 1),
        conn,
    )?;
    let ids: Vec<i64> = newest.iter().map(|hit| hit.0).collect();
    let (total, more, _) = bounded(&ids);
    let mut ranked = newest;
    ranked.truncate(usize::try_from(total).unwrap_or(0));
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let skip = usize::try_from(query.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(query.per_page()).unwrap_or(0);
    let page: Vec<i64> = ranked
        .iter()
        .skip(skip)
        .take(take)
        .map(|hit| hit.0)
        .collect();
    if page.is_empty() {
        return Ok((Vec::new(), total, more));
    }
    let mut rows: Vec<Row> = diesel::RunQueryDsl::load(
        questions::table
            .filter(questions::id.one_of(&page))
            .select(ROW),
        conn,
    )?;
    rows.sort_by_key(|row| page.iter().position(|id| *id == row.0));
    Ok((rows, total, more))
}

/// PostgreSQL: as SQLite, with `to_tsquery` (the text from
/// [`tsquery_text`]) over the stored `search` vector and `ts_rank` for the
/// order. Literal SQL on purpose: kept prepared, the statements soon ran on
/// a generic plan, which evaluates the query function for every row it
/// filters, and searches were slower than planned afresh
/// (`docs/performance.md`).
fn postgres_ranked_page(
    conn: &mut PgConnection,
    query: &QuestionQuery,
    tsquery: &str,
) -> QueryResult<(Vec<Row>, i64, bool)> {
    let matching = || {
        narrowed!(questions::table.into_boxed::<Pg>(), query).filter(
            sql::<Bool>("questions.search @@ to_tsquery('english', ")
                .bind::<Text, _>(tsquery.to_owned())
                .sql(")"),
        )
    };
    let newest: Vec<i64> = diesel::RunQueryDsl::load(
        matching()
            .select(questions::id)
            .order(questions::id.desc())
            .limit(RANKED_AT_MOST + 1),
        conn,
    )?;
    let (total, more, oldest) = bounded(&newest);
    if total == 0 {
        return Ok((Vec::new(), 0, false));
    }
    let mut ranked = matching();
    if let Some(oldest) = oldest {
        ranked = ranked.filter(questions::id.ge(oldest));
    }
    let rows: Vec<Row> = diesel::RunQueryDsl::load(
        ranked
            .order(
                sql::<Double>("ts_rank(questions.search, to_tsquery('english', ")
                    .bind::<Text, _>(tsquery.to_owned())
                    .sql("))::double precision")
                    .desc(),
            )
            .then_order_by(questions::id)
            .select(ROW)
            .limit(query.per_page())
            .offset(query.offset()),
        conn,
    )?;
    Ok((rows, total, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_fts5_query() {
        assert_eq!(
            fts5_query("rate limit").as_deref(),
            Some("\"rate\" \"limit\"*")
        );
        assert_eq!(
            fts5_query("\"a\" OR b*").as_deref(),
            Some("\"a\" \"OR\" \"b\"*")
        );
        assert_eq!(fts5_query("  -- ").as_deref(), None);
    }

    #[test]
    fn typed_text_becomes_a_safe_tsquery() {
        assert_eq!(
            tsquery_text("rate limit").as_deref(),
            Some("'rate' & 'limit':*")
        );
        assert_eq!(
            tsquery_text("it's a!b | c:*").as_deref(),
            Some("'it' & 's' & 'a' & 'b' & 'c':*")
        );
        assert_eq!(tsquery_text(" & ").as_deref(), None);
    }

    /// Ranks by the weighted columns in one full-text statement, kept
    /// prepared: later searches, whatever their words, compile none.
    #[test]
    fn a_sqlite_search_ranks_and_keeps_its_statements_prepared() {
        use diesel::connection::SimpleConnection;
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        crate::db::migrate(&mut conn).unwrap();
        conn.batch_execute(
            "INSERT INTO questions (slug, category, prompt, why_asked, suggested_minutes, \
                 created_at, updated_at) VALUES \
             ('a', 'technical', 'Walk me through a cache you built.', \
                 'Shows design judgement.', 10, '2026-12-01', '2026-12-01'), \
             ('b', 'technical', 'Design a rate limiter.', 'Tests trade-offs.', 10, \
                 '2026-12-01', '2026-12-01'), \
             ('c', 'behavioural', 'Tell me about a conflict.', 'Teamwork.', 10, \
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
        assert_eq!(search_for(&mut conn, "design"), ["b", "a"]);
        assert_eq!(search_for(&mut conn, "conflict"), ["c"]);
        assert_eq!(search_for(&mut conn, "cache design"), ["a"]);
        let kept = kept.lock().unwrap();
        let matching: Vec<&String> = kept.iter().filter(|sql| sql.contains("MATCH")).collect();
        assert_eq!(matching.len(), 1, "{matching:?}");
    }
}
