use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Invalid;

/// What a person may do; the table in DESIGN.md ("Who may do what").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    Admin,
    HiringManager,
    Recruiter,
    Interviewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::HiringManager,
        Role::Recruiter,
        Role::Interviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::HiringManager => "hiring_manager",
            Role::Recruiter => "recruiter",
            Role::Interviewer => "interviewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::HiringManager => "Hiring manager",
            Role::Recruiter => "Recruiter",
            Role::Interviewer => "Interviewer",
        }
    }

    /// Where a person lands after signing in: what they came to do.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Admin => "/users",
            Role::HiringManager => "/jobs",
            Role::Recruiter => "/candidates",
            Role::Interviewer => "/interviews",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "unknown role {s:?}; expected one of admin, hiring_manager, recruiter, interviewer"
                ))
            })
    }
}

crate::db::enums::stored_as_text!(Role);

/// An email address, trimmed and lower-cased so that one person is one
/// account. An internationalised domain is kept in its Unicode form for people
/// to read and sent as punycode ([`EmailAddress::ascii`], RFC 5891); the part
/// before the `@` must be ASCII, since delivering to anything else needs
/// SMTPUTF8 (RFC 6531), which relays cannot be relied on to offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(Invalid::new("Enter an email address."));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new("An email address has at most 254 characters."));
        }
        let bad = || Invalid::new("Enter an email address like name@example.com.");
        let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
        let allowed =
            |c: char| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\".contains(c);
        if local.is_empty()
            || domain.is_empty()
            || local.contains('@')
            || !value.chars().all(allowed)
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        if !local.is_ascii() {
            return Err(Invalid::new(
                "Use an address with only plain letters, digits and . _ + - before the @: \
                 mail to other addresses cannot be delivered.",
            ));
        }
        let ascii = idna::domain_to_ascii(domain).map_err(|_| bad())?;
        let (domain, checked) = idna::domain_to_unicode(&ascii);
        checked.map_err(|_| bad())?;
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as mail servers take it: the domain in punycode.
    pub fn ascii(&self) -> String {
        Self::ascii_of(&self.0)
    }

    /// [`EmailAddress::ascii`] of an address stored earlier; one that no
    /// longer parses is returned as it is, for the mail server to refuse.
    pub fn ascii_of(stored: &str) -> String {
        match stored.rsplit_once('@') {
            Some((local, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
                Ok(domain) => format!("{local}@{domain}"),
                Err(_) => stored.to_owned(),
            },
            _ => stored.to_owned(),
        }
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name: trimmed, 1 to 100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Invalid::new("Enter a name."));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new("A name has at most 100 characters."));
        }
        if value.chars().any(char::is_control) {
            return Err(Invalid::new("A name is one line of text."));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password someone chose, checked against the password rules.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 12;
    pub const MAX_LEN: usize = 1024;

    pub fn parse(raw: &str, email: Option<&EmailAddress>) -> Result<Self, Invalid> {
        let length = raw.chars().count();
        if length < Self::MIN_LEN {
            return Err(Invalid::new("Use at least 12 characters."));
        }
        if length > Self::MAX_LEN {
            return Err(Invalid::new("Use at most 1024 characters."));
        }
        if email.is_some_and(|e| raw.trim().eq_ignore_ascii_case(e.as_str())) {
            return Err(Invalid::new("Your password cannot be your email address."));
        }
        if is_common(raw) {
            return Err(Invalid::new(
                "That password is too common; choose a less predictable one.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A short list of the most guessed long passwords (those of 12+ characters).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    let candidate = password.trim().to_lowercase();
    COMMON_PASSWORDS.lines().any(|line| line == candidate)
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@example.com",
            "ada@@x.io",
            "ada@x..io",
            "a\r\nb@x.io",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(EmailAddress::parse(&format!("{}@x.io", "a".repeat(250))).is_err());
    }

    #[test]
    fn international_domains_are_sent_as_punycode() {
        let ada = EmailAddress::parse("Ada@Bücher.Example").unwrap();
        assert_eq!(ada.as_str(), "ada@bücher.example");
        assert_eq!(ada.ascii(), "ada@xn--bcher-kva.example");
        // Typed in punycode, it is the same person.
        assert_eq!(
            EmailAddress::parse("ada@xn--bcher-kva.example").unwrap(),
            ada
        );
        assert_eq!(EmailAddress::ascii_of("ada@example.com"), "ada@example.com");
        // A non-ASCII local part cannot be delivered without SMTPUTF8.
        let refused = EmailAddress::parse("zoë@example.com").unwrap_err();
        assert!(refused.0.contains("before the @"), "{}", refused.0);
        // Not a domain name at all.
        assert!(EmailAddress::parse("ada@xn--.example").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse("Ada\nBcc: x").is_err());
    }

    #[test]
    fn passwords_follow_the_rules() {
        let email = EmailAddress::parse("ada.lovelace@example.com").unwrap();
        assert!(NewPassword::parse("short", None).is_err());
        assert!(NewPassword::parse("ada.lovelace@example.com", Some(&email)).is_err());
        assert!(NewPassword::parse("correct horse battery", Some(&email)).is_ok());
        assert!(NewPassword::parse("Password1234", None).is_err());
        assert!(NewPassword::parse("correct horse battery staple", None).is_err());
        assert_eq!(
            format!(
                "{:?}",
                NewPassword::parse("correct horse battery", None).unwrap()
            ),
            "NewPassword(***)"
        );
    }
}
