//! The interview kit: everything an interviewer needs for one stage, and
//! "my interviews", the stages a person interviews on.

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use diesel::dsl::{count, count_star};
use serde::Serialize;

use crate::access::{self, Action, Actor, Target};
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::db::schema::{
    candidates, formats, interviewer_seats, job_criteria, jobs, loops, questions, scorecards,
    stage_focus_criteria, stage_interviewers, stage_kinds, stage_questions, stages,
};
use crate::domain::{CriterionKind, ScorecardState, ScorecardStatus};
use crate::error::AppError;
use crate::interviews::scorecards::{OwnScorecard, read_own};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitCriterion {
    pub id: i64,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitQuestion {
    pub id: i64,
    pub prompt: String,
    pub why: String,
    pub prep_pointers: Vec<String>,
    pub follow_ups: Vec<String>,
    pub minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitStage {
    pub id: i64,
    pub title: String,
    pub stage_kind: String,
    /// The format's slug.
    pub format: String,
    /// The format as people read it, e.g. "Behavioural (STAR)".
    pub format_name: String,
    pub duration_minutes: i64,
    /// RFC 3339, UTC.
    pub starts_at: Option<String>,
    pub time_zone: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitCandidate {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitJob {
    pub id: i64,
    pub title: String,
}

/// The interview kit of a stage: `GET /api/v1/stages/{id}/kit`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Kit {
    pub stage: KitStage,
    pub candidate: KitCandidate,
    pub job: KitJob,
    pub focus_criteria: Vec<KitCriterion>,
    pub red_flags: Vec<KitCriterion>,
    pub questions: Vec<KitQuestion>,
}

/// The kit as its page shows it: with the viewer's own scorecard when they
/// keep one on the stage, and whether they may open the debrief yet.
#[derive(Debug, Clone)]
pub struct KitView {
    pub kit: Kit,
    pub own: Option<OwnScorecard>,
    pub may_read_debrief: bool,
}

/// The kit for whoever may read it (`ReadKit`).
pub fn kit(conn: &mut DbConn, actor: &User, stage_id: i64) -> Result<Kit, AppError> {
    let scope = access::ensure(conn, actor, Action::ReadKit, Target::Stage(stage_id))?;
    kit_of(conn, &scope, stage_id)
}

/// The kit page: the kit, the viewer's scorecard (`KeepScorecard`) and
/// whether the debrief is open to them (`ReadDebrief`), each asked of the policy.
pub fn kit_view(conn: &mut DbConn, actor: &User, stage_id: i64) -> Result<KitView, AppError> {
    // One scope answers both: KeepScorecard's loads the interviewer's facts.
    let scope = access::scope_of(conn, actor, Action::KeepScorecard, Target::Stage(stage_id))?;
    access::can(Actor::from(actor), Action::ReadKit, &scope)?;
    let kit = kit_of(conn, &scope, stage_id)?;
    let own = match access::can(Actor::from(actor), Action::KeepScorecard, &scope) {
        Ok(()) => Some(read_own(conn, actor, stage_id)?),
        Err(_) => None,
    };
    let candidate = access::candidate_scope_of_stage(conn, actor, Action::ReadDebrief, &scope)?;
    let may_read_debrief = access::can(Actor::from(actor), Action::ReadDebrief, &candidate).is_ok();
    Ok(KitView {
        kit,
        own,
        may_read_debrief,
    })
}

/// What the kit reads of its stage, and of the candidate and job it is for.
#[derive(Queryable)]
struct KitStageRow {
    title: String,
    duration_minutes: i64,
    starts_at: Option<NaiveDateTime>,
    time_zone: Option<String>,
    location: Option<String>,
    stage_kind: String,
    format: String,
    format_name: String,
    candidate_name: String,
    job_title: String,
}

/// Everything an interviewer needs for one stage: a fixed number of queries.
fn kit_of(conn: &mut DbConn, scope: &access::Scope, stage_id: i64) -> Result<Kit, AppError> {
    let (Some(job_id), Some(candidate_id)) = (scope.job_id, scope.candidate_id) else {
        return Err(AppError::NotFound);
    };
    // The stage alone, not its loop (the kit shows one stage), with whom
    // and for what it is: one statement.
    let stage: KitStageRow = stages::table
        .inner_join(stage_kinds::table)
        .inner_join(formats::table)
        .inner_join(loops::table.inner_join(candidates::table.inner_join(jobs::table)))
        .filter(stages::id.eq(stage_id))
        .select((
            stages::title,
            stages::duration_minutes,
            stages::starts_at,
            stages::time_zone,
            stages::location,
            stage_kinds::slug,
            formats::slug,
            formats::name,
            candidates::name,
            jobs::title,
        ))
        .first(conn)?;
    // The job's criteria, each with whether this stage focuses on it.
    let criteria: Vec<(i64, CriterionKind, String, String, Option<i64>)> = job_criteria::table
        .left_join(
            stage_focus_criteria::table.on(stage_focus_criteria::job_criterion_id
                .eq(job_criteria::id)
                .and(stage_focus_criteria::stage_id.eq(stage_id))),
        )
        .filter(job_criteria::job_id.eq(job_id))
        .order(job_criteria::position)
        .select((
            job_criteria::id,
            job_criteria::kind,
            job_criteria::name,
            job_criteria::description,
            stage_focus_criteria::stage_id.nullable(),
        ))
        .load(conn)?;
    let focus: Vec<KitCriterion> = criteria
        .iter()
        .filter(|c| c.4.is_some())
        .map(|c| KitCriterion {
            id: c.0,
            name: c.2.clone(),
            description: c.3.clone(),
        })
        .collect();
    let red_flags: Vec<KitCriterion> = criteria
        .iter()
        .filter(|c| c.1 == CriterionKind::RedFlag)
        .map(|c| KitCriterion {
            id: c.0,
            name: c.2.clone(),
            description: c.3.clone(),
        })
        .collect();
    // Joined through the stage, not by its list of ids: one statement the
    // connection keeps prepared, in the stage's order.
    let ordered: Vec<KitQuestion> = stage_questions::table
        .inner_join(questions::table)
        .filter(stage_questions::stage_id.eq(stage_id))
        .order(stage_questions::position)
        .select((
            questions::id,
            questions::prompt,
            questions::why_asked,
            questions::prep_pointers,
            questions::follow_ups,
            questions::suggested_minutes,
        ))
        .load::<(i64, String, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, prompt, why, pointers, follow_ups, minutes)| {
            let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
            KitQuestion {
                id,
                prompt,
                why,
                prep_pointers: list(&pointers),
                follow_ups: list(&follow_ups),
                minutes,
            }
        })
        .collect();
    Ok(Kit {
        stage: KitStage {
            id: stage_id,
            title: stage.title,
            stage_kind: stage.stage_kind,
            format: stage.format,
            format_name: stage.format_name,
            duration_minutes: stage.duration_minutes,
            starts_at: stage.starts_at.map(|t| t.and_utc().to_rfc3339()),
            time_zone: stage.time_zone,
            location: stage.location,
        },
        candidate: KitCandidate {
            id: candidate_id,
            name: stage.candidate_name,
        },
        job: KitJob {
            id: job_id,
            title: stage.job_title,
        },
        focus_criteria: focus,
        red_flags,
        questions: ordered,
    })
}

/// One stage "My interviews" lists: `GET /api/v1/me/interviews`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyInterview {
    pub stage_id: i64,
    pub stage_title: String,
    /// RFC 3339, UTC.
    pub starts_at: Option<String>,
    pub duration_minutes: i64,
    /// The stage's IANA zone, else the candidate's; `None` when neither is set.
    pub time_zone: Option<String>,
    pub candidate: KitCandidate,
    pub job_title: String,
    pub scorecard: ScorecardState,
}

/// stage id, title, start, minutes, candidate name, job title, candidate id,
/// the stage's zone, the candidate's zone, the interviewer's scorecard's status
type InterviewRow = (
    i64,
    String,
    Option<NaiveDateTime>,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<ScorecardStatus>,
);

/// An interviewer's stages on candidates' loops, with the state of their
/// scorecard: what is coming soonest first, then what has passed, newest
/// first, then what is not scheduled yet. Returns page `page` (from 1) of
/// `per_page` rows and how many there are in all.
///
/// Each part is read through the seat's own copy of the stage's start
/// (`stage_interviewers_schedule`), so a page costs the rows it shows, the
/// person's tally of seats and two counts of what is ahead, not a sort of
/// every stage the person ever sat on: six statements wherever the page
/// falls, in one snapshot so that a stage
/// rescheduled meanwhile is neither shown twice nor missed.
pub fn my_interviews(
    conn: &mut DbConn,
    user: &User,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<MyInterview>, i64)> {
    crate::db::read_snapshot(conn, |conn| interviews_page(conn, user, page, per_page))
}

fn interviews_page(
    conn: &mut DbConn,
    user: &User,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<MyInterview>, i64)> {
    let at = now();
    let seats = || stage_interviewers::table.filter(stage_interviewers::user_id.eq(user.id));
    // The stages the person sits on are tallied as they are seated, so the
    // total never counts their history; the unscheduled and coming ones
    // are index ranges as long as what is still ahead.
    let seated: i64 = interviewer_seats::table
        .find(user.id)
        .select(interviewer_seats::seats)
        .first(conn)
        .optional()?
        .unwrap_or(0);
    let coming: i64 = seats()
        .filter(stage_interviewers::starts_at.ge(at))
        .count()
        .get_result(conn)?;
    // Template loops are never scheduled: of the unscheduled seats, those on
    // a candidate's loop are listed, the rest only leave the tally.
    let (unscheduled_seats, unscheduled): (i64, i64) = seats()
        .inner_join(stages::table.inner_join(loops::table))
        .filter(stage_interviewers::starts_at.is_null())
        .select((count_star(), count(loops::candidate_id)))
        .get_result(conn)?;
    let scheduled = seated - unscheduled_seats;
    let rows_of = || {
        stage_interviewers::table
            .inner_join(
                stages::table.inner_join(loops::table.inner_join(jobs::table).inner_join(
                    candidates::table.on(loops::candidate_id.eq(candidates::id.nullable())),
                )),
            )
            .left_join(
                scorecards::table.on(scorecards::stage_id
                    .eq(stages::id)
                    .and(scorecards::interviewer_id.eq(user.id))),
            )
            .filter(stage_interviewers::user_id.eq(user.id))
            .select((
                stages::id,
                stages::title,
                stages::starts_at,
                stages::duration_minutes,
                candidates::name,
                jobs::title,
                candidates::id,
                stages::time_zone,
                candidates::time_zone,
                scorecards::status.nullable(),
            ))
    };
    // A scheduled part's page is picked in the index alone (person, start,
    // stage), so a deep page skips index entries, not joined rows; then
    // only the page's rows are joined.
    let seat = diesel::alias!(stage_interviewers as seat);
    let mut parts = PagedParts::new((page - 1) * per_page, per_page);
    let mut rows: Vec<InterviewRow> = Vec::new();
    {
        let (offset, limit) = parts.take(coming);
        let page_of = seat
            .filter(seat.field(stage_interviewers::user_id).eq(user.id))
            .filter(seat.field(stage_interviewers::starts_at).ge(at))
            .order((
                seat.field(stage_interviewers::starts_at).asc(),
                seat.field(stage_interviewers::stage_id).asc(),
            ))
            .select(seat.field(stage_interviewers::stage_id))
            .limit(limit)
            .offset(offset);
        rows.extend(
            rows_of()
                .filter(stage_interviewers::stage_id.eq_any(page_of))
                // The stage's own start: ordered by the seat's, SQLite would
                // walk all the person's seats in order instead of the page.
                .order((stages::starts_at.asc(), stages::id.asc()))
                .load::<InterviewRow>(conn)?,
        );
    }
    {
        let (offset, limit) = parts.take(scheduled - coming);
        let page_of = seat
            .filter(seat.field(stage_interviewers::user_id).eq(user.id))
            .filter(seat.field(stage_interviewers::starts_at).lt(at))
            .order((
                seat.field(stage_interviewers::starts_at).desc(),
                seat.field(stage_interviewers::stage_id).desc(),
            ))
            .select(seat.field(stage_interviewers::stage_id))
            .limit(limit)
            .offset(offset);
        rows.extend(
            rows_of()
                .filter(stage_interviewers::stage_id.eq_any(page_of))
                .order((stages::starts_at.desc(), stages::id.desc()))
                .load::<InterviewRow>(conn)?,
        );
    }
    {
        let (offset, limit) = parts.take(unscheduled);
        rows.extend(
            rows_of()
                .filter(stage_interviewers::starts_at.is_null())
                .filter(loops::candidate_id.is_not_null())
                .order(stages::id.desc())
                .limit(limit)
                .offset(offset)
                .load::<InterviewRow>(conn)?,
        );
    }
    let total = scheduled + unscheduled;
    Ok((
        rows.into_iter()
            .map(
                |(
                    id,
                    title,
                    starts_at,
                    minutes,
                    candidate,
                    job,
                    candidate_id,
                    stage_zone,
                    candidate_zone,
                    status,
                )| {
                    let ended =
                        starts_at.is_some_and(|s| s + chrono::Duration::minutes(minutes) < at);
                    let state = match status {
                        Some(ScorecardStatus::Submitted) => ScorecardState::Submitted,
                        _ if ended => ScorecardState::Overdue,
                        Some(ScorecardStatus::Draft) => ScorecardState::Draft,
                        None => ScorecardState::NotStarted,
                    };
                    MyInterview {
                        stage_id: id,
                        stage_title: title,
                        starts_at: starts_at.map(|t| t.and_utc().to_rfc3339()),
                        duration_minutes: minutes,
                        time_zone: stage_zone.or(candidate_zone),
                        candidate: KitCandidate {
                            id: candidate_id,
                            name: candidate,
                        },
                        job_title: job,
                        scorecard: state,
                    }
                },
            )
            .collect(),
        total,
    ))
}

/// One page's window, `offset` rows in and `limit` long, laid across parts
/// listed one after another (coming, passed, unscheduled).
struct PagedParts {
    offset: i64,
    limit: i64,
    /// Rows of the parts already laid out.
    before: i64,
}

impl PagedParts {
    fn new(offset: i64, limit: i64) -> Self {
        Self {
            offset: offset.max(0),
            limit: limit.max(0),
            before: 0,
        }
    }

    /// The next part, of `len` rows: the offset and limit to read within it
    /// (a limit of 0 when the window holds none of its rows: the part is
    /// still read, so that every page costs the same statements).
    fn take(&mut self, len: i64) -> (i64, i64) {
        let start = self.before;
        self.before += len;
        let from = self.offset.max(start);
        let to = (self.offset + self.limit).min(start + len);
        if from < to {
            (from - start, to - from)
        } else {
            (0, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PagedParts;

    #[test]
    fn a_page_window_is_laid_across_the_parts_in_order() {
        // Parts of 3, 10 and 4 rows; pages of 5.
        let laid = |offset| {
            let mut parts = PagedParts::new(offset, 5);
            [3, 10, 4].map(|len| parts.take(len))
        };
        assert_eq!(laid(0), [(0, 3), (0, 2), (0, 0)]);
        assert_eq!(laid(5), [(0, 0), (2, 5), (0, 0)]);
        assert_eq!(laid(10), [(0, 0), (7, 3), (0, 2)]);
        assert_eq!(laid(15), [(0, 0), (0, 0), (2, 2)]);
        assert_eq!(laid(20), [(0, 0), (0, 0), (0, 0)]);
        // Empty parts take nothing and shift nothing.
        let mut parts = PagedParts::new(0, 5);
        assert_eq!(parts.take(0), (0, 0));
        assert_eq!(parts.take(7), (0, 5));
    }
}
