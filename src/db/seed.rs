//! The seed bank: TOML files in `seeds/`, applied idempotently by slug.
//!
//! Applying the same files twice changes nothing; editing a file updates the
//! rows it names. Rows the files no longer name are kept (jobs may use them),
//! but links (a track's stage kinds, formats and suggested focus) follow the file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use diesel::prelude::*;
use serde::Deserialize;

use super::DbConn;
use super::models::now;
use super::schema::{
    criteria, formats, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};

/// The seed files compiled into the binary, so a bare binary can seed itself.
const EMBEDDED_FORMATS: &str = include_str!("../../seeds/formats.toml");
const EMBEDDED_STAGE_KINDS: &str = include_str!("../../seeds/stage_kinds.toml");
const EMBEDDED_TRACKS: &[(&str, &str)] = &[(
    "tracks/backend-developer.toml",
    include_str!("../../seeds/tracks/backend-developer.toml"),
)];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatSeed {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageKindSeed {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    pub default_format: String,
    pub default_duration_minutes: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackSeed {
    pub track: TrackHeader,
    #[serde(default, rename = "criterion")]
    pub criteria: Vec<CriterionSeed>,
    #[serde(default)]
    pub stage_focus: Vec<StageFocusSeed>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackHeader {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub stage_kinds: Vec<String>,
    pub formats: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionSeed {
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFocusSeed {
    pub stage_kind: String,
    pub criteria: Vec<String>,
}

#[derive(Deserialize)]
struct FormatsFile {
    format: Vec<FormatSeed>,
}

#[derive(Deserialize)]
struct StageKindsFile {
    stage_kind: Vec<StageKindSeed>,
}

/// The whole seed bank, parsed and cross-checked.
#[derive(Debug, Clone)]
pub struct SeedBank {
    pub formats: Vec<FormatSeed>,
    pub stage_kinds: Vec<StageKindSeed>,
    pub tracks: Vec<TrackSeed>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("seed bank is inconsistent: {0}")]
    Inconsistent(String),
    #[error("database error while seeding: {0}")]
    Database(#[from] diesel::result::Error),
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, SeedError> {
    toml::from_str(text).map_err(|e| SeedError::File {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

impl SeedBank {
    pub fn embedded() -> Result<Self, SeedError> {
        let tracks = EMBEDDED_TRACKS
            .iter()
            .map(|(file, text)| parse(file, text))
            .collect::<Result<_, _>>()?;
        Self::checked(
            parse::<FormatsFile>("formats.toml", EMBEDDED_FORMATS)?.format,
            parse::<StageKindsFile>("stage_kinds.toml", EMBEDDED_STAGE_KINDS)?.stage_kind,
            tracks,
        )
    }

    /// Reads `formats.toml`, `stage_kinds.toml` and `tracks/*.toml` from `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, SeedError> {
        let read = |relative: &str| {
            std::fs::read_to_string(dir.join(relative)).map_err(|e| SeedError::File {
                file: dir.join(relative).display().to_string(),
                message: e.to_string(),
            })
        };
        let formats = parse::<FormatsFile>("formats.toml", &read("formats.toml")?)?.format;
        let stage_kinds =
            parse::<StageKindsFile>("stage_kinds.toml", &read("stage_kinds.toml")?)?.stage_kind;
        let mut track_files: Vec<_> = std::fs::read_dir(dir.join("tracks"))
            .map_err(|e| SeedError::File {
                file: dir.join("tracks").display().to_string(),
                message: e.to_string(),
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        track_files.sort();
        let tracks = track_files
            .iter()
            .map(|path| {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| SeedError::File {
                    file: name.clone(),
                    message: e.to_string(),
                })?;
                parse(&name, &text)
            })
            .collect::<Result<_, _>>()?;
        Self::checked(formats, stage_kinds, tracks)
    }

    /// Every reference between the files resolves, and slugs are unique.
    fn checked(
        formats: Vec<FormatSeed>,
        stage_kinds: Vec<StageKindSeed>,
        tracks: Vec<TrackSeed>,
    ) -> Result<Self, SeedError> {
        let bad = |m: String| Err(SeedError::Inconsistent(m));
        let format_slugs = unique("format", formats.iter().map(|f| f.slug.as_str()))?;
        let kind_slugs = unique("stage kind", stage_kinds.iter().map(|k| k.slug.as_str()))?;
        unique("track", tracks.iter().map(|t| t.track.slug.as_str()))?;
        for kind in &stage_kinds {
            if !format_slugs.contains(kind.default_format.as_str()) {
                return bad(format!(
                    "stage kind {} names unknown format {}",
                    kind.slug, kind.default_format
                ));
            }
            if kind.default_duration_minutes <= 0 {
                return bad(format!(
                    "stage kind {} needs a positive duration",
                    kind.slug
                ));
            }
        }
        for t in &tracks {
            let slug = &t.track.slug;
            let criterion_kinds: HashMap<&str, &str> = t
                .criteria
                .iter()
                .map(|c| (c.slug.as_str(), c.kind.as_str()))
                .collect();
            unique("criterion", t.criteria.iter().map(|c| c.slug.as_str()))?;
            for c in &t.criteria {
                if c.kind != "criterion" && c.kind != "red_flag" {
                    return bad(format!(
                        "track {slug}: criterion {} has kind {:?}; expected criterion or red_flag",
                        c.slug, c.kind
                    ));
                }
            }
            for k in &t.track.stage_kinds {
                if !kind_slugs.contains(k.as_str()) {
                    return bad(format!("track {slug} names unknown stage kind {k}"));
                }
            }
            for f in &t.track.formats {
                if !format_slugs.contains(f.as_str()) {
                    return bad(format!("track {slug} names unknown format {f}"));
                }
            }
            for focus in &t.stage_focus {
                if !t.track.stage_kinds.contains(&focus.stage_kind) {
                    return bad(format!(
                        "track {slug}: focus for stage kind {} which the track does not use",
                        focus.stage_kind
                    ));
                }
                for c in &focus.criteria {
                    if criterion_kinds.get(c.as_str()) != Some(&"criterion") {
                        return bad(format!(
                            "track {slug}: focus of {} names {c}, which is not a screening criterion of the track",
                            focus.stage_kind
                        ));
                    }
                }
            }
        }
        Ok(Self {
            formats,
            stage_kinds,
            tracks,
        })
    }
}

fn unique<'a>(
    what: &str,
    slugs: impl Iterator<Item = &'a str>,
) -> Result<BTreeSet<&'a str>, SeedError> {
    let mut seen = BTreeSet::new();
    for slug in slugs {
        if !seen.insert(slug) {
            return Err(SeedError::Inconsistent(format!(
                "{what} slug {slug} appears twice"
            )));
        }
    }
    Ok(seen)
}

/// What applying the seeds did.
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

impl SeedReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Inserted => self.inserted += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// name, description, candidate description, default format, duration, position
type StageKindFields = (String, String, String, i64, i64, i64);
/// kind, name, description, candidate description, position
type CriterionFields = (String, String, String, String, i64);

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

/// Applies the bank in one transaction: all of it or none.
pub fn apply(conn: &mut DbConn, bank: &SeedBank) -> Result<SeedReport, SeedError> {
    conn.transaction(|conn| {
        let mut report = SeedReport::default();
        let at = now();

        let mut format_ids = BTreeMap::new();
        for (position, f) in bank.formats.iter().enumerate() {
            let position = position as i64;
            let existing: Option<(i64, String, String, String, i64)> = formats::table
                .filter(formats::slug.eq(&f.slug))
                .select((
                    formats::id,
                    formats::name,
                    formats::description,
                    formats::candidate_description,
                    formats::position,
                ))
                .first(conn)
                .optional()?;
            let (id, outcome) = match existing {
                None => {
                    let id = diesel::insert_into(formats::table)
                        .values((
                            formats::slug.eq(&f.slug),
                            formats::name.eq(&f.name),
                            formats::description.eq(&f.description),
                            formats::candidate_description.eq(&f.candidate_description),
                            formats::position.eq(position),
                            formats::created_at.eq(at),
                            formats::updated_at.eq(at),
                        ))
                        .returning(formats::id)
                        .get_result(conn)?;
                    (id, Outcome::Inserted)
                }
                Some(row)
                    if row
                        == (
                            row.0,
                            f.name.clone(),
                            f.description.clone(),
                            f.candidate_description.clone(),
                            position,
                        ) =>
                {
                    (row.0, Outcome::Unchanged)
                }
                Some((id, ..)) => {
                    diesel::update(formats::table.find(id))
                        .set((
                            formats::name.eq(&f.name),
                            formats::description.eq(&f.description),
                            formats::candidate_description.eq(&f.candidate_description),
                            formats::position.eq(position),
                            formats::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                    (id, Outcome::Updated)
                }
            };
            report.count(outcome);
            format_ids.insert(f.slug.as_str(), id);
        }

        let mut kind_ids = BTreeMap::new();
        for (position, k) in bank.stage_kinds.iter().enumerate() {
            let position = position as i64;
            let format_id = format_ids[k.default_format.as_str()];
            let wanted = (
                k.name.clone(),
                k.description.clone(),
                k.candidate_description.clone(),
                format_id,
                k.default_duration_minutes,
                position,
            );
            let existing: Option<(i64, StageKindFields)> = stage_kinds::table
                .filter(stage_kinds::slug.eq(&k.slug))
                .select((
                    stage_kinds::id,
                    (
                        stage_kinds::name,
                        stage_kinds::description,
                        stage_kinds::candidate_description,
                        stage_kinds::default_format_id,
                        stage_kinds::default_duration_minutes,
                        stage_kinds::position,
                    ),
                ))
                .first(conn)
                .optional()?;
            let values = (
                stage_kinds::name.eq(&k.name),
                stage_kinds::description.eq(&k.description),
                stage_kinds::candidate_description.eq(&k.candidate_description),
                stage_kinds::default_format_id.eq(format_id),
                stage_kinds::default_duration_minutes.eq(k.default_duration_minutes),
                stage_kinds::position.eq(position),
                stage_kinds::updated_at.eq(at),
            );
            let (id, outcome) = match existing {
                None => {
                    let id = diesel::insert_into(stage_kinds::table)
                        .values((
                            stage_kinds::slug.eq(&k.slug),
                            stage_kinds::created_at.eq(at),
                            values,
                        ))
                        .returning(stage_kinds::id)
                        .get_result(conn)?;
                    (id, Outcome::Inserted)
                }
                Some((id, current)) if current == wanted => (id, Outcome::Unchanged),
                Some((id, _)) => {
                    diesel::update(stage_kinds::table.find(id))
                        .set(values)
                        .execute(conn)?;
                    (id, Outcome::Updated)
                }
            };
            report.count(outcome);
            kind_ids.insert(k.slug.as_str(), id);
        }

        for t in &bank.tracks {
            apply_track(conn, t, &format_ids, &kind_ids, &mut report, at)?;
        }
        Ok(report)
    })
}

fn apply_track(
    conn: &mut DbConn,
    t: &TrackSeed,
    format_ids: &BTreeMap<&str, i64>,
    kind_ids: &BTreeMap<&str, i64>,
    report: &mut SeedReport,
    at: chrono::NaiveDateTime,
) -> Result<(), SeedError> {
    let h = &t.track;
    let existing: Option<(i64, String, String)> = tracks::table
        .filter(tracks::slug.eq(&h.slug))
        .select((tracks::id, tracks::name, tracks::description))
        .first(conn)
        .optional()?;
    let track_id = match existing {
        None => {
            let id = diesel::insert_into(tracks::table)
                .values((
                    tracks::slug.eq(&h.slug),
                    tracks::name.eq(&h.name),
                    tracks::description.eq(&h.description),
                    tracks::created_at.eq(at),
                    tracks::updated_at.eq(at),
                ))
                .returning(tracks::id)
                .get_result(conn)?;
            report.count(Outcome::Inserted);
            id
        }
        Some((id, name, description)) if name == h.name && description == h.description => {
            report.count(Outcome::Unchanged);
            id
        }
        Some((id, ..)) => {
            diesel::update(tracks::table.find(id))
                .set((
                    tracks::name.eq(&h.name),
                    tracks::description.eq(&h.description),
                    tracks::updated_at.eq(at),
                ))
                .execute(conn)?;
            report.count(Outcome::Updated);
            id
        }
    };

    let mut criterion_ids = BTreeMap::new();
    for (position, c) in t.criteria.iter().enumerate() {
        let position = position as i64;
        let wanted = (
            c.kind.clone(),
            c.name.clone(),
            c.description.clone(),
            c.candidate_description.clone(),
            position,
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
            criteria::position.eq(position),
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
        criterion_ids.insert(c.slug.as_str(), id);
    }

    // Links: make the stored set equal the file's.
    let wanted_kinds: BTreeSet<(i64, i64)> = h
        .stage_kinds
        .iter()
        .enumerate()
        .map(|(i, k)| (kind_ids[k.as_str()], i as i64))
        .collect();
    let current_kinds: BTreeSet<(i64, i64)> = track_stage_kinds::table
        .filter(track_stage_kinds::track_id.eq(track_id))
        .select((
            track_stage_kinds::stage_kind_id,
            track_stage_kinds::position,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    if wanted_kinds != current_kinds {
        diesel::delete(track_stage_kinds::table.filter(track_stage_kinds::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, position) in &wanted_kinds {
            diesel::insert_into(track_stage_kinds::table)
                .values((
                    track_stage_kinds::track_id.eq(track_id),
                    track_stage_kinds::stage_kind_id.eq(kind_id),
                    track_stage_kinds::position.eq(position),
                ))
                .execute(conn)?;
        }
        report.links_changed += 1;
    }

    let wanted_formats: BTreeSet<(i64, i64)> = h
        .formats
        .iter()
        .enumerate()
        .map(|(i, f)| (format_ids[f.as_str()], i as i64))
        .collect();
    let current_formats: BTreeSet<(i64, i64)> = track_formats::table
        .filter(track_formats::track_id.eq(track_id))
        .select((track_formats::format_id, track_formats::position))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    if wanted_formats != current_formats {
        diesel::delete(track_formats::table.filter(track_formats::track_id.eq(track_id)))
            .execute(conn)?;
        for (format_id, position) in &wanted_formats {
            diesel::insert_into(track_formats::table)
                .values((
                    track_formats::track_id.eq(track_id),
                    track_formats::format_id.eq(format_id),
                    track_formats::position.eq(position),
                ))
                .execute(conn)?;
        }
        report.links_changed += 1;
    }

    let wanted_focus: BTreeSet<(i64, i64)> = t
        .stage_focus
        .iter()
        .flat_map(|f| {
            let kind_id = kind_ids[f.stage_kind.as_str()];
            f.criteria.iter().map(move |c| (kind_id, c))
        })
        .map(|(kind_id, c)| (kind_id, criterion_ids[c.as_str()]))
        .collect();
    let current_focus: BTreeSet<(i64, i64)> = stage_kind_focus::table
        .filter(stage_kind_focus::track_id.eq(track_id))
        .select((
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    if wanted_focus != current_focus {
        diesel::delete(stage_kind_focus::table.filter(stage_kind_focus::track_id.eq(track_id)))
            .execute(conn)?;
        for (kind_id, criterion_id) in &wanted_focus {
            diesel::insert_into(stage_kind_focus::table)
                .values((
                    stage_kind_focus::track_id.eq(track_id),
                    stage_kind_focus::stage_kind_id.eq(kind_id),
                    stage_kind_focus::criterion_id.eq(criterion_id),
                ))
                .execute(conn)?;
        }
        report.links_changed += 1;
    }
    Ok(())
}

/// True when the bank has never been seeded (first start).
pub fn is_empty(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = tracks::table.count().get_result(conn)?;
    Ok(n == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_bank_parses_and_matches_the_source() {
        let bank = SeedBank::embedded().unwrap();
        assert_eq!(bank.formats.len(), 6);
        assert_eq!(bank.stage_kinds.len(), 6);
        let backend = &bank.tracks[0];
        assert_eq!(backend.track.slug, "backend-developer");
        let count = |kind: &str| backend.criteria.iter().filter(|c| c.kind == kind).count();
        assert_eq!(count("criterion"), 5);
        assert_eq!(count("red_flag"), 5);
        assert_eq!(
            backend.stage_focus.len(),
            6,
            "every stage kind suggests focus criteria"
        );
    }

    #[test]
    fn embedded_files_are_the_files_in_seeds() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let from_disk = SeedBank::from_dir(&dir).unwrap();
        assert_eq!(
            from_disk.tracks.len(),
            EMBEDDED_TRACKS.len(),
            "add new track files to EMBEDDED_TRACKS"
        );
    }

    #[test]
    fn a_dangling_reference_is_refused() {
        let mut bank = SeedBank::embedded().unwrap();
        bank.stage_kinds[0].default_format = "interpretive-dance".into();
        let err = SeedBank::checked(bank.formats, bank.stage_kinds, bank.tracks).unwrap_err();
        assert!(err.to_string().contains("interpretive-dance"), "{err}");
    }
}
