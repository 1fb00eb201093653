//! Statements per request for the planner, the interview kit and the debrief.
//!
//! Each test measures its pages on a small data set, then grows the database
//! with a large one (more stages, questions, interviewers, submitted
//! scorecards, decisions, candidates and users) and measures the same pages
//! of the large one: the number of SQL statements must not grow with the data.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::builders::{Candidate, Job, Team, candidate, job, plan, scorecard, stage};
use crate::support::{Browser, TestApp};

/// The stage kinds, one per stage, cycled.
const KINDS: [&str; 6] = [
    "recruiter-screen",
    "hiring-manager-interview",
    "live-coding-round",
    "system-design-interview",
    "past-project-deep-dive",
    "final-values-interview",
];

/// How much data a set holds.
struct Size {
    label: &'static str,
    stages: usize,
    questions_per_stage: usize,
    /// Criteria each stage focuses on (and each scorecard rates).
    focus: usize,
    /// Interviewers on each stage, cycled over the stages.
    interviewers: &'static [usize],
    /// Submitted scorecards on the measured candidate's loop.
    submitted: usize,
    /// Decisions recorded on the measured candidate.
    decisions: usize,
    /// Candidates on the job, the measured one included.
    candidates: usize,
    /// Users on no loop at all.
    bystanders: usize,
}

const SMALL: Size = Size {
    label: "small",
    stages: 1,
    questions_per_stage: 1,
    focus: 1,
    interviewers: &[1],
    submitted: 1,
    decisions: 1,
    candidates: 1,
    bystanders: 0,
};

const LARGE: Size = Size {
    label: "large",
    stages: 6,
    questions_per_stage: 5,
    focus: 2,
    interviewers: &[3],
    submitted: 6,
    decisions: 3,
    candidates: 5,
    bystanders: 8,
};

/// What the closing report measures: a six-stage loop as a team would plan it.
const REALISTIC: Size = Size {
    label: "realistic",
    stages: 6,
    questions_per_stage: 3,
    focus: 2,
    interviewers: &[2, 1],
    submitted: 4,
    decisions: 0,
    candidates: 3,
    bystanders: 0,
};

/// One data set: a job whose template loop has `size.stages` stages, its
/// candidates, and signed-in browsers for those who read the pages.
struct World<'a> {
    team: Team<'a>,
    job: Job,
    /// The candidate whose pages are measured.
    candidate: Candidate,
    /// An interviewer on the candidate's first stage only, whose scorecard
    /// there is submitted: they may read the kit and the debrief.
    viewer: Browser,
    manager: Browser,
    recruiter: Browser,
}

impl World<'_> {
    /// The measured candidate's first stage: the viewer's.
    fn stage(&self) -> i64 {
        self.candidate.stages[0]
    }
}

