//! The planner as pages: jobs, the loop planner (template or a candidate's
//! loop), and the bank panel that pulls questions into a stage. Every form
//! carries the loop version; a stale one comes back with a message and the
//! current loop.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::CsrfForm;
use super::{State, db, form_errors, merge, redirect_with_flash, render, see_other};
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::db::DbConn;
use crate::db::schema::{formats, loops, questions, stage_kinds, stages, tracks, users};
use crate::domain::coverage::Warning;
use crate::domain::{Permission, Role};
use crate::error::AppError;
use crate::planning::{self, NewJob, StageChanges};

/// A form body as pairs: checkboxes repeat their name.
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn all_ids(pairs: &Pairs, name: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

fn version(pairs: &Pairs) -> Result<i64, AppError> {
    field(pairs, "version").parse().map_err(|_| {
        AppError::field(
            "version",
            "The form lost its loop version; reload the page.",
        )
    })
}

fn options(rows: Vec<(String, String)>, selected: &str) -> Value {
    rows.into_iter()
        .map(
            |(value, label)| json!({"selected": value == selected, "value": value, "label": label}),
        )
        .collect()
}

pub async fn jobs_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    jobs_page_with(&state, &req, &me, StatusCode::OK, &Pairs::new(), &[]).await
}

async fn jobs_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    typed: &Pairs,
    errors: &[(&str, String)],
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let (jobs, track_rows, managers) = db(state, move |conn| {
        let jobs = planning::jobs_for(conn, &user)?;
        let track_rows: Vec<(i64, String)> = tracks::table
            .order(tracks::name)
            .select((tracks::id, tracks::name))
            .load(conn)?;
        let managers: Vec<(i64, String)> = if user.role() == Role::Admin {
            users::table
                .filter(users::active.eq(true))
                .filter(users::role.eq_any(["hiring_manager", "admin"]))
                .order(users::name)
                .select((users::id, users::name))
                .load(conn)?
        } else {
            Vec::new()
        };
        Ok((jobs, track_rows, managers))
    })
    .await?;
    let names: HashMap<i64, String> = managers.iter().cloned().collect();
    let list: Vec<Value> = jobs
        .iter()
        .map(|j| {
            json!({"id": j.id, "title": j.title, "team": j.team, "status": j.status, "track_name": j.track_name,
                "hiring_manager_name": j.hiring_manager_id.and_then(|id| names.get(&id).cloned().or_else(|| (id == me.id()).then(|| me.user.name.clone())))})
        })
        .collect();
    let extra = merge(
        json!({
            "jobs": list,
            "can_create": me.role.may(Permission::ManageJobs),
            "tracks": options(track_rows.into_iter().map(|(id, n)| (id.to_string(), n)).collect(), field(typed, "track_id")),
            "managers": options(managers.into_iter().map(|(id, n)| (id.to_string(), n)).collect(), field(typed, "hiring_manager_id")),
            "values": {"title": field(typed, "title"), "team": field(typed, "team")},
        }),
        form_errors(errors),
    );
    render(state, req, Some(me), status, "pages/jobs", "Jobs", extra)
}

