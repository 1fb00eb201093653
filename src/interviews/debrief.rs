//! The debrief: every submitted scorecard of a candidate side by side, the
//! agenda, and the decision.
//!
//! Independence: whoever has a scorecard to give on the candidate reads the
//! others' only once their own are submitted (the policy's `ReadDebrief`).

use std::collections::{BTreeSet, HashMap};

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::access::{self, Action, Actor, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::{
    candidates, decisions, job_criteria, jobs, loops, scorecard_amendments, scorecard_ratings,
    scorecard_red_flags, scorecards, stage_focus_criteria, stage_interviewers, stages, users,
};
use crate::db::write_transaction;
use crate::domain::scorecard::{
    AgendaItem, Rating, Recommendation, RedFlagEntry, SubmittedCard, agenda,
};
use crate::domain::{CandidateStatus, CriterionKind, DecisionOutcome, Invalid, ScorecardStatus};
use crate::error::AppError;

/// A criterion or red flag of the job, as the debrief lists them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DebriefCriterion {
    pub id: i64,
    pub kind: CriterionKind,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DebriefRating {
    pub criterion_id: i64,
    pub rating: Rating,
    pub evidence: String,
}

/// One submitted scorecard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DebriefScorecard {
    pub id: i64,
    pub stage_id: i64,
    pub stage_title: Option<String>,
    pub interviewer_id: i64,
    pub interviewer_name: Option<String>,
    pub recommendation: Option<Recommendation>,
    pub summary: String,
    /// RFC 3339, UTC.
    pub submitted_at: Option<String>,
    /// When it was last amended (RFC 3339, UTC): what the debrief shows is
    /// the amended version; the kit keeps the original beside it.
    pub amended_at: Option<String>,
    pub ratings: Vec<DebriefRating>,
    pub red_flags: Vec<RedFlagEntry>,
}

/// Why an assigned interviewer's scorecard is not in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outstanding {
    /// They are on the team and still owe it.
    Missing,
    /// They left the team (deactivated) before giving it: someone else must
    /// take the stage over.
    Left,
}

/// An assigned interviewer whose scorecard is not in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MissingScorecard {
    pub stage_id: i64,
    pub stage_title: Option<String>,
    pub interviewer_id: i64,
    pub interviewer_name: String,
    /// `missing` or `left`.
    pub state: Outstanding,
    /// The stage has ended, so the scorecard is due (a reminder makes sense).
    pub due: bool,
}

/// What the reassignment form needs (page only): the loop's version. Who
/// takes a stage over is typed and searched for, never listed whole.
#[derive(Debug, Clone, Default)]
pub struct Reassigning {
    pub loop_version: i64,
}

/// One recorded decision (every revision is kept), newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub outcome: DecisionOutcome,
    pub rationale: String,
    pub criterion_ids: Vec<i64>,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    /// RFC 3339, UTC.
    pub decided_at: String,
}

/// The debrief of a candidate: `GET /api/v1/candidates/{id}/debrief`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Debrief {
    pub candidate_id: i64,
    pub criteria: Vec<DebriefCriterion>,
    pub scorecards: Vec<DebriefScorecard>,
    /// Scorecards still owed by people on the team.
    pub missing: Vec<MissingScorecard>,
    /// Scorecards that people who left the team never gave.
    pub left: Vec<MissingScorecard>,
    pub agenda: Vec<AgendaItem>,
    pub decisions: Vec<DecisionView>,
    /// Whether the viewer may record the decision (not part of the API body).
    #[serde(skip)]
    pub may_decide: bool,
    /// Whether the viewer may remind people of missing scorecards
    /// (`ManageCandidate`; not part of the API body).
    #[serde(skip)]
    pub may_remind: bool,
    /// Set when the viewer may hand a stage of someone who left to someone
    /// else (`EditLoop`) and there is such a stage (not part of the API body).
    #[serde(skip)]
    pub reassigning: Option<Reassigning>,
    /// For the page's heading (not part of the API body).
    #[serde(skip)]
    pub candidate_name: String,
    #[serde(skip)]
    pub job_title: String,
}

/// id, stage, interviewer, recommendation, summary, submitted at, the
/// interviewer's name (theirs whether or not they are still on the stage)
type CardRow = (
    i64,
    i64,
    i64,
    Option<Recommendation>,
    String,
    Option<NaiveDateTime>,
    String,
);

/// Whether it is a red flag, scorecard, criterion, rating (ratings),
/// observed (red flags), evidence.
type CardAnswer = (bool, i64, i64, Option<Rating>, Option<bool>, String);

