//! The question bank as a file: the seed format, also used for export and
//! import. Every file under `seeds/` is a fragment of one `BankFile`; an
//! export is a whole one. Everything is keyed by stable slugs.

mod api;
mod apply;
pub mod catalog;
mod chips;
pub mod export;
mod file;
mod pages;
mod question_pages;
pub mod questions;
pub mod search;

use actix_web::web;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use apply::{SeedReport, apply, is_empty, known};

/// The seed files compiled into the binary, so a bare binary can seed itself.
const EMBEDDED: &[(&str, &str)] = &[
    ("formats.toml", include_str!("../../seeds/formats.toml")),
    (
        "stage_kinds.toml",
        include_str!("../../seeds/stage_kinds.toml"),
    ),
    (
        "tracks/backend-developer.toml",
        include_str!("../../seeds/tracks/backend-developer.toml"),
    ),
    (
        "questions/api-design.toml",
        include_str!("../../seeds/questions/api-design.toml"),
    ),
    (
        "questions/behavioural.toml",
        include_str!("../../seeds/questions/behavioural.toml"),
    ),
    (
        "questions/collaboration-and-culture.toml",
        include_str!("../../seeds/questions/collaboration-and-culture.toml"),
    ),
    (
        "questions/databases.toml",
        include_str!("../../seeds/questions/databases.toml"),
    ),
    (
        "questions/languages-and-fundamentals.toml",
        include_str!("../../seeds/questions/languages-and-fundamentals.toml"),
    ),
    (
        "questions/operations.toml",
        include_str!("../../seeds/questions/operations.toml"),
    ),
    (
        "questions/security.toml",
        include_str!("../../seeds/questions/security.toml"),
    ),
    (
        "questions/system-design.toml",
        include_str!("../../seeds/questions/system-design.toml"),
    ),
    (
        "questions/testing-and-quality.toml",
        include_str!("../../seeds/questions/testing-and-quality.toml"),
    ),
    ("prep.toml", include_str!("../../seeds/prep.toml")),
];

pub const CATEGORIES: [&str; 5] = [
    "behavioural",
    "technical",
    "situational",
    "competency",
    "culture_fit",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BankFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub format: Vec<FormatSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_kind: Vec<StageKindSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub track: Vec<TrackSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub question: Vec<QuestionSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prep: Option<PrepSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormatSeed {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    #[serde(default)]
    pub candidate_prep: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StageKindSeed {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    pub default_format: String,
    pub default_duration_minutes: i64,
    #[serde(default)]
    pub candidate_prep: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrackSeed {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub stage_kinds: Vec<String>,
    pub formats: Vec<String>,
    #[serde(default)]
    pub criterion: Vec<CriterionSeed>,
    #[serde(default)]
    pub stage_focus: Vec<StageFocusSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CriterionSeed {
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StageFocusSeed {
    pub stage_kind: String,
    pub criteria: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuestionSeed {
    pub slug: String,
    pub category: String,
    pub prompt: String,
    pub why: String,
    #[serde(default)]
    pub prep_pointers: Vec<String>,
    #[serde(default)]
    pub follow_ups: Vec<String>,
    #[serde(default)]
    pub tracks: Vec<String>,
    #[serde(default)]
    pub criteria: Vec<String>,
    #[serde(default)]
    pub red_flags: Vec<String>,
    #[serde(default)]
    pub stage_kinds: Vec<String>,
    pub minutes: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrepSeed {
    #[serde(default)]
    pub general_advice: Vec<String>,
    #[serde(default)]
    pub questions_to_ask: Vec<String>,
}

/// Slugs the database already holds, that a file may refer to.
#[derive(Debug, Default)]
pub struct Known {
    pub formats: BTreeSet<String>,
    pub stage_kinds: BTreeSet<String>,
    /// track slug -> criterion slug -> kind
    pub tracks: HashMap<String, HashMap<String, String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// `entry` names the thing (e.g. `question slow-query-diagnosis`), `field` its field.
    #[error("{entry}: {field}: {message}")]
    Invalid {
        entry: String,
        field: String,
        message: String,
    },
    #[error("database error while applying the bank: {0}")]
    Database(#[from] diesel::result::Error),
}

impl BankError {
    fn invalid(entry: impl Into<String>, field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            entry: entry.into(),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/bank", web::get().to(pages::bank_page))
        .route(
            "/bank/questions",
            web::post().to(question_pages::create_question_form),
        )
        .route(
            "/bank/questions/new",
            web::get().to(question_pages::new_question_page),
        )
        .route("/bank/questions/{id}", web::get().to(pages::question_page))
        .route(
            "/bank/questions/{id}",
            web::post().to(question_pages::update_question_form),
        )
        .route(
            "/bank/questions/{id}/edit",
            web::get().to(question_pages::edit_question_page),
        )
        .route(
            "/bank/questions/{id}/archive",
            web::post().to(question_pages::archive_form),
        )
        .route("/tracks", web::get().to(pages::tracks_page))
        .route("/tracks/{key}", web::get().to(pages::track_page));
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_tracks, api::api_tracks)
        .op(api::__path_api_track, api::api_track)
        .op(api::__path_api_stage_kinds, api::api_stage_kinds)
        .op(api::__path_api_formats, api::api_formats)
        .op(api::__path_api_questions, api::api_questions)
        .op(api::__path_api_create_question, api::api_create_question)
        .op(api::__path_api_question, api::api_question)
        .op(api::__path_api_update_question, api::api_update_question)
        .op(api::__path_api_export, api::api_export)
        .op(api::__path_api_import, api::api_import);
}
