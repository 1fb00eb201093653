//! The debrief as a page: the matrix of scorecards, the agenda, and the
//! decision form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::domain::scorecard::AgendaItem;
use crate::domain::{CriterionKind, DecisionOutcome, Recommendation};
use crate::error::AppError;
use crate::interviews::debrief;
use crate::web::extract::CsrfForm;
use crate::web::form::{Pairs, field};
use crate::web::{State, db, form_errors, merge, redirect_with_flash, render};

async fn debrief_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    candidate_id: i64,
    status: StatusCode,
    errors: &[(&str, String)],
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let d = db(state, move |conn| {
        debrief::debrief(conn, &user, candidate_id)
    })
    .await?;
    let debrief::Debrief {
        criteria,
        scorecards: cards,
        missing,
        agenda: items,
        decisions,
        may_decide: can_decide,
        candidate_name,
        job_title,
        ..
    } = d;
    let name_of = |id: i64| {
        criteria
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let rows: Vec<Value> = criteria
        .iter()
        .map(|c| {
            let red_flag = c.kind == CriterionKind::RedFlag;
            let cells: Vec<Value> = cards
                .iter()
                .map(|card| {
                    if red_flag {
                        let f = card.red_flags.iter().find(|f| f.criterion_id == c.id);
                        let (rating, label) = match f.map(|f| f.observed) {
                            Some(true) => ("yes", "Observed"),
                            Some(false) => ("no", "Not observed"),
                            None => ("", ""),
                        };
                        json!({"rating": rating, "rating_label": label,
                               "evidence": f.map(|f| f.evidence.as_str()).unwrap_or("")})
                    } else {
                        let r = card.ratings.iter().find(|r| r.criterion_id == c.id);
                        json!({"rating": r.map(|r| r.rating.as_str()).unwrap_or(""), "rating_label": r.map(|r| r.rating.label()).unwrap_or(""),
                               "evidence": r.map(|r| r.evidence.as_str()).unwrap_or("")})
                    }
                })
                .collect();
            json!({"name": c.name, "red_flag": red_flag, "cells": cells})
        })
        .collect();
    let mut raised: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for card in &cards {
        for f in card.red_flags.iter().filter(|f| f.observed) {
            raised
                .entry(name_of(f.criterion_id))
                .or_default()
                .push(json!({"interviewer_name": card.interviewer_name, "evidence": f.evidence}));
        }
    }
    let agenda: Vec<Value> = items
        .iter()
        .map(|item| {
            let message = match item {
                AgendaItem::Disagreement {
                    criterion_id,
                    lowest,
                    highest,
                } => format!(
                    "Ratings of “{}” run from {} to {}: talk it through.",
                    name_of(*criterion_id),
                    lowest.label(),
                    highest.label()
                ),
                AgendaItem::NoSignal { criterion_id } => {
                    format!("Nobody could rate “{}”.", name_of(*criterion_id))
                }
                AgendaItem::RedFlagRaised { criterion_id, .. } => {
                    format!("Red flag raised: “{}”.", name_of(*criterion_id))
                }
                AgendaItem::Contradiction {
                    scorecard_id,
                    recommendation,
                    criterion_id,
                    rating,
                } => {
                    let who = cards
                        .iter()
                        .find(|c| c.id == *scorecard_id)
                        .and_then(|c| c.interviewer_name.as_deref())
                        .unwrap_or("A scorecard");
                    format!(
                        "{who} recommends {} but rated “{}” {}.",
                        recommendation.label().to_lowercase(),
                        name_of(*criterion_id),
                        rating.label().to_lowercase()
                    )
                }
            };
            json!({"message": message})
        })
        .collect();
    let extra = merge(
        json!({
            "candidate": {"id": candidate_id, "name": candidate_name, "job_title": job_title},
            "criteria": criteria,
            "columns": cards.iter().map(|c| json!({"scorecard_id": c.id, "interviewer_name": c.interviewer_name, "stage_title": c.stage_title,
                "recommendation_label": c.recommendation.map(Recommendation::label).unwrap_or("")})).collect::<Vec<_>>(),
            "rows": rows,
            "missing": missing,
            "red_flags_raised": raised.into_iter().map(|(name, by)| json!({"name": name, "by": by})).collect::<Vec<_>>(),
            "agenda": agenda,
            "decisions": decisions.iter().map(|x| json!({
                "outcome_label": x.outcome.label(), "rationale": x.rationale,
                "decided_by_name": x.decided_by_name,
                "decided_at": x.decided_at,
            })).collect::<Vec<_>>(),
            "can_decide": can_decide,
            "outcomes": DecisionOutcome::ALL.iter().map(|o| json!({"value": o, "label": o.label()})).collect::<Vec<_>>(),
            "criteria_options": criteria.iter().map(|c| json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(),
        }),
        form_errors(errors),
    );
    let title = format!("Debrief: {candidate_name}");
    render(state, req, Some(me), status, "pages/debrief", &title, extra)
}

pub async fn debrief_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    debrief_page_with(&state, &req, &me, id.into_inner(), StatusCode::OK, &[]).await
}

pub async fn decision_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let candidate_id = id.into_inner();
    let pairs = form.0;
    let outcome = field(&pairs, "outcome").to_owned();
    let rationale = field(&pairs, "rationale").to_owned();
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "criterion_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let user = me.user.clone();
    let result = db(&state, move |conn| {
        debrief::decide(conn, &user, candidate_id, &outcome, &rationale, &ids)
    })
    .await;
    match result {
        Ok(()) => redirect_with_flash(
            &format!("/candidates/{candidate_id}/debrief"),
            "success",
            "Decision recorded.",
        ),
        Err(AppError::Validation { fields, .. }) => {
            let errors: Vec<(&str, String)> = fields
                .into_iter()
                .map(|(f, m)| {
                    (
                        if f == "outcome" {
                            "outcome"
                        } else {
                            "rationale"
                        },
                        m,
                    )
                })
                .collect();
            debrief_page_with(
                &state,
                &req,
                &me,
                candidate_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
