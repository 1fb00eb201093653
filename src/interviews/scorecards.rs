//! Scorecards: one interviewer's record of one stage. A draft until
//! submitted; a submitted scorecard is locked, and a change is an amendment
//! with a reason, the earlier content kept beside it.

use std::collections::BTreeSet;

use crate::db::prelude::*;
use crate::db::run_query::update_kept;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::{
    job_criteria, scorecard_amendments, scorecard_question_notes, scorecard_ratings,
    scorecard_red_flags, scorecards, stage_focus_criteria, stage_questions,
};
use crate::db::write_transaction;
use crate::domain::scorecard::{
    QuestionNote, RatingEntry, Recommendation, RedFlagEntry, ScorecardContent, submission_problems,
};
use crate::domain::{CriterionKind, ScorecardState, ScorecardStatus};
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnScorecard {
    pub id: Option<i64>,
    pub stage_id: i64,
    pub status: ScorecardState,
    pub submitted_at: Option<String>,
    #[serde(flatten)]
    pub content: ScorecardContent,
}

/// A scorecard's own row: what [`find_own`] reads.
struct Found {
    id: i64,
    status: ScorecardStatus,
    submitted_at: Option<NaiveDateTime>,
    recommendation: Option<String>,
    summary: String,
}

/// The content of the scorecard `found`: its row's recommendation and
/// summary, with its ratings, red flags and notes, read in one statement
/// and put in key order.
fn content_of(conn: &mut DbConn, found: &Found) -> QueryResult<ScorecardContent> {
    use diesel::sql_types::{Bool, Integer, Nullable, Text};
    let no_rating = || None::<String>.into_sql::<Nullable<Text>>();
    let no_observation = || None::<bool>.into_sql::<Nullable<Bool>>();
    // The three kinds of answer in one statement, each row tagged with
    // its kind.
    let ratings = scorecard_ratings::table
        .filter(scorecard_ratings::scorecard_id.eq(found.id))
        .select((
            RATING.into_sql::<Integer>(),
            scorecard_ratings::job_criterion_id,
            scorecard_ratings::rating,
            no_observation(),
            scorecard_ratings::evidence,
        ));
    let red_flags = scorecard_red_flags::table
        .filter(scorecard_red_flags::scorecard_id.eq(found.id))
        .select((
            RED_FLAG.into_sql::<Integer>(),
            scorecard_red_flags::job_criterion_id,
            no_rating(),
            scorecard_red_flags::observed,
            scorecard_red_flags::evidence,
        ));
    let notes = scorecard_question_notes::table
        .filter(scorecard_question_notes::scorecard_id.eq(found.id))
        .select((
            NOTES.into_sql::<Integer>(),
            scorecard_question_notes::question_id,
            no_rating(),
            no_observation(),
            scorecard_question_notes::notes,
        ));
    let mut answers: Vec<AnswerRow> = ratings.union_all(red_flags).union_all(notes).load(conn)?;
    answers.sort_by_key(|answer| (answer.0, answer.1));
    let mut content = ScorecardContent {
        recommendation: found.recommendation.as_deref().and_then(|r| r.parse().ok()),
        summary: found.summary.clone(),
        ..ScorecardContent::default()
    };
    for (kind, id, rating, observed, text) in answers {
        match kind {
            RATING => content.ratings.push(RatingEntry {
                criterion_id: id,
                rating: rating.and_then(|r| r.parse().ok()),
                evidence: text,
            }),
            RED_FLAG => content.red_flags.push(RedFlagEntry {
                criterion_id: id,
                observed,
                evidence: text,
            }),
            _ => content.question_notes.push(QuestionNote {
                question_id: id,
                notes: text,
            }),
        }
    }
    Ok(content)
}

/// One answer on a scorecard: its kind ([`RATING`], [`RED_FLAG`] or
/// [`NOTES`]), the criterion or question it answers, the rating, whether
/// the red flag was observed, and the evidence or notes.
type AnswerRow = (i32, i64, Option<String>, Option<bool>, String);
const RATING: i32 = 0;
const RED_FLAG: i32 = 1;
const NOTES: i32 = 2;

