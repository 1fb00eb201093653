//! The candidate page's context: the candidate, their schedule with its
//! conflicts in words, the prep pack preview and its deliveries.

use serde::Serialize;

use super::file::CandidateFile;
use crate::domain::schedule::Conflict;
use crate::domain::when;
use crate::domain::{CandidateStatus, DeliveryStatus};
use crate::web::FormErrors;
use crate::web::form::{Pairs, field};

#[derive(Serialize)]
pub struct CandidatePage {
    candidate: Heading,
    statuses: Vec<StatusOption>,
    can_edit: bool,
    prep_pack: PackPreview,
    deliveries: Vec<Delivery>,
    /// A new key per page view: a double click sends one email, a later
    /// "send again" another.
    pack_key: String,
    time_zones_hint: &'static str,
    /// Every IANA zone, for the zone fields' `<datalist>`.
    zone_names: Vec<&'static str>,
    schedule: Vec<ScheduleRow>,
    conflicts: Vec<Message>,
    #[serde(flatten)]
    form: FormErrors,
    /// The stage whose schedule form came back with errors.
    error_stage_id: Option<i64>,
    /// The same person's candidacies for other jobs.
    other_candidacies: Vec<OtherCandidacy>,
    progress: crate::interviews::progress::DebriefProgress,
    decision_label: Option<&'static str>,
    may_export: bool,
    may_erase: bool,
}

#[derive(Serialize)]
struct OtherCandidacy {
    candidate_id: i64,
    job_title: String,
}

#[derive(Serialize)]
struct Heading {
    id: i64,
    name: String,
    email: String,
    notes: String,
    status: CandidateStatus,
    status_label: &'static str,
    job_title: String,
    job_id: i64,
    template_version: Option<i64>,
    loop_version: i64,
}

#[derive(Serialize)]
pub struct StatusOption {
    value: CandidateStatus,
    label: &'static str,
    selected: bool,
}

/// The candidate statuses as a select's options.
pub fn status_options(selected: Option<CandidateStatus>) -> Vec<StatusOption> {
    CandidateStatus::ALL
        .iter()
        .map(|s| StatusOption {
            value: *s,
            label: s.label(),
            selected: Some(*s) == selected,
        })
        .collect()
}

#[derive(Serialize)]
struct PackPreview {
    subject: String,
    text: String,
    loop_version: i64,
    template_version: Option<i64>,
}

#[derive(Serialize)]
struct Delivery {
    /// The outbox message's id, which the page's script follows.
    id: i64,
    queued_at: String,
    subject: String,
    status: DeliveryStatus,
    attempts: i64,
    last_error: Option<String>,
}

#[derive(Serialize)]
struct ScheduleRow {
    stage_id: i64,
    number: usize,
    title: String,
    kind_name: String,
    format_name: String,
    duration_minutes: i64,
    /// RFC 3339, UTC: shown by the `time` helper in the viewer's zone.
    starts_at: Option<String>,
    ends_at: Option<String>,
    /// The stored zone (the stage's, else the candidate's, else UTC).
    time_zone: String,
    /// What the zone field holds: the stored zone, or what was typed when
    /// the form came back with errors (kept apart so a typo never looks saved).
    zone_input: String,
    location: Option<String>,
    /// The location, when it is a web link to follow.
    location_url: Option<String>,
    location_input: String,
    interviewer_names: Vec<String>,
    /// The start as a `datetime-local` value in the stage's zone.
    start_input: String,
    /// The stored start has passed: said next to the field, saving is allowed.
    start_in_past: bool,
    conflicts: Vec<String>,
}

/// `location` when it is an http(s) link (a meeting room), to show as one.
pub(crate) fn web_link(location: &str) -> Option<String> {
    let location = location.trim();
    let lower = location.to_ascii_lowercase();
    let is_link = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !location.contains(char::is_whitespace);
    is_link.then(|| location.to_owned())
}

#[derive(Serialize)]
struct Message {
    message: String,
}

