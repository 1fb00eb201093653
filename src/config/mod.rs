//! Settings from the environment and an optional `loopwright.toml`.
//!
//! Every setting has a default that runs. Parsing has no side effects: nothing
//! is created on disk until the settings are known to be good.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod sign_in;

use sign_in::{FileSignIn, sign_in_settings};
pub use sign_in::{OidcSettings, SignInSettings};

/// A setting that could not be used, named the way the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &str, problem: impl Into<String>) -> Self {
        Self {
            variable: variable.to_owned(),
            problem: problem.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (the `sqlite://` prefix removed).
    Sqlite(PathBuf),
    /// The URL as given, handed to libpq.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("expected sqlite://<path to a file>".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self::Postgres(raw.to_owned()))
        } else {
            Err(format!(
                "expected a URL starting with sqlite:// or postgres://, got {raw:?}"
            ))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for DatabaseUrl {
    /// Never shows a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    write!(f, "{}://***@{}", &url[..scheme_end], &url[at + 1..])
                }
                _ => f.write_str(url),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// `None` means "derive from the address actually bound".
    pub public_url: Option<String>,
    /// `None` means "generated once into the data dir".
    pub secret: Option<String>,
    pub log: String,
    /// Read templates and static files from disk on every request.
    pub dev_reload: bool,
    /// The first retry delay of an email that could not be sent (it doubles).
    pub mail_retry_base: std::time::Duration,
    /// How often the outbox looks for due emails when nothing woke it.
    pub mail_poll_every: std::time::Duration,
    /// Hours after a stage ends before a missing scorecard is chased.
    pub reminder_after_hours: i64,
    /// Hours after a stage ends before the hiring manager hears too.
    pub escalation_after_hours: i64,
    /// Who may read `/metrics`: whoever sends this bearer token; `None`
    /// means clients on this machine only.
    pub metrics_token: Option<String>,
    /// How people sign in: password, single sign-on, or both.
    pub sign_in: SignInSettings,
    /// Days after a candidate's process ended (hired, rejected, withdrawn)
    /// before their personal data is erased; `None` (the default): never.
    pub retention_days: Option<i64>,
    /// The first retry delay of a webhook delivery that failed (it doubles).
    pub webhook_retry_base: std::time::Duration,
    /// How often the webhook worker looks for due deliveries.
    pub webhook_poll_every: std::time::Duration,
}

/// The keys `loopwright.toml` may set: the same as the environment variables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    secret: Option<String>,
    log: Option<String>,
    metrics_token: Option<String>,
    password_login: Option<bool>,
    oidc_issuer: Option<String>,
    oidc_client_id: Option<String>,
    oidc_client_secret: Option<String>,
    oidc_name: Option<String>,
    oidc_domains: Option<String>,
    oidc_role: Option<String>,
    oidc_invited_only: Option<bool>,
}

pub const CONFIG_FILE: &str = "loopwright.toml";

