//! `GET /auth/oidc/start` and `GET /auth/oidc/callback`: the two ends of a
//! single sign-on. Both answer 404 when single sign-on is not configured.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{OidcProvider, ProviderError, Refusal};
use crate::auth::{MaybeUser, next};
use crate::db::models::now;
use crate::error::AppError;
use crate::web::{State, db, render, see_other, session_cookie};

/// Holds the state of the sign-in this browser started, so that a callback
/// carrying another browser's state (login CSRF) is refused.
const FLOW_COOKIE: &str = "lw_sso";
const FLOW_COOKIE_PATH: &str = "/auth/oidc";

/// Its routes, for the one route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/oidc/start", web::get().to(start))
        .route("/auth/oidc/callback", web::get().to(callback));
}

/// What the sign-in page offers: `{"password_login": bool, "sso": {"name"}|null}`.
pub fn sign_in_options(state: &crate::web::AppState) -> serde_json::Value {
    json!({
        "password_login": state.config.sign_in.password,
        "sso": state.oidc.as_ref().map(|o| json!({"name": o.settings.name})),
    })
}

/// Calls to the identity provider at once, at most; more wait their turn.
/// Each may take the HTTP timeout (10 s) several times over.
static PROVIDER_CALLS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(16);

/// Runs `call` (blocking HTTP to the identity provider, which may take
/// seconds) on a thread of its own, at most [`PROVIDER_CALLS`] at once.
async fn at_the_provider<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    // The semaphore is never closed, so acquiring only waits.
    let _turn = PROVIDER_CALLS.acquire().await.ok();
    crate::web::on_own_thread("oidc-call", call).await
}

fn provider(state: &State) -> Result<std::sync::Arc<OidcProvider>, AppError> {
    state.oidc.clone().ok_or(AppError::NotFound)
}

fn flow_cookie(state: &State, value: String, max_age_secs: i64) -> Cookie<'static> {
    let mut cookie = Cookie::build(FLOW_COOKIE, value)
        .path(FLOW_COOKIE_PATH)
        .http_only(true)
        .secure(state.secure_cookies)
        // Lax: the provider sends the person back with a top-level GET.
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish();
    if max_age_secs == 0 {
        cookie.make_removal();
    }
    cookie
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

/// Sends the browser to the provider, having recorded the state, nonce and
/// PKCE verifier it must come back with.
pub async fn start(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
    q: web::Query<StartQuery>,
) -> Result<HttpResponse, AppError> {
    let oidc = provider(&state)?;
    let next = next::same_origin_path(&state.public_url, &q.next).unwrap_or_default();
    if let Some(user) = user.0 {
        let home = user.role.home_path();
        return Ok(see_other(if next.is_empty() { home } else { &next }));
    }
    let begun = {
        let oidc = oidc.clone();
        at_the_provider(move || oidc.authorize()).await?
    };
    let auth = match begun {
        Ok(auth) => auth,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: provider unreachable at start");
            let issuer = oidc.settings.issuer.clone();
            db(&state, move |conn| {
                Ok(super::record_refusal(
                    conn,
                    &Refusal::ProviderUnreachable,
                    &issuer,
                    None,
                    None,
                )?)
            })
            .await?;
            return refused(&state, &req, &oidc, &Refusal::ProviderUnreachable);
        }
    };
    let url = auth.url.clone();
    let cookie_value = auth.state.clone();
    db(&state, move |conn| {
        Ok(super::begin_flow(conn, &auth, &next, now())?)
    })
    .await?;
    let mut response = see_other(&url);
    response
        .add_cookie(&flow_cookie(
            &state,
            cookie_value,
            super::FLOW_LIFETIME_MINUTES * 60,
        ))
        .map_err(AppError::internal)?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    /// The issuer of the answer (RFC 9207), when the provider says.
    #[serde(default)]
    iss: String,
}

