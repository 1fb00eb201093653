//! Erasure: a candidate's personal data removed everywhere it is held,
//! their ratings and decisions kept, anonymous, so the statistics still
//! count them. Asked for by an admin or a recruiter, or done by the
//! retention task once their process has been over long enough.
//!
//! What goes: their name, email, notes and time zone on the candidate row;
//! the free text of every scorecard on their loop (evidence, notes,
//! summaries, amendment reasons and snapshots) and of their decisions
//! (rationales); the outbox copies of emails sent to them (address, name,
//! subject, bodies, attachments; a queued one is not sent); their calendar
//! events' places; the webhook deliveries about them (their name, address
//! and free text; see `webhooks::erase_candidate`); and wherever else their
//! name or address was written
//! (other emails, such as reminders to interviewers, audit payloads, the
//! loop's revisions and stages, sign-in and reset records) replaced by a
//! placeholder. The erasure is audited with the candidate's id and job only.

use crate::db::prelude::*;
use chrono::{Duration, NaiveDateTime};
use diesel::sql_types::Text;
use serde::Serialize;
use serde_json::json;

use crate::access::{self, Action, Target};
use crate::db::models::{AuditEvent, User};
use crate::db::schema::{
    audit_events, calendar_events, candidates, decisions, jobs, loop_revisions, loops,
    outbox_messages, password_reset_requests, scorecard_amendments, scorecard_question_notes,
    scorecard_ratings, scorecard_red_flags, scorecards, sign_in_failures, stages,
};
use crate::db::{DbConn, write_transaction};
use crate::domain::{CandidateStatus, DeliveryStatus, when};
use crate::error::AppError;

diesel::define_sql_function! {
    /// SQL `REPLACE(text, from, to)`: the same on SQLite and PostgreSQL.
    fn replace(text: Text, from: Text, to: Text) -> Text;
}

/// What an erased name or address reads as wherever it was written.
pub const PLACEHOLDER: &str = "[erased]";

/// Statuses that end a candidate's process (retention counts from these).
pub const ENDED: [CandidateStatus; 3] = [
    CandidateStatus::Hired,
    CandidateStatus::Rejected,
    CandidateStatus::Withdrawn,
];

/// Who asked for an erasure.
#[derive(Debug, Clone, Copy)]
pub enum ErasedBy<'a> {
    /// An admin or recruiter (checked against the policy).
    Person(&'a User),
    /// The retention task, after `days` days.
    Retention { days: i64 },
}

/// The name an erased candidate is shown by.
pub fn erased_name(id: i64) -> String {
    format!("Erased candidate {id}")
}

/// An address that can never receive mail (RFC 2606 `.invalid`).
fn erased_email(id: i64) -> String {
    format!("erased-{id}@erased.invalid")
}

