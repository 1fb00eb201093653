//! Interviews: the kit an interviewer opens, the scorecard they keep, the
//! debrief where the panel's scorecards meet and the decision is recorded,
//! and the reminders that chase missing scorecards.

pub mod api;
pub mod debrief;
pub mod kit;
pub mod pages;
pub mod reminders;
pub mod scorecards;
