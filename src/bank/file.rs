//! Reading a bank file: the embedded seeds or files on disk, checked for
//! duplicate slugs and dangling references before anything is applied.

use super::*;
use crate::domain::CriterionKind;

impl BankFile {
    pub fn parse(file: &str, text: &str) -> Result<Self, BankError> {
        toml::from_str(text).map_err(|e| BankError::File {
            file: file.to_owned(),
            message: e.to_string(),
        })
    }

    fn merge(&mut self, other: BankFile, file: &str) -> Result<(), BankError> {
        self.format.extend(other.format);
        self.stage_kind.extend(other.stage_kind);
        self.track.extend(other.track);
        self.question.extend(other.question);
        if let Some(prep) = other.prep {
            if self.prep.is_some() {
                return Err(BankError::File {
                    file: file.to_owned(),
                    message: "a second [prep] table".into(),
                });
            }
            self.prep = Some(prep);
        }
        Ok(())
    }

    /// The bank compiled into the binary (the files under `seeds/`).
    pub fn embedded() -> Result<Self, BankError> {
        let mut bank = BankFile::default();
        for (file, text) in EMBEDDED {
            bank.merge(BankFile::parse(file, text)?, file)?;
        }
        bank.validate()?;
        Ok(bank)
    }

    /// One bank file, or every `*.toml` under a folder (merged, in path order).
    pub fn load(path: &Path) -> Result<Self, BankError> {
        let io = |p: &Path, e: std::io::Error| BankError::File {
            file: p.display().to_string(),
            message: e.to_string(),
        };
        let mut files = Vec::new();
        if path.is_dir() {
            collect_toml(path, &mut files).map_err(|e| io(path, e))?;
        } else {
            files.push(path.to_owned());
        }
        files.sort();
        let mut bank = BankFile::default();
        for file in &files {
            let text = std::fs::read_to_string(file).map_err(|e| io(file, e))?;
            let name = file.display().to_string();
            bank.merge(BankFile::parse(&name, &text)?, &name)?;
        }
        bank.validate()?;
        Ok(bank)
    }

    /// Everything is checked before anything is written: references resolve,
    /// slugs are unique, required fields are filled. The error names the entry
    /// and the field.
    pub fn validate(&self) -> Result<(), BankError> {
        self.validate_with(&Known::default())
    }

