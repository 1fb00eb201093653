//! The data set, seeded through the API as the people who would.

use serde_json::{Value, json};

use crate::{Request, agent};

pub const PASSWORD: &str = "benchmark passphrase 2026";
/// The benchmark's people sign in at this domain; the big data set's own
/// people (the demo's) use `example.com`.
pub const DOMAIN: &str = "bench.example";

/// The administrator who seeds everything.
pub fn admin_email() -> String {
    format!("admin@{DOMAIN}")
}

/// The stage kinds of the six stages, in order.
const KINDS: [&str; 6] = [
    "recruiter-screen",
    "hiring-manager-interview",
    "live-coding-round",
    "system-design-interview",
    "past-project-deep-dive",
    "final-values-interview",
];
/// Questions on each stage: 16 in all.
const QUESTIONS: [usize; 6] = [3, 3, 3, 3, 2, 2];
/// Which of the three interviewers sit on each stage.
const ASSIGNED: [&[usize]; 6] = [&[0, 1], &[2], &[1, 2], &[0], &[2, 0], &[1]];
/// Rows on the first page of the candidates list.
const FULL_PAGE: usize = 50;

/// The second job's stages, each with interviewer [`BUSY`] alone.
const BUSY_KINDS: [&str; 2] = ["live-coding-round", "system-design-interview"];
/// The interviewer seated on every applicant's loop (not the one whose
/// kit and My interviews are measured).
const BUSY: usize = 2;

/// The submitted scorecards on the first candidate: (stage, interviewer).
const SUBMITTED: [(usize, usize); 6] = [(0, 0), (0, 1), (1, 2), (2, 1), (2, 2), (3, 0)];

/// Someone signed in over the API with their bearer token.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    pub token: String,
    id: i64,
}

impl Client {
    fn sign_in(base: &str, email: &str) -> Client {
        Client::sign_in_with(base, email, PASSWORD)
    }

    /// Signs in someone the benchmark did not create (the big set's own
    /// people use the demo's password).
    pub fn sign_in_with(base: &str, email: &str, password: &str) -> Client {
        let agent = agent();
        let body = agent
            .post(format!("{base}/api/v1/auth/login"))
            .send_json(json!({"email": email, "password": password}))
            .expect("sign in")
            .body_mut()
            .read_json::<Value>()
            .expect("json");
        Client {
            agent,
            base: base.to_owned(),
            token: body["token"].as_str().expect("token").to_owned(),
            id: body["user"]["id"].as_i64().expect("user id"),
        }
    }

    /// Sends `body` (or nothing) and answers the JSON; panics unless the
    /// status is `expected`.
    fn call(&self, method: &str, path: &str, body: Option<Value>, expected: u16) -> Value {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token));
        let res = match body {
            Some(body) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .expect("request"),
            ),
            None => self.agent.run(request.body(()).expect("request")),
        };
        let mut res = res.expect("the app answers");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, expected, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Adds a stage of `kind` to the loop at `version`: the stage's id and
    /// the loop's new version.
    fn add_stage(&self, loop_id: i64, kind: &str, version: &Value) -> (i64, Value) {
        let shape = self.call(
            "POST",
            &format!("/api/v1/loops/{loop_id}/stages"),
            Some(json!({"stage_kind": kind, "version": version})),
            201,
        );
        let stage = *ids(&shape["stages"]).last().expect("the new stage");
        (stage, shape["version"].clone())
    }

    /// A GET of `path` as this person, for the benchmark.
    pub fn get(&self, label: &'static str, path: &str) -> Request {
        Request {
            label,
            method: "GET",
            url: format!("{}{path}", self.base),
            token: Some(self.token.clone()),
            bodies: Vec::new(),
        }
    }
}