/// Erases candidate `id` (see the module's documentation); answers the ids
/// of the outbox emails it scrubbed, whose file copies (written while no
/// SMTP server is set) [`forget_mail_copies`] removes. Erasing an erased
/// candidate changes nothing and succeeds. 404 for a candidate the person
/// may not know of, 403 for a role that may not erase.
pub fn erase_candidate(
    conn: &mut DbConn,
    by: ErasedBy<'_>,
    id: i64,
    at: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    if let ErasedBy::Person(actor) = by {
        access::ensure(conn, actor, Action::EraseCandidate, Target::Candidate(id))?;
    }
    write_transaction(conn, |conn| {
        let (job_id, name, email, erased_at): (i64, String, String, Option<NaiveDateTime>) =
            candidates::table
                .find(id)
                .select((
                    candidates::job_id,
                    candidates::name,
                    candidates::email,
                    candidates::erased_at,
                ))
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
        if erased_at.is_some() {
            return Ok(Vec::new());
        }
        diesel::update(candidates::table.find(id))
            .set((
                candidates::name.eq(erased_name(id)),
                candidates::email.eq(erased_email(id)),
                candidates::notes.eq(""),
                candidates::time_zone.eq(None::<String>),
                candidates::erased_at.eq(Some(at)),
            ))
            .execute(conn)?;

        let loop_ids: Vec<i64> = loops::table
            .filter(loops::candidate_id.eq(id))
            .select(loops::id)
            .load(conn)?;
        let stage_ids: Vec<i64> = stages::table
            .filter(stages::loop_id.eq_any(&loop_ids))
            .select(stages::id)
            .load(conn)?;
        let card_ids: Vec<i64> = scorecards::table
            .filter(scorecards::stage_id.eq_any(&stage_ids))
            .select(scorecards::id)
            .load(conn)?;
        diesel::update(scorecards::table.filter(scorecards::id.eq_any(&card_ids)))
            .set(scorecards::summary.eq(""))
            .execute(conn)?;
        diesel::update(
            scorecard_ratings::table.filter(scorecard_ratings::scorecard_id.eq_any(&card_ids)),
        )
        .set(scorecard_ratings::evidence.eq(""))
        .execute(conn)?;
        diesel::update(
            scorecard_red_flags::table.filter(scorecard_red_flags::scorecard_id.eq_any(&card_ids)),
        )
        .set(scorecard_red_flags::evidence.eq(""))
        .execute(conn)?;
        diesel::update(
            scorecard_question_notes::table
                .filter(scorecard_question_notes::scorecard_id.eq_any(&card_ids)),
        )
        .set(scorecard_question_notes::notes.eq(""))
        .execute(conn)?;
        diesel::update(
            scorecard_amendments::table
                .filter(scorecard_amendments::scorecard_id.eq_any(&card_ids)),
        )
        .set((
            scorecard_amendments::reason.eq(""),
            scorecard_amendments::before_snapshot.eq("{}"),
            scorecard_amendments::after_snapshot.eq("{}"),
        ))
        .execute(conn)?;
        // Amendment reasons were copied into the audit log as well.
        diesel::update(
            audit_events::table
                .filter(audit_events::action.eq("scorecard.amended"))
                .filter(audit_events::subject_type.eq("scorecard"))
                .filter(audit_events::subject_id.eq_any(card_ids.iter().map(|&c| Some(c)))),
        )
        .set(audit_events::details.eq(json!({"reason": PLACEHOLDER}).to_string()))
        .execute(conn)?;
        diesel::update(decisions::table.filter(decisions::candidate_id.eq(id)))
            .set(decisions::rationale.eq(""))
            .execute(conn)?;

        // Emails to them: a queued one is not sent any more.
        let theirs = outbox_messages::candidate_id
            .eq(id)
            .or(outbox_messages::recipient_email.eq(&email));
        let mut mail_ids: Vec<i64> = outbox_messages::table
            .filter(theirs)
            .select(outbox_messages::id)
            .load(conn)?;
        diesel::update(outbox_messages::table.filter(theirs).filter(
            outbox_messages::status.eq_any([DeliveryStatus::Queued, DeliveryStatus::Sending]),
        ))
        .set((
            outbox_messages::status.eq(DeliveryStatus::Failed),
            outbox_messages::last_error.eq(Some("Not sent: the candidate was erased.")),
        ))
        .execute(conn)?;
        diesel::update(outbox_messages::table.filter(theirs))
            .set((
                outbox_messages::candidate_id.eq(Some(id)),
                outbox_messages::recipient_email.eq(erased_email(id)),
                outbox_messages::recipient_name.eq(""),
                outbox_messages::subject.eq(PLACEHOLDER),
                outbox_messages::text_body.eq(""),
                outbox_messages::html_body.eq(""),
                outbox_messages::attachments.eq("[]"),
            ))
            .execute(conn)?;
        diesel::update(calendar_events::table.filter(calendar_events::candidate_id.eq(id)))
            .set(calendar_events::location.eq(None::<String>))
            .execute(conn)?;
        diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq(&email)))
            .execute(conn)?;
        diesel::delete(
            password_reset_requests::table.filter(password_reset_requests::email.eq(&email)),
        )
        .execute(conn)?;

        // Wherever else the name or address was written into text.
        for needle in [name.as_str(), email.as_str()] {
            mail_ids.extend(scrub_everywhere(conn, needle, &loop_ids, &stage_ids, id)?);
        }
        crate::webhooks::erase_candidate(conn, id, &[&name, &email])?;
        mail_ids.sort_unstable();
        mail_ids.dedup();

        let details = match by {
            ErasedBy::Person(_) => json!({"job_id": job_id, "by": "request"}),
            ErasedBy::Retention { days } => {
                json!({"job_id": job_id, "by": "retention", "retention_days": days})
            }
        };
        let actor_id = match by {
            ErasedBy::Person(actor) => Some(actor.id),
            ErasedBy::Retention { .. } => None,
        };
        AuditEvent::record(
            conn,
            actor_id,
            "candidate.erased",
            ("candidate", Some(id)),
            details,
        )?;
        Ok(mail_ids)
    })
}

/// Whether candidate `id`'s personal data was erased (false for one that
/// does not exist).
pub fn is_erased(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    Ok(candidates::table
        .find(id)
        .select(candidates::erased_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten()
        .is_some())
}

/// Removes the `.eml` copies of outbox emails `ids` from
/// `<data dir>/outbox/` (named `<id, 8 digits>-<kind>.eml` by the file
/// transport). A copy that cannot be removed is logged, not fatal.
pub fn forget_mail_copies(data_dir: &std::path::Path, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(data_dir.join("outbox")) else {
        return;
    };
    let prefixes: Vec<String> = ids.iter().map(|id| format!("{id:08}-")).collect();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".eml")
            && prefixes.iter().any(|p| name.starts_with(p.as_str()))
            && let Err(e) = std::fs::remove_file(entry.path())
        {
            tracing::warn!(file = %name, error = %e, "erasure: could not remove an email copy");
        }
    }
}

