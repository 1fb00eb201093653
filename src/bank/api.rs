//! The bank under `/api/v1`: questions, tracks, stage kinds, formats, export and import.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::pages::track_detail;
use super::question_pages::save;
use crate::access::Action;
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::bank::{self, BankError, BankFile, QuestionSeed, questions};
use crate::db::models::Track;
use crate::db::schema::{formats, stage_kinds};
use crate::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::{State, api_field_errors, db};

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
