//! The whole bank out of the database, as a `BankFile` (the seed format).

use crate::domain::CriterionKind;
use std::collections::{BTreeMap, HashMap};

use crate::db::prelude::*;

use super::{
    BankFile, CriterionSeed, FormatSeed, PrepSeed, QuestionSeed, StageFocusSeed, StageKindSeed,
    TrackSeed,
};
use crate::db::DbConn;
use crate::db::schema::{
    bank_texts, criteria, formats, question_criteria, question_stage_kinds, question_tracks,
    questions, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A question's criteria, red flags, stage kinds and tracks, by slug.
type QuestionLinks = (Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// A fixed number of queries, whatever the size of the bank.
pub fn export(conn: &mut DbConn) -> QueryResult<BankFile> {
    let format_rows: Vec<(i64, String, String, String, String, String)> = formats::table
        .order((formats::position, formats::id))
        .select((
            formats::id,
            formats::slug,
            formats::name,
            formats::description,
            formats::candidate_description,
            formats::candidate_prep,
        ))
        .load(conn)?;
    let format_slug: HashMap<i64, String> =
        format_rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let format = format_rows
        .into_iter()
        .map(
            |(_, slug, name, description, candidate_description, prep)| FormatSeed {
                slug,
                name,
                description,
                candidate_description,
                candidate_prep: list(&prep),
            },
        )
        .collect();

    type KindRow = (i64, String, String, String, String, String, i64, i64);
    let kind_rows: Vec<KindRow> = stage_kinds::table
        .order((stage_kinds::position, stage_kinds::id))
        .select((
            stage_kinds::id,
            stage_kinds::slug,
            stage_kinds::name,
            stage_kinds::description,
            stage_kinds::candidate_description,
            stage_kinds::candidate_prep,
            stage_kinds::default_format_id,
            stage_kinds::default_duration_minutes,
        ))
        .load(conn)?;
    let kind_slug: HashMap<i64, String> = kind_rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let stage_kind = kind_rows
        .into_iter()
        .map(
            |(_, slug, name, description, candidate_description, prep, format_id, minutes)| {
                StageKindSeed {
                    slug,
                    name,
                    description,
                    candidate_description,
                    default_format: format_slug.get(&format_id).cloned().unwrap_or_default(),
                    default_duration_minutes: minutes,
                    candidate_prep: list(&prep),
                }
            },
        )
        .collect();

    let track_rows: Vec<(i64, String, String, String)> = tracks::table
        .order(tracks::id)
        .select((tracks::id, tracks::slug, tracks::name, tracks::description))
        .load(conn)?;
    let track_slug: HashMap<i64, String> = track_rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let criterion_rows: Vec<(i64, i64, String, String, String, String, String)> = criteria::table
        .order((criteria::track_id, criteria::position, criteria::id))
        .select((
            criteria::id,
            criteria::track_id,
            criteria::slug,
            criteria::kind,
            criteria::name,
            criteria::description,
            criteria::candidate_description,
        ))
        .load(conn)?;
    let criterion_of: HashMap<i64, (String, String)> = criterion_rows
        .iter()
        .map(|r| (r.0, (r.2.clone(), r.3.clone())))
        .collect();
    let kinds_of: Vec<(i64, i64)> = track_stage_kinds::table
        .order((track_stage_kinds::track_id, track_stage_kinds::position))
        .select((
            track_stage_kinds::track_id,
            track_stage_kinds::stage_kind_id,
        ))
        .load(conn)?;
    let formats_of: Vec<(i64, i64)> = track_formats::table
        .order((track_formats::track_id, track_formats::position))
        .select((track_formats::track_id, track_formats::format_id))
        .load(conn)?;
    let focus: Vec<(i64, i64, i64)> = stage_kind_focus::table
        .select((
            stage_kind_focus::track_id,
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load(conn)?;
    let track = track_rows
        .iter()
        .map(|(id, slug, name, description)| {
            let stage_kinds: Vec<String> = kinds_of
                .iter()
                .filter(|(t, _)| t == id)
                .map(|(_, k)| kind_slug[k].clone())
                .collect();
            let mut by_kind: BTreeMap<usize, StageFocusSeed> = BTreeMap::new();
            let criterion_position: HashMap<i64, usize> = criterion_rows
                .iter()
                .filter(|r| r.1 == *id)
                .enumerate()
                .map(|(i, r)| (r.0, i))
                .collect();
            let mut focus_rows: Vec<&(i64, i64, i64)> =
                focus.iter().filter(|(t, ..)| t == id).collect();
            focus_rows
                .sort_by_key(|(_, _, c)| criterion_position.get(c).copied().unwrap_or(usize::MAX));
            for (_, kind, criterion) in focus_rows {
                let slug = kind_slug[kind].clone();
                let at = stage_kinds
                    .iter()
                    .position(|k| *k == slug)
                    .unwrap_or(usize::MAX);
                by_kind
                    .entry(at)
                    .or_insert_with(|| StageFocusSeed {
                        stage_kind: slug,
                        criteria: Vec::new(),
                    })
                    .criteria
                    .push(criterion_of[criterion].0.clone());
            }
            TrackSeed {
                slug: slug.clone(),
                name: name.clone(),
                description: description.clone(),
                formats: formats_of
                    .iter()
                    .filter(|(t, _)| t == id)
                    .map(|(_, f)| format_slug[f].clone())
                    .collect(),
                criterion: criterion_rows
                    .iter()
                    .filter(|r| r.1 == *id)
                    .map(|r| CriterionSeed {
                        slug: r.2.clone(),
                        kind: r.3.clone(),
                        name: r.4.clone(),
                        description: r.5.clone(),
                        candidate_description: r.6.clone(),
                    })
                    .collect(),
                stage_focus: by_kind.into_values().collect(),
                stage_kinds,
            }
        })
        .collect();

    type QuestionRow = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<chrono::NaiveDateTime>,
    );
    let question_rows: Vec<QuestionRow> = questions::table
        .order(questions::id)
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
        ))
        .load(conn)?;
    let mut links: HashMap<i64, QuestionLinks> = HashMap::new();
    let q_criteria: Vec<(i64, i64)> = question_criteria::table
        .inner_join(criteria::table)
        .order((
            question_criteria::question_id,
            criteria::track_id,
            criteria::position,
        ))
        .select((
            question_criteria::question_id,
            question_criteria::criterion_id,
        ))
        .load(conn)?;
    for (q, c) in q_criteria {
        let (slug, kind) = &criterion_of[&c];
        let entry = links.entry(q).or_default();
        let target = if kind == CriterionKind::RedFlag.as_str() {
            &mut entry.1
        } else {
            &mut entry.0
        };
        if !target.contains(slug) {
            target.push(slug.clone());
        }
    }
    let q_kinds: Vec<(i64, i64)> = question_stage_kinds::table
        .inner_join(stage_kinds::table)
        .order((question_stage_kinds::question_id, stage_kinds::position))
        .select((
            question_stage_kinds::question_id,
            question_stage_kinds::stage_kind_id,
        ))
        .load(conn)?;
    for (q, k) in q_kinds {
        links.entry(q).or_default().2.push(kind_slug[&k].clone());
    }
    let q_tracks: Vec<(i64, i64)> = question_tracks::table
        .order((question_tracks::question_id, question_tracks::track_id))
        .select((question_tracks::question_id, question_tracks::track_id))
        .load(conn)?;
    for (q, t) in q_tracks {
        links.entry(q).or_default().3.push(track_slug[&t].clone());
    }
    let question = question_rows
        .into_iter()
        .map(
            |(id, slug, category, prompt, why, pointers, follow_ups, minutes, archived_at)| {
                let (criteria, red_flags, stage_kinds, tracks) =
                    links.remove(&id).unwrap_or_default();
                QuestionSeed {
                    slug,
                    category,
                    prompt,
                    why,
                    prep_pointers: list(&pointers),
                    follow_ups: list(&follow_ups),
                    tracks,
                    criteria,
                    red_flags,
                    stage_kinds,
                    minutes,
                    archived: archived_at.is_some(),
                }
            },
        )
        .collect();

    let texts: HashMap<String, String> = bank_texts::table
        .select((bank_texts::key, bank_texts::value))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let prep = (!texts.is_empty()).then(|| PrepSeed {
        general_advice: texts
            .get("general_advice")
            .map(|v| list(v))
            .unwrap_or_default(),
        questions_to_ask: texts
            .get("questions_to_ask")
            .map(|v| list(v))
            .unwrap_or_default(),
    });
    Ok(BankFile {
        format,
        stage_kind,
        track,
        question,
        prep,
    })
}

impl BankFile {
    /// The TOML text of the bank (what `bank export` writes).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}
