//! One interviewer's scorecard for one past stage, drawn from the model:
//! a rating is the candidate's quality plus the interviewer's bias plus
//! noise, cut into the scale; the plants bend it for the disputed
//! criterion and for distributed systems on system design.

use crate::db::prelude::*;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::history::{Focus, Stage, normal};
use super::{DISPUTED, FLAT, FLAT_STAGE};
use crate::db::DbConn;
use crate::db::schema::{
    scorecard_question_notes, scorecard_ratings, scorecard_red_flags, scorecards,
};
use crate::domain::{CriterionKind, Rating, Recommendation, ScorecardStatus};
use crate::error::AppError;

/// A latent score cut into the scale at −1, 0 and 1.
fn step_of(latent: f64) -> Rating {
    if latent < -1.0 {
        Rating::StrongNo
    } else if latent < 0.0 {
        Rating::No
    } else if latent < 1.0 {
        Rating::Yes
    } else {
        Rating::StrongYes
    }
}

fn recommendation_of(mean: f64) -> Recommendation {
    if mean >= 3.25 {
        Recommendation::StrongYes
    } else if mean >= 2.5 {
        Recommendation::Yes
    } else if mean >= 1.75 {
        Recommendation::No
    } else {
        Recommendation::StrongNo
    }
}

fn evidence(rating: Rating, criterion: &str, stage: &str) -> String {
    let what = criterion.to_lowercase();
    match rating {
        Rating::StrongYes => format!(
            "In the {stage}, went well beyond the question on {what}: named the trade-offs unprompted and backed them with a production story."
        ),
        Rating::Yes => format!(
            "Solid on {what} in the {stage}: a clear approach and sensible answers to the follow-ups."
        ),
        Rating::No => format!(
            "Thin on {what} in the {stage}: the outline was right but the follow-ups exposed gaps."
        ),
        Rating::StrongNo => {
            format!("Could not engage with {what} in the {stage}, even with hints.")
        }
        Rating::NoSignal => format!("The {stage} ran out of time before {what} came up."),
    }
}

/// One interviewer on one past stage of one candidate's loop.
pub(super) struct Sitting<'a> {
    pub stage: &'a Stage,
    /// The interviewer's user id.
    pub interviewer: i64,
    pub bias: f64,
    /// The candidate's hidden quality.
    pub quality: f64,
    /// The candidate's trait for the never-separating question.
    pub flat: f64,
    /// When the stage ended.
    pub ends: NaiveDateTime,
    pub focus: &'a [Focus],
    /// The questions the stage asks.
    pub asks: &'a [i64],
}

type RatingRow = (i64, Rating, String);
type RedFlagRow = (i64, bool, String);

/// Draws the ratings and red flags of a sitting, with the steps the
/// recommendation is the mean of.
fn draw(rng: &mut StdRng, s: &Sitting) -> (Vec<RatingRow>, Vec<RedFlagRow>, Vec<f64>) {
    let (stage, q) = (s.stage, s.quality);
    let mut ratings = Vec::new();
    let mut red_flags = Vec::new();
    let mut steps = Vec::new();
    for (criterion, kind, name, slug) in s.focus {
        match kind {
            CriterionKind::RedFlag => {
                let seen = rng.random_bool(if q < -0.5 { 0.3 } else { 0.04 });
                let evidence = if seen {
                    format!("Seen in the {}: {}.", stage.kind_name, name.to_lowercase())
                } else {
                    String::new()
                };
                red_flags.push((*criterion, seen, evidence));
            }
            CriterionKind::Criterion => {
                let rating = if rng.random_bool(0.04) {
                    Rating::NoSignal
                } else if slug == FLAT && stage.kind == FLAT_STAGE {
                    step_of(s.flat + 0.5 + normal(rng) * 0.15)
                } else {
                    let noise = if slug == DISPUTED { 1.6 } else { 0.5 };
                    step_of(q + s.bias + normal(rng) * noise)
                };
                if let Some(step) = rating.step() {
                    steps.push(f64::from(step));
                }
                ratings.push((*criterion, rating, evidence(rating, name, &stage.kind_name)));
            }
        }
    }
    (ratings, red_flags, steps)
}

/// Writes the sitting's submitted scorecard, 1 to 120 hours after the
/// stage ended, or nothing (false) for the 3% never submitted (overdue).
pub(super) fn submit(conn: &mut DbConn, rng: &mut StdRng, s: &Sitting) -> Result<bool, AppError> {
    if rng.random_bool(0.03) {
        return Ok(false);
    }
    let hours = match rng.random_range(0..100) {
        0..70 => rng.random_range(1..24),
        70..95 => rng.random_range(24..48),
        _ => rng.random_range(49..120),
    };
    let at = s.ends + Duration::hours(hours);
    let (ratings, red_flags, steps) = draw(rng, s);
    let mean = crate::domain::calibration::mean(&steps).unwrap_or(2.5);
    let recommendation = recommendation_of(mean);
    let scorecard: i64 = diesel::insert_into(scorecards::table)
        .values((
            scorecards::stage_id.eq(s.stage.id),
            scorecards::interviewer_id.eq(s.interviewer),
            scorecards::status.eq(ScorecardStatus::Submitted),
            scorecards::recommendation.eq(Some(recommendation)),
            scorecards::summary.eq(format!(
                "{} after the {}.",
                recommendation.label(),
                s.stage.kind_name
            )),
            scorecards::submitted_at.eq(Some(at)),
            scorecards::created_at.eq(s.ends),
            scorecards::updated_at.eq(at),
        ))
        .returning(scorecards::id)
        .get_result(conn)?;
    for (criterion, rating, evidence) in ratings {
        diesel::insert_into(scorecard_ratings::table)
            .values((
                scorecard_ratings::scorecard_id.eq(scorecard),
                scorecard_ratings::job_criterion_id.eq(criterion),
                scorecard_ratings::rating.eq(Some(rating)),
                scorecard_ratings::evidence.eq(evidence),
            ))
            .execute(conn)?;
    }
    for (criterion, seen, evidence) in red_flags {
        diesel::insert_into(scorecard_red_flags::table)
            .values((
                scorecard_red_flags::scorecard_id.eq(scorecard),
                scorecard_red_flags::job_criterion_id.eq(criterion),
                scorecard_red_flags::observed.eq(Some(seen)),
                scorecard_red_flags::evidence.eq(evidence),
            ))
            .execute(conn)?;
    }
    for question in s.asks {
        diesel::insert_into(scorecard_question_notes::table)
            .values((
                scorecard_question_notes::scorecard_id.eq(scorecard),
                scorecard_question_notes::question_id.eq(*question),
                scorecard_question_notes::notes
                    .eq("Covered the main points; the follow-ups showed how deep it goes."),
            ))
            .execute(conn)?;
    }
    Ok(true)
}
