//! The debrief as a page: the matrix of scorecards, the agenda, and the
//! decision form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::domain::scorecard::AgendaItem;
use crate::domain::{CriterionKind, DecisionOutcome, Recommendation};
use crate::error::AppError;
use crate::interviews::{debrief, reminders};
use crate::web::extract::CsrfForm;
use crate::web::form::{Pairs, field, hidden_id};
use crate::web::{FormErrors, State, db, redirect_with_flash, render_loaded};

/// The debrief page's context: the matrix, the agenda in words, the
/// decisions and the decision form.
#[derive(Serialize)]
struct DebriefPage {
    candidate: CandidateHeading,
    criteria: Vec<debrief::DebriefCriterion>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    missing: Vec<debrief::MissingScorecard>,
    left: Vec<LeftLine>,
    can_remind: bool,
    can_reassign: bool,
    loop_version: i64,
    red_flags_raised: Vec<RaisedFlag>,
    agenda: Vec<Message>,
    decisions: Vec<DecisionLine>,
    can_decide: bool,
    outcomes: Vec<Choice>,
    criteria_options: Vec<CriterionOption>,
    /// What was typed into the decision form, kept when it comes back.
    values: DecisionTyped,
    #[serde(flatten)]
    form: FormErrors,
}

#[derive(Default, Serialize)]
struct DecisionTyped {
    outcome: String,
    rationale: String,
}

/// A scorecard someone who left never gave, with the form to hand the
/// stage to someone else.
#[derive(Serialize)]
struct LeftLine {
    stage_id: i64,
    stage_title: Option<String>,
    interviewer_id: i64,
    interviewer_name: String,
    /// Who was typed to take the stage over, kept when refused.
    typed: String,
    /// Why the last try to reassign this stage failed.
    error: Option<String>,
}

/// A reassignment that failed: of which stage and person, what was typed
/// (kept), and why.
#[derive(Clone)]
pub(super) struct ReassignAttempt {
    stage_id: i64,
    leaver_id: i64,
    typed: String,
    message: String,
}

#[derive(Serialize)]
struct CandidateHeading {
    id: i64,
    name: String,
    job_title: String,
}

#[derive(Serialize)]
struct Column {
    scorecard_id: i64,
    interviewer_name: Option<String>,
    stage_title: Option<String>,
    recommendation_label: &'static str,
    /// RFC 3339: shown by the `time` helper.
    amended_at: Option<String>,
}

