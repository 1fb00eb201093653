//! Talking to the OpenID provider (`openidconnect`): discovery, the
//! authorization URL, the code exchange, and ID token validation.
//!
//! Blocking HTTP (ureq): every call here runs off the async executor.
//! Discovery is kept for an hour; the key set is fetched again at once when
//! an ID token names a key (`kid`) it does not hold, which is how a provider
//! rotates its signing keys (OpenID Connect Core 1.0, section 10.1.1).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreJsonWebKeySet, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, TokenResponse,
    UserInfoError,
};

use crate::config::OidcSettings;

/// How long discovery is trusted before it is read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);
/// Each request to the provider, start to end.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read from the provider.
const MAX_BODY: u64 = 1024 * 1024;

/// What went wrong with the provider, in the words the refusal pages need.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Not reachable, or it answered with something that is not OpenID.
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The token endpoint refused the code (used already, expired, not ours).
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    /// The ID token failed validation; the reason is for the log.
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// The request that sends the browser to the provider.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, from a validated ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// `email_verified` was present and true.
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The configured provider, with its discovery document cached.
pub struct OidcProvider {
    pub settings: OidcSettings,
    redirect_url: String,
    agent: ureq::Agent,
    discovered: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl OidcProvider {
    /// `public_url` is the base of the redirect URL: `<public_url>/auth/oidc/callback`.
    pub fn new(settings: OidcSettings, public_url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // No redirects: the endpoints are the ones discovery named.
            .max_redirects(0)
            .timeout_global(Some(HTTP_TIMEOUT))
            .build()
            .into();
        Self {
            settings,
            redirect_url: format!("{public_url}/auth/oidc/callback"),
            agent,
            discovered: Mutex::new(None),
        }
    }

    fn http(&self) -> impl Fn(HttpRequest) -> Result<HttpResponse, ureq::Error> + '_ {
        move |request: HttpRequest| {
            let mut response = self.agent.run(request)?;
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()?;
            let (parts, _) = response.into_parts();
            Ok(HttpResponse::from_parts(parts, body))
        }
    }

    /// The provider's metadata (with its keys), from the cache or fetched.
    fn metadata(&self) -> Result<CoreProviderMetadata, ProviderError> {
        if let Ok(cache) = self.discovered.lock()
            && let Some((metadata, at)) = cache.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover(&issuer, &self.http())
            .map_err(|e| ProviderError::Unreachable(describe(&e)))?;
        self.remember(metadata.clone());
        Ok(metadata)
    }

    fn remember(&self, metadata: CoreProviderMetadata) {
        if let Ok(mut cache) = self.discovered.lock() {
            *cache = Some((metadata, Instant::now()));
        }
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        ProviderError,
    > {
        let redirect = RedirectUrl::new(self.redirect_url.clone())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Discovers the provider (if not cached) and builds the authorization
    /// URL: code flow, scopes `openid email profile`, PKCE (S256), a fresh
    /// state and nonce.
    pub fn authorize(&self) -> Result<Authorization, ProviderError> {
        let client = self.client(self.metadata()?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and validates the ID
    /// token: signature against the provider's keys, issuer, audience (our
    /// client id), expiry, and the nonce of this sign-in.
    pub fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, ProviderError> {
        let metadata = self.metadata()?;
        let client = self.client(metadata.clone())?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request(&self.http())
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(answer) => {
                    ProviderError::CodeRefused(answer.error().to_string())
                }
                RequestTokenError::Parse(e, _) => {
                    ProviderError::InvalidToken(format!("token response: {e}"))
                }
                other => ProviderError::Unreachable(describe(&other)),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| ProviderError::InvalidToken("no ID token in the answer".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key we do not hold: the provider may have rotated. Fetch
                // its keys again, once, and try with those.
                let keys = CoreJsonWebKeySet::fetch(metadata.jwks_uri(), &self.http())
                    .map_err(|e| ProviderError::Unreachable(describe(&e)))?;
                let metadata = metadata.set_jwks(keys);
                self.remember(metadata.clone());
                let client = self.client(metadata)?;
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| ProviderError::InvalidToken(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(ProviderError::InvalidToken(e.to_string())),
        };
        let mut identity = identity(&claims);
        // Many providers put the email in the ID token; others (and
        // conforming ones, for the code flow) only at the UserInfo endpoint,
        // whose answer must be about the same subject. Without that
        // endpoint the refusal says what is missing.
        let incomplete = identity.email.is_none() || claims.email_verified().is_none();
        if incomplete
            && let Ok(request) = client.user_info(
                response.access_token().clone(),
                Some(claims.subject().clone()),
            )
        {
            let info: CoreUserInfoClaims = request.request(&self.http()).map_err(|e| match e {
                UserInfoError::Request(e) => ProviderError::Unreachable(describe(&e)),
                other => ProviderError::InvalidToken(format!("userinfo: {}", describe(&other))),
            })?;
            identity.email = info.email().map(|e| e.to_string());
            identity.email_verified = info.email_verified() == Some(true);
            if identity.name.is_none() {
                identity.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
            }
        }
        Ok(identity)
    }
}

fn identity(claims: &CoreIdTokenClaims) -> Identity {
    Identity {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
    }
}

/// An error with its causes, for the log.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
