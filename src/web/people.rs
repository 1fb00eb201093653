//! People (admin only): the list, invitations, role and access changes; and
//! accepting an invitation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::account::{NewPasswordForm, check_new_password, password_for_link};
use super::extract::{ApiJson, CsrfForm};
use super::{
    PageQuery, State, api_field_errors, db, form_errors, merge, redirect_with_flash, render,
    session_cookie,
};
use crate::access::Action;
use crate::accounts::{self, UserChanges};
use crate::auth::{CurrentUser, password};
use crate::db::models::{TokenPurpose, User};
use crate::domain::{EmailAddress, PersonName, Role};
use crate::error::AppError;

fn role_options(selected: Option<&str>) -> Value {
    Role::ALL
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": r.label(), "selected": Some(r.as_str()) == selected}))
        .collect()
}

fn user_row(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "role": u.role,
        "role_label": u.role().label(),
        "active": u.active,
        "created_on": u.created_at.format("%-d %b %Y").to_string(),
    })
}

/// The people page, with whatever the invite form needs to show again.
async fn people_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    q: &PageQuery,
    status: StatusCode,
    form: Value,
) -> Result<HttpResponse, AppError> {
    let (page, per_page) = (q.page(), q.per_page());
    let (users, total, invitations) = db(state, move |conn| {
        let (users, total) = User::page(conn, page, per_page)?;
        Ok((users, total, accounts::pending_invitations(conn)?))
    })
    .await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let url = |p: i64| format!("/users?page={p}&per_page={per_page}");
    let selected = form["values"]["role"]
        .as_str()
        .unwrap_or("interviewer")
        .to_owned();
    let extra = merge(
        json!({
            "users": users.iter().map(user_row).collect::<Vec<_>>(),
            "pagination": {
                "page": page, "pages": pages, "total": total,
                "prev_url": (page > 1).then(|| url(page - 1)),
                "next_url": (page < pages).then(|| url(page + 1)),
            },
            "invitations": invitations.iter().map(|i| json!({
                "email": i.email, "name": i.name,
                "role_label": i.role.parse::<Role>().map(Role::label).unwrap_or(""),
                "expires_on": i.expires_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            })).collect::<Vec<_>>(),
            "roles": role_options(Some(&selected)),
        }),
        form,
    );
    render(state, req, Some(me), status, "pages/users", "People", extra)
}

pub async fn list_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    people_page(&state, &req, &me, &q, StatusCode::OK, json!({})).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

type Invitee = (PersonName, EmailAddress, Role);

fn parse_invitee(
    name: &str,
    email: &str,
    role: &str,
) -> Result<Invitee, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let name = PersonName::parse(name)
        .map_err(|e| errors.push(("name", e.0)))
        .ok();
    let email = EmailAddress::parse(email)
        .map_err(|e| errors.push(("email", e.0)))
        .ok();
    let role = role
        .parse::<Role>()
        .map_err(|_| errors.push(("role", "Choose a role.".to_owned())))
        .ok();
    match (name, email, role) {
        (Some(n), Some(e), Some(r)) => Ok((n, e, r)),
        _ => Err(errors),
    }
}

async fn invite(
    state: &State,
    me: &CurrentUser,
    invitee: Invitee,
) -> Result<accounts::Invitation, AppError> {
    let (public_url, inviter, st) = (state.public_url.clone(), me.user.clone(), state.clone());
    let invitation = db(state, move |conn| {
        let (name, email, role) = invitee;
        accounts::invite(
            conn,
            &st.templates,
            &public_url,
            &inviter,
            &name,
            &email,
            role,
        )
    })
    .await?;
    state.mail_wake.notify_one();
    Ok(invitation)
}

