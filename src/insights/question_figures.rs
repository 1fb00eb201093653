//! Question analytics: use, signal and flags per question version, and a
//! question's versions side by side.

use super::*;
use crate::db::schema::questions;

/// How the questions list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QuestionSort {
    /// Strongest separation first; no figure last.
    #[default]
    Signal,
    /// Most asked first.
    Use,
}

impl std::str::FromStr for QuestionSort {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "signal" => Ok(QuestionSort::Signal),
            "use" => Ok(QuestionSort::Use),
            _ => Err(AppError::parameter("sort", "Sort by signal or use.")),
        }
    }
}

/// One version of one question, as asked in the jobs in view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionFigures {
    pub question_id: i64,
    pub version: i64,
    pub prompt: String,
    /// Candidates asked this version.
    pub asked: usize,
    pub asked_last_30_days: usize,
    /// Stage kinds that asked it, by name.
    pub stage_kinds: Vec<String>,
    /// Candidates asked it whose sent prep pack shared it.
    pub shared_in_prep_packs: usize,
    /// How the ratings on the criteria it probes separate the hired from
    /// the not hired; `null`: "not enough data yet" (fewer than
    /// [`calibration::MIN_PER_GROUP`] in either group).
    pub separation: Option<Separation>,
    /// Candidates asked it with a rating on what it probes, by final decision.
    pub hired: usize,
    pub not_hired: usize,
    /// Standard deviation of those ratings (scale steps); `null` below two.
    pub spread: Option<f64>,
    /// Share of "no signal" among those ratings; `null` with none.
    pub no_signal_rate: Option<f64>,
    pub flags: Vec<QuestionFlag>,
    /// Flagged: suggest rotating it out for a while.
    pub suggest_rotation: bool,
}

