//! Accounts: signing in (throttled in `throttle`), invitations, password resets and
//! user changes. Functions take a connection and run in the caller's blocking
//! task; each that changes several rows does so in one transaction, with its
//! email queued in the same transaction (the outbox).

use std::sync::LazyLock;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::access::{self, Action};
use crate::auth::{password, token};
use crate::db::DbConn;
use crate::db::models::{
    AuditEvent, OneTimeToken, OneTimeTokenInsertForm, TokenPurpose, User, UserInsertForm,
    UserUpdateForm, now,
};
use crate::db::schema::one_time_tokens;
use crate::domain::{EmailAddress, PersonName, Role};
use crate::error::AppError;
use crate::mail::{self, NewEmail};
use crate::templates::Templates;

pub const INVITATION_LIFETIME_HOURS: i64 = 72;
pub const RESET_LIFETIME_HOURS: i64 = 2;

/// Verified against when the email is unknown, so that an unknown email
/// costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password::hash("loopwright timing equaliser").unwrap_or_default());

/// Computes the dummy hash ahead of the first sign-in.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

/// The email as typed, normalised if it parses, so throttling keys match.
pub fn sign_in_key(raw_email: &str) -> String {
    EmailAddress::parse(raw_email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| raw_email.trim().to_lowercase())
}

/// Checks a password against a user (or against the dummy hash): the slow
/// part, to run without holding a database connection.
pub fn password_matches(user: Option<&User>, password: &str) -> bool {
    let hash = user.and_then(|u| u.password_hash.as_deref());
    let matches = password::verify(hash.unwrap_or(&DUMMY_HASH), password);
    matches && hash.is_some() && user.is_some_and(|u| u.active)
}

/// An invitation still waiting to be accepted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingInvitation {
    pub email: String,
    pub name: String,
    pub role: String,
    pub expires_at: NaiveDateTime,
}

fn pending_invitations(conn: &mut DbConn) -> QueryResult<Vec<PendingInvitation>> {
    let rows: Vec<OneTimeToken> = one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(TokenPurpose::Invitation.as_str()))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now()))
        .order(one_time_tokens::id.desc())
        .select(OneTimeToken::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|t| PendingInvitation {
            email: t.email.unwrap_or_default(),
            name: t.name.unwrap_or_default(),
            role: t.role.unwrap_or_default(),
            expires_at: t.expires_at,
        })
        .collect())
}

pub struct Invitation {
    pub outbox_id: i64,
    pub expires_at: NaiveDateTime,
}

/// Invites someone: a one-time link (72 h) emailed through the outbox.
/// A newer invitation to the same address replaces older ones.
/// One person, one account: an email already taken is a field error.
fn refuse_taken_email(conn: &mut DbConn, email: &EmailAddress) -> Result<(), AppError> {
    if User::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::field(
            "email",
            "Someone with this email already has an account.",
        ));
    }
    Ok(())
}

