//! First start: with no users, a one-time link creates the first admin.

use chrono::Duration;

use crate::auth::token;
use crate::db::DbConn;
use crate::db::models::{
    AuditEvent, OneTimeToken, OneTimeTokenInsertForm, TokenPurpose, User, UserInsertForm, now,
};
use crate::domain::{EmailAddress, NewPassword, PersonName, Role};
use crate::error::AppError;

/// How long a printed setup link stays usable.
pub const LINK_LIFETIME_HOURS: i64 = 24;

/// With no users, retires older links and returns a fresh token to print.
pub fn issue_link_if_no_users(conn: &mut DbConn) -> diesel::QueryResult<Option<String>> {
    crate::db::write_transaction(conn, |conn| {
        if User::count(conn)? > 0 {
            return Ok(None);
        }
        let at = now();
        OneTimeToken::retire_unused(conn, TokenPurpose::Setup, at)?;
        let plain = token::generate();
        OneTimeToken::create(
            conn,
            &OneTimeTokenInsertForm {
                purpose: TokenPurpose::Setup.as_str(),
                token_hash: &token::digest(&plain),
                user_id: None,
                email: None,
                name: None,
                role: None,
                created_by: None,
                expires_at: at + Duration::hours(LINK_LIFETIME_HOURS),
                created_at: at,
            },
        )?;
        Ok(Some(plain))
    })
}

/// Whether a setup link can still be used.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkState {
    Usable,
    /// Used, expired, or an admin exists already.
    Spent,
    Unknown,
}

pub fn link_state(conn: &mut DbConn, plain: &str) -> diesel::QueryResult<LinkState> {
    Ok(
        match OneTimeToken::find(conn, TokenPurpose::Setup, &token::digest(plain))? {
            None => LinkState::Unknown,
            Some(t) if t.is_live(now()) && User::count(conn)? == 0 => LinkState::Usable,
            Some(_) => LinkState::Spent,
        },
    )
}

/// The first admin, as typed into the setup form and checked.
pub struct FirstAdmin {
    pub name: PersonName,
    pub email: EmailAddress,
    pub password_hash: String,
}

/// Creates the admin and spends the link in one transaction; a second use,
/// even racing the first, gets `Gone`.
pub fn create_first_admin(
    conn: &mut DbConn,
    plain: &str,
    admin: &FirstAdmin,
) -> Result<User, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let spent = || AppError::Gone("This setup link has already been used.".into());
        let link = OneTimeToken::find(conn, TokenPurpose::Setup, &token::digest(plain))?
            .ok_or(AppError::NotFound)?;
        let at = now();
        if !link.is_live(at) || User::count(conn)? > 0 || !OneTimeToken::consume(conn, link.id, at)?
        {
            return Err(spent());
        }
        let user = User::create(
            conn,
            &UserInsertForm::active(
                admin.email.as_str(),
                admin.name.as_str(),
                Role::Admin.as_str(),
                &admin.password_hash,
                at,
            ),
        )?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "user.created",
            ("user", Some(user.id)),
            serde_json::json!({"via": "setup_link", "role": Role::Admin}),
        )?;
        Ok(user)
    })
}

/// Messages by field name, in form order.
pub type FieldErrors = Vec<(&'static str, String)>;

/// Checks what the form holds; errors by field name.
pub fn parse_form(
    name: &str,
    email: &str,
    password: &str,
    confirm: &str,
) -> Result<(PersonName, EmailAddress, NewPassword), FieldErrors> {
    let mut errors = Vec::new();
    let name = PersonName::parse(name)
        .map_err(|e| errors.push(("name", e.0)))
        .ok();
    let email = EmailAddress::parse(email)
        .map_err(|e| errors.push(("email", e.0)))
        .ok();
    let password = NewPassword::parse(password, email.as_ref())
        .map_err(|e| errors.push(("password", e.0)))
        .ok();
    if password.as_ref().is_some_and(|p| p.expose() != confirm) {
        errors.push(("password_confirm", "The two passwords differ.".into()));
    }
    match (name, email, password) {
        (Some(n), Some(e), Some(p)) if errors.is_empty() => Ok((n, e, p)),
        _ => Err(errors),
    }
}
