//! Single sign-on with OpenID Connect: the sign-ins under way, and which
//! account a provider's identity signs in to (docs/sso.md).
//!
//! Account rules, in order:
//! 1. an identity (issuer + subject) already linked signs in to its account;
//! 2. else an account with the same (verified) email is linked to it;
//! 3. else a pending invitation for the email is accepted (its role);
//! 4. else, unless invitations are required, a person of an allowed domain
//!    gets an account with the configured role;
//! 5. else the sign-in is refused.
//!
//! A deactivated account is refused at 1 and 2. The provider never changes
//! an existing account's role. Every outcome is an audit row.

pub mod pages;
pub mod provider;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::auth::token;
use crate::config::OidcSettings;
use crate::db::DbConn;
use crate::db::models::{AuditEvent, OneTimeToken, TokenPurpose, User, UserInsertForm};
use crate::db::schema::{one_time_tokens, sso_flows, sso_identities};
use crate::domain::{EmailAddress, PersonName};
pub use provider::{Authorization, Identity, OidcProvider, ProviderError};

/// How long the person has at the provider before the sign-in must restart.
pub const FLOW_LIFETIME_MINUTES: i64 = 10;

/// What a sign-in under way must match when the provider sends the person back.
#[derive(Debug, Clone, Queryable)]
pub struct Flow {
    pub id: i64,
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after signing in (a same-site path, or empty).
    pub next: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Records a sign-in under way (the state by its digest only), and clears
/// those that ran out.
pub fn begin_flow(
    conn: &mut DbConn,
    auth: &Authorization,
    next: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(sso_flows::table.filter(sso_flows::expires_at.le(at))).execute(conn)?;
    diesel::insert_into(sso_flows::table)
        .values((
            sso_flows::state_hash.eq(token::digest(&auth.state)),
            sso_flows::nonce.eq(&auth.nonce),
            sso_flows::pkce_verifier.eq(&auth.pkce_verifier),
            sso_flows::next.eq(next),
            sso_flows::created_at.eq(at),
            sso_flows::expires_at.eq(at + Duration::minutes(FLOW_LIFETIME_MINUTES)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the sign-in under way that `state` names: deleted as it is read,
/// so a state, and the code that came back with it, are used once.
/// `None` when no live sign-in has that state.
pub fn take_flow(conn: &mut DbConn, state: &str, at: NaiveDateTime) -> QueryResult<Option<Flow>> {
    let taken: Option<Flow> =
        diesel::delete(sso_flows::table.filter(sso_flows::state_hash.eq(token::digest(state))))
            .returning(sso_flows::all_columns)
            .get_result(conn)
            .optional()?;
    Ok(taken.filter(|flow| flow.expires_at > at))
}

/// Why a single sign-on did not sign anyone in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    ProviderUnreachable,
    /// The callback matches no sign-in started in this browser (wrong,
    /// expired or already used state).
    UnknownState,
    /// The provider answered with an error instead of a code.
    ProviderSaidNo(String),
    /// The token endpoint refused the code (e.g. used twice).
    CodeRefused,
    /// The ID token failed validation.
    InvalidToken,
    EmailMissing,
    EmailNotVerified,
    /// No account, no invitation, and the domain gets no accounts.
    DomainNotAllowed(String),
    /// No account and no invitation, and only invited people get one.
    NotInvited,
    Deactivated,
    /// The account is linked to another identity at this provider.
    LinkedToAnother,
}

impl Refusal {
    /// A short code for the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::ProviderUnreachable => "provider_unreachable",
            Refusal::UnknownState => "unknown_state",
            Refusal::ProviderSaidNo(_) => "provider_error",
            Refusal::CodeRefused => "code_refused",
            Refusal::InvalidToken => "invalid_token",
            Refusal::EmailMissing => "email_missing",
            Refusal::EmailNotVerified => "email_not_verified",
            Refusal::DomainNotAllowed(_) => "domain_not_allowed",
            Refusal::NotInvited => "not_invited",
            Refusal::Deactivated => "deactivated",
            Refusal::LinkedToAnother => "linked_to_another",
        }
    }

    /// The HTTP status of its page.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::ProviderUnreachable => 503,
            Refusal::UnknownState | Refusal::ProviderSaidNo(_) | Refusal::CodeRefused => 400,
            Refusal::InvalidToken => 401,
            _ => 403,
        }
    }