pub fn invite(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    inviter: &User,
    name: &PersonName,
    email: &EmailAddress,
    role: Role,
) -> Result<Invitation, AppError> {
    access::require(inviter, Action::ManageUsers)?;
    crate::db::write_transaction(conn, |conn| {
        refuse_taken_email(conn, email)?;
        let at = now();
        diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::purpose.eq(TokenPurpose::Invitation.as_str()))
                .filter(one_time_tokens::email.eq(email.as_str()))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::expires_at.eq(at))
        .execute(conn)?;
        let plain = token::generate();
        let expires_at = at + Duration::hours(INVITATION_LIFETIME_HOURS);
        let token_id = OneTimeToken::create(
            conn,
            &OneTimeTokenInsertForm {
                purpose: TokenPurpose::Invitation.as_str(),
                token_hash: &token::digest(&plain),
                user_id: None,
                email: Some(email.as_str()),
                name: Some(name.as_str()),
                role: Some(role.as_str()),
                created_by: Some(inviter.id),
                expires_at,
                created_at: at,
            },
        )?;
        let context = json!({
            "app_name": "Loopwright",
            "subject": format!("{} invited you to Loopwright", inviter.name),
            "invitee_name": name.as_str(),
            "inviter_name": inviter.name,
            "role_label": role.label(),
            "link": format!("{public_url}/invitations/{plain}"),
            "expires_hours": INVITATION_LIFETIME_HOURS,
        });
        let (text, html) = templates.render_email("invitation", &context)?;
        let outbox_id = mail::enqueue(
            conn,
            &NewEmail {
                idempotency_key: format!("invitation:{token_id}"),
                kind: "invitation",
                to_email: email.as_str().to_owned(),
                to_name: name.as_str().to_owned(),
                subject: format!("{} invited you to Loopwright", inviter.name),
                text,
                html,
                attachments: Vec::new(),
                candidate_id: None,
            },
        )?;
        AuditEvent::record(
            conn,
            Some(inviter.id),
            "invitation.created",
            ("invitation", Some(token_id)),
            json!({"email": email.as_str(), "role": role.as_str()}),
        )?;
        Ok(Invitation {
            outbox_id,
            expires_at,
        })
    })
}

/// Withdraws every invitation still waiting for `email` (`ManageUsers`):
/// they expire now, so their links answer "no longer valid". Audited.
/// Returns how many were withdrawn (0 when none was waiting).
pub fn revoke_invitation(conn: &mut DbConn, actor: &User, email: &str) -> Result<usize, AppError> {
    access::require(actor, Action::ManageUsers)?;
    crate::db::write_transaction(conn, |conn| {
        let at = now();
        let withdrawn = diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::purpose.eq(TokenPurpose::Invitation.as_str()))
                .filter(one_time_tokens::email.eq(email.trim()))
                .filter(one_time_tokens::used_at.is_null())
                .filter(one_time_tokens::expires_at.gt(at)),
        )
        .set(one_time_tokens::expires_at.eq(at))
        .execute(conn)?;
        if withdrawn > 0 {
            AuditEvent::record(
                conn,
                Some(actor.id),
                "invitation.revoked",
                ("invitation", None),
                json!({"email": email.trim()}),
            )?;
        }
        Ok(withdrawn)
    })
}

/// A live one-time token of a purpose, or why it cannot be used.
pub fn live_token(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    plain: &str,
) -> Result<OneTimeToken, AppError> {
    let found =
        OneTimeToken::find(conn, purpose, &token::digest(plain))?.ok_or(AppError::NotFound)?;
    if found.is_live(now()) {
        Ok(found)
    } else if found.used_at.is_some() {
        Err(AppError::Gone("This link was already used.".into()))
    } else {
        Err(AppError::Gone("This link has expired.".into()))
    }
}

/// Accepts an invitation: creates the account and spends the link, once.
pub fn accept_invitation(
    conn: &mut DbConn,
    plain: &str,
    password_hash: &str,
) -> Result<User, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let invitation = live_token(conn, TokenPurpose::Invitation, plain)?;
        let at = now();
        if !OneTimeToken::consume(conn, invitation.id, at)? {
            return Err(AppError::Gone("This link was already used.".into()));
        }
        let email = invitation.email.unwrap_or_default();
        if User::find_by_email(conn, &email)?.is_some() {
            return Err(AppError::Conflict(
                "Someone with this email already has an account.".into(),
            ));
        }
        let user = User::create(
            conn,
            &UserInsertForm {
                email: &email,
                name: invitation.name.as_deref().unwrap_or(&email),
                role: invitation
                    .role
                    .as_deref()
                    .unwrap_or(Role::Interviewer.as_str()),
                password_hash: Some(password_hash),
                active: true,
                token_version: 0,
                created_at: at,
                updated_at: at,
            },
        )?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "invitation.accepted",
            ("user", Some(user.id)),
            json!({"invited_by": invitation.created_by, "role": user.role}),
        )?;
        Ok(user)
    })
}