#[derive(Serialize)]
struct Cell {
    rating_label: &'static str,
    /// The badge's classes ([`super::rating_tone`]).
    tone: &'static str,
    evidence: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    red_flag: bool,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct RaisedBy {
    interviewer_name: Option<String>,
    evidence: String,
}

#[derive(Serialize)]
struct RaisedFlag {
    name: String,
    by: Vec<RaisedBy>,
}

#[derive(Serialize)]
struct Message {
    message: String,
}

#[derive(Serialize)]
struct DecisionLine {
    outcome_label: &'static str,
    rationale: String,
    decided_by_name: Option<String>,
    decided_at: String,
}

#[derive(Serialize)]
struct Choice {
    value: DecisionOutcome,
    label: &'static str,
}

#[derive(Serialize)]
struct CriterionOption {
    id: i64,
    name: String,
    checked: bool,
}

impl DebriefPage {
    fn new(
        candidate_id: i64,
        d: debrief::Debrief,
        errors: &[(&str, String)],
        attempt: Option<&ReassignAttempt>,
    ) -> Self {
        let debrief::Debrief {
            criteria,
            scorecards: cards,
            missing,
            left,
            reassigning,
            may_remind,
            agenda: items,
            decisions,
            may_decide,
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
        let rows = criteria
            .iter()
            .map(|c| {
                let red_flag = c.kind == CriterionKind::RedFlag;
                let cells = cards
                    .iter()
                    .map(|card| {
                        if red_flag {
                            let f = card.red_flags.iter().find(|f| f.criterion_id == c.id);
                            let observed = f.and_then(|f| f.observed);
                            Cell {
                                rating_label: match observed {
                                    Some(true) => "Observed",
                                    Some(false) => "Not observed",
                                    None => "",
                                },
                                tone: observed.map_or("muted", super::red_flag_tone),
                                evidence: f.map(|f| f.evidence.clone()).unwrap_or_default(),
                            }
                        } else {
                            let r = card.ratings.iter().find(|r| r.criterion_id == c.id);
                            Cell {
                                rating_label: r.map(|r| r.rating.label()).unwrap_or(""),
                                tone: r.map_or("muted", |r| super::rating_tone(r.rating)),
                                evidence: r.map(|r| r.evidence.clone()).unwrap_or_default(),
                            }
                        }
                    })
                    .collect();
                Row {
                    name: c.name.clone(),
                    red_flag,
                    cells,
                }
            })
            .collect();
        let mut raised: BTreeMap<String, Vec<RaisedBy>> = BTreeMap::new();
        for card in &cards {
            for f in card.red_flags.iter().filter(|f| f.observed == Some(true)) {
                raised
                    .entry(name_of(f.criterion_id))
                    .or_default()
                    .push(RaisedBy {
                        interviewer_name: card.interviewer_name.clone(),
                        evidence: f.evidence.clone(),
                    });
            }
        }
        let left = left
            .into_iter()
            .map(|m| {
                let tried =
                    attempt.filter(|a| a.stage_id == m.stage_id && a.leaver_id == m.interviewer_id);
                LeftLine {
                    stage_id: m.stage_id,
                    stage_title: m.stage_title,
                    interviewer_id: m.interviewer_id,
                    interviewer_name: m.interviewer_name,
                    typed: tried.map(|a| a.typed.clone()).unwrap_or_default(),
                    error: tried.map(|a| a.message.clone()),
                }
            })
            .collect();
        let agenda = items
            .iter()
            .map(|item| Message {
                message: agenda_text(item, &name_of, &cards),
            })
            .collect();
        DebriefPage {
            candidate: CandidateHeading {
                id: candidate_id,
                name: candidate_name,
                job_title,
            },
            columns: cards
                .iter()
                .map(|c| Column {
                    scorecard_id: c.id,
                    interviewer_name: c.interviewer_name.clone(),
                    stage_title: c.stage_title.clone(),
                    recommendation_label: c.recommendation.map(Recommendation::label).unwrap_or(""),
                    amended_at: c.amended_at.clone(),
                })
                .collect(),
            rows,
            missing,
            left,
            can_remind: may_remind,
            can_reassign: reassigning.is_some(),
            loop_version: reassigning.as_ref().map_or(0, |r| r.loop_version),
            red_flags_raised: raised
                .into_iter()
                .map(|(name, by)| RaisedFlag { name, by })
                .collect(),
            agenda,
            decisions: decisions
                .into_iter()
                .map(|x| DecisionLine {
                    outcome_label: x.outcome.label(),
                    rationale: x.rationale,
                    decided_by_name: x.decided_by_name,
                    decided_at: x.decided_at,
                })
                .collect(),
            can_decide: may_decide,
            outcomes: DecisionOutcome::ALL
                .iter()
                .map(|o| Choice {
                    value: *o,
                    label: o.label(),
                })
                .collect(),
            criteria_options: criteria
                .iter()
                .map(|c| CriterionOption {
                    id: c.id,
                    name: c.name.clone(),
                    checked: false,
                })
                .collect(),
            criteria,
            values: DecisionTyped::default(),
            form: FormErrors::new(errors),
        }
    }

    /// Puts back what was typed into a decision form that was refused.
    fn keep_decision(&mut self, outcome: &str, rationale: &str, criterion_ids: &[i64]) {
        self.values = DecisionTyped {
            outcome: outcome.to_owned(),
            rationale: rationale.to_owned(),
        };
        for option in &mut self.criteria_options {
            option.checked = criterion_ids.contains(&option.id);
        }
    }
}

/// What the panel should talk about, in words.
fn agenda_text(
    item: &AgendaItem,
    name_of: &dyn Fn(i64) -> String,
    cards: &[debrief::DebriefScorecard],
) -> String {
    match item {
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
        AgendaItem::StillToCome { criterion_id } => format!(
            "“{}” is still to come: the scorecards that rate it are not in yet.",
            name_of(*criterion_id)
        ),
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
    }
}

async fn debrief_page_with(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    candidate_id: i64,
    status: StatusCode,
    errors: &[(&str, String)],
    attempt: Option<&ReassignAttempt>,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let errors: Vec<(String, String)> = errors
        .iter()
        .map(|(f, m)| ((*f).to_owned(), m.clone()))
        .collect();
    let attempt = attempt.cloned();
    render_loaded(state, req, Some(me), status, "pages/debrief", move |conn| {
        let d = debrief::debrief(conn, &user, candidate_id)?;
        let title = format!("Debrief: {}", d.candidate_name);
        let errors: Vec<(&str, String)> = errors
            .iter()
            .map(|(f, m)| (f.as_str(), m.clone()))
            .collect();
        let page = DebriefPage::new(candidate_id, d, &errors, attempt.as_ref());
        Ok((title, page))
    })
    .await
}

pub async fn debrief_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    debrief_page_with(
        &state,
        &req,
        &me,
        id.into_inner(),
        StatusCode::OK,
        &[],
        None,
    )
    .await
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
    let typed = (outcome.clone(), rationale.clone(), ids.clone());
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
            let user = me.user.clone();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_loaded(
                &state,
                &req,
                Some(&me),
                status,
                "pages/debrief",
                move |conn| {
                    let d = debrief::debrief(conn, &user, candidate_id)?;
                    let title = format!("Debrief: {}", d.candidate_name);
                    let mut page = DebriefPage::new(candidate_id, d, &errors, None);
                    let (outcome, rationale, ids) = typed;
                    page.keep_decision(&outcome, &rationale, &ids);
                    Ok((title, page))
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Hands the stage of someone who left to someone else: `stage_id`,
/// `leaver_id` and `version` (hidden fields), `replacement` (typed: an
/// email, a full name, or a suggestion "Name <email>"; the page suggests
/// people as one types). A refusal shows the debrief again with the reason
/// beside that stage and what was typed kept.
pub async fn reassign_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let candidate_id = id.into_inner();
    let pairs = form.0;
    let hidden = |name: &str| hidden_id(&pairs, name);
    let (stage_id, leaver_id, version) = (
        hidden("stage_id")?,
        hidden("leaver_id")?,
        hidden("version")?,
    );
    let typed = field(&pairs, "replacement").trim().to_owned();
    let (user, named) = (me.user.clone(), typed.clone());
    let result =
        db(&state, move |conn| {
            let replacement =
                match crate::loops::planner::typed_interviewers(conn, "replacement", &named)?
                    .as_slice()
                {
                    [] => None,
                    [id] => Some(*id),
                    _ => {
                        return Err(AppError::field(
                            "replacement",
                            "Name one person to take this stage over.",
                        ));
                    }
                };
            super::leavers::reassign(
                conn,
                &user,
                candidate_id,
                stage_id,
                leaver_id,
                replacement,
                version,
            )
        })
        .await;
    let (status, message) = match result {
        Ok(()) => {
            return redirect_with_flash(
                &format!("/candidates/{candidate_id}/debrief"),
                "success",
                "Stage reassigned.",
            );
        }
        Err(AppError::Validation { fields, message }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            fields.into_values().next().unwrap_or(message),
        ),
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(e) => return Err(e),
    };
    let attempt = ReassignAttempt {
        stage_id,
        leaver_id,
        typed,
        message,
    };
    debrief_page_with(&state, &req, &me, candidate_id, status, &[], Some(&attempt)).await
}

/// "Remind now" beside a missing scorecard: `stage_id` and `interviewer_id`
/// (hidden fields). Back to the debrief with what was done; a stage with
/// nothing due is a message there, never an error page.
pub async fn remind_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    let candidate_id = id.into_inner();
    let pairs = form.0;
    let hidden = |name: &str| hidden_id(&pairs, name);
    let (stage_id, interviewer_id) = (hidden("stage_id")?, hidden("interviewer_id")?);
    let (user, st) = (me.user.clone(), state.clone());
    let result = db(&state, move |conn| {
        reminders::remind_now(
            conn,
            &user,
            &st.templates,
            &st.public_url,
            candidate_id,
            stage_id,
            interviewer_id,
            crate::db::models::now(),
        )
    })
    .await;
    let back = format!("/candidates/{candidate_id}/debrief#missing-heading");
    match result {
        Ok((name, reminders::Reminded::Queued)) => {
            state.mail_wake.notify_one();
            redirect_with_flash(&back, "success", &format!("Reminder emailed to {name}."))
        }
        Ok((name, reminders::Reminded::AlreadyToday)) => redirect_with_flash(
            &back,
            "info",
            &format!("{name} was already reminded today."),
        ),
        Err(AppError::Validation { fields, message }) => redirect_with_flash(
            &back,
            "error",
            &fields.into_values().next().unwrap_or(message),
        ),
        Err(e) => Err(e),
    }
}