/// Replaces `needle` with [`PLACEHOLDER`] in the text columns that may
/// quote a candidate: every email and audit payload, the calendar events
/// sent to them, and their own loop's stages and revisions. Answers the
/// ids of the emails that quoted it.
fn scrub_everywhere(
    conn: &mut DbConn,
    needle: &str,
    loop_ids: &[i64],
    stage_ids: &[i64],
    candidate_id: i64,
) -> QueryResult<Vec<i64>> {
    // A name of one or two letters would match inside other words.
    if needle.trim().chars().count() < 3 {
        return Ok(Vec::new());
    }
    let like = format!("%{}%", escape_like(needle));
    let quoting: Vec<i64> = outbox_messages::table
        .filter(
            outbox_messages::subject
                .like(&like)
                .escape('\\')
                .or(outbox_messages::text_body.like(&like).escape('\\'))
                .or(outbox_messages::html_body.like(&like).escape('\\')),
        )
        .select(outbox_messages::id)
        .load(conn)?;
    macro_rules! scrub {
        ($table:expr, $column:expr) => {
            diesel::update($table.filter($column.like(&like).escape('\\')))
                .set($column.eq(replace($column, needle, PLACEHOLDER)))
                .execute(conn)?
        };
    }
    scrub!(outbox_messages::table, outbox_messages::subject);
    scrub!(outbox_messages::table, outbox_messages::text_body);
    scrub!(outbox_messages::table, outbox_messages::html_body);
    scrub!(outbox_messages::table, outbox_messages::recipient_name);
    scrub!(audit_events::table, audit_events::details);
    scrub!(
        calendar_events::table.filter(calendar_events::candidate_id.eq(candidate_id)),
        calendar_events::summary
    );
    scrub!(
        loop_revisions::table.filter(loop_revisions::loop_id.eq_any(loop_ids)),
        loop_revisions::snapshot
    );
    scrub!(
        loop_revisions::table.filter(loop_revisions::loop_id.eq_any(loop_ids)),
        loop_revisions::summary
    );
    scrub!(
        stages::table.filter(stages::id.eq_any(stage_ids)),
        stages::title
    );
    diesel::update(
        stages::table
            .filter(stages::id.eq_any(stage_ids))
            .filter(stages::location.like(&like).escape('\\')),
    )
    .set(stages::location.eq(None::<String>))
    .execute(conn)?;
    Ok(quoting)
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped by `\`.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A candidate the retention task erases next.
#[derive(Debug, Clone, Serialize)]
pub struct DueForErasure {
    pub candidate_id: i64,
    pub name: String,
    pub job_title: String,
    pub status: CandidateStatus,
    pub status_label: &'static str,
    /// When their process ended (hired, rejected or withdrawn), RFC 3339.
    pub ended_at: String,
    /// When retention erases them, RFC 3339.
    pub due_at: String,
}

/// The next `limit` candidates retention erases (process ended, not yet
/// erased), soonest first. Admins only (`ReadAudit`).
pub fn due_for_erasure(
    conn: &mut DbConn,
    actor: &User,
    days: i64,
    _at: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DueForErasure>, AppError> {
    access::require(actor, Action::ReadAudit)?;
    let rows: Vec<(i64, String, String, CandidateStatus, NaiveDateTime)> = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::erased_at.is_null())
        .filter(candidates::status.eq_any(ENDED))
        .filter(candidates::ended_at.is_not_null())
        .order((candidates::ended_at, candidates::id))
        .limit(limit)
        .select((
            candidates::id,
            candidates::name,
            jobs::title,
            candidates::status,
            candidates::ended_at.assume_not_null(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(candidate_id, name, job_title, status, ended)| DueForErasure {
                candidate_id,
                name,
                job_title,
                status,
                status_label: status.label(),
                ended_at: when::iso(ended),
                due_at: when::iso(ended + Duration::days(days)),
            },
        )
        .collect())
}

/// Erases every candidate whose process ended more than `days` days before
/// `at` (hired, rejected or withdrawn since `ended_at`; later edits of
/// their notes do not postpone it); answers how many, and the ids of the emails scrubbed. Run by the
/// background task.
pub fn erase_expired(
    conn: &mut DbConn,
    days: i64,
    at: NaiveDateTime,
) -> Result<(usize, Vec<i64>), AppError> {
    let cutoff = at - Duration::days(days);
    let ids: Vec<i64> = candidates::table
        .filter(candidates::erased_at.is_null())
        .filter(candidates::status.eq_any(ENDED))
        .filter(candidates::ended_at.le(cutoff))
        .order(candidates::id)
        .limit(100)
        .select(candidates::id)
        .load(conn)?;
    let mut mail_ids = Vec::new();
    for &id in &ids {
        mail_ids.extend(erase_candidate(conn, ErasedBy::Retention { days }, id, at)?);
    }
    Ok((ids.len(), mail_ids))
}

/// `DELETE /api/v1/candidates/{id}`: erases the candidate; 204 (also when
/// erased already), 404 for a candidate the caller may not know of, 403 for
/// a hiring manager.
#[utoipa::path(delete, path = "/api/v1/candidates/{id}", params(("id" = i64, Path, description = "The candidate's id")), operation_id = "erase_candidate",
    summary = "Erase a candidate: anonymise their personal data everywhere",
    responses((status = 204, description = "Erased (also when erased already).")))]
pub async fn api_erase(
    state: crate::web::State,
    me: crate::auth::CurrentUser,
    id: actix_web::web::Path<i64>,
) -> Result<actix_web::HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let data_dir = state.config.data_dir.clone();
    crate::web::db(&state, move |conn| {
        let mail = erase_candidate(conn, ErasedBy::Person(&user), id, crate::db::models::now())?;
        forget_mail_copies(&data_dir, &mail);
        Ok(())
    })
    .await?;
    Ok(actix_web::HttpResponse::NoContent().finish())
}

#[derive(Serialize)]
struct ConfirmPage {
    candidate_id: i64,
    name: String,
    job_title: String,
    erased: bool,
}

/// `GET /candidates/{id}/erase`: what erasing removes and keeps, and the
/// button that does it.
pub async fn confirm_page(
    state: crate::web::State,
    req: actix_web::HttpRequest,
    me: crate::auth::CurrentUser,
    id: actix_web::web::Path<i64>,
) -> Result<actix_web::HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    crate::web::render_loaded(
        &state,
        &req,
        Some(&me),
        actix_web::http::StatusCode::OK,
        "pages/candidate_erase",
        move |conn| {
            let page = confirm_page_of(conn, &user, id)?;
            Ok(("Erase a candidate's data".to_owned(), page))
        },
    )
    .await
}

/// What the confirmation page shows, for those who may erase the candidate.
fn confirm_page_of(conn: &mut DbConn, user: &User, id: i64) -> Result<ConfirmPage, AppError> {
    access::ensure(conn, user, Action::EraseCandidate, Target::Candidate(id))?;
    let (name, job_title, erased_at): (String, String, Option<NaiveDateTime>) = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::id.eq(id))
        .select((candidates::name, jobs::title, candidates::erased_at))
        .first(conn)?;
    Ok(ConfirmPage {
        candidate_id: id,
        name,
        job_title,
        erased: erased_at.is_some(),
    })
}

/// `POST /candidates/{id}/erase`: erases, then back to the candidate page.
pub async fn erase_form(
    state: crate::web::State,
    me: crate::auth::CurrentUser,
    id: actix_web::web::Path<i64>,
    _form: crate::web::extract::CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<actix_web::HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let data_dir = state.config.data_dir.clone();
    crate::web::db(&state, move |conn| {
        let mail = erase_candidate(conn, ErasedBy::Person(&user), id, crate::db::models::now())?;
        forget_mail_copies(&data_dir, &mail);
        Ok(())
    })
    .await?;
    crate::web::redirect_with_flash(
        &format!("/candidates/{id}"),
        "success",
        "The candidate's personal data was erased. Their ratings and decisions stay, anonymous.",
    )
}

/// The retention task: every `every`, erases the candidates whose process
/// ended more than `days` days ago (see [`erase_expired`]). Runs on the
/// background pool; on several app processes each may run it, and an
/// erasure done twice changes nothing.
pub async fn retain_every(
    pool: crate::db::DbPool,
    data_dir: std::path::PathBuf,
    days: i64,
    every: std::time::Duration,
) {
    loop {
        let (pool_now, dir) = (pool.clone(), data_dir.clone());
        let erased = actix_web::web::block(move || {
            let mut conn = pool_now.get().map_err(|e| e.to_string())?;
            let (n, mail) = erase_expired(&mut conn, days, crate::db::models::now())
                .map_err(|e| e.to_string())?;
            forget_mail_copies(&dir, &mail);
            Ok::<_, String>(n)
        })
        .await;
        match erased {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(erased = n, days, "retention: candidates erased"),
            Ok(Err(e)) => tracing::warn!(error = %e, "retention failed"),
            Err(e) => tracing::warn!(error = %e, "retention failed"),
        }
        tokio::time::sleep(every).await;
    }
}
