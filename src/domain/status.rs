//! Where things stand: jobs, candidates, decisions and emails.

use super::text_enum::text_enum;

text_enum! {
    pub enum JobStatus {
        Open = ("open", "Open"),
        Closed = ("closed", "Closed"),
    }
}

text_enum! {
    /// A candidate's process: active until it ends (hired, rejected,
    /// withdrawn) or is put on hold.
    pub enum CandidateStatus {
        Active = ("active", "Active"),
        OnHold = ("on_hold", "On hold"),
        Hired = ("hired", "Hired"),
        Rejected = ("rejected", "Rejected"),
        Withdrawn = ("withdrawn", "Withdrawn"),
    }
}

text_enum! {
    /// The debrief's decision.
    pub enum DecisionOutcome {
        Hire = ("hire", "Hire"),
        NoHire = ("no_hire", "No hire"),
        Hold = ("hold", "Hold"),
    }
}

text_enum! {
    /// An outbox email: queued until a worker claims it, then sent, or queued
    /// again after a failed attempt, or failed for good.
    pub enum DeliveryStatus {
        Queued = ("queued", "Queued"),
        Sending = ("sending", "Sending"),
        Sent = ("sent", "Sent"),
        Failed = ("failed", "Failed"),
    }
}

impl CandidateStatus {
    /// The statuses of a process still running: scorecards are still owed
    /// and chased. Hired, rejected and withdrawn end it.
    pub const IN_PROCESS: [CandidateStatus; 2] = [CandidateStatus::Active, CandidateStatus::OnHold];

    /// When a candidate moved to this status at `at` ended their process:
    /// `at` for hired, rejected and withdrawn, `None` for a running one.
    /// Retention counts from it.
    pub fn ended_at(self, at: chrono::NaiveDateTime) -> Option<chrono::NaiveDateTime> {
        (!Self::IN_PROCESS.contains(&self)).then_some(at)
    }
}

impl DecisionOutcome {
    /// The candidate's status once this is decided: hire → hired, no hire →
    /// rejected, hold → on hold.
    pub fn leads_to(self) -> CandidateStatus {
        match self {
            DecisionOutcome::Hire => CandidateStatus::Hired,
            DecisionOutcome::NoHire => CandidateStatus::Rejected,
            DecisionOutcome::Hold => CandidateStatus::OnHold,
        }
    }

    /// Whether the decision ends the candidate's process: a hire or a no
    /// hire does; a hold keeps it open.
    pub fn is_final(self) -> bool {
        matches!(self, DecisionOutcome::Hire | DecisionOutcome::NoHire)
    }
}
