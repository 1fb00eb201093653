//! People under `/api/v1`: users, invitations, accepting one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::invitation_pages::accept;
use super::pages::{apply_changes, invite, parse_invitee};
use super::sign_in::check_new_password;
use crate::access::Action;
use crate::auth::{CurrentUser, password};
use crate::domain::{PersonName, Role};
use crate::error::AppError;
use crate::people::accounts::{self, UserChanges};
use crate::web::extract::{ApiJson, patch, path_text};
use crate::web::form::Paging;
use crate::web::named;
use crate::web::{State, api_field_errors, db_json};

crate::page_body!(UserPage {
    users: crate::db::models::User
});
crate::named_body!(UserAnswer {
    user: crate::db::models::User
});

#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", params(Paging), summary = "Everyone with an account (admins)",
    responses((status = 200, description = "One page of users.", body = UserPage)))]
pub async fn api_list(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (page, per_page, actor) = (paging.page, paging.per_page, me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        let (users, total) = accounts::users_page(conn, &actor, page, per_page)?;
        Ok(paging.listed("users", users, total))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateUserBody {
    #[schema(required = true, nullable = false)]
    email: Option<String>,
    #[schema(required = true, nullable = false)]
    name: Option<String>,
    #[schema(required = true, nullable = false, value_type = Option<crate::domain::Role>)]
    role: Option<String>,
    #[schema(required = true, nullable = false)]
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", request_body = CreateUserBody, summary = "Add a user with a password (admins)",
    responses((status = 201, description = "The user.", body = UserAnswer),
        (status = 409, description = "Someone has that email already.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody),
        (status = 429, description = "Many passwords are being checked at once; try after `Retry-After` seconds.", body = crate::error::ErrorBody)))]
pub async fn api_create(
    state: State,
    me: CurrentUser,
    body: ApiJson<CreateUserBody>,
) -> Result<HttpResponse, AppError> {
    // Refused before the password is hashed (argon2 costs 19 MiB and tens
    // of milliseconds); accounts::create_user asks the policy again.
    me.require(Action::ManageUsers)?;
    let body = body.0;
    let (name, email, role) = parse_invitee(
        body.name.as_deref().unwrap_or_default(),
        body.email.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
    )
    .map_err(api_field_errors)?;
    let new_password = check_new_password(
        body.password.as_deref().unwrap_or_default(),
        None,
        email.as_str(),
    )
    .map_err(api_field_errors)?;
    let hash = state
        .hashing
        .run(move || password::hash(new_password.expose()))
        .await?
        .map_err(AppError::internal)?;
    let actor = me.user.clone();
    db_json(&state, StatusCode::CREATED, move |conn| {
        let user = accounts::create_user(conn, &actor, &name, &email, role, &hash)?;
        Ok(named("user", user))
    })
    .await
}

/// `PATCH /api/v1/users/{id}`: none of these may be `null`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateUserBody {
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    #[schema(value_type = Option<crate::domain::Role>)]
    role: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "update_user", params(("id" = i64, Path, description = "The user's id")),
    request_body = UpdateUserBody, summary = "Rename, change the role of, deactivate or reactivate a user (admins)",
    responses((status = 200, description = "The user.", body = UserAnswer),
        (status = 409, description = "The change would leave no active admin.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_update(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<UpdateUserBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(PersonName::parse)
        .transpose()
        .map_err(|e| errors.push(("name", e.0)))
        .ok()
        .flatten();
    let role = body
        .role
        .as_deref()
        .map(str::parse::<Role>)
        .transpose()
        .map_err(|e| errors.push(("role", e.0)))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(api_field_errors(errors));
    }
    let user = apply_changes(
        &state,
        &me,
        id.into_inner(),
        UserChanges {
            name,
            role,
            active: body.active,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(named("user", user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct InviteBody {
    #[schema(required = true, nullable = false)]
    email: Option<String>,
    #[schema(required = true, nullable = false)]
    name: Option<String>,
    #[schema(required = true, nullable = false, value_type = Option<crate::domain::Role>)]
    role: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/invitations", request_body = InviteBody, summary = "Invite someone by email (admins)",
    responses((status = 201, description = "The invitation is queued for sending.", body = Invited),
        (status = 409, description = "Someone has that email already.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_invite(
    state: State,
    me: CurrentUser,
    body: ApiJson<InviteBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let invitee = parse_invitee(
        body.name.as_deref().unwrap_or_default(),
        body.email.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
    )
    .map_err(api_field_errors)?;
    let email = invitee.1.as_str().to_owned();
    let invitation = invite(&state, &me, invitee).await?;
    Ok(HttpResponse::Created().json(Invited {
        email,
        expires_at: invitation.expires_at.and_utc().to_rfc3339(),
        outbox_id: invitation.outbox_id,
    }))
}

/// An invitation sent: to whom, until when (RFC 3339, UTC), which email.
#[derive(Serialize, utoipa::ToSchema)]
struct Invited {
    email: String,
    expires_at: String,
    outbox_id: i64,
}

/// An invitation accepted: the new member, signed in.
#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    token: String,
    user: crate::db::models::User,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AcceptBody {
    #[schema(required = true, nullable = false)]
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", operation_id = "accept_invitation", params(("token" = String, Path, description = "The token from the invitation's link")),
    request_body = AcceptBody, security(()), summary = "Accept an invitation: choose a password and sign in",
    responses((status = 201, description = "The new member, signed in.", body = Accepted),
        (status = 410, description = "The invitation was used or has expired.", body = crate::error::ErrorBody),
        (status = 422, description = "The password is missing or too weak.", body = crate::error::ErrorBody),
        (status = 429, description = "Many passwords are being checked at once; try after `Retry-After` seconds.", body = crate::error::ErrorBody)))]
pub async fn api_accept(
    state: State,
    token: web::Path<String>,
    body: ApiJson<AcceptBody>,
) -> Result<HttpResponse, AppError> {
    let password = body
        .0
        .password
        .ok_or_else(|| api_field_errors(vec![("password", "This field is required.".into())]))?;
    let token = path_text("token", token.into_inner())?;
    match accept(&state, token, &password, None).await? {
        Ok((user, token)) => Ok(HttpResponse::Created().json(Accepted { token, user })),
        Err(errors) => Err(api_field_errors(errors)),
    }
}
