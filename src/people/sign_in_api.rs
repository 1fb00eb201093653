//! Signing in and out, and password resets, under `/api/v1`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::accounts;
use super::sign_in::{RESET_SENT, request_reset, reset, sign_in};
use crate::auth::CurrentUser;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::{State, api_field_errors, clear_session_cookie, client_ip, db};

/// A sign-in: the token (send it as `Authorization: Bearer <token>`) and who.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SignedIn {
    token: String,
    user: crate::db::models::User,
}

/// The caller, and the CSRF token their browser session's forms carry.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Me {
    user: crate::db::models::User,
    csrf_token: String,
}

crate::named_body!(ResetSent { message: String });

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    #[schema(required = true, nullable = false)]
    email: Option<String>,
    #[schema(required = true, nullable = false)]
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginBody, security(()), summary = "Sign in: a token for the API and the session cookie",
    responses((status = 200, description = "Signed in.", body = SignedIn),
        (status = 401, description = "The email or password is not right.", body = crate::error::ErrorBody),
        (status = 422, description = "The email or password is missing.", body = crate::error::ErrorBody),
        (status = 429, description = "Too many attempts; try after `Retry-After` seconds.", body = crate::error::ErrorBody)))]
pub async fn api_login(
    state: State,
    req: HttpRequest,
    body: ApiJson<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let mut missing = Vec::new();
    if body.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        missing.push(("email", "This field is required.".to_owned()));
    }
    if body.password.as_deref().is_none_or(str::is_empty) {
        missing.push(("password", "This field is required.".to_owned()));
    }
    if !missing.is_empty() {
        return Err(api_field_errors(missing));
    }
    let (jwt, user) = sign_in(
        &state,
        body.email.as_deref().unwrap_or_default(),
        body.password.unwrap_or_default(),
        client_ip(&req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"token": jwt, "user": user})))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", summary = "Sign out everywhere: ends every session of the caller (tokens stay)",
    responses((status = 204, description = "Signed out.")))]
pub async fn api_logout(state: State, user: CurrentUser) -> Result<HttpResponse, AppError> {
    db(&state, move |conn| {
        Ok(accounts::revoke_sessions(conn, &user.user)?)
    })
    .await?;
    let mut response = HttpResponse::NoContent().finish();
    response
        .add_cookie(&clear_session_cookie())
        .map_err(AppError::internal)?;
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/me", summary = "Who the caller is",
    responses((status = 200, description = "The caller.", body = Me)))]
pub async fn api_me(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": user.user, "csrf_token": user.claims.csrf}))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequestBody {
    #[schema(required = true, nullable = false)]
    email: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/password-resets", request_body = ResetRequestBody, security(()), summary = "Ask for a password reset link by email",
    responses((status = 202, description = "Sent if the address has an account (the answer does not say).", body = ResetSent),
        (status = 422, description = "The email is missing or invalid.", body = crate::error::ErrorBody),
        (status = 429, description = "Too many requests; try after `Retry-After` seconds.", body = crate::error::ErrorBody)))]
pub async fn api_reset_request(
    state: State,
    req: HttpRequest,
    body: ApiJson<ResetRequestBody>,
) -> Result<HttpResponse, AppError> {
    let email = EmailAddress::parse(body.0.email.as_deref().unwrap_or_default())
        .map_err(|e| api_field_errors(vec![("email", e.0)]))?;
    if let Some(retry_after_secs) = request_reset(&state, email, client_ip(&req)).await? {
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    Ok(HttpResponse::Accepted().json(json!({"message": RESET_SENT})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    #[schema(required = true, nullable = false)]
    password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/password-resets/{token}/accept", params(("token" = String, Path, description = "The token from the reset link")),
    request_body = PasswordBody, security(()), summary = "Choose a new password with a reset link",
    responses((status = 200, description = "The password is changed.", body = crate::people::api::UserAnswer),
        (status = 410, description = "The link was used or has expired.", body = crate::error::ErrorBody),
        (status = 422, description = "The password is missing or too weak.", body = crate::error::ErrorBody),
        (status = 429, description = "Many passwords are being checked at once; try after `Retry-After` seconds.", body = crate::error::ErrorBody)))]
pub async fn api_reset(
    state: State,
    token: web::Path<String>,
    body: ApiJson<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let password = body
        .0
        .password
        .ok_or_else(|| api_field_errors(vec![("password", "This field is required.".into())]))?;
    match reset(&state, token.into_inner(), &password, None).await? {
        Ok(user) => Ok(HttpResponse::Ok().json(json!({"user": user}))),
        Err(errors) => Err(api_field_errors(errors)),
    }
}
