//! The kit page's context: the kit with the scorecard beside it, filled
//! with what the interviewer saved or just typed.

use std::collections::HashMap;

use serde::Serialize;

use super::kit::{KitCandidate, KitJob, KitView};
use crate::domain::scorecard::{RatingEntry, RedFlagEntry, ScorecardContent};
use crate::domain::{Rating, Recommendation, ScorecardState};
use crate::web::FormErrors;

#[derive(Serialize)]
pub struct KitPage {
    stage: StageHeading,
    candidate: KitCandidate,
    job: KitJob,
    focus: Vec<RatingField>,
    red_flags: Vec<RedFlagField>,
    questions: Vec<QuestionCard>,
    scorecard: ScorecardHeading,
    /// The recommendation's radio buttons, the one given checked.
    recommendations: Vec<ScaleStep>,
    /// What was submitted, for the read-only view above the amendment
    /// form (which shows what was just typed, if anything).
    submitted: Option<SubmittedAnswers>,
    values: TypedValues,
    can_debrief: bool,
    limits: TextLimits,
    #[serde(flatten)]
    form: FormErrors,
    #[serde(skip)]
    title: String,
}

/// A submitted scorecard's answers, as the kit shows them read-only.
#[derive(Serialize)]
struct SubmittedAnswers {
    focus: Vec<SubmittedRating>,
    red_flags: Vec<SubmittedRedFlag>,
    questions: Vec<SubmittedNotes>,
    recommendation_label: &'static str,
    summary: String,
}

/// Form fields outside the scorecard's content, as typed.
#[derive(Serialize)]
struct TypedValues {
    reason: String,
}

/// What came back from a scorecard form that did not save: the content
/// (what parsed of it) and, for an amendment, its reason.
#[derive(Debug, Clone, Default)]
pub struct TypedScorecard {
    pub content: ScorecardContent,
    pub reason: String,
}

#[derive(Serialize)]
struct StageHeading {
    id: i64,
    title: String,
    kind: String,
    format: String,
    duration_minutes: i64,
    /// RFC 3339, UTC: shown by the `time` helper.
    when: Option<String>,
    /// The stage's zone (the candidate's), shown beside the viewer's.
    time_zone: Option<String>,
    location: Option<String>,
    /// The location, when it is a meeting link to follow.
    location_url: Option<String>,
}

#[derive(Serialize)]
struct RatingField {
    id: i64,
    name: String,
    description: String,
    rating_label: &'static str,
    /// The rating badge's classes ([`super::rating_tone`]).
    rating_tone: &'static str,
    /// The scale's radio buttons, the rating given checked.
    choices: Vec<ScaleStep>,
    evidence: String,
    error: Option<String>,
    evidence_error: Option<String>,
    /// The evidence box is marked invalid: its own error or the rating's.
    evidence_invalid: bool,
}

#[derive(Serialize)]
struct RedFlagField {
    id: i64,
    name: String,
    description: String,
    /// Observed, not observed, or neither when not chosen yet.
    observed_yes: bool,
    observed_no: bool,
    evidence: String,
    error: Option<String>,
    evidence_error: Option<String>,
    /// The evidence box is marked invalid: its own error or the answer's.
    evidence_invalid: bool,
}

#[derive(Serialize)]
struct QuestionCard {
    id: i64,
    number: usize,
    prompt: String,
    why: String,
    prep_pointers: Vec<String>,
    follow_ups: Vec<String>,
    minutes: i64,
    notes: String,
    notes_error: Option<String>,
}

/// A criterion's rating as submitted: the read-only view shows no more
/// (not the scale's radio buttons nor the criterion's description).
#[derive(Serialize)]
struct SubmittedRating {
    name: String,
    rating_label: &'static str,
    rating_tone: &'static str,
    evidence: String,
}

impl From<RatingField> for SubmittedRating {
    fn from(field: RatingField) -> Self {
        SubmittedRating {
            name: field.name,
            rating_label: field.rating_label,
            rating_tone: field.rating_tone,
            evidence: field.evidence,
        }
    }
}

/// A red flag's answer as submitted: the read-only view shows no more.
#[derive(Serialize)]
struct SubmittedRedFlag {
    name: String,
    observed_yes: bool,
    observed_no: bool,
    evidence: String,
}

