//! Questions one at a time: what the question page shows, and saving,
//! archiving from the app (with the same versioning as an import).

use std::collections::{BTreeSet, HashMap};

use crate::db::prelude::*;
use serde::Serialize;

use super::apply::{apply_questions, link_ids};
use super::chips::chips_for;
use super::search::Chip;
use super::{BankError, BankFile, QuestionSeed, SeedReport, known};
use crate::db::DbConn;
use crate::db::id_list::OneOfExt;
use crate::db::models::now;
use crate::db::schema::{
    candidates, jobs, loops, question_criteria, question_revisions, question_tracks, questions,
    stage_questions, stages, tracks,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionDetail {
    pub id: i64,
    pub slug: String,
    pub category: String,
    pub prompt: String,
    pub why: String,
    pub prep_pointers: Vec<String>,
    pub follow_ups: Vec<String>,
    pub minutes: i64,
    pub archived: bool,
    pub version: i64,
    pub criteria: Vec<Chip>,
    pub red_flags: Vec<Chip>,
    pub stage_kinds: Vec<Chip>,
    pub tracks: Vec<Chip>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoopUse {
    pub job_title: String,
    pub candidate_name: Option<String>,
    pub stage_title: String,
    pub loop_id: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = QuestionRevision)]
pub struct Revision {
    pub version: i64,
    #[schema(value_type = String)]
    pub changed_at: chrono::NaiveDateTime,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn detail(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuestionDetail>> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<chrono::NaiveDateTime>,
        i64,
    );
    let row: Option<Row> = questions::table
        .find(id)
        .select((
            questions::id,
            questions::slug,
            questions::category,
            questions::prompt,
            questions::why_asked,
            questions::prep_pointers,
            questions::follow_ups,
            questions::suggested_minutes,
            questions::archived_at,
            questions::version,
        ))
        .first(conn)
        .optional()?;
    let Some((
        id,
        slug,
        category,
        prompt,
        why,
        pointers,
        follow_ups,
        minutes,
        archived_at,
        version,
    )) = row
    else {
        return Ok(None);
    };
    let (criteria, red_flags, stage_kinds) =
        chips_for(conn, &[id])?.remove(&id).unwrap_or_default();
    let tracks = question_tracks::table
        .inner_join(tracks::table)
        .filter(question_tracks::question_id.eq(id))
        .select((tracks::slug, tracks::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(slug, name)| Chip {
            slug,
            name,
            kind: "track".into(),
        })
        .collect();
    Ok(Some(QuestionDetail {
        id,
        slug,
        category,
        prompt,
        why,
        prep_pointers: list(&pointers),
        follow_ups: list(&follow_ups),
        minutes,
        archived: archived_at.is_some(),
        version,
        criteria,
        red_flags,
        stage_kinds,
        tracks,
    }))
}

/// The loops (templates and candidates') whose stages pull this question.
pub fn used_in(conn: &mut DbConn, id: i64) -> QueryResult<Vec<LoopUse>> {
    let rows: Vec<(String, Option<String>, String, i64)> = stage_questions::table
        .inner_join(
            stages::table.inner_join(
                loops::table
                    .inner_join(jobs::table)
                    .left_join(candidates::table),
            ),
        )
        .filter(stage_questions::question_id.eq(id))
        .order((jobs::title, loops::id, stages::position))
        .select((
            jobs::title,
            candidates::name.nullable(),
            stages::title,
            loops::id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(job_title, candidate_name, stage_title, loop_id)| LoopUse {
                job_title,
                candidate_name,
                stage_title,
                loop_id,
            },
        )
        .collect())
}

pub fn revisions(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Revision>> {
    Ok(question_revisions::table
        .filter(question_revisions::question_id.eq(id))
        .order(question_revisions::version.desc())
        .select((question_revisions::version, question_revisions::created_at))
        .load::<(i64, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(version, changed_at)| Revision {
            version,
            changed_at,
        })
        .collect())
}

/// A question as the bank file writes it, from the database.
pub fn as_seed(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuestionSeed>> {
    let Some(d) = detail(conn, id)? else {
        return Ok(None);
    };
    Ok(Some(QuestionSeed {
        slug: d.slug,
        category: d.category,
        prompt: d.prompt,
        why: d.why,
        prep_pointers: d.prep_pointers,
        follow_ups: d.follow_ups,
        tracks: d.tracks.into_iter().map(|c| c.slug).collect(),
        criteria: d.criteria.into_iter().map(|c| c.slug).collect(),
        red_flags: d.red_flags.into_iter().map(|c| c.slug).collect(),
        stage_kinds: d.stage_kinds.into_iter().map(|c| c.slug).collect(),
        minutes: d.minutes,
        archived: d.archived,
    }))
}

/// A slug for a new question from its prompt, unique in the bank.
pub fn new_slug(conn: &mut DbConn, prompt: &str) -> QueryResult<String> {
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(7)
        .map(str::to_ascii_lowercase)
        .collect();
    let base = if words.is_empty() {
        "question".to_owned()
    } else {
        words.join("-")
    };
    let mut slug = base.clone();
    let mut n = 2;
    while questions::table
        .filter(questions::slug.eq(&slug))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        slug = format!("{base}-{n}");
        n += 1;
    }
    Ok(slug)
}

/// Saves one question (new or changed), validated against the bank in the
/// database, in one transaction. Returns its id.
pub fn save(conn: &mut DbConn, seed: QuestionSeed, actor: Option<i64>) -> Result<i64, BankError> {
    crate::db::write_transaction(conn, |conn| {
        let file = BankFile {
            question: vec![seed],
            ..BankFile::default()
        };
        file.validate_with(&known(conn)?)?;
        let ids = link_ids(conn)?;
        let mut report = SeedReport::default();
        let saved = apply_questions(conn, &file.question, &ids, actor, &mut report, now())?;
        saved
            .first()
            .copied()
            .ok_or(BankError::Database(diesel::result::Error::NotFound))
    })
}

/// The bank criteria each of `question_ids` probes: question id → criterion
/// ids. A question that probes none is absent. One statement.
pub fn criteria_probed_by(
    conn: &mut DbConn,
    question_ids: impl IntoIterator<Item = i64>,
) -> QueryResult<HashMap<i64, BTreeSet<i64>>> {
    let question_ids: Vec<i64> = question_ids.into_iter().collect();
    let mut probes: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (q, c) in question_criteria::table
        .filter(question_criteria::question_id.one_of(&question_ids))
        .select((
            question_criteria::question_id,
            question_criteria::criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        probes.entry(q).or_default().insert(c);
    }
    Ok(probes)
}