/// Queues a reset link if the address belongs to an active account, and
/// says whether it did. Runs in the background (`reset_requests`), never on
/// the request path, so that the answer cannot reveal who has an account.
pub fn request_password_reset(
    conn: &mut DbConn,
    templates: &Templates,
    public_url: &str,
    email: &EmailAddress,
) -> Result<bool, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let Some(user) = User::find_by_email(conn, email.as_str())?.filter(|u| u.active) else {
            return Ok(false);
        };
        let at = now();
        diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::purpose.eq(TokenPurpose::PasswordReset.as_str()))
                .filter(one_time_tokens::user_id.eq(user.id))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::expires_at.eq(at))
        .execute(conn)?;
        let plain = token::generate();
        let token_id = OneTimeToken::create(
            conn,
            &OneTimeTokenInsertForm {
                purpose: TokenPurpose::PasswordReset.as_str(),
                token_hash: &token::digest(&plain),
                user_id: Some(user.id),
                email: Some(&user.email),
                name: Some(&user.name),
                role: None,
                created_by: None,
                expires_at: at + Duration::hours(RESET_LIFETIME_HOURS),
                created_at: at,
            },
        )?;
        let subject = "Reset your Loopwright password".to_owned();
        let context = json!({
            "app_name": "Loopwright",
            "subject": subject,
            "name": user.name,
            "link": format!("{public_url}/password-reset/{plain}"),
            "expires_hours": RESET_LIFETIME_HOURS,
        });
        let (text, html) = templates.render_email("password_reset", &context)?;
        mail::enqueue(
            conn,
            &NewEmail {
                idempotency_key: format!("password_reset:{token_id}"),
                kind: "password_reset",
                to_email: user.email.clone(),
                to_name: user.name.clone(),
                subject,
                text,
                html,
                attachments: Vec::new(),
                candidate_id: None,
            },
        )?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "password_reset.requested",
            ("user", Some(user.id)),
            json!({}),
        )?;
        Ok(true)
    })
}

/// Sets a new password from a reset link and signs the user out everywhere.
pub fn reset_password(
    conn: &mut DbConn,
    plain: &str,
    password_hash: &str,
) -> Result<User, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let reset = live_token(conn, TokenPurpose::PasswordReset, plain)?;
        let at = now();
        if !OneTimeToken::consume(conn, reset.id, at)? {
            return Err(AppError::Gone("This link was already used.".into()));
        }
        let user =
            User::find(conn, reset.user_id.unwrap_or_default())?.ok_or(AppError::NotFound)?;
        let user = User::update(
            conn,
            user.id,
            &UserUpdateForm {
                password_hash: Some(Some(password_hash)),
                token_version: Some(user.token_version + 1),
                updated_at: Some(at),
                ..Default::default()
            },
        )?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "password_reset.completed",
            ("user", Some(user.id)),
            json!({}),
        )?;
        Ok(user)
    })
}

/// What an admin may change about a person.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Applies an admin's changes. A role change or deactivation revokes every
/// token at once; the last active admin can be neither demoted nor deactivated.
pub fn update_user(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    changes: &UserChanges,
) -> Result<User, AppError> {
    access::require(actor, Action::ManageUsers)?;
    crate::db::write_transaction(conn, |conn| {
        let target = User::find(conn, id)?.ok_or(AppError::NotFound)?;
        let role_changes = changes.role.is_some_and(|r| r != target.role());
        let deactivates = changes.active == Some(false) && target.active;
        let loses_admin =
            target.role() == Role::Admin && target.active && (role_changes || deactivates);
        if loses_admin && User::count_active_admins(conn)? <= 1 {
            return Err(AppError::Conflict(
                "Loopwright needs at least one active admin: make someone else an admin first."
                    .into(),
            ));
        }
        let revoke = role_changes || deactivates;
        let updated = User::update(
            conn,
            id,
            &UserUpdateForm {
                name: changes.name.as_ref().map(PersonName::as_str),
                role: changes.role.map(Role::as_str),
                active: changes.active,
                token_version: revoke.then_some(target.token_version + 1),
                updated_at: Some(now()),
                ..Default::default()
            },
        )?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "user.updated",
            ("user", Some(id)),
            json!({
                "name": changes.name.as_ref().map(PersonName::as_str),
                "role": changes.role.map(Role::as_str),
                "active": changes.active,
            }),
        )?;
        Ok(updated)
    })
}