impl From<RedFlagField> for SubmittedRedFlag {
    fn from(field: RedFlagField) -> Self {
        SubmittedRedFlag {
            name: field.name,
            observed_yes: field.observed_yes,
            observed_no: field.observed_no,
            evidence: field.evidence,
        }
    }
}

/// A question's notes as submitted: the read-only view shows no more.
#[derive(Serialize)]
struct SubmittedNotes {
    number: usize,
    notes: String,
}

#[derive(Serialize)]
struct ScorecardHeading {
    status: ScorecardState,
    recommendation_label: &'static str,
    summary: String,
    locked: bool,
    can_score: bool,
}

/// The longest texts the form takes, in characters, as numbers for
/// `maxlength` and as words for the hints.
#[derive(Serialize)]
struct TextLimits {
    summary: usize,
    summary_words: String,
    evidence: usize,
    evidence_words: String,
    notes: usize,
    notes_words: String,
}

impl TextLimits {
    fn new() -> Self {
        use crate::domain::scorecard::{
            EVIDENCE_MAX_CHARS, NOTES_MAX_CHARS, SUMMARY_MAX_CHARS, thousands,
        };
        TextLimits {
            summary: SUMMARY_MAX_CHARS,
            summary_words: thousands(SUMMARY_MAX_CHARS),
            evidence: EVIDENCE_MAX_CHARS,
            evidence_words: thousands(EVIDENCE_MAX_CHARS),
            notes: NOTES_MAX_CHARS,
            notes_words: thousands(NOTES_MAX_CHARS),
        }
    }
}