    /// The page's heading and message, in the person's terms.
    pub fn explain(&self, provider_name: &str) -> (&'static str, String) {
        match self {
            Refusal::ProviderUnreachable => (
                "The sign-in service is unreachable",
                format!("Loopwright could not reach {provider_name}. Try again in a few minutes; if it keeps happening, tell your administrator."),
            ),
            Refusal::UnknownState => (
                "This sign-in has expired",
                "This sign-in was not started in this browser, took too long, or was already used. Start again from the sign-in page.".into(),
            ),
            Refusal::ProviderSaidNo(reason) => (
                "The sign-in was not completed",
                format!("{provider_name} did not sign you in ({reason}). Start again from the sign-in page."),
            ),
            Refusal::CodeRefused => (
                "The sign-in was not completed",
                format!("{provider_name} did not confirm this sign-in. Start again from the sign-in page."),
            ),
            Refusal::InvalidToken => (
                "The sign-in could not be verified",
                format!("The answer from {provider_name} could not be verified, so you are not signed in. Start again; if it keeps happening, tell your administrator."),
            ),
            Refusal::EmailMissing => (
                "No email address",
                format!("{provider_name} did not tell Loopwright your email address. Ask your administrator to allow the email scope for Loopwright."),
            ),
            Refusal::EmailNotVerified => (
                "Your email address is not verified",
                format!("{provider_name} has not verified your email address, so Loopwright cannot tell that the account is yours. Verify it there, then sign in again."),
            ),
            Refusal::DomainNotAllowed(domain) => (
                "This email domain is not allowed",
                format!("People with an address at {domain} do not get a Loopwright account automatically. Ask an administrator to invite you."),
            ),
            Refusal::NotInvited => (
                "You have not been invited",
                "Loopwright accounts are by invitation. Ask an administrator to invite you, then sign in again.".into(),
            ),
            Refusal::Deactivated => (
                "Your account is deactivated",
                "Your Loopwright account is deactivated. If you should still have access, ask an administrator to reactivate it.".into(),
            ),
            Refusal::LinkedToAnother => (
                "Your account is linked to another sign-in",
                format!("Your Loopwright account is already linked to another {provider_name} identity. Ask an administrator for help."),
            ),
        }
    }
}

/// Records a refusal that happened before any account was looked at.
pub fn record_refusal(
    conn: &mut DbConn,
    refusal: &Refusal,
    issuer: &str,
    email: Option<&str>,
    user_id: Option<i64>,
) -> QueryResult<()> {
    AuditEvent::record(
        conn,
        user_id,
        "sso.refused",
        ("user", user_id),
        json!({"reason": refusal.code(), "issuer": issuer, "email": email}),
    )
}

/// Finds or makes the account `identity` signs in to, by the rules at the
/// top of this module, in one transaction with its audit rows. A refusal
/// is recorded too and returned as `Ok(Err(..))`.
pub fn account_for(
    conn: &mut DbConn,
    settings: &OidcSettings,
    identity: &Identity,
    at: NaiveDateTime,
) -> QueryResult<Result<User, Refusal>> {
    let email = match identity.email.as_deref().map(EmailAddress::parse) {
        None | Some(Err(_)) => Err(Refusal::EmailMissing),
        Some(Ok(_)) if !identity.email_verified => Err(Refusal::EmailNotVerified),
        Some(Ok(email)) => Ok(email),
    };
    let email = match email {
        Ok(email) => email,
        Err(refusal) => {
            record_refusal(
                conn,
                &refusal,
                &identity.issuer,
                identity.email.as_deref(),
                None,
            )?;
            return Ok(Err(refusal));
        }
    };
    crate::db::write_transaction(conn, |conn| {
        let outcome = resolve(conn, settings, identity, &email, at)?;
        match &outcome {
            Ok(user) => AuditEvent::record(
                conn,
                Some(user.id),
                "sso.sign_in",
                ("user", Some(user.id)),
                json!({"issuer": identity.issuer, "email": email.as_str()}),
            )?,
            Err(refusal) => {
                let known = User::find_by_email(conn, email.as_str())?.map(|u| u.id);
                record_refusal(conn, refusal, &identity.issuer, Some(email.as_str()), known)?
            }
        }
        Ok(outcome)
    })
}

