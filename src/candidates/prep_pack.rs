//! The candidate's prep pack: generated from their loop, previewed exactly
//! as sent, and sent through the outbox with a calendar file.
//!
//! It never holds a stage's questions unless one was shared on purpose
//! (`stage_questions.share_with_candidate`).

use std::collections::HashMap;

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::calendar::{self, Event, Organizer, Slot};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User};
use crate::db::schema::{
    bank_texts, formats, job_criteria, questions, stage_kinds, stage_questions, stages,
};
use crate::error::AppError;
use crate::loops::StageView;
use crate::mail::{self, Attachment, NewEmail, OutboxMessage};
use crate::templates::Templates;

/// The pack as `GET /api/v1/candidates/{id}/prep-pack` previews it: what
/// the candidate receives, without the addressing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackPreview {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub calendar: String,
    pub loop_version: i64,
    pub template_version: Option<i64>,
}

impl From<PrepPack> for PackPreview {
    fn from(pack: PrepPack) -> Self {
        PackPreview {
            subject: pack.subject,
            text: pack.text,
            html: pack.html,
            calendar: pack.calendar,
            loop_version: pack.loop_version,
            template_version: pack.template_version,
        }
    }
}

/// One email to a candidate and how its delivery went (times RFC 3339, UTC).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub status: crate::domain::DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub queued_at: String,
}