pub async fn create_job_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let pairs = form.0;
    let track_id = field(&pairs, "track_id").parse::<i64>().unwrap_or(0);
    let hiring_manager_id = match me.role {
        Role::HiringManager => Some(me.id()),
        _ => field(&pairs, "hiring_manager_id").parse::<i64>().ok(),
    };
    let new = NewJob {
        title: field(&pairs, "title").to_owned(),
        team: field(&pairs, "team").to_owned(),
        track_id,
        hiring_manager_id,
        // An unticked checkbox sends nothing: the form means "empty loop".
        typical_stages: field(&pairs, "typical_stages") == "true",
    };
    let actor = me.user.clone();
    match db(&state, move |conn| planning::create_job(conn, &actor, new)).await {
        Ok(id) => Ok(see_other(&format!("/jobs/{id}"))),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&str, String)> = fields
                .into_iter()
                .map(|(f, m)| {
                    (
                        ["title", "team", "track_id", "hiring_manager_id"]
                            .into_iter()
                            .find(|k| *k == f)
                            .unwrap_or("title"),
                        m,
                    )
                })
                .collect();
            jobs_page_with(
                &state,
                &req,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                &pairs,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Where the planner of a loop lives.
fn planner_url(conn: &mut DbConn, loop_id: i64) -> Result<String, AppError> {
    let (job_id, candidate_id): (i64, Option<i64>) = loops::table
        .find(loop_id)
        .select((loops::job_id, loops::candidate_id))
        .first(conn)?;
    Ok(match candidate_id {
        Some(c) => format!("/candidates/{c}/planner"),
        None => format!("/jobs/{job_id}"),
    })
}

fn warning_text(
    w: &Warning,
    criterion: &HashMap<i64, String>,
    stage: &HashMap<i64, String>,
    question: &HashMap<i64, String>,
) -> String {
    let c = |id: &i64| {
        criterion
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("criterion {id}"))
    };
    let s = |id: &i64| {
        stage
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("stage {id}"))
    };
    match w {
        Warning::CriterionNotProbed { criterion_id } => {
            format!("No stage probes “{}”.", c(criterion_id))
        }
        Warning::RedFlagNotSurfaced { criterion_id } => format!(
            "No question can surface the red flag “{}”.",
            c(criterion_id)
        ),
        Warning::CriterionProbedEverywhere { criterion_id } => format!(
            "Every stage probes “{}”: consider focusing fewer stages on it.",
            c(criterion_id)
        ),
        Warning::StageWithoutQuestions { stage_id } => format!("{} has no questions.", s(stage_id)),
        Warning::StageWithoutInterviewer { stage_id } => {
            format!("{} has no interviewer.", s(stage_id))
        }
        Warning::StageOverBudget {
            stage_id,
            planned_minutes,
            duration_minutes,
        } => {
            format!(
                "{} plans {planned_minutes} minutes of questions in {duration_minutes} minutes.",
                s(stage_id)
            )
        }
        Warning::QuestionInSeveralStages {
            question_id,
            stage_ids,
        } => format!(
            "“{}” is asked in {}.",
            question
                .get(question_id)
                .cloned()
                .unwrap_or_else(|| format!("question {question_id}")),
            stage_ids.iter().map(s).collect::<Vec<_>>().join(" and ")
        ),
    }
}

