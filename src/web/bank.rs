//! The question bank and tracks: pages and `/api/v1`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiJson, CsrfForm};
use super::{State, api_field_errors, db, form_errors, merge, redirect_with_flash, render};
use crate::access::Action;
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::bank::{self, BankError, BankFile, CATEGORIES, QuestionSeed, questions};
use crate::db::DbConn;
use crate::db::models::Track;
use crate::db::schema::{
    criteria, formats, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};
use crate::error::AppError;

pub fn category_label(category: &str) -> &'static str {
    match category {
        "behavioural" => "Behavioural",
        "technical" => "Technical",
        "situational" => "Situational",
        "competency" => "Competency",
        "culture_fit" => "Culture fit",
        _ => "Other",
    }
}

/// The options of the bank's filters and the question form: four queries.
#[derive(Default)]
struct Options {
    criteria: Vec<(String, String)>,
    red_flags: Vec<(String, String)>,
    stage_kinds: Vec<(String, String)>,
    tracks: Vec<(String, String)>,
}

fn options(conn: &mut DbConn) -> QueryResult<Options> {
    let mut out = Options::default();
    let rows: Vec<(String, String, String)> = criteria::table
        .order((criteria::track_id, criteria::position))
        .select((criteria::slug, criteria::name, criteria::kind))
        .load(conn)?;
    for (slug, name, kind) in rows {
        let target = if kind == "red_flag" {
            &mut out.red_flags
        } else {
            &mut out.criteria
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

fn choices(items: &[(String, String)], selected: &[&str], key: &str) -> Value {
    items
        .iter()
        .map(|(slug, name)| json!({"value": slug, key: selected.contains(&slug.as_str()), "label": name}))
        .collect()
}

fn category_choices(selected: &str) -> Value {
    CATEGORIES
        .iter()
        .map(|c| json!({"value": c, "label": category_label(c), "selected": *c == selected}))
        .collect()
}

fn bank_url(query: &QuestionQuery, page: i64) -> String {
    let mut q = query.clone();
    q.page = Some(page);
    let pairs: Vec<(&str, String)> = [
        ("q", q.q.clone()),
        ("category", q.category.clone()),
        ("criterion", q.criterion.clone()),
        ("red_flag", q.red_flag.clone()),
        ("stage_kind", q.stage_kind.clone()),
        ("track", q.track.clone()),
        ("archived", q.archived.filter(|a| *a).map(|_| "true".into())),
        ("page", Some(page.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    format!(
        "/bank?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

pub async fn bank_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let query = query.into_inner();
    let q = query.clone();
    let ((results, total), opts) =
        db(&state, move |conn| Ok((search(conn, &q)?, options(conn)?))).await?;
    let pages = ((total + query.per_page() - 1) / query.per_page()).max(1);
    let page = query.page();
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let results: Vec<Value> = results
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "prompt": r.prompt, "why": r.why, "category_label": category_label(&r.category),
                "minutes": r.minutes, "archived": r.archived,
                "criteria": r.criteria, "red_flags": r.red_flags, "stage_kinds": r.stage_kinds,
            })
        })
        .collect();
    let extra = json!({
        "query": {
            "q": sel(&query.q), "category": sel(&query.category), "criterion": sel(&query.criterion),
            "red_flag": sel(&query.red_flag), "stage_kind": sel(&query.stage_kind), "track": sel(&query.track),
            "archived": query.archived == Some(true),
        },
        "filters": {
            "categories": category_choices(&sel(&query.category)),
            "criteria": choices(&opts.criteria, &[&sel(&query.criterion)], "selected"),
            "red_flags": choices(&opts.red_flags, &[&sel(&query.red_flag)], "selected"),
            "stage_kinds": choices(&opts.stage_kinds, &[&sel(&query.stage_kind)], "selected"),
            "tracks": choices(&opts.tracks, &[&sel(&query.track)], "selected"),
        },
        "results": results,
        "pagination": {
            "page": page, "pages": pages, "total": total,
            "prev_url": (page > 1).then(|| bank_url(&query, page - 1)),
            "next_url": (page < pages).then(|| bank_url(&query, page + 1)),
        },
        "can_edit": crate::access::role_allows(me.role, Action::EditBank),
    });
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/bank",
        "Question bank",
        extra,
    )
}

pub async fn api_questions(
    state: State,
    me: CurrentUser,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let query = query.into_inner();
    let q = query.clone();
    let (results, total) = db(&state, move |conn| Ok(search(conn, &q)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"questions": results, "page": query.page(), "per_page": query.per_page(), "total": total})))
}

