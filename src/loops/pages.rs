//! The planner as pages: the loop planner (template or a candidate's
//! loop) and the bank panel that pulls questions into a stage. Every form
//! carries the loop version; a stale one comes back with a message and the
//! current loop.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Action;
use crate::access::{self, Actor, Target as Of};
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::db::DbConn;
use crate::db::schema::{formats, questions, stage_kinds, stages, users};
use crate::domain::CriterionKind;
use crate::domain::Role;
use crate::domain::coverage::Warning;
use crate::error::AppError;
use crate::loops::edits::{self, StageChanges};
use crate::loops::{coverage, load_loop};
use crate::web::extract::CsrfForm;
use crate::web::form::{Pairs, all_ids, field};
use crate::web::{State, db, redirect_with_flash, render};
use crate::{candidates, jobs};

fn version(pairs: &Pairs) -> Result<i64, AppError> {
    field(pairs, "version").parse().map_err(|_| {
        AppError::field(
            "version",
            "The form lost its loop version; reload the page.",
        )
    })
}

/// Where the planner of a loop lives.
fn planner_url(scope: &access::Scope) -> String {
    match (scope.candidate_id, scope.job_id) {
        (Some(c), _) => format!("/candidates/{c}/planner"),
        (None, Some(job_id)) => format!("/jobs/{job_id}"),
        (None, None) => "/jobs".to_owned(),
    }
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
    let shape = load_loop(conn, loop_id)?;
    let job = jobs::job_view(conn, shape.job_id)?;
    let coverage = coverage::coverage_of(conn, user, loop_id)?;
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
                "focus": job.criteria.iter().filter(|c| c.kind == CriterionKind::Criterion).map(|c| json!({"id": c.id, "name": c.name, "checked": s.focus_criterion_ids.contains(&c.id)})).collect::<Vec<_>>(),
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
                "kind": r.kind, "red_flag": r.kind == CriterionKind::RedFlag,
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
        let scope = access::ensure(conn, &user, Action::ReadLoop, Of::Loop(loop_id))?;
        let can_edit = access::can(Actor::from(&user), Action::EditLoop, &scope).is_ok();
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
        jobs::job(conn, &user, id)?
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
        candidates::candidate(conn, &user, id)?
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
        let scope = match target {
            Target::Loop(id) => access::ensure(conn, &user, Action::EditLoop, Of::Loop(id))?,
            Target::Stage(id) => access::ensure(conn, &user, Action::EditLoop, Of::Stage(id))?,
        };
        let url = planner_url(&scope);
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
        move |conn, user| edits::add_stage(conn, user, loop_id, expected, &kind, None).map(|_| ()),
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
                edits::update_stage(conn, user, stage_id, expected, changes)?;
                edits::set_interviewers(conn, user, stage_id, expected + 1, &interviewers)
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
            edits::update_stage(
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
        access::ensure(conn, &user, Action::EditLoop, Of::Stage(stage_id))?
            .loop_id
            .ok_or(AppError::NotFound)
    })
    .await?;
    planner_change(
        &state,
        &me,
        Target::Loop(loop_id),
        "Stage removed.",
        move |conn, user| edits::delete_stage(conn, user, stage_id, expected).map(|_| ()),
    )
    .await
}

fn current_questions(conn: &mut DbConn, stage_id: i64) -> Result<Vec<i64>, AppError> {
    let loop_id = crate::loops::loop_of_stage(conn, stage_id)?;
    let shape = load_loop(conn, loop_id)?;
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
            edits::set_questions(conn, user, stage_id, expected, &ids).map(|_| ())
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
        let loop_id = access::ensure(conn, &user, Action::EditLoop, Of::Stage(stage_id))?
            .loop_id
            .ok_or(AppError::NotFound)?;
        let shape = load_loop(conn, loop_id)?;
        let job = jobs::job_view(conn, shape.job_id)?;
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
