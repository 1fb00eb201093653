//! Interviews under `/api/v1`: my interviews, kits, scorecards, the debrief and the decision.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::domain::scorecard::ScorecardContent;
use crate::error::AppError;
use crate::interviews::{debrief, kit, reminders, scorecards};
use crate::web::extract::ApiJson;
use crate::web::form::Paging;
use crate::web::{State, api_field_errors, db, db_json};

crate::page_body!(InterviewPage {
    interviews: kit::MyInterview
});

#[utoipa::path(get, path = "/api/v1/me/interviews", params(Paging), summary = "The stages the caller interviews on",
    responses((status = 200, description = "One page of interviews.", body = InterviewPage)))]
pub async fn api_my_interviews(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let (list, total) = kit::my_interviews(conn, &user, paging.page, paging.per_page)?;
        Ok(paging.listed("interviews", list, total))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/stages/{id}/kit", params(("id" = i64, Path, description = "The stage's id")), summary = "A stage's interview kit",
    responses((status = 200, description = "The kit.", body = kit::Kit)))]
pub async fn api_kit(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        kit::kit(conn, &user, id)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/stages/{id}/scorecard", params(("id" = i64, Path, description = "The stage's id")), summary = "The caller's own scorecard on a stage",
    responses((status = 200, description = "The scorecard (a draft until submitted).", body = scorecards::OwnScorecard)))]
pub async fn api_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        scorecards::own(conn, &user, id)
    })
    .await
}

#[utoipa::path(put, path = "/api/v1/stages/{id}/scorecard", params(("id" = i64, Path, description = "The stage's id")), request_body = ScorecardContent, summary = "Save the caller's draft scorecard",
    responses((status = 200, description = "The draft.", body = scorecards::OwnScorecard),
        (status = 409, description = "The scorecard is submitted: amend it instead.", body = crate::error::ErrorBody),
        (status = 422, description = "A rating, flag or text is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_save_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ScorecardContent>,
) -> Result<HttpResponse, AppError> {
    let (id, user, content) = (id.into_inner(), me.user.clone(), body.0);
    db_json(&state, StatusCode::OK, move |conn| {
        scorecards::save_draft(conn, &user, id, &content)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/stages/{id}/scorecard/submit", params(("id" = i64, Path, description = "The stage's id")), summary = "Submit the caller's scorecard (it is then locked)",
    responses((status = 200, description = "The submitted scorecard.", body = scorecards::OwnScorecard),
        (status = 409, description = "Submitted already.", body = crate::error::ErrorBody),
        (status = 422, description = "The draft is incomplete: the fields say what is missing.", body = crate::error::ErrorBody)))]
pub async fn api_submit_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        scorecards::submit(conn, &user, id)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AmendmentBody {
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    content: ScorecardContent,
}

#[utoipa::path(post, path = "/api/v1/stages/{id}/scorecard/amendments", params(("id" = i64, Path, description = "The stage's id")), request_body = AmendmentBody, summary = "Amend a submitted scorecard (recorded, not overwritten)",
    responses((status = 201, description = "The amended scorecard.", body = scorecards::OwnScorecard),
        (status = 409, description = "The scorecard is not submitted yet.", body = crate::error::ErrorBody),
        (status = 422, description = "The reason or content is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_amend_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AmendmentBody>,
) -> Result<HttpResponse, AppError> {
    let (id, user, body) = (id.into_inner(), me.user.clone(), body.0);
    db_json(&state, StatusCode::CREATED, move |conn| {
        scorecards::amend(conn, &user, id, &body.reason, &body.content)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}/debrief", params(("id" = i64, Path, description = "The candidate's id")), summary = "All scorecards of a candidate side by side, and the decisions",
    responses((status = 200, description = "The debrief.", body = debrief::Debrief)))]
pub async fn api_debrief(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        debrief::debrief(conn, &user, id)
    })
    .await
}

/// The decision just recorded and every decision so far, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Decided<'a> {
    decision: Option<&'a debrief::DecisionView>,
    decisions: &'a [debrief::DecisionView],
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    #[schema(required = true, nullable = false, value_type = Option<crate::domain::DecisionOutcome>)]
    outcome: Option<String>,
    rationale: Option<String>,
    #[serde(default)]
    criterion_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/candidates/{id}/decision", params(("id" = i64, Path, description = "The candidate's id")), request_body = DecisionBody, summary = "Record the decision: hire, no hire or hold",
    responses((status = 201, description = "The decision and every decision so far.", body = Decided),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_decide(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<DecisionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let outcome = body.outcome.ok_or_else(|| {
        api_field_errors(vec![("outcome", "Choose hire, no_hire or hold.".into())])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let decisions = db(&state, move |conn| {
        debrief::decide(
            conn,
            &user,
            id,
            &outcome,
            body.rationale.as_deref().unwrap_or_default(),
            &body.criterion_ids,
        )?;
        Ok(debrief::debrief(conn, &user, id)?.decisions)
    })
    .await?;
    Ok(HttpResponse::Created().json(Decided {
        decision: decisions.first(),
        decisions: &decisions,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReminderBody {
    #[schema(required = true, nullable = false)]
    stage_id: Option<i64>,
    #[schema(required = true, nullable = false)]
    interviewer_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReminderAnswer {
    interviewer_name: String,
    /// `queued`, or `already_today` (nothing sent: once a day at most).
    reminder: reminders::Reminded,
}

/// `POST /api/v1/candidates/{id}/reminders` `{stage_id, interviewer_id}`:
/// reminds one interviewer of their missing scorecard now. 202 with what was
/// done; 422 if nothing is due from them on that stage.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/reminders", params(("id" = i64, Path, description = "The candidate's id")), request_body = ReminderBody, summary = "Remind an interviewer of their missing scorecard",
    responses((status = 202, description = "What was done.", body = ReminderAnswer),
        (status = 422, description = "Nothing is due from them on that stage.", body = crate::error::ErrorBody)))]
pub async fn api_remind(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ReminderBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (Some(stage_id), Some(interviewer_id)) = (body.stage_id, body.interviewer_id) else {
        return Err(api_field_errors(vec![(
            "stage_id",
            "Name the stage and the interviewer.".into(),
        )]));
    };
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    let (interviewer_name, reminder) = db(&state, move |conn| {
        reminders::remind_now(
            conn,
            &user,
            &st.templates,
            &st.public_url,
            id,
            stage_id,
            interviewer_id,
            crate::db::models::now(),
        )
    })
    .await?;
    if reminder == reminders::Reminded::Queued {
        state.mail_wake.notify_one();
    }
    Ok(HttpResponse::Accepted().json(ReminderAnswer {
        interviewer_name,
        reminder,
    }))
}
