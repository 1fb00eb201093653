//! The test harness: the real app on 127.0.0.1 port 0 with its own fresh
//! database, a temporary SQLite file or, when `LOOPWRIGHT_TEST_DATABASE_URL`
//! names a PostgreSQL server, a new database there that is dropped afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{OnceLock, mpsc};

use diesel::{Connection, PgConnection, RunQueryDsl};
use loopwright::Application;
use loopwright::config::{Config, DatabaseUrl};
use loopwright::db::models::{User, UserInsertForm, now};
use loopwright::db::{DbPool, QueryCounter};
use loopwright::domain::Role;
use tempfile::TempDir;

/// Tests sign their own tokens with this (good and bad ones).
pub const TEST_SECRET: &str = "the test signing secret, long enough for HS256";

pub const TEST_DATABASE_VAR: &str = "LOOPWRIGHT_TEST_DATABASE_URL";

/// A database of its own for one test.
pub enum TestDb {
    Sqlite {
        _dir: TempDir,
        path: PathBuf,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    pub fn new() -> Self {
        match std::env::var(TEST_DATABASE_VAR) {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let admin_url = without_gss(&admin_url);
                let name = format!(
                    "lw_test_{}",
                    loopwright::auth::token::generate()[..16].to_owned()
                );
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("{TEST_DATABASE_VAR}={admin_url}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                let url = with_database(&admin_url, &name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                }
            }
            _ => {
                let dir = TempDir::new().unwrap();
                let path = dir.path().join("loopwright.db");
                TestDb::Sqlite { _dir: dir, path }
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// Test connections skip libpq's GSSAPI and TLS negotiation unless the URL
/// asks for them: the server is on loopback, and Kerberos or OpenSSL torn
/// down at process exit under a thread that is still connecting crashes the
/// process after every test has passed.
fn without_gss(url: &str) -> String {
    let mut url = url.to_owned();
    for setting in ["gssencmode=disable", "sslmode=disable"] {
        let key = setting.split('=').next().unwrap_or(setting);
        if !url.contains(&format!("{key}=")) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(setting);
        }
    }
    url
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser-ish client: keeps cookies, never follows redirects; may also
/// act as a script with a bearer token.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
    pub bearer: Option<String>,
    /// Sent with every request (e.g. `X-CSRF-Token`).
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            // A fresh connection per request: a pooled one that the server
            // closed (keep-alive ran out while a test was busy) fails the next
            // request, which is the client's problem, not the app's.
            .max_idle_connections(0)
            .build()
            .into();
        Self {
            base: base.to_owned(),
            agent,
            cookies: BTreeMap::new(),
            bearer: None,
            extra_headers: Vec::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// One request; `body` is (content type, bytes).
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
    ) -> TestResponse {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        if !self.cookies.is_empty() {
            let cookies = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("Cookie", cookies);
        }
        if let Some(token) = &self.bearer {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        for (k, v) in &self.extra_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let (content_type, bytes) = body
            .map(|(t, b)| (Some(t.to_owned()), b))
            .unwrap_or((None, String::new()));
        if let Some(t) = content_type {
            req = req.header("Content-Type", t);
        }
        let result = self.agent.run(req.body(bytes).unwrap());
        let mut res = result.expect("request failed to complete");
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in res.headers() {
            headers
                .entry(name.as_str().to_owned())
                .or_default()
                .push(value.to_str().unwrap_or("").to_owned());
        }
        for set in headers.get("set-cookie").into_iter().flatten() {
            let pair = set.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                let removed = set.to_ascii_lowercase().contains("max-age=0") || v.is_empty();
                if removed {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies
                        .insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
        let body = res.body_mut().read_to_string().unwrap_or_default();
        TestResponse {
            status: res.status().as_u16(),
            headers,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> TestResponse {
        self.request("GET", path, None)
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(
            "POST",
            path,
            Some(("application/x-www-form-urlencoded", body)),
        )
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &str) -> TestResponse {
        self.request("POST", path, Some((content_type, body.to_owned())))
    }

    pub fn post_json(&mut self, path: &str, body: serde_json::Value) -> TestResponse {
        self.request("POST", path, Some(("application/json", body.to_string())))
    }

    pub fn put_json(&mut self, path: &str, body: serde_json::Value) -> TestResponse {
        self.request("PUT", path, Some(("application/json", body.to_string())))
    }

    pub fn patch_json(&mut self, path: &str, body: serde_json::Value) -> TestResponse {
        self.request("PATCH", path, Some(("application/json", body.to_string())))
    }

    /// Loads a page and posts its form with the page's CSRF token added.
    pub fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
        let html = self.get(page).body;
        let csrf = csrf_field(&html);
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all)
    }
}

/// A person who can sign in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub password: String,
}

pub const PASSWORD: &str = "a long and unusual passphrase";

/// `PASSWORD` hashed once for every test user: argon2 is slow on purpose,
/// and a test that builds a team would otherwise spend most of its time here.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| loopwright::auth::password::hash(PASSWORD).unwrap())
}

/// The real app, served from a thread of its own.
pub struct TestApp {
    pub base: String,
    pub setup_link: Option<String>,
    pub queries: QueryCounter,
    pub pool: DbPool,
    /// The app's password hashing queue.
    pub hashing: std::sync::Arc<loopwright::auth::password::HashQueue>,
    _data_dir: TempDir,
    handle: actix_web::dev::ServerHandle,
    /// The server's thread: its runtime and background tasks end with it.
    thread: Option<std::thread::JoinHandle<()>>,
    // Dropped last: the server must stop before its database goes.
    db: Option<TestDb>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if self.db.is_some() {
            self.shut_down(false);
        }
    }
}

impl TestApp {
    pub fn spawn() -> Self {
        Self::spawn_on(TestDb::new())
    }

    /// Starts an app on an existing database (e.g. to restart one).
    pub fn spawn_on(db: TestDb) -> Self {
        Self::spawn_with(db, |_| {})
    }

    /// Starts an app with settings changed by `adjust`.
    pub fn spawn_with(db: TestDb, adjust: impl FnOnce(&mut Config)) -> Self {
        let data_dir = TempDir::new().unwrap();
        let mut config = test_config(&db, data_dir.path());
        adjust(&mut config);
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(config) {
                    Ok(app) => {
                        let started = (
                            app.public_url().to_owned(),
                            app.setup_link().map(str::to_owned),
                            app.queries(),
                            app.pool(),
                            app.hashing(),
                            app.handle(),
                        );
                        tx.send(Ok(started)).unwrap();
                        let _ = app.run_until_stopped().await;
                    }
                    Err(e) => tx.send(Err(e.to_string())).unwrap(),
                }
            })
        });
        let (base, setup_link, queries, pool, hashing, handle) = rx
            .recv()
            .unwrap()
            .unwrap_or_else(|e| panic!("app did not start: {e}"));
        TestApp {
            base,
            setup_link,
            queries,
            pool,
            hashing,
            _data_dir: data_dir,
            handle,
            thread: Some(thread),
            db: Some(db),
        }
    }

