//! Personal access tokens under `/api/v1/me/tokens`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::tokens::{self, NewToken, TokenView};
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::domain::when;
use crate::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::form::Paging;
use crate::web::{State, db, db_json};

crate::page_body!(TokenPage { tokens: TokenView });

/// `GET /api/v1/me/tokens?page=&per_page=`: the caller's tokens, newest
/// first, as `{tokens: [{id, name, scope, hint, expires_at, last_used_at,
/// created_at, expired}], page, per_page, total}`; never the secrets.
#[utoipa::path(get, path = "/api/v1/me/tokens", params(Paging), operation_id = "list_tokens", summary = "The caller's personal access tokens (never the secrets)",
    responses((status = 200, description = "One page of tokens.", body = TokenPage)))]
pub async fn api_list(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let owner = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let all = tokens::tokens_of(conn, &owner, now())?;
        Ok(paging.list_of("tokens", all))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTokenBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    #[schema(value_type = super::tokens::TokenScope)]
    scope: String,
    /// RFC 3339, or null for a token that does not expire.
    #[serde(default)]
    expires_at: Option<String>,
}

/// The created token: its fields and, this once, `token` (the secret).
#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    #[serde(flatten)]
    view: TokenView,
    token: String,
}

/// `POST /api/v1/me/tokens` `{name, scope: read|write, expires_at|null}`:
/// 201 with the token, which is not shown again; 422 naming the field.
#[utoipa::path(post, path = "/api/v1/me/tokens", request_body = NewTokenBody, operation_id = "create_token", summary = "Create a personal access token; the secret is shown this once",
    responses((status = 201, description = "The token, with its secret in `token`.", body = Created),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_create(
    state: State,
    me: CurrentUser,
    body: ApiJson<NewTokenBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let expires_at = match body.expires_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(when::parse_instant(text).ok_or_else(|| {
            AppError::field(
                "expires_at",
                "Give a time like 2027-01-31T18:00:00Z, or null for no expiry.",
            )
        })?),
    };
    let new = NewToken {
        name: body.name,
        scope: body.scope,
        expires_at,
    };
    let owner = me.user.clone();
    db_json(&state, StatusCode::CREATED, move |conn| {
        let (view, token) = tokens::create_token(conn, &owner, new, now())?;
        Ok(Created { view, token })
    })
    .await
}

/// `DELETE /api/v1/me/tokens/{id}`: 204; 404 if it is not the caller's.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", params(("id" = i64, Path, description = "The token's id")), operation_id = "revoke_token", summary = "Revoke one of the caller's tokens",
    responses((status = 204, description = "Revoked.")))]
pub async fn api_revoke(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (me.user.clone(), id.into_inner());
    db(&state, move |conn| tokens::revoke_token(conn, &owner, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
