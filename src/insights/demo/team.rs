//! The demo's people and jobs, and the bank's questions on each job's
//! template loop (before any candidate copies it).

use std::collections::{BTreeMap, HashMap};

use crate::db::prelude::*;
use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::{FLAT, FLAT_STAGE};
use crate::db::DbConn;
use crate::db::models::{User, UserInsertForm};
use crate::db::schema::{
    criteria, job_criteria, loops, question_criteria, question_stage_kinds, questions,
    stage_focus_criteria, stage_kinds, stage_questions, stages, tracks,
};
use crate::domain::{CriterionKind, Role};
use crate::error::AppError;
use crate::jobs::{self, NewJob};

pub(super) const FIRST: [&str; 24] = [
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
    "Radia", "John", "Sophie", "Tim", "Hedy", "Linus", "Karen", "Niklaus", "Annie", "Leslie",
    "Mary", "Guido", "Joan", "Bjarne",
];
pub(super) const LAST: [&str; 20] = [
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
    "Ritchie", "Perlman", "McCarthy", "Wilson", "Berners", "Lamarr", "Torvalds", "Jones", "Wirth",
    "Easley", "Lamport",
];

/// The demo's people: an admin, a hiring manager per job, two recruiters
/// and the interviewer pool with each interviewer's bias.
pub(super) struct Team {
    pub admin: User,
    pub managers: Vec<User>,
    pub recruiters: Vec<User>,
    pub interviewers: Vec<User>,
    /// Each interviewer's bias on the latent scale, by pool index.
    pub bias: Vec<f64>,
    /// The lenient interviewer's pool index.
    pub lenient: usize,
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

impl Team {
    /// Adds everyone, all joined 400 days before `now`; the pool grows with
    /// the number of candidates (8 to 40 interviewers).
    pub fn hire(
        conn: &mut DbConn,
        rng: &mut StdRng,
        candidates: usize,
        now: NaiveDateTime,
        hash: &str,
    ) -> Result<Team, AppError> {
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
        let pool_size = (candidates / 50).clamp(8, 40);
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
        // The third is the lenient one.
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
        Ok(Team {
            admin,
            managers,
            recruiters,
            interviewers,
            bias,
            lenient,
        })
    }

    pub fn people(&self) -> usize {
        1 + self.managers.len() + self.recruiters.len() + self.interviewers.len()
    }

    /// Three backend jobs on the bank's backend track, through the service,
    /// each with its typical stages; manager `i` hires for job `i`.
    pub fn open_jobs(&self, conn: &mut DbConn) -> Result<Vec<i64>, AppError> {
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
                &self.admin,
                NewJob {
                    title: (*title).into(),
                    team: (*team).into(),
                    track_id: Some(track),
                    hiring_manager_id: Some(self.managers[i].id),
                    typical_stages: true,
                },
            )?);
        }
        Ok(job_ids)
    }
}

/// Focus of a stage as loaded: (stage, job criterion, kind, name, bank slug,
/// the candidate when the stage is on a candidate's loop).
pub(super) type FocusRow = (i64, i64, CriterionKind, String, Option<String>, Option<i64>);

/// Focus of every stage of the jobs' loops, template and candidate alike.
pub(super) fn focus_of(conn: &mut DbConn, job_ids: &[i64]) -> Result<Vec<FocusRow>, AppError> {
    Ok(stage_focus_criteria::table
        .inner_join(job_criteria::table.left_join(criteria::table))
        .inner_join(stages::table.inner_join(loops::table))
        .filter(loops::job_id.eq_any(job_ids))
        .select((
            stage_focus_criteria::stage_id,
            job_criteria::id,
            job_criteria::kind,
            job_criteria::name,
            criteria::slug.nullable(),
            loops::candidate_id,
        ))
        .load(conn)?)
}

/// The bank: which questions suit which stage kind, and what they probe.
pub(super) struct Bank {
    /// Stage kind id → (slug, name).
    pub kind_slugs: HashMap<i64, (String, String)>,
    /// Stage kind id → the live questions that suit it, by id.
    suits: BTreeMap<i64, Vec<i64>>,
    /// Question id → the bank slugs of the criteria it probes.
    probes: HashMap<i64, Vec<String>>,
    /// Question id → (version, prompt).
    pub versions: HashMap<i64, (i64, String)>,
    /// The never-separating question: on system design, probing
    /// distributed systems alone.
    pub flat_question: i64,
}

impl Bank {
    pub fn load(conn: &mut DbConn) -> Result<Bank, AppError> {
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
        Ok(Bank {
            kind_slugs,
            suits,
            probes,
            versions,
            flat_question,
        })
    }

    /// Questions on each template stage: up to three that probe its focus;
    /// the never-separating one only on system design, and there the only
    /// question on distributed systems alone. Candidates' loops copy these.
    pub fn fill_templates(
        &self,
        conn: &mut DbConn,
        rng: &mut StdRng,
        job_ids: &[i64],
    ) -> Result<(), AppError> {
        let mut template_focus: HashMap<i64, Vec<String>> = HashMap::new();
        for (stage, _, _, _, slug, candidate) in focus_of(conn, job_ids)? {
            if candidate.is_none() {
                template_focus.entry(stage).or_default().extend(slug);
            }
        }
        let template_stages: Vec<(i64, i64, i64)> = stages::table
            .inner_join(loops::table)
            .filter(loops::job_id.eq_any(job_ids))
            .filter(loops::candidate_id.is_null())
            .order((loops::job_id, stages::position))
            .select((stages::id, stages::stage_kind_id, loops::job_id))
            .load(conn)?;
        let mut picked = Vec::new();
        for (stage, kind, _) in &template_stages {
            let focus = template_focus.get(stage).cloned().unwrap_or_default();
            let slug = self
                .kind_slugs
                .get(kind)
                .map(|(s, _)| s.as_str())
                .unwrap_or("");
            let chosen = self.choose(rng, *kind, slug, &focus);
            for (position, q) in chosen.iter().enumerate() {
                let version = self.versions.get(q).map_or(1, |v| v.0);
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
        Ok(())
    }

    /// Up to three questions for a stage of kind `kind` (slug `slug`) with
    /// the bank slugs `focus`, in a job's own shuffled mix of the bank.
    fn choose(&self, rng: &mut StdRng, kind: i64, slug: &str, focus: &[String]) -> Vec<i64> {
        let mut chosen: Vec<i64> = Vec::new();
        if slug == FLAT_STAGE {
            chosen.push(self.flat_question);
        }
        let mut candidates: Vec<i64> = self
            .suits
            .get(&kind)
            .into_iter()
            .flatten()
            .copied()
            .filter(|q| *q != self.flat_question)
            .filter(|q| {
                let probed: Vec<&String> = self
                    .probes
                    .get(q)
                    .into_iter()
                    .flatten()
                    .filter(|p| focus.contains(p))
                    .collect();
                !probed.is_empty() && probed != [FLAT]
            })
            .collect();
        for i in (1..candidates.len()).rev() {
            candidates.swap(i, rng.random_range(0..=i));
        }
        chosen.extend(candidates.into_iter().take(3 - chosen.len()));
        chosen
    }
}
