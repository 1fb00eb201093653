//! Candidates as pages: the list (with adding one), a candidate's page with
//! their schedule, and scheduling a stage in a chosen time zone.

use crate::interviews::progress::{DebriefProgress, progress_of};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, TimeZone};
use serde::Deserialize;

use super::candidate_page::{CandidatePage, StageErrors, status_options};
use super::file::candidate_file;
use crate::auth::CurrentUser;
use crate::candidates::schedule::{self};
use crate::candidates::{self, CandidateChanges, CandidateInput, prep_pack};
use crate::domain::CandidateStatus;
use serde::Serialize;

use crate::error::AppError;
use crate::jobs;
use crate::loops::edits::StageChanges;
use crate::web::FormErrors;
use crate::web::extract::CsrfForm;
use crate::web::form::{Pagination, Pairs, field};
use crate::web::form::{SelectOption, options};
use crate::web::{State, Tone, db, flash_cookie, redirect_with_flash, render_loaded, see_other};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    job_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    per_page: Option<i64>,
}

impl ListQuery {
    fn paging(&self) -> crate::web::PageQuery {
        crate::web::PageQuery {
            page: self.page,
            per_page: self.per_page,
        }
    }

    /// The address of page `page` of this list, filters kept.
    fn url_of(&self, page: i64, per_page: i64) -> String {
        let mut pairs = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        if !self.job_id.is_empty() {
            pairs.push(("job_id", self.job_id.clone()));
        }
        if !self.status.is_empty() {
            pairs.push(("status", self.status.clone()));
        }
        format!(
            "/candidates?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

pub async fn list_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    list_with(
        &state,
        &req,
        &me,
        &q.into_inner(),
        StatusCode::OK,
        AddForm::default(),
    )
    .await
}

/// The candidates list with its filters and the form that adds one.
#[derive(Serialize)]
struct CandidatesPage {
    candidates: Vec<CandidateRow>,
    pagination: Pagination,
    filters: Filters,
    can_add: bool,
    jobs_for_form: Vec<SelectOption>,
    /// What was typed into the add form, kept when it comes back.
    values: Typed,
    #[serde(flatten)]
    form: FormErrors,
    /// The page of the candidate the add form would have duplicated.
    existing_candidate: Option<String>,
}

/// The add form as it came back: what was typed, its errors, and the page of
/// the candidate it would have duplicated.
#[derive(Default)]
struct AddForm<'a> {
    typed: Option<&'a Pairs>,
    errors: Vec<(&'a str, String)>,
    existing: Option<String>,
}

static EMPTY: Pairs = Vec::new();

#[derive(Serialize)]
struct CandidateRow {
    id: i64,
    name: String,
    email: String,
    job_title: String,
    status_label: &'static str,
    status_tone: &'static str,
    progress: DebriefProgress,
    decision_label: Option<&'static str>,
    decision_tone: &'static str,
}

#[derive(Serialize)]
struct Filters {
    jobs: Vec<SelectOption>,
    statuses: Vec<super::candidate_page::StatusOption>,
}

#[derive(Serialize)]
struct Typed {
    name: String,
    email: String,
    notes: String,
}

async fn list_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    q: &ListQuery,
    status: StatusCode,
    add: AddForm<'_>,
) -> Result<HttpResponse, AppError> {
    let typed: Pairs = add.typed.unwrap_or(&EMPTY).clone();
    let (form, existing) = (FormErrors::new(&add.errors), add.existing);
    let user = me.user.clone();
    let q = q.clone();
    let job_filter = q.job_id.parse::<i64>().ok();
    let status_filter = q.status.parse::<CandidateStatus>().ok();
    let (page, per_page) = (q.paging().page(), q.paging().per_page());
    render_loaded(
        state,
        req,
        Some(me),
        status,
        "pages/candidates",
        move |conn| {
            let (list, total) =
                candidates::candidates_for(conn, &user, job_filter, status_filter, page, per_page)?;
            // Open jobs, and a closed one only as the filter or as typed.
            let chosen: Vec<i64> = [job_filter, field(&typed, "job_id").parse().ok()]
                .into_iter()
                .flatten()
                .collect();
            let jobs = jobs::job_choices(conn, &user, &chosen)?;
            let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
            let progress = progress_of(conn, &ids)?;
            let typed = &typed;
            let job_options = |selected: &str| {
                options(
                    jobs.iter()
                        .map(|j| (j.id.to_string(), job_label(j, &jobs)))
                        .collect(),
                    selected,
                )
            };
            let context = CandidatesPage {
                candidates: list
                    .into_iter()
                    .map(|c| {
                        let progress = progress.get(&c.id).copied().unwrap_or_default();
                        CandidateRow {
                            decision_label: progress.decision.map(|d| d.label()),
                            decision_tone: progress.decision.map_or("muted", Tone::tone),
                            progress,
                            status_label: c.status.label(),
                            status_tone: c.status.tone(),
                            id: c.id,
                            name: c.name,
                            email: c.email,
                            job_title: c.job_title,
                        }
                    })
                    .collect(),
                pagination: Pagination::new(page, per_page, total, |p| q.url_of(p, per_page)),
                filters: Filters {
                    jobs: job_options(&q.job_id),
                    statuses: status_options(q.status.parse().ok()),
                },
                can_add: true,
                jobs_for_form: job_options(field(typed, "job_id")),
                values: Typed {
                    name: field(typed, "name").to_owned(),
                    email: field(typed, "email").to_owned(),
                    notes: field(typed, "notes").to_owned(),
                },
                form,
                existing_candidate: existing,
            };
            Ok(("Candidates".to_owned(), context))
        },
    )
    .await
}

pub async fn create_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.0;
    let input = CandidateInput {
        name: field(&pairs, "name").to_owned(),
        email: field(&pairs, "email").to_owned(),
        job_id: field(&pairs, "job_id").parse().ok(),
        notes: field(&pairs, "notes").to_owned(),
    };
    let new = match input.parse() {
        Ok(new) => new,
        Err(errors) => {
            return list_with(
                &state,
                &req,
                &me,
                &ListQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                AddForm {
                    typed: Some(&pairs),
                    errors,
                    existing: None,
                },
            )
            .await;
        }
    };
    let user = me.user.clone();
    let created = db(&state, move |conn| {
        candidates::create_candidate(conn, &user, new)
    })
    .await;
    match created {
        Ok(id) => Ok(see_other(&format!("/candidates/{id}"))),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&str, String)> = fields
                .into_iter()
                .map(|(f, m)| (if f == "notes" { "notes" } else { "job_id" }, m))
                .collect();
            list_with(
                &state,
                &req,
                &me,
                &ListQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                AddForm {
                    typed: Some(&pairs),
                    errors,
                    existing: None,
                },
            )
            .await
        }
        Err(AppError::Duplicate {
            field,
            message,
            location,
        }) => {
            list_with(
                &state,
                &req,
                &me,
                &ListQuery::default(),
                StatusCode::CONFLICT,
                AddForm {
                    typed: Some(&pairs),
                    errors: vec![(field, message)],
                    existing: Some(location),
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The candidate's page; with `stage_errors`, a stage's schedule form comes
/// back with what was typed and its errors. Read and rendered in one hop.
async fn candidate_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    id: i64,
    status: StatusCode,
    stage_errors: Option<StageErrors>,
) -> Result<HttpResponse, AppError> {
    let (user, st) = (me.user.clone(), state.clone());
    render_loaded(
        state,
        req,
        Some(me),
        status,
        "pages/candidate",
        move |conn| {
            let file = candidate_file(conn, &st.templates, &user, id)?;
            let page = CandidatePage::new(file, stage_errors);
            Ok((page.title().to_owned(), page))
        },
    )
    .await
}

pub async fn candidate_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    candidate_page_with(&state, &req, &me, id.into_inner(), StatusCode::OK, None).await
}

pub async fn status_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let status = field(&form.0, "status").to_owned();
    let changes = CandidateChanges {
        status: Some(status),
        ..CandidateChanges::default()
    };
    let result = db(&state, move |conn| {
        candidates::update_candidate(conn, &user, id, changes)
    })
    .await;
    let (kind, message) = match result {
        Ok(c) => ("success", format!("Status: {}.", c.status.label())),
        Err(AppError::Validation { message, .. }) => ("error", message),
        Err(e) => return Err(e),
    };
    redirect_with_flash(&format!("/candidates/{id}"), kind, &message)
}

