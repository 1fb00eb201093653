//! Applies a `BankFile` to the database, idempotently by slug.
//!
//! Applying the same file twice changes nothing (not even `updated_at`);
//! an edited entry updates its row in place; rows a file no longer names are
//! kept (jobs and loops may use them), but links follow the file. All of it
//! runs in one transaction, after the whole file has been validated.

mod question_rows;
mod track_rows;

pub(super) use question_rows::apply_questions;
use track_rows::apply_track;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde_json::json;

use super::{BankError, BankFile, Known, QuestionSeed};
use crate::db::DbConn;
use crate::db::models::now;
use crate::db::schema::{
    bank_texts, criteria, formats, question_criteria, question_revisions, question_stage_kinds,
    question_tracks, questions, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds,
    tracks,
};

/// What applying a bank did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SeedReport {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub links_changed: usize,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} inserted, {} updated, {} unchanged, {} links changed",
            self.inserted, self.updated, self.unchanged, self.links_changed
        )
    }
}

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

impl SeedReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Inserted => self.inserted += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Replaces a link set when it differs from the wanted one.
fn sync<T: Ord + Clone>(
    report: &mut SeedReport,
    current: BTreeSet<T>,
    wanted: BTreeSet<T>,
    mut replace: impl FnMut(&BTreeSet<T>) -> QueryResult<()>,
) -> QueryResult<()> {
    if current != wanted {
        replace(&wanted)?;
        report.links_changed += 1;
    }
    Ok(())
}

/// Validates, then applies the whole bank in one transaction.
/// The slugs in the database that a bank file may refer to.
pub fn known(conn: &mut DbConn) -> QueryResult<Known> {
    let formats = formats::table
        .select(formats::slug)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let stage_kinds = stage_kinds::table
        .select(stage_kinds::slug)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut tracks_known: HashMap<String, HashMap<String, String>> = tracks::table
        .select(tracks::slug)
        .load::<String>(conn)?
        .into_iter()
        .map(|t| (t, HashMap::new()))
        .collect();
    let rows: Vec<(String, String, String)> = criteria::table
        .inner_join(tracks::table)
        .select((tracks::slug, criteria::slug, criteria::kind))
        .load(conn)?;
    for (track, criterion, kind) in rows {
        tracks_known
            .entry(track)
            .or_default()
            .insert(criterion, kind);
    }
    Ok(Known {
        formats,
        stage_kinds,
        tracks: tracks_known,
    })
}

/// Ids by slug of everything questions link to.
pub(crate) struct LinkIds {
    tracks: HashMap<String, i64>,
    criteria: HashMap<(String, String), i64>,
    stage_kinds: HashMap<String, i64>,
}