/// `user_id`'s scorecard on `stage_id`, if they have started one.
fn find_own(conn: &mut DbConn, stage_id: i64, user_id: i64) -> QueryResult<Option<Found>> {
    scorecards::table
        .filter(scorecards::stage_id.eq(stage_id))
        .filter(scorecards::interviewer_id.eq(user_id))
        .select((
            scorecards::id,
            scorecards::status,
            scorecards::submitted_at,
            scorecards::recommendation,
            scorecards::summary,
        ))
        .first(conn)
        .optional()
        .map(|row| {
            row.map(
                |(id, status, submitted_at, recommendation, summary)| Found {
                    id,
                    status,
                    submitted_at,
                    recommendation,
                    summary,
                },
            )
        })
}

/// The job of a stage on which `user` keeps a scorecard (`KeepScorecard`:
/// only those assigned to the stage; 404 to anyone else).
fn job_of_own_stage(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<i64, AppError> {
    access::ensure(conn, user, Action::KeepScorecard, Target::Stage(stage_id))?
        .job_id
        .ok_or(AppError::NotFound)
}

/// The caller's own scorecard on a stage, "not started" until first saved.
pub fn own(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<OwnScorecard, AppError> {
    job_of_own_stage(conn, user, stage_id)?;
    read_own(conn, user, stage_id)
}

/// The caller's scorecard, unchecked: for services that have checked.
pub(crate) fn read_own(
    conn: &mut DbConn,
    user: &User,
    stage_id: i64,
) -> Result<OwnScorecard, AppError> {
    Ok(match find_own(conn, stage_id, user.id)? {
        None => OwnScorecard {
            id: None,
            stage_id,
            status: ScorecardState::NotStarted,
            submitted_at: None,
            content: ScorecardContent::default(),
        },
        Some(found) => OwnScorecard {
            id: Some(found.id),
            stage_id,
            status: match found.status {
                ScorecardStatus::Draft => ScorecardState::Draft,
                ScorecardStatus::Submitted => ScorecardState::Submitted,
            },
            submitted_at: found.submitted_at.map(|t| t.and_utc().to_rfc3339()),
            content: content_of(conn, &found)?,
        },
    })
}

/// The stage's focus criteria and the job's red flags, `(id, name)` in form
/// order.
type Asked = (Vec<(i64, String)>, Vec<(i64, String)>);

/// Ratings only for the stage's focus, red flags only the job's, notes only
/// for the stage's questions; text within bounds.
/// 422 naming every text over its limit (`domain::scorecard::length_problems`).
fn check_lengths(content: &ScorecardContent) -> Result<(), AppError> {
    let fields = crate::domain::scorecard::length_problems(content);
    if fields.is_empty() {
        return Ok(());
    }
    Err(AppError::Validation {
        message: "Some texts are longer than their limit.".into(),
        fields,
    })
}

fn check_content(
    conn: &mut DbConn,
    job_id: i64,
    stage_id: i64,
    content: &ScorecardContent,
) -> Result<Asked, AppError> {
    // The job's criteria, each with whether this stage focuses on it: the
    // focus and the red flags in one statement.
    let criteria: Vec<(i64, String, CriterionKind, Option<i64>)> = job_criteria::table
        .left_join(
            stage_focus_criteria::table.on(stage_focus_criteria::job_criterion_id
                .eq(job_criteria::id)
                .and(stage_focus_criteria::stage_id.eq(stage_id))),
        )
        .filter(job_criteria::job_id.eq(job_id))
        .order(job_criteria::position)
        .select((
            job_criteria::id,
            job_criteria::name,
            job_criteria::kind,
            stage_focus_criteria::stage_id.nullable(),
        ))
        .load(conn)?;
    let (mut focus, mut red_flags) = (Vec::new(), Vec::new());
    for (id, name, kind, focused) in criteria {
        if kind == CriterionKind::RedFlag {
            red_flags.push((id, name.clone()));
        }
        if focused.is_some() {
            focus.push((id, name));
        }
    }
    let asked: BTreeSet<i64> = stage_questions::table
        .filter(stage_questions::stage_id.eq(stage_id))
        .select(stage_questions::question_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    for r in &content.ratings {
        if !focus.iter().any(|(id, _)| *id == r.criterion_id) {
            return Err(AppError::field(
                "ratings",
                format!("Criterion {} is not a focus of this stage.", r.criterion_id),
            ));
        }
    }
    for r in &content.red_flags {
        if !red_flags.iter().any(|(id, _)| *id == r.criterion_id) {
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

/// `content` as it is stored and read back: texts trimmed, rows in key order.
fn as_stored(content: &ScorecardContent) -> ScorecardContent {
    let mut stored = content.clone();
    stored.summary = stored.summary.trim().to_owned();
    for r in &mut stored.ratings {
        r.evidence = r.evidence.trim().to_owned();
    }
    for r in &mut stored.red_flags {
        r.evidence = r.evidence.trim().to_owned();
    }
    for n in &mut stored.question_notes {
        n.notes = n.notes.trim().to_owned();
    }
    stored.ratings.sort_by_key(|r| r.criterion_id);
    stored.red_flags.sort_by_key(|r| r.criterion_id);
    stored.question_notes.sort_by_key(|n| n.question_id);
    stored
}

/// Between two versions of a table's rows: the keys of the rows gone, and
/// the rows to write (new, or changed).
fn row_changes<'a, T: PartialEq>(
    before: &[T],
    after: &'a [T],
    key: impl Fn(&T) -> i64,
) -> (Vec<i64>, Vec<&'a T>) {
    let gone = before
        .iter()
        .map(&key)
        .filter(|k| !after.iter().any(|new| key(new) == *k))
        .collect();
    let fresh = after.iter().filter(|new| !before.contains(new)).collect();
    (gone, fresh)
}

/// Brings scorecard `id` from `before` to `after` (both [`as_stored`]),
/// writing only the rows that changed: an autosave that changes one note
/// writes that note, not every row of the draft. A table costs a statement
/// for its rows gone and one for its rows new or changed, only when it
/// has them.
fn write_changes(
    conn: &mut DbConn,
    id: i64,
    before: &ScorecardContent,
    after: &ScorecardContent,
) -> QueryResult<()> {
    use diesel::upsert::excluded;
    update_kept(
        scorecards::table,
        scorecards::id.eq(id),
        (
            scorecards::recommendation.eq(after.recommendation.map(Recommendation::as_str)),
            scorecards::summary.eq(&after.summary),
            scorecards::updated_at.eq(now()),
        ),
    )
    .execute(conn)?;
    let (gone, fresh) = row_changes(&before.ratings, &after.ratings, |r| r.criterion_id);
    if !gone.is_empty() {
        diesel::delete(
            scorecard_ratings::table
                .filter(scorecard_ratings::scorecard_id.eq(id))
                .filter(scorecard_ratings::job_criterion_id.eq_any(gone)),
        )
        .execute(conn)?;
    }
    let rows: Vec<_> = fresh
        .iter()
        .map(|r| {
            (
                scorecard_ratings::scorecard_id.eq(id),
                scorecard_ratings::job_criterion_id.eq(r.criterion_id),
                scorecard_ratings::rating.eq(r.rating.map(crate::domain::Rating::as_str)),
                scorecard_ratings::evidence.eq(&r.evidence),
            )
        })
        .collect();
    crate::upsert_rows!(
        conn,
        scorecard_ratings::table,
        rows,
        (
            scorecard_ratings::scorecard_id,
            scorecard_ratings::job_criterion_id
        ),
        (
            scorecard_ratings::rating.eq(excluded(scorecard_ratings::rating)),
            scorecard_ratings::evidence.eq(excluded(scorecard_ratings::evidence)),
        )
    )?;
    let (gone, fresh) = row_changes(&before.red_flags, &after.red_flags, |r| r.criterion_id);
    if !gone.is_empty() {
        diesel::delete(
            scorecard_red_flags::table
                .filter(scorecard_red_flags::scorecard_id.eq(id))
                .filter(scorecard_red_flags::job_criterion_id.eq_any(gone)),
        )
        .execute(conn)?;
    }
    let rows: Vec<_> = fresh
        .iter()
        .map(|r| {
            (
                scorecard_red_flags::scorecard_id.eq(id),
                scorecard_red_flags::job_criterion_id.eq(r.criterion_id),
                scorecard_red_flags::observed.eq(r.observed),
                scorecard_red_flags::evidence.eq(&r.evidence),
            )
        })
        .collect();
    crate::upsert_rows!(
        conn,
        scorecard_red_flags::table,
        rows,
        (
            scorecard_red_flags::scorecard_id,
            scorecard_red_flags::job_criterion_id
        ),
        (
            scorecard_red_flags::observed.eq(excluded(scorecard_red_flags::observed)),
            scorecard_red_flags::evidence.eq(excluded(scorecard_red_flags::evidence)),
        )
    )?;
    let (gone, fresh) = row_changes(&before.question_notes, &after.question_notes, |n| {
        n.question_id
    });
    if !gone.is_empty() {
        diesel::delete(
            scorecard_question_notes::table
                .filter(scorecard_question_notes::scorecard_id.eq(id))
                .filter(scorecard_question_notes::question_id.eq_any(gone)),
        )
        .execute(conn)?;
    }
    let rows: Vec<_> = fresh
        .iter()
        .map(|n| {
            (
                scorecard_question_notes::scorecard_id.eq(id),
                scorecard_question_notes::question_id.eq(n.question_id),
                scorecard_question_notes::notes.eq(&n.notes),
            )
        })
        .collect();
    crate::upsert_rows!(
        conn,
        scorecard_question_notes::table,
        rows,
        (
            scorecard_question_notes::scorecard_id,
            scorecard_question_notes::question_id
        ),
        scorecard_question_notes::notes.eq(excluded(scorecard_question_notes::notes))
    )?;
    Ok(())
}

/// Saves the caller's draft (always allowed until submitted).
pub fn save_draft(
    conn: &mut DbConn,
    user: &User,
    stage_id: i64,
    content: &ScorecardContent,
) -> Result<OwnScorecard, AppError> {
    let job_id = job_of_own_stage(conn, user, stage_id)?;
    check_lengths(content)?;
    write_transaction(conn, |conn| {
        check_content(conn, job_id, stage_id, content)?;
        let (id, before) = match find_own(conn, stage_id, user.id)? {
            Some(found) if found.status == ScorecardStatus::Submitted => {
                return Err(AppError::Conflict("This scorecard is submitted and locked; send an amendment with a reason instead.".into()));
            }
            Some(found) => (found.id, content_of(conn, &found)?),
            None => {
                let at = now();
                diesel::insert_into(scorecards::table)
                    .values((
                        scorecards::stage_id.eq(stage_id),
                        scorecards::interviewer_id.eq(user.id),
                        scorecards::status.eq(ScorecardStatus::Draft),
                        scorecards::summary.eq(""),
                        scorecards::created_at.eq(at),
                        scorecards::updated_at.eq(at),
                    ))
                    .returning(scorecards::id)
                    .get_result(conn)
                    .map(|id| (id, ScorecardContent::default()))?
            }
        };
        let after = as_stored(content);
        write_changes(conn, id, &before, &after)?;
        Ok(OwnScorecard {
            id: Some(id),
            stage_id,
            status: ScorecardState::Draft,
            submitted_at: None,
            content: after,
        })
    })
}

/// Submits the caller's draft: 422 naming every missing field, else locked.
pub fn submit(conn: &mut DbConn, user: &User, stage_id: i64) -> Result<OwnScorecard, AppError> {
    let job_id = job_of_own_stage(conn, user, stage_id)?;
    write_transaction(conn, |conn| {
        let found = find_own(conn, stage_id, user.id)?
            .ok_or_else(|| AppError::field("ratings", "Save a draft first."))?;
        if found.status == ScorecardStatus::Submitted {
            return Err(AppError::Conflict(
                "This scorecard is already submitted.".into(),
            ));
        }
        let id = found.id;
        let content = content_of(conn, &found)?;
        let (focus, red_flags) = check_content(conn, job_id, stage_id, &content)?;
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
                scorecards::status.eq(ScorecardStatus::Submitted),
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
        crate::webhooks::events::scorecard_submitted(conn, id, at)?;
        read_own(conn, user, stage_id)
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
    let job_id = job_of_own_stage(conn, user, stage_id)?;
    check_lengths(content)?;
    if reason.trim().is_empty() {
        return Err(AppError::field(
            "reason",
            "Say why you are changing a submitted scorecard.",
        ));
    }
    write_transaction(conn, |conn| {
        let found = find_own(conn, stage_id, user.id)?.ok_or(AppError::NotFound)?;
        let id = found.id;
        if found.status != ScorecardStatus::Submitted {
            return Err(AppError::Conflict(
                "Only a submitted scorecard is amended; save the draft instead.".into(),
            ));
        }
        let (focus, red_flags) = check_content(conn, job_id, stage_id, content)?;
        let problems = submission_problems(content, &focus, &red_flags);
        if !problems.is_empty() {
            return Err(AppError::Validation {
                message: "An amended scorecard must still be complete.".into(),
                fields: problems.into_iter().collect(),
            });
        }
        let before = content_of(conn, &found)?;
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
        write_changes(conn, id, &before, &as_stored(content))?;
        AuditEvent::record(
            conn,
            Some(user.id),
            "scorecard.amended",
            ("scorecard", Some(id)),
            json!({"reason": reason.trim()}),
        )?;
        read_own(conn, user, stage_id)
    })
}
