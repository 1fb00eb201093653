//! "The current user": one extractor that every route needing a person uses.
//!
//! Scripts send `Authorization: Bearer <token>`; browsers send the session
//! cookie. A cookie-authenticated request that changes something under `/api`
//! must carry the session's CSRF token in `X-CSRF-Token`; bearer requests are
//! exempt (another site cannot make a browser send one).
//!
//! A bearer token starting `lwp_` is a personal access token (see
//! `people::tokens`): looked up by its hash, never a JWT. It keeps working
//! across sign-outs while its owner is active; a read token is refused
//! (403) on any method that changes something.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::session::{COOKIE, Claims};
use super::signed_in;
use super::token;
use crate::access::Action;
use crate::db::models::User;
use crate::domain::Role;
use crate::error::AppError;
use crate::people::tokens::{self, TokenScope};
use crate::web::{State, db};

pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Bearer,
    Cookie,
    /// A personal access token, read-only or read-write.
    AccessToken(TokenScope),
}

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub role: Role,
    pub claims: Claims,
    pub credential: Credential,
    /// The zone every time is shown in: the person's own, else UTC.
    pub zone: chrono_tz::Tz,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// A role-only action, asked of the one policy: 403 unless the role allows it.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        crate::access::require(&self.user, action)
    }
}

/// The current user if signed in; pages that anyone may see use this.
pub struct MaybeUser(pub Option<CurrentUser>);

fn presented(req: &HttpRequest) -> Option<(String, Credential)> {
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| (t.trim().to_owned(), Credential::Bearer));
    bearer.or_else(|| {
        req.cookie(COOKIE)
            .map(|c| (c.value().to_owned(), Credential::Cookie))
    })
}

/// The claims of the request's session cookie, checked for signature and
/// expiry only (no database): enough to know which CSRF token a form needs.
pub fn cookie_claims(req: &HttpRequest) -> Option<Claims> {
    // Already verified for this request: no second signature check.
    if let Some(known) = req.extensions().get::<CurrentUser>()
        && known.credential == Credential::Cookie
    {
        return Some(known.claims.clone());
    }
    let state = req.app_data::<State>()?;
    req.cookie(COOKIE)
        .and_then(|c| state.sessions.verify(c.value()))
}

/// The signed-in person making `req`, if any and still valid: for answers
/// given after the handler's own extractors failed (error pages).
pub async fn signed_in(req: &HttpRequest) -> Option<CurrentUser> {
    authenticate(req.clone()).await.ok().flatten()
}

/// The person making `req`, once per request: the first extractor verifies
/// the token and loads the user, later ones (and the error pages) read the
/// result from the request's extensions.
async fn authenticate(req: HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    if let Some(known) = req.extensions().get::<CurrentUser>() {
        return Ok(Some(known.clone()));
    }
    let Some((jwt, credential)) = presented(&req) else {
        return Ok(None);
    };
    let state = req
        .app_data::<State>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?
        .clone();
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if credential == Credential::Bearer && jwt.starts_with(tokens::PREFIX) {
        let current = by_access_token(&state, jwt).await?;
        if current.credential == Credential::AccessToken(TokenScope::Read) && unsafe_method {
            return Err(AppError::Forbidden(
                "This access token is read-only: it may only read (GET). Create a read-write token to change things.".into(),
            ));
        }
        req.extensions_mut().insert(current.clone());
        return Ok(Some(current));
    }
    let Some(claims) = state.sessions.verify(&jwt) else {
        return Err(AppError::Unauthorized);
    };
    let user_id = claims.user_id().ok_or(AppError::Unauthorized)?;
    // Known lately: no trip of its own; the handler's first trip confirms it.
    let user = match state.signed_in.get(user_id) {
        Some(known) => {
            signed_in::confirm_later(&known);
            Some(known)
        }
        None => {
            let loaded = db(&state, move |conn| Ok(User::find(conn, user_id)?)).await?;
            if let Some(user) = &loaded {
                state.signed_in.keep(user);
            }
            loaded
        }
    };
    let user = match user {
        Some(u) if u.active && u.token_version == claims.ver => u,
        _ => return Err(AppError::Unauthorized),
    };
    if credential == Credential::Cookie && unsafe_method && req.path().starts_with("/api/") {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !token::constant_time_eq(sent, &claims.csrf) {
            return Err(AppError::Forbidden(
                "Send the session's CSRF token in the X-CSRF-Token header.".into(),
            ));
        }
    }
    let role = user.role();
    let zone = crate::domain::when::zone_or_utc(user.time_zone.as_deref());
    let current = CurrentUser {
        user,
        role,
        claims,
        credential,
        zone,
    };
    req.extensions_mut().insert(current.clone());
    Ok(Some(current))
}

/// The owner of a personal access token, if the token is live and they
/// are active; 401 otherwise. The claims are made up for the request: no
/// session, so no CSRF token (the credential is never a cookie).
async fn by_access_token(state: &State, secret: String) -> Result<CurrentUser, AppError> {
    let at = crate::db::models::now();
    let found = db(state, move |conn| {
        Ok(tokens::authenticate(conn, &secret, at)?)
    })
    .await?;
    let (user, scope) = found.ok_or(AppError::Unauthorized)?;
    let claims = Claims {
        sub: user.id.to_string(),
        iat: at.and_utc().timestamp(),
        exp: at.and_utc().timestamp(),
        ver: user.token_version,
        csrf: String::new(),
    };
    Ok(CurrentUser {
        role: user.role(),
        zone: crate::domain::when::zone_or_utc(user.time_zone.as_deref()),
        user,
        claims,
        credential: Credential::AccessToken(scope),
    })
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await?.ok_or(AppError::Unauthorized) })
    }
}

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authenticate(req).await {
                Ok(user) => Ok(MaybeUser(user)),
                // A stale or revoked cookie on a public page: just signed out.
                Err(AppError::Unauthorized) => Ok(MaybeUser(None)),
                Err(e) => Err(e),
            }
        })
    }
}
