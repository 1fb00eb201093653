//! Loopwright: structured interviewing, self-hosted.
//!
//! This crate builds the whole app from a `Config`; the binary is a thin CLI
//! over it and the integration tests drive the very same `Application`.

pub mod access;
pub mod allocator;
pub mod audit;
pub mod auth;
pub mod bank;
pub mod candidates;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod domain;
pub mod error;
pub mod insights;
pub mod interviews;
pub mod jobs;
pub mod loops;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod people;
pub mod templates;
pub mod web;
pub mod webhooks;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer};
use tracing_actix_web::TracingLogger;

use bank::{BankFile, SeedReport};
use config::{Config, DatabaseUrl};
use db::{DbPool, QueryCounter};

/// Why the app could not start; each is one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("LOOPWRIGHT_BIND: cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("LOOPWRIGHT_DATA_DIR: cannot use {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("LOOPWRIGHT_DATABASE_URL: {0}")]
    Database(#[from] db::DbSetupError),
    #[error("{0}")]
    Bank(#[from] bank::BankError),
    #[error("cannot prepare the web templates: {0}")]
    Templates(#[from] templates::RenderError),
    #[error("{0}")]
    Other(String),
}

/// An open, migrated database.
pub struct Storage {
    pub pool: DbPool,
    pub queries: QueryCounter,
    pub migrations_applied: usize,
}

/// Opens the database (creating the SQLite file and its folder if needed),
/// proves it answers, and applies pending migrations. For PostgreSQL nothing
/// is written to disk before the server has answered.
pub fn open_storage(config: &Config) -> Result<Storage, StartError> {
    if let DatabaseUrl::Sqlite(path) = &config.database_url
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        create_dir(parent)?;
    }
    let queries = QueryCounter::default();
    // One direct attempt first: a refused connection fails at once with its
    // cause, instead of the pool retrying until its timeout.
    let manager = db::ConnectionManager::new(config.database_url.clone(), queries.clone());
    diesel::r2d2::ManageConnection::connect(&manager).map_err(|e| {
        db::DbSetupError::Unreachable {
            url: config.database_url.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        }
    })?;
    let pool = db::connect(&config.database_url, queries.clone())?;
    let mut conn = pool.get().map_err(|source| db::DbSetupError::Connect {
        url: config.database_url.to_string(),
        source,
    })?;
    let migrations_applied = db::migrate(&mut conn)?;
    Ok(Storage {
        pool,
        queries,
        migrations_applied,
    })
}

/// Applies the seed bank (embedded, or read from a file or folder).
pub fn seed(pool: &DbPool, path: Option<&Path>) -> Result<SeedReport, StartError> {
    let bank = match path {
        Some(path) => BankFile::load(path)?,
        None => BankFile::embedded()?,
    };
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
    Ok(bank::apply(&mut conn, &bank, None)?)
}

/// The whole bank as TOML (the seed format).
pub fn export_bank(pool: &DbPool) -> Result<String, StartError> {
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
    let bank = bank::export::export(&mut conn)
        .map_err(|e| StartError::Other(format!("database error: {e}")))?;
    bank.to_toml()
        .map_err(|e| StartError::Other(format!("cannot write the bank as TOML: {e}")))
}

fn create_dir(path: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(path).map_err(|source| StartError::DataDir {
        path: path.display().to_string(),
        source,
    })
}

/// The token signing key: the configured one, or one generated once into
/// the data dir and reused on every start.
pub fn load_or_create_secret(config: &Config) -> Result<String, StartError> {
    if let Some(secret) = &config.secret {
        return Ok(secret.clone());
    }
    create_dir(&config.data_dir)?;
    let path = config.data_dir.join("secret");
    let io = |source| StartError::DataDir {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 32 => return Ok(secret.trim().to_owned()),
        Ok(_) => {
            return Err(StartError::Other(format!(
                "{} is too short; delete it to generate a new one",
                path.display()
            )));
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        Err(_) => {}
    }
    let secret = auth::token::generate();
    write_private(&path, &secret).map_err(io)?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// The running web app.
pub struct Application {
    server: Server,
    address: SocketAddr,
    queries: QueryCounter,
    public_url: String,
    setup_link: Option<String>,
    pool: DbPool,
    hashing: std::sync::Arc<auth::password::HashQueue>,
    /// The outbox worker, reset-request pruning and reminders: stopped with
    /// the server, inside its runtime (the mail transport's pool closes its
    /// connections on a task of its own when dropped).
    background: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl Application {
    /// Binds first (so a bad address writes nothing), then opens, migrates
    /// and (on first start) seeds the database.
    pub fn build(config: Config) -> Result<Self, StartError> {
        allocator::give_memory_back();
        let listener = TcpListener::bind(config.bind).map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
        let address = listener
            .local_addr()
            .map_err(|e| StartError::Other(format!("cannot read the bound address: {e}")))?;

        let storage = open_storage(&config)?;
        let first_start = {
            let mut conn = storage
                .pool
                .get()
                .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
            bank::is_empty(&mut conn).map_err(|e| StartError::Other(e.to_string()))?
        };
        if first_start {
            let report = seed(&storage.pool, None)?;
            tracing::info!(%report, "seeded the question bank on first start");
        }
        let secret = load_or_create_secret(&config)?;
        let transport =
            mail::worker::Transport::from_settings(config.smtp_url.as_deref(), &config.data_dir)
                .map_err(StartError::Other)?;
        let mail_from: lettre::message::Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| StartError::Other(format!("LOOPWRIGHT_MAIL_FROM: {e}")))?;
        people::accounts::warm_up();

        let setup_token = {
            let mut conn = storage
                .pool
                .get()
                .map_err(|e| StartError::Other(format!("no database connection: {e}")))?;
            people::setup::issue_link_if_no_users(&mut conn)
                .map_err(|e| StartError::Other(e.to_string()))?
        };
        let public_url = config.public_url_for(address);
        let setup_link = setup_token.map(|t| format!("{public_url}/setup/{t}"));

        let templates = templates::Templates::new(config.dev_reload)?;
        let mail_wake = Arc::new(tokio::sync::Notify::new());
        // The worker has a pool of its own, so that its polling neither competes
        // with requests for connections nor shows in their query counts.
        let worker_pool = db::connect_sized(&config.database_url, QueryCounter::default(), 2)?;
        let reminder_pool = worker_pool.clone();
        let worker = mail::worker::Worker {
            pool: worker_pool,
            transport,
            from: mail_from,
            wake: mail_wake.clone(),
            retry_base: config.mail_retry_base,
            poll_every: config.mail_poll_every,
            send_timeout: mail::worker::SEND_TIMEOUT,
        };
        let hashing = std::sync::Arc::new(auth::password::HashQueue::default());
        let state = actix_web::web::Data::new(web::AppState {
            pool: storage.pool.clone(),
            templates,
            secure_cookies: public_url.starts_with("https://"),
            oidc: config.sign_in.oidc.clone().map(|settings| {
                std::sync::Arc::new(auth::oidc::OidcProvider::new(settings, &public_url))
            }),
            sessions: auth::session::SessionKeys::new(&secret),
            config,
            public_url: public_url.clone(),
            queries: storage.queries.clone(),
            mail_wake,
            metrics: metrics::Metrics::default(),
            signed_in: Default::default(),
            hashing: hashing.clone(),
        });
        let retention = state.config.retention_days;
        let (webhook_retry_base, webhook_poll_every) = (
            state.config.webhook_retry_base,
            state.config.webhook_poll_every,
        );
        let data_dir = state.config.data_dir.clone();
        let state_for_reminders = state.clone();
        let state_for_resets = state.clone();
        // Blocking tasks hold a pooled connection (password hashes and calls
        // to the identity provider run on threads of their own), so threads
        // past the pool's size would only queue for one. Actix sizes the
        // blocking pool per worker: the pool's connections are shared out
        // among the workers instead of actix's 512 / workers, which under
        // load spawned hundreds of threads that switched, waited and each
        // kept an allocator heap. At least two a worker, so that one slow
        // write does not hold up every request its worker took.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let blocking_threads = (state.pool.max_size() as usize).div_ceil(workers).max(2);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(web::error_pages())
                .wrap(from_fn(web::headers::harden))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add((
                            "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
                        )),
                )
                .wrap(from_fn(web::request_id_header))
                .wrap(from_fn(web::head_as_get))
                .wrap(from_fn(auth::signed_in::scope))
                .wrap(from_fn(metrics::request::observe))
                .wrap(TracingLogger::<web::RequestSpan>::new())
                .configure(web::routes)
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: address,
            source,
        })?
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .run();
        let webhook_worker = webhooks::worker::Worker {
            pool: reminder_pool.clone(),
            retry_base: webhook_retry_base,
            poll_every: webhook_poll_every,
            send_timeout: webhooks::worker::SEND_TIMEOUT,
        };
        let mut background = vec![
            actix_web::rt::spawn(worker.run()),
            actix_web::rt::spawn(webhook_worker.run()),
            actix_web::rt::spawn(people::reset_requests::run(
                state_for_resets,
                reminder_pool.clone(),
            )),
            actix_web::rt::spawn(remind_every(
                state_for_reminders,
                reminder_pool.clone(),
                std::time::Duration::from_secs(300),
            )),
        ];
        if let Some(days) = retention {
            background.push(actix_web::rt::spawn(candidates::erasure::retain_every(
                reminder_pool,
                data_dir,
                days,
                std::time::Duration::from_secs(3600),
            )));
        }

        Ok(Self {
            server,
            address,
            queries: storage.queries,
            public_url,
            setup_link,
            pool: storage.pool,
            hashing,
            background,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The one-time link to create the first admin, when there are no users.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    pub fn queries(&self) -> QueryCounter {
        self.queries.clone()
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    /// The queue password hashes wait in (tests fill it to see a full one).
    pub fn hashing(&self) -> std::sync::Arc<auth::password::HashQueue> {
        self.hashing.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/Ctrl-C (graceful: in-flight requests finish) or
    /// until a handle stops it.
    /// The background tasks stop with it: a worker sending an email is
    /// interrupted, and the message is sent again once its lease runs out.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        for task in self.background {
            task.abort();
            let _ = task.await;
        }
        served
    }
}

/// Chases missing scorecards every `every`, through the outbox.
/// It uses the background pool, so it never shows in requests' query counts.
async fn remind_every(state: actix_web::web::Data<web::AppState>, pool: DbPool, every: Duration) {
    let delays = interviews::reminders::Delays {
        interviewer: chrono::Duration::hours(state.config.reminder_after_hours),
        hiring_manager: chrono::Duration::hours(state.config.escalation_after_hours),
        give_up: chrono::Duration::days(interviews::reminders::GIVE_UP_DAYS),
    };
    loop {
        let (st, pool) = (state.clone(), pool.clone());
        let queued = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            interviews::reminders::run(
                &mut conn,
                &st.templates,
                &st.public_url,
                db::models::now(),
                delays,
            )
            .map_err(|e| e.to_string())
        })
        .await;
        match queued {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => {
                tracing::info!(queued = n, "scorecard reminders queued");
                state.metrics.reminders_sent.inc_by(n as u64);
                state.mail_wake.notify_one();
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "scorecard reminders failed"),
            Err(e) => tracing::warn!(error = %e, "scorecard reminders failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Logs to stderr, with the request id on every line of a request.
pub fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests) keeps the first subscriber.
    // Closing a request's span logs one line per request with its timing.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .try_init();
}

/// How long a graceful shutdown may take.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