impl From<&OutboxMessage> for Delivery {
    fn from(m: &OutboxMessage) -> Self {
        Delivery {
            id: m.id,
            kind: m.kind.clone(),
            subject: m.subject.clone(),
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            sent_at: m.sent_at.map(|t| t.and_utc().to_rfc3339()),
            queued_at: m.created_at.and_utc().to_rfc3339(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PrepPack {
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub calendar: String,
    /// The events in `calendar`, recorded when the pack is sent.
    #[serde(skip)]
    pub events: Vec<Event>,
    /// The version of the candidate's loop the pack was made from.
    pub loop_version: i64,
    pub template_version: Option<i64>,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A time as the candidate reads it: in their zone, spelt out, the zone named.
fn local(at: NaiveDateTime, zone: &str) -> String {
    crate::domain::when::long(at, crate::domain::when::zone_or_utc(Some(zone)))
}

/// The pack for a candidate, from their loop as it is now (`ManageCandidate`).
pub fn build(
    conn: &mut DbConn,
    templates: &Templates,
    sender: &User,
    candidate_id: i64,
    note: Option<&str>,
) -> Result<PrepPack, AppError> {
    let (candidate, shape) = crate::candidates::with_loop(conn, sender, candidate_id)?;
    compose(conn, templates, sender, &candidate, &shape, note)
}

/// The pack for a candidate and their loop already loaded, unchecked: for
/// services that have checked.
pub(crate) fn compose(
    conn: &mut DbConn,
    templates: &Templates,
    sender: &User,
    candidate: &crate::candidates::CandidateView,
    shape: &crate::loops::LoopView,
    note: Option<&str>,
) -> Result<PrepPack, AppError> {
    let ids: Vec<i64> = shape.stages.iter().map(|s| s.id).collect();
    let starts: HashMap<i64, Option<NaiveDateTime>> = stages::table
        .filter(stages::id.eq_any(&ids))
        .select((stages::id, stages::starts_at))
        .load::<(i64, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .collect();
    let kinds: HashMap<String, (String, String)> = stage_kinds::table
        .select((
            stage_kinds::slug,
            stage_kinds::candidate_description,
            stage_kinds::candidate_prep,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(slug, d, p)| (slug, (d, p)))
        .collect();
    let format_rows: HashMap<String, (String, String)> = formats::table
        .select((formats::slug, formats::name, formats::candidate_prep))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(slug, n, p)| (slug, (n, p)))
        .collect();
    let words: HashMap<i64, String> = job_criteria::table
        .filter(job_criteria::job_id.eq(candidate.job_id))
        .select((
            job_criteria::id,
            job_criteria::candidate_description,
            job_criteria::name,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, candidate_words, name)| {
            (
                id,
                if candidate_words.is_empty() {
                    name
                } else {
                    candidate_words
                },
            )
        })
        .collect();
    let shared: Vec<(i64, String)> = stage_questions::table
        .inner_join(questions::table)
        .filter(stage_questions::stage_id.eq_any(&ids))
        .filter(stage_questions::share_with_candidate.eq(true))
        .select((stage_questions::stage_id, questions::prompt))
        .load(conn)?;
    let texts: HashMap<String, String> = bank_texts::table
        .select((bank_texts::key, bank_texts::value))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let zone_of = |s: &StageView| {
        s.time_zone
            .clone()
            .or_else(|| candidate.time_zone.clone())
            .unwrap_or_else(|| "UTC".into())
    };
    let stage_values: Vec<serde_json::Value> = shape
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (kind_description, kind_prep) = kinds.get(&s.stage_kind).cloned().unwrap_or_default();
            let (format_name, format_prep) = format_rows.get(&s.format).cloned().unwrap_or_default();
            let mut prepare = list(&kind_prep);
            prepare.extend(list(&format_prep));
            json!({
                "number": i + 1, "title": s.title, "format_name": format_name, "duration_minutes": s.duration_minutes,
                "when": starts.get(&s.id).copied().flatten().map(|t| local(t, &zone_of(s))),
                "location": s.location, "kind_description": kind_description,
                "probes": s.focus_criterion_ids.iter().filter_map(|c| words.get(c).cloned()).collect::<Vec<_>>(),
                "prepare": prepare,
                "samples": shared.iter().filter(|(stage, _)| *stage == s.id).map(|(_, p)| p.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let subject = format!("Your interviews for {}", candidate.job_title);
    let context = json!({
        "app_name": "Loopwright", "subject": subject,
        "candidate_name": candidate.name, "job_title": candidate.job_title,
        "note": note.map(str::trim).filter(|n| !n.is_empty()),
        "stages": stage_values,
        "advice": texts.get("general_advice").map(|v| list(v)).unwrap_or_default(),
        "questions_to_ask": texts.get("questions_to_ask").map(|v| list(v)).unwrap_or_default(),
        "contact_name": sender.name, "contact_email": sender.email,
    });
    let (text, html) = templates.render_email("prep_pack", &context)?;

    // One slot per scheduled stage; the UID is the stage's, so a re-send updates it.
    let slots: Vec<Slot> = shape
        .stages
        .iter()
        .filter_map(|s| {
            let start = starts.get(&s.id).copied().flatten()?;
            let zone = zone_of(s);
            let format_name = format_rows.get(&s.format).map(|f| f.0.as_str());
            Some(Slot {
                stage_id: s.id,
                starts_at: start,
                ends_at: start + chrono::Duration::minutes(s.duration_minutes),
                summary: format!("{} - {}", s.title, candidate.job_title),
                location: s.location.clone(),
                description: Some(format!(
                    "{} ({zone})\n{}{} minutes",
                    local(start, &zone),
                    format_name.map(|f| format!("{f}, ")).unwrap_or_default(),
                    s.duration_minutes
                )),
            })
        })
        .collect();
    let events = calendar::next_events(conn, candidate.id, shape.version, slots)?;
    let calendar = calendar::calendar(
        crate::db::models::now(),
        Organizer {
            name: &sender.name,
            email: &sender.email,
        },
        &events,
    );
    Ok(PrepPack {
        to_email: candidate.email.clone(),
        to_name: candidate.name.clone(),
        subject,
        text,
        html,
        calendar,
        events,
        loop_version: shape.version,
        template_version: candidate.template_version,
    })
}

/// Queues the pack. The same idempotency key returns the first email and
/// queues nothing more; what was sent is the outbox row itself.
/// `ManageCandidate`, asked before the key is looked up.
pub fn send(
    conn: &mut DbConn,
    templates: &Templates,
    sender: &User,
    candidate_id: i64,
    note: Option<&str>,
    key: &str,
) -> Result<(i64, bool), AppError> {
    access::ensure(
        conn,
        sender,
        Action::ManageCandidate,
        Target::Candidate(candidate_id),
    )?;
    crate::db::write_transaction(conn, |conn| {
        let idempotency_key = format!("prep_pack:{candidate_id}:{key}");
        if let Some(existing) = mail::find_by_key(conn, &idempotency_key)? {
            return Ok((existing, false));
        }
        if super::erasure::is_erased(conn, candidate_id)? {
            return Err(AppError::Conflict(
                "This candidate's personal data was erased: there is no address to send to.".into(),
            ));
        }
        let pack = build(conn, templates, sender, candidate_id, note)?;
        calendar::record_sent(conn, candidate_id, &pack.events, crate::db::models::now())?;
        let id = mail::enqueue(
            conn,
            &NewEmail {
                idempotency_key,
                kind: "prep_pack",
                to_email: pack.to_email.clone(),
                to_name: pack.to_name.clone(),
                subject: pack.subject.clone(),
                text: pack.text,
                html: pack.html,
                attachments: vec![Attachment {
                    filename: "interviews.ics".into(),
                    content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                    content: pack.calendar,
                }],
                candidate_id: Some(candidate_id),
            },
        )?;
        AuditEvent::record(
            conn,
            Some(sender.id),
            "prep_pack.queued",
            ("candidate", Some(candidate_id)),
            json!({"outbox_id": id, "loop_version": pack.loop_version}),
        )?;
        Ok((id, true))
    })
}

/// Every email queued for a candidate, newest first (`ManageCandidate`).
pub fn deliveries(
    conn: &mut DbConn,
    actor: &User,
    candidate_id: i64,
) -> Result<Vec<OutboxMessage>, AppError> {
    access::ensure(
        conn,
        actor,
        Action::ManageCandidate,
        Target::Candidate(candidate_id),
    )?;
    Ok(mail::for_candidate(conn, candidate_id)?)
}
