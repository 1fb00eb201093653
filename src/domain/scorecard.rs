//! Scorecards: the fixed rating scale, what a submittable scorecard holds,
//! and the debrief's agenda. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::text_enum::text_enum;

text_enum! {
    /// A scorecard is a draft until submitted; a submitted one is locked.
    pub enum ScorecardStatus {
        Draft = ("draft", "Draft"),
        Submitted = ("submitted", "Submitted"),
    }
}

text_enum! {
    /// The fixed 4-point scale, or "no signal" (the stage did not show it).
    pub enum Rating {
        StrongNo = ("strong_no", "Strong no"),
        No = ("no", "No"),
        Yes = ("yes", "Yes"),
        StrongYes = ("strong_yes", "Strong yes"),
        NoSignal = ("no_signal", "No signal"),
    }
}

impl Rating {
    /// 1 (strong no) to 4 (strong yes); none for "no signal".
    pub fn step(self) -> Option<i8> {
        match self {
            Rating::StrongNo => Some(1),
            Rating::No => Some(2),
            Rating::Yes => Some(3),
            Rating::StrongYes => Some(4),
            Rating::NoSignal => None,
        }
    }
}

text_enum! {
    /// The overall recommendation: the scale without "no signal".
    pub enum Recommendation {
        StrongNo = ("strong_no", "Strong no"),
        No = ("no", "No"),
        Yes = ("yes", "Yes"),
        StrongYes = ("strong_yes", "Strong yes"),
    }
}

impl Recommendation {
    pub fn step(self) -> i8 {
        match self {
            Recommendation::StrongNo => 1,
            Recommendation::No => 2,
            Recommendation::Yes => 3,
            Recommendation::StrongYes => 4,
        }
    }
}

