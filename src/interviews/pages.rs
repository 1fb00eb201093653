//! Interviews as pages: "My interviews" and the kit with the scorecard beside
//! it (with autosave).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::kit_page::{KitPage, TypedScorecard};
use crate::auth::CurrentUser;
use crate::domain::scorecard::{
    QuestionNote, Rating, RatingEntry, Recommendation, RedFlagEntry, ScorecardContent,
};
use serde::Serialize;

use crate::domain::ScorecardState;
use crate::domain::when;
use crate::error::AppError;
use crate::interviews::kit::{self};
use crate::interviews::scorecards;
use crate::web::extract::{CsrfForm, SCORECARD_FORM_LIMIT};
use crate::web::form::Pagination;
use crate::web::form::{Pairs, field};
use crate::web::{State, Tone, db, flash_cookie, redirect_with_flash, render_loaded, see_other};

/// "My interviews": the interviewer's stages, newest first.
#[derive(Serialize)]
struct InterviewsPage {
    interviews: Vec<InterviewRow>,
    pagination: Pagination,
}

#[derive(Serialize)]
struct InterviewRow {
    stage_id: i64,
    stage_title: String,
    candidate_name: String,
    job_title: String,
    /// "Overdue", or how long: "3 days overdue".
    state_label: String,
    state_tone: &'static str,
    /// RFC 3339, UTC: shown by the `time` helper.
    when: Option<String>,
    /// The candidate's zone, shown beside the viewer's.
    time_zone: Option<String>,
}

pub async fn interviews_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    q: web::Query<crate::web::PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (user, page, per_page) = (me.user.clone(), q.page(), q.per_page());
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/interviews",
        move |conn| {
            let (list, total) = kit::my_interviews(conn, &user, page, per_page)?;
            let now = crate::db::models::now();
            let context = InterviewsPage {
                pagination: Pagination::new(page, per_page, total, |p| {
                    format!("/interviews?page={p}&per_page={per_page}")
                }),
                interviews: list
                    .into_iter()
                    .map(|i| InterviewRow {
                        state_label: match (
                            i.scorecard,
                            i.starts_at.as_deref().and_then(when::parse_instant),
                        ) {
                            (ScorecardState::Overdue, Some(start)) => when::overdue(
                                start + chrono::Duration::minutes(i.duration_minutes),
                                now,
                            )
                            .unwrap_or_else(|| i.scorecard.label().to_owned()),
                            _ => i.scorecard.label().to_owned(),
                        },
                        when: i.starts_at,
                        time_zone: i.time_zone,
                        stage_id: i.stage_id,
                        stage_title: i.stage_title,
                        candidate_name: i.candidate.name,
                        job_title: i.job_title,
                        state_tone: i.scorecard.tone(),
                    })
                    .collect(),
            };
            Ok(("My interviews".to_owned(), context))
        },
    )
    .await
}

/// The scorecard form's fields, read back into a scorecard, with an error
/// naming each field whose value is not on the scale (left out of the
/// content; every text is kept). Evidence typed before its rating (or
/// before observed / not observed) is kept with its criterion.
fn content_from_form(pairs: &Pairs) -> (ScorecardContent, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let mut content = ScorecardContent {
        summary: field(pairs, "summary").to_owned(),
        ..ScorecardContent::default()
    };
    let id_after = |key: &str, prefix: &str| {
        key.strip_prefix(prefix)
            .and_then(|id| id.parse::<i64>().ok())
    };
    for (key, value) in pairs {
        if let Some(id) = id_after(key, "rating-") {
            let rating = match value.as_str() {
                "" => None,
                value => match value.parse::<Rating>() {
                    Ok(rating) => Some(rating),
                    Err(e) => {
                        errors.push((key.clone(), e.0));
                        continue;
                    }
                },
            };
            rating_entry(&mut content.ratings, id).rating = rating;
        } else if let Some(id) = id_after(key, "evidence-") {
            rating_entry(&mut content.ratings, id).evidence = value.clone();
        } else if let Some(id) = id_after(key, "red_flag-") {
            let observed = match value.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                "" => None,
                _ => {
                    errors.push((key.clone(), "Choose observed or not observed.".to_owned()));
                    continue;
                }
            };
            red_flag_entry(&mut content.red_flags, id).observed = observed;
        } else if let Some(id) = id_after(key, "red_flag_evidence-") {
            red_flag_entry(&mut content.red_flags, id).evidence = value.clone();
        } else if let Some(id) = id_after(key, "notes-")
            && !value.trim().is_empty()
        {
            content.question_notes.push(QuestionNote {
                question_id: id,
                notes: value.clone(),
            });
        }
    }
    // A criterion with neither a rating nor text has nothing to keep.
    content
        .ratings
        .retain(|r| r.rating.is_some() || !r.evidence.trim().is_empty());
    content
        .red_flags
        .retain(|f| f.observed.is_some() || !f.evidence.trim().is_empty());
    match field(pairs, "recommendation") {
        "" => {}
        value => match value.parse::<Recommendation>() {
            Ok(r) => content.recommendation = Some(r),
            Err(e) => errors.push(("recommendation".into(), e.0)),
        },
    }
    (content, errors)
}

fn rating_entry(ratings: &mut Vec<RatingEntry>, id: i64) -> &mut RatingEntry {
    let at = match ratings.iter().position(|r| r.criterion_id == id) {
        Some(at) => at,
        None => {
            ratings.push(RatingEntry {
                criterion_id: id,
                rating: None,
                evidence: String::new(),
            });
            ratings.len() - 1
        }
    };
    &mut ratings[at]
}