/// Everything the planner page shows, in a fixed number of queries.
fn planner_context(
    conn: &mut DbConn,
    user: &crate::db::models::User,
    loop_id: i64,
    can_edit: bool,
) -> Result<Value, AppError> {
    let shape = planning::load_loop(conn, loop_id)?;
    let job = planning::job(conn, shape.job_id)?;
    let coverage = planning::coverage_of(conn, loop_id)?;
    let question_ids: Vec<i64> = shape
        .stages
        .iter()
        .flat_map(|s| s.question_ids.iter().copied())
        .collect();
    let question_rows: HashMap<i64, (String, String, i64)> = questions::table
        .filter(questions::id.eq_any(&question_ids))
        .select((
            questions::id,
            questions::prompt,
            questions::why_asked,
            questions::suggested_minutes,
        ))
        .load::<(i64, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, p, w, m)| (id, (p, w, m)))
        .collect();
    let kinds: Vec<(String, String)> = stage_kinds::table
        .order(stage_kinds::position)
        .select((stage_kinds::slug, stage_kinds::name))
        .load(conn)?;
    let format_rows: Vec<(String, String)> = formats::table
        .order(formats::position)
        .select((formats::slug, formats::name))
        .load(conn)?;
    let people: Vec<(i64, String, String)> = users::table
        .filter(users::active.eq(true))
        .order(users::name)
        .select((users::id, users::name, users::role))
        .load(conn)?;
    let kind_name: HashMap<&str, &str> = kinds
        .iter()
        .map(|(s, n)| (s.as_str(), n.as_str()))
        .collect();
    let format_name: HashMap<&str, &str> = format_rows
        .iter()
        .map(|(s, n)| (s.as_str(), n.as_str()))
        .collect();
    let criterion_names: HashMap<i64, String> = job
        .criteria
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let stage_names: HashMap<i64, String> = shape
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, format!("{}. {}", i + 1, s.title)))
        .collect();
    let question_names: HashMap<i64, String> = question_rows
        .iter()
        .map(|(id, (p, ..))| (*id, p.clone()))
        .collect();
    let budgets: HashMap<i64, (i64, bool)> = coverage
        .coverage
        .budgets
        .iter()
        .map(|b| (b.stage_id, (b.planned_minutes, b.over)))
        .collect();
    let last = shape.stages.len().saturating_sub(1);
    let stages: Vec<Value> = shape
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let q_last = s.question_ids.len().saturating_sub(1);
            json!({
                "id": s.id, "position": s.position, "number": i + 1, "title": s.title,
                "kind_name": kind_name.get(s.stage_kind.as_str()).copied().unwrap_or(""),
                "format": s.format, "format_name": format_name.get(s.format.as_str()).copied().unwrap_or(""),
                "duration_minutes": s.duration_minutes,
                "planned_minutes": budgets.get(&s.id).map_or(0, |b| b.0),
                "over_budget": budgets.get(&s.id).is_some_and(|b| b.1),
                "is_first": i == 0, "is_last": i == last,
                "focus": job.criteria.iter().filter(|c| c.kind == "criterion").map(|c| json!({"id": c.id, "name": c.name, "checked": s.focus_criterion_ids.contains(&c.id)})).collect::<Vec<_>>(),
                "interviewers": people.iter().map(|(id, name, _)| json!({"id": id, "name": name, "checked": s.interviewer_ids.contains(id)})).collect::<Vec<_>>(),
                "questions": s.question_ids.iter().enumerate().filter_map(|(j, q)| question_rows.get(q).map(|(prompt, why, minutes)| json!({
                    "id": q, "prompt": prompt, "why": why, "minutes": minutes, "is_first": j == 0, "is_last": j == q_last,
                }))).collect::<Vec<_>>(),
            })
        })
        .collect();
    let rows: Vec<Value> = coverage
        .coverage
        .rows
        .iter()
        .map(|r| {
            json!({
                "name": criterion_names.get(&r.criterion_id).cloned().unwrap_or_default(),
                "kind": r.kind, "red_flag": matches!(r.kind, crate::domain::coverage::CriterionKind::RedFlag),
                "cells": r.cells.iter().map(|c| json!({"focus": c.focus, "questions": c.questions, "probed": c.focus || c.questions > 0})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let role_label = |role: &str| role.parse::<Role>().map(Role::label).unwrap_or("");
    let _ = user;
    Ok(json!({
        "job": {"id": job.id, "title": job.title, "team": job.team, "track_name": job.track["name"], "status": job.status,
                "hiring_manager_name": job.hiring_manager.as_ref().map(|m| m["name"].clone())},
        "loop": {"id": shape.id, "version": shape.version, "candidate_id": shape.candidate_id},
        "can_edit": can_edit,
        // The job's own criteria are edited on its template's planner.
        "job_criteria_editable": can_edit && shape.candidate_id.is_none(),
        "criteria": job.criteria,
        "stage_kinds": kinds.iter().map(|(v, l)| json!({"value": v, "label": l})).collect::<Vec<_>>(),
        "formats": format_rows.iter().map(|(v, l)| json!({"value": v, "label": l})).collect::<Vec<_>>(),
        "people": people.iter().map(|(id, name, role)| json!({"id": id, "name": name, "role_label": role_label(role)})).collect::<Vec<_>>(),
        "stages": stages,
        "coverage": {
            "headers": shape.stages.iter().enumerate().map(|(i, s)| json!({"stage_id": s.id, "number": i + 1, "title": s.title})).collect::<Vec<_>>(),
            "rows": rows,
        },
        "warnings": coverage.coverage.warnings.iter().map(|w| json!({"message": warning_text(w, &criterion_names, &stage_names, &question_names)})).collect::<Vec<_>>(),
    }))
}

async fn planner_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    loop_id: i64,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let context = db(state, move |conn| {
        planning::authorize_loop(conn, &user, loop_id, false)?;
        let can_edit = planning::authorize_loop(conn, &user, loop_id, true).is_ok();
        planner_context(conn, &user, loop_id, can_edit)
    })
    .await?;
    let title = context["job"]["title"]
        .as_str()
        .unwrap_or("Planner")
        .to_owned();
    render(
        state,
        req,
        Some(me),
        StatusCode::OK,
        "pages/planner",
        &title,
        context,
    )
}

pub async fn job_planner(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let loop_id = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, false)?;
        planning::job(conn, id)?
            .template_loop_id
            .ok_or(AppError::NotFound)
    })
    .await?;
    planner_page(&state, &req, &me, loop_id).await
}

