//! The `loopwright` binary, run as an operator would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::{Connection, PgConnection, SqliteConnection};
use loopwright::db::schema::users;
use tempfile::TempDir;

use crate::support::{Browser, TestDb, cli};

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The CLI against a fresh test database.
struct CliDb {
    db: TestDb,
    cwd: TempDir,
}

impl CliDb {
    fn new() -> Self {
        Self {
            db: TestDb::new(),
            cwd: TempDir::new().unwrap(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = cli(self.cwd.path());
        cmd.args(args).env("LOOPWRIGHT_DATABASE_URL", self.db.url());
        cmd
    }

    fn users(&self) -> Vec<(String, String, String, Option<String>)> {
        let query = users::table.order(users::id).select((
            users::email,
            users::name,
            users::role,
            users::password_hash,
        ));
        match &self.db {
            TestDb::Sqlite { path, .. } => {
                query.load(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap())
            }
            TestDb::Postgres { url, .. } => query.load(&mut PgConnection::establish(url).unwrap()),
        }
        .unwrap()
    }
}

#[test]
fn every_command_has_help() {
    let cwd = TempDir::new().unwrap();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["seed", "--help"],
        &["bank", "export", "--help"],
        &["bank", "import", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
    ] {
        let out = run(cli(cwd.path()).args(args));
        assert!(out.status.success(), "{args:?}");
        assert!(text(&out.stdout).contains("Usage:"), "{args:?}");
    }
    assert!(
        std::fs::read_dir(cwd.path()).unwrap().next().is_none(),
        "--help wrote nothing"
    );
}

#[test]
fn user_add_stores_an_argon2id_hash_and_refuses_duplicates() {
    let env = CliDb::new();
    let out = run(env
        .cmd(&[
            "user",
            "add",
            "--email",
            "Grace@Example.com",
            "--name",
            "Grace Hopper",
            "--role",
            "hiring_manager",
        ])
        .env("LOOPWRIGHT_PASSWORD", "cobol compiler 1959"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("grace@example.com"));

    let rows = env.users();
    assert_eq!(rows.len(), 1);
    let (email, name, role, hash) = &rows[0];
    assert_eq!(
        (email.as_str(), name.as_str(), role.as_str()),
        ("grace@example.com", "Grace Hopper", "hiring_manager")
    );
    let hash = hash.as_deref().unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("cobol"));

    let dup = run(env
        .cmd(&[
            "user",
            "add",
            "--email",
            "grace@example.com",
            "--name",
            "Other",
            "--role",
            "admin",
        ])
        .env("LOOPWRIGHT_PASSWORD", "another long password"));
    assert!(!dup.status.success());
    assert!(
        text(&dup.stderr).contains("already exists"),
        "{}",
        text(&dup.stderr)
    );
    assert_eq!(env.users().len(), 1);
}

#[test]
fn user_add_reads_the_password_from_stdin() {
    let env = CliDb::new();
    let mut child = env
        .cmd(&[
            "user",
            "add",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--role",
            "interviewer",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"analytical engine 1843\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hash = env.users()[0].3.clone().unwrap();
    assert!(loopwright::auth::password::verify(
        &hash,
        "analytical engine 1843"
    ));
}

#[test]
fn user_add_refuses_an_unknown_role_or_weak_password_clearly() {
    let env = CliDb::new();
    let out = run(env
        .cmd(&[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "owner",
        ])
        .env("LOOPWRIGHT_PASSWORD", "long enough password"));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("owner") && err.contains("hiring_manager"),
        "{err}"
    );

    let weak = run(env
        .cmd(&[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
        ])
        .env("LOOPWRIGHT_PASSWORD", "short"));
    assert!(!weak.status.success());
    assert!(text(&weak.stderr).contains("12 characters"));

    let bad_email = run(env
        .cmd(&[
            "user", "add", "--email", "nope", "--name", "A", "--role", "admin",
        ])
        .env("LOOPWRIGHT_PASSWORD", "long enough password"));
    assert!(!bad_email.status.success());
    assert!(text(&bad_email.stderr).contains("--email"));
}

#[test]
fn migrate_and_seed_are_repeatable() {
    let env = CliDb::new();
    let first = run(&mut env.cmd(&["migrate"]));
    assert!(first.status.success(), "{}", text(&first.stderr));
    let applied: usize = text(&first.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(applied >= 2, "{}", text(&first.stdout));
    let second = run(&mut env.cmd(&["migrate"]));
    assert!(text(&second.stdout).starts_with("0 migration(s) applied"));

    let seed1 = run(&mut env.cmd(&["seed"]));
    assert!(seed1.status.success(), "{}", text(&seed1.stderr));
    let inserted: usize = text(&seed1.stdout)
        .split_whitespace()
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert!(inserted > 150, "{}", text(&seed1.stdout));
    let seed2 = run(&mut env.cmd(&["seed"]));
    assert!(
        text(&seed2.stdout).contains("0 inserted, 0 updated"),
        "{}",
        text(&seed2.stdout)
    );
}

/// Starts `serve`, waits for its setup line, and returns the base URL.
fn start_serve(cmd: &mut Command) -> (std::process::Child, String, Vec<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut base = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("Loopwright is listening on ") {
            base = rest.split_whitespace().next().map(str::to_owned);
        }
        let done = line.contains("/setup/") || (base.is_some() && line.starts_with("Loopwright"));
        seen.push(line);
        if done && seen.iter().any(|l| l.contains("/setup/")) {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("serve did not start: {seen:?}"));
    (child, base, seen)
}

#[test]
fn serve_with_no_settings_creates_data_dir_seeds_and_prints_the_setup_link() {
    let cwd = TempDir::new().unwrap();
    let db = TestDb::new();
    let mut cmd = cli(cwd.path());
    // Port 0 instead of 8080 so tests never collide; everything else default.
    cmd.arg("serve").env("LOOPWRIGHT_BIND", "127.0.0.1:0");
    if db.is_postgres() {
        cmd.env("LOOPWRIGHT_DATABASE_URL", db.url());
    }
    let (mut child, base, lines) = start_serve(&mut cmd);
    let link = lines
        .iter()
        .find_map(|l| l.split_whitespace().find(|w| w.contains("/setup/")))
        .unwrap()
        .to_owned();
    assert!(link.starts_with(&base), "{link} is under {base}");

    let mut browser = Browser::new(&base);
    assert_eq!(browser.get("/healthz").status, 200);
    assert_eq!(browser.get("/readyz").status, 200);
    assert_eq!(browser.get(&link).status, 200);
    if !db.is_postgres() {
        assert!(cwd.path().join("data/loopwright.db").is_file());
    }
    assert!(cwd.path().join("data/secret").is_file());

    // SIGTERM: a graceful stop with a zero exit.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_unparseable_bind_address_stops_start_up_and_writes_nothing() {
    let cwd = TempDir::new().unwrap();
    let out = run(cli(cwd.path())
        .arg("serve")
        .env("LOOPWRIGHT_BIND", "localhost-8080"));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("LOOPWRIGHT_BIND") && err.contains("127.0.0.1:8080"),
        "{err}"
    );
    assert!(!cwd.path().join("data").exists());
}

#[test]
fn an_unreachable_database_stops_start_up_and_writes_nothing() {
    let cwd = TempDir::new().unwrap();
    let out = run(cli(cwd.path())
        .arg("serve")
        .env("LOOPWRIGHT_BIND", "127.0.0.1:0")
        .env(
            "LOOPWRIGHT_DATABASE_URL",
            "postgres://loopwright:pw@127.0.0.1:1/nowhere",
        ));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("LOOPWRIGHT_DATABASE_URL") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains(":pw@"), "the password is not printed: {err}");
    assert!(!cwd.path().join("data").exists());
}

#[test]
fn a_taken_port_is_reported_by_name() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let cwd = TempDir::new().unwrap();
    let out = run(cli(cwd.path())
        .arg("serve")
        .env("LOOPWRIGHT_BIND", taken.local_addr().unwrap().to_string()));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("LOOPWRIGHT_BIND: cannot listen"),
        "{}",
        text(&out.stderr)
    );
    assert!(!cwd.path().join("data").exists());
}

/// The binary carries SQLite, libpq and OpenSSL itself: a machine with no
/// PostgreSQL client library runs it (checked with `ldd` where there is one).
#[test]
fn the_binary_needs_no_database_or_tls_library_from_the_system() {
    let Ok(out) = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_loopwright"))
        .output()
    else {
        eprintln!("no ldd here: the linking is not checked");
        return;
    };
    let libraries = text(&out.stdout);
    assert!(out.status.success(), "{libraries}{}", text(&out.stderr));
    for system in ["libpq", "libssl", "libcrypto", "libsqlite3"] {
        assert!(
            !libraries.contains(system),
            "linked against the system's {system}: {libraries}"
        );
    }
    assert!(libraries.contains("libc.so"), "{libraries}");
}
