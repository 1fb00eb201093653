//! `loopwright demo`: a living data set in an empty data dir, for newcomers
//! and for benchmarks, with three things planted for Insights to find.
//!
//! Jobs and candidates go through the product's own services (so loops are
//! cloned as they would be); schedules, scorecards, decisions and sent prep
//! packs are written directly, in one transaction, because thousands of
//! past interviews cannot be lived through the API in seconds.
//!
//! The model: each candidate has a hidden quality q ~ N(0, 1); a rating is
//! q plus the interviewer's bias plus noise, cut into the 4-point scale at
//! −1, 0 and 1; the decision is a hire when q + N(0, 0.3) > 0.6 (about a
//! quarter hired). The plants:
//! - the lenient interviewer's bias is +1 (everyone else's within ±0.1);
//! - the disputed criterion ("API design") gets noise of 1.6 instead of 0.5,
//!   so the panel disagrees on it;
//! - the never-separating question probes only "distributed systems", whose
//!   ratings in the stage that asks it follow a trait unrelated to q.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::candidates::{self, NewCandidate};
use crate::db::models::{User, UserInsertForm};
use crate::db::schema::{
    criteria, decisions, job_criteria, loops, outbox_messages, question_criteria,
    question_stage_kinds, questions, scorecard_question_notes, scorecard_ratings,
    scorecard_red_flags, scorecards, stage_focus_criteria, stage_interviewers, stage_kinds,
    stage_questions, stages, tracks, users,
};
use crate::db::{DbConn, write_transaction};
use crate::domain::{
    CandidateStatus, CriterionKind, DecisionOutcome, EmailAddress, PersonName, Rating,
    Recommendation, Role, ScorecardStatus,
};
use crate::error::AppError;
use crate::jobs::{self, NewJob};

/// Every demo account signs in with this password.
pub const PASSWORD: &str = "demo passphrase 2026";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub candidates: usize,
    pub seed: u64,
}

/// What was made, and the plants, for the operator.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub admin_email: String,
    pub people: usize,
    pub interviewers: usize,
    pub jobs: usize,
    pub candidates: usize,
    pub scorecards: usize,
    pub decisions: usize,
    pub prep_packs: usize,
    /// (user id, name, email)
    pub lenient: (i64, String, String),
    /// The job criterion's name (one per job).
    pub disputed: String,
    /// (question id, prompt)
    pub never_separating: (i64, String),
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "demo data: {} people ({} interviewers), {} jobs, {} candidates, {} submitted scorecards, {} decisions, {} prep packs sent",
            self.people,
            self.interviewers,
            self.jobs,
            self.candidates,
            self.scorecards,
            self.decisions,
            self.prep_packs
        )?;
        writeln!(
            f,
            "sign in as {} (or any demo person) with the password \"{PASSWORD}\"",
            self.admin_email
        )?;
        writeln!(f, "planted for Insights to find:")?;
        writeln!(
            f,
            "  lenient interviewer: {} <{}> (user {})",
            self.lenient.1, self.lenient.2, self.lenient.0
        )?;
        writeln!(f, "  disputed criterion: {}", self.disputed)?;
        write!(
            f,
            "  never-separating question: {} (question {})",
            self.never_separating.1, self.never_separating.0
        )
    }
}

const FIRST: [&str; 24] = [
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
    "Radia", "John", "Sophie", "Tim", "Hedy", "Linus", "Karen", "Niklaus", "Annie", "Leslie",
    "Mary", "Guido", "Joan", "Bjarne",
];
const LAST: [&str; 20] = [
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
    "Ritchie", "Perlman", "McCarthy", "Wilson", "Berners", "Lamarr", "Torvalds", "Jones", "Wirth",
    "Easley", "Lamport",
];

/// The disputed criterion and the never-separating question's criterion,
/// by the bank's slugs.
const DISPUTED: &str = "api-design";
const FLAT: &str = "distributed-systems";
const FLAT_STAGE: &str = "system-design-interview";

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A latent score cut into the scale at −1, 0 and 1.
fn step_of(latent: f64) -> Rating {
    if latent < -1.0 {
        Rating::StrongNo
    } else if latent < 0.0 {
        Rating::No
    } else if latent < 1.0 {
        Rating::Yes
    } else {
        Rating::StrongYes
    }
}

