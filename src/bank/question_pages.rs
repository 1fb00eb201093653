//! Writing a question from its page form: new, edit, archive. Errors come
//! back next to their fields with what was typed kept.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::catalog;
use super::pages::{category_choices, choices};
use crate::auth::CurrentUser;
use crate::bank::{BankError, CATEGORIES, QuestionSeed};
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::extract::CsrfForm;
use crate::web::{State, db, form_errors, merge, redirect_with_flash, render_loaded};

/// What the question form holds, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct QuestionForm {
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    criteria: Vec<String>,
    #[serde(default)]
    red_flags: Vec<String>,
    #[serde(default)]
    stage_kinds: Vec<String>,
    #[serde(default)]
    prep_pointers: String,
    #[serde(default)]
    follow_ups: String,
    #[serde(default)]
    minutes: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The field rules of a question, shared by the form and the API.
fn check(seed: &QuestionSeed) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let len = |s: &str| s.trim().chars().count();
    if len(&seed.prompt) == 0 {
        errors.push(("prompt", "Write the question.".to_owned()));
    } else if len(&seed.prompt) > 1000 {
        errors.push((
            "prompt",
            "Keep the prompt under 1000 characters.".to_owned(),
        ));
    }
    if len(&seed.why) < 20 {
        errors.push((
            "why",
            "Say in a sentence or two why this question comes up.".to_owned(),
        ));
    }
    if !CATEGORIES.contains(&seed.category.as_str()) {
        errors.push(("category", "Choose a category.".to_owned()));
    }
    if seed.tracks.iter().all(|t| t.trim().is_empty()) {
        errors.push(("track", "Choose a track.".to_owned()));
    }
    if seed.criteria.is_empty() {
        errors.push((
            "criteria",
            "Choose at least one screening criterion it probes.".to_owned(),
        ));
    }
    if seed.stage_kinds.is_empty() {
        errors.push((
            "stage_kinds",
            "Choose at least one stage kind it suits.".to_owned(),
        ));
    }
    if seed.prep_pointers.len() < 3 {
        errors.push((
            "prep_pointers",
            "Give at least three pointers, one per line.".to_owned(),
        ));
    }
    if seed.follow_ups.is_empty() {
        errors.push((
            "follow_ups",
            "Give at least one follow-up probe.".to_owned(),
        ));
    }
    if !(1..=240).contains(&seed.minutes) {
        errors.push(("minutes", "Suggest between 1 and 240 minutes.".to_owned()));
    }
    errors
}

/// A validation error from the bank names a question's field: map it to the form.
fn bank_error(e: BankError) -> Result<Vec<(&'static str, String)>, AppError> {
    match e {
        BankError::Invalid { field, message, .. } => {
            let field = [
                "prompt",
                "why",
                "category",
                "criteria",
                "red_flags",
                "stage_kinds",
                "minutes",
            ]
            .into_iter()
            .find(|f| *f == field)
            .unwrap_or("track");
            Ok(vec![(field, message)])
        }
        BankError::Database(e) => Err(e.into()),
        BankError::File { message, .. } => Err(AppError::BadRequest(message)),
    }
}

/// The question form: `typed` answers what it holds (what was typed, or the
/// question being edited), read with the form's choices and rendered in one
/// hop.
async fn form_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    id: Option<i64>,
    typed: impl FnOnce(&mut DbConn) -> Result<QuestionForm, AppError> + Send + 'static,
    errors: Vec<(&'static str, String)>,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    render_loaded(
        state,
        req,
        Some(me),
        status,
        "pages/question_form",
        move |conn| {
            let form = typed(conn)?;
            let opts = catalog::form_options(conn, &actor)?;
            let title = if id.is_some() {
                "Edit question"
            } else {
                "New question"
            };
            Ok((title.to_owned(), form_context(id, &form, &opts, &errors)))
        },
    )
    .await
}

/// The question form's own context: what it holds, its choices, its errors.
fn form_context(
    id: Option<i64>,
    form: &QuestionForm,
    opts: &catalog::Options,
    errors: &[(&str, String)],
) -> Value {
    fn selected(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let track = if form.track.is_empty() {
        opts.tracks.first().map(|t| t.0.clone()).unwrap_or_default()
    } else {
        form.track.clone()
    };
    merge(
        json!({
            "mode": if id.is_some() { "edit" } else { "new" },
            "action": id.map_or("/bank/questions".to_owned(), |id| format!("/bank/questions/{id}")),
            "question_id": id,
            "values": {"prompt": form.prompt, "why": form.why, "prep_pointers": form.prep_pointers, "follow_ups": form.follow_ups, "minutes": form.minutes},
            "categories": category_choices(&form.category),
            "tracks": choices(&opts.tracks, &[&track]),
            "criteria": choices(&opts.criteria, &selected(&form.criteria)),
            "red_flags": choices(&opts.red_flags, &selected(&form.red_flags)),
            "stage_kinds": choices(&opts.stage_kinds, &selected(&form.stage_kinds)),
        }),
        form_errors(errors),
    )
}

pub async fn new_question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let form = QuestionForm {
        minutes: "10".into(),
        ..QuestionForm::default()
    };
    let typed = move |_: &mut DbConn| Ok(form);
    form_page(&state, &req, &me, StatusCode::OK, None, typed, Vec::new()).await
}

