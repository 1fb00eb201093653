use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::{State, db, render};
use crate::auth::MaybeUser;
use crate::db::models::Track;
use crate::error::AppError;

/// What Loopwright does, and the tracks in the bank.
pub async fn show(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, AppError> {
    let tracks = db(&state, |conn| Ok(Track::summaries(conn)?)).await?;
    render(
        &state,
        &req,
        user.0.as_ref(),
        StatusCode::OK,
        "pages/home",
        "Structured interviewing",
        json!({ "tracks": tracks }),
    )
}