/// A local date and time in a zone, to UTC; clock changes make some local
/// times ambiguous or impossible, and those are refused with a reason.
fn to_utc(local: &str, zone: &str) -> Result<NaiveDateTime, (&'static str, String)> {
    let tz = crate::domain::when::parse_zone(zone).map_err(|e| ("time_zone", e.0))?;
    let naive = NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            (
                "starts_at",
                "Give a date and time like 2026-12-01T09:30.".to_owned(),
            )
        })?;
    tz.from_local_datetime(&naive)
        .single()
        .map(|t| t.naive_utc())
        .ok_or_else(|| ("starts_at", format!("{local} does not exist or happens twice in {zone} (a clock change); pick another time.")))
}

pub async fn schedule_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let stage_id = id.into_inner();
    let pairs = form.0;
    let candidate_id: i64 = field(&pairs, "candidate_id")
        .parse()
        .map_err(|_| AppError::BadRequest("The form lost its candidate.".into()))?;
    let version: i64 = field(&pairs, "version")
        .parse()
        .map_err(|_| AppError::BadRequest("The form lost its loop version.".into()))?;
    let zone = field(&pairs, "time_zone").trim().to_owned();
    let starts = field(&pairs, "starts_at").trim().to_owned();
    let location = field(&pairs, "location").trim().to_owned();
    let parsed = if starts.is_empty() {
        Ok(None)
    } else {
        to_utc(&starts, if zone.is_empty() { "UTC" } else { &zone }).map(Some)
    };
    let starts_at = match parsed {
        Ok(t) => t,
        Err(error) => {
            return candidate_page_with(
                &state,
                &req,
                &me,
                candidate_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((stage_id, pairs, vec![error])),
            )
            .await;
        }
    };
    let changes = StageChanges {
        starts_at: Some(starts_at),
        time_zone: Some(Some(zone).filter(|z| !z.is_empty())),
        location: Some(Some(location)),
        ..StageChanges::default()
    };
    let user = me.user.clone();
    let result = db(&state, move |conn| {
        schedule::schedule_stage(conn, &user, candidate_id, stage_id, version, changes)
    })
    .await;
    match result {
        Ok(_) => redirect_with_flash(
            &format!("/candidates/{candidate_id}#stage-{stage_id}"),
            "success",
            if starts_at.is_some_and(|t| t < crate::db::models::now()) {
                "Time saved. Its start is in the past: check the date if that is a mistake."
            } else {
                "Time saved."
            },
        ),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&'static str, String)> = fields
                .into_iter()
                .map(|(f, m)| {
                    (
                        match f.as_str() {
                            "location" => "location",
                            "time_zone" => "time_zone",
                            _ => "starts_at",
                        },
                        m,
                    )
                })
                .collect();
            candidate_page_with(
                &state,
                &req,
                &me,
                candidate_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((stage_id, pairs, errors)),
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            redirect_with_flash(&format!("/candidates/{candidate_id}"), "error", &message)
        }
        Err(e) => Err(e),
    }
}

