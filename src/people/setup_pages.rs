//! `/setup/{token}`: the first admin, from the link `serve` prints.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{csrf, password};
use crate::error::AppError;
use crate::people::setup::{self, FirstAdmin, LinkState};
use crate::web::{State, db, html, page_context};

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn show(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (csrf_token, cookie) = csrf::issue(&req);
    let st = state.clone();
    // The link's state read, and its page rendered, in one hop.
    let (status, body, usable) = db(&state, move |conn| {
        let link = setup::link_state(conn, &token)?;
        if link != LinkState::Usable {
            let (status, body) = unusable_body(&st, link)?;
            return Ok((status, body, false));
        }
        let body = form_body(&st, &token, &csrf_token, json!({}), &[])?;
        Ok((StatusCode::OK, body, true))
    })
    .await?;
    let mut response = html(status, body);
    if let Some(cookie) = cookie.filter(|_| usable) {
        response.add_cookie(&cookie).map_err(AppError::internal)?;
    }
    Ok(response)
}

pub async fn create(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let form = form.into_inner();
    csrf::verify(&req, &form.csrf_token)?;

    let (name, email, new_password) = match setup::parse_form(
        &form.name,
        &form.email,
        &form.password,
        &form.password_confirm,
    ) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let values = json!({"name": form.name, "email": form.email});
            return form_page(
                &state,
                &req,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                &errors,
            );
        }
    };
    let password_hash = state
        .hashing
        .run(move || password::hash(new_password.expose()))
        .await?
        .map_err(AppError::internal)?;
    let admin = FirstAdmin {
        name,
        email,
        password_hash,
    };
    let created = db(&state, move |conn| {
        setup::create_first_admin(conn, &token, &admin)
    })
    .await;
    match created {
        Ok(user) => {
            tracing::info!(
                user_id = user.id,
                "first admin created through the setup link"
            );
            let context = page_context(
                "Administrator created",
                None,
                json!({"admin_name": user.name}),
            );
            Ok(html(
                StatusCode::CREATED,
                state.templates.render_page("pages/setup_done", context)?,
            ))
        }
        Err(AppError::Gone(_)) => link_unusable(&state, LinkState::Spent),
        Err(AppError::NotFound) => link_unusable(&state, LinkState::Unknown),
        Err(e) => Err(e),
    }
}

fn link_unusable(state: &State, link: LinkState) -> Result<HttpResponse, AppError> {
    let (status, body) = unusable_body(state, link)?;
    Ok(html(status, body))
}

/// The page that says a setup link cannot be used, and its status.
fn unusable_body(state: &State, link: LinkState) -> Result<(StatusCode, String), AppError> {
    let status = match link {
        LinkState::Unknown => StatusCode::NOT_FOUND,
        _ => StatusCode::GONE,
    };
    let context = page_context("Setup link not valid", None, json!({}));
    Ok((
        status,
        state.templates.render_page("pages/setup_used", context)?,
    ))
}

fn form_page(
    state: &State,
    req: &HttpRequest,
    token: &str,
    status: StatusCode,
    values: Value,
    errors: &[(&'static str, String)],
) -> Result<HttpResponse, AppError> {
    let (csrf_token, cookie) = csrf::issue(req);
    let mut response = html(
        status,
        form_body(state, token, &csrf_token, values, errors)?,
    );
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(AppError::internal)?;
    }
    Ok(response)
}

/// The form that creates the first administrator.
fn form_body(
    state: &State,
    token: &str,
    csrf_token: &str,
    values: Value,
    errors: &[(&'static str, String)],
) -> Result<String, AppError> {
    let context = page_context(
        "Create the first administrator",
        Some(csrf_token),
        json!({
            "token": token,
            "values": values,
            "errors": errors.iter().map(|(f, m)| (f.to_string(), Value::from(m.as_str()))).collect::<serde_json::Map<_, _>>(),
            "error_list": errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect::<Vec<_>>(),
        }),
    );
    Ok(state.templates.render_page("pages/setup", context)?)
}
