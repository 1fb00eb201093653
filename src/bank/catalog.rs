//! The bank as people read and change it. Every entry point takes the actor
//! and asks the policy: `ReadBank` to read (everyone signed in), `EditBank`
//! to write, import or export.

use std::collections::BTreeMap;

use crate::db::prelude::*;
use serde::Serialize;

use super::questions::{self, LoopUse, QuestionDetail, Revision};
use super::search::{Found, QuestionQuery, search};
use super::{BankError, BankFile, QuestionSeed, SeedReport};
use crate::access::{self, Action};
use crate::db::DbConn;
use crate::db::models::{Track, TrackSummary, User};
use crate::db::schema::{
    criteria, formats, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};
use crate::domain::CriterionKind;
use crate::error::AppError;

/// One page of questions matching a search, with how many match.
pub fn search_questions(
    conn: &mut DbConn,
    actor: &User,
    query: &QuestionQuery,
) -> Result<Found, AppError> {
    access::require(actor, Action::ReadBank)?;
    Ok(search(conn, query)?)
}

/// A question, the loops that use it, and its revisions (the API's body
/// leaves the revisions to the page).
#[derive(Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub question: QuestionDetail,
    pub used_in: Vec<LoopUse>,
    #[serde(skip)]
    pub revisions: Vec<Revision>,
}

pub fn question(conn: &mut DbConn, actor: &User, id: i64) -> Result<QuestionView, AppError> {
    access::require(actor, Action::ReadBank)?;
    let question = questions::detail(conn, id)?.ok_or(AppError::NotFound)?;
    Ok(QuestionView {
        question,
        used_in: questions::used_in(conn, id)?,
        revisions: questions::revisions(conn, id)?,
    })
}

/// A question in the seed format, to edit it.
pub fn question_seed(conn: &mut DbConn, actor: &User, id: i64) -> Result<QuestionSeed, AppError> {
    access::require(actor, Action::EditBank)?;
    questions::as_seed(conn, id)?.ok_or(AppError::NotFound)
}

/// Writes a question already checked for its fields: a new one (its slug
/// made from its prompt) or a new version of `id` (its slug and archived
/// state kept). The bank's own checks come back as `BankError`.
pub fn save_question(
    conn: &mut DbConn,
    actor: &User,
    id: Option<i64>,
    mut seed: QuestionSeed,
) -> Result<Result<i64, BankError>, AppError> {
    access::require(actor, Action::EditBank)?;
    match id {
        Some(id) => {
            let current = questions::as_seed(conn, id)?.ok_or(AppError::NotFound)?;
            seed.slug = current.slug;
            seed.archived = current.archived;
        }
        None => seed.slug = questions::new_slug(conn, &seed.prompt)?,
    }
    Ok(questions::save(conn, seed, Some(actor.id)))
}

/// Archives a question (it leaves search, stays where it is used) or restores it.
pub fn set_archived(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    archived: bool,
) -> Result<(), AppError> {
    access::require(actor, Action::EditBank)?;
    let mut seed = questions::as_seed(conn, id)?.ok_or(AppError::NotFound)?;
    seed.archived = archived;
    questions::save(conn, seed, Some(actor.id))
        .map(|_| ())
        .map_err(|e| AppError::internal(anyhow::anyhow!(e.to_string())))
}

/// The whole bank in the seed format.
pub fn export(conn: &mut DbConn, actor: &User) -> Result<BankFile, AppError> {
    access::require(actor, Action::EditBank)?;
    Ok(super::export::export(conn)?)
}

/// Applies a bank file: all of it, or nothing.
pub fn import(conn: &mut DbConn, actor: &User, file: &BankFile) -> Result<SeedReport, AppError> {
    access::require(actor, Action::EditBank)?;
    super::apply(conn, file, Some(actor.id)).map_err(|e| match e {
        BankError::Invalid {
            entry,
            field,
            message,
        } => AppError::Validation {
            message: format!("{entry}: {field}: {message}. Nothing was imported."),
            fields: BTreeMap::from([("entry".to_owned(), entry), ("field".to_owned(), field)]),
        },
        BankError::File { message, .. } => AppError::BadRequest(message),
        BankError::Database(e) => e.into(),
    })
}

