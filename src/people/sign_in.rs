//! Signing in and out, and password resets: the pages and what the API
//! shares with them (`sign_in_api` has the API's handlers).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{MaybeUser, next, password};
use crate::db::models::{TokenPurpose, User, now};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::people::{accounts, reset_requests, throttle};
use crate::web::extract::CsrfForm;
use crate::web::{
    Chosen, State, clear_session_cookie, client_ip, db, flash_cookie, form_errors, merge, render,
    render_chosen, render_off_worker, see_other, session_cookie,
};

/// Signs in by email and password, throttled per account and per address
/// (`throttle`): a throttled attempt is not checked at all.
/// Returns the session token and the user.
pub(super) async fn sign_in(
    state: &State,
    email: &str,
    password: String,
    ip: String,
) -> Result<(String, User), AppError> {
    if !state.config.sign_in.password {
        return Err(AppError::Forbidden(
            "Password sign-in is turned off: use single sign-on.".into(),
        ));
    }
    let key = accounts::sign_in_key(email);
    // A slot for the hash before the attempt is written down: one turned
    // away for load is then not counted as a failed guess.
    let slot = state.hashing.ticket()?.wait_turn().await?;
    let lookup = {
        let (key, ip) = (key.clone(), ip.clone());
        db(state, move |conn| {
            Ok(throttle::begin_sign_in(conn, &key, &ip, now())?)
        })
        .await?
    };
    if let Some(retry_after_secs) = lookup.retry_after {
        tracing::warn!(email = %key, %ip, "sign-in throttled");
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let user = lookup.user;
    let (ok, user) = slot
        .run(move || (accounts::password_matches(user.as_ref(), &password), user))
        .await?;
    {
        let (key, ip, user) = (key.clone(), ip.clone(), user.clone());
        db(state, move |conn| {
            Ok(throttle::finish_sign_in(
                conn,
                &key,
                &ip,
                user.as_ref(),
                ok,
            )?)
        })
        .await?;
    }
    match user {
        Some(user) if ok => {
            tracing::info!(user_id = user.id, %ip, "sign-in succeeded");
            let (jwt, _) = state
                .sessions
                .issue(user.id, user.token_version)
                .map_err(AppError::internal)?;
            Ok((jwt, user))
        }
        _ => {
            tracing::info!(email = %key, %ip, "sign-in failed");
            Err(AppError::BadCredentials)
        }
    }
}

/// Where a signed-in person goes: `next` when it stays on this site, else
/// their home page.
fn after_sign_in(state: &State, next: &str, home: &str) -> String {
    next::same_origin_path(&state.public_url, next).unwrap_or_else(|| home.to_owned())
}

/// The browser proposes a zone (`static/time_zone.js`) for someone who has
/// none; one that is not an IANA name is ignored (they see UTC and can
/// choose on /account), and a zone already chosen is never replaced.
pub(super) async fn adopt_browser_zone(
    state: &State,
    user: &User,
    proposed: &str,
) -> Result<(), AppError> {
    let proposed = crate::domain::when::parse_zone(proposed).ok();
    if let Some(zone) = proposed.filter(|_| user.time_zone.is_none()) {
        let id = user.id;
        db(state, move |conn| {
            Ok(accounts::propose_time_zone(conn, id, zone)?)
        })
        .await?;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_page(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = user.0 {
        return Ok(see_other(&after_sign_in(
            &state,
            &q.next,
            user.role.home_path(),
        )));
    }
    let extra = merge(
        json!({"next": q.next, "hide_sign_in": true}),
        crate::auth::oidc::pages::sign_in_options(&state),
    );
    render_off_worker(
        &state,
        &req,
        None,
        StatusCode::OK,
        "pages/login",
        move || Ok(("Sign in".to_owned(), extra)),
    )
    .await
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// The browser's IANA zone, filled by `static/time_zone.js`.
    #[serde(default)]
    time_zone: String,
}

pub async fn login_form(
    state: State,
    req: HttpRequest,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.0;
    let again = |status: StatusCode, field: &'static str, message: String| {
        let extra = merge(
            merge(
                json!({"next": form.next, "values": {"email": form.email}, "hide_sign_in": true}),
                form_errors(&[(field, message)]),
            ),
            crate::auth::oidc::pages::sign_in_options(&state),
        );
        render(&state, &req, None, status, "pages/login", "Sign in", extra)
    };
    if form.email.trim().is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
            "Enter your email address.".into(),
        );
    }
    match sign_in(&state, &form.email, form.password.clone(), client_ip(&req)).await {
        Ok((jwt, user)) => {
            adopt_browser_zone(&state, &user, &form.time_zone).await?;
            let mut response =
                see_other(&after_sign_in(&state, &form.next, user.role().home_path()));
            response
                .add_cookie(&session_cookie(&state, jwt))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Err(AppError::BadCredentials) => again(
            StatusCode::UNAUTHORIZED,
            "password",
            AppError::BadCredentials.to_string(),
        ),
        Err(
            e @ (AppError::TooManyRequests { retry_after_secs }
            | AppError::Busy { retry_after_secs }),
        ) => {
            let mut response = again(StatusCode::TOO_MANY_REQUESTS, "password", e.to_string())?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

/// Sign-out ends every session of the user, not only this browser's.
pub async fn logout_form(
    state: State,
    user: MaybeUser,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = user.0 {
        db(&state, move |conn| {
            Ok(accounts::revoke_sessions(conn, &user.user)?)
        })
        .await?;
    }
    let mut response = see_other("/login");
    response
        .add_cookie(&clear_session_cookie())
        .map_err(AppError::internal)?;
    response
        .add_cookie(&flash_cookie("success", "You are signed out."))
        .map_err(AppError::internal)?;
    Ok(response)
}

pub(super) const RESET_SENT: &str = "If that address belongs to an account, we sent it a link to choose a new password. The link works once and expires in 2 hours.";

pub async fn reset_request_page(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, AppError> {
    render_off_worker(
        &state,
        &req,
        user.0.as_ref(),
        StatusCode::OK,
        "pages/password_reset_request",
        || Ok(("Reset your password".to_owned(), json!({}))),
    )
    .await
}

#[derive(Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

const RESET_THROTTLED: &str = "You asked for several links to this address, or from this connection, in a short time. If the address belongs to an account, the newest link we sent works; you can ask again later.";

/// Records a reset request (the same way for every address, see
/// `reset_requests`) and wakes its handler; `Some(seconds)` when a limit
/// was reached and nothing was recorded.
pub(super) async fn request_reset(
    state: &State,
    email: EmailAddress,
    ip: String,
) -> Result<Option<u64>, AppError> {
    let retry_after = db(state, move |conn| {
        Ok(reset_requests::record(conn, &email, &ip, now())?)
    })
    .await?;
    if retry_after.is_none() {
        reset_requests::wake();
    }
    Ok(retry_after)
}

pub async fn reset_request_form(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
    form: CsrfForm<ResetRequestForm>,
) -> Result<HttpResponse, AppError> {
    let email = match EmailAddress::parse(&form.0.email) {
        Ok(email) => email,
        Err(e) => {
            let extra = merge(
                json!({"values": {"email": form.0.email}}),
                form_errors(&[("email", e.0)]),
            );
            return render_off_worker(
                &state,
                &req,
                user.0.as_ref(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/password_reset_request",
                move || Ok(("Reset your password".to_owned(), extra)),
            )
            .await;
        }
    };
    if let Some(retry_after_secs) = request_reset(&state, email, client_ip(&req)).await? {
        let mut response = render(
            &state,
            &req,
            user.0.as_ref(),
            StatusCode::TOO_MANY_REQUESTS,
            "pages/message",
            "Too many requests",
            json!({"heading": "Too many requests", "message": RESET_THROTTLED}),
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after_secs.into());
        return Ok(response);
    }
    render(
        &state,
        &req,
        user.0.as_ref(),
        StatusCode::OK,
        "pages/message",
        "Check your email",
        json!({"heading": "Check your email", "message": RESET_SENT}),
    )
}

/// The message for a reset link that cannot be used; other errors are the
/// answer as they are.
fn link_problem(e: AppError) -> Result<Chosen, AppError> {
    let (status, message) = match &e {
        AppError::Gone(m) => (StatusCode::GONE, m.clone()),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "This link is not valid. Check that you copied all of it.".to_owned(),
        ),
        _ => return Err(e),
    };
    Chosen::page(
        status,
        "pages/message",
        "Link not valid",
        &json!({"heading": "This link cannot be used", "message": message, "link": {"href": "/password-reset", "label": "Ask for a new link"}}),
    )
}

pub async fn reset_page(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    render_chosen(
        &state,
        &req,
        user.0.as_ref(),
        move |conn| match accounts::live_token(conn, TokenPurpose::PasswordReset, &plain) {
            Ok(_) => Chosen::page(
                StatusCode::OK,
                "pages/password_reset",
                "Choose a new password",
                &json!({"token": plain}),
            ),
            Err(e) => link_problem(e),
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    /// The browser's IANA zone, where the form has `static/time_zone.js`.
    #[serde(default)]
    pub time_zone: String,
}

/// Checks a new password (and its confirmation, when a form has one).
pub fn check_new_password(
    password: &str,
    confirm: Option<&str>,
    email: &str,
) -> Result<NewPassword, Vec<(&'static str, String)>> {
    let email = EmailAddress::parse(email).ok();
    let parsed =
        NewPassword::parse(password, email.as_ref()).map_err(|e| vec![("password", e.0)])?;
    if confirm.is_some_and(|c| c != password) {
        return Err(vec![(
            "password_confirm",
            "The two passwords differ.".into(),
        )]);
    }
    Ok(parsed)
}

/// For a one-time link that sets a password (invitation, reset): checks the
/// link is live and the password against the link's email, then hashes it
/// off the executor. `Ok(Err(..))` carries what is wrong with the password.
pub async fn password_for_link(
    state: &State,
    purpose: TokenPurpose,
    plain: &str,
    password: &str,
    confirm: Option<&str>,
) -> Result<Result<String, Vec<(&'static str, String)>>, AppError> {
    let check = plain.to_owned();
    let token = db(state, move |conn| {
        accounts::live_token(conn, purpose, &check)
    })
    .await?;
    let new_password = match check_new_password(
        password,
        confirm,
        token.email.as_deref().unwrap_or_default(),
    ) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let hash = state
        .hashing
        .run(move || password::hash(new_password.expose()))
        .await?
        .map_err(AppError::internal)?;
    Ok(Ok(hash))
}

/// Sets a new password from a reset link; returns the user.
pub(super) async fn reset(
    state: &State,
    plain: String,
    password: &str,
    confirm: Option<&str>,
) -> Result<Result<User, Vec<(&'static str, String)>>, AppError> {
    let hash = match password_for_link(
        state,
        TokenPurpose::PasswordReset,
        &plain,
        password,
        confirm,
    )
    .await?
    {
        Ok(hash) => hash,
        Err(errors) => return Ok(Err(errors)),
    };
    let user = db(state, move |conn| {
        accounts::reset_password(conn, &plain, &hash)
    })
    .await?;
    Ok(Ok(user))
}

pub async fn reset_form(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
    token: web::Path<String>,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    match reset(
        &state,
        plain.clone(),
        &form.0.password,
        Some(&form.0.password_confirm),
    )
    .await
    {
        Ok(Ok(_)) => {
            let mut response = render(
                &state,
                &req,
                None,
                StatusCode::OK,
                "pages/message",
                "Password changed",
                json!({
                    "heading": "Password changed",
                    "message": "Your new password is set and you are signed out everywhere. Sign in with the new password.",
                    "link": {"href": "/login", "label": "Sign in"},
                }),
            )?;
            response
                .add_cookie(&clear_session_cookie())
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Ok(Err(errors)) => render(
            &state,
            &req,
            user.0.as_ref(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages/password_reset",
            "Choose a new password",
            merge(json!({"token": plain}), form_errors(&errors)),
        ),
        Err(e) => {
            // After the trips that found the link unusable: rendered here
            // rather than in a trip of its own.
            let page = link_problem(e)?;
            let user = user.0.as_ref();
            render(
                &state,
                &req,
                user,
                page.status,
                page.template,
                &page.title,
                page.context,
            )
        }
    }
}
