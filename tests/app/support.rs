//! The test harness: the real app on 127.0.0.1 port 0 with its own fresh
//! database, a temporary SQLite file or, when `LOOPWRIGHT_TEST_DATABASE_URL`
//! names a PostgreSQL server, a new database there that is dropped afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;

use diesel::{Connection, PgConnection, RunQueryDsl};
use loopwright::Application;
use loopwright::config::{Config, DatabaseUrl};
use loopwright::db::{DbPool, QueryCounter};
use tempfile::TempDir;

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
        {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// The admin URL with its database name replaced.
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

/// A browser-ish client: keeps cookies, never follows redirects.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self {
            base: base.to_owned(),
            agent,
            cookies: BTreeMap::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn finish(
        &mut self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> TestResponse {
        let mut res = result.expect("request failed to complete");
        let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in res.headers() {
            headers
                .entry(name.as_str().to_owned())
                .or_default()
                .push(value.to_str().unwrap_or("").to_owned());
        }
        for set in headers.get("set-cookie").into_iter().flatten() {
            if let Some((pair, _)) = set.split_once(';').or(Some((set.as_str(), ""))) {
                if let Some((k, v)) = pair.split_once('=') {
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
        let req = self
            .agent
            .get(self.url(path))
            .header("Cookie", self.cookie_header());
        let result = req.call();
        self.finish(result)
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let req = self
            .agent
            .post(self.url(path))
            .header("Cookie", self.cookie_header());
        let result = req.send_form(fields.iter().copied());
        self.finish(result)
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &str) -> TestResponse {
        let req = self
            .agent
            .post(self.url(path))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", content_type);
        let result = req.send(body);
        self.finish(result)
    }
}

/// The real app, served from a thread of its own.
pub struct TestApp {
    pub base: String,
    pub setup_link: Option<String>,
    pub queries: QueryCounter,
    pub pool: DbPool,
    _data_dir: TempDir,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the server must stop before its database goes.
    pub db: TestDb,
}

impl TestApp {
    pub fn spawn() -> Self {
        Self::spawn_on(TestDb::new())
    }

    /// Starts an app on an existing database (e.g. to restart one).
    pub fn spawn_on(db: TestDb) -> Self {
        let data_dir = TempDir::new().unwrap();
        let config = test_config(&db, data_dir.path());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match Application::build(config) {
                    Ok(app) => {
                        let started = (
                            app.public_url().to_owned(),
                            app.setup_link().map(str::to_owned),
                            app.queries(),
                            app.pool(),
                            app.handle(),
                        );
                        tx.send(Ok(started)).unwrap();
                        let _ = app.run_until_stopped().await;
                    }
                    Err(e) => tx.send(Err(e.to_string())).unwrap(),
                }
            })
        });
        let (base, setup_link, queries, pool, handle) = rx
            .recv()
            .unwrap()
            .unwrap_or_else(|e| panic!("app did not start: {e}"));
        TestApp {
            base,
            setup_link,
            queries,
            pool,
            _data_dir: data_dir,
            handle,
            db,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// Stops the server and hands back its database, to start another app on it.
    pub fn stop(self) -> TestDb {
        let TestApp { handle, db, .. } = self;
        actix_web::rt::System::new().block_on(handle.stop(true));
        db
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
}

pub fn test_config(db: &TestDb, data_dir: &Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        database_url: DatabaseUrl::parse(&db.url()).unwrap(),
        smtp_url: None,
        mail_from: "Loopwright <loopwright@localhost>".into(),
        public_url: None,
        secret: None,
        log: "warn".into(),
        dev_reload: false,
        mail_retry_base: std::time::Duration::from_millis(200),
        mail_poll_every: std::time::Duration::from_millis(100),
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
