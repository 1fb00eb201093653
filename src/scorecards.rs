//! Interview kits, scorecards, the debrief and the decision.
//!
//! Independence: an interviewer reads other interviewers' scorecards for a
//! candidate only through the debrief, and only once every scorecard of
//! theirs for that candidate is submitted. A submitted scorecard is locked;
//! a change is an amendment with a reason, the earlier content kept beside it.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::{
    candidates, decisions, job_criteria, jobs, loops, questions, scorecard_amendments,
    scorecard_question_notes, scorecard_ratings, scorecard_red_flags, scorecards,
    stage_focus_criteria, stage_interviewers, stage_questions, stages, users,
};
use crate::db::write_transaction;
use crate::domain::Role;
use crate::domain::scorecard::{
    AgendaItem, QuestionNote, Rating, RatingEntry, Recommendation, RedFlagEntry, ScorecardContent,
    SubmittedCard, agenda, submission_problems,
};
use crate::error::AppError;

/// A stage of a candidate's loop: (loop id, job id, candidate id, job's hiring manager).
struct StageContext {
    job_id: i64,
    candidate_id: i64,
    hiring_manager_id: Option<i64>,
}

fn stage_context(conn: &mut DbConn, stage_id: i64) -> Result<StageContext, AppError> {
    let row: Option<(i64, Option<i64>, Option<i64>)> = stages::table
        .inner_join(loops::table.inner_join(jobs::table))
        .filter(stages::id.eq(stage_id))
        .select((jobs::id, loops::candidate_id, jobs::hiring_manager_id))
        .first(conn)
        .optional()?;
    match row {
        Some((job_id, Some(candidate_id), hiring_manager_id)) => Ok(StageContext {
            job_id,
            candidate_id,
            hiring_manager_id,
        }),
        _ => Err(AppError::NotFound),
    }
}