fn resolve(
    conn: &mut DbConn,
    settings: &OidcSettings,
    identity: &Identity,
    email: &EmailAddress,
    at: NaiveDateTime,
) -> QueryResult<Result<User, Refusal>> {
    let linked: Option<i64> = sso_identities::table
        .filter(sso_identities::issuer.eq(&identity.issuer))
        .filter(sso_identities::subject.eq(&identity.subject))
        .select(sso_identities::user_id)
        .first(conn)
        .optional()?;
    if let Some(user) = linked.map(|id| User::find(conn, id)).transpose()?.flatten() {
        if !user.active {
            return Ok(Err(Refusal::Deactivated));
        }
        diesel::update(
            sso_identities::table
                .filter(sso_identities::issuer.eq(&identity.issuer))
                .filter(sso_identities::subject.eq(&identity.subject)),
        )
        .set((
            sso_identities::last_sign_in_at.eq(at),
            sso_identities::email.eq(email.as_str()),
        ))
        .execute(conn)?;
        return Ok(Ok(user));
    }

    if let Some(user) = User::find_by_email(conn, email.as_str())? {
        if !user.active {
            return Ok(Err(Refusal::Deactivated));
        }
        let other: i64 = sso_identities::table
            .filter(sso_identities::user_id.eq(user.id))
            .filter(sso_identities::issuer.eq(&identity.issuer))
            .count()
            .get_result(conn)?;
        if other > 0 {
            return Ok(Err(Refusal::LinkedToAnother));
        }
        link(conn, &user, identity, email, at, "existing account")?;
        return Ok(Ok(user));
    }

    let invitation: Option<OneTimeToken> = one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(TokenPurpose::Invitation.as_str()))
        .filter(one_time_tokens::email.eq(email.as_str()))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(at))
        .order(one_time_tokens::id.desc())
        .select(OneTimeToken::as_select())
        .first(conn)
        .optional()?;
    if let Some(invitation) = invitation {
        OneTimeToken::consume(conn, invitation.id, at)?;
        let role = invitation
            .role
            .clone()
            .unwrap_or_else(|| settings.role.as_str().to_owned());
        let name = invitation
            .name
            .clone()
            .unwrap_or_else(|| display_name(identity, email));
        let user = create(conn, email, &name, &role, at)?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "invitation.accepted",
            ("user", Some(user.id)),
            json!({"invited_by": invitation.created_by, "role": user.role, "via": "sso"}),
        )?;
        link(conn, &user, identity, email, at, "invitation")?;
        return Ok(Ok(user));
    }

    if settings.invited_only {
        return Ok(Err(Refusal::NotInvited));
    }
    let domain = email.as_str().rsplit('@').next().unwrap_or_default();
    if !settings.domains.iter().any(|d| d == domain) {
        return Ok(Err(Refusal::DomainNotAllowed(domain.to_owned())));
    }
    let user = create(
        conn,
        email,
        &display_name(identity, email),
        settings.role.as_str(),
        at,
    )?;
    AuditEvent::record(
        conn,
        None,
        "user.created",
        ("user", Some(user.id)),
        json!({"via": "sso", "role": user.role, "issuer": identity.issuer}),
    )?;
    link(conn, &user, identity, email, at, "new account")?;
    Ok(Ok(user))
}

/// The provider's name for the person when it is a usable one, else the email.
fn display_name(identity: &Identity, email: &EmailAddress) -> String {
    identity
        .name
        .as_deref()
        .and_then(|n| PersonName::parse(n).ok())
        .map_or_else(|| email.as_str().to_owned(), |n| n.as_str().to_owned())
}

/// An account for single sign-on only: no password.
fn create(
    conn: &mut DbConn,
    email: &EmailAddress,
    name: &str,
    role: &str,
    at: NaiveDateTime,
) -> QueryResult<User> {
    User::create(
        conn,
        &UserInsertForm {
            email: email.as_str(),
            name,
            role,
            password_hash: None,
            active: true,
            token_version: 0,
            created_at: at,
            updated_at: at,
        },
    )
}

fn link(
    conn: &mut DbConn,
    user: &User,
    identity: &Identity,
    email: &EmailAddress,
    at: NaiveDateTime,
    how: &str,
) -> QueryResult<()> {
    diesel::insert_into(sso_identities::table)
        .values((
            sso_identities::user_id.eq(user.id),
            sso_identities::issuer.eq(&identity.issuer),
            sso_identities::subject.eq(&identity.subject),
            sso_identities::email.eq(email.as_str()),
            sso_identities::created_at.eq(at),
            sso_identities::last_sign_in_at.eq(at),
        ))
        .execute(conn)?;
    AuditEvent::record(
        conn,
        Some(user.id),
        "sso.linked",
        ("user", Some(user.id)),
        json!({"issuer": identity.issuer, "subject": identity.subject, "to": how}),
    )
}