/// stage id, title, start, minutes, a criterion it focuses on
type StageFocusRow = (i64, String, Option<NaiveDateTime>, i64, Option<i64>);

/// The debrief: every submitted scorecard side by side, what is missing, the
/// agenda and the decisions. A fixed number of queries.
///
/// Asks the policy for `ReadDebrief`; `may_decide` answers `RecordDecision`
/// from the same scope.
pub fn debrief(conn: &mut DbConn, actor: &User, candidate_id: i64) -> Result<Debrief, AppError> {
    let scope = access::ensure(
        conn,
        actor,
        Action::ReadDebrief,
        Target::Candidate(candidate_id),
    )?;
    let may_decide = access::can(Actor::from(actor), Action::RecordDecision, &scope).is_ok();
    let may_reassign = access::can(Actor::from(actor), Action::EditLoop, &scope).is_ok();
    let may_remind = access::can(Actor::from(actor), Action::ManageCandidate, &scope).is_ok();
    let (Some(loop_id), Some(job_id)) = (scope.loop_id, scope.job_id) else {
        return Err(AppError::NotFound);
    };
    // The heading: whom and for what job.
    let (candidate_name, job_title): (String, String) = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::id.eq(candidate_id))
        .select((candidates::name, jobs::title))
        .first(conn)?;
    let criteria: Vec<(i64, CriterionKind, String)> = job_criteria::table
        .filter(job_criteria::job_id.eq(job_id))
        .order(job_criteria::position)
        .select((job_criteria::id, job_criteria::kind, job_criteria::name))
        .load(conn)?;
    // Each stage with each criterion it focuses on (a row for a stage with
    // none): one statement for the stages and what they owe.
    let stage_focus: Vec<StageFocusRow> = stages::table
        .left_join(stage_focus_criteria::table)
        .filter(stages::loop_id.eq(loop_id))
        .order((stages::position, stages::id))
        .select((
            stages::id,
            stages::title,
            stages::starts_at,
            stages::duration_minutes,
            stage_focus_criteria::job_criterion_id.nullable(),
        ))
        .load(conn)?;
    let mut stage_rows: Vec<(i64, String, Option<NaiveDateTime>, i64)> = Vec::new();
    for (id, title, starts_at, minutes, _) in &stage_focus {
        if stage_rows.last().is_none_or(|last| last.0 != *id) {
            stage_rows.push((*id, title.clone(), *starts_at, *minutes));
        }
    }
    let at = now();
    let ended: BTreeSet<i64> = stage_rows
        .iter()
        .filter(|(_, _, starts, minutes)| {
            starts.is_some_and(|s| s + chrono::Duration::minutes(*minutes) <= at)
        })
        .map(|s| s.0)
        .collect();
    // Each table below is reached through the loop's stages, not by a list
    // of ids: fixed statements the connection keeps prepared.
    let assigned: Vec<(i64, i64, String, bool)> = stage_interviewers::table
        .inner_join(users::table)
        .inner_join(stages::table)
        .filter(stages::loop_id.eq(loop_id))
        .order((stage_interviewers::stage_id, users::name))
        .select((
            stage_interviewers::stage_id,
            users::id,
            users::name,
            users::active,
        ))
        .load(conn)?;
    let cards: Vec<CardRow> = scorecards::table
        .inner_join(stages::table)
        .inner_join(users::table)
        .filter(stages::loop_id.eq(loop_id))
        .filter(scorecards::status.eq(ScorecardStatus::Submitted))
        .order(scorecards::id)
        .select((
            scorecards::id,
            scorecards::stage_id,
            scorecards::interviewer_id,
            scorecards::recommendation,
            scorecards::summary,
            scorecards::submitted_at,
            users::name,
        ))
        .load(conn)?;
    // Submitted cards only: every rating and red flag on them is chosen.
    // The cards' ratings and red flags in one statement, each row tagged
    // with whether it is a red flag.
    // Each amended card's newest amendment: its rows come in time order.
    let amended_at: HashMap<i64, NaiveDateTime> = scorecard_amendments::table
        .inner_join(scorecards::table.inner_join(stages::table))
        .filter(stages::loop_id.eq(loop_id))
        .order(scorecard_amendments::id)
        .select((
            scorecard_amendments::scorecard_id,
            scorecard_amendments::created_at,
        ))
        .load::<(i64, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    let (ratings, flags) = {
        use diesel::sql_types::{Bool, Nullable, Text};
        let submitted = scorecards::status.eq(ScorecardStatus::Submitted);
        let rated = scorecard_ratings::table
            .inner_join(scorecards::table.inner_join(stages::table))
            .filter(stages::loop_id.eq(loop_id).and(submitted))
            .select((
                false.into_sql::<Bool>(),
                scorecard_ratings::scorecard_id,
                scorecard_ratings::job_criterion_id,
                scorecard_ratings::rating,
                None::<bool>.into_sql::<Nullable<Bool>>(),
                scorecard_ratings::evidence,
            ));
        let flagged = scorecard_red_flags::table
            .inner_join(scorecards::table.inner_join(stages::table))
            .filter(stages::loop_id.eq(loop_id).and(submitted))
            .select((
                true.into_sql::<Bool>(),
                scorecard_red_flags::scorecard_id,
                scorecard_red_flags::job_criterion_id,
                None::<String>.into_sql::<Nullable<Text>>(),
                scorecard_red_flags::observed,
                scorecard_red_flags::evidence,
            ));
        let answers: Vec<CardAnswer> = rated.union_all(flagged).load(conn)?;
        let mut ratings: Vec<(i64, i64, Option<Rating>, String)> = Vec::new();
        let mut flags: Vec<(i64, i64, Option<bool>, String)> = Vec::new();
        for (red_flag, card, criterion, rating, observed, evidence) in answers {
            if red_flag {
                flags.push((card, criterion, observed, evidence));
            } else {
                ratings.push((card, criterion, rating, evidence));
            }
        }
        (ratings, flags)
    };
    let title_of: HashMap<i64, String> = stage_rows
        .iter()
        .map(|(id, title, ..)| (*id, title.clone()))
        .collect();
    let (missing, left): (Vec<MissingScorecard>, Vec<MissingScorecard>) = assigned
        .iter()
        .filter(|(stage, user, ..)| !cards.iter().any(|c| c.1 == *stage && c.2 == *user))
        .map(|(stage, user, name, active)| MissingScorecard {
            stage_id: *stage,
            stage_title: title_of.get(stage).cloned(),
            interviewer_id: *user,
            interviewer_name: name.clone(),
            state: if *active {
                Outstanding::Missing
            } else {
                Outstanding::Left
            },
            due: ended.contains(stage),
        })
        .partition(|m| m.state == Outstanding::Missing);
    let reassigning = if may_reassign && !left.is_empty() {
        let loop_version: i64 = loops::table
            .find(loop_id)
            .select(loops::version)
            .first(conn)?;
        Some(Reassigning { loop_version })
    } else {
        None
    };
    let submitted: Vec<SubmittedCard> = cards
        .iter()
        .filter_map(|c| {
            let recommendation = c.3?;
            Some(SubmittedCard {
                scorecard_id: c.0,
                recommendation,
                ratings: ratings
                    .iter()
                    .filter(|r| r.0 == c.0)
                    .filter_map(|r| Some((r.1, r.2?)))
                    .collect(),
                red_flags_observed: flags
                    .iter()
                    .filter(|f| f.0 == c.0 && f.2 == Some(true))
                    .map(|f| f.1)
                    .collect(),
            })
        })
        .collect();
    let screening: Vec<i64> = criteria
        .iter()
        .filter(|c| c.1 == CriterionKind::Criterion)
        .map(|c| c.0)
        .collect();
    // Criteria a stage still owes a scorecard on are still to come, not silent.
    let owed: BTreeSet<i64> = missing.iter().chain(&left).map(|m| m.stage_id).collect();
    let still_to_come: Vec<i64> = stage_focus
        .iter()
        .filter(|row| owed.contains(&row.0))
        .filter_map(|row| row.4)
        .collect();
    let items: Vec<AgendaItem> = agenda(&screening, &submitted, &still_to_come);
    // Each decision with the name of who took it, if they are known.
    type DecisionRow = (
        i64,
        DecisionOutcome,
        String,
        String,
        Option<i64>,
        NaiveDateTime,
        Option<String>,
    );
    let history: Vec<DecisionRow> = decisions::table
        .left_join(users::table)
        .filter(decisions::candidate_id.eq(candidate_id))
        .order(decisions::id.desc())
        .select((
            decisions::id,
            decisions::outcome,
            decisions::rationale,
            decisions::criterion_ids,
            decisions::decided_by,
            decisions::created_at,
            users::name.nullable(),
        ))
        .load(conn)?;
    Ok(Debrief {
        candidate_id,
        criteria: criteria
            .iter()
            .map(|c| DebriefCriterion {
                id: c.0,
                kind: c.1,
                name: c.2.clone(),
            })
            .collect(),
        scorecards: cards
            .iter()
            .map(|c| DebriefScorecard {
                id: c.0,
                stage_id: c.1,
                stage_title: title_of.get(&c.1).cloned(),
                interviewer_id: c.2,
                interviewer_name: Some(c.6.clone()),
                recommendation: c.3,
                summary: c.4.clone(),
                submitted_at: c.5.map(|t| t.and_utc().to_rfc3339()),
                amended_at: amended_at.get(&c.0).map(|t| t.and_utc().to_rfc3339()),
                ratings: ratings
                    .iter()
                    .filter(|r| r.0 == c.0)
                    .filter_map(|r| {
                        Some(DebriefRating {
                            criterion_id: r.1,
                            rating: r.2?,
                            evidence: r.3.clone(),
                        })
                    })
                    .collect(),
                red_flags: flags
                    .iter()
                    .filter(|f| f.0 == c.0)
                    .map(|f| RedFlagEntry {
                        criterion_id: f.1,
                        observed: f.2,
                        evidence: f.3.clone(),
                    })
                    .collect(),
            })
            .collect(),
        missing,
        left,
        agenda: items,
        decisions: history
            .into_iter()
            .map(|d| DecisionView {
                id: d.0,
                outcome: d.1,
                rationale: d.2,
                criterion_ids: serde_json::from_str::<Vec<i64>>(&d.3).unwrap_or_default(),
                decided_by: d.4,
                decided_by_name: d.6,
                decided_at: d.5.and_utc().to_rfc3339(),
            })
            .collect(),
        may_decide,
        may_remind,
        reassigning,
        candidate_name,
        job_title,
    })
}

