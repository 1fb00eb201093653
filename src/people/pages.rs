//! People as pages (admin only): the list, invitations, role and access changes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::db::models::User;
use crate::domain::{EmailAddress, PersonName, Role};
use crate::error::AppError;
use crate::people::accounts::{self, UserChanges};
use crate::web::extract::CsrfForm;
use crate::web::form::{Pagination, SelectOption, options};
use crate::web::{FormErrors, PageQuery, State, db, redirect_with_flash, render_loaded};

fn role_options(selected: &str) -> Vec<SelectOption> {
    options(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
        selected,
    )
}

/// What was typed into a form that came back, kept, and why it came back.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct PersonValues {
    name: String,
    email: String,
    role: String,
}

#[derive(Serialize)]
struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    role_label: &'static str,
    active: bool,
    created_on: String,
}

#[derive(Serialize)]
struct InvitationRow {
    email: String,
    name: String,
    /// The role's value, for "Send again".
    role: String,
    role_label: &'static str,
    expires_on: String,
}

/// The people page: the team, invitations waiting, and the invite form.
#[derive(Serialize)]
struct PeoplePage {
    users: Vec<UserRow>,
    pagination: Pagination,
    invitations: Vec<InvitationRow>,
    roles: Vec<SelectOption>,
    values: Option<PersonValues>,
    #[serde(flatten)]
    form: FormErrors,
}

/// A member's page: who they are, and the form that changes them.
#[derive(Serialize)]
struct EditPage {
    subject: Subject,
    roles: Vec<SelectOption>,
    values: PersonValues,
    #[serde(flatten)]
    form: FormErrors,
}

#[derive(Serialize)]
struct Subject {
    id: i64,
    name: String,
    email: String,
    role_label: &'static str,
    active: bool,
}

/// The people page, with whatever the invite form needs to show again.
async fn people_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    q: &PageQuery,
    status: StatusCode,
    returned: Option<(PersonValues, &[(&str, String)])>,
) -> Result<HttpResponse, AppError> {
    let (page, per_page) = (q.page(), q.per_page());
    let actor = me.user.clone();
    let (values, errors) = match returned {
        Some((values, errors)) => (Some(values), FormErrors::new(errors)),
        None => (None, FormErrors::default()),
    };
    render_loaded(state, req, Some(me), status, "pages/users", move |conn| {
        let team = accounts::team(conn, &actor, page, per_page)?;
        let context = PeoplePage::new(team, (page, per_page), values, errors);
        Ok(("People".to_owned(), context))
    })
    .await
}

impl PeoplePage {
    fn new(
        (users, total, invitations): (Vec<User>, i64, Vec<accounts::PendingInvitation>),
        (page, per_page): (i64, i64),
        values: Option<PersonValues>,
        form: FormErrors,
    ) -> Self {
        let selected = values
            .as_ref()
            .map_or(Role::Interviewer.as_str(), |v| v.role.as_str())
            .to_owned();
        PeoplePage {
            users: users
                .iter()
                .map(|u| UserRow {
                    id: u.id,
                    name: u.name.clone(),
                    email: u.email.clone(),
                    role: u.role.clone(),
                    role_label: u.role().label(),
                    active: u.active,
                    created_on: crate::domain::when::iso(u.created_at),
                })
                .collect(),
            pagination: Pagination::new(page, per_page, total, |p| {
                format!("/users?page={p}&per_page={per_page}")
            }),
            invitations: invitations
                .into_iter()
                .map(|i| InvitationRow {
                    role_label: i.role.parse::<Role>().map(Role::label).unwrap_or(""),
                    role: i.role.clone(),
                    expires_on: crate::domain::when::iso(i.expires_at),
                    email: i.email,
                    name: i.name,
                })
                .collect(),
            roles: role_options(&selected),
            values,
            form,
        }
    }
}

pub async fn list_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    people_page(&state, &req, &me, &q, StatusCode::OK, None).await
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
    let values = PersonValues {
        name: form.name.clone(),
        email: form.email.clone(),
        role: form.role.clone(),
    };
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
                Some((values, &errors)),
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
                Some((values, &errors)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A member's page, read and rendered in one hop; with `returned`, the form
/// that came back: what was typed and why.
async fn edit_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    id: i64,
    status: StatusCode,
    returned: Option<(PersonValues, Vec<(&'static str, String)>)>,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    render_loaded(
        state,
        req,
        Some(me),
        status,
        "pages/user_edit",
        move |conn| {
            let subject = accounts::member(conn, &actor, id)?;
            let page = EditPage::new(subject, returned);
            Ok((page.subject.name.clone(), page))
        },
    )
    .await
}

impl EditPage {
    fn new(subject: User, returned: Option<(PersonValues, Vec<(&'static str, String)>)>) -> Self {
        let (values, form) = match returned {
            Some((values, errors)) => (values, FormErrors::new(&errors)),
            None => (
                PersonValues {
                    name: subject.name.clone(),
                    role: subject.role.clone(),
                    ..PersonValues::default()
                },
                FormErrors::default(),
            ),
        };
        EditPage {
            subject: Subject {
                id: subject.id,
                role_label: subject.role().label(),
                active: subject.active,
                name: subject.name,
                email: subject.email,
            },
            roles: role_options(&values.role),
            values,
            form,
        }
    }
}

pub async fn edit_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    edit_page_with(&state, &req, &me, id.into_inner(), StatusCode::OK, None).await
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
        let values = PersonValues {
            name: form.name,
            role: form.role,
            ..PersonValues::default()
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return edit_page_with(&state, &req, &me, id, status, Some((values, errors))).await;
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

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    email: String,
}

/// Withdraws the invitations waiting for `email`: their links stop working.
pub async fn revoke_invitation_form(
    state: State,
    me: CurrentUser,
    form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.0.email;
    let (user, address) = (me.user.clone(), email.clone());
    let withdrawn = db(&state, move |conn| {
        crate::people::accounts::revoke_invitation(conn, &user, &address)
    })
    .await?;
    let message = if withdrawn > 0 {
        format!("Invitation to {email} withdrawn: its link no longer works.")
    } else {
        format!("There was no invitation waiting for {email}.")
    };
    redirect_with_flash(
        "/users",
        if withdrawn > 0 { "success" } else { "info" },
        &message,
    )
}
