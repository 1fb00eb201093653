//! Test data built through the app's own API, so that a test's setup reads
//! as the story it tells:
//!
//! ```ignore
//! let mut team = Team::new(&app);
//! let job = job("Backend Developer").create(&mut team.manager.api);
//! let ask = first_question(&mut team.manager.api, "stage_kind=recruiter-screen");
//! let a = team.interviewers[0].id;
//! plan()
//!     .stage(0, stage().interviewers([a]).questions([ask["id"].as_i64().unwrap()]))
//!     .apply(&mut team.manager.api, job.loop_id);
//! let grace = candidate("Grace Hopper").on(&job).create(&mut team.recruiter.api);
//! scorecard()
//!     .rate(job.criteria[0], "yes", "Explained the index.")
//!     .no_red_flags(&job.red_flags)
//!     .recommend("yes")
//!     .summary("Clear.")
//!     .submit(&mut team.interviewers[0].api, grace.stages[0]);
//! ```
//!
//! Every step checks its answer, so a broken setup fails where it breaks.

use loopwright::domain::Role;
use serde_json::{Map, Value, json};

use crate::support::{Browser, TestApp, TestUser};

/// Someone on the team: who they are and a script client signed in with
/// their bearer token.
pub struct Member<'a> {
    app: &'a TestApp,
    pub id: i64,
    pub role: Role,
    pub user: TestUser,
    pub api: Browser,
}

impl<'a> Member<'a> {
    pub fn new(app: &'a TestApp, role: Role) -> Self {
        let user = app.user(role);
        Member {
            app,
            id: user.id,
            role,
            api: app.script(&user),
            user,
        }
    }

    /// A browser signed in through the sign-in form (session cookie).
    pub fn browser(&self) -> Browser {
        self.app.signed_in(&self.user)
    }
}

/// An admin, a hiring manager, a recruiter and some interviewers.
pub struct Team<'a> {
    pub admin: Member<'a>,
    pub manager: Member<'a>,
    pub recruiter: Member<'a>,
    pub interviewers: Vec<Member<'a>>,
}

impl<'a> Team<'a> {
    /// A team with two interviewers.
    pub fn new(app: &'a TestApp) -> Self {
        Self::with_interviewers(app, 2)
    }

    pub fn with_interviewers(app: &'a TestApp, n: usize) -> Self {
        Team {
            admin: Member::new(app, Role::Admin),
            manager: Member::new(app, Role::HiringManager),
            recruiter: Member::new(app, Role::Recruiter),
            interviewers: (0..n)
                .map(|_| Member::new(app, Role::Interviewer))
                .collect(),
        }
    }
}

/// The first question of the bank matching `query` (e.g. `stage_kind=recruiter-screen`).
pub fn first_question(client: &mut Browser, query: &str) -> Value {
    let res = client.get(&format!("/api/v1/questions?{query}&per_page=1"));
    assert_eq!(res.status, 200, "{}", res.body);
    let question = res.json()["questions"][0].clone();
    assert!(question.is_object(), "no question for {query}");
    question
}

/// A job to create: from the backend developer track, with its typical
/// stages, unless told otherwise.
pub struct JobSpec {
    title: String,
    track: String,
    team: Option<String>,
    manager: Option<i64>,
    typical_stages: bool,
    closed: bool,
}

pub fn job(title: &str) -> JobSpec {
    JobSpec {
        title: title.to_owned(),
        track: "backend-developer".to_owned(),
        team: None,
        manager: None,
        typical_stages: true,
        closed: false,
    }
}

impl JobSpec {
    pub fn team(mut self, team: &str) -> Self {
        self.team = Some(team.to_owned());
        self
    }

    /// An empty template loop instead of the track's typical stages.
    pub fn without_stages(mut self) -> Self {
        self.typical_stages = false;
        self
    }

    /// Closed once created (jobs open as they are made): a job of years past.
    pub fn closed(mut self) -> Self {
        self.closed = true;
        self
    }

    /// The hiring manager (for an admin creating the job).
    pub fn managed_by(mut self, user_id: i64) -> Self {
        self.manager = Some(user_id);
        self
    }