/// Signs a user out everywhere: every token they hold stops working.
pub fn revoke_sessions(conn: &mut DbConn, user: &User) -> QueryResult<()> {
    crate::auth::signed_in::changed(user.id);
    diesel::update(crate::db::schema::users::table.find(user.id))
        .set(crate::db::schema::users::token_version.eq(user.token_version + 1))
        .execute(conn)?;
    AuditEvent::record(
        conn,
        Some(user.id),
        "sign_out",
        ("user", Some(user.id)),
        json!({}),
    )
}

/// Creates an active user with a password chosen by an admin.
pub fn create_user(
    conn: &mut DbConn,
    actor: &User,
    name: &PersonName,
    email: &EmailAddress,
    role: Role,
    password_hash: &str,
) -> Result<User, AppError> {
    access::require(actor, Action::ManageUsers)?;
    crate::db::write_transaction(conn, |conn| {
        refuse_taken_email(conn, email)?;
        let at = now();
        let user = User::create(
            conn,
            &UserInsertForm::active(
                email.as_str(),
                name.as_str(),
                role.as_str(),
                password_hash,
                at,
            ),
        )?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "user.created",
            ("user", Some(user.id)),
            json!({"via": "api", "role": role.as_str()}),
        )?;
        Ok(user)
    })
}

/// One page of the team (by name) with its total, and the invitations not
/// yet accepted: the people page (`ManageUsers`).
pub fn team(
    conn: &mut DbConn,
    actor: &User,
    page: i64,
    per_page: i64,
) -> Result<(Vec<User>, i64, Vec<PendingInvitation>), AppError> {
    access::require(actor, Action::ManageUsers)?;
    let (users, total) = User::page(conn, page, per_page)?;
    Ok((users, total, pending_invitations(conn)?))
}

/// One page of users with the total (`ManageUsers`).
pub fn users_page(
    conn: &mut DbConn,
    actor: &User,
    page: i64,
    per_page: i64,
) -> Result<(Vec<User>, i64), AppError> {
    access::require(actor, Action::ManageUsers)?;
    Ok(User::page(conn, page, per_page)?)
}

/// One member of the team, to edit (`ManageUsers`).
pub fn member(conn: &mut DbConn, actor: &User, id: i64) -> Result<User, AppError> {
    access::require(actor, Action::ManageUsers)?;
    User::find(conn, id)?.ok_or(AppError::NotFound)
}

// ---- A person's own settings ---------------------------------------------

/// Sets the actor's own time zone (`None`: back to UTC). Anyone signed in
/// may change their own; it touches no one else's row, so no policy row.
///
/// Errors: database errors only (the zone was parsed by the caller).
pub fn set_own_time_zone(
    conn: &mut DbConn,
    actor: &User,
    zone: Option<chrono_tz::Tz>,
) -> Result<User, AppError> {
    Ok(User::update(
        conn,
        actor.id,
        &UserUpdateForm {
            time_zone: Some(zone.map(|z| z.name())),
            updated_at: Some(now()),
            ..Default::default()
        },
    )?)
}

/// At sign-in: the browser's zone becomes the person's when they have none
/// yet (a zone they chose is never overwritten). Answers whether it was set.
pub fn propose_time_zone(
    conn: &mut DbConn,
    user_id: i64,
    zone: chrono_tz::Tz,
) -> QueryResult<bool> {
    use crate::db::schema::users;
    crate::auth::signed_in::changed(user_id);
    let changed = diesel::update(
        users::table
            .filter(users::id.eq(user_id))
            .filter(users::time_zone.is_null()),
    )
    .set(users::time_zone.eq(zone.name()))
    .execute(conn)?;
    Ok(changed == 1)
}