pub(crate) fn link_ids(conn: &mut DbConn) -> QueryResult<LinkIds> {
    let tracks_by_slug = tracks::table
        .select((tracks::slug, tracks::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let criteria_by_slug = criteria::table
        .inner_join(tracks::table)
        .select((tracks::slug, criteria::slug, criteria::id))
        .load::<(String, String, i64)>(conn)?
        .into_iter()
        .map(|(t, c, id)| ((t, c), id))
        .collect();
    let kinds = stage_kinds::table
        .select((stage_kinds::slug, stage_kinds::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(LinkIds {
        tracks: tracks_by_slug,
        criteria: criteria_by_slug,
        stage_kinds: kinds,
    })
}

/// Validates (against the file and what the database already holds), then
/// applies the whole bank in one transaction.
pub fn apply(
    conn: &mut DbConn,
    bank: &BankFile,
    actor: Option<i64>,
) -> Result<SeedReport, BankError> {
    let report = crate::db::write_transaction(conn, |conn| {
        bank.validate_with(&known(conn)?)?;
        let mut report = SeedReport::default();
        let at = now();
        apply_formats(conn, bank, &mut report, at)?;
        let format_ids: HashMap<String, i64> = formats::table
            .select((formats::slug, formats::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        apply_stage_kinds(conn, bank, &format_ids, &mut report, at)?;
        let kind_ids: HashMap<String, i64> = stage_kinds::table
            .select((stage_kinds::slug, stage_kinds::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        for t in &bank.track {
            apply_track(conn, t, &format_ids, &kind_ids, &mut report, at)?;
        }
        let ids = link_ids(conn)?;
        apply_questions(conn, &bank.question, &ids, actor, &mut report, at)?;
        if let Some(prep) = &bank.prep {
            for (key, value) in [
                ("general_advice", &prep.general_advice),
                ("questions_to_ask", &prep.questions_to_ask),
            ] {
                let value = json_list(value);
                let current: Option<String> = bank_texts::table
                    .find(key)
                    .select(bank_texts::value)
                    .first(conn)
                    .optional()?;
                match current {
                    Some(v) if v == value => report.count(Outcome::Unchanged),
                    Some(_) => {
                        diesel::update(bank_texts::table.find(key))
                            .set(bank_texts::value.eq(&value))
                            .execute(conn)?;
                        report.count(Outcome::Updated);
                    }
                    None => {
                        diesel::insert_into(bank_texts::table)
                            .values((bank_texts::key.eq(key), bank_texts::value.eq(&value)))
                            .execute(conn)?;
                        report.count(Outcome::Inserted);
                    }
                }
            }
        }
        Ok::<_, BankError>(report)
    })?;
    // A large import reads better with statistics (`loopwright bank import`).
    crate::db::refresh_statistics_after(
        conn,
        report.inserted + report.updated + report.links_changed,
        report.updated + report.unchanged,
    )?;
    Ok(report)
}

/// name, description, candidate description, candidate prep, position
type FormatFields = (String, String, String, String, i64);

fn apply_formats(
    conn: &mut DbConn,
    bank: &BankFile,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<HashMap<String, i64>, BankError> {
    let mut ids = HashMap::new();
    for (position, f) in bank.format.iter().enumerate() {
        let wanted = (
            f.name.clone(),
            f.description.clone(),
            f.candidate_description.clone(),
            json_list(&f.candidate_prep),
            position as i64,
        );
        let existing: Option<(i64, FormatFields)> = formats::table
            .filter(formats::slug.eq(&f.slug))
            .select((
                formats::id,
                (
                    formats::name,
                    formats::description,
                    formats::candidate_description,
                    formats::candidate_prep,
                    formats::position,
                ),
            ))
            .first(conn)
            .optional()?;
        let values = (
            formats::name.eq(&wanted.0),
            formats::description.eq(&wanted.1),
            formats::candidate_description.eq(&wanted.2),
            formats::candidate_prep.eq(&wanted.3),
            formats::position.eq(wanted.4),
            formats::updated_at.eq(at),
        );
        let id = match existing {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(formats::table)
                    .values((
                        formats::slug.eq(&f.slug),
                        formats::created_at.eq(at),
                        values,
                    ))
                    .returning(formats::id)
                    .get_result(conn)?
            }
            Some((id, current)) if current == wanted => {
                report.count(Outcome::Unchanged);
                id
            }
            Some((id, _)) => {
                report.count(Outcome::Updated);
                diesel::update(formats::table.find(id))
                    .set(values)
                    .execute(conn)?;
                id
            }
        };
        ids.insert(f.slug.clone(), id);
    }
    Ok(ids)
}

/// name, description, candidate description, candidate prep, default format, duration, position
type StageKindFields = (String, String, String, String, i64, i64, i64);

fn apply_stage_kinds(
    conn: &mut DbConn,
    bank: &BankFile,
    format_ids: &HashMap<String, i64>,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<HashMap<String, i64>, BankError> {
    let mut ids = HashMap::new();
    for (position, k) in bank.stage_kind.iter().enumerate() {
        let wanted: StageKindFields = (
            k.name.clone(),
            k.description.clone(),
            k.candidate_description.clone(),
            json_list(&k.candidate_prep),
            format_ids[&k.default_format],
            k.default_duration_minutes,
            position as i64,
        );
        let existing: Option<(i64, StageKindFields)> = stage_kinds::table
            .filter(stage_kinds::slug.eq(&k.slug))
            .select((
                stage_kinds::id,
                (
                    stage_kinds::name,
                    stage_kinds::description,
                    stage_kinds::candidate_description,
                    stage_kinds::candidate_prep,
                    stage_kinds::default_format_id,
                    stage_kinds::default_duration_minutes,
                    stage_kinds::position,
                ),
            ))
            .first(conn)
            .optional()?;
        let values = (
            stage_kinds::name.eq(&wanted.0),
            stage_kinds::description.eq(&wanted.1),
            stage_kinds::candidate_description.eq(&wanted.2),
            stage_kinds::candidate_prep.eq(&wanted.3),
            stage_kinds::default_format_id.eq(wanted.4),
            stage_kinds::default_duration_minutes.eq(wanted.5),
            stage_kinds::position.eq(wanted.6),
            stage_kinds::updated_at.eq(at),
        );
        let id = match existing {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(stage_kinds::table)
                    .values((
                        stage_kinds::slug.eq(&k.slug),
                        stage_kinds::created_at.eq(at),
                        values,
                    ))
                    .returning(stage_kinds::id)
                    .get_result(conn)?
            }
            Some((id, current)) if current == wanted => {
                report.count(Outcome::Unchanged);
                id
            }
            Some((id, _)) => {
                report.count(Outcome::Updated);
                diesel::update(stage_kinds::table.find(id))
                    .set(values)
                    .execute(conn)?;
                id
            }
        };
        ids.insert(k.slug.clone(), id);
    }
    Ok(ids)
}

/// True when the bank has never been seeded (first start).
pub fn is_empty(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = tracks::table.count().get_result(conn)?;
    Ok(n == 0)
}