fn red_flag_entry(flags: &mut Vec<RedFlagEntry>, id: i64) -> &mut RedFlagEntry {
    let at = match flags.iter().position(|f| f.criterion_id == id) {
        Some(at) => at,
        None => {
            flags.push(RedFlagEntry {
                criterion_id: id,
                observed: None,
                evidence: String::new(),
            });
            flags.len() - 1
        }
    };
    &mut flags[at]
}

/// Domain field names (`ratings.7`) to the form's (`rating-7`).
fn form_field(name: &str) -> String {
    if let Some(id) = name
        .strip_prefix("ratings.")
        .and_then(|rest| rest.strip_suffix(".evidence"))
    {
        format!("evidence-{id}")
    } else if let Some(id) = name
        .strip_prefix("red_flags.")
        .and_then(|rest| rest.strip_suffix(".evidence"))
    {
        format!("red_flag_evidence-{id}")
    } else if let Some(id) = name.strip_prefix("question_notes.") {
        format!("notes-{id}")
    } else if let Some(id) = name.strip_prefix("ratings.") {
        format!("rating-{id}")
    } else if let Some(id) = name.strip_prefix("red_flags.") {
        format!("red_flag-{id}")
    } else {
        name.to_owned()
    }
}

/// What a scorecard form (draft or amendment) sent, as typed, with an
/// error for each value not on the scale.
fn typed_from_form(pairs: &Pairs) -> (TypedScorecard, Vec<(String, String)>) {
    let (content, errors) = content_from_form(pairs);
    let reason = field(pairs, "reason").to_owned();
    (TypedScorecard { content, reason }, errors)
}

/// The kit again (422) with a refused scorecard form: what was typed kept,
/// each error beside its field.
async fn refused(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    stage_id: i64,
    typed: &TypedScorecard,
    errors: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    kit_page_with(state, req, me, stage_id, status, Some(typed), &errors).await
}

async fn kit_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    stage_id: i64,
    status: StatusCode,
    typed: Option<&TypedScorecard>,
    errors: &[(String, String)],
) -> Result<HttpResponse, AppError> {
    let (user, typed, errors) = (me.user.clone(), typed.cloned(), errors.to_vec());
    render_loaded(state, req, Some(me), status, "pages/kit", move |conn| {
        let view = kit::kit_view(conn, &user, stage_id)?;
        let page = KitPage::new(view, typed.as_ref(), &errors);
        Ok((page.title().to_owned(), page))
    })
    .await
}

pub async fn kit_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    kit_page_with(
        &state,
        &req,
        &me,
        id.into_inner(),
        StatusCode::OK,
        None,
        &[],
    )
    .await
}

/// Save or submit from the kit page's form.
pub async fn scorecard_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs, SCORECARD_FORM_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let stage_id = id.into_inner();
    let pairs = form.0;
    let (typed, errors) = typed_from_form(&pairs);
    if !errors.is_empty() {
        return refused(&state, &req, &me, stage_id, &typed, errors).await;
    }
    let submit = field(&pairs, "action") == "submit";
    let (user, saved) = (me.user.clone(), typed.content.clone());
    let result = db(&state, move |conn| {
        scorecards::save_draft(conn, &user, stage_id, &saved)?;
        if submit {
            scorecards::submit(conn, &user, stage_id).map(|_| ())
        } else {
            Ok(())
        }
    })
    .await;
    match result {
        Ok(()) => {
            let message = if submit {
                "Scorecard submitted."
            } else {
                "Draft saved."
            };
            redirect_with_flash(&format!("/stages/{stage_id}/kit"), "success", message)
        }
        Err(AppError::Validation { fields, .. }) => {
            let errors = fields
                .into_iter()
                .map(|(f, m)| (form_field(&f), m))
                .collect();
            refused(&state, &req, &me, stage_id, &typed, errors).await
        }
        // Submitted meanwhile (another tab): what was typed goes into the
        // amendment form, to send with a reason or leave.
        Err(AppError::Conflict(_)) => {
            let said = "This scorecard was submitted meanwhile and is locked. What you typed is in the amendment below: give a reason to send it, or leave it.";
            let errors = [(form_field("reason"), said.to_owned())];
            let status = StatusCode::CONFLICT;
            kit_page_with(&state, &req, &me, stage_id, status, Some(&typed), &errors).await
        }
        Err(e) => Err(e),
    }
}

/// The little script's autosave: the draft, quietly.
pub async fn autosave(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs, SCORECARD_FORM_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let stage_id = id.into_inner();
    let (content, errors) = content_from_form(&form.0);
    if !errors.is_empty() {
        return Err(AppError::Validation {
            message: "Some values are not on the scale.".into(),
            fields: errors.into_iter().collect(),
        });
    }
    let user = me.user.clone();
    db(&state, move |conn| {
        scorecards::save_draft(conn, &user, stage_id, &content)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn amend_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs, SCORECARD_FORM_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let stage_id = id.into_inner();
    let pairs = form.0;
    let (typed, errors) = typed_from_form(&pairs);
    if !errors.is_empty() {
        return refused(&state, &req, &me, stage_id, &typed, errors).await;
    }
    let (user, reason, amended) = (me.user.clone(), typed.reason.clone(), typed.content.clone());
    let result = db(&state, move |conn| {
        scorecards::amend(conn, &user, stage_id, &reason, &amended)
    })
    .await;
    match result {
        Ok(_) => {
            let mut response = see_other(&format!("/stages/{stage_id}/kit"));
            response
                .add_cookie(&flash_cookie(
                    "success",
                    "Amendment saved; the original is kept beside it.",
                ))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        Err(AppError::Validation { fields, .. }) => {
            let errors = fields
                .into_iter()
                .map(|(f, m)| (form_field(&f), m))
                .collect();
            refused(&state, &req, &me, stage_id, &typed, errors).await
        }
        Err(e) => Err(e),
    }
}