    /// Creates the job as `client` (an admin or a hiring manager).
    pub fn create(self, client: &mut Browser) -> Job {
        let track = client.get(&format!("/api/v1/tracks/{}", self.track));
        assert_eq!(track.status, 200, "{}", track.body);
        let track_id = track.json()["track"]["id"].as_i64().unwrap();
        let mut body = json!({
            "title": self.title,
            "track_id": track_id,
            "typical_stages": self.typical_stages,
        });
        if let Some(team) = self.team {
            body["team"] = json!(team);
        }
        if let Some(manager) = self.manager {
            body["hiring_manager_id"] = json!(manager);
        }
        let res = client.post_json("/api/v1/jobs", body);
        assert_eq!(res.status, 201, "{}", res.body);
        let mut json = res.json()["job"].clone();
        if self.closed {
            let closed = client.patch_json(
                &format!("/api/v1/jobs/{}", json["id"]),
                json!({"status": "closed"}),
            );
            assert_eq!(closed.status, 200, "{}", closed.body);
            json["status"] = json!("closed");
        }
        let ids = |red_flags: bool| -> Vec<i64> {
            json["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| (c["kind"] == "red_flag") == red_flags)
                .map(|c| c["id"].as_i64().unwrap())
                .collect()
        };
        Job {
            id: json["id"].as_i64().unwrap(),
            loop_id: json["template_loop_id"].as_i64().unwrap(),
            track_id,
            criteria: ids(false),
            red_flags: ids(true),
            json,
        }
    }
}

/// A job as the API created it.
pub struct Job {
    pub id: i64,
    /// Its template loop.
    pub loop_id: i64,
    pub track_id: i64,
    /// Its screening criteria and its red flags, in order.
    pub criteria: Vec<i64>,
    pub red_flags: Vec<i64>,
    pub json: Value,
}

impl Job {
    /// The criterion whose name contains `name_part`.
    pub fn criterion(&self, name_part: &str) -> i64 {
        self.json["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().unwrap().contains(name_part))
            .unwrap_or_else(|| panic!("no criterion named like {name_part}"))["id"]
            .as_i64()
            .unwrap()
    }

    /// The template loop as it is now.
    pub fn template(&self, client: &mut Browser) -> Loop {
        Loop::get(client, self.loop_id)
    }
}

/// A loop's shape: its version and its stages' ids in order.
pub struct Loop {
    pub id: i64,
    pub version: i64,
    pub stages: Vec<i64>,
    pub json: Value,
}

impl Loop {
    pub fn get(client: &mut Browser, id: i64) -> Loop {
        let res = client.get(&format!("/api/v1/loops/{id}"));
        assert_eq!(res.status, 200, "{}", res.body);
        Loop::from_json(res.json())
    }

    /// Removes stage `stage_id` from loop `loop_id` at the loop's current
    /// version, as its planner would.
    pub fn remove_stage(client: &mut Browser, loop_id: i64, stage_id: i64) {
        let version = Loop::get(client, loop_id).version;
        let res = client.request(
            "DELETE",
            &format!("/api/v1/stages/{stage_id}?version={version}"),
            None,
        );
        assert_eq!(res.status, 200, "{}", res.body);
    }

    fn from_json(json: Value) -> Loop {
        Loop {
            id: json["id"].as_i64().unwrap(),
            version: json["version"].as_i64().unwrap(),
            stages: json["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect(),
            json,
        }
    }
}

/// What to set on a stage; what is not named is left as it is.
#[derive(Default)]
pub struct StageSpec {
    kind: Option<String>,
    focus: Option<Vec<i64>>,
    questions: Option<Vec<i64>>,
    interviewers: Option<Vec<i64>>,
}

pub fn stage() -> StageSpec {
    StageSpec::default()
}

impl StageSpec {
    /// The stage kind of a new stage (see `Plan::add`).
    pub fn kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.to_owned());
        self
    }

    pub fn focus(mut self, criteria: impl IntoIterator<Item = i64>) -> Self {
        self.focus = Some(criteria.into_iter().collect());
        self
    }

