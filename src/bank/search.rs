//! Finding questions: full-text search (FTS5 on SQLite, tsvector on
//! PostgreSQL) and filters, behind one function; ranked and paginated.

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

type Db = <DbConn as Connection>::Backend;

/// The filters of the bank page and `GET /api/v1/questions`; all combine.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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
    pub page: Option<i64>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl QuestionQuery {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(25).clamp(1, 100)
    }

    fn text(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    fn slug(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Chip {
    pub slug: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
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

fn filtered<'a>(query: &'a QuestionQuery, engine: Engine) -> questions::BoxedQuery<'a, Db> {
    let mut q = questions::table.into_boxed::<Db>();
    if query.archived != Some(true) {
        q = q.filter(questions::archived_at.is_null());
    }
    if let Some(category) = QuestionQuery::slug(&query.category) {
        q = q.filter(questions::category.eq(category));
    }
    for (slug, kind) in [
        (QuestionQuery::slug(&query.criterion), "criterion"),
        (QuestionQuery::slug(&query.red_flag), "red_flag"),
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
    if let Some(text) = query.text() {
        q = match engine {
            Engine::Sqlite => match fts5_query(text) {
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
                    .bind::<Text, _>(text.to_owned())
                    .sql(")"),
            ),
        };
    }
    q
}

/// One page of matching questions, best first, with the total. Four
/// queries whatever the size of the bank.
pub fn search(
    conn: &mut DbConn,
    query: &QuestionQuery,
) -> QueryResult<(Vec<QuestionSummary>, i64)> {
    let engine = engine(conn);
    let total: i64 = filtered(query, engine).count().get_result(conn)?;
    let mut page = filtered(query, engine);
    if let Some(text) = query.text() {
        page = match (engine, fts5_query(text)) {
            // bm25: lower is better.
            (Engine::Sqlite, Some(fts)) => page.order(
                sql::<Double>("(SELECT bm25(questions_fts, 10.0, 4.0, 1.0) FROM questions_fts WHERE questions_fts MATCH ")
                    .bind::<Text, _>(fts)
                    .sql(" AND rowid = questions.id)")
                    .asc(),
            ),
            (Engine::Postgres, _) => page.order(
                sql::<Double>("ts_rank(questions.search, websearch_to_tsquery('english', ")
                    .bind::<Text, _>(text.to_owned())
                    .sql("))::double precision")
                    .desc(),
            ),
            (Engine::Sqlite, None) => page,
        };
        page = page.then_order_by(questions::id);
    } else {
        page = page.order(questions::id);
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
    let rows: Vec<Row> = page
        .select((
            questions::id,
            questions::slug,
            questions::category,
            questions::prompt,
            questions::why_asked,
            questions::suggested_minutes,
            questions::archived_at,
        ))
        .limit(query.per_page())
        .offset((query.page() - 1) * query.per_page())
        .load(conn)?;
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

type ChipSets = (Vec<Chip>, Vec<Chip>, Vec<Chip>);

/// Criteria, red flags and stage kinds of some questions: two queries.
pub fn chips_for(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ChipSets>> {
    let mut out: HashMap<i64, ChipSets> = HashMap::new();
    let linked: Vec<(i64, String, String, String)> = question_criteria::table
        .inner_join(criteria::table)
        .filter(question_criteria::question_id.eq_any(ids))
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
        let target = if kind == "red_flag" {
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
        .filter(question_stage_kinds::question_id.eq_any(ids))
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
