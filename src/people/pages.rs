//! People as pages (admin only): the list, invitations, role and access changes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::db::models::User;
use crate::domain::{EmailAddress, PersonName, Role};
use crate::error::AppError;
use crate::people::accounts::{self, UserChanges};
use crate::web::extract::CsrfForm;
use crate::web::{PageQuery, State, db, form_errors, merge, redirect_with_flash, render};

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
    let actor = me.user.clone();
    let (users, total, invitations) = db(state, move |conn| {
        accounts::team(conn, &actor, page, per_page)
    })
    .await?;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let url = |p: i64| format!("/users?page={p}&per_page={per_page}");
    let selected = form["values"]["role"]
        .as_str()
        .unwrap_or(Role::Interviewer.as_str())
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

pub(super) type Invitee = (PersonName, EmailAddress, Role);

pub(super) fn parse_invitee(
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

pub(super) async fn invite(
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

async fn load_user(state: &State, me: &CurrentUser, id: i64) -> Result<User, AppError> {
    let actor = me.user.clone();
    db(state, move |conn| accounts::member(conn, &actor, id)).await
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
    let subject = load_user(&state, &me, id.into_inner()).await?;
    edit_page_with(&state, &req, &me, &subject, StatusCode::OK, json!({})).await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub(super) async fn apply_changes(
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
    let id = id.into_inner();
    let subject = load_user(&state, &me, id).await?;
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
