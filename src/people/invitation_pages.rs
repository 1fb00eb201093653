//! Accepting an invitation: the page behind the emailed link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::sign_in::{NewPasswordForm, adopt_browser_zone, password_for_link};
use crate::db::models::{TokenPurpose, User};
use crate::domain::Role;
use serde::Serialize;

use crate::db::models::OneTimeToken;
use crate::error::AppError;
use crate::people::accounts::{self};
use crate::web::extract::CsrfForm;
use crate::web::{Chosen, FormErrors, render, render_chosen, render_loaded};
use crate::web::{State, db, redirect_with_flash, session_cookie};

/// The message for an invitation link that cannot be used; other errors
/// are the answer as they are.
fn invitation_problem(e: AppError) -> Result<Chosen, AppError> {
    let (status, heading, message) = match &e {
        AppError::Gone(m) => (
            StatusCode::GONE,
            "This invitation was already used",
            format!(
                "{m} If you already set your password, sign in; otherwise ask an admin for a new invitation."
            ),
        ),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "This invitation link is not valid",
            "Check that you copied all of it, or ask an admin for a new invitation.".to_owned(),
        ),
        _ => return Err(e),
    };
    Chosen::page(
        status,
        "pages/message",
        heading,
        &json!({"heading": heading, "message": message, "link": {"href": "/login", "label": "Sign in"}}),
    )
}

/// The page behind an invitation link: who is invited, and the form that
/// sets their password.
#[derive(Serialize)]
struct AcceptPage {
    token: String,
    invitee: Invitee,
    hide_sign_in: bool,
    #[serde(flatten)]
    form: FormErrors,
}

#[derive(Serialize)]
struct Invitee {
    name: Option<String>,
    email: Option<String>,
    role_label: &'static str,
}

impl AcceptPage {
    fn new(token: String, invitation: OneTimeToken, errors: &[(&str, String)]) -> Self {
        AcceptPage {
            token,
            invitee: Invitee {
                role_label: invitation
                    .role
                    .as_deref()
                    .and_then(|r| r.parse::<Role>().ok())
                    .map(Role::label)
                    .unwrap_or(""),
                name: invitation.name,
                email: invitation.email,
            },
            hide_sign_in: true,
            form: FormErrors::new(errors),
        }
    }
}

pub async fn invitation_page(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    render_chosen(&state, &req, None, move |conn| {
        match accounts::live_token(conn, TokenPurpose::Invitation, &plain) {
            Ok(invitation) => Chosen::page(
                StatusCode::OK,
                "pages/accept_invitation",
                "Join Loopwright",
                &AcceptPage::new(plain, invitation, &[]),
            ),
            Err(e) => invitation_problem(e),
        }
    })
    .await
}

/// Accepts an invitation; returns the new user, or what is wrong with the password.
pub(super) async fn accept(
    state: &State,
    plain: String,
    password: &str,
    confirm: Option<&str>,
) -> Result<Result<(User, String), Vec<(&'static str, String)>>, AppError> {
    let hash = match password_for_link(state, TokenPurpose::Invitation, &plain, password, confirm)
        .await?
    {
        Ok(hash) => hash,
        Err(errors) => return Ok(Err(errors)),
    };
    let user = db(state, move |conn| {
        accounts::accept_invitation(conn, &plain, &hash)
    })
    .await?;
    let (jwt, _) = state
        .sessions
        .issue(user.id, user.token_version)
        .map_err(AppError::internal)?;
    Ok(Ok((user, jwt)))
}

pub async fn invitation_form(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    match accept(
        &state,
        plain.clone(),
        &form.0.password,
        Some(&form.0.password_confirm),
    )
    .await
    {
        Ok(Ok((user, jwt))) => {
            adopt_browser_zone(&state, &user, &form.0.time_zone).await?;
            let mut response = redirect_with_flash(
                user.role().home_path(),
                "success",
                &format!("Welcome, {}. Your account is ready.", user.name),
            )?;
            response
                .add_cookie(&session_cookie(&state, jwt))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Ok(Err(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let page = "pages/accept_invitation";
            render_loaded(&state, &req, None, status, page, move |conn| {
                let invitation = accounts::live_token(conn, TokenPurpose::Invitation, &plain)?;
                let page = AcceptPage::new(plain, invitation, &errors);
                Ok(("Join Loopwright".to_owned(), page))
            })
            .await
        }
        Err(e) => {
            // After the trips that found the link unusable: rendered here
            // rather than in a trip of its own.
            let page = invitation_problem(e)?;
            render(
                &state,
                &req,
                None,
                page.status,
                page.template,
                &page.title,
                page.context,
            )
        }
    }
}
