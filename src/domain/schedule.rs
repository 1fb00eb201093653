//! Scheduling checks: stages of one candidate's loop that overlap, and
//! interviewers booked twice at once (across every candidate's loop).

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Slot {
    pub stage_id: i64,
    pub starts_at: NaiveDateTime,
    pub minutes: i64,
    pub interviewers: Vec<i64>,
}

impl Slot {
    /// When the stage ends: `starts_at` plus `minutes`.
    pub fn ends_at(&self) -> NaiveDateTime {
        self.starts_at + Duration::minutes(self.minutes)
    }

    /// Half-open intervals: one stage may start when another ends.
    fn overlaps(&self, other: &Slot) -> bool {
        self.starts_at < other.ends_at() && other.starts_at < self.ends_at()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Two stages of the candidate's loop overlap.
    Overlap { stage_id: i64, other_stage_id: i64 },
    /// An interviewer of `stage_id` is in another stage at the same time.
    InterviewerDoubleBooked {
        user_id: i64,
        stage_id: i64,
        other_stage_id: i64,
    },
}

/// `own`: the candidate's scheduled stages; `elsewhere`: other scheduled
/// stages (of any loop) that share an interviewer with them.
pub fn conflicts(own: &[Slot], elsewhere: &[Slot]) -> Vec<Conflict> {
    let mut found = Vec::new();
    for (i, a) in own.iter().enumerate() {
        for b in &own[i + 1..] {
            if a.overlaps(b) {
                found.push(Conflict::Overlap {
                    stage_id: a.stage_id,
                    other_stage_id: b.stage_id,
                });
            }
        }
    }
    for a in own {
        for b in own
            .iter()
            .chain(elsewhere)
            .filter(|b| b.stage_id != a.stage_id)
        {
            if !a.overlaps(b) {
                continue;
            }
            for user_id in a.interviewers.iter().filter(|u| b.interviewers.contains(u)) {
                let conflict = Conflict::InterviewerDoubleBooked {
                    user_id: *user_id,
                    stage_id: a.stage_id,
                    other_stage_id: b.stage_id,
                };
                if !found.contains(&conflict) {
                    found.push(conflict);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    fn slot(stage_id: i64, start: NaiveDateTime, minutes: i64, interviewers: &[i64]) -> Slot {
        Slot {
            stage_id,
            starts_at: start,
            minutes,
            interviewers: interviewers.to_vec(),
        }
    }

    #[test]
    fn back_to_back_is_fine_overlap_is_not() {
        let own = [
            slot(1, at(9, 0), 60, &[10]),
            slot(2, at(10, 0), 45, &[11]),
            slot(3, at(10, 30), 30, &[12]),
        ];
        assert_eq!(
            conflicts(&own, &[]),
            [Conflict::Overlap {
                stage_id: 2,
                other_stage_id: 3
            }]
        );
    }

    #[test]
    fn an_interviewer_in_two_places_at_once_is_flagged() {
        let own = [slot(1, at(9, 0), 60, &[10, 11])];
        let elsewhere = [
            slot(50, at(9, 30), 30, &[11]),
            slot(51, at(10, 0), 30, &[10]),
        ];
        assert_eq!(
            conflicts(&own, &elsewhere),
            [Conflict::InterviewerDoubleBooked {
                user_id: 11,
                stage_id: 1,
                other_stage_id: 50
            }]
        );
    }
}