pub async fn invite_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let form = form.0;
    let values = json!({"values": {"name": form.name, "email": form.email, "role": form.role}});
    let q = PageQuery {
        page: None,
        per_page: None,
    };
    let invitee = match parse_invitee(&form.name, &form.email, &form.role) {
        Ok(i) => i,
        Err(errors) => {
            return people_page(
                &state,
                &req,
                &me,
                &q,
                StatusCode::UNPROCESSABLE_ENTITY,
                merge(values, form_errors(&errors)),
            )
            .await;
        }
    };
    let email = invitee.1.as_str().to_owned();
    match invite(&state, &me, invitee).await {
        Ok(_) => redirect_with_flash("/users", "success", &format!("Invitation sent to {email}.")),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&str, String)> = fields
                .into_iter()
                .map(|(f, m)| (if f == "email" { "email" } else { "name" }, m))
                .collect();
            people_page(
                &state,
                &req,
                &me,
                &q,
                StatusCode::UNPROCESSABLE_ENTITY,
                merge(values, form_errors(&errors)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn load_user(state: &State, id: i64) -> Result<User, AppError> {
    db(state, move |conn| {
        User::find(conn, id)?.ok_or(AppError::NotFound)
    })
    .await
}

async fn edit_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    subject: &User,
    status: StatusCode,
    form: Value,
) -> Result<HttpResponse, AppError> {
    let selected = form["values"]["role"]
        .as_str()
        .unwrap_or(&subject.role)
        .to_owned();
    let name = form["values"]["name"]
        .as_str()
        .unwrap_or(&subject.name)
        .to_owned();
    let extra = merge(
        json!({
            "subject": {"id": subject.id, "name": subject.name, "email": subject.email, "role_label": subject.role().label(), "active": subject.active},
            "roles": role_options(Some(&selected)),
            "values": {"name": name},
        }),
        form,
    );
    render(
        state,
        req,
        Some(me),
        status,
        "pages/user_edit",
        &subject.name,
        extra,
    )
}

pub async fn edit_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let subject = load_user(&state, id.into_inner()).await?;
    edit_page_with(&state, &req, &me, &subject, StatusCode::OK, json!({})).await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn apply_changes(
    state: &State,
    me: &CurrentUser,
    id: i64,
    changes: UserChanges,
) -> Result<User, AppError> {
    let actor = me.user.clone();
    db(state, move |conn| {
        accounts::update_user(conn, &actor, id, &changes)
    })
    .await
}

pub async fn edit_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<EditForm>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let id = id.into_inner();
    let subject = load_user(&state, id).await?;
    let form = form.0;
    let mut errors = Vec::new();
    let name = PersonName::parse(&form.name)
        .map_err(|e| errors.push(("name", e.0)))
        .ok();
    let role = form
        .role
        .parse::<Role>()
        .map_err(|_| errors.push(("role", "Choose a role.".to_owned())))
        .ok();
    if !errors.is_empty() {
        let values = json!({"values": {"name": form.name, "role": form.role}});
        return edit_page_with(
            &state,
            &req,
            &me,
            &subject,
            StatusCode::UNPROCESSABLE_ENTITY,
            merge(values, form_errors(&errors)),
        )
        .await;
    }
    let location = format!("/users/{id}");
    match apply_changes(
        &state,
        &me,
        id,
        UserChanges {
            name,
            role,
            active: None,
        },
    )
    .await
    {
        Ok(_) => redirect_with_flash(&location, "success", "Changes saved."),
        Err(AppError::Conflict(message)) => redirect_with_flash(&location, "error", &message),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn active_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let id = id.into_inner();
    let active = match form.0.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::field("active", "Expected true or false.")),
    };
    let location = format!("/users/{id}");
    match apply_changes(
        &state,
        &me,
        id,
        UserChanges {
            active: Some(active),
            ..Default::default()
        },
    )
    .await
    {
        Ok(user) => {
            let message = if active {
                format!("{} can sign in again.", user.name)
            } else {
                format!("{} is deactivated and signed out everywhere.", user.name)
            };
            redirect_with_flash(&location, "success", &message)
        }
        Err(AppError::Conflict(message)) => redirect_with_flash(&location, "error", &message),
        Err(e) => Err(e),
    }
}

pub async fn api_list(
    state: State,
    me: CurrentUser,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let (page, per_page) = (q.page(), q.per_page());
    let (users, total) = db(&state, move |conn| Ok(User::page(conn, page, per_page)?)).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"users": users, "page": page, "per_page": per_page, "total": total})))
}

#[derive(Deserialize)]
pub struct CreateUserBody {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    password: Option<String>,
}

pub async fn api_create(
    state: State,
    me: CurrentUser,
    body: ApiJson<CreateUserBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let body = body.0;
    let (name, email, role) = parse_invitee(
        body.name.as_deref().unwrap_or_default(),
        body.email.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
    )
    .map_err(api_field_errors)?;
    let new_password = check_new_password(
        body.password.as_deref().unwrap_or_default(),
        None,
        email.as_str(),
    )
    .map_err(api_field_errors)?;
    let hash = web::block(move || password::hash(new_password.expose()))
        .await?
        .map_err(AppError::internal)?;
    let actor = me.user.clone();
    let user = db(&state, move |conn| {
        accounts::create_user(conn, &actor, &name, &email, role, &hash)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"user": user})))
}

#[derive(Deserialize)]
pub struct UpdateUserBody {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
}

pub async fn api_update(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<UpdateUserBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let body = body.0;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(PersonName::parse)
        .transpose()
        .map_err(|e| errors.push(("name", e.0)))
        .ok()
        .flatten();
    let role = body
        .role
        .as_deref()
        .map(str::parse::<Role>)
        .transpose()
        .map_err(|e| errors.push(("role", e.0)))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(api_field_errors(errors));
    }
    let user = apply_changes(
        &state,
        &me,
        id.into_inner(),
        UserChanges {
            name,
            role,
            active: body.active,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"user": user})))
}

