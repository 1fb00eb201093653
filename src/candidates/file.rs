//! A candidate's file: everything their page shows, checked once and loaded
//! once (the candidate, their loop, schedule, prep pack and its deliveries).

use std::collections::HashMap;

use crate::db::prelude::*;

use super::CandidateView;
use super::prep_pack::{PrepPack, compose};
use super::schedule::{ScheduleView, schedule_for};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{formats, stage_kinds, users};
use crate::error::AppError;
use crate::loops::LoopView;
use crate::mail::{self, OutboxMessage};
use crate::templates::Templates;

pub struct CandidateFile {
    pub candidate: CandidateView,
    pub shape: LoopView,
    pub schedule: ScheduleView,
    pub pack: PrepPack,
    /// Every email queued for the candidate, newest first.
    pub deliveries: Vec<OutboxMessage>,
    /// Names of the people on the loop only (conflicts name them too).
    pub names: HashMap<i64, String>,
    /// Stage kind and format names by slug.
    pub kind_names: HashMap<String, String>,
    pub format_names: HashMap<String, String>,
    /// The same email on other jobs the actor may see: `(candidate id, job title)`.
    pub other_candidacies: Vec<(i64, String)>,
    /// Scorecards in, expected, and the decision.
    pub progress: crate::interviews::progress::DebriefProgress,
    /// Whether the actor may export and erase the candidate's data, as the
    /// policy says (`ExportCandidate`, `EraseCandidate`).
    pub may_export: bool,
    pub may_erase: bool,
}

/// See [`CandidateFile`]: `ManageCandidate`, a fixed number of queries.
pub fn candidate_file(
    conn: &mut DbConn,
    templates: &Templates,
    actor: &User,
    id: i64,
) -> Result<CandidateFile, AppError> {
    let (candidate, shape) = super::with_loop(conn, actor, id)?;
    let schedule = schedule_for(conn, &candidate, &shape, actor.time_zone.as_deref())?;
    let pack = compose(conn, templates, actor, &candidate, &shape, None)?;
    let deliveries = mail::for_candidate(conn, id)?;
    let other_candidacies = super::other_candidacies(conn, actor, &candidate)?;
    let progress = crate::interviews::progress::progress_of(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let people: Vec<i64> = shape
        .stages
        .iter()
        .flat_map(|s| s.interviewer_ids.iter().copied())
        .collect();
    let names = users::table
        .filter(users::id.eq_any(&people))
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let kind_names = stage_kinds::table
        .select((stage_kinds::slug, stage_kinds::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let format_names = formats::table
        .select((formats::slug, formats::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(CandidateFile {
        candidate,
        shape,
        schedule,
        pack,
        deliveries,
        names,
        kind_names,
        format_names,
        other_candidacies,
        progress,
        may_export: crate::access::role_allows(
            actor.role(),
            crate::access::Action::ExportCandidate,
        ),
        may_erase: crate::access::role_allows(actor.role(), crate::access::Action::EraseCandidate),
    })
}
