//! Insights: interviewer calibration, agreement per criterion, and question
//! analytics, computed from submitted scorecards and decisions.
//!
//! Each answer loads what its figures need in a fixed number of statements
//! (one per kind of row: ratings, assignments, decisions, questions asked,
//! names), whatever the amount of data, then computes in memory with the
//! pure statistics of `domain::agreement` and `domain::calibration`.
//!
//! Who sees what (`access`): recruiters and admins all jobs, a hiring
//! manager the jobs they manage, an interviewer their own calibration only.

pub mod api;
pub mod chart;
pub mod demo;
pub mod pages;
mod question_figures;

pub use question_figures::{
    QuestionFigures, QuestionHistory, QuestionSort, question_history, questions,
};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::db::prelude::*;
use crate::db::run_query::on_backend;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{
    candidates, decisions, job_criteria, jobs, loops, outbox_messages, question_revisions,
    scorecard_ratings, scorecards, stage_interviewers, stage_kinds, stage_questions, stages, users,
};
use crate::domain::agreement;
use crate::domain::calibration::{
    self, Leniency, QuestionFlag, QuestionUse, Separation, leniency, median, separation, std_dev,
};
use crate::domain::{DecisionOutcome, JobStatus, Rating, Recommendation, Role, ScorecardStatus};
use crate::error::AppError;

/// A scorecard is overdue when it came in (or is still missing) this long
/// after its stage ended: the point at which reminders tell the hiring
/// manager (`interviews::reminders::Delays`).
pub const OVERDUE_AFTER_HOURS: i64 = 48;

/// "Recently", for question exposure.
pub const RECENT_DAYS: i64 = 30;

/// What the figures are computed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub job_id: Option<i64>,
    /// Interviews starting on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Interviews starting on or before this day (UTC).
    pub to: Option<NaiveDate>,
}

/// The jobs a person may see figures of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Jobs {
    All,
    Only(Vec<i64>),
}

/// Checks `action` and answers the jobs in view: the one asked for, or all
/// the person may see (a hiring manager's own jobs).
fn jobs_in_view(
    conn: &mut DbConn,
    actor: &User,
    action: Action,
    job_id: Option<i64>,
) -> Result<Jobs, AppError> {
    if let Some(id) = job_id {
        access::ensure(conn, actor, action, Target::Job(id))?;
        return Ok(Jobs::Only(vec![id]));
    }
    access::require(actor, action)?;
    if actor.role() == Role::HiringManager {
        let mine = jobs::table
            .filter(jobs::hiring_manager_id.eq(actor.id))
            .select(jobs::id)
            .load(conn)?;
        return Ok(Jobs::Only(mine));
    }
    Ok(Jobs::All)
}

/// Counts of ratings on the scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Distribution {
    pub strong_no: usize,
    pub no: usize,
    pub yes: usize,
    pub strong_yes: usize,
    pub no_signal: usize,
}

impl Distribution {
    fn add(&mut self, rating: Rating) {
        match rating {
            Rating::StrongNo => self.strong_no += 1,
            Rating::No => self.no += 1,
            Rating::Yes => self.yes += 1,
            Rating::StrongYes => self.strong_yes += 1,
            Rating::NoSignal => self.no_signal += 1,
        }
    }

    /// In scale order, strong no first, no signal last.
    pub fn counts(&self) -> [usize; 5] {
        [
            self.strong_no,
            self.no,
            self.yes,
            self.strong_yes,
            self.no_signal,
        ]
    }

    pub fn total(&self) -> usize {
        self.counts().iter().sum()
    }
}

/// How often an interviewer's recommendation matched the final decision
/// (yes or strong yes with hire, no or strong no with no hire; holds and
/// undecided candidates are left out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DecisionAgreement {
    pub matched: usize,
    pub of: usize,
}

/// One interviewer's calibration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterviewerFigures {
    pub user_id: i64,
    pub name: String,
    /// Submitted scorecards.
    pub scorecards: usize,
    pub distribution: Distribution,
    /// `null`: "not enough data yet" (fewer than
    /// [`calibration::MIN_SHARED_CANDIDATES`] shared candidates).
    pub leniency: Option<Leniency>,
    pub decision_agreement: DecisionAgreement,
    /// Median hours from the stage's end to submission; `null` with no
    /// submission after a scheduled stage.
    pub median_hours_to_submit: Option<f64>,
    /// Scorecards in (or still missing) more than [`OVERDUE_AFTER_HOURS`]
    /// after their stage ended.
    pub overdue: usize,
}

/// Calibration of every interviewer in view, and the panel's distribution.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub interviewers: Vec<InterviewerFigures>,
    /// Every rating in view, whoever gave it.
    pub panel: Distribution,
    pub min_shared_candidates: usize,
}