    pub fn questions(mut self, questions: impl IntoIterator<Item = i64>) -> Self {
        self.questions = Some(questions.into_iter().collect());
        self
    }

    pub fn interviewers(mut self, users: impl IntoIterator<Item = i64>) -> Self {
        self.interviewers = Some(users.into_iter().collect());
        self
    }
}

/// Changes to a loop, applied in order through the planner API, each at the
/// loop's current version.
#[derive(Default)]
pub struct Plan {
    steps: Vec<(Option<usize>, StageSpec)>,
}

pub fn plan() -> Plan {
    Plan::default()
}

impl Plan {
    /// Sets the stage at `position` (from 0).
    pub fn stage(mut self, position: usize, spec: StageSpec) -> Self {
        self.steps.push((Some(position), spec));
        self
    }

    /// Adds a stage of `spec`'s kind at the end, then sets the rest.
    pub fn add(mut self, spec: StageSpec) -> Self {
        self.steps.push((None, spec));
        self
    }

    /// Applies the plan as `client`; answers the loop's new shape.
    pub fn apply(self, client: &mut Browser, loop_id: i64) -> Loop {
        let mut shape = Loop::get(client, loop_id);
        let send = |client: &mut Browser, method: &str, path: String, body: Value, ok: u16| {
            let res = client.request(method, &path, Some(("application/json", body.to_string())));
            assert_eq!(res.status, ok, "{method} {path} {body}: {}", res.body);
            Loop::from_json(res.json())
        };
        for (position, spec) in self.steps {
            let stage = match position {
                Some(i) => shape.stages[i],
                None => {
                    let kind = spec.kind.as_deref().expect("a new stage needs a kind");
                    let body = json!({"stage_kind": kind, "version": shape.version});
                    shape = send(
                        client,
                        "POST",
                        format!("/api/v1/loops/{loop_id}/stages"),
                        body,
                        201,
                    );
                    *shape.stages.last().unwrap()
                }
            };
            if let Some(focus) = spec.focus {
                let body = json!({"version": shape.version, "focus_criterion_ids": focus});
                shape = send(
                    client,
                    "PATCH",
                    format!("/api/v1/stages/{stage}"),
                    body,
                    200,
                );
            }
            if let Some(questions) = spec.questions {
                let body = json!({"version": shape.version, "question_ids": questions});
                shape = send(
                    client,
                    "PUT",
                    format!("/api/v1/stages/{stage}/questions"),
                    body,
                    200,
                );
            }
            if let Some(users) = spec.interviewers {
                let body = json!({"version": shape.version, "user_ids": users});
                shape = send(
                    client,
                    "PUT",
                    format!("/api/v1/stages/{stage}/interviewers"),
                    body,
                    200,
                );
            }
        }
        shape
    }
}

/// A candidate to add to a job.
pub struct CandidateSpec {
    name: String,
    email: Option<String>,
    notes: Option<String>,
    job: Option<i64>,
}

/// A candidate called `name`, at `first.last@example.com` unless told otherwise.
pub fn candidate(name: &str) -> CandidateSpec {
    CandidateSpec {
        name: name.to_owned(),
        email: None,
        notes: None,
        job: None,
    }
}

impl CandidateSpec {
    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    pub fn notes(mut self, notes: &str) -> Self {
        self.notes = Some(notes.to_owned());
        self
    }

    pub fn on(mut self, job: &Job) -> Self {
        self.job = Some(job.id);
        self
    }

