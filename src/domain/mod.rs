//! Pure types and rules: no I/O, no HTTP, no SQL. Input is parsed once here.

pub mod agreement;
pub mod calibration;
pub mod coverage;
mod people;
pub mod schedule;
pub mod scorecard;
pub mod status;
pub mod text_enum;
pub mod when;

pub use coverage::CriterionKind;
pub use people::{EmailAddress, NewPassword, PersonName, Role};
pub use scorecard::{Rating, Recommendation, ScorecardState, ScorecardStatus};
pub use status::{CandidateStatus, DecisionOutcome, DeliveryStatus, JobStatus};

/// Why a value was refused, in words fit to show next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