/// A radio button of a scale: the rating's or the recommendation's.
#[derive(Serialize)]
struct ScaleStep {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

impl KitPage {
    /// `typed` is what came back from a form that did not save; otherwise
    /// the saved scorecard is shown. `errors` are keyed by form field.
    pub fn new(view: KitView, typed: Option<&TypedScorecard>, errors: &[(String, String)]) -> Self {
        let KitView {
            kit,
            own,
            may_read_debrief,
        } = view;
        let saved = own.as_ref().map(|o| &o.content);
        let locked = own
            .as_ref()
            .is_none_or(|o| o.status == ScorecardState::Submitted);
        let empty = ScorecardContent::default();
        let content = typed.map(|t| &t.content).or(saved).unwrap_or(&empty);
        let error_for = |key: String| {
            errors
                .iter()
                .find(|(f, _)| *f == key)
                .map(|(_, m)| m.clone())
        };
        let (focus, red_flags) = answer_fields(&kit, content, &error_for);
        let questions = question_cards(&kit, content, &error_for);
        let submitted = saved.filter(|_| locked).map(|saved| {
            let (focus, red_flags) = answer_fields(&kit, saved, &|_| None);
            let notes = notes_by_question(saved);
            let questions = kit
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| SubmittedNotes {
                    number: i + 1,
                    notes: notes.get(&q.id).copied().unwrap_or("").to_owned(),
                })
                .collect();
            SubmittedAnswers {
                focus: focus.into_iter().map(SubmittedRating::from).collect(),
                red_flags: red_flags.into_iter().map(SubmittedRedFlag::from).collect(),
                questions,
                recommendation_label: saved
                    .recommendation
                    .map(Recommendation::label)
                    .unwrap_or(""),
                summary: saved.summary.clone(),
            }
        });
        let errors: Vec<(&str, String)> = errors
            .iter()
            .map(|(f, m)| (f.as_str(), m.clone()))
            .collect();
        let title = format!("{} with {}", kit.stage.title, kit.candidate.name);
        let stage = kit.stage;
        KitPage {
            stage: StageHeading {
                id: stage.id,
                title: stage.title,
                kind: stage.stage_kind,
                format: stage.format_name,
                duration_minutes: stage.duration_minutes,
                when: stage.starts_at,
                time_zone: stage.time_zone,
                location_url: stage
                    .location
                    .as_deref()
                    .and_then(crate::candidates::web_link),
                location: stage.location,
            },
            candidate: kit.candidate,
            job: kit.job,
            focus,
            red_flags,
            questions,
            scorecard: ScorecardHeading {
                status: own
                    .as_ref()
                    .map_or(ScorecardState::NotStarted, |o| o.status),
                recommendation_label: content
                    .recommendation
                    .map(Recommendation::label)
                    .unwrap_or(""),
                summary: content.summary.clone(),
                locked,
                can_score: own.is_some(),
            },
            recommendations: Recommendation::ALL
                .iter()
                .map(|&r| ScaleStep {
                    value: r.as_str(),
                    label: r.label(),
                    checked: content.recommendation == Some(r),
                })
                .collect(),
            submitted,
            values: TypedValues {
                reason: typed.map(|t| t.reason.clone()).unwrap_or_default(),
            },
            can_debrief: may_read_debrief,
            limits: TextLimits::new(),
            form: FormErrors::new(&errors),
            title,
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }
}

/// The kit's criteria and red flags, each with its answer in `content` and
/// its error from `error_for` (keyed by form field).
fn answer_fields(
    kit: &super::kit::Kit,
    content: &ScorecardContent,
    error_for: &dyn Fn(String) -> Option<String>,
) -> (Vec<RatingField>, Vec<RedFlagField>) {
    let ratings: HashMap<i64, &RatingEntry> = content
        .ratings
        .iter()
        .map(|r| (r.criterion_id, r))
        .collect();
    let flags: HashMap<i64, &RedFlagEntry> = content
        .red_flags
        .iter()
        .map(|r| (r.criterion_id, r))
        .collect();
    let focus = kit
        .focus_criteria
        .iter()
        .map(|c| {
            let r = ratings.get(&c.id);
            let rating = r.and_then(|r| r.rating);
            let error = error_for(format!("rating-{}", c.id));
            let evidence_error = error_for(format!("evidence-{}", c.id));
            RatingField {
                id: c.id,
                name: c.name.clone(),
                description: c.description.clone(),
                rating_label: rating.map(Rating::label).unwrap_or(""),
                rating_tone: rating.map_or("muted", super::rating_tone),
                choices: Rating::ALL
                    .iter()
                    .map(|&step| ScaleStep {
                        value: step.as_str(),
                        label: step.label(),
                        checked: rating == Some(step),
                    })
                    .collect(),
                evidence: r.map(|r| r.evidence.clone()).unwrap_or_default(),
                evidence_invalid: error.is_some() || evidence_error.is_some(),
                error,
                evidence_error,
            }
        })
        .collect();
    let red_flags = kit
        .red_flags
        .iter()
        .map(|c| {
            let f = flags.get(&c.id);
            let observed = f.and_then(|f| f.observed);
            let error = error_for(format!("red_flag-{}", c.id));
            let evidence_error = error_for(format!("red_flag_evidence-{}", c.id));
            RedFlagField {
                id: c.id,
                name: c.name.clone(),
                description: c.description.clone(),
                observed_yes: observed == Some(true),
                observed_no: observed == Some(false),
                evidence: f.map(|f| f.evidence.clone()).unwrap_or_default(),
                evidence_invalid: error.is_some() || evidence_error.is_some(),
                error,
                evidence_error,
            }
        })
        .collect();
    (focus, red_flags)
}

/// Each question's notes in `content`, by question id.
fn notes_by_question(content: &ScorecardContent) -> HashMap<i64, &str> {
    content
        .question_notes
        .iter()
        .map(|n| (n.question_id, n.notes.as_str()))
        .collect()
}

/// The kit's questions as the form shows them, with the notes in `content`.
fn question_cards(
    kit: &super::kit::Kit,
    content: &ScorecardContent,
    error_for: &dyn Fn(String) -> Option<String>,
) -> Vec<QuestionCard> {
    let notes = notes_by_question(content);
    kit.questions
        .iter()
        .enumerate()
        .map(|(i, q)| QuestionCard {
            id: q.id,
            number: i + 1,
            prompt: q.prompt.clone(),
            why: q.why.clone(),
            prep_pointers: q.prep_pointers.clone(),
            follow_ups: q.follow_ups.clone(),
            minutes: q.minutes,
            notes: notes.get(&q.id).copied().unwrap_or("").to_owned(),
            notes_error: error_for(format!("notes-{}", q.id)),
        })
        .collect()
}
