//! The tone of a badge that shows a state (`badge ok`, `warn`, `bad` or
//! `muted` in `static/style.css`), chosen here once rather than by a chain
//! of comparisons in each row of a template.

use crate::domain::{CandidateStatus, DecisionOutcome, ScorecardState};

/// A state shown as a badge.
pub trait Tone: Copy {
    /// `"ok"`, `"warn"`, `"bad"` or `"muted"`: the badge's class.
    fn tone(self) -> &'static str;
}

impl Tone for CandidateStatus {
    fn tone(self) -> &'static str {
        match self {
            CandidateStatus::Active | CandidateStatus::Hired => "ok",
            CandidateStatus::OnHold => "warn",
            CandidateStatus::Rejected | CandidateStatus::Withdrawn => "muted",
        }
    }
}

impl Tone for DecisionOutcome {
    fn tone(self) -> &'static str {
        match self {
            DecisionOutcome::Hire => "ok",
            DecisionOutcome::Hold => "warn",
            DecisionOutcome::NoHire => "muted",
        }
    }
}

impl Tone for ScorecardState {
    fn tone(self) -> &'static str {
        match self {
            ScorecardState::Submitted => "ok",
            ScorecardState::Overdue => "bad",
            ScorecardState::Draft => "warn",
            ScorecardState::NotStarted => "muted",
        }
    }
}
