//! Sign-in hardening: where `next` may lead, throttling across accounts and
//! addresses, password-reset limits, the outbox lease, and response headers.

use loopwright::domain::Role;

use crate::support::TestApp;

/// Hostile `next` values and where each must lead a recruiter (home is
/// `/candidates`). Values are as the server reads them (already decoded).
const NEXT_TABLE: &[(&str, &str)] = &[
    ("/\t/evil.example", "/candidates"),
    ("/\n/evil.example", "/candidates"),
    ("/\r\nSet-Cookie: x=1", "/candidates"),
    ("\t//evil.example", "/candidates"),
    ("/\\evil.example", "/candidates"),
    ("\\\\evil.example", "/candidates"),
    ("//evil.example", "/candidates"),
    ("///evil.example", "/candidates"),
    ("https://evil.example/", "/candidates"),
    ("javascript:alert(1)", "/candidates"),
    ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
    ("/ok?x=1", "/ok?x=1"),
];

fn query(next: &str) -> String {
    serde_urlencoded::to_string([("next", next)]).unwrap()
}

#[test]
fn next_leads_only_to_paths_on_this_site_after_the_sign_in_form() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    for (next, expected) in NEXT_TABLE {
        let mut browser = app.browser();
        let res = browser.submit(
            "/login",
            "/login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("next", next),
            ],
        );
        assert_eq!(res.status, 303, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), Some(*expected), "{next:?}");
    }
}

#[test]
fn next_leads_only_to_paths_on_this_site_when_already_signed_in() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut browser = app.signed_in(&user);
    for (next, expected) in NEXT_TABLE {
        let res = browser.get(&format!("/login?{}", query(next)));
        assert_eq!(res.status, 303, "{next:?}: {}", res.body);
        assert_eq!(res.header("location"), Some(*expected), "{next:?}");
    }
    // Exactly as a link would carry them.
    for raw in [
        "/%09/evil.com",
        "/%0a/evil.com",
        "%2F%2Fevil.com",
        "/%5Cevil.com",
    ] {
        let res = browser.get(&format!("/login?next={raw}"));
        assert_eq!(res.status, 303, "{raw}: {}", res.body);
        assert_eq!(res.header("location"), Some("/candidates"), "{raw}");
    }
    let own = format!("{}/jobs?x=1", app.base);
    let res = browser.get(&format!("/login?{}", query(&own)));
    assert_eq!(res.header("location"), Some("/jobs?x=1"));
}