#[derive(Deserialize)]
pub struct InviteBody {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

pub async fn api_invite(
    state: State,
    me: CurrentUser,
    body: ApiJson<InviteBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageUsers)?;
    let body = body.0;
    let invitee = parse_invitee(
        body.name.as_deref().unwrap_or_default(),
        body.email.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
    )
    .map_err(api_field_errors)?;
    let email = invitee.1.as_str().to_owned();
    let invitation = invite(&state, &me, invitee).await?;
    Ok(HttpResponse::Created().json(json!({
        "email": email,
        "expires_at": invitation.expires_at.and_utc().to_rfc3339(),
        "outbox_id": invitation.outbox_id,
    })))
}

fn invitation_problem(
    state: &State,
    req: &HttpRequest,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    let (status, heading, message) = match &e {
        AppError::Gone(m) => (
            StatusCode::GONE,
            "This invitation was already used",
            format!(
                "{m} If you already set your password, sign in; otherwise ask an admin for a new invitation."
            ),
        ),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            "This invitation link is not valid",
            "Check that you copied all of it, or ask an admin for a new invitation.".to_owned(),
        ),
        _ => return Err(e),
    };
    render(
        state,
        req,
        None,
        status,
        "pages/message",
        heading,
        json!({"heading": heading, "message": message, "link": {"href": "/login", "label": "Sign in"}}),
    )
}

pub async fn invitation_page(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    let check = plain.clone();
    match db(&state, move |conn| {
        accounts::live_token(conn, TokenPurpose::Invitation, &check)
    })
    .await
    {
        Ok(invitation) => {
            let role_label = invitation
                .role
                .as_deref()
                .and_then(|r| r.parse::<Role>().ok())
                .map(Role::label)
                .unwrap_or("");
            render(
                &state,
                &req,
                None,
                StatusCode::OK,
                "pages/accept_invitation",
                "Join Loopwright",
                json!({
                    "token": plain,
                    "invitee": {"name": invitation.name, "email": invitation.email, "role_label": role_label},
                    "hide_sign_in": true,
                }),
            )
        }
        Err(e) => invitation_problem(&state, &req, e),
    }
}

/// Accepts an invitation; returns the new user, or what is wrong with the password.
async fn accept(
    state: &State,
    plain: String,
    password: &str,
    confirm: Option<&str>,
) -> Result<Result<(User, String), Vec<(&'static str, String)>>, AppError> {
    let hash = match password_for_link(state, TokenPurpose::Invitation, &plain, password, confirm)
        .await?
    {
        Ok(hash) => hash,
        Err(errors) => return Ok(Err(errors)),
    };
    let user = db(state, move |conn| {
        accounts::accept_invitation(conn, &plain, &hash)
    })
    .await?;
    let (jwt, _) = state
        .sessions
        .issue(user.id, user.token_version)
        .map_err(AppError::internal)?;
    Ok(Ok((user, jwt)))
}

pub async fn invitation_form(
    state: State,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let plain = token.into_inner();
    match accept(
        &state,
        plain.clone(),
        &form.0.password,
        Some(&form.0.password_confirm),
    )
    .await
    {
        Ok(Ok((user, jwt))) => {
            let mut response = redirect_with_flash(
                user.role().home_path(),
                "success",
                &format!("Welcome, {}. Your account is ready.", user.name),
            )?;
            response
                .add_cookie(&session_cookie(&state, jwt))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Ok(Err(errors)) => {
            let check = plain.clone();
            let invitation = db(&state, move |conn| {
                accounts::live_token(conn, TokenPurpose::Invitation, &check)
            })
            .await?;
            let role_label = invitation
                .role
                .as_deref()
                .and_then(|r| r.parse::<Role>().ok())
                .map(Role::label)
                .unwrap_or("");
            let extra = merge(
                json!({"token": plain, "invitee": {"name": invitation.name, "email": invitation.email, "role_label": role_label}, "hide_sign_in": true}),
                form_errors(&errors),
            );
            render(
                &state,
                &req,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/accept_invitation",
                "Join Loopwright",
                extra,
            )
        }
        Err(e) => invitation_problem(&state, &req, e),
    }
}

#[derive(Deserialize)]
pub struct AcceptBody {
    password: Option<String>,
}

pub async fn api_accept(
    state: State,
    token: web::Path<String>,
    body: ApiJson<AcceptBody>,
) -> Result<HttpResponse, AppError> {
    let password = body
        .0
        .password
        .ok_or_else(|| api_field_errors(vec![("password", "This field is required.".into())]))?;
    match accept(&state, token.into_inner(), &password, None).await? {
        Ok((user, jwt)) => Ok(HttpResponse::Created().json(json!({"token": jwt, "user": user}))),
        Err(errors) => Err(api_field_errors(errors)),
    }
}
