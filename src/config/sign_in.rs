//! How people sign in: `LOOPWRIGHT_PASSWORD_LOGIN` and `LOOPWRIGHT_OIDC_*`.

use super::ConfigError;

/// How people sign in (`LOOPWRIGHT_PASSWORD_LOGIN`, `LOOPWRIGHT_OIDC_*`).
#[derive(Clone, Debug)]
pub struct SignInSettings {
    /// Email and password, on the sign-in page and `POST /api/v1/auth/login`.
    pub password: bool,
    /// Single sign-on through an OpenID provider, when configured.
    pub oidc: Option<OidcSettings>,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            password: true,
            oidc: None,
        }
    }
}

/// An OpenID provider to sign in with (docs/sso.md).
#[derive(Clone, Debug)]
pub struct OidcSettings {
    /// The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// Shown on the button: "Sign in with <name>".
    pub name: String,
    /// Lowercase email domains whose people get an account on first sign-in.
    pub domains: Vec<String>,
    /// The role of an account created on first sign-in; never admin.
    pub role: crate::domain::Role,
    /// New accounts only for people with a pending invitation.
    pub invited_only: bool,
}

/// The sign-in keys of `loopwright.toml`, taken one by one by [`sign_in_settings`].
#[derive(Default)]
pub(super) struct FileSignIn {
    pub(super) password_login: Option<String>,
    pub(super) oidc_issuer: Option<String>,
    pub(super) oidc_client_id: Option<String>,
    pub(super) oidc_client_secret: Option<String>,
    pub(super) oidc_name: Option<String>,
    pub(super) oidc_domains: Option<String>,
    pub(super) oidc_role: Option<String>,
    pub(super) oidc_invited_only: Option<String>,
}

fn on_off(var: &str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "on" | "yes") => Ok(true),
        Some("0" | "false" | "off" | "no") => Ok(false),
        Some(other) => Err(ConfigError::new(
            var,
            format!("expected true or false, got {other:?}"),
        )),
    }
}

/// `LOOPWRIGHT_PASSWORD_LOGIN` and `LOOPWRIGHT_OIDC_*`: single sign-on is on
/// when an issuer is set, and then needs a client id. Password sign-in may
/// be turned off only when single sign-on is on (someone must get in).
pub(super) fn sign_in_settings(
    pick: &impl Fn(&str, Option<String>) -> Option<String>,
    file: &mut FileSignIn,
) -> Result<SignInSettings, ConfigError> {
    let password = on_off(
        "LOOPWRIGHT_PASSWORD_LOGIN",
        pick("LOOPWRIGHT_PASSWORD_LOGIN", file.password_login.take()),
        true,
    )?;
    let issuer = pick("LOOPWRIGHT_OIDC_ISSUER", file.oidc_issuer.take());
    let client_id = pick("LOOPWRIGHT_OIDC_CLIENT_ID", file.oidc_client_id.take());
    let client_secret = pick(
        "LOOPWRIGHT_OIDC_CLIENT_SECRET",
        file.oidc_client_secret.take(),
    );
    let name = pick("LOOPWRIGHT_OIDC_NAME", file.oidc_name.take());
    let domains = pick("LOOPWRIGHT_OIDC_DOMAINS", file.oidc_domains.take());
    let role = pick("LOOPWRIGHT_OIDC_ROLE", file.oidc_role.take());
    let invited_only = on_off(
        "LOOPWRIGHT_OIDC_INVITED_ONLY",
        pick(
            "LOOPWRIGHT_OIDC_INVITED_ONLY",
            file.oidc_invited_only.take(),
        ),
        false,
    )?;
    let Some(issuer) = issuer else {
        if client_id.is_some() || client_secret.is_some() || domains.is_some() {
            return Err(ConfigError::new(
                "LOOPWRIGHT_OIDC_ISSUER",
                "single sign-on settings are given but no issuer URL (e.g. https://accounts.google.com)",
            ));
        }
        if !password {
            return Err(ConfigError::new(
                "LOOPWRIGHT_PASSWORD_LOGIN",
                "password sign-in can be turned off only when single sign-on is set up (LOOPWRIGHT_OIDC_ISSUER)",
            ));
        }
        return Ok(SignInSettings {
            password,
            oidc: None,
        });
    };
    // Kept exactly as written: the provider's metadata must name the same
    // issuer, trailing slash and all (Auth0's has one, Google's has none).
    let host = url::Url::parse(&issuer)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .and_then(|u| u.host_str().map(str::to_owned))
        .ok_or_else(|| {
            ConfigError::new(
                "LOOPWRIGHT_OIDC_ISSUER",
                format!(
                    "expected an https:// URL like https://accounts.google.com, got {issuer:?}"
                ),
            )
        })?;
    let client_id = client_id.ok_or_else(|| {
        ConfigError::new(
            "LOOPWRIGHT_OIDC_CLIENT_ID",
            "expected the client id the provider gave when Loopwright was registered",
        )
    })?;
    let role = match role {
        None => crate::domain::Role::Interviewer,
        Some(raw) => raw
            .parse::<crate::domain::Role>()
            .ok()
            .filter(|r| *r != crate::domain::Role::Admin)
            .ok_or_else(|| {
                ConfigError::new(
                    "LOOPWRIGHT_OIDC_ROLE",
                    format!("expected interviewer, recruiter or hiring_manager, got {raw:?}"),
                )
            })?,
    };
    let mut allowed = Vec::new();
    for domain in domains.unwrap_or_default().split(',') {
        let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
        if domain.is_empty() {
            continue;
        }
        if !domain.contains('.') || domain.contains(|c: char| c.is_whitespace() || c == '@') {
            return Err(ConfigError::new(
                "LOOPWRIGHT_OIDC_DOMAINS",
                format!(
                    "expected email domains separated by commas, like example.com,example.org; got {domain:?}"
                ),
            ));
        }
        allowed.push(domain);
    }
    Ok(SignInSettings {
        password,
        oidc: Some(OidcSettings {
            issuer,
            client_id,
            client_secret,
            name: name.unwrap_or(host),
            domains: allowed,
            role,
            invited_only,
        }),
    })
}