pub async fn candidate_planner(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let loop_id = db(&state, move |conn| {
        planning::authorize_candidate(conn, &user, id)?;
        planning::candidate(conn, id)?
            .loop_id
            .ok_or(AppError::NotFound)
    })
    .await?;
    planner_page(&state, &req, &me, loop_id).await
}

/// Runs a planner change from a form and goes back to the planner: with a
/// flash that says what happened, or why nothing did.
async fn planner_change(
    state: &State,
    me: &CurrentUser,
    target: Target,
    done: &'static str,
    change: impl FnOnce(&mut DbConn, &crate::db::models::User) -> Result<(), AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let outcome = db(state, move |conn| {
        let loop_id = match target {
            Target::Loop(id) => planning::authorize_loop(conn, &user, id, true).map(|_| id)?,
            Target::Stage(id) => planning::authorize_stage(conn, &user, id, true)?,
        };
        let url = planner_url(conn, loop_id)?;
        let anchor = match target {
            Target::Stage(id) => format!("#stage-{id}"),
            Target::Loop(_) => String::new(),
        };
        Ok((format!("{url}{anchor}"), change(conn, &user)))
    })
    .await?;
    let (location, result) = outcome;
    let (kind, message) = match result {
        Ok(()) => ("success", done.to_owned()),
        Err(AppError::Conflict(message)) => ("error", message),
        Err(AppError::Validation { message, .. }) => {
            ("error", format!("Nothing was saved. {message}"))
        }
        Err(e) => return Err(e),
    };
    redirect_with_flash(&location, kind, &message)
}

#[derive(Clone, Copy)]
enum Target {
    Loop(i64),
    Stage(i64),
}

pub async fn add_stage_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (loop_id, expected, kind) = (
        id.into_inner(),
        version(&pairs)?,
        field(&pairs, "stage_kind").to_owned(),
    );
    planner_change(
        &state,
        &me,
        Target::Loop(loop_id),
        "Stage added.",
        move |conn, user| {
            planning::add_stage(conn, user, loop_id, expected, &kind, None).map(|_| ())
        },
    )
    .await
}

pub async fn stage_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (stage_id, expected) = (id.into_inner(), version(&pairs)?);
    let duration = field(&pairs, "duration_minutes")
        .trim()
        .parse::<i64>()
        .unwrap_or(0);
    let changes = StageChanges {
        title: Some(field(&pairs, "title").to_owned()),
        format: Some(field(&pairs, "format").to_owned()).filter(|f| !f.is_empty()),
        duration_minutes: Some(duration),
        focus_criterion_ids: Some(all_ids(&pairs, "focus")),
        ..StageChanges::default()
    };
    let interviewers = all_ids(&pairs, "interviewers");
    planner_change(
        &state,
        &me,
        Target::Stage(stage_id),
        "Stage saved.",
        move |conn, user| {
            // One save, one version: the stage and its interviewers together.
            crate::db::write_transaction(conn, |conn| {
                planning::update_stage(conn, user, stage_id, expected, changes)?;
                planning::set_interviewers(conn, user, stage_id, expected + 1, &interviewers)
                    .map(|_| ())
            })
        },
    )
    .await
}

pub async fn move_stage_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (stage_id, expected, up) = (
        id.into_inner(),
        version(&pairs)?,
        field(&pairs, "direction") == "up",
    );
    planner_change(
        &state,
        &me,
        Target::Stage(stage_id),
        "Stage moved.",
        move |conn, user| {
            let position: i64 = stages::table
                .find(stage_id)
                .select(stages::position)
                .first(conn)?;
            let to = if up { position - 1 } else { position + 1 }.max(0) as usize;
            planning::update_stage(
                conn,
                user,
                stage_id,
                expected,
                StageChanges {
                    position: Some(to),
                    ..StageChanges::default()
                },
            )
            .map(|_| ())
        },
    )
    .await
}

