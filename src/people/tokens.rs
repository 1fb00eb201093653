//! Personal access tokens: how scripts act as a person without a password.
//!
//! A token is `lwp_` and 64 hex characters (32 random bytes); the prefix
//! tells it apart from a session token (a JWT) in `Authorization: Bearer`.
//! Only its SHA-256 is stored, with the first characters as a hint to
//! recognise it by. A read token answers only GET, HEAD and OPTIONS; a
//! deactivated person's tokens stop working with their account.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::Action;
use crate::auth::token;
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User};
use crate::db::schema::{personal_access_tokens, users};
use crate::domain::when::iso;
use crate::error::AppError;

/// What every personal access token starts with.
pub const PREFIX: &str = "lwp_";
/// Characters of the token kept as its hint (the prefix and 8 more).
const HINT_LEN: usize = 12;
/// Longest name, in characters.
pub const NAME_MAX: usize = 100;
/// Most live tokens one person may hold.
pub const MAX_PER_PERSON: i64 = 50;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// GET, HEAD and OPTIONS only.
    Read,
    /// Everything its owner may do.
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read only",
            TokenScope::Write => "Read and write",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// A token as its owner sees it (never the secret, which is shown once).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub scope_label: &'static str,
    /// The token's first characters, e.g. `lwp_3f9a0c1d`.
    pub hint: String,
    /// RFC 3339 (UTC); `None`: never expires.
    pub expires_at: Option<String>,
    /// RFC 3339 (UTC); `None`: never used.
    pub last_used_at: Option<String>,
    /// RFC 3339 (UTC).
    pub created_at: String,
    pub expired: bool,
}

/// A new token as typed: the same for the API's JSON and the page's form.
pub struct NewToken {
    pub name: String,
    pub scope: String,
    /// UTC; must be later than now.
    pub expires_at: Option<NaiveDateTime>,
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

fn view(row: Row, at: NaiveDateTime) -> TokenView {
    let (id, name, scope, hint, expires_at, last_used_at, created_at) = row;
    // The CHECK constraint keeps `scope` to the two names.
    let scope = TokenScope::parse(&scope).unwrap_or(TokenScope::Read);
    TokenView {
        id,
        name,
        scope,
        scope_label: scope.label(),
        hint,
        expires_at: expires_at.map(iso),
        last_used_at: last_used_at.map(iso),
        created_at: iso(created_at),
        expired: expires_at.is_some_and(|e| e <= at),
    }
}

const COLUMNS: (
    personal_access_tokens::id,
    personal_access_tokens::name,
    personal_access_tokens::scope,
    personal_access_tokens::hint,
    personal_access_tokens::expires_at,
    personal_access_tokens::last_used_at,
    personal_access_tokens::created_at,
) = (
    personal_access_tokens::id,
    personal_access_tokens::name,
    personal_access_tokens::scope,
    personal_access_tokens::hint,
    personal_access_tokens::expires_at,
    personal_access_tokens::last_used_at,
    personal_access_tokens::created_at,
);

/// The owner's tokens, newest first.
pub fn tokens_of(
    conn: &mut DbConn,
    owner: &User,
    at: NaiveDateTime,
) -> Result<Vec<TokenView>, AppError> {
    crate::access::require(owner, Action::KeepOwnTokens)?;
    let rows: Vec<Row> = personal_access_tokens::table
        .filter(personal_access_tokens::user_id.eq(owner.id))
        .order(personal_access_tokens::id.desc())
        .select(COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| view(r, at)).collect())
}

/// Checks a new token's fields: `(field, message)` for each that is wrong.
pub fn check(new: &NewToken, at: NaiveDateTime) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let name = new.name.trim();
    if name.is_empty() {
        errors.push((
            "name",
            "Give the token a name that says what uses it.".to_owned(),
        ));
    } else if name.chars().count() > NAME_MAX {
        errors.push(("name", format!("Keep the name to {NAME_MAX} characters.")));
    }
    if TokenScope::parse(new.scope.trim()).is_none() {
        errors.push(("scope", "Choose read or write.".to_owned()));
    }
    if new.expires_at.is_some_and(|e| e <= at) {
        errors.push(("expires_at", "Choose an expiry in the future.".to_owned()));
    }
    errors
}

