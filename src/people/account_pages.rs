//! A person's own account page: who they are and the zone times are shown in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::models::User;
use crate::domain::{Role, when};
use crate::error::AppError;
use crate::people::accounts;
use crate::people::tokens_pages::TokensSection;
use crate::web::extract::CsrfForm;
use crate::web::{FormErrors, State, db, redirect_with_flash, render_loaded};

#[derive(Serialize)]
struct AccountPage {
    name: String,
    email: String,
    role_label: &'static str,
    /// The stored zone, `None` when the person has not chosen one (UTC).
    saved_zone: Option<String>,
    /// What the zone field holds: the stored zone, or what was typed.
    zone_input: String,
    /// Now, as an RFC 3339 instant, shown in the saved zone as an example.
    now: String,
    zone_names: Vec<&'static str>,
    /// Which form the errors are of, said before them.
    error_lead: &'static str,
    #[serde(flatten)]
    tokens: TokensSection,
    #[serde(flatten)]
    form: FormErrors,
}

/// What the zone form came back with: what was typed, and why.
pub(super) type TypedZone = (String, Vec<(&'static str, String)>);

/// The account page: `tokens` reads its tokens section, and the page is
/// read and rendered in one hop.
pub(super) async fn account_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    typed: Option<TypedZone>,
    tokens: impl FnOnce(&mut DbConn) -> Result<TokensSection, AppError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    let (user, role) = (me.user.clone(), me.role);
    render_loaded(state, req, Some(me), status, "pages/account", move |conn| {
        let page = AccountPage::new(user, role, typed, tokens(conn)?);
        Ok(("Your account".to_owned(), page))
    })
    .await
}

impl AccountPage {
    fn new(user: User, role: Role, typed: Option<TypedZone>, tokens: TokensSection) -> Self {
        let saved_zone = user.time_zone;
        let mut error_lead = "The time zone was not saved.";
        let (zone_input, form) = match typed {
            Some((typed, errors)) => (typed, FormErrors::new(&errors)),
            None if !tokens.errors.is_empty() => {
                error_lead = "The token was not created.";
                (
                    saved_zone.clone().unwrap_or_default(),
                    FormErrors::new(&tokens.errors),
                )
            }
            None => (
                saved_zone.clone().unwrap_or_default(),
                FormErrors::default(),
            ),
        };
        AccountPage {
            name: user.name,
            email: user.email,
            role_label: role.label(),
            saved_zone,
            zone_input,
            now: when::iso(crate::db::models::now()),
            zone_names: when::zone_names(),
            error_lead,
            tokens,
            form,
        }
    }
}

/// `GET /account`: the signed-in person's own settings.
pub async fn show(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let owner = me.user.clone();
    let tokens = move |conn: &mut DbConn| TokensSection::read(conn, &owner);
    account_page(&state, &req, &me, StatusCode::OK, None, tokens).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    time_zone: String,
}

/// `POST /account`: sets the person's time zone; empty goes back to UTC. A
/// zone that is not an IANA name comes back (422) with what was typed kept
/// and the error beside the field; the stored zone is left as it was.
pub async fn save(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.0.time_zone;
    let zone = if typed.trim().is_empty() {
        None
    } else {
        match when::parse_zone(&typed) {
            Ok(zone) => Some(zone),
            Err(e) => {
                let typed = Some((typed, vec![("time_zone", e.0)]));
                let owner = me.user.clone();
                let tokens = move |conn: &mut DbConn| TokensSection::read(conn, &owner);
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return account_page(&state, &req, &me, status, typed, tokens).await;
            }
        }
    };
    let actor = me.user.clone();
    db(&state, move |conn| {
        accounts::set_own_time_zone(conn, &actor, zone)
    })
    .await?;
    let shown = zone.map_or("UTC", |z| z.name());
    redirect_with_flash(
        "/account",
        "success",
        &format!("Times are now shown in {shown}."),
    )
}