    /// Adds the candidate as `client`; their loop is the job's template, cloned.
    pub fn create(self, client: &mut Browser) -> Candidate {
        let email = self.email.unwrap_or_else(|| {
            format!("{}@example.com", self.name.to_lowercase().replace(' ', "."))
        });
        let mut body = json!({
            "name": self.name,
            "email": email,
            "job_id": self.job.expect("a candidate is added on a job: .on(&job)"),
        });
        if let Some(notes) = self.notes {
            body["notes"] = json!(notes);
        }
        let res = client.post_json("/api/v1/candidates", body);
        assert_eq!(res.status, 201, "{}", res.body);
        let json = res.json()["candidate"].clone();
        let id = json["id"].as_i64().unwrap();
        let copy = client.get(&format!("/api/v1/candidates/{id}/loop"));
        assert_eq!(copy.status, 200, "{}", copy.body);
        let copy = Loop::from_json(copy.json());
        Candidate {
            id,
            loop_id: copy.id,
            stages: copy.stages,
            json,
        }
    }
}

/// A candidate as the API created them, with their own loop's stages.
pub struct Candidate {
    pub id: i64,
    pub loop_id: i64,
    pub stages: Vec<i64>,
    pub json: Value,
}

impl Candidate {
    /// Schedules `stage` of their loop to start at `at` (UTC) through the
    /// API, as `client` (a recruiter, say), with the loop's current version.
    pub fn schedule(&self, client: &mut Browser, stage: i64, at: chrono::DateTime<chrono::Utc>) {
        let version = client
            .get(&format!("/api/v1/candidates/{}/loop", self.id))
            .json()["version"]
            .clone();
        let res = client.patch_json(
            &format!("/api/v1/stages/{stage}"),
            json!({"version": version, "starts_at": at.to_rfc3339(), "time_zone": "UTC"}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
    }
}

/// A scorecard's content; only what is named is sent.
#[derive(Default, Clone)]
pub struct ScorecardSpec {
    ratings: Option<Vec<Value>>,
    red_flags: Option<Vec<Value>>,
    recommendation: Option<String>,
    summary: Option<String>,
}

pub fn scorecard() -> ScorecardSpec {
    ScorecardSpec::default()
}

impl ScorecardSpec {
    pub fn rate(mut self, criterion: i64, rating: &str, evidence: &str) -> Self {
        self.ratings
            .get_or_insert_with(Vec::new)
            .push(json!({"criterion_id": criterion, "rating": rating, "evidence": evidence}));
        self
    }

    /// Each of `red_flags` answered: not observed.
    pub fn no_red_flags(mut self, red_flags: &[i64]) -> Self {
        let flags = self.red_flags.get_or_insert_with(Vec::new);
        for id in red_flags {
            flags.push(json!({"criterion_id": id, "observed": false, "evidence": ""}));
        }
        self
    }

    /// `red_flag` observed, with the evidence (replacing a "not observed").
    pub fn red_flag(mut self, red_flag: i64, evidence: &str) -> Self {
        let flags = self.red_flags.get_or_insert_with(Vec::new);
        let seen = json!({"criterion_id": red_flag, "observed": true, "evidence": evidence});
        match flags.iter_mut().find(|f| f["criterion_id"] == red_flag) {
            Some(flag) => *flag = seen,
            None => flags.push(seen),
        }
        self
    }

    pub fn recommend(mut self, recommendation: &str) -> Self {
        self.recommendation = Some(recommendation.to_owned());
        self
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = Some(summary.to_owned());
        self
    }

    /// The JSON body the scorecard API takes.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        if let Some(ratings) = &self.ratings {
            body.insert("ratings".into(), json!(ratings));
        }
        if let Some(flags) = &self.red_flags {
            body.insert("red_flags".into(), json!(flags));
        }
        if let Some(recommendation) = &self.recommendation {
            body.insert("recommendation".into(), json!(recommendation));
        }
        if let Some(summary) = &self.summary {
            body.insert("summary".into(), json!(summary));
        }
        Value::Object(body)
    }

    /// Saves it as a draft on `stage` as `client`; answers the scorecard.
    pub fn draft(&self, client: &mut Browser, stage: i64) -> Value {
        let res = client.put_json(&format!("/api/v1/stages/{stage}/scorecard"), self.body());
        assert_eq!(res.status, 200, "{}", res.body);
        res.json()
    }

    /// Saves it and submits it; answers the submitted scorecard.
    pub fn submit(&self, client: &mut Browser, stage: i64) -> Value {
        self.draft(client, stage);
        let res = client.post_json(
            &format!("/api/v1/stages/{stage}/scorecard/submit"),
            json!({}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        let card = res.json();
        assert_eq!(card["status"], "submitted");
        card
    }
}