pub async fn prep_pack_preview(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    let pack = db(&state, move |conn| {
        prep_pack::build(conn, &st.templates, &user, id, None)
    })
    .await?;
    // The email as the candidate will see it: its own inline styles, no scripts.
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ))
        .body(pack.html))
}

pub async fn send_prep_pack_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    let pairs = form.0;
    let note = field(&pairs, "note").to_owned();
    let key = Some(field(&pairs, "idempotency_key").to_owned())
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .unwrap_or_else(crate::auth::token::generate);
    if note.chars().count() > 2000 {
        let mut response = see_other(&format!("/candidates/{id}"));
        response
            .add_cookie(&flash_cookie(
                "error",
                "Keep the note under 2000 characters.",
            ))
            .map_err(AppError::internal)?;
        return Ok(response);
    }
    let (_, created) = db(&state, move |conn| {
        prep_pack::send(conn, &st.templates, &user, id, Some(&note), &key)
    })
    .await?;
    state.mail_wake.notify_one();
    let message = if created {
        "Prep pack queued; its delivery status is below."
    } else {
        "That prep pack was already queued."
    };
    redirect_with_flash(
        &format!("/candidates/{id}#prep-pack-heading"),
        "success",
        message,
    )
}

/// A job as the candidates' job lists name it: its title, told apart from
/// another job of the same title by its team (or, without one, its hiring
/// manager or its number).
fn job_label(job: &jobs::JobSummary, all: &[jobs::JobSummary]) -> String {
    let shared = all
        .iter()
        .any(|other| other.id != job.id && other.title == job.title);
    if !shared {
        return job.title.clone();
    }
    let team = job.team.trim();
    match (team.is_empty(), &job.hiring_manager_name) {
        (false, _) => format!("{} ({team})", job.title),
        (true, Some(manager)) => format!("{} ({manager})", job.title),
        (true, None) => format!("{} (job {})", job.title, job.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_become_utc_and_clock_changes_are_refused() {
        assert_eq!(
            to_utc("2026-12-01T10:00", "Europe/Berlin")
                .unwrap()
                .to_string(),
            "2026-12-01 09:00:00"
        );
        assert_eq!(
            to_utc("2026-07-01T10:00", "Europe/Berlin")
                .unwrap()
                .to_string(),
            "2026-07-01 08:00:00"
        );
        assert_eq!(
            to_utc("2026-03-29T02:30", "Europe/Berlin").unwrap_err().0,
            "starts_at",
            "a time that does not exist"
        );
        assert_eq!(
            to_utc("2026-12-01T10:00", "Mars/Base").unwrap_err().0,
            "time_zone"
        );
        assert_eq!(to_utc("soon", "UTC").unwrap_err().0, "starts_at");
    }
}
