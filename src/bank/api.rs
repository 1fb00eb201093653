//! The bank under `/api/v1`: questions, tracks, stage kinds, formats, export and import.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::catalog;
use super::question_pages::save;
use crate::auth::CurrentUser;
use crate::bank::search::QuestionQuery;
use crate::bank::{BankFile, QuestionSeed};
use crate::error::AppError;
use crate::web::extract::{ApiJson, ApiQuery, LimitedBody, UPLOAD_LIMIT, patch, path_text};
use crate::web::form::Paging;
use crate::web::named;
use crate::web::{State, api_field_errors, db, db_json};

/// One page of a question search: `total` counts the matches, up to
/// [`RANKED_AT_MOST`](crate::bank::search::RANKED_AT_MOST) for a text that
/// matches more (then `more` is true and only the newest that many are
/// ranked and paged).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QuestionPage {
    questions: Vec<crate::bank::search::QuestionSummary>,
    /// This page, from 1.
    page: i64,
    per_page: i64,
    /// How many match, in all pages (at most 250 when `more`).
    total: i64,
    /// More questions match the text than `total` counts: more words or a
    /// filter narrow it.
    more: bool,
}
crate::named_body!(QuestionAnswer {
    question: super::questions::QuestionDetail
});
crate::page_body!(TrackPage {
    tracks: crate::db::models::TrackSummary
});
crate::page_body!(StageKindPage {
    stage_kinds: catalog::StageKindView
});
crate::page_body!(FormatPage {
    formats: catalog::FormatView
});

/// `GET /api/v1/questions?q=&category=&criterion=&stage_kind=&track=&page=&per_page=`.
#[utoipa::path(get, path = "/api/v1/questions", params(QuestionQuery, Paging), summary = "Search the question bank",
    responses((status = 200, description = "One page of questions.", body = QuestionPage)))]
pub async fn api_questions(
    state: State,
    me: CurrentUser,
    paging: Paging,
    query: ApiQuery<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    let mut query = query.0;
    // The search pages by the query's own fields: the checked values.
    query.page = Some(paging.page);
    query.per_page = Some(paging.per_page);
    let actor = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let found = catalog::search_questions(conn, &actor, &query)?;
        Ok(QuestionPage {
            questions: found.questions,
            page: paging.page,
            per_page: paging.per_page,
            total: found.total,
            more: found.more,
        })
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/questions/{id}", params(("id" = i64, Path, description = "The question's id")), summary = "A question with where it is used",
    responses((status = 200, description = "The question.", body = catalog::QuestionView)))]
pub async fn api_question(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        catalog::question(conn, &actor, id)
    })
    .await
}

/// A question as the API takes it; on PATCH every field is optional, and
/// none may be `null` (every one is required of a question).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QuestionBody {
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    prompt: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    why: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    category: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    track: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    criteria: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    red_flags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    stage_kinds: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    prep_pointers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    follow_ups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    minutes: Option<i64>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
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

async fn question_json(
    state: &State,
    me: &CurrentUser,
    id: i64,
) -> Result<std::collections::BTreeMap<&'static str, super::questions::QuestionDetail>, AppError> {
    let actor = me.user.clone();
    let q = db(state, move |conn| catalog::question(conn, &actor, id)).await?;
    Ok(named("question", q.question))
}

#[utoipa::path(post, path = "/api/v1/questions", request_body = QuestionBody, summary = "Add a question to the bank",
    responses((status = 201, description = "The question.", body = QuestionAnswer),
        (status = 409, description = "A question with that prompt exists.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_create_question(
    state: State,
    me: CurrentUser,
    body: ApiJson<QuestionBody>,
) -> Result<HttpResponse, AppError> {
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
    Ok(HttpResponse::Created().json(question_json(&state, &me, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/questions/{id}", params(("id" = i64, Path, description = "The question's id")), request_body = QuestionBody, summary = "Change or archive a question",
    responses((status = 200, description = "The question.", body = QuestionAnswer),
        (status = 409, description = "A question with that prompt exists.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_update_question(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<QuestionBody>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.user.clone());
    let body = body.0;
    let archived = body.archived;
    let mut seed = db(&state, move |conn| catalog::question_seed(conn, &actor, id)).await?;
    apply_body(&mut seed, body);
    save(&state, &me, Some(id), seed)
        .await?
        .map_err(api_field_errors)?;
    if let Some(archived) = archived {
        let actor = me.user.clone();
        db(&state, move |conn| {
            catalog::set_archived(conn, &actor, id, archived)
        })
        .await?;
    }
    Ok(HttpResponse::Ok().json(question_json(&state, &me, id).await?))
}

#[utoipa::path(get, path = "/api/v1/bank/export", operation_id = "export_bank", summary = "The whole bank as a TOML bank file",
    responses((status = 200, description = "The bank file.", content_type = "application/toml", body = String)))]
pub async fn api_export(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    let bank = db(&state, move |conn| catalog::export(conn, &actor)).await?;
    let text = bank.to_toml().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"loopwright-bank.toml\"",
        ))
        .body(text))
}

/// Imports a bank file (TOML in the body, at most `UPLOAD_LIMIT` bytes):
/// all of it, or nothing.
#[utoipa::path(post, path = "/api/v1/bank/import", operation_id = "import_bank", request_body(content = String, content_type = "text/plain", description = "A bank file (TOML text), as `GET /api/v1/bank/export` writes it"),
    summary = "Import a bank file: all of it, or nothing",
    responses((status = 200, description = "What was added and changed.", body = super::SeedReport),
        (status = 422, description = "The file does not fit the bank.", body = crate::error::ErrorBody)))]
pub async fn api_import(
    state: State,
    me: CurrentUser,
    body: LimitedBody<UPLOAD_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "The body is empty: send a bank file (TOML).".into(),
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::BadRequest("The bank file must be UTF-8 text.".into()))?;
    let file = BankFile::parse("body", text).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let actor = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        catalog::import(conn, &actor, &file)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/tracks", params(Paging), summary = "The tracks",
    responses((status = 200, description = "One page of tracks.", body = TrackPage)))]
pub async fn api_tracks(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(paging.list_of("tracks", catalog::tracks(conn, &actor)?))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/tracks/{key}", params(("key" = String, Path, description = "The track's id or slug")), summary = "A track: criteria, red flags, stage kinds, formats",
    responses((status = 200, description = "The track.", body = catalog::TrackView)))]
pub async fn api_track(
    state: State,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (key, actor) = (path_text("key", key.into_inner())?, me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        catalog::track(conn, &actor, &key)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/stage-kinds", params(Paging), summary = "The stage kinds",
    responses((status = 200, description = "One page of stage kinds.", body = StageKindPage)))]
pub async fn api_stage_kinds(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(paging.list_of("stage_kinds", catalog::stage_kinds(conn, &actor)?))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/formats", params(Paging), summary = "The interview formats",
    responses((status = 200, description = "One page of formats.", body = FormatPage)))]
pub async fn api_formats(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(paging.list_of("formats", catalog::formats(conn, &actor)?))
    })
    .await
}
