//! The demo's candidates and their past: each is added through the service
//! (so gets a copy of the job's loop), then most loops are scheduled in the
//! past with a panel per stage, and the panels' scorecards written.

use std::collections::{BTreeMap, HashMap};

use crate::db::prelude::*;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::internal;
use super::scorecards::{self, Sitting};
use super::team::{Bank, FIRST, LAST, Team, focus_of};
use crate::candidates::{self, NewCandidate};
use crate::db::DbConn;
use crate::db::schema::{loops, stage_interviewers, stage_questions, stages};
use crate::domain::{CriterionKind, EmailAddress, PersonName};
use crate::error::AppError;

/// A standard normal draw (Box–Muller).
pub(super) fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The candidates, with what the generator knows and the product does not.
pub(super) struct Pool {
    /// Candidate id → hidden quality q ~ N(0, 1).
    quality: HashMap<i64, f64>,
    /// Candidate id → the trait the never-separating question measures.
    flat_trait: HashMap<i64, f64>,
    /// Candidate id → index of the job applied for.
    job: HashMap<i64, usize>,
    /// The jobs, in the team's order.
    pub job_ids: Vec<i64>,
}

impl Pool {
    /// Adds `count` candidates through the service, round-robin over the
    /// jobs and the recruiters, each with their hidden draws.
    pub fn apply(
        conn: &mut DbConn,
        rng: &mut StdRng,
        team: &Team,
        job_ids: &[i64],
        count: usize,
    ) -> Result<Pool, AppError> {
        let mut pool = Pool {
            quality: HashMap::new(),
            flat_trait: HashMap::new(),
            job: HashMap::new(),
            job_ids: job_ids.to_vec(),
        };
        for i in 0..count {
            let job = i % job_ids.len();
            let (first, last) = (
                FIRST[(i * 5 + 3) % FIRST.len()],
                LAST[(i * 3 + i / FIRST.len()) % LAST.len()],
            );
            let name = PersonName::parse(&format!("{first} {last}")).map_err(internal)?;
            let email =
                EmailAddress::parse(&format!("candidate{i}@example.net")).map_err(internal)?;
            let id = candidates::create_candidate(
                conn,
                &team.recruiters[i % team.recruiters.len()],
                NewCandidate {
                    job_id: job_ids[job],
                    name,
                    email,
                    notes: String::new(),
                },
            )?;
            pool.quality.insert(id, normal(rng));
            pool.flat_trait.insert(id, normal(rng) * 0.6);
            pool.job.insert(id, job);
        }
        Ok(pool)
    }

    pub fn job_of(&self, candidate: i64) -> usize {
        self.job.get(&candidate).copied().unwrap_or_default()
    }
}

/// A stage of a candidate's loop as the generator sees it.
pub(super) struct Stage {
    pub id: i64,
    candidate: i64,
    position: i64,
    minutes: i64,
    /// The stage kind's slug.
    pub kind: String,
    /// The stage kind's name, lower case, for prose.
    pub kind_name: String,
}

/// A focus criterion of a candidate's stage: (job criterion, kind, name,
/// bank slug).
pub(super) type Focus = (i64, CriterionKind, String, String);

/// What the candidates' loops came to, for the outcomes.
#[derive(Default)]
pub(super) struct Past {
    /// Submitted scorecards.
    pub submitted: usize,
    /// (candidate, hired, when): the finished loops.
    pub decided: Vec<(i64, bool, NaiveDateTime)>,
    /// (candidate, when sent): every scheduled loop.
    pub prep_packs: Vec<(i64, NaiveDateTime)>,
}

/// Every candidate's stage, in candidate and loop order.
fn load_stages(conn: &mut DbConn, bank: &Bank, job_ids: &[i64]) -> Result<Vec<Stage>, AppError> {
    let loaded: Vec<(i64, i64, i64, i64, i64)> = stages::table
        .inner_join(loops::table)
        .filter(loops::job_id.eq_any(job_ids))
        .filter(loops::candidate_id.is_not_null())
        .order((loops::candidate_id, stages::position))
        .select((
            stages::id,
            loops::candidate_id.assume_not_null(),
            stages::position,
            stages::duration_minutes,
            stages::stage_kind_id,
        ))
        .load(conn)?;
    Ok(loaded
        .into_iter()
        .map(|(id, candidate, position, minutes, kind)| {
            let (slug, name) = bank.kind_slugs.get(&kind).cloned().unwrap_or_default();
            Stage {
                id,
                candidate,
                position,
                minutes,
                kind: slug,
                kind_name: name.to_lowercase(),
            }
        })
        .collect())
}

/// The focus of every candidate's stage, by stage.
fn load_focus(conn: &mut DbConn, job_ids: &[i64]) -> Result<HashMap<i64, Vec<Focus>>, AppError> {
    let mut focus: HashMap<i64, Vec<Focus>> = HashMap::new();
    for (stage, criterion, kind, name, slug, candidate) in focus_of(conn, job_ids)? {
        if candidate.is_none() {
            continue;
        }
        focus
            .entry(stage)
            .or_default()
            .push((criterion, kind, name, slug.unwrap_or_default()));
    }
    Ok(focus)
}

