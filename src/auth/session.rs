//! Sessions as signed tokens (JWT, HS256).
//!
//! A token names the user and the user's token version; bumping the version
//! (sign-out, password change, role change, deactivation) revokes every token
//! at once. The `csrf` claim is the CSRF token of that session's forms.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::token;

pub const COOKIE: &str = "lw_session";
/// How long a sign-in lasts.
pub const LIFETIME_SECS: i64 = 12 * 60 * 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's token version when the token was issued.
    pub ver: i64,
    pub csrf: String,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl SessionKeys {
    pub fn new(secret: &str) -> Self {
        // Only HS256: tokens claiming `none` or any other algorithm are refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    pub fn issue(&self, user_id: i64, token_version: i64) -> anyhow::Result<(String, Claims)> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + LIFETIME_SECS,
            ver: token_version,
            csrf: token::generate(),
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((jwt, claims))
    }

    /// The claims of a well-signed, unexpired token; `None` for anything else.
    pub fn verify(&self, jwt: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(jwt, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a test secret that is long enough to use";

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let keys = SessionKeys::new(SECRET);
        let (jwt, claims) = keys.issue(7, 3).unwrap();
        assert_eq!(keys.verify(&jwt), Some(claims.clone()));
        assert_eq!(claims.user_id(), Some(7));

        let other = SessionKeys::new("another secret that is long enough too");
        assert!(other.verify(&jwt).is_none(), "signed with another key");

        let mut tampered = jwt.clone();
        tampered.insert(jwt.find('.').unwrap() + 3, 'x');
        assert!(keys.verify(&tampered).is_none());
    }

    #[test]
    fn expired_and_unsigned_tokens_are_refused() {
        let keys = SessionKeys::new(SECRET);
        let now = Utc::now().timestamp();
        let expired = Claims {
            sub: "1".into(),
            iat: now - 100,
            exp: now - 1,
            ver: 0,
            csrf: "x".into(),
        };
        let jwt = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &expired,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(keys.verify(&jwt).is_none());

        let live = Claims {
            exp: now + 100,
            ..expired
        };
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &live,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(keys.verify(&hs512).is_none(), "HS512 is not accepted");

        // alg: none, no signature.
        let b64 = |s: &str| {
            use std::fmt::Write;
            // base64url without padding, by hand to avoid a dependency in a test
            const T: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let bytes = s.as_bytes();
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
                let chars = chunk.len() + 1;
                for i in 0..chars {
                    let _ = write!(out, "{}", T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&serde_json::to_string(&live).unwrap())
        );
        assert!(keys.verify(&none).is_none(), "alg none is not accepted");
    }
}
