//! A candidate's schedule: their stages in order with times in each zone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{stage_interviewers, stages};
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduledStage {
    pub stage_id: i64,
    pub title: String,
    pub starts_at: Option<String>,
    /// The start in `time_zone`, for people.
    pub local_start: Option<String>,
    pub local_end: Option<String>,
    pub time_zone: String,
    pub duration_minutes: i64,
    pub location: Option<String>,
    pub interviewer_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub stages: Vec<ScheduledStage>,
    pub conflicts: Vec<crate::domain::schedule::Conflict>,
}

fn local(at: NaiveDateTime, zone: &str) -> String {
    crate::domain::when::absolute(at, crate::domain::when::zone_or_utc(Some(zone)))
}

/// A candidate's schedule, each time shown in the stage's zone (or, for a
/// stage without one, the zone [`schedule_for`] offers), with overlaps and
/// double-booked interviewers.
///
/// Asks the policy for `ManageCandidate`.
pub fn schedule_of(
    conn: &mut DbConn,
    actor: &User,
    candidate_id: i64,
) -> Result<ScheduleView, AppError> {
    let (view, shape) = super::with_loop(conn, actor, candidate_id)?;
    schedule_for(conn, &view, &shape, actor.time_zone.as_deref())
}

/// The schedule of a candidate and their loop already loaded, unchecked:
/// for services that have checked. Two queries, the second bounded by
/// the time the loop's scheduled stages span, not by the panel's history.
///
/// A stage not yet given a zone is offered, in order: the candidate's
/// zone, the zone of another stage of the loop, `viewer_zone` (the
/// person scheduling), UTC.
pub(crate) fn schedule_for(
    conn: &mut DbConn,
    view: &super::CandidateView,
    shape: &crate::loops::LoopView,
    viewer_zone: Option<&str>,
) -> Result<ScheduleView, AppError> {
    use crate::domain::schedule::{Slot, conflicts};
    let loop_id = shape.id;
    let rows: HashMap<i64, Option<NaiveDateTime>> = stages::table
        .filter(stages::loop_id.eq(loop_id))
        .select((stages::id, stages::starts_at))
        .load::<(i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    let fallback = view
        .time_zone
        .clone()
        .or_else(|| shape.stages.iter().find_map(|s| s.time_zone.clone()))
        .or_else(|| viewer_zone.map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned());
    let own: Vec<Slot> = shape
        .stages
        .iter()
        .filter_map(|s| {
            rows.get(&s.id).copied().flatten().map(|starts_at| Slot {
                stage_id: s.id,
                starts_at,
                minutes: s.duration_minutes,
                interviewers: s.interviewer_ids.clone(),
            })
        })
        .collect();
    let people: BTreeSet<i64> = own
        .iter()
        .flat_map(|s| s.interviewers.iter().copied())
        .collect();
    // Only stages that could overlap one of ours: starting before our last
    // ends, and after our first starts less the longest a stage lasts. Read
    // through each panel member's seats by time (`stage_interviewers_schedule`),
    // so neither their whole history nor the rest of the company's
    // calendar in the window is read.
    let window = own
        .iter()
        .map(|s| (s.starts_at, s.ends_at()))
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)));
    let other_rows: Vec<(i64, NaiveDateTime, i64, i64)> = match window {
        None => Vec::new(),
        Some((first_start, last_end)) => {
            let earliest = first_start - chrono::Duration::minutes(crate::loops::MAX_STAGE_MINUTES);
            stage_interviewers::table
                .inner_join(stages::table)
                .filter(stage_interviewers::user_id.eq_any(&people))
                .filter(stage_interviewers::starts_at.gt(earliest))
                .filter(stage_interviewers::starts_at.lt(last_end))
                .filter(stages::loop_id.ne(loop_id))
                .select((
                    stages::id,
                    stage_interviewers::starts_at.assume_not_null(),
                    stages::duration_minutes,
                    stage_interviewers::user_id,
                ))
                .load(conn)?
        }
    };
    let mut elsewhere: BTreeMap<i64, Slot> = BTreeMap::new();
    for (stage_id, starts_at, minutes, user_id) in other_rows {
        elsewhere
            .entry(stage_id)
            .or_insert_with(|| Slot {
                stage_id,
                starts_at,
                minutes,
                interviewers: Vec::new(),
            })
            .interviewers
            .push(user_id);
    }
    let elsewhere: Vec<Slot> = elsewhere.into_values().collect();
    let stages = shape
        .stages
        .iter()
        .map(|s| {
            let zone = s.time_zone.clone().unwrap_or_else(|| fallback.clone());
            let starts = rows.get(&s.id).copied().flatten();
            ScheduledStage {
                stage_id: s.id,
                title: s.title.clone(),
                starts_at: starts.map(|t| t.and_utc().to_rfc3339()),
                local_start: starts.map(|t| local(t, &zone)),
                local_end: starts
                    .map(|t| local(t + chrono::Duration::minutes(s.duration_minutes), &zone)),
                time_zone: zone,
                duration_minutes: s.duration_minutes,
                location: s.location.clone(),
                interviewer_ids: s.interviewer_ids.clone(),
            }
        })
        .collect();
    Ok(ScheduleView {
        stages,
        conflicts: conflicts(&own, &elsewhere),
    })
}

/// Sets the time, zone and place of a stage on this candidate's loop: the
/// stage must be theirs (404 otherwise); `EditLoop` is asked by the edit.
pub fn schedule_stage(
    conn: &mut DbConn,
    actor: &User,
    candidate_id: i64,
    stage_id: i64,
    expected: i64,
    changes: crate::loops::edits::StageChanges,
) -> Result<crate::loops::LoopView, AppError> {
    let scope = access::ensure(conn, actor, Action::EditLoop, Target::Stage(stage_id))?;
    if scope.candidate_id != Some(candidate_id) {
        return Err(AppError::NotFound);
    }
    crate::loops::edits::update_stage(conn, actor, stage_id, expected, changes)
}