impl Config {
    /// Reads the process environment and `loopwright.toml` in the working
    /// directory (or the file `LOOPWRIGHT_CONFIG` names).
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("LOOPWRIGHT_"))
            .collect();
        let file = match env.get("LOOPWRIGHT_CONFIG") {
            Some(path) => Some(read_file(Path::new(path), "LOOPWRIGHT_CONFIG")?),
            None if Path::new(CONFIG_FILE).exists() => {
                Some(read_file(Path::new(CONFIG_FILE), CONFIG_FILE)?)
            }
            None => None,
        };
        Self::from_sources(&env, file.unwrap_or_default())
    }

    /// Environment wins over the file; the file wins over defaults.
    fn from_sources(
        env: &HashMap<String, String>,
        file: FileSettings,
    ) -> Result<Self, ConfigError> {
        let mut file_sign_in = FileSignIn {
            password_login: file.password_login.map(|b| b.to_string()),
            oidc_issuer: file.oidc_issuer,
            oidc_client_id: file.oidc_client_id,
            oidc_client_secret: file.oidc_client_secret,
            oidc_name: file.oidc_name,
            oidc_domains: file.oidc_domains,
            oidc_role: file.oidc_role,
            oidc_invited_only: file.oidc_invited_only.map(|b| b.to_string()),
        };
        let pick = |var: &str, from_file: Option<String>| -> Option<String> {
            env.get(var)
                .cloned()
                .or(from_file)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let bind_raw = pick("LOOPWRIGHT_BIND", file.bind).unwrap_or("127.0.0.1:8080".into());
        let bind: SocketAddr = bind_raw.parse().map_err(|_| {
            ConfigError::new(
                "LOOPWRIGHT_BIND",
                format!("expected an address and port like 127.0.0.1:8080, got {bind_raw:?}"),
            )
        })?;

        let data_dir =
            PathBuf::from(pick("LOOPWRIGHT_DATA_DIR", file.data_dir).unwrap_or("./data".into()));

        let database_url = match pick("LOOPWRIGHT_DATABASE_URL", file.database_url) {
            Some(raw) => DatabaseUrl::parse(&raw)
                .map_err(|problem| ConfigError::new("LOOPWRIGHT_DATABASE_URL", problem))?,
            None => DatabaseUrl::Sqlite(data_dir.join("loopwright.db")),
        };

        let smtp_url = pick("LOOPWRIGHT_SMTP_URL", file.smtp_url);
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError::new(
                "LOOPWRIGHT_SMTP_URL",
                "expected a URL like smtp://127.0.0.1:2525 or smtps://user:pass@host",
            ));
        }

        let mail_from = pick("LOOPWRIGHT_MAIL_FROM", file.mail_from)
            .unwrap_or("Loopwright <loopwright@localhost>".into());
        if !looks_like_mailbox(&mail_from) {
            return Err(ConfigError::new(
                "LOOPWRIGHT_MAIL_FROM",
                format!(
                    "expected an address like \"Loopwright <hiring@example.com>\", got {mail_from:?}"
                ),
            ));
        }

        let public_url = pick("LOOPWRIGHT_PUBLIC_URL", file.public_url)
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(str::is_empty) {
                return Err(ConfigError::new(
                    "LOOPWRIGHT_PUBLIC_URL",
                    format!("expected an http:// or https:// URL, got {url:?}"),
                ));
            }
        }

        let secret = pick("LOOPWRIGHT_SECRET", file.secret);
        if let Some(secret) = &secret
            && secret.len() < 32
        {
            return Err(ConfigError::new(
                "LOOPWRIGHT_SECRET",
                "expected at least 32 characters (leave it unset to generate one)",
            ));
        }

        let log = pick("LOOPWRIGHT_LOG", file.log).unwrap_or("info".into());
        if tracing_subscriber::EnvFilter::try_new(&log).is_err() {
            return Err(ConfigError::new(
                "LOOPWRIGHT_LOG",
                format!(
                    "expected a level (error, warn, info, debug, trace) or a filter like \"info,loopwright=debug\", got {log:?}"
                ),
            ));
        }

        let metrics_token = pick("LOOPWRIGHT_METRICS_TOKEN", file.metrics_token);
        if let Some(token) = &metrics_token
            && token.len() < 16
        {
            return Err(ConfigError::new(
                "LOOPWRIGHT_METRICS_TOKEN",
                "expected at least 16 characters (leave it unset to allow this machine only)",
            ));
        }

        let hours = |var: &str, default: i64| -> Result<i64, ConfigError> {
            match env.get(var).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|h| (1..=24 * 30).contains(h))
                    .ok_or_else(|| {
                        ConfigError::new(
                            var,
                            format!("expected a number of hours from 1 to 720, got {v:?}"),
                        )
                    }),
            }
        };
        let reminder_after_hours = hours("LOOPWRIGHT_REMINDER_HOURS", 24)?;
        let escalation_after_hours = hours("LOOPWRIGHT_ESCALATION_HOURS", 48)?;
        let retention_days = match env
            .get("LOOPWRIGHT_RETENTION_DAYS")
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && *v != "off")
        {
            None => None,
            Some(v) => Some(
                v.parse::<i64>()
                    .ok()
                    .filter(|d| (1..=36_500).contains(d))
                    .ok_or_else(|| {
                        ConfigError::new(
                            "LOOPWRIGHT_RETENTION_DAYS",
                            format!("expected a number of days from 1 to 36500, or off, got {v:?}"),
                        )
                    })?,
            ),
        };

        let dev_reload = match env.get("LOOPWRIGHT_DEV").map(String::as_str) {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOOPWRIGHT_DEV",
                    format!("expected 1 or 0, got {other:?}"),
                ));
            }
        };

        let sign_in = sign_in_settings(&pick, &mut file_sign_in)?;

        Ok(Self {
            bind,
            data_dir,
            database_url,
            smtp_url,
            mail_from,
            public_url,
            secret,
            log,
            dev_reload,
            mail_retry_base: std::time::Duration::from_secs(30),
            mail_poll_every: std::time::Duration::from_secs(5),
            reminder_after_hours,
            escalation_after_hours,
            metrics_token,
            sign_in,
            retention_days,
            webhook_retry_base: std::time::Duration::from_secs(30),
            webhook_poll_every: std::time::Duration::from_secs(1),
        })
    }

    /// The base of links in emails and printed links.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }
}

