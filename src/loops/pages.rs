//! The planner as pages: the loop planner (template or a candidate's
//! loop) and the bank panel that pulls questions into a stage. Every form
//! carries the loop version; a stale one comes back with a message and the
//! current loop.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::planner;
use super::planner_page::PlannerPage;
use crate::access::Action;
use crate::access::{self, Target as Of};
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::db::DbConn;
use crate::db::schema::{questions, stage_kinds, stages};
use crate::error::AppError;
use crate::loops::edits::{self, StageChanges};
use crate::loops::load_loop;
use crate::web::extract::CsrfForm;
use crate::web::form::{Pairs, all_ids, field};
use crate::web::{State, db, redirect_with_flash, render, render_page};
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

async fn planner_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    loop_id: i64,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let view = db(state, move |conn| planner::planner(conn, &user, loop_id)).await?;
    let page = PlannerPage::from(view);
    render_page(
        state,
        req,
        Some(me),
        StatusCode::OK,
        "pages/planner",
        page.title(),
        &page,
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