pub async fn edit_question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.user.clone());
    let stored = move |conn: &mut DbConn| {
        let seed = catalog::question_seed(conn, &actor, id)?;
        Ok(QuestionForm {
            prompt: seed.prompt,
            why: seed.why,
            category: seed.category,
            track: seed.tracks.first().cloned().unwrap_or_default(),
            criteria: seed.criteria,
            red_flags: seed.red_flags,
            stage_kinds: seed.stage_kinds,
            prep_pointers: seed.prep_pointers.join("\n"),
            follow_ups: seed.follow_ups.join("\n"),
            minutes: seed.minutes.to_string(),
        })
    };
    form_page(
        &state,
        &req,
        &me,
        StatusCode::OK,
        Some(id),
        stored,
        Vec::new(),
    )
    .await
}

/// Saves a question from its seed; `Ok(Err(..))` carries field errors.
pub(super) async fn save(
    state: &State,
    me: &CurrentUser,
    id: Option<i64>,
    seed: QuestionSeed,
) -> Result<Result<i64, Vec<(&'static str, String)>>, AppError> {
    let errors = check(&seed);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let actor = me.user.clone();
    let saved = db(state, move |conn| {
        catalog::save_question(conn, &actor, id, seed)
    })
    .await?;
    match saved {
        Ok(id) => Ok(Ok(id)),
        Err(e) => bank_error(e).map(Err),
    }
}

fn seed_from_form(form: &QuestionForm) -> QuestionSeed {
    QuestionSeed {
        slug: String::new(),
        category: form.category.clone(),
        prompt: form.prompt.trim().to_owned(),
        why: form.why.trim().to_owned(),
        prep_pointers: lines(&form.prep_pointers),
        follow_ups: lines(&form.follow_ups),
        tracks: vec![form.track.clone()],
        criteria: form.criteria.clone(),
        red_flags: form.red_flags.clone(),
        stage_kinds: form.stage_kinds.clone(),
        minutes: form.minutes.trim().parse().unwrap_or(0),
        archived: false,
    }
}

/// Forms send repeated checkboxes (`criteria=a&criteria=b`); serde_urlencoded
/// reads pairs, so collect them here.
fn parse_question_form(body: &[(String, String)]) -> QuestionForm {
    let mut form = QuestionForm::default();
    for (k, v) in body {
        match k.as_str() {
            "prompt" => form.prompt = v.clone(),
            "why" => form.why = v.clone(),
            "category" => form.category = v.clone(),
            "track" => form.track = v.clone(),
            "criteria" => form.criteria.push(v.clone()),
            "red_flags" => form.red_flags.push(v.clone()),
            "stage_kinds" => form.stage_kinds.push(v.clone()),
            "prep_pointers" => form.prep_pointers = v.clone(),
            "follow_ups" => form.follow_ups = v.clone(),
            "minutes" => form.minutes = v.clone(),
            _ => {}
        }
    }
    form
}

async fn submit(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: Option<i64>,
    body: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let form = parse_question_form(&body);
    match save(&state, &me, id, seed_from_form(&form)).await? {
        Ok(saved) => redirect_with_flash(
            &format!("/bank/questions/{saved}"),
            "success",
            "Question saved.",
        ),
        Err(errors) => {
            let typed = move |_: &mut DbConn| Ok(form);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(&state, &req, &me, status, id, typed, errors).await
        }
    }
}

pub async fn create_question_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    submit(state, req, me, None, form.0).await
}

pub async fn update_question_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    submit(state, req, me, Some(id), form.0).await
}

#[derive(Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    archived: String,
}

pub async fn archive_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<ArchiveForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let archived = form.0.archived == "true";
    let actor = me.user.clone();
    db(&state, move |conn| {
        catalog::set_archived(conn, &actor, id, archived)
    })
    .await?;
    let message = if archived {
        "Question archived: it left search and stays in the loops that use it."
    } else {
        "Question restored to the bank."
    };
    redirect_with_flash(&format!("/bank/questions/{id}"), "success", message)
}
