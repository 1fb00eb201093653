//! Jobs and their loops: creating a job from a track, reading a loop, and
//! every change to a loop, each guarded by the loop's version.
//!
//! A change first bumps the version with `UPDATE … WHERE version = expected`:
//! of two saves carrying the same version, exactly one wins and the other
//! gets 409 Conflict. The change and a snapshot of the loop's new shape (a
//! revision) are written in the same transaction, so nothing is half-applied.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::{
    candidates, criteria, formats, job_criteria, jobs, loop_revisions, loops, question_criteria,
    questions, stage_focus_criteria, stage_interviewers, stage_kind_focus, stage_kinds,
    stage_questions, stages, track_stage_kinds, tracks, users,
};
use crate::db::write_transaction;
use crate::domain::Role;
use crate::domain::coverage::{
    self, Coverage, CriterionKind, CriterionRef, QuestionPlan, StagePlan,
};
use crate::error::AppError;

pub const MAX_STAGE_MINUTES: i64 = 480;
pub const MAX_TITLE: usize = 120;

#[derive(Debug, Clone, Serialize)]
pub struct JobCriterion {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub position: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: i64,
    pub title: String,
    pub team: String,
    pub status: String,
    pub track: serde_json::Value,
    pub hiring_manager: Option<serde_json::Value>,
    pub template_loop_id: Option<i64>,
    pub criteria: Vec<JobCriterion>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct StageView {
    pub id: i64,
    pub position: i64,
    pub stage_kind: String,
    pub title: String,
    pub format: String,
    pub duration_minutes: i64,
    pub focus_criterion_ids: Vec<i64>,
    pub interviewer_ids: Vec<i64>,
    pub question_ids: Vec<i64>,
    pub starts_at: Option<String>,
    pub time_zone: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoopView {
    pub id: i64,
    pub job_id: i64,
    pub candidate_id: Option<i64>,
    pub version: i64,
    pub stages: Vec<StageView>,
}

/// Who may do what to a job (DESIGN.md): admins everything; a hiring
/// manager the jobs they manage; recruiters read; interviewers nothing.
pub fn check_job_access(
    user: &User,
    hiring_manager_id: Option<i64>,
    write: bool,
) -> Result<(), AppError> {
    let allowed = match user.role() {
        Role::Admin => true,
        Role::HiringManager => hiring_manager_id == Some(user.id),
        Role::Recruiter => !write,
        Role::Interviewer => false,
    };
    match (allowed, user.role()) {
        (true, _) => Ok(()),
        (false, Role::Recruiter) => Err(AppError::Forbidden(
            "Recruiters read jobs and loops; their hiring manager changes them.".into(),
        )),
        (false, Role::HiringManager) => Err(AppError::Forbidden(
            "This job is managed by someone else.".into(),
        )),
        (false, _) => Err(AppError::Forbidden("Your role does not allow this.".into())),
    }
}

fn job_manager(conn: &mut DbConn, job_id: i64) -> Result<Option<i64>, AppError> {
    jobs::table
        .find(job_id)
        .select(jobs::hiring_manager_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The job a loop belongs to, checked for `user`.
pub fn authorize_loop(
    conn: &mut DbConn,
    user: &User,
    loop_id: i64,
    write: bool,
) -> Result<i64, AppError> {
    let (job_id, candidate_id): (i64, Option<i64>) = loops::table
        .find(loop_id)
        .select((loops::job_id, loops::candidate_id))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let manager = job_manager(conn, job_id)?;
    match candidate_id {
        None => check_job_access(user, manager, write)?,
        Some(_) => check_candidate_access(user, manager)?,
    }
    Ok(job_id)
}

/// Candidates, their loops and schedules (DESIGN.md): admins and recruiters
/// all; a hiring manager those of their jobs. To anyone else a candidate
/// does not exist (404), so names do not leak.
pub fn check_candidate_access(user: &User, hiring_manager_id: Option<i64>) -> Result<(), AppError> {
    match user.role() {
        Role::Admin | Role::Recruiter => Ok(()),
        Role::HiringManager if hiring_manager_id == Some(user.id) => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// The loop a stage belongs to (404 for a stage that does not exist).
pub fn loop_of_stage(conn: &mut DbConn, stage_id: i64) -> Result<i64, AppError> {
    stages::table
        .find(stage_id)
        .select(stages::loop_id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The loop a stage belongs to, checked for `user`.
pub fn authorize_stage(
    conn: &mut DbConn,
    user: &User,
    stage_id: i64,
    write: bool,
) -> Result<i64, AppError> {
    let loop_id = loop_of_stage(conn, stage_id)?;
    authorize_loop(conn, user, loop_id, write)?;
    Ok(loop_id)
}

/// May `user` add candidates to this job?
pub fn authorize_job_for_candidates(
    conn: &mut DbConn,
    user: &User,
    job_id: i64,
) -> Result<(), AppError> {
    let manager =
        job_manager(conn, job_id).map_err(|_| AppError::field("job_id", "Choose a job."))?;
    check_candidate_access(user, manager)
        .map_err(|_| AppError::Forbidden("This job is not one of yours.".into()))
}

/// The job of a candidate, checked for `user`.
pub fn authorize_candidate(
    conn: &mut DbConn,
    user: &User,
    candidate_id: i64,
) -> Result<i64, AppError> {
    let job_id: i64 = candidates::table
        .find(candidate_id)
        .select(candidates::job_id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    check_candidate_access(user, job_manager(conn, job_id)?)?;
    Ok(job_id)
}

pub fn authorize_job(
    conn: &mut DbConn,
    user: &User,
    job_id: i64,
    write: bool,
) -> Result<(), AppError> {
    check_job_access(user, job_manager(conn, job_id)?, write)
}

pub struct NewJob {
    pub title: String,
    pub team: String,
    pub track_id: i64,
    pub hiring_manager_id: Option<i64>,
    /// Start from the track's typical stages (true) or an empty loop.
    pub typical_stages: bool,
}

fn check_title(field: &str, title: &str) -> Result<String, AppError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::field(field, "Enter a title."));
    }
    if title.chars().count() > MAX_TITLE || title.chars().any(char::is_control) {
        return Err(AppError::field(
            field,
            format!("Use one line of at most {MAX_TITLE} characters."),
        ));
    }
    Ok(title.to_owned())
}

fn check_duration(minutes: i64) -> Result<i64, AppError> {
    if (1..=MAX_STAGE_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(AppError::field(
            "duration_minutes",
            format!("A stage lasts between 1 and {MAX_STAGE_MINUTES} minutes."),
        ))
    }
}

/// Creates a job from a track: the track's criteria and red flags are copied
/// into the job, and its template loop starts with the track's typical
/// stages (default format, duration and suggested focus) unless asked empty.
pub fn create_job(conn: &mut DbConn, actor: &User, new: NewJob) -> Result<i64, AppError> {
    let title = check_title("title", &new.title)?;
    let team = new.team.trim().to_owned();
    if team.chars().count() > MAX_TITLE {
        return Err(AppError::field(
            "team",
            format!("Use at most {MAX_TITLE} characters."),
        ));
    }
    write_transaction(conn, |conn| {
        let track_exists: i64 = tracks::table
            .filter(tracks::id.eq(new.track_id))
            .count()
            .get_result(conn)?;
        if track_exists == 0 {
            return Err(AppError::field("track_id", "Choose a track from the bank."));
        }
        if let Some(manager) = new.hiring_manager_id {
            let ok: Option<(String, bool)> = users::table
                .find(manager)
                .select((users::role, users::active))
                .first(conn)
                .optional()?;
            if !matches!(ok, Some((role, true)) if role == "hiring_manager" || role == "admin") {
                return Err(AppError::field(
                    "hiring_manager_id",
                    "Choose an active hiring manager.",
                ));
            }
        }
        let at = now();
        let job_id: i64 = diesel::insert_into(jobs::table)
            .values((
                jobs::track_id.eq(new.track_id),
                jobs::title.eq(&title),
                jobs::team.eq(&team),
                jobs::hiring_manager_id.eq(new.hiring_manager_id),
                jobs::status.eq("open"),
                jobs::created_by.eq(actor.id),
                jobs::created_at.eq(at),
                jobs::updated_at.eq(at),
            ))
            .returning(jobs::id)
            .get_result(conn)?;
        let source: Vec<(i64, String, String, String, String, i64)> = criteria::table
            .filter(criteria::track_id.eq(new.track_id))
            .order(criteria::position)
            .select((
                criteria::id,
                criteria::kind,
                criteria::name,
                criteria::description,
                criteria::candidate_description,
                criteria::position,
            ))
            .load(conn)?;
        let mut copied = HashMap::new();
        for (id, kind, name, description, candidate_description, position) in source {
            let job_criterion: i64 = diesel::insert_into(job_criteria::table)
                .values((
                    job_criteria::job_id.eq(job_id),
                    job_criteria::source_criterion_id.eq(id),
                    job_criteria::kind.eq(kind),
                    job_criteria::name.eq(name),
                    job_criteria::description.eq(description),
                    job_criteria::candidate_description.eq(candidate_description),
                    job_criteria::position.eq(position),
                    job_criteria::created_at.eq(at),
                    job_criteria::updated_at.eq(at),
                ))
                .returning(job_criteria::id)
                .get_result(conn)?;
            copied.insert(id, job_criterion);
        }
        let loop_id: i64 = diesel::insert_into(loops::table)
            .values((
                loops::job_id.eq(job_id),
                loops::version.eq(1),
                loops::created_at.eq(at),
                loops::updated_at.eq(at),
            ))
            .returning(loops::id)
            .get_result(conn)?;
        if new.typical_stages {
            let kinds: Vec<(i64, String, i64, i64)> = track_stage_kinds::table
                .inner_join(stage_kinds::table)
                .filter(track_stage_kinds::track_id.eq(new.track_id))
                .order(track_stage_kinds::position)
                .select((
                    stage_kinds::id,
                    stage_kinds::name,
                    stage_kinds::default_format_id,
                    stage_kinds::default_duration_minutes,
                ))
                .load(conn)?;
            let focus: Vec<(i64, i64)> = stage_kind_focus::table
                .filter(stage_kind_focus::track_id.eq(new.track_id))
                .select((
                    stage_kind_focus::stage_kind_id,
                    stage_kind_focus::criterion_id,
                ))
                .load(conn)?;
            for (position, (kind_id, name, format_id, minutes)) in kinds.into_iter().enumerate() {
                let focus_ids: Vec<i64> = focus
                    .iter()
                    .filter(|(k, _)| *k == kind_id)
                    .filter_map(|(_, c)| copied.get(c).copied())
                    .collect();
                insert_stage(
                    conn,
                    loop_id,
                    position as i64,
                    kind_id,
                    &name,
                    format_id,
                    minutes,
                    &focus_ids,
                    at,
                )?;
            }
        }
        record_revision(conn, loop_id, 1, Some(actor.id), "created")?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job.created",
            ("job", Some(job_id)),
            json!({"title": title, "track_id": new.track_id}),
        )?;
        Ok(job_id)
    })
}

#[allow(clippy::too_many_arguments)]
fn insert_stage(
    conn: &mut DbConn,
    loop_id: i64,
    position: i64,
    kind_id: i64,
    title: &str,
    format_id: i64,
    minutes: i64,
    focus: &[i64],
    at: NaiveDateTime,
) -> QueryResult<i64> {
    let stage_id: i64 = diesel::insert_into(stages::table)
        .values((
            stages::loop_id.eq(loop_id),
            stages::position.eq(position),
            stages::stage_kind_id.eq(kind_id),
            stages::title.eq(title),
            stages::format_id.eq(format_id),
            stages::duration_minutes.eq(minutes),
            stages::created_at.eq(at),
            stages::updated_at.eq(at),
        ))
        .returning(stages::id)
        .get_result(conn)?;
    for criterion in focus {
        diesel::insert_into(stage_focus_criteria::table)
            .values((
                stage_focus_criteria::stage_id.eq(stage_id),
                stage_focus_criteria::job_criterion_id.eq(criterion),
            ))
            .execute(conn)?;
    }
    Ok(stage_id)
}

pub fn job(conn: &mut DbConn, id: i64) -> Result<JobView, AppError> {
    let (id, title, team, status, track_id, manager): (
        i64,
        String,
        String,
        String,
        i64,
        Option<i64>,
    ) = jobs::table
        .find(id)
        .select((
            jobs::id,
            jobs::title,
            jobs::team,
            jobs::status,
            jobs::track_id,
            jobs::hiring_manager_id,
        ))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let (track_slug, track_name): (String, String) = tracks::table
        .find(track_id)
        .select((tracks::slug, tracks::name))
        .first(conn)?;
    let hiring_manager = match manager {
        Some(m) => users::table
            .find(m)
            .select(users::name)
            .first::<String>(conn)
            .optional()?
            .map(|name| json!({"id": m, "name": name})),
        None => None,
    };
    let template_loop_id = loops::table
        .filter(loops::job_id.eq(id))
        .filter(loops::candidate_id.is_null())
        .select(loops::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(JobView {
        id,
        title,
        team,
        status,
        track: json!({"id": track_id, "slug": track_slug, "name": track_name}),
        hiring_manager,
        template_loop_id,
        criteria: job_criteria_of(conn, id)?,
    })
}

pub fn job_criteria_of(conn: &mut DbConn, job_id: i64) -> QueryResult<Vec<JobCriterion>> {
    Ok(job_criteria::table
        .filter(job_criteria::job_id.eq(job_id))
        .order((job_criteria::position, job_criteria::id))
        .select((
            job_criteria::id,
            job_criteria::kind,
            job_criteria::name,
            job_criteria::description,
            job_criteria::position,
        ))
        .load::<(i64, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, kind, name, description, position)| JobCriterion {
            id,
            kind,
            name,
            description,
            position,
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct JobSummary {
    pub id: i64,
    pub title: String,
    pub team: String,
    pub status: String,
    pub track_name: String,
    pub hiring_manager_id: Option<i64>,
}

/// The jobs a user may see: all for admins and recruiters, their own for a
/// hiring manager.
pub fn jobs_for(conn: &mut DbConn, user: &User) -> QueryResult<Vec<JobSummary>> {
    let mut query = jobs::table
        .inner_join(tracks::table)
        .into_boxed::<<DbConn as Connection>::Backend>();
    if user.role() == Role::HiringManager {
        query = query.filter(jobs::hiring_manager_id.eq(user.id));
    }
    Ok(query
        .order((jobs::status, jobs::title, jobs::id))
        .select((
            jobs::id,
            jobs::title,
            jobs::team,
            jobs::status,
            tracks::name,
            jobs::hiring_manager_id,
        ))
        .load::<(i64, String, String, String, String, Option<i64>)>(conn)?
        .into_iter()
        .map(
            |(id, title, team, status, track_name, hiring_manager_id)| JobSummary {
                id,
                title,
                team,
                status,
                track_name,
                hiring_manager_id,
            },
        )
        .collect())
}

/// A loop with its stages: five queries whatever the number of stages.
pub fn load_loop(conn: &mut DbConn, loop_id: i64) -> Result<LoopView, AppError> {
    let (id, job_id, candidate_id, version): (i64, i64, Option<i64>, i64) = loops::table
        .find(loop_id)
        .select((
            loops::id,
            loops::job_id,
            loops::candidate_id,
            loops::version,
        ))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    type StageRow = (
        i64,
        i64,
        String,
        String,
        String,
        i64,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<StageRow> = stages::table
        .inner_join(stage_kinds::table)
        .inner_join(formats::table)
        .filter(stages::loop_id.eq(loop_id))
        .order((stages::position, stages::id))
        .select((
            stages::id,
            stages::position,
            stage_kinds::slug,
            stages::title,
            formats::slug,
            stages::duration_minutes,
            stages::starts_at,
            stages::time_zone,
            stages::location,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut focus: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (s, c) in stage_focus_criteria::table
        .inner_join(job_criteria::table)
        .filter(stage_focus_criteria::stage_id.eq_any(&ids))
        .order(job_criteria::position)
        .select((
            stage_focus_criteria::stage_id,
            stage_focus_criteria::job_criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        focus.entry(s).or_default().push(c);
    }
    let mut interviewers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (s, u) in stage_interviewers::table
        .filter(stage_interviewers::stage_id.eq_any(&ids))
        .order(stage_interviewers::user_id)
        .select((stage_interviewers::stage_id, stage_interviewers::user_id))
        .load::<(i64, i64)>(conn)?
    {
        interviewers.entry(s).or_default().push(u);
    }
    let mut pulled: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (s, q) in stage_questions::table
        .filter(stage_questions::stage_id.eq_any(&ids))
        .order((stage_questions::stage_id, stage_questions::position))
        .select((stage_questions::stage_id, stage_questions::question_id))
        .load::<(i64, i64)>(conn)?
    {
        pulled.entry(s).or_default().push(q);
    }
    let stages = rows
        .into_iter()
        .map(
            |(
                id,
                position,
                stage_kind,
                title,
                format,
                duration_minutes,
                starts_at,
                time_zone,
                location,
            )| StageView {
                id,
                position,
                stage_kind,
                title,
                format,
                duration_minutes,
                focus_criterion_ids: focus.remove(&id).unwrap_or_default(),
                interviewer_ids: interviewers.remove(&id).unwrap_or_default(),
                question_ids: pulled.remove(&id).unwrap_or_default(),
                starts_at: starts_at.map(|t| t.and_utc().to_rfc3339()),
                time_zone,
                location,
            },
        )
        .collect();
    Ok(LoopView {
        id,
        job_id,
        candidate_id,
        version,
        stages,
    })
}

/// Claims the next version of a loop, or says someone else got there first.
fn bump_version(conn: &mut DbConn, loop_id: i64, expected: i64) -> Result<i64, AppError> {
    let changed = diesel::update(
        loops::table
            .filter(loops::id.eq(loop_id))
            .filter(loops::version.eq(expected)),
    )
    .set((
        loops::version.eq(loops::version + 1),
        loops::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 1 {
        return Ok(expected + 1);
    }
    let current: Option<i64> = loops::table
        .find(loop_id)
        .select(loops::version)
        .first(conn)
        .optional()?;
    match current {
        None => Err(AppError::NotFound),
        Some(current) => Err(AppError::Conflict(format!(
            "Someone else changed this loop: you edited version {expected}, it is at version {current} now. Reload to see their changes, then try again."
        ))),
    }
}

fn record_revision(
    conn: &mut DbConn,
    loop_id: i64,
    version: i64,
    actor: Option<i64>,
    summary: &str,
) -> Result<(), AppError> {
    let shape = load_loop(conn, loop_id)?;
    diesel::insert_into(loop_revisions::table)
        .values((
            loop_revisions::loop_id.eq(loop_id),
            loop_revisions::version.eq(version),
            loop_revisions::snapshot
                .eq(serde_json::to_string(&shape.stages).map_err(AppError::internal)?),
            loop_revisions::changed_by.eq(actor),
            loop_revisions::summary.eq(summary),
            loop_revisions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Runs one change to a loop under its version; returns the new shape.
fn change_loop(
    conn: &mut DbConn,
    loop_id: i64,
    expected: i64,
    actor: &User,
    summary: &str,
    apply: impl FnOnce(&mut DbConn) -> Result<(), AppError>,
) -> Result<LoopView, AppError> {
    write_transaction(conn, |conn| {
        let version = bump_version(conn, loop_id, expected)?;
        apply(conn)?;
        record_revision(conn, loop_id, version, Some(actor.id), summary)?;
        load_loop(conn, loop_id)
    })
}

fn renumber(conn: &mut DbConn, loop_id: i64, order: &[i64]) -> QueryResult<()> {
    for (position, id) in order.iter().enumerate() {
        diesel::update(
            stages::table
                .filter(stages::id.eq(id))
                .filter(stages::loop_id.eq(loop_id)),
        )
        .set(stages::position.eq(position as i64))
        .execute(conn)?;
    }
    Ok(())
}

fn stage_order(conn: &mut DbConn, loop_id: i64) -> QueryResult<Vec<i64>> {
    stages::table
        .filter(stages::loop_id.eq(loop_id))
        .order((stages::position, stages::id))
        .select(stages::id)
        .load(conn)
}

/// Adds a stage of a kind at the end (or at `position`), with the kind's
/// default format, duration and the job's copies of its suggested focus.
pub fn add_stage(
    conn: &mut DbConn,
    actor: &User,
    loop_id: i64,
    expected: i64,
    kind_slug: &str,
    position: Option<usize>,
) -> Result<LoopView, AppError> {
    change_loop(conn, loop_id, expected, actor, "stage added", |conn| {
        let (kind_id, name, format_id, minutes): (i64, String, i64, i64) = stage_kinds::table
            .filter(stage_kinds::slug.eq(kind_slug))
            .select((
                stage_kinds::id,
                stage_kinds::name,
                stage_kinds::default_format_id,
                stage_kinds::default_duration_minutes,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                AppError::field("stage_kind", format!("Unknown stage kind {kind_slug:?}."))
            })?;
        let (job_id, track_id): (i64, i64) = loops::table
            .inner_join(jobs::table)
            .filter(loops::id.eq(loop_id))
            .select((jobs::id, jobs::track_id))
            .first(conn)?;
        let focus: Vec<i64> = stage_kind_focus::table
            .inner_join(job_criteria::table.on(
                job_criteria::source_criterion_id.eq(stage_kind_focus::criterion_id.nullable()),
            ))
            .filter(stage_kind_focus::track_id.eq(track_id))
            .filter(stage_kind_focus::stage_kind_id.eq(kind_id))
            .filter(job_criteria::job_id.eq(job_id))
            .select(job_criteria::id)
            .load(conn)?;
        let mut order = stage_order(conn, loop_id)?;
        let new_id = insert_stage(
            conn,
            loop_id,
            order.len() as i64,
            kind_id,
            &name,
            format_id,
            minutes,
            &focus,
            now(),
        )?;
        order.insert(position.unwrap_or(order.len()).min(order.len()), new_id);
        renumber(conn, loop_id, &order)?;
        Ok(())
    })
}

/// What a stage edit may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct StageChanges {
    pub title: Option<String>,
    pub format: Option<String>,
    pub duration_minutes: Option<i64>,
    pub focus_criterion_ids: Option<Vec<i64>>,
    pub location: Option<Option<String>>,
    pub position: Option<usize>,
    /// UTC; only on a candidate's loop.
    pub starts_at: Option<Option<NaiveDateTime>>,
    /// An IANA zone name, already checked.
    pub time_zone: Option<Option<String>>,
}

pub fn update_stage(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    changes: StageChanges,
) -> Result<LoopView, AppError> {
    let loop_id = loop_of_stage(conn, stage_id)?;
    let title = changes
        .title
        .as_deref()
        .map(|t| check_title("title", t))
        .transpose()?;
    let duration = changes.duration_minutes.map(check_duration).transpose()?;
    change_loop(conn, loop_id, expected, actor, "stage changed", |conn| {
        let at = now();
        if let Some(title) = &title {
            diesel::update(stages::table.find(stage_id))
                .set((stages::title.eq(title), stages::updated_at.eq(at)))
                .execute(conn)?;
        }
        if let Some(minutes) = duration {
            diesel::update(stages::table.find(stage_id))
                .set(stages::duration_minutes.eq(minutes))
                .execute(conn)?;
        }
        if let Some(format) = &changes.format {
            let format_id: i64 = formats::table
                .filter(formats::slug.eq(format))
                .select(formats::id)
                .first(conn)
                .optional()?
                .ok_or_else(|| AppError::field("format", format!("Unknown format {format:?}.")))?;
            diesel::update(stages::table.find(stage_id))
                .set(stages::format_id.eq(format_id))
                .execute(conn)?;
        }
        if let Some(location) = &changes.location {
            let location = location.as_deref().map(str::trim).filter(|l| !l.is_empty());
            if location.is_some_and(|l| l.chars().count() > 500) {
                return Err(AppError::field("location", "Use at most 500 characters."));
            }
            diesel::update(stages::table.find(stage_id))
                .set(stages::location.eq(location))
                .execute(conn)?;
        }
        if let Some(focus) = &changes.focus_criterion_ids {
            let job_id: i64 = loops::table
                .find(loop_id)
                .select(loops::job_id)
                .first(conn)?;
            let wanted: BTreeSet<i64> = focus.iter().copied().collect();
            let known: i64 = job_criteria::table
                .filter(job_criteria::job_id.eq(job_id))
                .filter(job_criteria::id.eq_any(&wanted))
                .count()
                .get_result(conn)?;
            if known as usize != wanted.len() {
                return Err(AppError::field(
                    "focus_criterion_ids",
                    "Choose focus criteria from this job's criteria.",
                ));
            }
            diesel::delete(
                stage_focus_criteria::table.filter(stage_focus_criteria::stage_id.eq(stage_id)),
            )
            .execute(conn)?;
            for c in wanted {
                diesel::insert_into(stage_focus_criteria::table)
                    .values((
                        stage_focus_criteria::stage_id.eq(stage_id),
                        stage_focus_criteria::job_criterion_id.eq(c),
                    ))
                    .execute(conn)?;
            }
        }
        if changes.starts_at.is_some() || changes.time_zone.is_some() {
            let candidate: Option<i64> = loops::table
                .find(loop_id)
                .select(loops::candidate_id)
                .first(conn)?;
            if candidate.is_none() {
                return Err(AppError::field(
                    "starts_at",
                    "Times are set on a candidate's loop, not on the job's template.",
                ));
            }
            if let Some(starts_at) = changes.starts_at {
                diesel::update(stages::table.find(stage_id))
                    .set(stages::starts_at.eq(starts_at))
                    .execute(conn)?;
            }
            if let Some(zone) = &changes.time_zone {
                diesel::update(stages::table.find(stage_id))
                    .set(stages::time_zone.eq(zone))
                    .execute(conn)?;
            }
        }
        if let Some(position) = changes.position {
            let mut order = stage_order(conn, loop_id)?;
            order.retain(|id| *id != stage_id);
            order.insert(position.min(order.len()), stage_id);
            renumber(conn, loop_id, &order)?;
        }
        Ok(())
    })
}

pub fn delete_stage(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
) -> Result<LoopView, AppError> {
    let loop_id = loop_of_stage(conn, stage_id)?;
    change_loop(conn, loop_id, expected, actor, "stage removed", |conn| {
        diesel::delete(stages::table.find(stage_id)).execute(conn)?;
        let order = stage_order(conn, loop_id)?;
        renumber(conn, loop_id, &order)?;
        Ok(())
    })
}

/// Replaces a stage's questions (in order), each pulled at its current version.
pub fn set_questions(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    question_ids: &[i64],
) -> Result<LoopView, AppError> {
    let loop_id = loop_of_stage(conn, stage_id)?;
    let unique: BTreeSet<i64> = question_ids.iter().copied().collect();
    if unique.len() != question_ids.len() {
        return Err(AppError::field("question_ids", "A question appears twice."));
    }
    change_loop(
        conn,
        loop_id,
        expected,
        actor,
        "questions changed",
        |conn| {
            let already: BTreeSet<i64> = stage_questions::table
                .filter(stage_questions::stage_id.eq(stage_id))
                .select(stage_questions::question_id)
                .load::<i64>(conn)?
                .into_iter()
                .collect();
            let found: HashMap<i64, (i64, bool)> = questions::table
                .filter(questions::id.eq_any(&unique))
                .select((
                    questions::id,
                    questions::version,
                    questions::archived_at.is_not_null(),
                ))
                .load::<(i64, i64, bool)>(conn)?
                .into_iter()
                .map(|(id, version, archived)| (id, (version, archived)))
                .collect();
            for id in question_ids {
                match found.get(id) {
                    None => {
                        return Err(AppError::field(
                            "question_ids",
                            format!("There is no question {id} in the bank."),
                        ));
                    }
                    // Archived questions stay where they are, but are not pulled anew.
                    Some((_, true)) if !already.contains(id) => {
                        return Err(AppError::field(
                            "question_ids",
                            format!("Question {id} is archived."),
                        ));
                    }
                    _ => {}
                }
            }
            let kept: HashMap<i64, i64> = stage_questions::table
                .filter(stage_questions::stage_id.eq(stage_id))
                .select((
                    stage_questions::question_id,
                    stage_questions::question_version,
                ))
                .load::<(i64, i64)>(conn)?
                .into_iter()
                .collect();
            diesel::delete(stage_questions::table.filter(stage_questions::stage_id.eq(stage_id)))
                .execute(conn)?;
            for (position, id) in question_ids.iter().enumerate() {
                // A question already in the stage keeps the version it was pulled at.
                let version = kept.get(id).copied().unwrap_or(found[id].0);
                diesel::insert_into(stage_questions::table)
                    .values((
                        stage_questions::stage_id.eq(stage_id),
                        stage_questions::question_id.eq(id),
                        stage_questions::position.eq(position as i64),
                        stage_questions::question_version.eq(version),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        },
    )
}

pub fn set_interviewers(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    expected: i64,
    user_ids: &[i64],
) -> Result<LoopView, AppError> {
    let loop_id = loop_of_stage(conn, stage_id)?;
    let unique: BTreeSet<i64> = user_ids.iter().copied().collect();
    change_loop(
        conn,
        loop_id,
        expected,
        actor,
        "interviewers changed",
        |conn| {
            let active: BTreeSet<i64> = users::table
                .filter(users::id.eq_any(&unique))
                .filter(users::active.eq(true))
                .select(users::id)
                .load::<i64>(conn)?
                .into_iter()
                .collect();
            if let Some(missing) = unique.difference(&active).next() {
                return Err(AppError::field(
                    "user_ids",
                    format!("User {missing} is not an active member of the team."),
                ));
            }
            diesel::delete(
                stage_interviewers::table.filter(stage_interviewers::stage_id.eq(stage_id)),
            )
            .execute(conn)?;
            for id in &unique {
                diesel::insert_into(stage_interviewers::table)
                    .values((
                        stage_interviewers::stage_id.eq(stage_id),
                        stage_interviewers::user_id.eq(id),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        },
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageView {
    pub loop_id: i64,
    pub version: i64,
    pub criteria: Vec<JobCriterion>,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// The coverage of a loop: a fixed number of queries whatever its size.
pub fn coverage_of(conn: &mut DbConn, loop_id: i64) -> Result<CoverageView, AppError> {
    let shape = load_loop(conn, loop_id)?;
    let job_criteria_list = job_criteria_of(conn, shape.job_id)?;
    // A question probes a job criterion when it probes the bank criterion the job's copy came from.
    let copies: HashMap<i64, i64> = job_criteria::table
        .filter(job_criteria::job_id.eq(shape.job_id))
        .filter(job_criteria::source_criterion_id.is_not_null())
        .select((
            job_criteria::source_criterion_id.assume_not_null(),
            job_criteria::id,
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let question_ids: BTreeSet<i64> = shape
        .stages
        .iter()
        .flat_map(|s| s.question_ids.iter().copied())
        .collect();
    let minutes: HashMap<i64, i64> = questions::table
        .filter(questions::id.eq_any(&question_ids))
        .select((questions::id, questions::suggested_minutes))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut probes: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for (q, c) in question_criteria::table
        .filter(question_criteria::question_id.eq_any(&question_ids))
        .select((
            question_criteria::question_id,
            question_criteria::criterion_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        if let Some(job_criterion) = copies.get(&c) {
            probes.entry(q).or_default().insert(*job_criterion);
        }
    }
    let criteria_refs: Vec<CriterionRef> = job_criteria_list
        .iter()
        .map(|c| CriterionRef {
            id: c.id,
            kind: if c.kind == "red_flag" {
                CriterionKind::RedFlag
            } else {
                CriterionKind::Criterion
            },
        })
        .collect();
    let plans: Vec<StagePlan> = shape
        .stages
        .iter()
        .map(|s| StagePlan {
            id: s.id,
            duration_minutes: s.duration_minutes,
            focus: s.focus_criterion_ids.iter().copied().collect(),
            questions: s
                .question_ids
                .iter()
                .map(|q| QuestionPlan {
                    id: *q,
                    minutes: minutes.get(q).copied().unwrap_or(0),
                    probes: probes.get(q).cloned().unwrap_or_default(),
                })
                .collect(),
            interviewers: s.interviewer_ids.len(),
        })
        .collect();
    Ok(CoverageView {
        loop_id,
        version: shape.version,
        coverage: coverage::coverage(&criteria_refs, &plans),
        criteria: job_criteria_list,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct CandidateView {
    pub id: i64,
    pub job_id: i64,
    pub job_title: String,
    pub name: String,
    pub email: String,
    pub notes: String,
    pub status: String,
    pub time_zone: Option<String>,
    pub loop_id: Option<i64>,
    /// The template version the candidate's loop was cloned from.
    pub template_version: Option<i64>,
}

pub const CANDIDATE_STATUSES: [&str; 5] = ["active", "on_hold", "hired", "rejected", "withdrawn"];

pub struct NewCandidate {
    pub job_id: i64,
    pub name: crate::domain::PersonName,
    pub email: crate::domain::EmailAddress,
    pub notes: String,
}

/// Adds a candidate and gives them a deep copy of the job's template loop as
/// it is now: their own stages, focus, interviewers and questions (at the
/// versions the template pulled), recording the template version.
pub fn create_candidate(
    conn: &mut DbConn,
    actor: &User,
    new: NewCandidate,
) -> Result<i64, AppError> {
    if new.notes.chars().count() > 5000 {
        return Err(AppError::field(
            "notes",
            "Keep notes under 5000 characters.",
        ));
    }
    write_transaction(conn, |conn| {
        let at = now();
        let template: Option<(i64, i64)> = loops::table
            .filter(loops::job_id.eq(new.job_id))
            .filter(loops::candidate_id.is_null())
            .select((loops::id, loops::version))
            .first(conn)
            .optional()?;
        let (template_id, template_version) =
            template.ok_or_else(|| AppError::field("job_id", "Choose a job."))?;
        let candidate_id: i64 = diesel::insert_into(candidates::table)
            .values((
                candidates::job_id.eq(new.job_id),
                candidates::name.eq(new.name.as_str()),
                candidates::email.eq(new.email.as_str()),
                candidates::notes.eq(new.notes.trim()),
                candidates::status.eq("active"),
                candidates::created_by.eq(actor.id),
                candidates::created_at.eq(at),
                candidates::updated_at.eq(at),
            ))
            .returning(candidates::id)
            .get_result(conn)?;
        let loop_id: i64 = diesel::insert_into(loops::table)
            .values((
                loops::job_id.eq(new.job_id),
                loops::candidate_id.eq(candidate_id),
                loops::version.eq(1),
                loops::source_loop_id.eq(template_id),
                loops::source_version.eq(template_version),
                loops::created_at.eq(at),
                loops::updated_at.eq(at),
            ))
            .returning(loops::id)
            .get_result(conn)?;
        copy_stages(conn, template_id, loop_id, at)?;
        record_revision(
            conn,
            loop_id,
            1,
            Some(actor.id),
            &format!("cloned from template version {template_version}"),
        )?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "candidate.created",
            ("candidate", Some(candidate_id)),
            json!({"job_id": new.job_id, "template_version": template_version}),
        )?;
        Ok(candidate_id)
    })
}

/// Copies every stage of one loop into another, with its links.
fn copy_stages(conn: &mut DbConn, from: i64, to: i64, at: NaiveDateTime) -> Result<(), AppError> {
    type StageRow = (i64, i64, i64, String, i64, i64, Option<String>);
    let rows: Vec<StageRow> = stages::table
        .filter(stages::loop_id.eq(from))
        .order(stages::position)
        .select((
            stages::id,
            stages::position,
            stages::stage_kind_id,
            stages::title,
            stages::format_id,
            stages::duration_minutes,
            stages::location,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let focus: Vec<(i64, i64)> = stage_focus_criteria::table
        .filter(stage_focus_criteria::stage_id.eq_any(&ids))
        .select((
            stage_focus_criteria::stage_id,
            stage_focus_criteria::job_criterion_id,
        ))
        .load(conn)?;
    let people: Vec<(i64, i64)> = stage_interviewers::table
        .filter(stage_interviewers::stage_id.eq_any(&ids))
        .select((stage_interviewers::stage_id, stage_interviewers::user_id))
        .load(conn)?;
    let pulled: Vec<(i64, i64, i64, i64, bool)> = stage_questions::table
        .filter(stage_questions::stage_id.eq_any(&ids))
        .select((
            stage_questions::stage_id,
            stage_questions::question_id,
            stage_questions::position,
            stage_questions::question_version,
            stage_questions::share_with_candidate,
        ))
        .load(conn)?;
    for (old_id, position, kind_id, title, format_id, minutes, location) in rows {
        let focus_ids: Vec<i64> = focus
            .iter()
            .filter(|(s, _)| *s == old_id)
            .map(|(_, c)| *c)
            .collect();
        let new_id = insert_stage(
            conn, to, position, kind_id, &title, format_id, minutes, &focus_ids, at,
        )?;
        diesel::update(stages::table.find(new_id))
            .set(stages::location.eq(location))
            .execute(conn)?;
        for (_, user_id) in people.iter().filter(|(s, _)| *s == old_id) {
            diesel::insert_into(stage_interviewers::table)
                .values((
                    stage_interviewers::stage_id.eq(new_id),
                    stage_interviewers::user_id.eq(user_id),
                ))
                .execute(conn)?;
        }
        for (_, question_id, position, version, share) in pulled.iter().filter(|p| p.0 == old_id) {
            diesel::insert_into(stage_questions::table)
                .values((
                    stage_questions::stage_id.eq(new_id),
                    stage_questions::question_id.eq(question_id),
                    stage_questions::position.eq(position),
                    stage_questions::question_version.eq(version),
                    stage_questions::share_with_candidate.eq(share),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

type CandidateRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

fn candidate_view(r: CandidateRow) -> CandidateView {
    CandidateView {
        id: r.0,
        job_id: r.1,
        job_title: r.2,
        name: r.3,
        email: r.4,
        notes: r.5,
        status: r.6,
        time_zone: r.7,
        loop_id: r.8,
        template_version: r.9,
    }
}

/// Which candidates to load.
#[derive(Debug, Default)]
struct CandidateFilter<'a> {
    id: Option<i64>,
    job_id: Option<i64>,
    status: Option<&'a str>,
    /// Only jobs this hiring manager manages.
    manager: Option<i64>,
}

/// Candidates with their job and loop: one query whatever their number.
fn load_candidates(
    conn: &mut DbConn,
    filter: CandidateFilter<'_>,
) -> QueryResult<Vec<CandidateView>> {
    let mut query = candidates::table
        .inner_join(jobs::table)
        .left_join(loops::table.on(loops::candidate_id.eq(candidates::id.nullable())))
        .select((
            candidates::id,
            candidates::job_id,
            jobs::title,
            candidates::name,
            candidates::email,
            candidates::notes,
            candidates::status,
            candidates::time_zone,
            loops::id.nullable(),
            loops::source_version.nullable(),
        ))
        .into_boxed::<<DbConn as Connection>::Backend>();
    if let Some(id) = filter.id {
        query = query.filter(candidates::id.eq(id));
    }
    if let Some(job_id) = filter.job_id {
        query = query.filter(candidates::job_id.eq(job_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(candidates::status.eq(status.to_owned()));
    }
    if let Some(manager) = filter.manager {
        query = query.filter(jobs::hiring_manager_id.eq(manager));
    }
    Ok(query
        .order((candidates::name, candidates::id))
        .load::<CandidateRow>(conn)?
        .into_iter()
        .map(candidate_view)
        .collect())
}

pub fn candidate(conn: &mut DbConn, id: i64) -> Result<CandidateView, AppError> {
    load_candidates(
        conn,
        CandidateFilter {
            id: Some(id),
            ..CandidateFilter::default()
        },
    )?
    .pop()
    .ok_or(AppError::NotFound)
}

/// Candidates a user may see, optionally of one job and one status.
pub fn candidates_for(
    conn: &mut DbConn,
    user: &User,
    job_id: Option<i64>,
    status: Option<&str>,
) -> QueryResult<Vec<CandidateView>> {
    let manager = match user.role() {
        Role::Admin | Role::Recruiter => None,
        Role::HiringManager => Some(user.id),
        Role::Interviewer => return Ok(Vec::new()),
    };
    load_candidates(
        conn,
        CandidateFilter {
            id: None,
            job_id,
            status,
            manager,
        },
    )
}

#[derive(Debug, Default)]
pub struct CandidateChanges {
    pub name: Option<crate::domain::PersonName>,
    pub email: Option<crate::domain::EmailAddress>,
    pub notes: Option<String>,
    pub status: Option<String>,
}

pub fn update_candidate(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    changes: CandidateChanges,
) -> Result<CandidateView, AppError> {
    if let Some(status) = &changes.status
        && !CANDIDATE_STATUSES.contains(&status.as_str())
    {
        return Err(AppError::field(
            "status",
            format!("Expected one of {}.", CANDIDATE_STATUSES.join(", ")),
        ));
    }
    if changes
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > 5000)
    {
        return Err(AppError::field(
            "notes",
            "Keep notes under 5000 characters.",
        ));
    }
    write_transaction(conn, |conn| {
        let at = now();
        if let Some(name) = &changes.name {
            diesel::update(candidates::table.find(id))
                .set(candidates::name.eq(name.as_str()))
                .execute(conn)?;
        }
        if let Some(email) = &changes.email {
            diesel::update(candidates::table.find(id))
                .set(candidates::email.eq(email.as_str()))
                .execute(conn)?;
        }
        if let Some(notes) = &changes.notes {
            diesel::update(candidates::table.find(id))
                .set(candidates::notes.eq(notes.trim()))
                .execute(conn)?;
        }
        if let Some(status) = &changes.status {
            diesel::update(candidates::table.find(id))
                .set(candidates::status.eq(status))
                .execute(conn)?;
        }
        diesel::update(candidates::table.find(id))
            .set(candidates::updated_at.eq(at))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "candidate.updated",
            ("candidate", Some(id)),
            json!({"status": changes.status}),
        )?;
        candidate(conn, id)
    })
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub stages: Vec<ScheduledStage>,
    pub conflicts: Vec<crate::domain::schedule::Conflict>,
}

fn local(at: NaiveDateTime, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    at.and_utc()
        .with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// A candidate's schedule, each time shown in the stage's zone (or the
/// candidate's, or UTC), with overlaps and double-booked interviewers.
pub fn schedule_of(conn: &mut DbConn, candidate_id: i64) -> Result<ScheduleView, AppError> {
    use crate::domain::schedule::{Slot, conflicts};
    let view = candidate(conn, candidate_id)?;
    let loop_id = view.loop_id.ok_or(AppError::NotFound)?;
    let shape = load_loop(conn, loop_id)?;
    let rows: HashMap<i64, Option<NaiveDateTime>> = stages::table
        .filter(stages::loop_id.eq(loop_id))
        .select((stages::id, stages::starts_at))
        .load::<(i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    let fallback = view.time_zone.clone().unwrap_or_else(|| "UTC".to_owned());
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
    let other_rows: Vec<(i64, NaiveDateTime, i64, i64)> = stage_interviewers::table
        .inner_join(stages::table)
        .filter(stage_interviewers::user_id.eq_any(&people))
        .filter(stages::loop_id.ne(loop_id))
        .filter(stages::starts_at.is_not_null())
        .select((
            stages::id,
            stages::starts_at.assume_not_null(),
            stages::duration_minutes,
            stage_interviewers::user_id,
        ))
        .load(conn)?;
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

/// What may change about a job criterion (or red flag) of one job.
#[derive(Debug, Default)]
pub struct CriterionChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub position: Option<i64>,
}

fn check_criterion_text(name: Option<&str>, description: Option<&str>) -> Result<(), AppError> {
    if let Some(name) = name {
        let n = name.trim().chars().count();
        if n == 0 || n > MAX_TITLE {
            return Err(AppError::field(
                "name",
                format!("Give a name of 1 to {MAX_TITLE} characters."),
            ));
        }
    }
    if description.is_some_and(|d| d.chars().count() > 2000) {
        return Err(AppError::field(
            "description",
            "Keep the description under 2000 characters.",
        ));
    }
    Ok(())
}

/// Adds a criterion or red flag of this job only (not from the track).
pub fn add_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    job_id: i64,
    kind: &str,
    name: &str,
    description: &str,
) -> Result<JobCriterion, AppError> {
    if kind != "criterion" && kind != "red_flag" {
        return Err(AppError::field("kind", "Expected criterion or red_flag."));
    }
    check_criterion_text(Some(name), Some(description))?;
    write_transaction(conn, |conn| {
        let at = now();
        let position: i64 = job_criteria::table
            .filter(job_criteria::job_id.eq(job_id))
            .select(diesel::dsl::max(job_criteria::position))
            .first::<Option<i64>>(conn)?
            .map_or(0, |p| p + 1);
        let id: i64 = diesel::insert_into(job_criteria::table)
            .values((
                job_criteria::job_id.eq(job_id),
                job_criteria::kind.eq(kind),
                job_criteria::name.eq(name.trim()),
                job_criteria::description.eq(description.trim()),
                job_criteria::position.eq(position),
                job_criteria::created_at.eq(at),
                job_criteria::updated_at.eq(at),
            ))
            .returning(job_criteria::id)
            .get_result(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.added",
            ("job", Some(job_id)),
            json!({"criterion_id": id, "kind": kind}),
        )?;
        job_criteria_of(conn, job_id)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(AppError::NotFound)
    })
}

/// The job a job criterion belongs to.
pub fn criterion_job(conn: &mut DbConn, criterion_id: i64) -> Result<i64, AppError> {
    job_criteria::table
        .find(criterion_id)
        .select(job_criteria::job_id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn update_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    criterion_id: i64,
    changes: CriterionChanges,
) -> Result<JobCriterion, AppError> {
    check_criterion_text(changes.name.as_deref(), changes.description.as_deref())?;
    write_transaction(conn, |conn| {
        let job_id = criterion_job(conn, criterion_id)?;
        if let Some(name) = &changes.name {
            diesel::update(job_criteria::table.find(criterion_id))
                .set(job_criteria::name.eq(name.trim()))
                .execute(conn)?;
        }
        if let Some(description) = &changes.description {
            diesel::update(job_criteria::table.find(criterion_id))
                .set(job_criteria::description.eq(description.trim()))
                .execute(conn)?;
        }
        if let Some(position) = changes.position {
            let mut order: Vec<i64> = job_criteria_of(conn, job_id)?
                .into_iter()
                .map(|c| c.id)
                .filter(|id| *id != criterion_id)
                .collect();
            order.insert(
                usize::try_from(position.max(0))
                    .unwrap_or(0)
                    .min(order.len()),
                criterion_id,
            );
            for (i, id) in order.iter().enumerate() {
                diesel::update(job_criteria::table.find(id))
                    .set(job_criteria::position.eq(i as i64))
                    .execute(conn)?;
            }
        }
        diesel::update(job_criteria::table.find(criterion_id))
            .set(job_criteria::updated_at.eq(now()))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.changed",
            ("job", Some(job_id)),
            json!({"criterion_id": criterion_id}),
        )?;
        job_criteria_of(conn, job_id)?
            .into_iter()
            .find(|c| c.id == criterion_id)
            .ok_or(AppError::NotFound)
    })
}

/// Removes a criterion from a job: from every stage's focus too. A criterion
/// that a submitted scorecard rated stays, since that record must not change.
pub fn delete_job_criterion(
    conn: &mut DbConn,
    actor: &User,
    criterion_id: i64,
) -> Result<(), AppError> {
    use crate::db::schema::{scorecard_ratings, scorecard_red_flags};
    write_transaction(conn, |conn| {
        let job_id = criterion_job(conn, criterion_id)?;
        let rated: i64 = scorecard_ratings::table
            .filter(scorecard_ratings::job_criterion_id.eq(criterion_id))
            .count()
            .get_result(conn)?;
        let flagged: i64 = scorecard_red_flags::table
            .filter(scorecard_red_flags::job_criterion_id.eq(criterion_id))
            .count()
            .get_result(conn)?;
        if rated + flagged > 0 {
            return Err(AppError::Conflict(
                "Scorecards already rate this criterion; rename it instead of removing it.".into(),
            ));
        }
        diesel::delete(job_criteria::table.find(criterion_id)).execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job_criterion.removed",
            ("job", Some(job_id)),
            json!({"criterion_id": criterion_id}),
        )?;
        Ok(())
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub version: i64,
    pub summary: String,
    pub changed_by: Option<i64>,
    pub changed_at: String,
    pub stages: Vec<StageView>,
}

/// Every version of a loop's shape, oldest first.
pub fn revisions(conn: &mut DbConn, loop_id: i64) -> Result<Vec<Revision>, AppError> {
    let rows: Vec<(i64, String, Option<i64>, NaiveDateTime, String)> = loop_revisions::table
        .filter(loop_revisions::loop_id.eq(loop_id))
        .order(loop_revisions::version)
        .select((
            loop_revisions::version,
            loop_revisions::summary,
            loop_revisions::changed_by,
            loop_revisions::created_at,
            loop_revisions::snapshot,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(version, summary, changed_by, at, snapshot)| {
            Ok(Revision {
                version,
                summary,
                changed_by,
                changed_at: at.and_utc().to_rfc3339(),
                stages: serde_json::from_str(&snapshot).map_err(AppError::internal)?,
            })
        })
        .collect()
}

/// One difference between two shapes of a loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageDiff {
    Added {
        stage_id: i64,
        title: String,
    },
    Removed {
        stage_id: i64,
        title: String,
    },
    Moved {
        stage_id: i64,
        from: usize,
        to: usize,
    },
    Changed {
        stage_id: i64,
        fields: Vec<&'static str>,
    },
}

/// What changed from one version's stages to another's (matched by stage id).
pub fn diff(before: &[StageView], after: &[StageView]) -> Vec<StageDiff> {
    let mut out = Vec::new();
    for (i, b) in before.iter().enumerate() {
        match after.iter().position(|a| a.id == b.id) {
            None => out.push(StageDiff::Removed {
                stage_id: b.id,
                title: b.title.clone(),
            }),
            Some(j) => {
                let a = &after[j];
                let mut fields = Vec::new();
                let checks: [(&'static str, bool); 10] = [
                    ("title", a.title != b.title),
                    ("stage_kind", a.stage_kind != b.stage_kind),
                    ("format", a.format != b.format),
                    ("duration_minutes", a.duration_minutes != b.duration_minutes),
                    (
                        "focus_criterion_ids",
                        a.focus_criterion_ids != b.focus_criterion_ids,
                    ),
                    ("interviewer_ids", a.interviewer_ids != b.interviewer_ids),
                    ("question_ids", a.question_ids != b.question_ids),
                    ("starts_at", a.starts_at != b.starts_at),
                    ("time_zone", a.time_zone != b.time_zone),
                    ("location", a.location != b.location),
                ];
                fields.extend(
                    checks
                        .into_iter()
                        .filter(|(_, changed)| *changed)
                        .map(|(name, _)| name),
                );
                let from_rank = before
                    .iter()
                    .take(i)
                    .filter(|x| after.iter().any(|a| a.id == x.id))
                    .count();
                let to_rank = after
                    .iter()
                    .take(j)
                    .filter(|x| before.iter().any(|b| b.id == x.id))
                    .count();
                if from_rank != to_rank {
                    out.push(StageDiff::Moved {
                        stage_id: b.id,
                        from: i,
                        to: j,
                    });
                }
                if !fields.is_empty() {
                    out.push(StageDiff::Changed {
                        stage_id: b.id,
                        fields,
                    });
                }
            }
        }
    }
    for a in after
        .iter()
        .filter(|a| !before.iter().any(|b| b.id == a.id))
    {
        out.push(StageDiff::Added {
            stage_id: a.id,
            title: a.title.clone(),
        });
    }
    out
}

pub fn update_job(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    title: Option<&str>,
    team: Option<&str>,
    status: Option<&str>,
) -> Result<(), AppError> {
    let title = title.map(|t| check_title("title", t)).transpose()?;
    if team.is_some_and(|t| t.trim().chars().count() > MAX_TITLE) {
        return Err(AppError::field(
            "team",
            format!("Use at most {MAX_TITLE} characters."),
        ));
    }
    write_transaction(conn, |conn| {
        if let Some(title) = &title {
            diesel::update(jobs::table.find(id))
                .set(jobs::title.eq(title))
                .execute(conn)?;
        }
        if let Some(team) = team {
            diesel::update(jobs::table.find(id))
                .set(jobs::team.eq(team.trim()))
                .execute(conn)?;
        }
        if let Some(status) = status {
            diesel::update(jobs::table.find(id))
                .set(jobs::status.eq(status))
                .execute(conn)?;
        }
        diesel::update(jobs::table.find(id))
            .set(jobs::updated_at.eq(now()))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job.updated",
            ("job", Some(id)),
            json!({"status": status}),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(id: i64, title: &str, minutes: i64) -> StageView {
        StageView {
            id,
            position: 0,
            stage_kind: "live-coding-round".into(),
            title: title.into(),
            format: "live-coding".into(),
            duration_minutes: minutes,
            focus_criterion_ids: vec![],
            interviewer_ids: vec![],
            question_ids: vec![],
            starts_at: None,
            time_zone: None,
            location: None,
        }
    }

    #[test]
    fn the_diff_names_added_removed_moved_and_changed_stages() {
        let before = [
            stage(1, "Screen", 30),
            stage(2, "Coding", 60),
            stage(3, "Design", 60),
        ];
        let after = [
            stage(3, "Design", 60),
            stage(1, "Screen call", 30),
            stage(4, "Values", 45),
        ];
        assert_eq!(
            diff(&before, &after),
            [
                StageDiff::Moved {
                    stage_id: 1,
                    from: 0,
                    to: 1
                },
                StageDiff::Changed {
                    stage_id: 1,
                    fields: vec!["title"]
                },
                StageDiff::Removed {
                    stage_id: 2,
                    title: "Coding".into()
                },
                StageDiff::Moved {
                    stage_id: 3,
                    from: 2,
                    to: 0
                },
                StageDiff::Added {
                    stage_id: 4,
                    title: "Values".into()
                },
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }
}