/// The provider sends the person back here with a code (or an error).
pub async fn callback(
    state: State,
    req: HttpRequest,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let oidc = provider(&state)?;
    let q = q.into_inner();
    let issuer = oidc.settings.issuer.clone();
    let outcome = finish(&state, &req, &oidc, q).await?;
    let mut response = match outcome {
        Ok((user, next)) => {
            tracing::info!(user_id = user.id, "single sign-on succeeded");
            let (jwt, _) = state
                .sessions
                .issue(user.id, user.token_version)
                .map_err(AppError::internal)?;
            let home = user.role().home_path();
            let mut response = see_other(if next.is_empty() { home } else { &next });
            response
                .add_cookie(&session_cookie(&state, jwt))
                .map_err(AppError::internal)?;
            response
        }
        Err((refusal, recorded)) => {
            tracing::info!(reason = refusal.code(), "single sign-on refused");
            if !recorded {
                let r = refusal.clone();
                db(&state, move |conn| {
                    Ok(super::record_refusal(conn, &r, &issuer, None, None)?)
                })
                .await?;
            }
            refused(&state, &req, &oidc, &refusal)?
        }
    };
    response
        .add_cookie(&flow_cookie(&state, String::new(), 0))
        .map_err(AppError::internal)?;
    Ok(response)
}

/// The signed-in user and where they go, or the refusal and whether it is
/// already in the audit log.
type Outcome = Result<(crate::db::models::User, String), (Refusal, bool)>;

async fn finish(
    state: &State,
    req: &HttpRequest,
    oidc: &std::sync::Arc<OidcProvider>,
    q: CallbackQuery,
) -> Result<Outcome, AppError> {
    let same_browser = req
        .cookie(FLOW_COOKIE)
        .is_some_and(|c| !q.state.is_empty() && c.value() == q.state);
    // Taken (and so spent) whatever happens next.
    let flow = {
        let state_param = q.state.clone();
        db(state, move |conn| {
            Ok(super::take_flow(conn, &state_param, now())?)
        })
        .await?
    };
    let Some(flow) = flow.filter(|_| same_browser) else {
        return Ok(Err((Refusal::UnknownState, false)));
    };
    if !q.iss.is_empty() && q.iss != oidc.settings.issuer {
        // An answer from another provider than the one this sign-in went
        // to (a mix-up): its code is not exchanged here.
        return Ok(Err((Refusal::InvalidToken, false)));
    }
    if !q.error.is_empty() {
        let reason = if q.error_description.is_empty() {
            q.error
        } else {
            q.error_description
        };
        let reason: String = reason.chars().take(200).collect();
        return Ok(Err((Refusal::ProviderSaidNo(reason), false)));
    }
    if q.code.is_empty() {
        return Ok(Err((Refusal::CodeRefused, false)));
    }
    let identity = {
        let oidc = oidc.clone();
        at_the_provider(move || oidc.finish(&q.code, &flow.pkce_verifier, &flow.nonce)).await?
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: no valid identity");
            let refusal = match e {
                ProviderError::Unreachable(_) => Refusal::ProviderUnreachable,
                ProviderError::CodeRefused(_) => Refusal::CodeRefused,
                ProviderError::InvalidToken(_) => Refusal::InvalidToken,
            };
            return Ok(Err((refusal, false)));
        }
    };
    let settings = oidc.settings.clone();
    let account = db(state, move |conn| {
        Ok(super::account_for(conn, &settings, &identity, now())?)
    })
    .await?;
    Ok(account
        .map(|user| (user, flow.next))
        .map_err(|refusal| (refusal, true)))
}

fn refused(
    state: &State,
    req: &HttpRequest,
    oidc: &OidcProvider,
    refusal: &Refusal,
) -> Result<HttpResponse, AppError> {
    let (heading, message) = refusal.explain(&oidc.settings.name);
    let status =
        StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    render(
        state,
        req,
        None,
        status,
        "pages/message",
        heading,
        json!({
            "heading": heading,
            "message": message,
            "link": {"href": "/login", "label": "Back to sign-in"},
            "hide_sign_in": true,
        }),
    )
}