/// A stage whose schedule form failed: its id, what was typed, the errors.
pub type StageErrors = (i64, Pairs, Vec<(&'static str, String)>);

fn local_input(at: Option<&str>, zone: &str) -> String {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    at.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

impl CandidatePage {
    pub fn new(file: CandidateFile, stage_errors: Option<StageErrors>) -> Self {
        let CandidateFile {
            candidate: c,
            shape,
            schedule,
            pack,
            deliveries,
            names,
            kind_names,
            format_names,
            other_candidacies,
            progress,
            may_export,
            may_erase,
        } = file;
        let now = crate::db::models::now();
        let titles: std::collections::HashMap<i64, String> = shape
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, format!("{}. {}", i + 1, s.title)))
            .collect();
        let title_of = |id: &i64| titles.get(id).cloned().unwrap_or_default();
        let describe = |conflict: &Conflict| -> String {
            match conflict {
                Conflict::Overlap {
                    stage_id,
                    other_stage_id,
                } => format!(
                    "{} overlaps {}.",
                    title_of(stage_id),
                    title_of(other_stage_id)
                ),
                Conflict::InterviewerDoubleBooked {
                    user_id,
                    stage_id,
                    other_stage_id,
                } => format!(
                    "{} is booked elsewhere during {}{}.",
                    names
                        .get(user_id)
                        .cloned()
                        .unwrap_or_else(|| "An interviewer".into()),
                    title_of(stage_id),
                    titles
                        .get(other_stage_id)
                        .map(|t| format!(" (also in {t})"))
                        .unwrap_or_default()
                ),
            }
        };
        let mut rows: Vec<ScheduleRow> = shape
            .stages
            .iter()
            .zip(&schedule.stages)
            .enumerate()
            .map(|(i, (s, slot))| ScheduleRow {
                stage_id: s.id,
                number: i + 1,
                title: s.title.clone(),
                kind_name: kind_names.get(&s.stage_kind).cloned().unwrap_or_default(),
                format_name: format_names.get(&s.format).cloned().unwrap_or_default(),
                duration_minutes: s.duration_minutes,
                starts_at: slot.starts_at.clone(),
                ends_at: slot.starts_at.as_deref().and_then(when::parse_instant).map(|t| {
                    when::iso(t + chrono::Duration::minutes(s.duration_minutes))
                }),
                time_zone: slot.time_zone.clone(),
                zone_input: slot.time_zone.clone(),
                location: slot.location.clone().filter(|l| !l.is_empty()),
                location_url: slot.location.as_deref().and_then(web_link),
                location_input: slot.location.clone().unwrap_or_default(),
                start_in_past: slot
                    .starts_at
                    .as_deref()
                    .and_then(when::parse_instant)
                    .is_some_and(|t| t < now),
                interviewer_names: s
                    .interviewer_ids
                    .iter()
                    .filter_map(|u| names.get(u).cloned())
                    .collect(),
                start_input: local_input(slot.starts_at.as_deref(), &slot.time_zone),
                conflicts: schedule
                    .conflicts
                    .iter()
                    .filter(|c| matches!(c, Conflict::Overlap { stage_id, .. } | Conflict::InterviewerDoubleBooked { stage_id, .. } if *stage_id == s.id))
                    .map(describe)
                    .collect(),
            })
            .collect();
        let (form, error_stage_id) = match stage_errors {
            Some((stage_id, typed, errors)) => {
                // What was typed stays in the stage's form.
                for row in rows.iter_mut().filter(|r| r.stage_id == stage_id) {
                    row.start_input = field(&typed, "starts_at").to_owned();
                    row.zone_input = field(&typed, "time_zone").to_owned();
                    row.location_input = field(&typed, "location").to_owned();
                }
                (FormErrors::new(&errors), Some(stage_id))
            }
            None => (FormErrors::default(), None),
        };
        CandidatePage {
            statuses: status_options(Some(c.status)),
            candidate: Heading {
                id: c.id,
                name: c.name,
                email: c.email,
                notes: c.notes,
                status: c.status,
                status_label: c.status.label(),
                job_title: c.job_title,
                job_id: c.job_id,
                template_version: c.template_version,
                loop_version: shape.version,
            },
            can_edit: true,
            prep_pack: PackPreview {
                subject: pack.subject,
                text: pack.text,
                loop_version: pack.loop_version,
                template_version: pack.template_version,
            },
            deliveries: deliveries
                .into_iter()
                .map(|m| Delivery {
                    id: m.id,
                    queued_at: when::iso(m.created_at),
                    subject: m.subject,
                    status: m.status,
                    attempts: m.attempts,
                    last_error: m.last_error,
                })
                .collect(),
            pack_key: crate::auth::token::generate(),
            time_zones_hint: "Europe/Berlin, America/New_York, Asia/Tokyo, UTC",
            zone_names: when::zone_names(),
            conflicts: schedule
                .conflicts
                .iter()
                .map(|c| Message {
                    message: describe(c),
                })
                .collect(),
            schedule: rows,
            form,
            error_stage_id,
            progress,
            decision_label: progress.decision.map(|d| d.label()),
            may_export,
            may_erase,
            other_candidacies: other_candidacies
                .into_iter()
                .map(|(candidate_id, job_title)| OtherCandidacy {
                    candidate_id,
                    job_title,
                })
                .collect(),
        }
    }

    pub fn title(&self) -> &str {
        &self.candidate.name
    }
}
