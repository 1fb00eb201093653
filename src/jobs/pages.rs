//! Jobs as pages: the list, the form that opens one, and editing its
//! criteria and red flags on the planner.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::access::Action;
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::domain::Role;
use serde::Serialize;

use crate::error::AppError;
use crate::jobs::{self, NewJob, criteria};
use crate::loops::planner::{TypedAmong, typed_person};
use crate::web::extract::CsrfForm;
use crate::web::form::{Pagination, Paging, SelectOption};
use crate::web::form::{Pairs, field, options};
use crate::web::{FormErrors, render_loaded};
use crate::web::{State, db, redirect_with_flash, see_other};

/// `GET /jobs?page=`: a page of the jobs, open ones first.
pub async fn jobs_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    jobs_page_with(&state, &req, &me, StatusCode::OK, paging, Pairs::new(), &[]).await
}

/// The jobs list and the form that opens one.
#[derive(Serialize)]
struct JobsPage {
    jobs: Vec<JobRow>,
    pagination: Pagination,
    can_create: bool,
    tracks: Vec<SelectOption>,
    /// An admin names the job's manager; a hiring manager manages it.
    names_manager: bool,
    values: Typed,
    #[serde(flatten)]
    form: FormErrors,
}

#[derive(Serialize)]
struct JobRow {
    id: i64,
    title: String,
    team: String,
    status: crate::domain::JobStatus,
    track_name: String,
    hiring_manager_name: Option<String>,
}

#[derive(Serialize)]
struct Typed {
    title: String,
    team: String,
    hiring_manager: String,
    /// Ticked on a fresh form; as sent on a refused one.
    typical_stages: bool,
}

/// The jobs list with the form that opens one: what was typed, and its
/// errors, kept. Read and rendered in one hop.
async fn jobs_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    paging: Paging,
    typed: Pairs,
    errors: &[(&str, String)],
) -> Result<HttpResponse, AppError> {
    let (user, role, form) = (me.user.clone(), me.role, FormErrors::new(errors));
    render_loaded(state, req, Some(me), status, "pages/jobs", move |conn| {
        let overview = jobs::overview(conn, &user, &paging)?;
        let pagination = Pagination::new(paging.page, paging.per_page, overview.total, |p| {
            format!("/jobs?page={p}&per_page={}", paging.per_page)
        });
        Ok((
            "Jobs".to_owned(),
            JobsPage::new(overview, pagination, role, &typed, form),
        ))
    })
    .await
}

impl JobsPage {
    fn new(
        overview: jobs::JobsOverview,
        pagination: Pagination,
        role: Role,
        typed: &Pairs,
        form: FormErrors,
    ) -> Self {
        let jobs::JobsOverview {
            jobs,
            total: _,
            tracks: track_rows,
        } = overview;
        JobsPage {
            jobs: jobs
                .into_iter()
                .map(|j| JobRow {
                    hiring_manager_name: j.hiring_manager_name,
                    id: j.id,
                    title: j.title,
                    team: j.team,
                    status: j.status,
                    track_name: j.track_name,
                })
                .collect(),
            pagination,
            can_create: crate::access::role_allows(role, Action::CreateJob),
            tracks: options(
                track_rows
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n))
                    .collect(),
                field(typed, "track_id"),
            ),
            names_manager: role == Role::Admin,
            values: Typed {
                title: field(typed, "title").to_owned(),
                team: field(typed, "team").to_owned(),
                hiring_manager: field(typed, "hiring_manager").to_owned(),
                typical_stages: typed.is_empty() || field(typed, "typical_stages") == "true",
            },
            form,
        }
    }
}