pub async fn question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let id = id.into_inner();
    let (question, used_in, revisions) = db(&state, move |conn| {
        let q = questions::detail(conn, id)?.ok_or(AppError::NotFound)?;
        Ok((
            q,
            questions::used_in(conn, id)?,
            questions::revisions(conn, id)?,
        ))
    })
    .await?;
    let mut q = serde_json::to_value(&question).map_err(AppError::internal)?;
    q["category_label"] = json!(category_label(&question.category));
    let extra = json!({
        "question": q,
        "used_in": used_in,
        "revisions": revisions.iter().map(|r| json!({"version": r.version, "changed_on": r.changed_at.format("%-d %b %Y").to_string()})).collect::<Vec<_>>(),
        "can_edit": crate::access::role_allows(me.role, Action::EditBank),
    });
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/question",
        &question.prompt,
        extra,
    )
}

pub async fn api_question(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let id = id.into_inner();
    let (question, used_in) = db(&state, move |conn| {
        let q = questions::detail(conn, id)?.ok_or(AppError::NotFound)?;
        Ok((q, questions::used_in(conn, id)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"question": question, "used_in": used_in})))
}

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

async fn form_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    id: Option<i64>,
    form: &QuestionForm,
    errors: &[(&str, String)],
) -> Result<HttpResponse, AppError> {
    let opts = db(state, |conn| Ok(options(conn)?)).await?;
    fn selected(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let track = if form.track.is_empty() {
        opts.tracks.first().map(|t| t.0.clone()).unwrap_or_default()
    } else {
        form.track.clone()
    };
    let extra = merge(
        json!({
            "mode": if id.is_some() { "edit" } else { "new" },
            "action": id.map_or("/bank/questions".to_owned(), |id| format!("/bank/questions/{id}")),
            "question_id": id,
            "values": {"prompt": form.prompt, "why": form.why, "prep_pointers": form.prep_pointers, "follow_ups": form.follow_ups, "minutes": form.minutes},
            "categories": category_choices(&form.category),
            "tracks": choices(&opts.tracks, &[&track], "selected"),
            "criteria": choices(&opts.criteria, &selected(&form.criteria), "checked"),
            "red_flags": choices(&opts.red_flags, &selected(&form.red_flags), "checked"),
            "stage_kinds": choices(&opts.stage_kinds, &selected(&form.stage_kinds), "checked"),
        }),
        form_errors(errors),
    );
    let title = if id.is_some() {
        "Edit question"
    } else {
        "New question"
    };
    render(
        state,
        req,
        Some(me),
        status,
        "pages/question_form",
        title,
        extra,
    )
}

pub async fn new_question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let form = QuestionForm {
        minutes: "10".into(),
        ..QuestionForm::default()
    };
    form_page(&state, &req, &me, StatusCode::OK, None, &form, &[]).await
}