    pub fn db(&self) -> &TestDb {
        self.db
            .as_ref()
            .expect("the database is held until the app is dropped")
    }

    /// Stops the server, then waits (a while) for its thread to end, so that
    /// no background task outlives the test that started it.
    fn shut_down(&mut self, graceful: bool) {
        actix_web::rt::System::new().block_on(self.handle.stop(graceful));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        if let Some(thread) = self.thread.take() {
            while !thread.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Stops the server and hands back its database, to start another app on it.
    pub fn stop(mut self) -> TestDb {
        self.shut_down(true);
        self.db
            .take()
            .expect("the database is held until the app is dropped")
    }

    /// How many SQL statements `f` caused.
    pub fn count_queries<T>(&self, f: impl FnOnce() -> T) -> (u64, T) {
        let before = self.queries.get();
        let out = f();
        (self.queries.get() - before, out)
    }

    pub fn conn(&self) -> loopwright::db::PooledConn {
        self.pool.get().unwrap()
    }

    /// A user of `role` straight in the database, with `PASSWORD`.
    pub fn user(&self, role: Role) -> TestUser {
        let email = format!(
            "{}-{}@example.com",
            role.as_str(),
            &loopwright::auth::token::generate()[..8]
        );
        let hash = password_hash();
        let at = now();
        let user = User::create(
            &mut self.conn(),
            &UserInsertForm {
                email: &email,
                name: &format!("{} Tester", role.label()),
                role: role.as_str(),
                password_hash: Some(hash),
                active: true,
                token_version: 0,
                created_at: at,
                updated_at: at,
            },
        )
        .unwrap();
        TestUser {
            id: user.id,
            email,
            password: PASSWORD.to_owned(),
        }
    }

    /// A browser signed in as `user` through the sign-in form.
    pub fn signed_in(&self, user: &TestUser) -> Browser {
        let mut browser = self.browser();
        let res = browser.submit(
            "/login",
            "/login",
            &[("email", &user.email), ("password", &user.password)],
        );
        assert_eq!(res.status, 303, "sign-in failed: {}", res.body);
        assert!(browser.cookie("lw_session").is_some());
        browser
    }

    /// A script's client with a bearer token from the API.
    pub fn script(&self, user: &TestUser) -> Browser {
        let mut browser = self.browser();
        let res = browser.post_json(
            "/api/v1/auth/login",
            serde_json::json!({"email": user.email, "password": user.password}),
        );
        assert_eq!(res.status, 200, "{}", res.body);
        browser.bearer = Some(res.json()["token"].as_str().unwrap().to_owned());
        browser
    }

    pub fn secret(&self) -> &'static str {
        TEST_SECRET
    }
}

pub fn test_config(db: &TestDb, data_dir: &Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        database_url: DatabaseUrl::parse(&db.url()).unwrap(),
        smtp_url: None,
        mail_from: "Loopwright <loopwright@localhost>".into(),
        public_url: None,
        secret: Some(TEST_SECRET.into()),
        log: "warn".into(),
        dev_reload: false,
        mail_retry_base: std::time::Duration::from_millis(200),
        mail_poll_every: std::time::Duration::from_millis(100),
        reminder_after_hours: 24,
        escalation_after_hours: 48,
        metrics_token: None,
        sign_in: Default::default(),
        retention_days: None,
        webhook_retry_base: std::time::Duration::from_millis(200),
        webhook_poll_every: std::time::Duration::from_millis(100),
    }
}

/// The `loopwright` binary with a clean environment.
pub fn cli(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loopwright"));
    cmd.current_dir(cwd)
        .env_clear()
        .env("LOOPWRIGHT_LOG", "warn");
    cmd
}

/// The value of a hidden CSRF field in a page.
pub fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn database_names_are_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

impl TestApp {
    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }
}