/// The longest rationale a decision takes, in characters: the scorecards'
/// limit for one text.
pub const RATIONALE_MAX_CHARS: usize = 10_000;

/// Records (or revises) the decision: `RecordDecision`, admins and the
/// job's hiring manager.
pub fn decide(
    conn: &mut DbConn,
    user: &User,
    candidate_id: i64,
    outcome: &str,
    rationale: &str,
    criterion_ids: &[i64],
) -> Result<(), AppError> {
    if outcome.trim().is_empty() {
        return Err(AppError::field(
            "outcome",
            "Choose an outcome: hire, no hire or hold.",
        ));
    }
    let outcome: DecisionOutcome = outcome
        .parse()
        .map_err(|e: Invalid| AppError::field("outcome", e.0))?;
    if rationale.trim().is_empty() {
        return Err(AppError::field(
            "rationale",
            "Give the reasons for the decision.",
        ));
    }
    if rationale.chars().count() > RATIONALE_MAX_CHARS {
        return Err(AppError::field(
            "rationale",
            "Keep the reasons under 10,000 characters.",
        ));
    }
    write_transaction(conn, |conn| {
        let job_id = access::ensure(
            conn,
            user,
            Action::RecordDecision,
            Target::Candidate(candidate_id),
        )?
        .job_id
        .ok_or(AppError::NotFound)?;
        let known: BTreeSet<i64> = job_criteria::table
            .filter(job_criteria::job_id.eq(job_id))
            .select(job_criteria::id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        if let Some(unknown) = criterion_ids.iter().find(|id| !known.contains(id)) {
            return Err(AppError::field(
                "criterion_ids",
                format!("{unknown} is not a criterion of this job."),
            ));
        }
        let decision_id: i64 = diesel::insert_into(decisions::table)
            .values((
                decisions::candidate_id.eq(candidate_id),
                decisions::outcome.eq(outcome),
                decisions::rationale.eq(rationale.trim()),
                decisions::criterion_ids
                    .eq(serde_json::to_string(criterion_ids).map_err(AppError::internal)?),
                decisions::decided_by.eq(user.id),
                decisions::created_at.eq(now()),
            ))
            .returning(decisions::id)
            .get_result(conn)?;
        // The decision moves a candidate still in process to where it leads;
        // one who withdrew meanwhile stays withdrawn.
        diesel::update(
            candidates::table
                .find(candidate_id)
                .filter(candidates::status.eq_any(CandidateStatus::IN_PROCESS)),
        )
        .set((
            candidates::status.eq(outcome.leads_to()),
            candidates::ended_at.eq(outcome.leads_to().ended_at(now())),
            candidates::updated_at.eq(now()),
        ))
        .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "decision.recorded",
            ("candidate", Some(candidate_id)),
            json!({"outcome": outcome}),
        )?;
        crate::webhooks::events::decision_recorded(conn, decision_id, now())?;
        Ok(())
    })
}