fn read_file(path: &Path, name: &str) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(name, format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| ConfigError::new(name, format!("not valid settings: {e}")))
}

/// `addr@host` or `Name <addr@host>`; enough to catch typos at start-up.
fn looks_like_mailbox(value: &str) -> bool {
    let address = match (value.find('<'), value.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        (None, None) => value,
        _ => return false,
    };
    crate::domain::EmailAddress::parse(address).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(&env, FileSettings::default())
    }

    #[test]
    fn defaults_run_on_sqlite_in_data_dir() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/loopwright.db"))
        );
        assert_eq!(c.mail_from, "Loopwright <loopwright@localhost>");
        assert_eq!(c.log, "info");
        assert!(c.smtp_url.is_none() && c.public_url.is_none() && c.secret.is_none());
        assert_eq!(
            c.public_url_for("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (var, value) in [
            ("LOOPWRIGHT_BIND", "localhost"),
            ("LOOPWRIGHT_DATABASE_URL", "mysql://x"),
            ("LOOPWRIGHT_SMTP_URL", "http://mail"),
            ("LOOPWRIGHT_MAIL_FROM", "not an address"),
            ("LOOPWRIGHT_PUBLIC_URL", "example.com"),
            ("LOOPWRIGHT_SECRET", "short"),
            ("LOOPWRIGHT_LOG", "info,[[["),
            ("LOOPWRIGHT_DEV", "yes"),
            ("LOOPWRIGHT_REMINDER_HOURS", "soon"),
            ("LOOPWRIGHT_ESCALATION_HOURS", "0"),
            ("LOOPWRIGHT_RETENTION_DAYS", "0"),
            ("LOOPWRIGHT_RETENTION_DAYS", "a year"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{err}");
        }
    }

    #[test]
    fn retention_is_off_unless_given_days() {
        assert_eq!(config(&[]).unwrap().retention_days, None);
        let off = config(&[("LOOPWRIGHT_RETENTION_DAYS", "off")]).unwrap();
        assert_eq!(off.retention_days, None);
        let on = config(&[("LOOPWRIGHT_RETENTION_DAYS", "180")]).unwrap();
        assert_eq!(on.retention_days, Some(180));
    }

    #[test]
    fn environment_beats_file() {
        let env = [("LOOPWRIGHT_BIND".to_string(), "127.0.0.1:9000".to_string())]
            .into_iter()
            .collect();
        let file: FileSettings =
            toml::from_str("bind = \"0.0.0.0:1\"\ndata_dir = \"/srv/lw\"").unwrap();
        let c = Config::from_sources(&env, file).unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(
            c.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("/srv/lw/loopwright.db"))
        );
    }

    #[test]
    fn single_sign_on_is_off_and_passwords_on_by_default() {
        let c = config(&[]).unwrap();
        assert!(c.sign_in.password && c.sign_in.oidc.is_none());
    }

    #[test]
    fn single_sign_on_settings_are_read_and_checked() {
        let c = config(&[
            ("LOOPWRIGHT_OIDC_ISSUER", "https://id.example.com/"),
            ("LOOPWRIGHT_OIDC_CLIENT_ID", "loopwright"),
            ("LOOPWRIGHT_OIDC_DOMAINS", " Example.com, @example.org ,"),
            ("LOOPWRIGHT_OIDC_ROLE", "recruiter"),
            ("LOOPWRIGHT_OIDC_INVITED_ONLY", "true"),
            ("LOOPWRIGHT_PASSWORD_LOGIN", "false"),
        ])
        .unwrap();
        let oidc = c.sign_in.oidc.unwrap();
        assert_eq!(oidc.issuer, "https://id.example.com/", "exactly as written");
        assert_eq!(oidc.name, "id.example.com", "the issuer's host by default");
        assert_eq!(oidc.domains, ["example.com", "example.org"]);
        assert_eq!(oidc.role, crate::domain::Role::Recruiter);
        assert!(oidc.invited_only && oidc.client_secret.is_none());
        assert!(!c.sign_in.password);

        let issuer = ("LOOPWRIGHT_OIDC_ISSUER", "https://id.example.com");
        let client = ("LOOPWRIGHT_OIDC_CLIENT_ID", "loopwright");
        for (pairs, var) in [
            (
                vec![("LOOPWRIGHT_PASSWORD_LOGIN", "false")],
                "LOOPWRIGHT_PASSWORD_LOGIN",
            ),
            (
                vec![("LOOPWRIGHT_PASSWORD_LOGIN", "maybe"), issuer, client],
                "LOOPWRIGHT_PASSWORD_LOGIN",
            ),
            (vec![client], "LOOPWRIGHT_OIDC_ISSUER"),
            (
                vec![("LOOPWRIGHT_OIDC_ISSUER", "id.example.com"), client],
                "LOOPWRIGHT_OIDC_ISSUER",
            ),
            (vec![issuer], "LOOPWRIGHT_OIDC_CLIENT_ID"),
            (
                vec![issuer, client, ("LOOPWRIGHT_OIDC_ROLE", "admin")],
                "LOOPWRIGHT_OIDC_ROLE",
            ),
            (
                vec![issuer, client, ("LOOPWRIGHT_OIDC_DOMAINS", "example")],
                "LOOPWRIGHT_OIDC_DOMAINS",
            ),
        ] {
            let err = config(&pairs).unwrap_err();
            assert_eq!(err.variable, var, "{pairs:?}: {err}");
        }
    }

    #[test]
    fn single_sign_on_can_be_set_in_the_file() {
        let file: FileSettings = toml::from_str(
            "oidc_issuer = \"https://id.example.com\"\noidc_client_id = \"lw\"\npassword_login = false\noidc_name = \"Acme ID\"",
        )
        .unwrap();
        let c = Config::from_sources(&HashMap::new(), file).unwrap();
        assert!(!c.sign_in.password);
        assert_eq!(c.sign_in.oidc.unwrap().name, "Acme ID");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("bindd = \"x\"").is_err());
    }

    #[test]
    fn postgres_url_is_shown_without_password() {
        let url = DatabaseUrl::parse("postgres://lw:secret@db:5432/lw").unwrap();
        assert_eq!(url.to_string(), "postgres://***@db:5432/lw");
    }
}