    /// As `validate`, where references may also name what the database
    /// already holds (`known`): e.g. a file of questions for an existing track.
    pub fn validate_with(&self, known: &Known) -> Result<(), BankError> {
        let mut formats: BTreeSet<&str> = known.formats.iter().map(String::as_str).collect();
        formats.extend(unique(
            "format",
            self.format.iter().map(|f| f.slug.as_str()),
        )?);
        let mut kinds: BTreeSet<&str> = known.stage_kinds.iter().map(String::as_str).collect();
        kinds.extend(unique(
            "stage kind",
            self.stage_kind.iter().map(|k| k.slug.as_str()),
        )?);
        unique("track", self.track.iter().map(|t| t.slug.as_str()))?;
        unique("question", self.question.iter().map(|q| q.slug.as_str()))?;
        for f in &self.format {
            required(
                &format!("format {}", f.slug),
                &[("slug", &f.slug), ("name", &f.name)],
            )?;
        }
        for k in &self.stage_kind {
            let entry = format!("stage kind {}", k.slug);
            required(&entry, &[("slug", &k.slug), ("name", &k.name)])?;
            if !formats.contains(k.default_format.as_str()) {
                return Err(BankError::invalid(
                    entry,
                    "default_format",
                    format!("unknown format {:?}", k.default_format),
                ));
            }
            if !(1..=480).contains(&k.default_duration_minutes) {
                return Err(BankError::invalid(
                    entry,
                    "default_duration_minutes",
                    "expected 1 to 480 minutes",
                ));
            }
        }
        // track slug -> criterion slug -> kind
        let mut track_criteria: HashMap<&str, HashMap<&str, &str>> = known
            .tracks
            .iter()
            .map(|(t, cs)| {
                (
                    t.as_str(),
                    cs.iter().map(|(c, k)| (c.as_str(), k.as_str())).collect(),
                )
            })
            .collect();
        for t in &self.track {
            let entry = format!("track {}", t.slug);
            required(&entry, &[("slug", &t.slug), ("name", &t.name)])?;
            unique(
                &format!("{entry}: criterion"),
                t.criterion.iter().map(|c| c.slug.as_str()),
            )?;
            let criteria: HashMap<&str, &str> = t
                .criterion
                .iter()
                .map(|c| (c.slug.as_str(), c.kind.as_str()))
                .collect();
            for c in &t.criterion {
                let centry = format!("{entry}: criterion {}", c.slug);
                required(&centry, &[("slug", &c.slug), ("name", &c.name)])?;
                if c.kind.parse::<CriterionKind>().is_err() {
                    return Err(BankError::invalid(
                        centry,
                        "kind",
                        "expected criterion or red_flag",
                    ));
                }
            }
            for k in &t.stage_kinds {
                if !kinds.contains(k.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "stage_kinds",
                        format!("unknown stage kind {k:?}"),
                    ));
                }
            }
            for f in &t.formats {
                if !formats.contains(f.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "formats",
                        format!("unknown format {f:?}"),
                    ));
                }
            }
            for focus in &t.stage_focus {
                if !t.stage_kinds.contains(&focus.stage_kind) {
                    return Err(BankError::invalid(
                        entry,
                        "stage_focus",
                        format!(
                            "stage kind {:?} is not one of the track's",
                            focus.stage_kind
                        ),
                    ));
                }
                for c in &focus.criteria {
                    if criteria.get(c.as_str()) != Some(&CriterionKind::Criterion.as_str()) {
                        return Err(BankError::invalid(
                            entry,
                            "stage_focus",
                            format!("{c:?} is not a screening criterion of the track"),
                        ));
                    }
                }
            }
            track_criteria.insert(t.slug.as_str(), criteria);
        }
        for q in &self.question {
            let entry = format!("question {}", q.slug);
            required(
                &entry,
                &[("slug", &q.slug), ("prompt", &q.prompt), ("why", &q.why)],
            )?;
            if !CATEGORIES.contains(&q.category.as_str()) {
                return Err(BankError::invalid(
                    entry,
                    "category",
                    format!("expected one of {}", CATEGORIES.join(", ")),
                ));
            }
            if !(1..=240).contains(&q.minutes) {
                return Err(BankError::invalid(entry, "minutes", "expected 1 to 240"));
            }
            if q.tracks.is_empty() {
                return Err(BankError::invalid(
                    entry,
                    "tracks",
                    "name at least one track",
                ));
            }
            for t in &q.tracks {
                if !track_criteria.contains_key(t.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "tracks",
                        format!("unknown track {t:?}"),
                    ));
                }
            }
            if q.criteria.is_empty() {
                return Err(BankError::invalid(
                    entry,
                    "criteria",
                    "name at least one screening criterion it probes",
                ));
            }
            let kind_of = |slug: &str| {
                q.tracks
                    .iter()
                    .find_map(|t| track_criteria[t.as_str()].get(slug).copied())
            };
            for c in &q.criteria {
                if kind_of(c) != Some(CriterionKind::Criterion.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "criteria",
                        format!("unknown criterion {c:?}"),
                    ));
                }
            }
            for c in &q.red_flags {
                if kind_of(c) != Some(CriterionKind::RedFlag.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "red_flags",
                        format!("unknown red flag {c:?}"),
                    ));
                }
            }
            if q.stage_kinds.is_empty() {
                return Err(BankError::invalid(
                    entry,
                    "stage_kinds",
                    "name at least one stage kind",
                ));
            }
            for k in &q.stage_kinds {
                if !kinds.contains(k.as_str()) {
                    return Err(BankError::invalid(
                        entry,
                        "stage_kinds",
                        format!("unknown stage kind {k:?}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

fn required(entry: &str, fields: &[(&str, &str)]) -> Result<(), BankError> {
    match fields.iter().find(|(_, v)| v.trim().is_empty()) {
        Some((field, _)) => Err(BankError::invalid(entry, field, "is required")),
        None => Ok(()),
    }
}

fn unique<'a>(
    what: &str,
    slugs: impl Iterator<Item = &'a str>,
) -> Result<BTreeSet<&'a str>, BankError> {
    let mut seen = BTreeSet::new();
    for slug in slugs {
        if !seen.insert(slug) {
            return Err(BankError::invalid(
                format!("{what} {slug}"),
                "slug",
                "appears twice",
            ));
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn every_seed_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut files = Vec::new();
        collect_toml(&dir, &mut files).unwrap();
        let on_disk: BTreeSet<String> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        let embedded: BTreeSet<String> = EMBEDDED.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(on_disk, embedded, "add new seed files to EMBEDDED");
        assert_eq!(BankFile::load(&dir).unwrap(), BankFile::embedded().unwrap());
    }

    /// The figures the bank promises; content edits cannot quietly break them.
    #[test]
    fn the_seed_bank_holds_its_figures() {
        let bank = BankFile::embedded().unwrap();
        assert_eq!(bank.format.len(), 6);
        assert_eq!(bank.stage_kind.len(), 6);
        let backend = &bank.track[0];
        let count = |kind: &str| backend.criterion.iter().filter(|c| c.kind == kind).count();
        assert_eq!((count("criterion"), count("red_flag")), (5, 5));
        assert!(
            bank.question.len() >= 120,
            "{} questions",
            bank.question.len()
        );

        let mut probed: BTreeMap<&str, usize> = BTreeMap::new();
        let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for q in &bank.question {
            assert!(q.prep_pointers.len() >= 3, "{}: prep pointers", q.slug);
            assert!(!q.follow_ups.is_empty(), "{}: follow-ups", q.slug);
            let sentences = q.why.matches(['.', '?', '!']).count();
            assert!(
                (2..=4).contains(&sentences),
                "{}: why has {sentences} sentences",
                q.slug
            );
            for c in q.criteria.iter().chain(&q.red_flags) {
                *probed.entry(c).or_default() += 1;
            }
            for k in &q.stage_kinds {
                *per_kind.entry(k).or_default() += 1;
            }
        }
        for c in &backend.criterion {
            assert!(
                probed.get(c.slug.as_str()).copied().unwrap_or(0) >= 5,
                "{} is probed by fewer than 5 questions",
                c.slug
            );
        }
        for k in &bank.stage_kind {
            assert!(
                per_kind.get(k.slug.as_str()).copied().unwrap_or(0) >= 8,
                "{} has fewer than 8 questions",
                k.slug
            );
            assert!(
                (3..=6).contains(&k.candidate_prep.len()),
                "{}: candidate prep",
                k.slug
            );
        }
        for f in &bank.format {
            assert!(
                (3..=6).contains(&f.candidate_prep.len()),
                "{}: candidate prep",
                f.slug
            );
        }
        let prep = bank.prep.as_ref().expect("general advice");
        assert!(prep.general_advice.len() >= 4 && prep.questions_to_ask.len() >= 5);
    }

    #[test]
    fn a_bad_question_is_named_with_its_field() {
        let mut bank = BankFile::embedded().unwrap();
        bank.question[3].criteria.push("telepathy".into());
        let slug = bank.question[3].slug.clone();
        let err = bank.validate().unwrap_err().to_string();
        assert!(
            err.contains(&format!("question {slug}"))
                && err.contains("criteria")
                && err.contains("telepathy"),
            "{err}"
        );

        let mut bank = BankFile::embedded().unwrap();
        bank.question[5].prompt = " ".into();
        assert!(bank.validate().unwrap_err().to_string().contains("prompt"));

        let mut bank = BankFile::embedded().unwrap();
        let copy = bank.question[0].clone();
        bank.question.push(copy);
        assert!(
            bank.validate()
                .unwrap_err()
                .to_string()
                .contains("appears twice")
        );
    }

    #[test]
    fn a_dangling_stage_kind_format_is_refused() {
        let mut bank = BankFile::embedded().unwrap();
        bank.stage_kind[0].default_format = "interpretive-dance".into();
        let err = bank.validate().unwrap_err().to_string();
        assert!(err.contains("interpretive-dance"), "{err}");
    }
}
