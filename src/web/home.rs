use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::json;

use super::{State, db, html, page_context};
use crate::db::models::Track;
use crate::error::AppError;

/// What Loopwright does, and the tracks in the bank.
pub async fn show(state: State) -> Result<HttpResponse, AppError> {
    let tracks = db(&state, |conn| Ok(Track::summaries(conn)?)).await?;
    let context = page_context("Structured interviewing", None, json!({ "tracks": tracks }));
    Ok(html(
        StatusCode::OK,
        state.templates.render("pages/home", &context)?,
    ))
}