fn recommendation_of(mean: f64) -> Recommendation {
    if mean >= 3.25 {
        Recommendation::StrongYes
    } else if mean >= 2.5 {
        Recommendation::Yes
    } else if mean >= 1.75 {
        Recommendation::No
    } else {
        Recommendation::StrongNo
    }
}

fn evidence(rating: Rating, criterion: &str, stage: &str) -> String {
    let what = criterion.to_lowercase();
    match rating {
        Rating::StrongYes => format!(
            "In the {stage}, went well beyond the question on {what}: named the trade-offs unprompted and backed them with a production story."
        ),
        Rating::Yes => format!(
            "Solid on {what} in the {stage}: a clear approach and sensible answers to the follow-ups."
        ),
        Rating::No => format!(
            "Thin on {what} in the {stage}: the outline was right but the follow-ups exposed gaps."
        ),
        Rating::StrongNo => {
            format!("Could not engage with {what} in the {stage}, even with hints.")
        }
        Rating::NoSignal => format!("The {stage} ran out of time before {what} came up."),
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{e}"))
}

/// Fills an empty database (the bank seeded, no people yet) with the demo
/// data set, deterministic for a given seed and `now`. Errors: 409 when
/// there are people already.
pub fn generate(
    conn: &mut DbConn,
    options: DemoOptions,
    now: NaiveDateTime,
) -> Result<DemoReport, AppError> {
    let existing: i64 = users::table.count().get_result(conn)?;
    if existing > 0 {
        return Err(AppError::Conflict(
            "The demo fills an empty data dir, and this one has people in it already.".into(),
        ));
    }
    let hash = crate::auth::password::hash(PASSWORD).map_err(internal)?;
    write_transaction(conn, |conn| build(conn, options, now, &hash))
}

fn add_person(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    role: Role,
    hash: &str,
    at: NaiveDateTime,
) -> Result<User, AppError> {
    Ok(User::create(
        conn,
        &UserInsertForm::active(email, name, role.as_str(), hash, at),
    )?)
}

/// A stage of a candidate's loop as the generator sees it.
struct Stage {
    id: i64,
    candidate: i64,
    position: i64,
    minutes: i64,
    kind: String,
    kind_name: String,
}

fn build(
    conn: &mut DbConn,
    options: DemoOptions,
    now: NaiveDateTime,
    hash: &str,
) -> Result<DemoReport, AppError> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let at = now - Duration::days(400);
    let admin = add_person(
        conn,
        "admin@example.com",
        "Avery Admin",
        Role::Admin,
        hash,
        at,
    )?;
    let managers = [
        ("morgan@example.com", "Morgan Reyes"),
        ("sam@example.com", "Sam Okafor"),
        ("priya@example.com", "Priya Natarajan"),
    ]
    .iter()
    .map(|(e, n)| add_person(conn, e, n, Role::HiringManager, hash, at))
    .collect::<Result<Vec<_>, _>>()?;
    let recruiters = [
        ("riley@example.com", "Riley Chen"),
        ("jordan@example.com", "Jordan Silva"),
    ]
    .iter()
    .map(|(e, n)| add_person(conn, e, n, Role::Recruiter, hash, at))
    .collect::<Result<Vec<_>, _>>()?;
    let pool_size = (options.candidates / 50).clamp(8, 40);
    let mut interviewers = Vec::with_capacity(pool_size);
    for i in 0..pool_size {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i * 7 + i / 20) % LAST.len()]);
        let email = format!("{}.{}{}@example.com", first, last, i).to_lowercase();
        interviewers.push(add_person(
            conn,
            &email,
            &format!("{first} {last}"),
            Role::Interviewer,
            hash,
            at,
        )?);
    }
    // Each interviewer's bias on the latent scale; the third is the lenient one.
    let lenient = 2;
    let bias: Vec<f64> = (0..pool_size)
        .map(|i| {
            if i == lenient {
                1.0
            } else {
                rng.random_range(-0.1..0.1)
            }
        })
        .collect();

    let track: i64 = tracks::table
        .filter(tracks::slug.eq("backend-developer"))
        .select(tracks::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::Conflict("The seed bank is not loaded.".into()))?;
    let titles = [
        ("Backend Developer", "Payments"),
        ("Senior Backend Developer", "Platform"),
        ("Backend Developer", "Search"),
    ];
    let mut job_ids = Vec::new();
    for (i, (title, team)) in titles.iter().enumerate() {
        job_ids.push(jobs::create_job(
            conn,
            &admin,
            NewJob {
                title: (*title).into(),
                team: (*team).into(),
                track_id: Some(track),
                hiring_manager_id: Some(managers[i].id),
                typical_stages: true,
            },
        )?);
    }

    // The bank: which questions suit which stage kind, and what they probe.
    let kind_slugs: HashMap<i64, (String, String)> = stage_kinds::table
        .select((stage_kinds::id, stage_kinds::slug, stage_kinds::name))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| (id, (slug, name)))
        .collect();
    let mut suits: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (q, k) in question_stage_kinds::table
        .inner_join(questions::table)
        .filter(questions::archived_at.is_null())
        .select((
            question_stage_kinds::question_id,
            question_stage_kinds::stage_kind_id,
        ))
        .order(question_stage_kinds::question_id)
        .load::<(i64, i64)>(conn)?
    {
        suits.entry(k).or_default().push(q);
    }
    let mut probes: HashMap<i64, Vec<String>> = HashMap::new();
    for (q, slug) in question_criteria::table
        .inner_join(criteria::table)
        .select((question_criteria::question_id, criteria::slug))
        .load::<(i64, String)>(conn)?
    {
        probes.entry(q).or_default().push(slug);
    }
    let versions: HashMap<i64, (i64, String)> = questions::table
        .select((questions::id, questions::version, questions::prompt))
        .load::<(i64, i64, String)>(conn)?
        .into_iter()
        .map(|(id, v, p)| (id, (v, p)))
        .collect();
    let flat_question = suits
        .iter()
        .filter(|(k, _)| kind_slugs.get(k).is_some_and(|(s, _)| s == FLAT_STAGE))
        .flat_map(|(_, qs)| qs.iter().copied())
        .find(|q| probes.get(q).is_some_and(|p| p == &[FLAT]))
        .ok_or_else(|| {
            AppError::Conflict("The bank has no question on distributed systems alone.".into())
        })?;

    // Focus of every stage, template and candidate alike, by bank slug:
    // (stage, job criterion, kind, name, bank slug, on a candidate's loop).
    type FocusRow = (i64, i64, CriterionKind, String, Option<String>, Option<i64>);
    let focus_of = |conn: &mut DbConn| -> Result<Vec<FocusRow>, AppError> {
        Ok(stage_focus_criteria::table
            .inner_join(job_criteria::table.left_join(criteria::table))
            .inner_join(stages::table.inner_join(loops::table))
            .filter(loops::job_id.eq_any(&job_ids))
            .select((
                stage_focus_criteria::stage_id,
                job_criteria::id,
                job_criteria::kind,
                job_criteria::name,
                criteria::slug.nullable(),
                loops::candidate_id,
            ))
            .load(conn)?)
    };
    let mut template_focus: HashMap<i64, Vec<String>> = HashMap::new();
    for (stage, _, _, _, slug, candidate) in focus_of(conn)? {
        if candidate.is_none() {
            template_focus.entry(stage).or_default().extend(slug);
        }
    }
    // Questions on each template stage: up to three that probe its focus;
    // the never-separating one only on system design, and there the only
    // question on distributed systems alone.
    let template_stages: Vec<(i64, i64, i64)> = stages::table
        .inner_join(loops::table)
        .filter(loops::job_id.eq_any(&job_ids))
        .filter(loops::candidate_id.is_null())
        .order((loops::job_id, stages::position))
        .select((stages::id, stages::stage_kind_id, loops::job_id))
        .load(conn)?;
    let mut picked = Vec::new();
    for (stage, kind, _) in &template_stages {
        let focus = template_focus.get(stage).cloned().unwrap_or_default();
        let slug = kind_slugs.get(kind).map(|(s, _)| s.as_str()).unwrap_or("");
        let mut chosen: Vec<i64> = Vec::new();
        if slug == FLAT_STAGE {
            chosen.push(flat_question);
        }
        let mut candidates: Vec<i64> = suits
            .get(kind)
            .into_iter()
            .flatten()
            .copied()
            .filter(|q| *q != flat_question)
            .filter(|q| {
                let probed: Vec<&String> = probes
                    .get(q)
                    .into_iter()
                    .flatten()
                    .filter(|p| focus.contains(p))
                    .collect();
                !probed.is_empty() && probed != [FLAT]
            })
            .collect();
        // A job's own mix of the bank.
        for i in (1..candidates.len()).rev() {
            candidates.swap(i, rng.random_range(0..=i));
        }
        chosen.extend(candidates.into_iter().take(3 - chosen.len()));
        for (position, q) in chosen.iter().enumerate() {
            let version = versions.get(q).map_or(1, |v| v.0);
            picked.push((
                stage_questions::stage_id.eq(*stage),
                stage_questions::question_id.eq(*q),
                stage_questions::position.eq(position as i64),
                stage_questions::question_version.eq(version),
                stage_questions::share_with_candidate
                    .eq(slug == "hiring-manager-interview" && position == 0),
            ));
        }
    }
    for row in picked {
        diesel::insert_into(stage_questions::table)
            .values(row)
            .execute(conn)?;
    }

    // Candidates, through the service: each gets a copy of the job's loop.
    let mut quality: HashMap<i64, f64> = HashMap::new();
    let mut flat_trait: HashMap<i64, f64> = HashMap::new();
    let mut candidate_job: HashMap<i64, usize> = HashMap::new();
    for i in 0..options.candidates {
        let job = i % job_ids.len();
        let (first, last) = (
            FIRST[(i * 5 + 3) % FIRST.len()],
            LAST[(i * 3 + i / FIRST.len()) % LAST.len()],
        );
        let name = PersonName::parse(&format!("{first} {last}")).map_err(internal)?;
        let email = EmailAddress::parse(&format!("candidate{i}@example.net")).map_err(internal)?;
        let id = candidates::create_candidate(
            conn,
            &recruiters[i % recruiters.len()],
            NewCandidate {
                job_id: job_ids[job],
                name,
                email,
                notes: String::new(),
            },
        )?;
        quality.insert(id, normal(&mut rng));
        flat_trait.insert(id, normal(&mut rng) * 0.6);
        candidate_job.insert(id, job);
    }

    let loaded: Vec<(i64, i64, i64, i64, i64)> = stages::table
        .inner_join(loops::table)
        .filter(loops::job_id.eq_any(&job_ids))
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
    let stage_list: Vec<Stage> = loaded
        .into_iter()
        .map(|(id, candidate, position, minutes, kind)| {
            let (slug, name) = kind_slugs.get(&kind).cloned().unwrap_or_default();
            Stage {
                id,
                candidate,
                position,
                minutes,
                kind: slug,
                kind_name: name.to_lowercase(),
            }
        })
        .collect();
    let mut focus: HashMap<i64, Vec<(i64, CriterionKind, String, String)>> = HashMap::new();
    for (stage, criterion, kind, name, slug, candidate) in focus_of(conn)? {
        if candidate.is_none() {
            continue;
        }
        focus
            .entry(stage)
            .or_default()
            .push((criterion, kind, name, slug.unwrap_or_default()));
    }
    let mut asks: HashMap<i64, Vec<i64>> = HashMap::new();
    for (stage, q) in stage_questions::table
        .inner_join(stages::table.inner_join(loops::table))
        .filter(loops::job_id.eq_any(&job_ids))
        .filter(loops::candidate_id.is_not_null())
        .select((stage_questions::stage_id, stage_questions::question_id))
        .load::<(i64, i64)>(conn)?
    {
        asks.entry(stage).or_default().push(q);
    }

    let mut by_candidate: BTreeMap<i64, Vec<&Stage>> = BTreeMap::new();
    for s in &stage_list {
        by_candidate.entry(s.candidate).or_default().push(s);
    }
    let mut submitted = 0;
    let mut decided = Vec::new();
    let mut prep_packs = Vec::new();
    let mut assignments = Vec::new();
    for (&candidate, loop_stages) in &by_candidate {
        let roll: f64 = rng.random();
        // 85% finished, 10% under way, 5% not scheduled yet.
        let first_day = if roll < 0.85 {
            now - Duration::days(rng.random_range(16..360))
        } else if roll < 0.95 {
            now - Duration::days(rng.random_range(0..6))
        } else {
            continue;
        };
        let q = quality.get(&candidate).copied().unwrap_or_default();
        let mut last_end = first_day;
        for s in loop_stages {
            let starts = first_day
                + Duration::days(2 * s.position)
                + Duration::hours(9 + rng.random_range(0..8));
            let ends = starts + Duration::minutes(s.minutes);
            last_end = ends;
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
                    lenient
                } else {
                    rng.random_range(0..pool_size)
                };
                if !people.contains(&pick) {
                    people.push(pick);
                }
            }
            for &p in &people {
                assignments.push((
                    stage_interviewers::stage_id.eq(s.id),
                    stage_interviewers::user_id.eq(interviewers[p].id),
                ));
            }
            if ends >= now {
                continue;
            }
            let flat = flat_trait.get(&candidate).copied().unwrap_or_default();
            for &p in &people {
                if rng.random_bool(0.03) {
                    continue; // never submitted: overdue
                }
                let hours = match rng.random_range(0..100) {
                    0..70 => rng.random_range(1..24),
                    70..95 => rng.random_range(24..48),
                    _ => rng.random_range(49..120),
                };
                let at = ends + Duration::hours(hours);
                let mut ratings = Vec::new();
                let mut red_flags = Vec::new();
                let mut steps = Vec::new();
                for (criterion, kind, name, slug) in focus.get(&s.id).into_iter().flatten() {
                    match kind {
                        CriterionKind::RedFlag => {
                            let seen = rng.random_bool(if q < -0.5 { 0.3 } else { 0.04 });
                            red_flags.push((
                                scorecard_red_flags::job_criterion_id.eq(*criterion),
                                scorecard_red_flags::observed.eq(Some(seen)),
                                scorecard_red_flags::evidence.eq(if seen {
                                    format!("Seen in the {}: {}.", s.kind_name, name.to_lowercase())
                                } else {
                                    String::new()
                                }),
                            ));
                        }
                        CriterionKind::Criterion => {
                            let rating = if rng.random_bool(0.04) {
                                Rating::NoSignal
                            } else if slug == FLAT && s.kind == FLAT_STAGE {
                                step_of(flat + 0.5 + normal(&mut rng) * 0.15)
                            } else {
                                let noise = if slug == DISPUTED { 1.6 } else { 0.5 };
                                step_of(q + bias[p] + normal(&mut rng) * noise)
                            };
                            if let Some(step) = rating.step() {
                                steps.push(f64::from(step));
                            }
                            ratings.push((
                                scorecard_ratings::job_criterion_id.eq(*criterion),
                                scorecard_ratings::rating.eq(Some(rating)),
                                scorecard_ratings::evidence.eq(evidence(
                                    rating,
                                    name,
                                    &s.kind_name,
                                )),
                            ));
                        }
                    }
                }
                let mean = crate::domain::calibration::mean(&steps).unwrap_or(2.5);
                let recommendation = recommendation_of(mean);
                let scorecard: i64 = diesel::insert_into(scorecards::table)
                    .values((
                        scorecards::stage_id.eq(s.id),
                        scorecards::interviewer_id.eq(interviewers[p].id),
                        scorecards::status.eq(ScorecardStatus::Submitted),
                        scorecards::recommendation.eq(Some(recommendation)),
                        scorecards::summary.eq(format!(
                            "{} after the {}.",
                            recommendation.label(),
                            s.kind_name
                        )),
                        scorecards::submitted_at.eq(Some(at)),
                        scorecards::created_at.eq(ends),
                        scorecards::updated_at.eq(at),
                    ))
                    .returning(scorecards::id)
                    .get_result(conn)?;
                submitted += 1;
                let ratings: Vec<_> = ratings
                    .into_iter()
                    .map(|(c, r, e)| (scorecard_ratings::scorecard_id.eq(scorecard), c, r, e))
                    .collect();
                for row in ratings {
                    diesel::insert_into(scorecard_ratings::table)
                        .values(row)
                        .execute(conn)?;
                }
                if !red_flags.is_empty() {
                    let flags: Vec<_> = red_flags
                        .into_iter()
                        .map(|(c, o, e)| (scorecard_red_flags::scorecard_id.eq(scorecard), c, o, e))
                        .collect();
                    for row in flags {
                        diesel::insert_into(scorecard_red_flags::table)
                            .values(row)
                            .execute(conn)?;
                    }
                }
                let notes: Vec<_> = asks
                    .get(&s.id)
                    .into_iter()
                    .flatten()
                    .map(|question| {
                        (
                            scorecard_question_notes::scorecard_id.eq(scorecard),
                            scorecard_question_notes::question_id.eq(*question),
                            scorecard_question_notes::notes.eq(
                                "Covered the main points; the follow-ups showed how deep it goes.",
                            ),
                        )
                    })
                    .collect();
                for row in notes {
                    diesel::insert_into(scorecard_question_notes::table)
                        .values(row)
                        .execute(conn)?;
                }
            }
        }
        prep_packs.push((candidate, first_day - Duration::days(3)));
        if roll < 0.85 {
            let hired = q + normal(&mut rng) * 0.3 > 0.6;
            decided.push((candidate, hired, last_end + Duration::days(2)));
        }
    }
    for row in assignments {
        diesel::insert_into(stage_interviewers::table)
            .values(row)
            .execute(conn)?;
    }

    let job_of = |candidate: i64| candidate_job.get(&candidate).copied().unwrap_or_default();
    let rows: Vec<_> = decided
        .iter()
        .map(|&(candidate, hired, at)| {
            (
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
                decisions::decided_by.eq(Some(managers[job_of(candidate)].id)),
                decisions::created_at.eq(at),
            )
        })
        .collect();
    for row in rows {
        diesel::insert_into(decisions::table)
            .values(row)
            .execute(conn)?;
    }
    for (status, hired) in [
        (CandidateStatus::Hired, true),
        (CandidateStatus::Rejected, false),
    ] {
        let ids: Vec<i64> = decided
            .iter()
            .filter(|d| d.1 == hired)
            .map(|d| d.0)
            .collect();
        for chunk in ids.chunks(500) {
            diesel::update(crate::db::schema::candidates::table)
                .filter(crate::db::schema::candidates::id.eq_any(chunk))
                .set(crate::db::schema::candidates::status.eq(status))
                .execute(conn)?;
        }
    }
    let packs: Vec<_> = prep_packs
        .iter()
        .map(|(candidate, at)| {
            (
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
                outbox_messages::candidate_id.eq(Some(*candidate)),
                outbox_messages::status.eq("sent"),
                outbox_messages::attempts.eq(1),
                outbox_messages::next_attempt_at.eq(*at),
                outbox_messages::sent_at.eq(Some(*at)),
                outbox_messages::created_at.eq(*at),
            )
        })
        .collect();
    for row in packs {
        diesel::insert_into(outbox_messages::table)
            .values(row)
            .execute(conn)?;
    }

    let disputed: String = job_criteria::table
        .inner_join(criteria::table)
        .filter(criteria::slug.eq(DISPUTED))
        .select(job_criteria::name)
        .first(conn)?;
    let lenient_user = &interviewers[lenient];
    Ok(DemoReport {
        admin_email: admin.email.clone(),
        people: 1 + managers.len() + recruiters.len() + pool_size,
        interviewers: pool_size,
        jobs: job_ids.len(),
        candidates: options.candidates,
        scorecards: submitted,
        decisions: decided.len(),
        prep_packs: prep_packs.len(),
        lenient: (
            lenient_user.id,
            lenient_user.name.clone(),
            lenient_user.email.clone(),
        ),
        disputed,
        never_separating: (
            flat_question,
            versions
                .get(&flat_question)
                .map(|v| v.1.clone())
                .unwrap_or_default(),
        ),
    })
}