pub async fn edit_question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let id = id.into_inner();
    let seed = db(&state, move |conn| {
        questions::as_seed(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let form = QuestionForm {
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
    };
    form_page(&state, &req, &me, StatusCode::OK, Some(id), &form, &[]).await
}

/// Saves a question from its seed; `Ok(Err(..))` carries field errors.
async fn save(
    state: &State,
    me: &CurrentUser,
    id: Option<i64>,
    mut seed: QuestionSeed,
) -> Result<Result<i64, Vec<(&'static str, String)>>, AppError> {
    let errors = check(&seed);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let actor = me.id();
    let saved = db(state, move |conn| {
        match id {
            Some(id) => {
                let current = questions::as_seed(conn, id)?.ok_or(AppError::NotFound)?;
                seed.slug = current.slug;
                seed.archived = current.archived;
            }
            None => seed.slug = questions::new_slug(conn, &seed.prompt)?,
        }
        Ok(questions::save(conn, seed, Some(actor)))
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
    me.require(Action::EditBank)?;
    let form = parse_question_form(&body);
    match save(&state, &me, id, seed_from_form(&form)).await? {
        Ok(saved) => redirect_with_flash(
            &format!("/bank/questions/{saved}"),
            "success",
            "Question saved.",
        ),
        Err(errors) => {
            form_page(
                &state,
                &req,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                &form,
                &errors,
            )
            .await
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
    me.require(Action::EditBank)?;
    let id = id.into_inner();
    let archived = form.0.archived == "true";
    let actor = me.id();
    db(&state, move |conn| {
        let mut seed = questions::as_seed(conn, id)?.ok_or(AppError::NotFound)?;
        seed.archived = archived;
        questions::save(conn, seed, Some(actor))
            .map_err(|e| AppError::internal(anyhow::anyhow!(e.to_string())))
    })
    .await?;
    let message = if archived {
        "Question archived: it left search and stays in the loops that use it."
    } else {
        "Question restored to the bank."
    };
    redirect_with_flash(&format!("/bank/questions/{id}"), "success", message)
}

/// A question as the API takes it; on PATCH every field is optional.
#[derive(Debug, Default, Deserialize)]
pub struct QuestionBody {
    prompt: Option<String>,
    why: Option<String>,
    category: Option<String>,
    track: Option<String>,
    criteria: Option<Vec<String>>,
    red_flags: Option<Vec<String>>,
    stage_kinds: Option<Vec<String>>,
    prep_pointers: Option<Vec<String>>,
    follow_ups: Option<Vec<String>>,
    minutes: Option<i64>,
    archived: Option<bool>,
}

fn apply_body(seed: &mut QuestionSeed, body: QuestionBody) {
    if let Some(v) = body.prompt {
        seed.prompt = v.trim().to_owned();
    }
    if let Some(v) = body.why {
        seed.why = v.trim().to_owned();
    }
    if let Some(v) = body.category {
        seed.category = v;
    }
    if let Some(v) = body.track {
        seed.tracks = vec![v];
    }
    if let Some(v) = body.criteria {
        seed.criteria = v;
    }
    if let Some(v) = body.red_flags {
        seed.red_flags = v;
    }
    if let Some(v) = body.stage_kinds {
        seed.stage_kinds = v;
    }
    if let Some(v) = body.prep_pointers {
        seed.prep_pointers = v;
    }
    if let Some(v) = body.follow_ups {
        seed.follow_ups = v;
    }
    if let Some(v) = body.minutes {
        seed.minutes = v;
    }
}

async fn question_json(state: &State, id: i64) -> Result<Value, AppError> {
    let q = db(state, move |conn| {
        questions::detail(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    Ok(json!({"question": q}))
}

pub async fn api_create_question(
    state: State,
    me: CurrentUser,
    body: ApiJson<QuestionBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let mut seed = QuestionSeed {
        slug: String::new(),
        category: String::new(),
        prompt: String::new(),
        why: String::new(),
        prep_pointers: Vec::new(),
        follow_ups: Vec::new(),
        tracks: Vec::new(),
        criteria: Vec::new(),
        red_flags: Vec::new(),
        stage_kinds: Vec::new(),
        minutes: 0,
        archived: false,
    };
    apply_body(&mut seed, body.0);
    let id = save(&state, &me, None, seed)
        .await?
        .map_err(api_field_errors)?;
    Ok(HttpResponse::Created().json(question_json(&state, id).await?))
}

pub async fn api_update_question(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<QuestionBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let id = id.into_inner();
    let body = body.0;
    let archived = body.archived;
    let mut seed = db(&state, move |conn| {
        questions::as_seed(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    apply_body(&mut seed, body);
    save(&state, &me, Some(id), seed)
        .await?
        .map_err(api_field_errors)?;
    if let Some(archived) = archived {
        let actor = me.id();
        db(&state, move |conn| {
            let mut seed = questions::as_seed(conn, id)?.ok_or(AppError::NotFound)?;
            seed.archived = archived;
            questions::save(conn, seed, Some(actor))
                .map_err(|e| AppError::internal(anyhow::anyhow!(e.to_string())))
        })
        .await?;
    }
    Ok(HttpResponse::Ok().json(question_json(&state, id).await?))
}

pub async fn api_export(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let bank = db(&state, |conn| Ok(bank::export::export(conn)?)).await?;
    let text = bank.to_toml().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"loopwright-bank.toml\"",
        ))
        .body(text))
}

/// Imports a bank file (TOML in the body): all of it, or nothing.
pub async fn api_import(
    state: State,
    me: CurrentUser,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    me.require(Action::EditBank)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::BadRequest("The bank file must be UTF-8 text.".into()))?;
    let file = BankFile::parse("body", text).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let actor = me.id();
    let report = db(&state, move |conn| {
        bank::apply(conn, &file, Some(actor)).map_err(|e| match e {
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
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "inserted": report.inserted, "updated": report.updated,
        "unchanged": report.unchanged, "links_changed": report.links_changed,
    })))
}

pub async fn tracks_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let tracks = db(&state, |conn| Ok(Track::summaries(conn)?)).await?;
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/tracks",
        "Tracks",
        json!({"tracks": tracks}),
    )
}

/// A track with its criteria, red flags, stage kinds and formats.
fn track_detail(conn: &mut DbConn, key: &str) -> Result<Value, AppError> {
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
    let of_kind = |kind: &str| -> Vec<Value> {
        crit.iter()
            .filter(|c| c.2 == kind)
            .map(|c| json!({"id": c.0, "slug": c.1, "name": c.3, "description": c.4}))
            .collect()
    };
    Ok(json!({
        "track": {"id": id, "slug": slug, "name": name, "description": description},
        "criteria": of_kind("criterion"),
        "red_flags": of_kind("red_flag"),
        "stage_kinds": kinds.iter().map(|k| json!({
            "id": k.0, "slug": k.1, "name": k.2, "description": k.3, "format_name": k.4, "duration_minutes": k.5,
            "focus": focus.iter().filter(|(kind, _)| *kind == k.0)
                .filter_map(|(_, c)| crit.iter().find(|x| x.0 == *c).map(|x| x.3.clone()))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "formats": fmts.iter().map(|f| json!({"slug": f.0, "name": f.1, "description": f.2})).collect::<Vec<_>>(),
        "question_count": question_count,
    }))
}

pub async fn track_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let key = key.into_inner();
    let detail = db(&state, move |conn| track_detail(conn, &key)).await?;
    let title = detail["track"]["name"]
        .as_str()
        .unwrap_or("Track")
        .to_owned();
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/track",
        &title,
        detail,
    )
}

pub async fn api_tracks(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let tracks = db(&state, |conn| Ok(Track::summaries(conn)?)).await?;
    Ok(HttpResponse::Ok().json(json!({"tracks": tracks})))
}

pub async fn api_track(
    state: State,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let key = key.into_inner();
    Ok(HttpResponse::Ok().json(db(&state, move |conn| track_detail(conn, &key)).await?))
}

pub async fn api_stage_kinds(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let rows = db(&state, |conn| {
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
            .load::<(i64, String, String, String, String, i64)>(conn)?)
    })
    .await?;
    let kinds: Vec<Value> = rows
        .into_iter()
        .map(|(id, slug, name, description, format, minutes)| json!({"id": id, "slug": slug, "name": name, "description": description, "default_format": format, "default_duration_minutes": minutes}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"stage_kinds": kinds})))
}

pub async fn api_formats(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let rows = db(&state, |conn| {
        Ok(formats::table
            .order(formats::position)
            .select((
                formats::id,
                formats::slug,
                formats::name,
                formats::description,
            ))
            .load::<(i64, String, String, String)>(conn)?)
    })
    .await?;
    let list: Vec<Value> = rows.into_iter().map(|(id, slug, name, description)| json!({"id": id, "slug": slug, "name": name, "description": description})).collect();
    Ok(HttpResponse::Ok().json(json!({"formats": list})))
}
