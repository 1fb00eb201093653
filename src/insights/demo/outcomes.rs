//! What the loops came to: the hiring managers' decisions (and the
//! candidates' statuses to match), the prep packs sent before each
//! scheduled loop, and the report of it all for the operator.

use crate::db::prelude::*;

use super::history::{Past, Pool};
use super::team::{Bank, Team};
use super::{DISPUTED, DemoOptions, DemoReport};
use crate::db::DbConn;
use crate::db::schema::{candidates, criteria, decisions, job_criteria, outbox_messages};
use crate::domain::{CandidateStatus, DecisionOutcome};
use crate::error::AppError;

/// Writes the decisions, each by the job's hiring manager, then the
/// candidates' statuses, then the sent prep packs.
pub(super) fn record(
    conn: &mut DbConn,
    team: &Team,
    pool: &Pool,
    past: &Past,
) -> Result<(), AppError> {
    decide(conn, team, pool, past)?;
    send_prep_packs(conn, past)
}

fn decide(conn: &mut DbConn, team: &Team, pool: &Pool, past: &Past) -> Result<(), AppError> {
    for &(candidate, hired, at) in &past.decided {
        diesel::insert_into(decisions::table)
            .values((
                decisions::candidate_id.eq(candidate),
                decisions::outcome.eq(if hired {
                    DecisionOutcome::Hire
                } else {
                    DecisionOutcome::NoHire
                }),
                decisions::rationale.eq(if hired {
                    "Strong across the loop; the panel's evidence agrees."
                } else {
                    "Below the bar on the core criteria."
                }),
                decisions::criterion_ids.eq("[]"),
                decisions::decided_by.eq(Some(team.managers[pool.job_of(candidate)].id)),
                decisions::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    for (status, hired) in [
        (CandidateStatus::Hired, true),
        (CandidateStatus::Rejected, false),
    ] {
        let ids: Vec<i64> = past
            .decided
            .iter()
            .filter(|d| d.1 == hired)
            .map(|d| d.0)
            .collect();
        for chunk in ids.chunks(500) {
            diesel::update(candidates::table)
                .filter(candidates::id.eq_any(chunk))
                .set((
                    candidates::status.eq(status),
                    candidates::ended_at.eq(status.ended_at(crate::db::models::now())),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A prep pack in the outbox, already sent, for every scheduled loop.
fn send_prep_packs(conn: &mut DbConn, past: &Past) -> Result<(), AppError> {
    for &(candidate, at) in &past.prep_packs {
        diesel::insert_into(outbox_messages::table)
            .values((
                outbox_messages::idempotency_key.eq(format!("demo-prep-pack-{candidate}")),
                outbox_messages::kind.eq("prep_pack"),
                outbox_messages::recipient_email.eq(format!("candidate-{candidate}@example.net")),
                outbox_messages::recipient_name.eq("Candidate"),
                outbox_messages::subject.eq("Your interviews: what to expect"),
                outbox_messages::text_body
                    .eq("The stages in order, what each probes, and how to prepare."),
                outbox_messages::html_body
                    .eq("<p>The stages in order, what each probes, and how to prepare.</p>"),
                outbox_messages::attachments.eq("[]"),
                outbox_messages::candidate_id.eq(Some(candidate)),
                outbox_messages::status.eq("sent"),
                outbox_messages::attempts.eq(1),
                outbox_messages::next_attempt_at.eq(at),
                outbox_messages::sent_at.eq(Some(at)),
                outbox_messages::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What was made, and where the plants are.
pub(super) fn report(
    conn: &mut DbConn,
    team: &Team,
    bank: &Bank,
    job_ids: &[i64],
    options: DemoOptions,
    past: &Past,
) -> Result<DemoReport, AppError> {
    let disputed: String = job_criteria::table
        .inner_join(criteria::table)
        .filter(criteria::slug.eq(DISPUTED))
        .select(job_criteria::name)
        .first(conn)?;
    let lenient_user = &team.interviewers[team.lenient];
    Ok(DemoReport {
        admin_email: team.admin.email.clone(),
        people: team.people(),
        interviewers: team.interviewers.len(),
        jobs: job_ids.len(),
        candidates: options.candidates,
        scorecards: past.submitted,
        decisions: past.decided.len(),
        prep_packs: past.prep_packs.len(),
        lenient: (
            lenient_user.id,
            lenient_user.name.clone(),
            lenient_user.email.clone(),
        ),
        disputed,
        never_separating: (
            bank.flat_question,
            bank.versions
                .get(&bank.flat_question)
                .map(|v| v.1.clone())
                .unwrap_or_default(),
        ),
    })
}