/// Figures per question version, sorted; `only` narrows to one question
/// (its page). Nine statements.
pub fn questions(
    conn: &mut DbConn,
    actor: &User,
    filter: &Filter,
    sort: QuestionSort,
    only: Option<i64>,
    now: NaiveDateTime,
) -> Result<Vec<QuestionFigures>, AppError> {
    let jobs = jobs_in_view(conn, actor, Action::ReadInsights, filter.job_id)?;
    // (question, version, stage, candidate, stage kind, starts, shared)
    type Asked = (i64, i64, i64, i64, i64, Option<NaiveDateTime>, bool);
    let asked: Vec<Asked> = on_backend!(conn, |conn, Backend| {
        let mut query = stage_questions::table
            .inner_join(stages::table.inner_join(loops::table))
            .filter(loops::candidate_id.is_not_null())
            .select((
                stage_questions::question_id,
                stage_questions::question_version,
                stages::id,
                loops::candidate_id.assume_not_null(),
                stages::stage_kind_id,
                stages::starts_at,
                stage_questions::share_with_candidate,
            ))
            .into_boxed::<Backend>();
        if let Jobs::Only(ids) = &jobs {
            query = query.filter(loops::job_id.eq_any(ids.clone()));
        }
        if let Some(id) = only {
            query = query.filter(stage_questions::question_id.eq(id));
        }
        if let Some(from) = filter.from {
            query = query.filter(stages::starts_at.ge(day_start(from)));
        }
        if let Some(to) = filter.to {
            query = query.filter(stages::starts_at.lt(day_start(to) + Duration::days(1)));
        }
        diesel::RunQueryDsl::load(query, conn)
    })?;
    let ratings = load_ratings(conn, &jobs, filter)?;
    let decided = load_decisions(conn, &jobs)?;

    let question_ids: Vec<i64> = asked
        .iter()
        .map(|a| a.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let probes = crate::bank::questions::criteria_probed_by(conn, question_ids.iter().copied())?;
    // job criterion → the bank criterion it was copied from
    let criterion_ids: Vec<i64> = ratings
        .iter()
        .map(|r| r.criterion_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let source: HashMap<i64, i64> = job_criteria::table
        .filter(job_criteria::id.eq_any(&criterion_ids))
        .filter(job_criteria::source_criterion_id.is_not_null())
        .select((
            job_criteria::id,
            job_criteria::source_criterion_id.assume_not_null(),
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let current: HashMap<i64, (i64, String)> = questions::table
        .filter(questions::id.eq_any(&question_ids))
        .select((questions::id, questions::version, questions::prompt))
        .load::<(i64, i64, String)>(conn)?
        .into_iter()
        .map(|(id, v, p)| (id, (v, p)))
        .collect();
    let mut old_prompts: HashMap<(i64, i64), String> = HashMap::new();
    for (q, v, snapshot) in question_revisions::table
        .filter(question_revisions::question_id.eq_any(&question_ids))
        .select((
            question_revisions::question_id,
            question_revisions::version,
            question_revisions::snapshot,
        ))
        .load::<(i64, i64, String)>(conn)?
    {
        if let Some(prompt) = serde_json::from_str::<serde_json::Value>(&snapshot)
            .ok()
            .and_then(|s| s["prompt"].as_str().map(str::to_owned))
        {
            old_prompts.insert((q, v), prompt);
        }
    }
    let kind_names: HashMap<i64, String> = stage_kinds::table
        .select((stage_kinds::id, stage_kinds::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let prepped: HashSet<i64> = outbox_messages::table
        .filter(outbox_messages::kind.eq("prep_pack"))
        .filter(outbox_messages::status.eq("sent"))
        .filter(outbox_messages::candidate_id.is_not_null())
        .select(outbox_messages::candidate_id.assume_not_null())
        .distinct()
        .load::<i64>(conn)?
        .into_iter()
        .collect();

    // stage → its ratings
    let mut by_stage: HashMap<i64, Vec<&RatingRow>> = HashMap::new();
    for r in &ratings {
        by_stage.entry(r.stage_id).or_default().push(r);
    }
    let recent = now - Duration::days(RECENT_DAYS);
    let interviewed_recently: HashSet<i64> = asked
        .iter()
        .filter(|a| a.5.is_some_and(|s| s >= recent && s <= now))
        .map(|a| a.3)
        .collect();

    #[derive(Default)]
    struct Version {
        candidates: BTreeSet<i64>,
        recent: BTreeSet<i64>,
        kinds: BTreeSet<i64>,
        shared: BTreeSet<i64>,
        /// candidate → steps on what it probes
        steps: BTreeMap<i64, Vec<f64>>,
        all_steps: Vec<f64>,
        ratings: usize,
        no_signal: usize,
    }
    let mut versions: BTreeMap<(i64, i64), Version> = BTreeMap::new();
    for &(q, v, stage, candidate, kind, starts, shared) in &asked {
        let entry = versions.entry((q, v)).or_default();
        entry.candidates.insert(candidate);
        entry.kinds.insert(kind);
        if starts.is_some_and(|s| s >= recent && s <= now) {
            entry.recent.insert(candidate);
        }
        if shared && prepped.contains(&candidate) {
            entry.shared.insert(candidate);
        }
        let Some(probed) = probes.get(&q) else {
            continue;
        };
        for r in by_stage.get(&stage).into_iter().flatten() {
            if !source
                .get(&r.criterion_id)
                .is_some_and(|c| probed.contains(c))
            {
                continue;
            }
            entry.ratings += 1;
            match r.rating.step() {
                Some(step) => {
                    entry.all_steps.push(f64::from(step));
                    entry
                        .steps
                        .entry(candidate)
                        .or_default()
                        .push(f64::from(step));
                }
                None => entry.no_signal += 1,
            }
        }
    }

    let mut out: Vec<QuestionFigures> = versions
        .into_iter()
        .map(|((q, v), ver)| {
            let (mut hired, mut not_hired) = (Vec::new(), Vec::new());
            for (candidate, steps) in &ver.steps {
                let Some(score) = calibration::mean(steps) else {
                    continue;
                };
                match decided.get(candidate) {
                    Some(true) => hired.push(score),
                    Some(false) => not_hired.push(score),
                    None => {}
                }
            }
            let sep = separation(&hired, &not_hired);
            let usage = QuestionUse {
                hired: hired.len(),
                not_hired: not_hired.len(),
                separation: sep,
                asked_last_30_days: ver.recent.len(),
                interviewed_last_30_days: interviewed_recently.len(),
                ratings: ver.ratings,
                no_signal: ver.no_signal,
            };
            let flags = calibration::question_flags(&usage);
            let prompt = match current.get(&q) {
                Some((cv, p)) if *cv == v => p.clone(),
                other => old_prompts
                    .get(&(q, v))
                    .cloned()
                    .or_else(|| other.map(|(_, p)| p.clone()))
                    .unwrap_or_default(),
            };
            QuestionFigures {
                question_id: q,
                version: v,
                prompt,
                asked: ver.candidates.len(),
                asked_last_30_days: ver.recent.len(),
                stage_kinds: ver
                    .kinds
                    .iter()
                    .filter_map(|k| kind_names.get(k).cloned())
                    .collect(),
                shared_in_prep_packs: ver.shared.len(),
                separation: sep,
                hired: hired.len(),
                not_hired: not_hired.len(),
                spread: std_dev(&ver.all_steps),
                no_signal_rate: (ver.ratings > 0)
                    .then(|| ver.no_signal as f64 / ver.ratings as f64),
                suggest_rotation: !flags.is_empty(),
                flags,
            }
        })
        .collect();
    match sort {
        QuestionSort::Signal => out.sort_by(|a, b| {
            let key = |f: &QuestionFigures| f.separation.map(|s| s.auc);
            match (key(a), key(b)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => b.asked.cmp(&a.asked),
            }
            .then(a.question_id.cmp(&b.question_id))
            .then(b.version.cmp(&a.version))
        }),
        QuestionSort::Use => out.sort_by(|a, b| {
            b.asked
                .cmp(&a.asked)
                .then(b.asked_last_30_days.cmp(&a.asked_last_30_days))
                .then(a.question_id.cmp(&b.question_id))
                .then(b.version.cmp(&a.version))
        }),
    }
    Ok(out)
}

/// A question's page: its current prompt and the figures of each version
/// asked in view. 404 for a question that does not exist.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionHistory {
    pub question_id: i64,
    pub prompt: String,
    pub current_version: i64,
    pub versions: Vec<QuestionFigures>,
}

pub fn question_history(
    conn: &mut DbConn,
    actor: &User,
    filter: &Filter,
    id: i64,
    now: NaiveDateTime,
) -> Result<QuestionHistory, AppError> {
    access::require(actor, Action::ReadInsights)?;
    let (current_version, prompt): (i64, String) = questions::table
        .find(id)
        .select((questions::version, questions::prompt))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let mut versions = questions(conn, actor, filter, QuestionSort::Use, Some(id), now)?;
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    Ok(QuestionHistory {
        question_id: id,
        prompt,
        current_version,
        versions,
    })
}
