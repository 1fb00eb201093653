//! The app under measure in a process of its own, so that its peak RSS is
//! the app's alone: not the minimal page's, the generated data's, `wrk`'s
//! or the sign-in storm's clients'. The benchmark starts itself again with
//! `--serve DATA_DIR DATABASE_URL`; that process serves the real app and
//! says where on its first line. Statements are read from its `/metrics`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use loopwright::Application;
use loopwright::config::DatabaseUrl;

use crate::support;

/// The flag that makes the benchmark serve the app instead of measuring.
pub const SERVE: &str = "--serve";

/// Serves the real app on `database` with files in `data_dir` until killed
/// (the child's side of [`AppProcess::start`]).
pub fn serve(data_dir: &str, database: &str) {
    let database = DatabaseUrl::parse(database).expect("a database URL");
    let config = support::config(Path::new(data_dir), database);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).expect("app starts");
        let mut out = std::io::stdout();
        writeln!(out, "serving {}", app.public_url()).expect("stdout");
        out.flush().expect("stdout");
        app.run_until_stopped().await.expect("server");
    });
}

/// `database` as [`DatabaseUrl::parse`] reads it back, password and all.
pub fn database_arg(database: &DatabaseUrl) -> String {
    match database {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// The app, running in a child process; killed when dropped.
pub struct AppProcess {
    child: Child,
    /// Kept open: the child may write to it again.
    _stdout: BufReader<ChildStdout>,
    pub base: String,
}

impl AppProcess {
    /// Starts the app on an already migrated and filled `database` (as
    /// [`DatabaseUrl::parse`] reads it) and waits until it serves.
    pub fn start(data_dir: &Path, database: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this program's path"))
            .arg(SERVE)
            .arg(data_dir)
            .arg(database)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the app's process starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the app says where");
        let base = line
            .trim()
            .strip_prefix("serving ")
            .unwrap_or_else(|| panic!("the app did not start: {line:?}"))
            .to_owned();
        Self {
            child,
            _stdout: stdout,
            base,
        }
    }

    /// Statements the app's requests have run so far (requests for
    /// `/metrics` itself left out), from the sums in its `/metrics`.
    pub fn statements(&self) -> u64 {
        let mut res = crate::agent()
            .get(format!("{}/metrics", self.base))
            .call()
            .expect("the app answers /metrics");
        let text = res.body_mut().read_to_string().expect("metrics text");
        statements_in(&text)
    }

    /// Starts a new peak-RSS window for the app (Linux: writing 5 to
    /// `clear_refs` resets `VmHWM`).
    pub fn reset_peak_rss(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    /// The app's peak resident set since the last reset, in MiB (0 where
    /// `/proc` does not say).
    pub fn peak_rss_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sum of `loopwright_sql_statements_per_request_sum` over every route
/// but `/metrics`, in an OpenMetrics text.
fn statements_in(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("loopwright_sql_statements_per_request_sum{"))
        .filter(|l| !l.contains("route=\"/metrics\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}