fn build<'a>(app: &'a TestApp, size: &Size) -> World<'a> {
    let most = size.interviewers.iter().copied().max().unwrap_or(0);
    // The viewer, the others who interview (rotated over the stages), then
    // the bystanders.
    let others = if size.stages == 1 && most <= 1 {
        0
    } else {
        most + 2
    };
    let mut team = Team::with_interviewers(app, 1 + others + size.bystanders);
    let job = job(&format!("{} job", size.label))
        .without_stages()
        .create(&mut team.manager.api);
    assert!(job.criteria.len() >= size.focus, "the track has criteria");
    let pool = team
        .manager
        .api
        .get("/api/v1/questions?per_page=100")
        .json()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect::<Vec<_>>();
    assert!(pool.len() >= size.stages * size.questions_per_stage);

    // Who interviews on each stage: the viewer on the first, then others.
    let other = |i: usize| team.interviewers[1 + i % others.max(1)].id;
    let assigned: Vec<Vec<i64>> = (0..size.stages)
        .map(|s| {
            let n = size.interviewers[s % size.interviewers.len()];
            if s == 0 {
                std::iter::once(team.interviewers[0].id)
                    .chain((0..n.saturating_sub(1)).map(other))
                    .collect()
            } else {
                (0..n).map(|j| other(s + j)).collect()
            }
        })
        .collect();
    let focus = job.criteria[..size.focus].to_vec();
    let shape = (0..size.stages)
        .fold(plan(), |p, s| {
            let questions = &pool[s * size.questions_per_stage..][..size.questions_per_stage];
            p.add(
                stage()
                    .kind(KINDS[s % KINDS.len()])
                    .focus(focus.clone())
                    .questions(questions.iter().copied())
                    .interviewers(assigned[s].iter().copied()),
            )
        })
        .apply(&mut team.manager.api, job.loop_id);
    assert_eq!(shape.stages.len(), size.stages);

    let candidates: Vec<Candidate> = (0..size.candidates)
        .map(|i| {
            candidate(&format!("{} Candidate {i}", size.label))
                .on(&job)
                .create(&mut team.recruiter.api)
        })
        .collect();
    let measured = candidates.into_iter().next().unwrap();

    // The viewer's card first, then one by one stage after stage, the
    // first stage's other interviewers last.
    let slots = (1..size.stages)
        .flat_map(|s| assigned[s].iter().map(move |u| (s, *u)))
        .chain(assigned[0].iter().skip(1).map(|u| (0, *u)));
    let cards = std::iter::once((0, team.interviewers[0].id))
        .chain(slots)
        .take(size.submitted)
        .collect::<Vec<_>>();
    assert_eq!(cards.len(), size.submitted, "enough interviewers to submit");
    for (i, (s, user)) in cards.into_iter().enumerate() {
        let card = focus
            .iter()
            .fold(scorecard(), |card, c| {
                let rating = ["yes", "strong_yes", "no"][i % 3];
                card.rate(*c, rating, "Walked through the trade-offs.")
            })
            .no_red_flags(&job.red_flags)
            .recommend(["yes", "no"][i % 2])
            .summary("Clear thinker.");
        let member = team.interviewers.iter_mut().find(|m| m.id == user).unwrap();
        card.submit(&mut member.api, measured.stages[s]);
    }
    for i in 0..size.decisions {
        let decider = if i % 2 == 0 {
            &mut team.manager.api
        } else {
            &mut team.admin.api
        };
        let outcome = ["hold", "hire"][i % 2];
        let res = decider.post_json(
            &format!("/api/v1/candidates/{}/decision", measured.id),
            json!({"outcome": outcome, "rationale": format!("Reason {i}."),
                   "criterion_ids": [job.criteria[0]]}),
        );
        assert_eq!(res.status, 201, "{}", res.body);
    }
    World {
        viewer: team.interviewers[0].browser(),
        manager: team.manager.browser(),
        recruiter: team.recruiter.browser(),
        team,
        job,
        candidate: measured,
    }
}

/// The statements of one GET by `client`, which must succeed; and its body.
fn count(app: &TestApp, client: &mut Browser, path: &str) -> (u64, String) {
    let (n, res) = app.count_queries(|| client.get(path));
    assert_eq!(res.status, 200, "GET {path}: {}", res.body);
    (n, res.body)
}

