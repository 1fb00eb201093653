//! Applies a `BankFile` to the database, idempotently by slug.
//!
//! Applying the same file twice changes nothing (not even `updated_at`);
//! an edited entry updates its row in place; rows a file no longer names are
//! kept (jobs and loops may use them), but links follow the file. All of it
//! runs in one transaction, after the whole file has been validated.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
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
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
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
    crate::db::write_transaction(conn, |conn| {
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
        Ok(report)
    })
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

/// kind, name, description, candidate description, position
type CriterionFields = (String, String, String, String, i64);

fn apply_track(
    conn: &mut DbConn,
    t: &super::TrackSeed,
    format_ids: &HashMap<String, i64>,
    kind_ids: &HashMap<String, i64>,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<(i64, Vec<(String, i64)>), BankError> {
    let existing: Option<(i64, String, String)> = tracks::table
        .filter(tracks::slug.eq(&t.slug))
        .select((tracks::id, tracks::name, tracks::description))
        .first(conn)
        .optional()?;
    let track_id = match existing {
        None => {
            report.count(Outcome::Inserted);
            diesel::insert_into(tracks::table)
                .values((
                    tracks::slug.eq(&t.slug),
                    tracks::name.eq(&t.name),
                    tracks::description.eq(&t.description),
                    tracks::created_at.eq(at),
                    tracks::updated_at.eq(at),
                ))
                .returning(tracks::id)
                .get_result(conn)?
        }
        Some((id, name, description)) if name == t.name && description == t.description => {
            report.count(Outcome::Unchanged);
            id
        }
        Some((id, ..)) => {
            report.count(Outcome::Updated);
            diesel::update(tracks::table.find(id))
                .set((
                    tracks::name.eq(&t.name),
                    tracks::description.eq(&t.description),
                    tracks::updated_at.eq(at),
                ))
                .execute(conn)?;
            id
        }
    };

    let mut criterion_ids = Vec::new();
    for (position, c) in t.criterion.iter().enumerate() {
        let wanted: CriterionFields = (
            c.kind.clone(),
            c.name.clone(),
            c.description.clone(),
            c.candidate_description.clone(),
            position as i64,
        );
        let existing: Option<(i64, CriterionFields)> = criteria::table
            .filter(criteria::track_id.eq(track_id))
            .filter(criteria::slug.eq(&c.slug))
            .select((
                criteria::id,
                (
                    criteria::kind,
                    criteria::name,
                    criteria::description,
                    criteria::candidate_description,
                    criteria::position,
                ),
            ))
            .first(conn)
            .optional()?;
        let values = (
            criteria::kind.eq(&c.kind),
            criteria::name.eq(&c.name),
            criteria::description.eq(&c.description),
            criteria::candidate_description.eq(&c.candidate_description),
            criteria::position.eq(position as i64),
            criteria::updated_at.eq(at),
        );
        let id = match existing {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(criteria::table)
                    .values((
                        criteria::track_id.eq(track_id),
                        criteria::slug.eq(&c.slug),
                        criteria::created_at.eq(at),
                        values,
                    ))
                    .returning(criteria::id)
                    .get_result(conn)?
            }
            Some((id, current)) if current == wanted => {
                report.count(Outcome::Unchanged);
                id
            }
            Some((id, _)) => {
                report.count(Outcome::Updated);
                diesel::update(criteria::table.find(id))
                    .set(values)
                    .execute(conn)?;
                id
            }
        };
        criterion_ids.push((c.slug.clone(), id));
    }
    let by_slug: HashMap<&str, i64> = criterion_ids
        .iter()
        .map(|(s, id)| (s.as_str(), *id))
        .collect();

    let current = track_stage_kinds::table
        .filter(track_stage_kinds::track_id.eq(track_id))
        .select((
            track_stage_kinds::stage_kind_id,
            track_stage_kinds::position,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let wanted = t
        .stage_kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (kind_ids[k], i as i64))
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(track_stage_kinds::table.filter(track_stage_kinds::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, position) in wanted {
            diesel::insert_into(track_stage_kinds::table)
                .values((
                    track_stage_kinds::track_id.eq(track_id),
                    track_stage_kinds::stage_kind_id.eq(kind_id),
                    track_stage_kinds::position.eq(position),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;

    let current = track_formats::table
        .filter(track_formats::track_id.eq(track_id))
        .select((track_formats::format_id, track_formats::position))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let wanted = t
        .formats
        .iter()
        .enumerate()
        .map(|(i, f)| (format_ids[f], i as i64))
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(track_formats::table.filter(track_formats::track_id.eq(track_id)))
            .execute(conn)?;
        for (format_id, position) in wanted {
            diesel::insert_into(track_formats::table)
                .values((
                    track_formats::track_id.eq(track_id),
                    track_formats::format_id.eq(format_id),
                    track_formats::position.eq(position),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;

    let current = stage_kind_focus::table
        .filter(stage_kind_focus::track_id.eq(track_id))
        .select((
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let by_slug = &by_slug;
    let wanted = t
        .stage_focus
        .iter()
        .flat_map(|f| {
            f.criteria
                .iter()
                .map(move |c| (kind_ids[&f.stage_kind], by_slug[c.as_str()]))
        })
        .collect();
    sync(report, current, wanted, |wanted| {
        diesel::delete(stage_kind_focus::table.filter(stage_kind_focus::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, criterion_id) in wanted {
            diesel::insert_into(stage_kind_focus::table)
                .values((
                    stage_kind_focus::track_id.eq(track_id),
                    stage_kind_focus::stage_kind_id.eq(kind_id),
                    stage_kind_focus::criterion_id.eq(criterion_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    Ok((track_id, criterion_ids))
}

/// category, prompt, why, prep pointers, follow-ups, minutes, archived
type QuestionFields = (String, String, String, String, String, i64, bool);

fn question_fields(q: &QuestionSeed) -> QuestionFields {
    (
        q.category.clone(),
        q.prompt.clone(),
        q.why.clone(),
        json_list(&q.prep_pointers),
        json_list(&q.follow_ups),
        q.minutes,
        q.archived,
    )
}

/// What a question said, for its revision history.
pub(crate) fn snapshot(fields: &QuestionFields, version: i64) -> String {
    json!({
        "version": version,
        "category": fields.0,
        "prompt": fields.1,
        "why": fields.2,
        "prep_pointers": serde_json::from_str::<serde_json::Value>(&fields.3).unwrap_or_default(),
        "follow_ups": serde_json::from_str::<serde_json::Value>(&fields.4).unwrap_or_default(),
        "minutes": fields.5,
    })
    .to_string()
}

pub(crate) fn apply_questions(
    conn: &mut DbConn,
    seeds: &[QuestionSeed],
    ids_of: &LinkIds,
    actor: Option<i64>,
    report: &mut SeedReport,
    at: NaiveDateTime,
) -> Result<Vec<i64>, BankError> {
    let (track_ids, criterion_ids, kind_ids) =
        (&ids_of.tracks, &ids_of.criteria, &ids_of.stage_kinds);
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<NaiveDateTime>,
        i64,
    );
    let slugs: Vec<&str> = seeds.iter().map(|q| q.slug.as_str()).collect();
    let mut existing: HashMap<String, Row> = HashMap::new();
    for chunk in slugs.chunks(500) {
        let rows: Vec<Row> = questions::table
            .filter(questions::slug.eq_any(chunk))
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
            .load(conn)?;
        existing.extend(rows.into_iter().map(|r| (r.1.clone(), r)));
    }

    let mut ids = Vec::with_capacity(seeds.len());
    for q in seeds {
        let wanted = question_fields(q);
        let values = (
            questions::category.eq(&wanted.0),
            questions::prompt.eq(&wanted.1),
            questions::why_asked.eq(&wanted.2),
            questions::prep_pointers.eq(&wanted.3),
            questions::follow_ups.eq(&wanted.4),
            questions::suggested_minutes.eq(wanted.5),
        );
        let id = match existing.get(&q.slug) {
            None => {
                report.count(Outcome::Inserted);
                diesel::insert_into(questions::table)
                    .values((
                        questions::slug.eq(&q.slug),
                        values,
                        questions::version.eq(1),
                        questions::archived_at.eq(q.archived.then_some(at)),
                        questions::created_by.eq(actor),
                        questions::created_at.eq(at),
                        questions::updated_at.eq(at),
                    ))
                    .returning(questions::id)
                    .get_result(conn)?
            }
            Some(row) => {
                let current: QuestionFields = (
                    row.2.clone(),
                    row.3.clone(),
                    row.4.clone(),
                    row.5.clone(),
                    row.6.clone(),
                    row.7,
                    row.8.is_some(),
                );
                if current == wanted {
                    report.count(Outcome::Unchanged);
                } else {
                    report.count(Outcome::Updated);
                    // Archiving alone is not a new version of what the question says.
                    let text_changed = (
                        &current.0, &current.1, &current.2, &current.3, &current.4, current.5,
                    ) != (
                        &wanted.0, &wanted.1, &wanted.2, &wanted.3, &wanted.4, wanted.5,
                    );
                    let version = if text_changed {
                        diesel::insert_into(question_revisions::table)
                            .values((
                                question_revisions::question_id.eq(row.0),
                                question_revisions::version.eq(row.9),
                                question_revisions::snapshot.eq(snapshot(&current, row.9)),
                                question_revisions::changed_by.eq(actor),
                                question_revisions::created_at.eq(at),
                            ))
                            .execute(conn)?;
                        row.9 + 1
                    } else {
                        row.9
                    };
                    let archived_at = match (row.8, q.archived) {
                        (Some(t), true) => Some(t),
                        (None, true) => Some(at),
                        (_, false) => None,
                    };
                    diesel::update(questions::table.find(row.0))
                        .set((
                            values,
                            questions::version.eq(version),
                            questions::archived_at.eq(archived_at),
                            questions::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                row.0
            }
        };
        ids.push(id);
    }

    // Links, compared per question: three queries whatever the bank's size.
    let mut current_criteria: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut current_kinds: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut current_tracks: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for (q, c) in question_criteria::table
            .filter(question_criteria::question_id.eq_any(chunk))
            .select((
                question_criteria::question_id,
                question_criteria::criterion_id,
            ))
            .load::<(i64, i64)>(conn)?
        {
            current_criteria.entry(q).or_default().insert(c);
        }
        for (q, k) in question_stage_kinds::table
            .filter(question_stage_kinds::question_id.eq_any(chunk))
            .select((
                question_stage_kinds::question_id,
                question_stage_kinds::stage_kind_id,
            ))
            .load::<(i64, i64)>(conn)?
        {
            current_kinds.entry(q).or_default().insert(k);
        }
        for (q, t) in question_tracks::table
            .filter(question_tracks::question_id.eq_any(chunk))
            .select((question_tracks::question_id, question_tracks::track_id))
            .load::<(i64, i64)>(conn)?
        {
            current_tracks.entry(q).or_default().insert(t);
        }
    }
    for (q, &id) in seeds.iter().zip(&ids) {
        let wanted_criteria: BTreeSet<i64> = q
            .criteria
            .iter()
            .chain(&q.red_flags)
            .flat_map(|c| {
                q.tracks
                    .iter()
                    .filter_map(move |t| criterion_ids.get(&(t.clone(), c.clone())).copied())
            })
            .collect();
        sync(
            report,
            current_criteria.remove(&id).unwrap_or_default(),
            wanted_criteria,
            |wanted| {
                diesel::delete(
                    question_criteria::table.filter(question_criteria::question_id.eq(id)),
                )
                .execute(conn)?;
                for c in wanted {
                    diesel::insert_into(question_criteria::table)
                        .values((
                            question_criteria::question_id.eq(id),
                            question_criteria::criterion_id.eq(c),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
        let wanted_kinds: BTreeSet<i64> = q.stage_kinds.iter().map(|k| kind_ids[k]).collect();
        sync(
            report,
            current_kinds.remove(&id).unwrap_or_default(),
            wanted_kinds,
            |wanted| {
                diesel::delete(
                    question_stage_kinds::table.filter(question_stage_kinds::question_id.eq(id)),
                )
                .execute(conn)?;
                for k in wanted {
                    diesel::insert_into(question_stage_kinds::table)
                        .values((
                            question_stage_kinds::question_id.eq(id),
                            question_stage_kinds::stage_kind_id.eq(k),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
        let wanted_tracks: BTreeSet<i64> = q.tracks.iter().map(|t| track_ids[t]).collect();
        sync(
            report,
            current_tracks.remove(&id).unwrap_or_default(),
            wanted_tracks,
            |wanted| {
                diesel::delete(question_tracks::table.filter(question_tracks::question_id.eq(id)))
                    .execute(conn)?;
                for t in wanted {
                    diesel::insert_into(question_tracks::table)
                        .values((
                            question_tracks::question_id.eq(id),
                            question_tracks::track_id.eq(t),
                        ))
                        .execute(conn)?;
                }
                Ok(())
            },
        )?;
    }
    Ok(ids)
}

/// True when the bank has never been seeded (first start).
pub fn is_empty(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = tracks::table.count().get_result(conn)?;
    Ok(n == 0)
}