/// Creates a token for `owner`; answers it and the secret, which is not
/// kept and cannot be shown again. 422 naming the field for bad input.
pub fn create_token(
    conn: &mut DbConn,
    owner: &User,
    new: NewToken,
    at: NaiveDateTime,
) -> Result<(TokenView, String), AppError> {
    crate::access::require(owner, Action::KeepOwnTokens)?;
    let errors = check(&new, at);
    if !errors.is_empty() {
        return Err(crate::web::api_field_errors(errors));
    }
    let held: i64 = personal_access_tokens::table
        .filter(personal_access_tokens::user_id.eq(owner.id))
        .count()
        .get_result(conn)?;
    if held >= MAX_PER_PERSON {
        return Err(AppError::field(
            "name",
            format!("You hold {MAX_PER_PERSON} tokens already: revoke one you no longer use."),
        ));
    }
    let scope = TokenScope::parse(new.scope.trim()).unwrap_or(TokenScope::Read);
    let secret = format!("{PREFIX}{}", token::generate());
    let hint: String = secret.chars().take(HINT_LEN).collect();
    let name = new.name.trim().to_owned();
    crate::db::write_transaction(conn, |conn| {
        let id: i64 = diesel::insert_into(personal_access_tokens::table)
            .values((
                personal_access_tokens::user_id.eq(owner.id),
                personal_access_tokens::name.eq(&name),
                personal_access_tokens::scope.eq(scope.as_str()),
                personal_access_tokens::token_hash.eq(token::digest(&secret)),
                personal_access_tokens::hint.eq(&hint),
                personal_access_tokens::expires_at.eq(new.expires_at),
                personal_access_tokens::created_at.eq(at),
            ))
            .returning(personal_access_tokens::id)
            .get_result(conn)?;
        AuditEvent::record(
            conn,
            Some(owner.id),
            "token.created",
            ("personal_access_token", Some(id)),
            json!({"name": name, "scope": scope.as_str(), "expires_at": new.expires_at}),
        )?;
        Ok::<_, AppError>(())
    })?;
    let created = personal_access_tokens::table
        .filter(personal_access_tokens::token_hash.eq(token::digest(&secret)))
        .select(COLUMNS)
        .first(conn)?;
    Ok((view(created, at), secret))
}

/// Revokes (deletes) one of the owner's tokens; 404 if it is not theirs.
pub fn revoke_token(conn: &mut DbConn, owner: &User, id: i64) -> Result<String, AppError> {
    crate::access::require(owner, Action::KeepOwnTokens)?;
    crate::db::write_transaction(conn, |conn| {
        let name: String = personal_access_tokens::table
            .filter(personal_access_tokens::id.eq(id))
            .filter(personal_access_tokens::user_id.eq(owner.id))
            .select(personal_access_tokens::name)
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        diesel::delete(personal_access_tokens::table.find(id)).execute(conn)?;
        AuditEvent::record(
            conn,
            Some(owner.id),
            "token.revoked",
            ("personal_access_token", Some(id)),
            json!({"name": name}),
        )?;
        Ok(name)
    })
}

/// How stale a token's "last used" time may get before a request
/// records it again.
pub const LAST_USED_GRAIN: chrono::Duration = chrono::Duration::minutes(1);

/// The active person a presented token belongs to, and its scope; `None`
/// for an unknown, expired or revoked token or a deactivated person. Marks
/// the token used at `at` unless it was marked less than
/// [`LAST_USED_GRAIN`] before.
pub fn authenticate(
    conn: &mut DbConn,
    secret: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<(User, TokenScope)>> {
    type Found = (
        i64,
        String,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        User,
    );
    let found: Option<Found> = personal_access_tokens::table
        .inner_join(users::table)
        .filter(personal_access_tokens::token_hash.eq(token::digest(secret)))
        .select((
            personal_access_tokens::id,
            personal_access_tokens::scope,
            personal_access_tokens::expires_at,
            personal_access_tokens::last_used_at,
            User::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, scope, expires_at, last_used_at, user)) = found else {
        return Ok(None);
    };
    if !user.active || expires_at.is_some_and(|e| e <= at) {
        return Ok(None);
    }
    // A script calling in a loop would otherwise write on every request
    // (on SQLite, taking the write lock): the time is kept to the minute.
    if last_used_at.is_none_or(|last| at - last >= LAST_USED_GRAIN) {
        diesel::update(personal_access_tokens::table.find(id))
            .set(personal_access_tokens::last_used_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(TokenScope::parse(&scope).map(|s| (user, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_tokens_are_checked_field_by_field() {
        let at = NaiveDateTime::default();
        let fine = NewToken {
            name: "Nightly report".into(),
            scope: "read".into(),
            expires_at: Some(at + chrono::Duration::days(1)),
        };
        assert!(check(&fine, at).is_empty());
        let bad = NewToken {
            name: "  ".into(),
            scope: "admin".into(),
            expires_at: Some(at),
        };
        let fields: Vec<_> = check(&bad, at).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "scope", "expires_at"]);
        let long = NewToken {
            name: "x".repeat(NAME_MAX + 1),
            scope: "write".into(),
            expires_at: None,
        };
        assert_eq!(check(&long, at)[0].0, "name");
    }
}