fn json_len(body: &str, key: &str) -> usize {
    serde_json::from_str::<Value>(body).unwrap()[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
        .len()
}

/// Each page's count on the small set equals the large set's.
fn assert_flat(counts: &[(&str, u64, u64)]) {
    for (page, small, large) in counts {
        println!("{page}: {small} statements (small set), {large} (large set)");
    }
    let grown: Vec<String> = counts
        .iter()
        .filter(|(_, small, large)| small != large)
        .map(|(page, small, large)| {
            format!("{page}: {small} statements on the small set, {large} on the large")
        })
        .collect();
    assert!(
        grown.is_empty(),
        "the statements grow with the data:\n{}",
        grown.join("\n")
    );
}

#[test]
fn the_planner_pages_cost_the_same_statements_for_a_small_loop_or_a_large_one() {
    let app = TestApp::spawn();
    let measure = |w: &mut World| {
        let template = w.job.loop_id;
        let own = w.candidate.loop_id;
        let job_page = count(&app, &mut w.manager, &format!("/jobs/{}", w.job.id));
        let candidate_page = count(
            &app,
            &mut w.recruiter,
            &format!("/candidates/{}/planner", w.candidate.id),
        );
        let template_api = count(
            &app,
            &mut w.team.manager.api,
            &format!("/api/v1/loops/{template}"),
        );
        let own_api = count(
            &app,
            &mut w.team.recruiter.api,
            &format!("/api/v1/loops/{own}"),
        );
        [job_page, candidate_page, template_api, own_api]
    };
    let mut small = build(&app, &SMALL);
    let small = measure(&mut small);
    let mut large = build(&app, &LARGE);
    let large = measure(&mut large);
    assert_eq!(json_len(&large[2].1, "stages"), LARGE.stages);
    assert_eq!(json_len(&large[3].1, "stages"), LARGE.stages);
    let stage_cards = |html: &str| html.matches("class=\"card stage-card").count();
    assert_eq!(stage_cards(&large[0].1), LARGE.stages);
    assert_eq!(stage_cards(&large[1].1), LARGE.stages);
    // The job, its track, manager and criteria are read once (they were
    // read twice, 25 statements, to find the template loop's id).
    assert_eq!(small[0].0, 21, "GET /jobs/{{id}}");
    assert_flat(&[
        ("GET /jobs/{id}", small[0].0, large[0].0),
        ("GET /candidates/{id}/planner", small[1].0, large[1].0),
        ("GET /api/v1/loops/{template}", small[2].0, large[2].0),
        (
            "GET /api/v1/loops/{candidate's loop}",
            small[3].0,
            large[3].0,
        ),
    ]);
}

#[test]
fn the_interview_kit_costs_the_same_statements_for_a_small_loop_or_a_large_one() {
    let app = TestApp::spawn();
    let measure = |w: &mut World| {
        let path = format!("/stages/{}/kit", w.stage());
        let api = format!("/api/v1{path}");
        [
            count(&app, &mut w.viewer, &path),
            count(&app, &mut w.team.interviewers[0].api, &api),
            count(&app, &mut w.manager, &path),
            count(&app, &mut w.team.manager.api, &api),
        ]
    };
    let mut small = build(&app, &SMALL);
    let small = measure(&mut small);
    let mut large = build(&app, &LARGE);
    let large = measure(&mut large);
    assert_eq!(
        json_len(&large[1].1, "questions"),
        LARGE.questions_per_stage
    );
    assert_eq!(json_len(&large[1].1, "focus_criteria"), LARGE.focus);
    assert_flat(&[
        (
            "GET /stages/{id}/kit (its interviewer)",
            small[0].0,
            large[0].0,
        ),
        (
            "GET /api/v1/stages/{id}/kit (its interviewer)",
            small[1].0,
            large[1].0,
        ),
        (
            "GET /stages/{id}/kit (hiring manager)",
            small[2].0,
            large[2].0,
        ),
        (
            "GET /api/v1/stages/{id}/kit (hiring manager)",
            small[3].0,
            large[3].0,
        ),
    ]);
    // The person; the stage with who may read it (and whether they
    // interview on it); the stage with its candidate and job; the job's
    // criteria with the stage's focus; the questions.
    assert_eq!(
        large[1].0, 5,
        "the kit API reads the stage, its criteria and its questions once each"
    );
}

#[test]
fn the_debrief_costs_the_same_statements_for_one_scorecard_or_six() {
    let app = TestApp::spawn();
    let measure = |w: &mut World| {
        let path = format!("/candidates/{}/debrief", w.candidate.id);
        let api = format!("/api/v1{path}");
        [
            count(&app, &mut w.manager, &path),
            count(&app, &mut w.team.manager.api, &api),
            count(&app, &mut w.viewer, &path),
            count(&app, &mut w.team.interviewers[0].api, &api),
        ]
    };
    let mut small = build(&app, &SMALL);
    let small = measure(&mut small);
    let mut large = build(&app, &LARGE);
    let large = measure(&mut large);
    assert_eq!(json_len(&large[1].1, "scorecards"), LARGE.submitted);
    assert_eq!(json_len(&large[1].1, "decisions"), LARGE.decisions);
    assert_eq!(json_len(&small[1].1, "scorecards"), SMALL.submitted);
    assert_flat(&[
        (
            "GET /candidates/{id}/debrief (hiring manager)",
            small[0].0,
            large[0].0,
        ),
        (
            "GET /api/v1/candidates/{id}/debrief (hiring manager)",
            small[1].0,
            large[1].0,
        ),
        (
            "GET /candidates/{id}/debrief (an interviewer)",
            small[2].0,
            large[2].0,
        ),
        (
            "GET /api/v1/candidates/{id}/debrief (an interviewer)",
            small[3].0,
            large[3].0,
        ),
    ]);
}

/// A draft save writes what changed: the same number of statements
/// whatever the draft holds, and one changed note costs one statement.
#[test]
fn a_draft_save_writes_only_what_changed() {
    let app = TestApp::spawn();
    let mut w = build(&app, &LARGE);
    // A candidate of the same job whose scorecards are all still to write.
    let fresh = candidate("Fresh Face")
        .on(&w.job)
        .create(&mut w.team.recruiter.api);
    let stage = fresh.stages[0];
    let path = format!("/api/v1/stages/{stage}/scorecard");
    let kit = w.team.interviewers[0]
        .api
        .get(&format!("/api/v1/stages/{stage}/kit"))
        .json();
    let ids = |key: &str| -> Vec<i64> {
        kit[key]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["id"].as_i64())
            .collect()
    };
    let (criteria, flags, questions) = (ids("focus_criteria"), ids("red_flags"), ids("questions"));
    assert!(criteria.len() > 1 && flags.len() > 1 && questions.len() > 1);
    let last = *questions.last().unwrap();
    // The first `n` of everything; the last question's note says `last_note`.
    let draft = |n: usize, last_note: &str| {
        json!({
            "ratings": criteria.iter().take(n).map(|c| json!({"criterion_id": c, "rating": "yes", "evidence": "Said why."})).collect::<Vec<_>>(),
            "red_flags": flags.iter().take(n).map(|c| json!({"criterion_id": c, "observed": false, "evidence": ""})).collect::<Vec<_>>(),
            "question_notes": questions.iter().take(n).map(|q| json!({"question_id": q, "notes": if *q == last { last_note } else { "Asked." }})).collect::<Vec<_>>(),
            "summary": "Draft."
        })
    };
    let interviewer = &mut w.team.interviewers[0].api;
    let mut save = |body: Value| {
        let (n, res) = app.count_queries(|| interviewer.put_json(&path, body));
        assert_eq!(res.status, 200, "{}", res.body);
        n
    };
    save(draft(1, "Asked."));
    let one = save(draft(1, "Asked."));
    save(draft(usize::MAX, "Asked."));
    let all = save(draft(usize::MAX, "Asked."));
    assert_flat(&[("PUT /api/v1/stages/{id}/scorecard (unchanged)", one, all)]);
    let changed = save(draft(usize::MAX, "Asked; then the follow-up on retries."));
    assert_eq!(changed, all + 1, "one changed note: written over in place");

    let card = interviewer.get(&path).json();
    let notes = card["question_notes"].as_array().unwrap();
    assert_eq!(notes.len(), questions.len(), "{card}");
    for note in notes {
        let expected = if note["question_id"] == last {
            "Asked; then the follow-up on retries."
        } else {
            "Asked."
        };
        assert_eq!(note["notes"], expected, "{card}");
    }
    assert_eq!(card["ratings"].as_array().unwrap().len(), criteria.len());

    // A note taken out: one statement deletes it, the rest stay.
    let mut shorter = draft(usize::MAX, "Asked; then the follow-up on retries.");
    shorter["question_notes"].as_array_mut().unwrap().remove(0);
    let (removed, res) = app.count_queries(|| interviewer.put_json(&path, shorter));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(removed, all + 1, "one note gone: one delete");
    let card = interviewer.get(&path).json();
    let notes = card["question_notes"].as_array().unwrap();
    assert_eq!(notes.len(), questions.len() - 1, "{card}");
    assert!(
        notes.iter().all(|n| n["question_id"] != questions[0]),
        "{card}"
    );
}