text_enum! {
    /// Where an interviewer's scorecard for a stage stands, as they see it.
    pub enum ScorecardState {
        NotStarted = ("not_started", "Not started"),
        Draft = ("draft", "Draft"),
        Overdue = ("overdue", "Overdue"),
        Submitted = ("submitted", "Submitted"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatingEntry {
    pub criterion_id: i64,
    /// `None` in a draft whose evidence was typed before a rating was chosen.
    #[serde(default)]
    pub rating: Option<Rating>,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedFlagEntry {
    pub criterion_id: i64,
    /// `None` in a draft whose evidence was typed before choosing.
    #[serde(default)]
    pub observed: Option<bool>,
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionNote {
    pub question_id: i64,
    #[serde(default)]
    pub notes: String,
}

/// A scorecard's content, draft or submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScorecardContent {
    #[serde(default)]
    pub ratings: Vec<RatingEntry>,
    #[serde(default)]
    pub red_flags: Vec<RedFlagEntry>,
    #[serde(default)]
    pub question_notes: Vec<QuestionNote>,
    #[serde(default)]
    pub recommendation: Option<Recommendation>,
    #[serde(default)]
    pub summary: String,
}

/// The most characters (Unicode scalar values) a scorecard's summary holds.
pub const SUMMARY_MAX_CHARS: usize = 10_000;
/// The most characters the evidence for one criterion or red flag holds.
pub const EVIDENCE_MAX_CHARS: usize = 5_000;
/// The most characters the notes on one question hold.
pub const NOTES_MAX_CHARS: usize = 5_000;

/// Texts longer than their limit, by field (`summary`,
/// `ratings.<criterion id>.evidence`, `red_flags.<criterion id>.evidence`,
/// `question_notes.<question id>`), each message giving the length typed and
/// the limit. Empty when every text fits. Checked before anything is stored,
/// so a refused save keeps the draft as it was.
pub fn length_problems(content: &ScorecardContent) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    let mut check = |field: String, what: &str, text: &str, limit: usize| {
        let length = text.chars().count();
        if length > limit {
            problems.insert(
                field,
                format!(
                    "{what} is {} characters long; the limit is {}. Shorten it to save.",
                    thousands(length),
                    thousands(limit)
                ),
            );
        }
    };
    for r in &content.ratings {
        check(
            format!("ratings.{}.evidence", r.criterion_id),
            "The evidence",
            &r.evidence,
            EVIDENCE_MAX_CHARS,
        );
    }
    for f in &content.red_flags {
        check(
            format!("red_flags.{}.evidence", f.criterion_id),
            "The evidence",
            &f.evidence,
            EVIDENCE_MAX_CHARS,
        );
    }
    for n in &content.question_notes {
        check(
            format!("question_notes.{}", n.question_id),
            "The note",
            &n.notes,
            NOTES_MAX_CHARS,
        );
    }
    check(
        "summary".to_owned(),
        "The summary",
        &content.summary,
        SUMMARY_MAX_CHARS,
    );
    problems
}

/// `n` with a comma between thousands: 70000 as "70,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What must be filled before a scorecard can be submitted, by field
/// (`ratings.<criterion id>`, `red_flags.<criterion id>`, `recommendation`,
/// `summary`), each message naming its criterion or red flag. `focus` and
/// `red_flags` are `(id, name)` in the order the form shows them. Empty when
/// it can be submitted.
pub fn submission_problems(
    card: &ScorecardContent,
    focus: &[(i64, String)],
    red_flags: &[(i64, String)],
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (id, name) in focus {
        let entry = card.ratings.iter().find(|r| r.criterion_id == *id);
        let problem = match entry.map(|r| (r.rating, r.evidence.trim().is_empty())) {
            None | Some((None, _)) => Some(format!(
                "Rate \u{201c}{name}\u{201d}, or choose \u{201c}no signal\u{201d}."
            )),
            Some((Some(rating), true)) if rating != Rating::NoSignal => Some(format!(
                "Say what you saw that supports your rating of \u{201c}{name}\u{201d}."
            )),
            Some(_) => None,
        };
        if let Some(message) = problem {
            problems.push((format!("ratings.{id}"), message));
        }
    }
    for (id, name) in red_flags {
        let entry = card.red_flags.iter().find(|r| r.criterion_id == *id);
        let problem = match entry.map(|r| (r.observed, r.evidence.trim().is_empty())) {
            None | Some((None, _)) => Some(format!(
                "Say whether you observed the red flag \u{201c}{name}\u{201d}."
            )),
            Some((Some(true), true)) => Some(format!(
                "Describe what you observed of \u{201c}{name}\u{201d}."
            )),
            Some(_) => None,
        };
        if let Some(message) = problem {
            problems.push((format!("red_flags.{id}"), message));
        }
    }
    if card.recommendation.is_none() {
        problems.push((
            "recommendation".to_owned(),
            "Give your overall recommendation.".to_owned(),
        ));
    }
    if card.summary.trim().is_empty() {
        problems.push(("summary".to_owned(), "Write a short summary.".to_owned()));
    }
    problems
}

/// One submitted scorecard, as the agenda sees it.
#[derive(Debug, Clone)]
pub struct SubmittedCard {
    pub scorecard_id: i64,
    pub recommendation: Recommendation,
    pub ratings: Vec<(i64, Rating)>,
    pub red_flags_observed: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgendaItem {
    /// Ratings of one criterion two steps apart or more.
    Disagreement {
        criterion_id: i64,
        lowest: Rating,
        highest: Rating,
    },
    /// Nobody could rate it: no signal everywhere, or not rated at all.
    NoSignal { criterion_id: i64 },
    /// Not rated yet, and a stage that focuses on it still owes a scorecard.
    StillToCome { criterion_id: i64 },
    RedFlagRaised {
        criterion_id: i64,
        scorecard_ids: Vec<i64>,
    },
    /// The overall recommendation pulls against the card's own ratings.
    Contradiction {
        scorecard_id: i64,
        recommendation: Recommendation,
        criterion_id: i64,
        rating: Rating,
    },
}

/// What the debrief should talk about, in a stable order. `still_to_come`
/// names the criteria that a stage still owing a scorecard focuses on: one
/// nobody has rated yet is waited for, not called silent.
pub fn agenda(criteria: &[i64], cards: &[SubmittedCard], still_to_come: &[i64]) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    for id in criteria {
        let rated: Vec<Rating> = cards
            .iter()
            .flat_map(|c| {
                c.ratings
                    .iter()
                    .filter(|(cid, _)| cid == id)
                    .map(|(_, r)| *r)
            })
            .filter(|r| r.step().is_some())
            .collect();
        if rated.is_empty() {
            items.push(if still_to_come.contains(id) {
                AgendaItem::StillToCome { criterion_id: *id }
            } else {
                AgendaItem::NoSignal { criterion_id: *id }
            });
            continue;
        }
        let lowest = rated
            .iter()
            .copied()
            .min_by_key(|r| r.step())
            .unwrap_or(Rating::NoSignal);
        let highest = rated
            .iter()
            .copied()
            .max_by_key(|r| r.step())
            .unwrap_or(Rating::NoSignal);
        if highest.step().unwrap_or(0) - lowest.step().unwrap_or(0) >= 2 {
            items.push(AgendaItem::Disagreement {
                criterion_id: *id,
                lowest,
                highest,
            });
        }
    }
    let mut raised: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for card in cards {
        for flag in &card.red_flags_observed {
            raised.entry(*flag).or_default().insert(card.scorecard_id);
        }
    }
    for (criterion_id, ids) in raised {
        items.push(AgendaItem::RedFlagRaised {
            criterion_id,
            scorecard_ids: ids.into_iter().collect(),
        });
    }
    for card in cards {
        // A strong recommendation one way with a strong rating the other.
        let against = card.ratings.iter().find(|(_, r)| {
            r.step()
                .is_some_and(|s| (card.recommendation.step() - s).abs() >= 3)
        });
        if let Some((criterion_id, rating)) = against {
            items.push(AgendaItem::Contradiction {
                scorecard_id: card.scorecard_id,
                recommendation: card.recommendation,
                criterion_id: *criterion_id,
                rating: *rating,
            });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(criterion_id: i64, rating: Rating, evidence: &str) -> RatingEntry {
        RatingEntry {
            criterion_id,
            rating: Some(rating),
            evidence: evidence.into(),
        }
    }

    #[test]
    fn a_scorecard_is_submittable_only_when_complete() {
        let focus = [(1, "SQL".to_owned()), (2, "Testing".to_owned())];
        let flags = [(9, "Blames others".to_owned())];
        let mut card = ScorecardContent::default();
        let problems: Vec<String> = submission_problems(&card, &focus, &flags)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(
            problems,
            [
                "ratings.1",
                "ratings.2",
                "red_flags.9",
                "recommendation",
                "summary"
            ]
        );
        card.ratings = vec![rating(1, Rating::Yes, ""), rating(2, Rating::NoSignal, "")];
        card.red_flags = vec![RedFlagEntry {
            criterion_id: 9,
            observed: Some(true),
            evidence: " ".into(),
        }];
        card.recommendation = Some(Recommendation::Yes);
        card.summary = "Solid.".into();
        let problems = submission_problems(&card, &focus, &flags);
        assert_eq!(
            problems,
            [
                (
                    "ratings.1".to_owned(),
                    "Say what you saw that supports your rating of \u{201c}SQL\u{201d}.".to_owned()
                ),
                (
                    "red_flags.9".to_owned(),
                    "Describe what you observed of \u{201c}Blames others\u{201d}.".to_owned()
                )
            ],
            "evidence is needed except for no signal; each message names its criterion"
        );
        card.ratings[0].evidence = "Explained the index choice.".into();
        card.red_flags[0].evidence = "Skipped the edge cases.".into();
        assert!(submission_problems(&card, &focus, &flags).is_empty());
        // Evidence kept without a choice is a draft, not a submission.
        card.ratings[1].rating = None;
        card.red_flags[0].observed = None;
        let problems = submission_problems(&card, &focus, &flags);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].1.contains("Testing") && problems[1].1.contains("Blames others"));
    }

    fn submitted(
        id: i64,
        recommendation: Recommendation,
        ratings: &[(i64, Rating)],
        flags: &[i64],
    ) -> SubmittedCard {
        SubmittedCard {
            scorecard_id: id,
            recommendation,
            ratings: ratings.to_vec(),
            red_flags_observed: flags.to_vec(),
        }
    }

    #[test]
    fn the_agenda_names_disagreements_silence_red_flags_and_contradictions() {
        let cards = [
            submitted(
                100,
                Recommendation::StrongYes,
                &[
                    (1, Rating::StrongYes),
                    (2, Rating::NoSignal),
                    (3, Rating::StrongNo),
                ],
                &[],
            ),
            submitted(
                200,
                Recommendation::No,
                &[(1, Rating::No), (2, Rating::NoSignal), (3, Rating::No)],
                &[9],
            ),
        ];
        assert_eq!(
            agenda(&[1, 2, 3], &cards, &[]),
            [
                AgendaItem::Disagreement {
                    criterion_id: 1,
                    lowest: Rating::No,
                    highest: Rating::StrongYes
                },
                AgendaItem::NoSignal { criterion_id: 2 },
                AgendaItem::RedFlagRaised {
                    criterion_id: 9,
                    scorecard_ids: vec![200]
                },
                AgendaItem::Contradiction {
                    scorecard_id: 100,
                    recommendation: Recommendation::StrongYes,
                    criterion_id: 3,
                    rating: Rating::StrongNo
                },
            ]
        );
    }

    #[test]
    fn agreement_within_one_step_is_not_on_the_agenda() {
        let cards = [
            submitted(1, Recommendation::Yes, &[(1, Rating::Yes)], &[]),
            submitted(2, Recommendation::Yes, &[(1, Rating::StrongYes)], &[]),
        ];
        assert!(agenda(&[1], &cards, &[]).is_empty());
    }

    #[test]
    fn a_criterion_a_missing_scorecard_will_rate_is_still_to_come() {
        let cards = [submitted(1, Recommendation::Yes, &[(1, Rating::Yes)], &[])];
        assert_eq!(
            agenda(&[1, 2, 3], &cards, &[2]),
            [
                AgendaItem::StillToCome { criterion_id: 2 },
                AgendaItem::NoSignal { criterion_id: 3 },
            ]
        );
        // Once someone has rated it, waiting for more is not an agenda item.
        assert!(agenda(&[1], &cards, &[1]).is_empty());
    }

    #[test]
    fn texts_over_their_limit_are_named_with_their_length() {
        let mut content = ScorecardContent {
            summary: "s".repeat(SUMMARY_MAX_CHARS),
            ..ScorecardContent::default()
        };
        content.ratings.push(RatingEntry {
            criterion_id: 7,
            rating: None,
            evidence: "é".repeat(EVIDENCE_MAX_CHARS),
        });
        assert!(length_problems(&content).is_empty(), "at the limit is fine");
        content.summary.push('s');
        content.ratings[0].evidence.push('x');
        content.question_notes.push(QuestionNote {
            question_id: 3,
            notes: "n".repeat(70_000),
        });
        let problems = length_problems(&content);
        assert_eq!(
            problems.keys().collect::<Vec<_>>(),
            ["question_notes.3", "ratings.7.evidence", "summary"]
        );
        assert_eq!(
            problems["summary"],
            "The summary is 10,001 characters long; the limit is 10,000. Shorten it to save."
        );
        assert!(problems["question_notes.3"].contains("70,000 characters"));
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
