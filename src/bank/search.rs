//! Finding questions: full-text search (FTS5 on SQLite, tsvector on
//! PostgreSQL) and filters, behind one function; ranked and paginated.

use crate::db::id_list::OneOfExt;
use crate::domain::CriterionKind;
use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
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
            /// FTS5's hidden rank column: the `bm25()` weights a query gives.
            rank -> Double,
        }
    }

    diesel::allow_tables_to_appear_in_same_query!(questions_fts, questions);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_criteria);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, criteria);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_stage_kinds);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, stage_kinds);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, question_tracks);
    diesel::allow_tables_to_appear_in_same_query!(questions_fts, tracks);
}

type Db = <DbConn as Connection>::Backend;

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

/// FTS5 query text from what a person typed: every word must appear; the last
/// may be the start of a word. Quoting each word keeps FTS5 syntax out.
fn fts5_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("{w}*")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[derive(Clone, Copy)]
enum Engine {
    Sqlite,
    Postgres,
}

fn engine(conn: &DbConn) -> Engine {
    match conn {
        DbConn::Sqlite(_) => Engine::Sqlite,
        DbConn::Postgresql(_) => Engine::Postgres,
    }
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

fn filtered<'a>(query: &'a QuestionQuery, engine: Engine) -> questions::BoxedQuery<'a, Db> {
    let mut q = narrowed!(questions::table.into_boxed::<Db>(), query);
    if let Some(text) = query.text() {
        q = match engine {
            Engine::Sqlite => match fts5_query(&text) {
                Some(fts) => q.filter(
                    sql::<Bool>("questions.id IN (SELECT rowid FROM questions_fts WHERE questions_fts MATCH ")
                        .bind::<Text, _>(fts)
                        .sql(")"),
                ),
                // Only punctuation: nothing can match.
                None => q.filter(sql::<Bool>("1 = 0")),
            },
            Engine::Postgres => q.filter(
                sql::<Bool>("questions.search @@ websearch_to_tsquery('english', ")
                    .bind::<Text, _>(text)
                    .sql(")"),
            ),
        };
    }
    q
}

/// One page of matching questions, best first, with the total: four
/// statements whatever the size of the bank.
pub fn search(
    conn: &mut DbConn,
    query: &QuestionQuery,
) -> QueryResult<(Vec<QuestionSummary>, i64)> {
    let engine = engine(conn);
    let sqlite_text = match engine {
        Engine::Sqlite => query.text().as_deref().and_then(fts5_query),
        Engine::Postgres => None,
    };
    let (rows, total) = match sqlite_text {
        Some(fts) => sqlite_ranked_page(conn, query, &fts)?,
        None => {
            let total: i64 = filtered(query, engine).count().get_result(conn)?;
            let mut page = filtered(query, engine);
            page = match (engine, query.text()) {
                (Engine::Postgres, Some(text)) => page
                    .order(
                        sql::<Double>("ts_rank(questions.search, websearch_to_tsquery('english', ")
                            .bind::<Text, _>(text)
                            .sql("))::double precision")
                            .desc(),
                    )
                    .then_order_by(questions::id),
                // SQLite text without a word matches nothing: order is moot.
                _ => page.order(questions::id),
            };
            let rows: Vec<Row> = page
                .select(ROW)
                .limit(query.per_page())
                .offset(query.offset())
                .load(conn)?;
            (rows, total)
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let chips = chips_for(conn, &ids)?;
    let summaries = rows
        .into_iter()
        .map(|(id, slug, category, prompt, why, minutes, archived_at)| {
            let (criteria, red_flags, stage_kinds) = chips.get(&id).cloned().unwrap_or_default();
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
    Ok((summaries, total))
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

/// SQLite ranks and pages in one statement, and counts in another: the
/// full-text index joined to the bank, ordered by its `rank` column set to
/// weighted `bm25()` (lower is better; ties by id, so paging is stable).
/// The ranking runs once per hit inside SQLite (a correlated subquery per
/// row would redo the index statistics every time, quadratic in the hits;
/// the hits' number as a window over the ranked rows costs more than
/// counting them apart); only the page's rows come back.
fn sqlite_ranked_page(
    conn: &mut DbConn,
    query: &QuestionQuery,
    fts: &str,
) -> QueryResult<(Vec<Row>, i64)> {
    let matching = || {
        narrowed!(
            questions_fts::table
                .inner_join(questions::table.on(questions::id.eq(questions_fts::rowid)))
                .into_boxed::<Db>(),
            query
        )
        .filter(
            sql::<Bool>("questions_fts MATCH ")
                .bind::<Text, _>(fts.to_owned())
                // Weights by column: prompt, why it comes up, prep pointers.
                .sql(" AND questions_fts.rank MATCH 'bm25(10.0, 4.0, 1.0)'"),
        )
    };
    let rows: Vec<Row> = matching()
        .order((questions_fts::rank, questions::id))
        .select(ROW)
        .limit(query.per_page())
        .offset(query.offset())
        .load(conn)?;
    let total = matching().count().get_result(conn)?;
    Ok((rows, total))
}

type ChipSets = (Vec<Chip>, Vec<Chip>, Vec<Chip>);

/// Criteria, red flags and stage kinds of some questions: two queries.
pub fn chips_for(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ChipSets>> {
    let mut out: HashMap<i64, ChipSets> = HashMap::new();
    let linked: Vec<(i64, String, String, String)> = question_criteria::table
        .inner_join(criteria::table)
        .filter(question_criteria::question_id.one_of(ids))
        .order((criteria::position, criteria::id))
        .select((
            question_criteria::question_id,
            criteria::slug,
            criteria::name,
            criteria::kind,
        ))
        .load(conn)?;
    for (id, slug, name, kind) in linked {
        let entry = out.entry(id).or_default();
        let target = if kind == CriterionKind::RedFlag.as_str() {
            &mut entry.1
        } else {
            &mut entry.0
        };
        let chip = Chip { slug, name, kind };
        if !target.contains(&chip) {
            target.push(chip);
        }
    }
    let kinds: Vec<(i64, String, String)> = question_stage_kinds::table
        .inner_join(stage_kinds::table)
        .filter(question_stage_kinds::question_id.one_of(ids))
        .order(stage_kinds::position)
        .select((
            question_stage_kinds::question_id,
            stage_kinds::slug,
            stage_kinds::name,
        ))
        .load(conn)?;
    for (id, slug, name) in kinds {
        out.entry(id).or_default().2.push(Chip {
            slug,
            name,
            kind: "stage_kind".into(),
        });
    }
    Ok(out)
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
}