/// The questions each candidate's stage asks, by stage.
fn load_asks(conn: &mut DbConn, job_ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, AppError> {
    let mut asks: HashMap<i64, Vec<i64>> = HashMap::new();
    for (stage, q) in stage_questions::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(loops::job_id.eq_any(job_ids))
        .filter(loops::candidate_id.is_not_null())
        .select((stage_questions::stage_id, stage_questions::question_id))
        .load::<(i64, i64)>(conn)?
    {
        asks.entry(stage).or_default().push(q);
    }
    Ok(asks)
}

/// Schedules a stage of a loop that starts on `first_day` (two days per
/// stage, a random working hour) and draws its panel (pool indexes): two
/// on system design and live coding, one elsewhere. Returns the panel and
/// when the stage ends.
fn schedule(
    conn: &mut DbConn,
    rng: &mut StdRng,
    team: &Team,
    s: &Stage,
    first_day: NaiveDateTime,
) -> Result<(Vec<usize>, NaiveDateTime), AppError> {
    let starts =
        first_day + Duration::days(2 * s.position) + Duration::hours(9 + rng.random_range(0..8));
    let ends = starts + Duration::minutes(s.minutes);
    diesel::update(stages::table.find(s.id))
        .set((
            stages::starts_at.eq(Some(starts)),
            stages::time_zone.eq(Some("Europe/London")),
            stages::location.eq(Some("Video call")),
        ))
        .execute(conn)?;
    let panel = if matches!(
        s.kind.as_str(),
        "system-design-interview" | "live-coding-round"
    ) {
        2
    } else {
        1
    };
    let mut people: Vec<usize> = Vec::new();
    while people.len() < panel {
        // The lenient interviewer sits on more panels than most.
        let pick = if rng.random_bool(0.12) {
            team.lenient
        } else {
            rng.random_range(0..team.interviewers.len())
        };
        if !people.contains(&pick) {
            people.push(pick);
        }
    }
    Ok((people, ends))
}

/// Lives through every candidate's loop, in candidate order: 85% finished
/// (and decided), 10% under way, 5% not scheduled yet. Stages that ended
/// before `now` get their panel's scorecards; the panels are assigned last.
pub(super) fn interview(
    conn: &mut DbConn,
    rng: &mut StdRng,
    team: &Team,
    bank: &Bank,
    pool: &Pool,
    now: NaiveDateTime,
) -> Result<Past, AppError> {
    let stage_list = load_stages(conn, bank, &pool.job_ids)?;
    let focus = load_focus(conn, &pool.job_ids)?;
    let asks = load_asks(conn, &pool.job_ids)?;
    let mut by_candidate: BTreeMap<i64, Vec<&Stage>> = BTreeMap::new();
    for s in &stage_list {
        by_candidate.entry(s.candidate).or_default().push(s);
    }
    let mut past = Past::default();
    let mut assignments = Vec::new();
    for (&candidate, loop_stages) in &by_candidate {
        let roll: f64 = rng.random();
        let first_day = if roll < 0.85 {
            now - Duration::days(rng.random_range(16..360))
        } else if roll < 0.95 {
            now - Duration::days(rng.random_range(0..6))
        } else {
            continue;
        };
        let q = pool.quality.get(&candidate).copied().unwrap_or_default();
        let mut last_end = first_day;
        for s in loop_stages {
            let (people, ends) = schedule(conn, rng, team, s, first_day)?;
            last_end = ends;
            for &p in &people {
                assignments.push((
                    stage_interviewers::stage_id.eq(s.id),
                    stage_interviewers::user_id.eq(team.interviewers[p].id),
                ));
            }
            if ends >= now {
                continue;
            }
            let flat = pool.flat_trait.get(&candidate).copied().unwrap_or_default();
            for &p in &people {
                let sitting = Sitting {
                    stage: s,
                    interviewer: team.interviewers[p].id,
                    bias: team.bias[p],
                    quality: q,
                    flat,
                    ends,
                    focus: focus.get(&s.id).map(Vec::as_slice).unwrap_or_default(),
                    asks: asks.get(&s.id).map(Vec::as_slice).unwrap_or_default(),
                };
                if scorecards::submit(conn, rng, &sitting)? {
                    past.submitted += 1;
                }
            }
        }
        past.prep_packs
            .push((candidate, first_day - Duration::days(3)));
        if roll < 0.85 {
            let hired = q + normal(rng) * 0.3 > 0.6;
            past.decided
                .push((candidate, hired, last_end + Duration::days(2)));
        }
    }
    for row in assignments {
        diesel::insert_into(stage_interviewers::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(past)
}