/// The seeded data the pages are measured on.
pub struct World {
    pub manager: Client,
    pub recruiter: Client,
    pub interviewers: Vec<Client>,
    pub job: i64,
    /// The candidate with six submitted scorecards.
    pub candidate: i64,
    /// Their first stage, where the first interviewer has submitted.
    pub kit_stage: i64,
    /// The second candidate's first stage, where the first interviewer
    /// keeps a draft.
    pub draft_stage: i64,
    /// The draft as an autosave sends it, twice in turn: every focus
    /// criterion rated, every red flag answered, a note per question; the
    /// second with one more sentence of evidence, so each save changes a row.
    pub drafts: [Value; 2],
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect()
}

/// Seeds the data set through the API, as the people who would.
pub fn seed(base: &str) -> World {
    let admin = Client::sign_in(base, &admin_email());
    let people = [
        ("morgan", "Morgan Manager", "hiring_manager"),
        ("riley", "Riley Recruiter", "recruiter"),
        ("ada", "Ada Lovelace", "interviewer"),
        ("alan", "Alan Turing", "interviewer"),
        ("edsger", "Edsger Dijkstra", "interviewer"),
    ]
    .map(|(local, name, role)| {
        let email = format!("{local}@{DOMAIN}");
        let body = json!({"email": email, "name": name, "role": role, "password": PASSWORD});
        admin.call("POST", "/api/v1/users", Some(body), 201);
        Client::sign_in(base, &email)
    });
    let [manager, recruiter, a, b, c] = people;
    let interviewers = vec![a, b, c];

    let track =
        manager.call("GET", "/api/v1/tracks/backend-developer", None, 200)["track"]["id"].clone();
    let job = manager.call(
        "POST",
        "/api/v1/jobs",
        Some(json!({"title": "Backend Developer", "team": "Payments", "track_id": track, "typical_stages": false})),
        201,
    )["job"]
        .clone();
    let criteria = &job["criteria"];
    let of_kind = |red_flag: bool| -> Vec<i64> {
        criteria
            .as_array()
            .expect("criteria")
            .iter()
            .filter(|c| (c["kind"] == "red_flag") == red_flag)
            .map(|c| c["id"].as_i64().expect("id"))
            .collect()
    };
    let (focus, red_flags) = (of_kind(false)[..2].to_vec(), of_kind(true));
    let loop_id = job["template_loop_id"].as_i64().expect("loop");
    let bank = ids(&manager.call("GET", "/api/v1/questions?per_page=100", None, 200)["questions"]);
    let mut version =
        manager.call("GET", &format!("/api/v1/loops/{loop_id}"), None, 200)["version"].clone();
    let mut stage_questions = Vec::new();
    let mut next = 0;
    for (s, kind) in KINDS.iter().enumerate() {
        let stage;
        (stage, version) = manager.add_stage(loop_id, kind, &version);
        let questions = bank[next..next + QUESTIONS[s]].to_vec();
        next += QUESTIONS[s];
        let users: Vec<i64> = ASSIGNED[s].iter().map(|&i| interviewers[i].id).collect();
        for (method, path, body) in [
            (
                "PATCH",
                format!("/api/v1/stages/{stage}"),
                json!({"focus_criterion_ids": focus}),
            ),
            (
                "PUT",
                format!("/api/v1/stages/{stage}/questions"),
                json!({"question_ids": questions}),
            ),
            (
                "PUT",
                format!("/api/v1/stages/{stage}/interviewers"),
                json!({"user_ids": users}),
            ),
        ] {
            let mut body = body;
            body["version"] = version.clone();
            version = manager.call(method, &path, Some(body), 200)["version"].clone();
        }
        stage_questions.push(questions);
    }

    let candidates: Vec<(i64, Vec<i64>)> = ["Grace Hopper", "Barbara Liskov", "Donald Knuth"]
        .iter()
        .map(|name| {
            let email = format!("{}@{DOMAIN}", name.to_lowercase().replace(' ', "."));
            let body = json!({"name": name, "email": email, "job_id": job["id"]});
            let id =
                recruiter.call("POST", "/api/v1/candidates", Some(body), 201)["candidate"]["id"]
                    .as_i64()
                    .expect("candidate id");
            let copy = recruiter.call("GET", &format!("/api/v1/candidates/{id}/loop"), None, 200);
            (id, ids(&copy["stages"]))
        })
        .collect();

    // A full first page of the candidates list (50 a page), on a second
    // job, so that the list shows as many rows on the small set as on the
    // big one. Its two stages seat the third interviewer on every
    // applicant's loop, one held in the past days (a scorecard due) and
    // one in the coming days: full pages of My interviews and of the
    // dashboard's sections on the small set too, so that the busiest
    // interviewer's pages show as many rows on both sets and differ only
    // in the history behind them. Nobody else's pages change.
    let hiring = manager.call(
        "POST",
        "/api/v1/jobs",
        Some(json!({"title": "Site Reliability Engineer", "team": "Platform", "track_id": track, "typical_stages": false})),
        201,
    )["job"]
        .clone();
    let hiring_loop = hiring["template_loop_id"].as_i64().expect("loop");
    let mut version =
        manager.call("GET", &format!("/api/v1/loops/{hiring_loop}"), None, 200)["version"].clone();
    for kind in BUSY_KINDS {
        let (stage, added) = manager.add_stage(hiring_loop, kind, &version);
        let body = json!({"user_ids": [interviewers[BUSY].id], "version": added});
        let path = format!("/api/v1/stages/{stage}/interviewers");
        version = manager.call("PUT", &path, Some(body), 200)["version"].clone();
    }
    let now = chrono::Utc::now();
    for n in candidates.len()..FULL_PAGE {
        let body = json!({
            "name": format!("Applicant {n:02}"),
            "email": format!("applicant.{n}@{DOMAIN}"),
            "job_id": hiring["id"],
        });
        let id = recruiter.call("POST", "/api/v1/candidates", Some(body), 201)["candidate"]["id"]
            .as_i64()
            .expect("candidate id");
        let copy = recruiter.call("GET", &format!("/api/v1/candidates/{id}/loop"), None, 200);
        let mut version = copy["version"].clone();
        let hours = chrono::Duration::hours(n as i64 + 1);
        for (stage, at) in ids(&copy["stages"])
            .into_iter()
            .zip([now - hours, now + hours])
        {
            let body = json!({"starts_at": at.to_rfc3339(), "version": version});
            let path = format!("/api/v1/stages/{stage}");
            version = manager.call("PATCH", &path, Some(body), 200)["version"].clone();
        }
    }

    let card = |s: usize, n: usize| {
        let (rating, recommendation) = (["yes", "strong_yes", "no"][n % 3], ["yes", "no"][n % 2]);
        json!({
            "ratings": focus.iter().map(|c| json!({
                "criterion_id": c,
                "rating": rating,
                "evidence": "Walked through the trade-offs of the index and the cache, with numbers.",
            })).collect::<Vec<_>>(),
            "red_flags": red_flags.iter().map(|c| json!({"criterion_id": c, "observed": false, "evidence": ""})).collect::<Vec<_>>(),
            "question_notes": stage_questions[s].iter().map(|q| json!({"question_id": q, "notes": "Clarified first, then sketched; covered failure."})).collect::<Vec<_>>(),
            "recommendation": recommendation,
            "summary": "Clear thinker; asked good questions before designing.",
        })
    };
    let (measured, stages) = &candidates[0];
    for (n, &(s, i)) in SUBMITTED.iter().enumerate() {
        let path = format!("/api/v1/stages/{}/scorecard", stages[s]);
        interviewers[i].call("PUT", &path, Some(card(s, n)), 200);
        interviewers[i].call("POST", &format!("{path}/submit"), Some(json!({})), 200);
    }
    World {
        job: job["id"].as_i64().expect("job id"),
        candidate: *measured,
        kit_stage: stages[0],
        draft_stage: candidates[1].1[0],
        drafts: {
            let draft = card(0, 0);
            let mut typed_on = draft.clone();
            typed_on["ratings"][0]["evidence"] = json!(
                "Walked through the trade-offs of the index and the cache, with numbers. Then sized it."
            );
            [draft, typed_on]
        },
        manager,
        recruiter,
        interviewers,
    }
}