fn is_assigned(conn: &mut DbConn, stage_id: i64, user_id: i64) -> QueryResult<bool> {
    let n: i64 = stage_interviewers::table
        .filter(stage_interviewers::stage_id.eq(stage_id))
        .filter(stage_interviewers::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The kit: assigned interviewers, admins, recruiters, the job's hiring manager.
pub fn authorize_kit(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<(), AppError> {
    let ctx = stage_context(conn, stage_id)?;
    let allowed = match user.role() {
        Role::Admin | Role::Recruiter => true,
        Role::HiringManager if ctx.hiring_manager_id == Some(user.id) => true,
        _ => is_assigned(conn, stage_id, user.id)?,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Serialize)]
pub struct KitCriterion {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct KitQuestion {
    pub id: i64,
    pub prompt: String,
    pub why: String,
    pub prep_pointers: Vec<String>,
    pub follow_ups: Vec<String>,
    pub minutes: i64,
}

/// Everything an interviewer needs for one stage: a fixed number of queries.
pub fn kit(conn: &mut DbConn, stage_id: i64) -> Result<serde_json::Value, AppError> {
    let ctx = stage_context(conn, stage_id)?;
    let (title, duration, starts_at, time_zone, location, loop_id): (
        String,
        i64,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
        i64,
    ) = stages::table
        .find(stage_id)
        .select((
            stages::title,
            stages::duration_minutes,
            stages::starts_at,
            stages::time_zone,
            stages::location,
            stages::loop_id,
        ))
        .first(conn)?;
    let shape = crate::planning::load_loop(conn, loop_id)?;
    let stage = shape
        .stages
        .iter()
        .find(|s| s.id == stage_id)
        .ok_or(AppError::NotFound)?;
    let (candidate_name, job_title): (String, String) = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::id.eq(ctx.candidate_id))
        .select((candidates::name, jobs::title))
        .first(conn)?;
    let criteria: Vec<(i64, String, String, String)> = job_criteria::table
        .filter(job_criteria::job_id.eq(ctx.job_id))
        .order(job_criteria::position)
        .select((
            job_criteria::id,
            job_criteria::kind,
            job_criteria::name,
            job_criteria::description,
        ))
        .load(conn)?;
    let focus: Vec<KitCriterion> = criteria
        .iter()
        .filter(|c| stage.focus_criterion_ids.contains(&c.0))
        .map(|c| KitCriterion {
            id: c.0,
            name: c.2.clone(),
            description: c.3.clone(),
        })
        .collect();
    let red_flags: Vec<KitCriterion> = criteria
        .iter()
        .filter(|c| c.1 == "red_flag")
        .map(|c| KitCriterion {
            id: c.0,
            name: c.2.clone(),
            description: c.3.clone(),
        })
        .collect();
    let mut rows: HashMap<i64, KitQuestion> = questions::table
        .filter(questions::id.eq_any(&stage.question_ids))
        .select((
            questions::id,
            questions::prompt,
            questions::why_asked,
            questions::prep_pointers,
            questions::follow_ups,
            questions::suggested_minutes,
        ))
        .load::<(i64, String, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, prompt, why, pointers, follow_ups, minutes)| {
            let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
            (
                id,
                KitQuestion {
                    id,
                    prompt,
                    why,
                    prep_pointers: list(&pointers),
                    follow_ups: list(&follow_ups),
                    minutes,
                },
            )
        })
        .collect();
    let ordered: Vec<KitQuestion> = stage
        .question_ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .collect();
    Ok(json!({
        "stage": {"id": stage_id, "title": title, "stage_kind": stage.stage_kind, "format": stage.format, "duration_minutes": duration,
                  "starts_at": starts_at.map(|t| t.and_utc().to_rfc3339()), "time_zone": time_zone, "location": location},
        "candidate": {"id": ctx.candidate_id, "name": candidate_name},
        "job": {"id": ctx.job_id, "title": job_title},
        "focus_criteria": focus,
        "red_flags": red_flags,
        "questions": ordered,
    }))
}

#[derive(Debug, Serialize)]
pub struct OwnScorecard {
    pub id: Option<i64>,
    pub stage_id: i64,
    pub status: String,
    pub submitted_at: Option<String>,
    #[serde(flatten)]
    pub content: ScorecardContent,
}

/// The caller must interview on this stage to have a scorecard for it.
pub fn authorize_own(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<(), AppError> {
    stage_context(conn, stage_id)?;
    if is_assigned(conn, stage_id, user.id)? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn content_of(
    conn: &mut DbConn,
    scorecard_id: i64,
) -> QueryResult<(Option<Recommendation>, String, ScorecardContent)> {
    let (recommendation, summary): (Option<String>, String) = scorecards::table
        .find(scorecard_id)
        .select((scorecards::recommendation, scorecards::summary))
        .first(conn)?;
    let ratings = scorecard_ratings::table
        .filter(scorecard_ratings::scorecard_id.eq(scorecard_id))
        .select((
            scorecard_ratings::job_criterion_id,
            scorecard_ratings::rating,
            scorecard_ratings::evidence,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .filter_map(|(criterion_id, rating, evidence)| {
            rating.parse().ok().map(|rating| RatingEntry {
                criterion_id,
                rating,
                evidence,
            })
        })
        .collect();
    let red_flags = scorecard_red_flags::table
        .filter(scorecard_red_flags::scorecard_id.eq(scorecard_id))
        .select((
            scorecard_red_flags::job_criterion_id,
            scorecard_red_flags::observed,
            scorecard_red_flags::evidence,
        ))
        .load::<(i64, bool, String)>(conn)?
        .into_iter()
        .map(|(criterion_id, observed, evidence)| RedFlagEntry {
            criterion_id,
            observed,
            evidence,
        })
        .collect();
    let question_notes = scorecard_question_notes::table
        .filter(scorecard_question_notes::scorecard_id.eq(scorecard_id))
        .select((
            scorecard_question_notes::question_id,
            scorecard_question_notes::notes,
        ))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(question_id, notes)| QuestionNote { question_id, notes })
        .collect();
    let recommendation = recommendation.and_then(|r| r.parse().ok());
    Ok((
        recommendation,
        summary.clone(),
        ScorecardContent {
            ratings,
            red_flags,
            question_notes,
            recommendation,
            summary,
        },
    ))
}

fn find_own(
    conn: &mut DbConn,
    stage_id: i64,
    user_id: i64,
) -> QueryResult<Option<(i64, String, Option<NaiveDateTime>)>> {
    scorecards::table
        .filter(scorecards::stage_id.eq(stage_id))
        .filter(scorecards::interviewer_id.eq(user_id))
        .select((scorecards::id, scorecards::status, scorecards::submitted_at))
        .first(conn)
        .optional()
}

pub fn own(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<OwnScorecard, AppError> {
    Ok(match find_own(conn, stage_id, user.id)? {
        None => OwnScorecard {
            id: None,
            stage_id,
            status: "not_started".into(),
            submitted_at: None,
            content: ScorecardContent::default(),
        },
        Some((id, status, submitted_at)) => OwnScorecard {
            id: Some(id),
            stage_id,
            status,
            submitted_at: submitted_at.map(|t| t.and_utc().to_rfc3339()),
            content: content_of(conn, id)?.2,
        },
    })
}

/// Ratings only for the stage's focus, red flags only the job's, notes only
/// for the stage's questions; text within bounds.
fn check_content(
    conn: &mut DbConn,
    stage_id: i64,
    content: &ScorecardContent,
) -> Result<(Vec<i64>, Vec<i64>), AppError> {
    let ctx = stage_context(conn, stage_id)?;
    let focus: Vec<i64> = stage_focus_criteria::table
        .inner_join(job_criteria::table)
        .filter(stage_focus_criteria::stage_id.eq(stage_id))
        .order(job_criteria::position)
        .select(stage_focus_criteria::job_criterion_id)
        .load(conn)?;
    let red_flags: Vec<i64> = job_criteria::table
        .filter(job_criteria::job_id.eq(ctx.job_id))
        .filter(job_criteria::kind.eq("red_flag"))
        .order(job_criteria::position)
        .select(job_criteria::id)
        .load(conn)?;
    let asked: BTreeSet<i64> = stage_questions::table
        .filter(stage_questions::stage_id.eq(stage_id))
        .select(stage_questions::question_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    for r in &content.ratings {
        if !focus.contains(&r.criterion_id) {
            return Err(AppError::field(
                "ratings",
                format!("Criterion {} is not a focus of this stage.", r.criterion_id),
            ));
        }
    }
    for r in &content.red_flags {
        if !red_flags.contains(&r.criterion_id) {
            return Err(AppError::field(
                "red_flags",
                format!("{} is not one of this job's red flags.", r.criterion_id),
            ));
        }
    }
    for n in &content.question_notes {
        if !asked.contains(&n.question_id) {
            return Err(AppError::field(
                "question_notes",
                format!("Question {} is not asked in this stage.", n.question_id),
            ));
        }
    }
    let too_long = content
        .ratings
        .iter()
        .map(|r| &r.evidence)
        .chain(content.red_flags.iter().map(|r| &r.evidence))
        .chain(content.question_notes.iter().map(|n| &n.notes))
        .any(|t| t.chars().count() > 10_000)
        || content.summary.chars().count() > 10_000;
    if too_long {
        return Err(AppError::field(
            "summary",
            "Keep each text under 10,000 characters.",
        ));
    }
    Ok((focus, red_flags))
}

fn write_content(
    conn: &mut DbConn,
    scorecard_id: i64,
    content: &ScorecardContent,
) -> QueryResult<()> {
    diesel::update(scorecards::table.find(scorecard_id))
        .set((
            scorecards::recommendation.eq(content.recommendation.map(Recommendation::as_str)),
            scorecards::summary.eq(content.summary.trim()),
            scorecards::updated_at.eq(now()),
        ))
        .execute(conn)?;
    diesel::delete(
        scorecard_ratings::table.filter(scorecard_ratings::scorecard_id.eq(scorecard_id)),
    )
    .execute(conn)?;
    diesel::delete(
        scorecard_red_flags::table.filter(scorecard_red_flags::scorecard_id.eq(scorecard_id)),
    )
    .execute(conn)?;
    diesel::delete(
        scorecard_question_notes::table
            .filter(scorecard_question_notes::scorecard_id.eq(scorecard_id)),
    )
    .execute(conn)?;
    for r in &content.ratings {
        diesel::insert_into(scorecard_ratings::table)
            .values((
                scorecard_ratings::scorecard_id.eq(scorecard_id),
                scorecard_ratings::job_criterion_id.eq(r.criterion_id),
                scorecard_ratings::rating.eq(r.rating.as_str()),
                scorecard_ratings::evidence.eq(r.evidence.trim()),
            ))
            .execute(conn)?;
    }
    for r in &content.red_flags {
        diesel::insert_into(scorecard_red_flags::table)
            .values((
                scorecard_red_flags::scorecard_id.eq(scorecard_id),
                scorecard_red_flags::job_criterion_id.eq(r.criterion_id),
                scorecard_red_flags::observed.eq(r.observed),
                scorecard_red_flags::evidence.eq(r.evidence.trim()),
            ))
            .execute(conn)?;
    }
    for n in &content.question_notes {
        diesel::insert_into(scorecard_question_notes::table)
            .values((
                scorecard_question_notes::scorecard_id.eq(scorecard_id),
                scorecard_question_notes::question_id.eq(n.question_id),
                scorecard_question_notes::notes.eq(n.notes.trim()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Saves the caller's draft (always allowed until submitted).
pub fn save_draft(
    conn: &mut DbConn,
    user: &User,
    stage_id: i64,
    content: &ScorecardContent,
) -> Result<OwnScorecard, AppError> {
    write_transaction(conn, |conn| {
        check_content(conn, stage_id, content)?;
        let id = match find_own(conn, stage_id, user.id)? {
            Some((_, status, _)) if status == "submitted" => {
                return Err(AppError::Conflict("This scorecard is submitted and locked; send an amendment with a reason instead.".into()));
            }
            Some((id, ..)) => id,
            None => {
                let at = now();
                diesel::insert_into(scorecards::table)
                    .values((
                        scorecards::stage_id.eq(stage_id),
                        scorecards::interviewer_id.eq(user.id),
                        scorecards::status.eq("draft"),
                        scorecards::summary.eq(""),
                        scorecards::created_at.eq(at),
                        scorecards::updated_at.eq(at),
                    ))
                    .returning(scorecards::id)
                    .get_result(conn)?
            }
        };
        write_content(conn, id, content)?;
        own(conn, user, stage_id)
    })
}

/// Submits the caller's draft: 422 naming every missing field, else locked.
pub fn submit(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<OwnScorecard, AppError> {
    write_transaction(conn, |conn| {
        let (id, status, _) = find_own(conn, stage_id, user.id)?
            .ok_or_else(|| AppError::field("ratings", "Save a draft first."))?;
        if status == "submitted" {
            return Err(AppError::Conflict(
                "This scorecard is already submitted.".into(),
            ));
        }
        let content = content_of(conn, id)?.2;
        let (focus, red_flags) = check_content(conn, stage_id, &content)?;
        let problems = submission_problems(&content, &focus, &red_flags);
        if !problems.is_empty() {
            return Err(AppError::Validation {
                message: format!(
                    "{} thing(s) to fill before submitting; the draft is kept.",
                    problems.len()
                ),
                fields: problems.into_iter().collect(),
            });
        }
        let at = now();
        diesel::update(scorecards::table.find(id))
            .set((
                scorecards::status.eq("submitted"),
                scorecards::submitted_at.eq(Some(at)),
                scorecards::updated_at.eq(at),
            ))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "scorecard.submitted",
            ("scorecard", Some(id)),
            json!({"stage_id": stage_id}),
        )?;
        own(conn, user, stage_id)
    })
}

/// Changes a submitted scorecard: the reason and the content before and
/// after are kept as an amendment.
pub fn amend(
    conn: &mut DbConn,
    user: &User,
    stage_id: i64,
    reason: &str,
    content: &ScorecardContent,
) -> Result<OwnScorecard, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::field(
            "reason",
            "Say why you are changing a submitted scorecard.",
        ));
    }
    write_transaction(conn, |conn| {
        let (id, status, _) = find_own(conn, stage_id, user.id)?.ok_or(AppError::NotFound)?;
        if status != "submitted" {
            return Err(AppError::Conflict(
                "Only a submitted scorecard is amended; save the draft instead.".into(),
            ));
        }
        let (focus, red_flags) = check_content(conn, stage_id, content)?;
        let problems = submission_problems(content, &focus, &red_flags);
        if !problems.is_empty() {
            return Err(AppError::Validation {
                message: "An amended scorecard must still be complete.".into(),
                fields: problems.into_iter().collect(),
            });
        }
        let before = content_of(conn, id)?.2;
        diesel::insert_into(scorecard_amendments::table)
            .values((
                scorecard_amendments::scorecard_id.eq(id),
                scorecard_amendments::author_id.eq(user.id),
                scorecard_amendments::reason.eq(reason.trim()),
                scorecard_amendments::before_snapshot
                    .eq(serde_json::to_string(&before).map_err(AppError::internal)?),
                scorecard_amendments::after_snapshot
                    .eq(serde_json::to_string(content).map_err(AppError::internal)?),
                scorecard_amendments::created_at.eq(now()),
            ))
            .execute(conn)?;
        write_content(conn, id, content)?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "scorecard.amended",
            ("scorecard", Some(id)),
            json!({"reason": reason.trim()}),
        )?;
        own(conn, user, stage_id)
    })
}

/// Who may read a candidate's debrief. Interviewers on the candidate's loop:
/// only once all of their own scorecards for the candidate are submitted.
pub fn authorize_debrief(
    conn: &mut DbConn,
    user: &User,
    candidate_id: i64,
) -> Result<(), AppError> {
    let (loop_id, manager): (i64, Option<i64>) = loops::table
        .inner_join(jobs::table)
        .filter(loops::candidate_id.eq(candidate_id))
        .select((loops::id, jobs::hiring_manager_id))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    match user.role() {
        Role::Admin | Role::Recruiter => return Ok(()),
        Role::HiringManager if manager == Some(user.id) => return Ok(()),
        _ => {}
    }
    let mine: Vec<i64> = stage_interviewers::table
        .inner_join(stages::table)
        .filter(stages::loop_id.eq(loop_id))
        .filter(stage_interviewers::user_id.eq(user.id))
        .select(stages::id)
        .load(conn)?;
    if mine.is_empty() {
        return Err(AppError::NotFound);
    }
    let submitted: i64 = scorecards::table
        .filter(scorecards::stage_id.eq_any(&mine))
        .filter(scorecards::interviewer_id.eq(user.id))
        .filter(scorecards::status.eq("submitted"))
        .count()
        .get_result(conn)?;
    if (submitted as usize) < mine.len() {
        return Err(AppError::Forbidden(
            "Submit your own scorecard for this candidate first: you see the others' after that, so your judgement stays your own.".into(),
        ));
    }
    Ok(())
}

/// id, stage, interviewer, recommendation, summary, submitted at
type CardRow = (i64, i64, i64, Option<String>, String, Option<NaiveDateTime>);

/// The debrief: every submitted scorecard side by side, what is missing, the
/// agenda and the decisions. A fixed number of queries.
pub fn debrief(conn: &mut DbConn, candidate_id: i64) -> Result<serde_json::Value, AppError> {
    let (loop_id, job_id): (i64, i64) = loops::table
        .filter(loops::candidate_id.eq(candidate_id))
        .select((loops::id, loops::job_id))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let criteria: Vec<(i64, String, String)> = job_criteria::table
        .filter(job_criteria::job_id.eq(job_id))
        .order(job_criteria::position)
        .select((job_criteria::id, job_criteria::kind, job_criteria::name))
        .load(conn)?;
    let stage_rows: Vec<(i64, String)> = stages::table
        .filter(stages::loop_id.eq(loop_id))
        .order(stages::position)
        .select((stages::id, stages::title))
        .load(conn)?;
    let stage_ids: Vec<i64> = stage_rows.iter().map(|s| s.0).collect();
    let assigned: Vec<(i64, i64, String)> = stage_interviewers::table
        .inner_join(users::table)
        .filter(stage_interviewers::stage_id.eq_any(&stage_ids))
        .select((stage_interviewers::stage_id, users::id, users::name))
        .load(conn)?;
    let cards: Vec<CardRow> = scorecards::table
        .filter(scorecards::stage_id.eq_any(&stage_ids))
        .filter(scorecards::status.eq("submitted"))
        .order(scorecards::id)
        .select((
            scorecards::id,
            scorecards::stage_id,
            scorecards::interviewer_id,
            scorecards::recommendation,
            scorecards::summary,
            scorecards::submitted_at,
        ))
        .load(conn)?;
    let card_ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
    let ratings: Vec<(i64, i64, String, String)> = scorecard_ratings::table
        .filter(scorecard_ratings::scorecard_id.eq_any(&card_ids))
        .select((
            scorecard_ratings::scorecard_id,
            scorecard_ratings::job_criterion_id,
            scorecard_ratings::rating,
            scorecard_ratings::evidence,
        ))
        .load(conn)?;
    let flags: Vec<(i64, i64, bool, String)> = scorecard_red_flags::table
        .filter(scorecard_red_flags::scorecard_id.eq_any(&card_ids))
        .select((
            scorecard_red_flags::scorecard_id,
            scorecard_red_flags::job_criterion_id,
            scorecard_red_flags::observed,
            scorecard_red_flags::evidence,
        ))
        .load(conn)?;
    let name_of: HashMap<i64, String> = assigned
        .iter()
        .map(|(_, id, name)| (*id, name.clone()))
        .collect();
    let title_of: HashMap<i64, String> = stage_rows.iter().cloned().collect();
    let missing: Vec<serde_json::Value> = assigned
        .iter()
        .filter(|(stage, user, _)| !cards.iter().any(|c| c.1 == *stage && c.2 == *user))
        .map(|(stage, user, name)| json!({"stage_id": stage, "stage_title": title_of.get(stage), "interviewer_id": user, "interviewer_name": name}))
        .collect();
    let submitted: Vec<SubmittedCard> = cards
        .iter()
        .filter_map(|c| {
            let recommendation: Recommendation = c.3.as_deref()?.parse().ok()?;
            Some(SubmittedCard {
                scorecard_id: c.0,
                recommendation,
                ratings: ratings
                    .iter()
                    .filter(|r| r.0 == c.0)
                    .filter_map(|r| r.2.parse::<Rating>().ok().map(|x| (r.1, x)))
                    .collect(),
                red_flags_observed: flags
                    .iter()
                    .filter(|f| f.0 == c.0 && f.2)
                    .map(|f| f.1)
                    .collect(),
            })
        })
        .collect();
    let screening: Vec<i64> = criteria
        .iter()
        .filter(|c| c.1 == "criterion")
        .map(|c| c.0)
        .collect();
    let items: Vec<AgendaItem> = agenda(&screening, &submitted);
    let history: Vec<(i64, String, String, String, Option<i64>, NaiveDateTime)> = decisions::table
        .filter(decisions::candidate_id.eq(candidate_id))
        .order(decisions::id.desc())
        .select((
            decisions::id,
            decisions::outcome,
            decisions::rationale,
            decisions::criterion_ids,
            decisions::decided_by,
            decisions::created_at,
        ))
        .load(conn)?;
    Ok(json!({
        "candidate_id": candidate_id,
        "criteria": criteria.iter().map(|c| json!({"id": c.0, "kind": c.1, "name": c.2})).collect::<Vec<_>>(),
        "scorecards": cards.iter().map(|c| json!({
            "id": c.0, "stage_id": c.1, "stage_title": title_of.get(&c.1), "interviewer_id": c.2,
            "interviewer_name": name_of.get(&c.2), "recommendation": c.3, "summary": c.4,
            "submitted_at": c.5.map(|t| t.and_utc().to_rfc3339()),
            "ratings": ratings.iter().filter(|r| r.0 == c.0).map(|r| json!({"criterion_id": r.1, "rating": r.2, "evidence": r.3})).collect::<Vec<_>>(),
            "red_flags": flags.iter().filter(|f| f.0 == c.0).map(|f| json!({"criterion_id": f.1, "observed": f.2, "evidence": f.3})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "missing": missing,
        "agenda": items,
        "decisions": history.iter().map(|d| json!({
            "id": d.0, "outcome": d.1, "rationale": d.2,
            "criterion_ids": serde_json::from_str::<Vec<i64>>(&d.3).unwrap_or_default(),
            "decided_by": d.4, "decided_at": d.5.and_utc().to_rfc3339(),
        })).collect::<Vec<_>>(),
    }))
}

/// Admins and the job's hiring manager record (and revise) the decision.
pub fn decide(
    conn: &mut DbConn,
    user: &User,
    candidate_id: i64,
    outcome: &str,
    rationale: &str,
    criterion_ids: &[i64],
) -> Result<(), AppError> {
    if !["hire", "no_hire", "hold"].contains(&outcome) {
        return Err(AppError::field(
            "outcome",
            "Expected hire, no_hire or hold.",
        ));
    }
    if rationale.trim().is_empty() {
        return Err(AppError::field(
            "rationale",
            "Give the reasons for the decision.",
        ));
    }
    write_transaction(conn, |conn| {
        let (job_id, manager): (i64, Option<i64>) = candidates::table
            .inner_join(jobs::table)
            .filter(candidates::id.eq(candidate_id))
            .select((jobs::id, jobs::hiring_manager_id))
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        match user.role() {
            Role::Admin => {}
            Role::HiringManager if manager == Some(user.id) => {}
            Role::Recruiter | Role::HiringManager => {
                return Err(AppError::Forbidden(
                    "The hiring manager or an admin records the decision.".into(),
                ));
            }
            Role::Interviewer => return Err(AppError::NotFound),
        }
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
        diesel::insert_into(decisions::table)
            .values((
                decisions::candidate_id.eq(candidate_id),
                decisions::outcome.eq(outcome),
                decisions::rationale.eq(rationale.trim()),
                decisions::criterion_ids
                    .eq(serde_json::to_string(criterion_ids).map_err(AppError::internal)?),
                decisions::decided_by.eq(user.id),
                decisions::created_at.eq(now()),
            ))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "decision.recorded",
            ("candidate", Some(candidate_id)),
            json!({"outcome": outcome}),
        )?;
        Ok(())
    })
}

/// stage id, title, start, minutes, candidate name, job title, candidate id
type InterviewRow = (i64, String, Option<NaiveDateTime>, i64, String, String, i64);

/// An interviewer's stages on candidates' loops, newest first, with the
/// state of their scorecard.
pub fn my_interviews(
    conn: &mut DbConn,
    user: &User,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<serde_json::Value>, i64)> {
    let total: i64 = stage_interviewers::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(stage_interviewers::user_id.eq(user.id))
        .filter(loops::candidate_id.is_not_null())
        .count()
        .get_result(conn)?;
    let rows: Vec<InterviewRow> = stage_interviewers::table
        .inner_join(stages::table.inner_join(
            loops::table.inner_join(jobs::table).inner_join(
                candidates::table.on(loops::candidate_id.eq(candidates::id.nullable())),
            ),
        ))
        .filter(stage_interviewers::user_id.eq(user.id))
        .order((stages::starts_at.desc(), stages::id.desc()))
        .select((
            stages::id,
            stages::title,
            stages::starts_at,
            stages::duration_minutes,
            candidates::name,
            jobs::title,
            candidates::id,
        ))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let states: HashMap<i64, String> = scorecards::table
        .filter(scorecards::interviewer_id.eq(user.id))
        .filter(scorecards::stage_id.eq_any(&ids))
        .select((scorecards::stage_id, scorecards::status))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let at = now();
    Ok((
        rows
        .into_iter()
        .map(|(id, title, starts_at, minutes, candidate, job, candidate_id)| {
            let ended = starts_at.is_some_and(|s| s + chrono::Duration::minutes(minutes) < at);
            let state = match states.get(&id).map(String::as_str) {
                Some("submitted") => "submitted",
                _ if ended => "overdue",
                Some(_) => "draft",
                None => "not_started",
            };
            json!({"stage_id": id, "stage_title": title, "starts_at": starts_at.map(|t| t.and_utc().to_rfc3339()),
                   "duration_minutes": minutes, "candidate": {"id": candidate_id, "name": candidate}, "job_title": job, "scorecard": state})
        })
        .collect(),
        total,
    ))
}
