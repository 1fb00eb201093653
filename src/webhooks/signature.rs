//! The signature on every delivery: `Loopwright-Signature: t=<unix
//! seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
//! webhook's secret. The timestamp is inside the signed text, so a receiver
//! that refuses old timestamps refuses replays too (docs/webhooks.md).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Loopwright-Signature";

/// What every webhook secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: the prefix and 64 hex characters (32 random bytes).
pub fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", crate::auth::token::generate())
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn digest(secret: &str, timestamp: i64, body: &str) -> String {
    // An HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    crate::auth::token::hex(&mac.finalize().into_bytes())
}

/// The header's value for `body` sent at `timestamp` (unix seconds).
pub fn header_value(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", digest(secret, timestamp, body))
}

/// Whether `header` signs `body` under `secret`, with a timestamp no
/// further than `tolerance_secs` from `now` (unix seconds). What a receiver
/// does; the tests use it too.
pub fn verify(secret: &str, header: &str, body: &str, now: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return false;
    };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let expected = digest(secret, t, body);
    signatures
        .iter()
        .any(|s| crate::auth::token::constant_time_eq(s, &expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_answer_holds() {
        // python3: hmac.new(b'whsec_test', b'1700000000.{"a":1}', 'sha256')
        assert_eq!(
            digest("whsec_test", 1_700_000_000, "{\"a\":1}"),
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn a_signature_verifies_and_a_changed_body_or_old_timestamp_does_not() {
        let header = header_value("whsec_k", 1_000, "{\"event\":\"x\"}");
        assert!(header.starts_with("t=1000,v1="));
        assert!(verify("whsec_k", &header, "{\"event\":\"x\"}", 1_010, 300));
        assert!(!verify("whsec_k", &header, "{\"event\":\"y\"}", 1_010, 300));
        assert!(!verify(
            "whsec_other",
            &header,
            "{\"event\":\"x\"}",
            1_010,
            300
        ));
        assert!(!verify("whsec_k", &header, "{\"event\":\"x\"}", 2_000, 300));
        assert!(!verify("whsec_k", "v1=abc", "{}", 1_000, 300));
    }
}
