//! The planner as pages: the loop planner (template or a candidate's
//! loop) and the bank panel that pulls questions into a stage. Every form
//! carries the loop version; a stale one comes back with a message and the
//! current loop.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::edits::QuestionStep;
use super::planner;
use super::planner_page::{CriterionEdit, PlannerPage, StageEdit};
use super::question_panel_page::QuestionPanelPage;
use crate::access::Target as Of;
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::models::User;
use crate::error::AppError;
use crate::loops::edits::{self, StageChanges};
use crate::web::extract::CsrfForm;
use crate::web::form::{Pairs, all_ids, field};
use crate::web::{State, db, redirect_with_flash, render_loaded};
use crate::{candidates, loops};

fn version(pairs: &Pairs) -> Result<i64, AppError> {
    field(pairs, "version").parse().map_err(|_| {
        AppError::field(
            "version",
            "The form lost its loop version; reload the page.",
        )
    })
}

/// Whether a move button asks for up (`true`) or down; anything else is
/// no button of the planner's.
fn direction_up(pairs: &Pairs) -> Result<bool, AppError> {
    match field(pairs, "direction") {
        "up" => Ok(true),
        "down" => Ok(false),
        _ => Err(AppError::field("direction", "Move up or down.")),
    }
}

/// The planner of the loop `find` answers, read and rendered in one hop;
/// `shown` adds what a refused form brings back.
async fn planner_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    find: impl FnOnce(&mut DbConn, &User) -> Result<i64, AppError> + Send + 'static,
    shown: impl FnOnce(PlannerPage) -> PlannerPage + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    render_loaded(state, req, Some(me), status, "pages/planner", move |conn| {
        let loop_id = find(conn, &user)?;
        let page = shown(PlannerPage::from(planner::planner(conn, &user, loop_id)?));
        Ok((page.title().to_owned(), page))
    })
    .await
}

/// The job's planner again (422) with a refused change to one of its
/// criteria: what was typed kept, each error beside its field.
pub(crate) async fn refused_criterion_edit(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    job_id: i64,
    typed: CriterionEdit,
    errors: std::collections::BTreeMap<String, String>,
) -> Result<HttpResponse, AppError> {
    planner_page(
        state,
        req,
        me,
        StatusCode::UNPROCESSABLE_ENTITY,
        move |conn, user| loops::template_loop_id(conn, user, job_id),
        move |page| page.with_criterion_edit(typed, errors),
    )
    .await
}

/// The planner again (422) with a refused stage edit: its panel open, what
/// was typed kept, each error beside its field.
async fn refused_stage_edit(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    typed: StageEdit,
    errors: std::collections::BTreeMap<String, String>,
) -> Result<HttpResponse, AppError> {
    let stage_id = typed.stage_id;
    planner_page(
        state,
        req,
        me,
        status,
        move |conn, user| loops::loop_to_change(conn, user, stage_id),
        move |page| page.with_stage_edit(typed, errors),
    )
    .await
}

pub async fn job_planner(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    planner_page(
        &state,
        &req,
        &me,
        StatusCode::OK,
        move |conn, user| loops::template_loop_id(conn, user, id),
        |page| page,
    )
    .await
}

pub async fn candidate_planner(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let find = move |conn: &mut DbConn, user: &User| {
        candidates::candidate(conn, user, id)?
            .loop_id
            .ok_or(AppError::NotFound)
    };
    planner_page(&state, &req, &me, StatusCode::OK, find, |page| page).await
}

/// Runs a planner change from a form and goes back to the planner: with a
/// flash that says what happened, or why nothing did.
async fn planner_change(
    state: &State,
    me: &CurrentUser,
    target: Of,
    done: &'static str,
    change: impl FnOnce(&mut DbConn, &User) -> Result<(), AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let (location, result) = db(state, move |conn| {
        let location = loops::planner_location(conn, &user, target)?;
        Ok((location, change(conn, &user)))
    })
    .await?;
    let (kind, message) = match result {
        Ok(()) => ("success", done.to_owned()),
        Err(AppError::Conflict(message)) => ("error", message),
        // The fields' own messages: the API's "field: message" names
        // parameters a person never sees.
        Err(AppError::Validation { message, fields }) => {
            let said: Vec<String> = fields.into_values().collect();
            let said = if said.is_empty() {
                message
            } else {
                said.join(" ")
            };
            ("error", format!("Nothing was saved. {said}"))
        }
        Err(e) => return Err(e),
    };
    redirect_with_flash(&location, kind, &message)
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
        Of::Loop(loop_id),
        "Stage added.",
        move |conn, user| edits::add_stage(conn, user, loop_id, expected, &kind, None).map(|_| ()),
    )
    .await
}