pub async fn create_job_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let track_id = field(&pairs, "track_id").parse::<i64>().ok();
    let mut new = NewJob {
        title: field(&pairs, "title").to_owned(),
        team: field(&pairs, "team").to_owned(),
        track_id,
        hiring_manager_id: None,
        // An unticked checkbox sends nothing: the form means "empty loop".
        typical_stages: field(&pairs, "typical_stages") == "true",
    };
    let (actor, manager) = (me.user.clone(), field(&pairs, "hiring_manager").to_owned());
    let created = db(&state, move |conn| {
        new.hiring_manager_id = typed_person(conn, "hiring_manager", &manager, TypedAmong::Active)?;
        jobs::create_job(conn, &actor, new)
    });
    match created.await {
        Ok(id) => Ok(see_other(&format!("/jobs/{id}"))),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&str, String)> = fields
                .into_iter()
                .map(|(f, m)| {
                    (
                        match f.as_str() {
                            "hiring_manager_id" | "hiring_manager" => "hiring_manager",
                            "team" => "team",
                            "track_id" => "track_id",
                            _ => "title",
                        },
                        m,
                    )
                })
                .collect();
            jobs_page_with(
                &state,
                &req,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                Paging::default(),
                pairs,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A change to a job's criteria from the planner page; back to the planner,
/// or, when the typed text is refused, the planner again (422) with it.
async fn criteria_change(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    job_or_criterion: JobOrCriterion,
    typed: Option<crate::loops::CriterionEdit>,
    done: &'static str,
    change: impl FnOnce(&mut DbConn, &crate::db::models::User, i64) -> Result<(), AppError>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let (job_id, result) = db(state, move |conn| {
        let job_id = match job_or_criterion {
            JobOrCriterion::Job(id) => id,
            JobOrCriterion::Criterion(id) => criteria::job_to_edit(conn, &user, id)?,
        };
        Ok((job_id, change(conn, &user, job_id)))
    })
    .await?;
    let (kind, message) = match (result, typed) {
        (Ok(()), _) => ("success", done.to_owned()),
        (Err(AppError::Validation { fields, .. }), Some(typed)) if !fields.is_empty() => {
            return crate::loops::refused_criterion_edit(state, req, me, job_id, typed, fields)
                .await;
        }
        (Err(AppError::Validation { message, .. } | AppError::Conflict(message)), _) => {
            ("error", format!("Nothing was saved. {message}"))
        }
        (Err(e), _) => return Err(e),
    };
    redirect_with_flash(&format!("/jobs/{job_id}#criteria-heading"), kind, &message)
}

#[derive(Clone, Copy)]
enum JobOrCriterion {
    Job(i64),
    Criterion(i64),
}

pub async fn add_criterion_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let (kind, name, description) = (
        field(&pairs, "kind").to_owned(),
        field(&pairs, "name").to_owned(),
        field(&pairs, "description").to_owned(),
    );
    let typed = crate::loops::CriterionEdit {
        id: None,
        kind: kind.clone(),
        name: name.clone(),
        description: description.clone(),
    };
    criteria_change(
        &state,
        &req,
        &me,
        JobOrCriterion::Job(id.into_inner()),
        Some(typed),
        "Criterion added.",
        move |conn, user, job_id| {
            criteria::add_job_criterion(conn, user, job_id, &kind, &name, &description).map(|_| ())
        },
    )
    .await
}

pub async fn criterion_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    path: web::Path<(i64, String)>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let pairs = form.0;
    let (name, description, up) = (
        field(&pairs, "name").to_owned(),
        field(&pairs, "description").to_owned(),
        field(&pairs, "direction") == "up",
    );
    let done = match action.as_str() {
        "save" => "Criterion saved.",
        "move" => "Criterion moved.",
        "remove" => "Criterion removed.",
        _ => return Err(AppError::NotFound),
    };
    let typed = (action == "save").then(|| crate::loops::CriterionEdit {
        id: Some(id),
        kind: String::new(),
        name: name.clone(),
        description: description.clone(),
    });
    criteria_change(
        &state,
        &req,
        &me,
        JobOrCriterion::Criterion(id),
        typed,
        done,
        move |conn, user, job_id| match action.as_str() {
            "save" => criteria::update_job_criterion(
                conn,
                user,
                id,
                criteria::CriterionChanges {
                    name: Some(name),
                    description: Some(description),
                    position: None,
                },
            )
            .map(|_| ()),
            "move" => {
                let list = criteria::criteria_of(conn, user, job_id)?;
                let at = list.iter().position(|c| c.id == id).unwrap_or(0) as i64;
                let to = if up { (at - 1).max(0) } else { at + 1 };
                criteria::update_job_criterion(
                    conn,
                    user,
                    id,
                    criteria::CriterionChanges {
                        position: Some(to),
                        ..Default::default()
                    },
                )
                .map(|_| ())
            }
            _ => criteria::delete_job_criterion(conn, user, id),
        },
    )
    .await
}

pub async fn save_criterion_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    criterion_form(
        state,
        req,
        me,
        web::Path::from((id.into_inner(), "save".to_owned())),
        form,
    )
    .await
}