/// One submitted rating where it was given.
struct RatingRow {
    interviewer_id: i64,
    candidate_id: i64,
    stage_id: i64,
    criterion_id: i64,
    rating: Rating,
}

fn day_start(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// Submitted ratings on candidates' loops in the jobs and period: one statement.
fn load_ratings(
    conn: &mut DbConn,
    jobs: &Jobs,
    filter: &Filter,
) -> Result<Vec<RatingRow>, AppError> {
    let rows: Vec<(i64, i64, i64, i64, Rating)> = on_backend!(conn, |conn, Backend| {
        let mut query = scorecard_ratings::table
            .inner_join(scorecards::table.inner_join(stages::table.inner_join(loops::table)))
            .filter(scorecards::status.eq(ScorecardStatus::Submitted))
            .filter(loops::candidate_id.is_not_null())
            .filter(scorecard_ratings::rating.is_not_null())
            .select((
                scorecards::interviewer_id,
                loops::candidate_id.assume_not_null(),
                stages::id,
                scorecard_ratings::job_criterion_id,
                scorecard_ratings::rating.assume_not_null(),
            ))
            .into_boxed::<Backend>();
        if let Jobs::Only(ids) = jobs {
            query = query.filter(loops::job_id.eq_any(ids.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(stages::starts_at.ge(day_start(from)));
        }
        if let Some(to) = filter.to {
            query = query.filter(stages::starts_at.lt(day_start(to) + Duration::days(1)));
        }
        diesel::RunQueryDsl::load(query, conn)
    })?;
    Ok(rows
        .into_iter()
        .map(
            |(interviewer_id, candidate_id, stage_id, criterion_id, rating)| RatingRow {
                interviewer_id,
                candidate_id,
                stage_id,
                criterion_id,
                rating,
            },
        )
        .collect())
}

/// The final decision of each candidate in view (the latest hire or no
/// hire; a later hold leaves the candidate undecided): one statement.
fn load_decisions(conn: &mut DbConn, jobs: &Jobs) -> Result<HashMap<i64, bool>, AppError> {
    let rows: Vec<(i64, DecisionOutcome)> = on_backend!(conn, |conn, Backend| {
        let mut query = decisions::table
            .inner_join(candidates::table)
            .order((decisions::created_at, decisions::id))
            .select((decisions::candidate_id, decisions::outcome))
            .into_boxed::<Backend>();
        if let Jobs::Only(ids) = jobs {
            query = query.filter(candidates::job_id.eq_any(ids.clone()));
        }
        diesel::RunQueryDsl::load(query, conn)
    })?;
    let mut latest = HashMap::new();
    for (candidate, outcome) in rows {
        latest.insert(candidate, outcome);
    }
    Ok(latest
        .into_iter()
        .filter_map(|(c, o)| match o {
            DecisionOutcome::Hire => Some((c, true)),
            DecisionOutcome::NoHire => Some((c, false)),
            DecisionOutcome::Hold => None,
        })
        .collect())
}

/// (interviewer, candidate, stage start, minutes, scorecard status,
/// recommendation, submitted at) of every assignment on a candidate's loop.
type Assignment = (
    i64,
    i64,
    Option<NaiveDateTime>,
    i64,
    Option<ScorecardStatus>,
    Option<Recommendation>,
    Option<NaiveDateTime>,
);

fn load_assignments(
    conn: &mut DbConn,
    jobs: &Jobs,
    filter: &Filter,
) -> Result<Vec<Assignment>, AppError> {
    Ok(on_backend!(conn, |conn, Backend| {
        let mut query = stage_interviewers::table
            .inner_join(stages::table.inner_join(loops::table))
            .left_join(
                scorecards::table.on(scorecards::stage_id
                    .eq(stage_interviewers::stage_id)
                    .and(scorecards::interviewer_id.eq(stage_interviewers::user_id))),
            )
            .filter(loops::candidate_id.is_not_null())
            .select((
                stage_interviewers::user_id,
                loops::candidate_id.assume_not_null(),
                stages::starts_at,
                stages::duration_minutes,
                scorecards::status.nullable(),
                scorecards::recommendation.nullable(),
                scorecards::submitted_at.nullable(),
            ))
            .into_boxed::<Backend>();
        if let Jobs::Only(ids) = jobs {
            query = query.filter(loops::job_id.eq_any(ids.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(stages::starts_at.ge(day_start(from)));
        }
        if let Some(to) = filter.to {
            query = query.filter(stages::starts_at.lt(day_start(to) + Duration::days(1)));
        }
        diesel::RunQueryDsl::load(query, conn)
    })?)
}

/// Calibration per interviewer over `filter`, as `actor` may see it: an
/// interviewer gets their own row only. Five statements at most.
///
/// Errors: 403/404 from `access` for a job not in view.
pub fn calibration(
    conn: &mut DbConn,
    actor: &User,
    filter: &Filter,
    now: NaiveDateTime,
) -> Result<Calibration, AppError> {
    let jobs = jobs_in_view(conn, actor, Action::ReadCalibration, filter.job_id)?;
    let ratings = load_ratings(conn, &jobs, filter)?;
    let assignments = load_assignments(conn, &jobs, filter)?;
    let decided = load_decisions(conn, &jobs)?;

    let mut panel = Distribution::default();
    let mut own: BTreeMap<i64, Distribution> = BTreeMap::new();
    // (candidate, criterion) → interviewer → their steps
    let mut cells: HashMap<(i64, i64), BTreeMap<i64, Vec<f64>>> = HashMap::new();
    for r in &ratings {
        panel.add(r.rating);
        own.entry(r.interviewer_id).or_default().add(r.rating);
        if let Some(step) = r.rating.step() {
            cells
                .entry((r.candidate_id, r.criterion_id))
                .or_default()
                .entry(r.interviewer_id)
                .or_default()
                .push(f64::from(step));
        }
    }
    // interviewer → candidate → offsets over criteria
    let mut offsets: HashMap<i64, BTreeMap<i64, Vec<f64>>> = HashMap::new();
    for (&(candidate, _), raters) in &cells {
        if raters.len() < 2 {
            continue;
        }
        let means: Vec<(i64, f64)> = raters
            .iter()
            .map(|(&id, steps)| (id, calibration::mean(steps).unwrap_or_default()))
            .collect();
        let total: f64 = means.iter().map(|(_, m)| m).sum();
        for &(id, m) in &means {
            let others = (total - m) / (means.len() - 1) as f64;
            offsets
                .entry(id)
                .or_default()
                .entry(candidate)
                .or_default()
                .push(m - others);
        }
    }

    #[derive(Default)]
    struct Timing {
        scorecards: usize,
        hours: Vec<f64>,
        overdue: usize,
        agreement: DecisionAgreement,
    }
    let mut timing: BTreeMap<i64, Timing> = BTreeMap::new();
    let late = Duration::hours(OVERDUE_AFTER_HOURS);
    for (user, candidate, starts, minutes, status, recommendation, submitted) in &assignments {
        let t = timing.entry(*user).or_default();
        let submitted = if *status == Some(ScorecardStatus::Submitted) {
            *submitted
        } else {
            None
        };
        if submitted.is_some() {
            t.scorecards += 1;
        }
        if let Some(starts) = starts {
            let ends = *starts + Duration::minutes(*minutes);
            match submitted {
                Some(at) => {
                    t.hours.push((at - ends).num_minutes().max(0) as f64 / 60.0);
                    if at - ends > late {
                        t.overdue += 1;
                    }
                }
                None if now - ends > late => t.overdue += 1,
                None => {}
            }
        }
        if let (Some(_), Some(rec), Some(&hired)) =
            (submitted, recommendation, decided.get(candidate))
        {
            t.agreement.of += 1;
            if (rec.step() >= 3) == hired {
                t.agreement.matched += 1;
            }
        }
    }

    let mut ids: BTreeSet<i64> = own.keys().copied().collect();
    ids.extend(timing.keys().copied());
    if actor.role() == Role::Interviewer {
        ids.retain(|&id| id == actor.id);
    }
    let id_list: Vec<i64> = ids.iter().copied().collect();
    let names: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&id_list))
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();

    let mut interviewers: Vec<InterviewerFigures> = id_list
        .into_iter()
        .map(|id| {
            let t = timing.remove(&id).unwrap_or_default();
            let per_candidate: Vec<f64> = offsets
                .get(&id)
                .map(|by| by.values().filter_map(|o| calibration::mean(o)).collect())
                .unwrap_or_default();
            InterviewerFigures {
                user_id: id,
                name: names.get(&id).cloned().unwrap_or_default(),
                scorecards: t.scorecards,
                distribution: own.get(&id).copied().unwrap_or_default(),
                leniency: leniency(&per_candidate),
                decision_agreement: t.agreement,
                median_hours_to_submit: median(&t.hours),
                overdue: t.overdue,
            }
        })
        .collect();
    interviewers.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
    Ok(Calibration {
        interviewers,
        panel,
        min_shared_candidates: calibration::MIN_SHARED_CANDIDATES,
    })
}

/// Agreement on one criterion of one job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriterionFigures {
    pub criterion_id: i64,
    pub name: String,
    pub job_id: i64,
    pub job_title: String,
    /// Krippendorff's ordinal alpha; `null`: "not enough data yet" (fewer
    /// than [`agreement::MIN_ALPHA_CANDIDATES`] candidates rated by two or
    /// more) or no variation at all.
    pub alpha: Option<f64>,
    /// Candidates rated on it by at least two interviewers.
    pub candidates: usize,
    /// Interviewers who rated it.
    pub raters: usize,
}

/// Agreement per criterion, lowest alpha first (figures without alpha
/// last). Four statements.
pub fn criteria(
    conn: &mut DbConn,
    actor: &User,
    filter: &Filter,
) -> Result<Vec<CriterionFigures>, AppError> {
    let jobs = jobs_in_view(conn, actor, Action::ReadInsights, filter.job_id)?;
    let ratings = load_ratings(conn, &jobs, filter)?;
    // criterion → candidate → interviewer → step (the latest stage's)
    let mut units: BTreeMap<i64, BTreeMap<i64, BTreeMap<i64, i64>>> = BTreeMap::new();
    let mut raters: BTreeMap<i64, HashSet<i64>> = BTreeMap::new();
    for r in &ratings {
        let Some(step) = r.rating.step() else {
            continue;
        };
        raters
            .entry(r.criterion_id)
            .or_default()
            .insert(r.interviewer_id);
        units
            .entry(r.criterion_id)
            .or_default()
            .entry(r.candidate_id)
            .or_default()
            .insert(r.interviewer_id, i64::from(step));
    }
    let ids: Vec<i64> = units.keys().copied().collect();
    let names: HashMap<i64, (String, i64, String)> = job_criteria::table
        .inner_join(jobs::table)
        .filter(job_criteria::id.eq_any(&ids))
        .select((job_criteria::id, job_criteria::name, jobs::id, jobs::title))
        .load::<(i64, String, i64, String)>(conn)?
        .into_iter()
        .map(|(id, name, job, title)| (id, (name, job, title)))
        .collect();
    let mut out: Vec<CriterionFigures> = units
        .into_iter()
        .map(|(id, by_candidate)| {
            let values: Vec<Vec<i64>> = by_candidate
                .into_values()
                .map(|by| by.into_values().collect())
                .collect();
            let figure = agreement::agreement(&values);
            let (name, job_id, job_title) = names.get(&id).cloned().unwrap_or_default();
            CriterionFigures {
                criterion_id: id,
                name,
                job_id,
                job_title,
                alpha: figure.alpha,
                candidates: figure.candidates,
                raters: raters.get(&id).map_or(0, HashSet::len),
            }
        })
        .collect();
    out.sort_by(|a, b| match (a.alpha, b.alpha) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    Ok(out)
}

/// The jobs a person may pick from on the Insights pages, by title:
/// `(id, title, open)`. Open jobs, and `chosen` whatever its status: a
/// company's closed jobs would grow the filter without end, so a closed
/// job's figures are reached from its page (and stay chosen once there).
pub fn job_choices(
    conn: &mut DbConn,
    actor: &User,
    chosen: Option<i64>,
) -> Result<Vec<(i64, String, bool)>, AppError> {
    let chosen = chosen.unwrap_or(0);
    let rows: Vec<(i64, String, JobStatus)> = on_backend!(conn, |conn, Backend| {
        let mut query = jobs::table
            .filter(jobs::status.eq(JobStatus::Open).or(jobs::id.eq(chosen)))
            .order((jobs::title, jobs::id))
            .select((jobs::id, jobs::title, jobs::status))
            .into_boxed::<Backend>();
        match actor.role() {
            Role::HiringManager => query = query.filter(jobs::hiring_manager_id.eq(actor.id)),
            Role::Interviewer => {
                // Jobs they interviewed on.
                let theirs = stage_interviewers::table
                    .inner_join(stages::table.inner_join(loops::table))
                    .filter(stage_interviewers::user_id.eq(actor.id))
                    .select(loops::job_id);
                query = query.filter(jobs::id.eq_any(theirs));
            }
            Role::Admin | Role::Recruiter => {}
        }
        diesel::RunQueryDsl::load(query, conn)
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, title, status)| (id, title, status == JobStatus::Open))
        .collect())
}

/// The Insights pages.
pub fn pages(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/insights", web::get().to(pages::calibration_page))
        .route("/insights/criteria", web::get().to(pages::criteria_page))
        .route("/insights/questions", web::get().to(pages::questions_page))
        .route(
            "/insights/questions/{id}",
            web::get().to(pages::question_page),
        );
}

/// The Insights API, under `/api/v1`.
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_interviewers, api::interviewers)
        .op(api::__path_criteria, api::criteria)
        .op(api::__path_questions, api::questions);
}