pub async fn stage_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (stage_id, expected) = (id.into_inner(), version(&pairs)?);
    let typed = StageEdit {
        stage_id,
        title: field(&pairs, "title").to_owned(),
        format: field(&pairs, "format").to_owned(),
        duration: field(&pairs, "duration_minutes").to_owned(),
        focus: all_ids(&pairs, "focus"),
        interviewers: all_ids(&pairs, "interviewers"),
        add_interviewers: field(&pairs, "add_interviewers").to_owned(),
    };
    // Not a number is out of range too: the service names both fields.
    let duration = typed.duration.trim().parse::<i64>().unwrap_or(0);
    let changes = StageChanges {
        title: Some(typed.title.clone()),
        format: Some(typed.format.clone()).filter(|f| !f.is_empty()),
        duration_minutes: Some(duration),
        focus_criterion_ids: Some(typed.focus.clone()),
        ..StageChanges::default()
    };
    let (mut interviewers, added) = (typed.interviewers.clone(), typed.add_interviewers.clone());
    let user = me.user.clone();
    let (location, result) = db(&state, move |conn| {
        let location = loops::planner_location(conn, &user, Of::Stage(stage_id))?;
        // One save, one version: the stage and its interviewers together.
        let result = crate::db::write_transaction(conn, |conn| {
            edits::update_stage(conn, &user, stage_id, expected, changes)?;
            for id in planner::typed_interviewers(conn, "add_interviewers", &added)? {
                if !interviewers.contains(&id) {
                    interviewers.push(id);
                }
            }
            edits::set_interviewers(conn, &user, stage_id, expected + 1, &interviewers).map(|_| ())
        });
        Ok((location, result))
    })
    .await?;
    match result {
        Ok(()) => redirect_with_flash(&location, "success", "Stage saved."),
        // Someone else saved first: their changes shown, this edit kept
        // on top of them to look over and save again.
        Err(AppError::Conflict(_)) => {
            let said = "Someone else changed this loop while you were editing. Their changes are on the page and your edit is kept here: check it and save again.";
            let errors =
                std::collections::BTreeMap::from([("version".to_owned(), said.to_owned())]);
            refused_stage_edit(&state, &req, &me, StatusCode::CONFLICT, typed, errors).await
        }
        Err(AppError::Validation { mut fields, .. }) => {
            // The interviewers' list is the form's "add interviewers" box
            // and its ticks: its error goes there.
            if let Some(message) = fields.remove("user_ids") {
                fields.insert("add_interviewers".into(), message);
            }
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            refused_stage_edit(&state, &req, &me, status, typed, fields).await
        }
        Err(e) => Err(e),
    }
}

pub async fn move_stage_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (stage_id, expected, up) = (id.into_inner(), version(&pairs)?, direction_up(&pairs)?);
    planner_change(
        &state,
        &me,
        Of::Stage(stage_id),
        "Stage moved.",
        move |conn, user| edits::move_stage(conn, user, stage_id, expected, up).map(|_| ()),
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
    // The stage is gone afterwards: come back to its loop.
    let loop_id = db(&state, move |conn| {
        loops::loop_to_change(conn, &user, stage_id)
    })
    .await?;
    planner_change(
        &state,
        &me,
        Of::Loop(loop_id),
        "Stage removed.",
        move |conn, user| edits::delete_stage(conn, user, stage_id, expected).map(|_| ()),
    )
    .await
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
    let (step, done) = match action.as_str() {
        "add" => (QuestionStep::Add(question), "Question added."),
        "remove" => (QuestionStep::Remove(question), "Question removed."),
        "move" if direction_up(&pairs)? => (QuestionStep::Earlier(question), "Question moved."),
        "move" => (QuestionStep::Later(question), "Question moved."),
        _ => return Err(AppError::NotFound),
    };
    let response = planner_change(&state, &me, Of::Stage(stage_id), done, move |conn, user| {
        edits::step_questions(conn, user, stage_id, expected, step).map(|_| ())
    })
    .await?;
    // From the bank panel, back to the panel with its search kept.
    if field(&pairs, "from") == "panel" {
        let query =
            serde_urlencoded::to_string([("q", field(&pairs, "q"))]).map_err(AppError::internal)?;
        return with_location(
            response,
            &format!("/stages/{stage_id}/questions?{query}#pick-{question}"),
        );
    }
    Ok(response)
}

/// The same answer (its flash kept), sent somewhere else.
fn with_location(mut response: HttpResponse, location: &str) -> Result<HttpResponse, AppError> {
    let value =
        actix_web::http::header::HeaderValue::from_str(location).map_err(AppError::internal)?;
    response
        .headers_mut()
        .insert(actix_web::http::header::LOCATION, value);
    Ok(response)
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
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/stage_questions",
        move |conn| {
            let panel = planner::question_panel(conn, &user, stage_id, &text)?;
            let title = format!("Questions for {}", panel.stage.title);
            Ok((title, QuestionPanelPage::new(panel, text)))
        },
    )
    .await
}