/// Statements per request on one realistic data set, printed as a table:
/// `cargo test --test app statements_per_page_report -- --ignored --nocapture`.
#[test]
#[ignore = "a report, not a check: run it with --ignored --nocapture"]
fn statements_per_page_report() {
    let app = TestApp::spawn();
    let mut w = build(&app, &REALISTIC);
    let stage = w.stage();
    let candidate = w.candidate.id;
    let job = w.job.id;
    let rows = [
        (
            "kit page",
            count(&app, &mut w.viewer, &format!("/stages/{stage}/kit")).0,
        ),
        (
            "planner page (job template)",
            count(&app, &mut w.manager, &format!("/jobs/{job}")).0,
        ),
        (
            "debrief page",
            count(
                &app,
                &mut w.manager,
                &format!("/candidates/{candidate}/debrief"),
            )
            .0,
        ),
        (
            "candidate page",
            count(&app, &mut w.recruiter, &format!("/candidates/{candidate}")).0,
        ),
        ("my interviews", count(&app, &mut w.viewer, "/interviews").0),
        (
            "kit API",
            count(
                &app,
                &mut w.team.interviewers[0].api,
                &format!("/api/v1/stages/{stage}/kit"),
            )
            .0,
        ),
        (
            "debrief API",
            count(
                &app,
                &mut w.team.manager.api,
                &format!("/api/v1/candidates/{candidate}/debrief"),
            )
            .0,
        ),
    ];
    let backend = if app.db().is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut table = format!(
        "statements per request on {backend} ({} stages, {} questions each, {:?} interviewers per stage, {} candidates, {} submitted scorecards)\n",
        REALISTIC.stages,
        REALISTIC.questions_per_stage,
        REALISTIC.interviewers,
        REALISTIC.candidates,
        REALISTIC.submitted
    );
    for (page, n) in rows {
        writeln!(table, "{page:<30}{n:>4}").unwrap();
    }
    println!("{table}");
}