pub async fn remove_stage_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (stage_id, expected) = (id.into_inner(), version(&pairs)?);
    let user = me.user.clone();
    let loop_id = db(&state, move |conn| {
        planning::authorize_stage(conn, &user, stage_id, true)
    })
    .await?;
    planner_change(
        &state,
        &me,
        Target::Loop(loop_id),
        "Stage removed.",
        move |conn, user| planning::delete_stage(conn, user, stage_id, expected).map(|_| ()),
    )
    .await
}

fn current_questions(conn: &mut DbConn, stage_id: i64) -> Result<Vec<i64>, AppError> {
    let loop_id: i64 = stages::table
        .find(stage_id)
        .select(stages::loop_id)
        .first(conn)?;
    let shape = planning::load_loop(conn, loop_id)?;
    Ok(shape
        .stages
        .into_iter()
        .find(|s| s.id == stage_id)
        .map(|s| s.question_ids)
        .unwrap_or_default())
}

pub async fn question_change_form(
    state: State,
    me: CurrentUser,
    path: web::Path<(i64, String)>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let (stage_id, action) = path.into_inner();
    let pairs = form.0;
    let expected = version(&pairs)?;
    let question: i64 = field(&pairs, "question_id")
        .parse()
        .map_err(|_| AppError::field("question_id", "Choose a question."))?;
    let up = field(&pairs, "direction") == "up";
    let done = match action.as_str() {
        "add" => "Question added.",
        "remove" => "Question removed.",
        "move" => "Question moved.",
        _ => return Err(AppError::NotFound),
    };
    planner_change(
        &state,
        &me,
        Target::Stage(stage_id),
        done,
        move |conn, user| {
            let mut ids = current_questions(conn, stage_id)?;
            match action.as_str() {
                "add" if !ids.contains(&question) => ids.push(question),
                "remove" => ids.retain(|q| *q != question),
                "move" => {
                    if let Some(i) = ids.iter().position(|q| *q == question) {
                        let j = if up {
                            i.saturating_sub(1)
                        } else {
                            (i + 1).min(ids.len() - 1)
                        };
                        ids.swap(i, j);
                    }
                }
                _ => {}
            }
            planning::set_questions(conn, user, stage_id, expected, &ids).map(|_| ())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PanelQuery {
    #[serde(default)]
    q: String,
}

/// The bank, filtered to what suits the stage: its kind and focus criteria.
pub async fn stage_questions_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    query: web::Query<PanelQuery>,
) -> Result<HttpResponse, AppError> {
    let (stage_id, user, text) = (id.into_inner(), me.user.clone(), query.into_inner().q);
    let context = db(&state, move |conn| {
        let loop_id = planning::authorize_stage(conn, &user, stage_id, true)?;
        let shape = planning::load_loop(conn, loop_id)?;
        let job = planning::job(conn, shape.job_id)?;
        let stage = shape.stages.iter().find(|s| s.id == stage_id).ok_or(AppError::NotFound)?;
        let kind_name: String = stage_kinds::table.filter(stage_kinds::slug.eq(&stage.stage_kind)).select(stage_kinds::name).first(conn)?;
        let focus_names: Vec<String> = job.criteria.iter().filter(|c| stage.focus_criterion_ids.contains(&c.id)).map(|c| c.name.clone()).collect();
        let bank_query = QuestionQuery {
            q: Some(text.clone()).filter(|t| !t.trim().is_empty()),
            stage_kind: Some(stage.stage_kind.clone()),
            per_page: Some(50),
            ..QuestionQuery::default()
        };
        let (results, total) = search(conn, &bank_query)?;
        let planned: i64 = questions::table
            .filter(questions::id.eq_any(&stage.question_ids))
            .select(questions::suggested_minutes)
            .load::<i64>(conn)?
            .into_iter()
            .sum();
        // Questions probing the stage's focus come first.
        let focus_slugs: Vec<String> = job.criteria.iter().filter(|c| stage.focus_criterion_ids.contains(&c.id)).map(|c| c.name.clone()).collect();
        let mut results = results;
        results.sort_by_key(|r| !r.criteria.iter().any(|c| focus_slugs.contains(&c.name)));
        Ok(json!({
            "job": {"id": job.id, "title": job.title},
            "stage": {"id": stage.id, "title": stage.title, "kind_name": kind_name, "duration_minutes": stage.duration_minutes,
                      "planned_minutes": planned, "over_budget": planned > stage.duration_minutes},
            "loop": {"version": shape.version},
            "query": {"q": text},
            "focus_names": focus_names,
            "total": total,
            "results": results.iter().map(|r| json!({
                "id": r.id, "prompt": r.prompt, "why": r.why, "minutes": r.minutes,
                "in_stage": stage.question_ids.contains(&r.id),
                "criteria": r.criteria, "red_flags": r.red_flags,
            })).collect::<Vec<_>>(),
        }))
    })
    .await?;
    let title = format!(
        "Questions for {}",
        context["stage"]["title"].as_str().unwrap_or("a stage")
    );
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/stage_questions",
        &title,
        context,
    )
}

/// A change to a job's criteria from the planner page; back to the planner.
async fn criteria_change(
    state: &State,
    me: &CurrentUser,
    job_or_criterion: JobOrCriterion,
    done: &'static str,
    change: impl FnOnce(&mut DbConn, &crate::db::models::User, i64) -> Result<(), AppError>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let (job_id, result) = db(state, move |conn| {
        let job_id = match job_or_criterion {
            JobOrCriterion::Job(id) => id,
            JobOrCriterion::Criterion(id) => planning::criterion_job(conn, id)?,
        };
        planning::authorize_job(conn, &user, job_id, true)?;
        Ok((job_id, change(conn, &user, job_id)))
    })
    .await?;
    let (kind, message) = match result {
        Ok(()) => ("success", done.to_owned()),
        Err(AppError::Validation { message, .. } | AppError::Conflict(message)) => {
            ("error", format!("Nothing was saved. {message}"))
        }
        Err(e) => return Err(e),
    };
    redirect_with_flash(&format!("/jobs/{job_id}#criteria-heading"), kind, &message)
}

#[derive(Clone, Copy)]
enum JobOrCriterion {
    Job(i64),
    Criterion(i64),
}

pub async fn add_criterion_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (kind, name, description) = (
        field(&pairs, "kind").to_owned(),
        field(&pairs, "name").to_owned(),
        field(&pairs, "description").to_owned(),
    );
    criteria_change(
        &state,
        &me,
        JobOrCriterion::Job(id.into_inner()),
        "Criterion added.",
        move |conn, user, job_id| {
            planning::add_job_criterion(conn, user, job_id, &kind, &name, &description).map(|_| ())
        },
    )
    .await
}