pub fn tracks(conn: &mut DbConn, actor: &User) -> Result<Vec<TrackSummary>, AppError> {
    access::require(actor, Action::ReadBank)?;
    Ok(Track::summaries(conn)?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageKindView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub default_format: String,
    pub default_duration_minutes: i64,
}

pub fn stage_kinds(conn: &mut DbConn, actor: &User) -> Result<Vec<StageKindView>, AppError> {
    access::require(actor, Action::ReadBank)?;
    Ok(stage_kinds::table
        .inner_join(formats::table)
        .order(stage_kinds::position)
        .select((
            stage_kinds::id,
            stage_kinds::slug,
            stage_kinds::name,
            stage_kinds::description,
            formats::slug,
            stage_kinds::default_duration_minutes,
        ))
        .load::<(i64, String, String, String, String, i64)>(conn)?
        .into_iter()
        .map(
            |(id, slug, name, description, default_format, default_duration_minutes)| {
                StageKindView {
                    id,
                    slug,
                    name,
                    description,
                    default_format,
                    default_duration_minutes,
                }
            },
        )
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormatView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

pub fn formats(conn: &mut DbConn, actor: &User) -> Result<Vec<FormatView>, AppError> {
    access::require(actor, Action::ReadBank)?;
    Ok(formats::table
        .order(formats::position)
        .select((
            formats::id,
            formats::slug,
            formats::name,
            formats::description,
        ))
        .load::<(i64, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name, description)| FormatView {
            id,
            slug,
            name,
            description,
        })
        .collect())
}

/// What the bank's filters and the question form offer: `(slug, name)`.
#[derive(Default)]
pub struct Options {
    pub criteria: Vec<(String, String)>,
    pub red_flags: Vec<(String, String)>,
    pub stage_kinds: Vec<(String, String)>,
    pub tracks: Vec<(String, String)>,
}

/// See [`Options`]: for the question form (`EditBank`).
pub fn form_options(conn: &mut DbConn, actor: &User) -> Result<Options, AppError> {
    access::require(actor, Action::EditBank)?;
    options(conn, actor)
}

/// See [`Options`]: for the bank's filters (`ReadBank`).
pub fn options(conn: &mut DbConn, actor: &User) -> Result<Options, AppError> {
    access::require(actor, Action::ReadBank)?;
    let mut out = Options::default();
    let rows: Vec<(String, String, CriterionKind)> = criteria::table
        .order((criteria::track_id, criteria::position))
        .select((criteria::slug, criteria::name, criteria::kind))
        .load(conn)?;
    for (slug, name, kind) in rows {
        let target = match kind {
            CriterionKind::RedFlag => &mut out.red_flags,
            CriterionKind::Criterion => &mut out.criteria,
        };
        if !target.iter().any(|(s, _)| *s == slug) {
            target.push((slug, name));
        }
    }
    out.stage_kinds = stage_kinds::table
        .order(stage_kinds::position)
        .select((stage_kinds::slug, stage_kinds::name))
        .load(conn)?;
    out.tracks = tracks::table
        .order(tracks::name)
        .select((tracks::slug, tracks::name))
        .load(conn)?;
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackHeading {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackCriterion {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackStageKind {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub format_name: String,
    pub duration_minutes: i64,
    /// Names of the criteria it suggests focusing on.
    pub focus: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackFormat {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// `GET /api/v1/tracks/{id or slug}`, and its page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackView {
    pub track: TrackHeading,
    pub criteria: Vec<TrackCriterion>,
    pub red_flags: Vec<TrackCriterion>,
    pub stage_kinds: Vec<TrackStageKind>,
    pub formats: Vec<TrackFormat>,
    pub question_count: i64,
}

/// A track (by id or slug) with its criteria, red flags, stage kinds and
/// formats, as the API and its page show it.
pub fn track(conn: &mut DbConn, actor: &User, key: &str) -> Result<TrackView, AppError> {
    access::require(actor, Action::ReadBank)?;
    let filter_id = key.parse::<i64>().ok();
    let (id, slug, name, description): (i64, String, String, String) = match filter_id {
        Some(id) => tracks::table
            .find(id)
            .select((tracks::id, tracks::slug, tracks::name, tracks::description))
            .first(conn),
        None => tracks::table
            .filter(tracks::slug.eq(key))
            .select((tracks::id, tracks::slug, tracks::name, tracks::description))
            .first(conn),
    }
    .optional()?
    .ok_or(AppError::NotFound)?;
    let crit: Vec<(i64, String, String, String, String)> = criteria::table
        .filter(criteria::track_id.eq(id))
        .order(criteria::position)
        .select((
            criteria::id,
            criteria::slug,
            criteria::kind,
            criteria::name,
            criteria::description,
        ))
        .load(conn)?;
    let kinds: Vec<(i64, String, String, String, String, i64)> = track_stage_kinds::table
        .inner_join(stage_kinds::table.inner_join(formats::table))
        .filter(track_stage_kinds::track_id.eq(id))
        .order(track_stage_kinds::position)
        .select((
            stage_kinds::id,
            stage_kinds::slug,
            stage_kinds::name,
            stage_kinds::description,
            formats::name,
            stage_kinds::default_duration_minutes,
        ))
        .load(conn)?;
    let focus: Vec<(i64, i64)> = stage_kind_focus::table
        .filter(stage_kind_focus::track_id.eq(id))
        .select((
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load(conn)?;
    let fmts: Vec<(String, String, String)> = track_formats::table
        .inner_join(formats::table)
        .filter(track_formats::track_id.eq(id))
        .order(track_formats::position)
        .select((formats::slug, formats::name, formats::description))
        .load(conn)?;
    let question_count: i64 = crate::db::schema::question_tracks::table
        .filter(crate::db::schema::question_tracks::track_id.eq(id))
        .count()
        .get_result(conn)?;
    let of_kind = |kind: &str| -> Vec<TrackCriterion> {
        crit.iter()
            .filter(|c| c.2 == kind)
            .map(|c| TrackCriterion {
                id: c.0,
                slug: c.1.clone(),
                name: c.3.clone(),
                description: c.4.clone(),
            })
            .collect()
    };
    Ok(TrackView {
        track: TrackHeading {
            id,
            slug,
            name,
            description,
        },
        criteria: of_kind(CriterionKind::Criterion.as_str()),
        red_flags: of_kind(CriterionKind::RedFlag.as_str()),
        stage_kinds: kinds
            .iter()
            .map(|k| TrackStageKind {
                id: k.0,
                slug: k.1.clone(),
                name: k.2.clone(),
                description: k.3.clone(),
                format_name: k.4.clone(),
                duration_minutes: k.5,
                focus: focus
                    .iter()
                    .filter(|(kind, _)| *kind == k.0)
                    .filter_map(|(_, c)| crit.iter().find(|x| x.0 == *c).map(|x| x.3.clone()))
                    .collect(),
            })
            .collect(),
        formats: fmts
            .into_iter()
            .map(|(slug, name, description)| TrackFormat {
                slug,
                name,
                description,
            })
            .collect(),
        question_count,
    })
}
