//! The `loopwright` command: a thin shell over the library.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use loopwright::config::Config;
use loopwright::db::models::{AuditEvent, User, UserInsertForm, now};
use loopwright::domain::{EmailAddress, NewPassword, PersonName, Role};
use loopwright::{Application, StartError, auth, open_storage};

#[derive(Parser)]
#[command(
    name = "loopwright",
    version,
    about = "Structured interviewing, self-hosted."
)]
#[command(long_about = "Structured interviewing, self-hosted.\n\n\
    With no command, `serve` runs. Settings come from LOOPWRIGHT_* environment \
    variables and an optional loopwright.toml; see the README.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (migrates and, on first start, seeds the database).
    Serve {
        /// Read templates and static files from disk on every request.
        #[arg(long)]
        dev: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the seed bank (idempotent: running it twice changes nothing).
    Seed {
        /// Read a bank file, or every .toml under a folder, instead of the built-in bank.
        #[arg(long, alias = "dir", value_name = "PATH")]
        from: Option<PathBuf>,
    },
    /// Export or import the question bank (the seed format).
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Fill an empty data dir with a demo team, jobs, candidates, scorecards
    /// and decisions, with a lenient interviewer, a disputed criterion and a
    /// never-separating question planted for Insights to find.
    Demo {
        /// How many candidates (40 interviewers from 2,000 on).
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=20000))]
        candidates: u32,
        /// The random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum BankCommand {
    /// Write the whole bank (tracks, criteria, stage kinds, formats, questions) to FILE ("-" for stdout).
    Export { file: PathBuf },
    /// Read a bank file back, by slug: all of it or, if anything is wrong, none of it.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password comes from LOOPWRIGHT_PASSWORD or standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: CliRole,
    },
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum CliRole {
    Admin,
    HiringManager,
    Recruiter,
    Interviewer,
}

impl From<CliRole> for Role {
    fn from(role: CliRole) -> Self {
        match role {
            CliRole::Admin => Role::Admin,
            CliRole::HiringManager => Role::HiringManager,
            CliRole::Recruiter => Role::Recruiter,
            CliRole::Interviewer => Role::Interviewer,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(e),
    };
    loopwright::init_logging(&config.log);
    let result = match cli.command.unwrap_or(Command::Serve { dev: false }) {
        Command::Serve { dev } => {
            config.dev_reload |= dev;
            serve(config)
        }
        Command::Migrate => open_storage(&config).map(|storage| {
            println!(
                "{} migration(s) applied to {}",
                storage.migrations_applied, config.database_url
            );
        }),
        Command::Seed { from } => open_storage(&config)
            .and_then(|storage| loopwright::seed(&storage.pool, from.as_deref()))
            .map(|report| println!("seed bank applied: {report}")),
        Command::Bank {
            command: BankCommand::Export { file },
        } => open_storage(&config)
            .and_then(|storage| loopwright::export_bank(&storage.pool))
            .and_then(|text| {
                if file.as_os_str() == "-" {
                    print!("{text}");
                    Ok(())
                } else {
                    std::fs::write(&file, text)
                        .map(|()| eprintln!("bank written to {}", file.display()))
                        .map_err(|e| {
                            StartError::Other(format!("cannot write {}: {e}", file.display()))
                        })
                }
            }),
        Command::Bank {
            command: BankCommand::Import { file },
        } => {
            if !file.is_file() {
                Err(StartError::Other(format!(
                    "{} is not a file",
                    file.display()
                )))
            } else {
                open_storage(&config)
                    .and_then(|storage| loopwright::seed(&storage.pool, Some(&file)))
                    .map(|report| println!("bank imported: {report}"))
            }
        }
        Command::Demo { candidates, seed } => demo(&config, candidates as usize, seed),
        Command::User {
            command: UserCommand::Add { email, name, role },
        } => add_user(&config, &email, &name, role.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("loopwright: {e}");
    ExitCode::FAILURE
}

fn serve(config: Config) -> Result<(), StartError> {
    actix_web::rt::System::new().block_on(async move {
        let backend = config.database_url.backend();
        let app = Application::build(config)?;
        println!(
            "Loopwright is listening on {} ({backend})",
            app.public_url()
        );
        if let Some(link) = app.setup_link() {
            println!(
                "No users yet. Create the first administrator here (the link works once): {link}"
            );
        }
        let _ = std::io::stdout().flush();
        app.run_until_stopped()
            .await
            .map_err(|e| StartError::Other(format!("server stopped: {e}")))
    })
}

fn add_user(config: &Config, email: &str, name: &str, role: Role) -> Result<(), StartError> {
    let invalid =
        |field: &str, e: loopwright::domain::Invalid| StartError::Other(format!("--{field}: {e}"));
    let email = EmailAddress::parse(email).map_err(|e| invalid("email", e))?;
    let name = PersonName::parse(name).map_err(|e| invalid("name", e))?;
    let password = read_password()?;
    let password = NewPassword::parse(&password, Some(&email))
        .map_err(|e| StartError::Other(format!("password: {e}")))?;

    let storage = open_storage(config)?;
    let mut conn = storage
        .pool
        .get()
        .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
    let db_error = |e: diesel::result::Error| StartError::Other(format!("database error: {e}"));
    if User::find_by_email(&mut conn, email.as_str())
        .map_err(db_error)?
        .is_some()
    {
        return Err(StartError::Other(format!(
            "a user with the email {email} already exists"
        )));
    }
    let hash =
        auth::password::hash(password.expose()).map_err(|e| StartError::Other(e.to_string()))?;
    let at = now();
    let user = User::create(
        &mut conn,
        &UserInsertForm::active(email.as_str(), name.as_str(), role.as_str(), &hash, at),
    )
    .map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => StartError::Other(format!("a user with the email {email} already exists")),
        other => db_error(other),
    })?;
    AuditEvent::record(
        &mut conn,
        None,
        "user.created",
        ("user", Some(user.id)),
        serde_json::json!({"via": "cli", "role": role.as_str()}),
    )
    .map_err(db_error)?;
    println!(
        "added {} <{}> as {}",
        user.name,
        user.email,
        role.label().to_lowercase()
    );
    Ok(())
}

fn demo(config: &Config, candidates: usize, seed: u64) -> Result<(), StartError> {
    let storage = open_storage(config)?;
    {
        let mut conn = storage
            .pool
            .get()
            .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
        if loopwright::bank::is_empty(&mut conn).map_err(|e| StartError::Other(e.to_string()))? {
            loopwright::seed(&storage.pool, None)?;
        }
    }
    let mut conn = storage
        .pool
        .get()
        .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
    let options = loopwright::insights::demo::DemoOptions { candidates, seed };
    let report = loopwright::insights::demo::generate(&mut conn, options, now())
        .map_err(|e| StartError::Other(e.to_string()))?;
    println!("{report}");
    Ok(())
}

/// LOOPWRIGHT_PASSWORD, or the first line of standard input.
fn read_password() -> Result<String, StartError> {
    if let Ok(password) = std::env::var("LOOPWRIGHT_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (at least {} characters): ", NewPassword::MIN_LEN);
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        StartError::Other(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(StartError::Other(
            "no password: set LOOPWRIGHT_PASSWORD or write it to standard input".into(),
        ));
    }
    Ok(password)
}