pub async fn criterion_form(
    state: State,
    me: CurrentUser,
    path: web::Path<(i64, String)>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let pairs = form.0;
    let (name, description, up) = (
        field(&pairs, "name").to_owned(),
        field(&pairs, "description").to_owned(),
        field(&pairs, "direction") == "up",
    );
    let done = match action.as_str() {
        "save" => "Criterion saved.",
        "move" => "Criterion moved.",
        "remove" => "Criterion removed.",
        _ => return Err(AppError::NotFound),
    };
    criteria_change(
        &state,
        &me,
        JobOrCriterion::Criterion(id),
        done,
        move |conn, user, job_id| match action.as_str() {
            "save" => planning::update_job_criterion(
                conn,
                user,
                id,
                planning::CriterionChanges {
                    name: Some(name),
                    description: Some(description),
                    position: None,
                },
            )
            .map(|_| ()),
            "move" => {
                let list = planning::job_criteria_of(conn, job_id)?;
                let at = list.iter().position(|c| c.id == id).unwrap_or(0) as i64;
                let to = if up { (at - 1).max(0) } else { at + 1 };
                planning::update_job_criterion(
                    conn,
                    user,
                    id,
                    planning::CriterionChanges {
                        position: Some(to),
                        ..Default::default()
                    },
                )
                .map(|_| ())
            }
            _ => planning::delete_job_criterion(conn, user, id),
        },
    )
    .await
}

pub async fn save_criterion_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    criterion_form(
        state,
        me,
        web::Path::from((id.into_inner(), "save".to_owned())),
        form,
    )
    .await
}
