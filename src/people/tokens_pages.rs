//! Personal access tokens on the account page: listed, created (the new
//! token shown once, on the page that answers the form) and revoked.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::account_pages::account_page;
use super::tokens::{self, NewToken, TokenView};
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::error::AppError;
use crate::web::extract::CsrfForm;
use crate::web::{State, db, redirect_with_flash};

/// How long a token made on the page lasts: the choices, in days.
const LIFETIMES: [(&str, &str); 5] = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "One year"),
    ("7", "7 days"),
    ("never", "Never expires"),
];

/// The tokens part of the account page.
#[derive(Debug, Default, Serialize)]
pub struct TokensSection {
    tokens: Vec<TokenView>,
    /// The token just created: shown on this answer only.
    new_token: Option<String>,
    token_name_input: String,
    token_scope_input: String,
    token_lifetimes: Vec<crate::web::form::SelectOption>,
    #[serde(skip)]
    pub(super) errors: Vec<(&'static str, String)>,
}

impl TokensSection {
    /// The owner's tokens, with the create form empty.
    pub(super) fn read(conn: &mut DbConn, owner: &User) -> Result<Self, AppError> {
        let tokens = tokens::tokens_of(conn, owner, now())?;
        Ok(TokensSection {
            tokens,
            token_scope_input: "read".into(),
            token_lifetimes: lifetimes("30"),
            ..TokensSection::default()
        })
    }
}

fn lifetimes(selected: &str) -> Vec<crate::web::form::SelectOption> {
    crate::web::form::options(
        LIFETIMES
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect(),
        selected,
    )
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token_name: String,
    #[serde(default)]
    token_scope: String,
    #[serde(default)]
    token_lifetime: String,
}

/// `POST /account/tokens`: creates a token and answers the account page
/// with it shown once; a refused form comes back (422) with what was typed.
pub async fn create_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let at = now();
    let known = LIFETIMES.iter().any(|(v, _)| *v == form.token_lifetime);
    let days: Option<i64> = match form.token_lifetime.as_str() {
        "never" => None,
        d => Some(d.parse().unwrap_or(30)),
    };
    let new = NewToken {
        name: form.token_name.clone(),
        scope: form.token_scope.clone(),
        expires_at: days.map(|d| at + Duration::days(d.clamp(1, 3650))),
    };
    let mut errors: Vec<(&'static str, String)> = tokens::check(&new, at)
        .into_iter()
        .map(|(f, m)| (form_field(f), m))
        .collect();
    if !known {
        errors.push(("token_lifetime", "Choose how long the token lasts.".into()));
    }
    // The section again with what was typed kept and why it was refused.
    let owner = me.user.clone();
    let refused = move |errors: Vec<(&'static str, String)>| {
        move |conn: &mut DbConn| {
            let mut section = TokensSection::read(conn, &owner)?;
            section.token_name_input = form.token_name;
            section.token_scope_input = form.token_scope;
            section.token_lifetimes = lifetimes(&form.token_lifetime);
            section.errors = errors;
            Ok(section)
        }
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    if !errors.is_empty() {
        return account_page(&state, &req, &me, status, None, refused(errors)).await;
    }
    let owner = me.user.clone();
    let created = db(&state, move |conn| {
        tokens::create_token(conn, &owner, new, at)
    })
    .await;
    match created {
        Ok((_, secret)) => {
            let owner = me.user.clone();
            let shown_once = move |conn: &mut DbConn| {
                let mut section = TokensSection::read(conn, &owner)?;
                section.new_token = Some(secret);
                Ok(section)
            };
            account_page(&state, &req, &me, StatusCode::CREATED, None, shown_once).await
        }
        Err(AppError::Validation { fields, .. }) => {
            let errors = fields
                .into_iter()
                .map(|(f, m)| (form_field(&f), m))
                .collect();
            account_page(&state, &req, &me, status, None, refused(errors)).await
        }
        Err(e) => Err(e),
    }
}

/// The form's name for a field of [`tokens::check`].
fn form_field(field: &str) -> &'static str {
    match field {
        "scope" => "token_scope",
        "expires_at" => "token_lifetime",
        _ => "token_name",
    }
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (me.user.clone(), id.into_inner());
    let name = db(&state, move |conn| tokens::revoke_token(conn, &owner, id)).await?;
    redirect_with_flash(
        "/account",
        "success",
        &format!("The token \u{201c}{name}\u{201d} no longer works."),
    )
}
