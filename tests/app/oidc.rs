//! Single sign-on against a real OpenID provider on loopback: the
//! `oidc-provider` package from npm, run by Node.js from tests/oidc/provider.mjs
//! (installed into target/oidc-provider; see docs/sso.md, "Tests").
//! Without Node.js or the package these tests say they were skipped, unless
//! `LOOPWRIGHT_OIDC_TESTS` is set (as `.ci/run` does): then they fail.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use loopwright::config::{OidcSettings, SignInSettings};
use loopwright::db::schema::{audit_events, sso_identities, users};
use loopwright::domain::Role;
use serde_json::json;

use crate::support::{Browser, TestApp, TestDb, TestResponse};

const REQUIRED_VAR: &str = "LOOPWRIGHT_OIDC_TESTS";
const CLIENT_ID: &str = "loopwright";
const CLIENT_SECRET: &str = "a client secret for the loopback provider";
const ALLOWED_DOMAIN: &str = "acme.example";

fn install_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/oidc-provider")
}

/// Why the provider cannot run here, if it cannot.
fn missing_tooling() -> Option<String> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    WHY.get_or_init(|| {
        let node = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !node {
            return Some("Node.js (`node`) is not installed".into());
        }
        let package = install_dir().join("node_modules/oidc-provider/package.json");
        if !package.is_file() {
            return Some(format!("{} is missing", package.display()));
        }
        None
    })
    .clone()
}

/// The provider's tooling, or `false` (said once) when these tests are skipped.
fn provider_available() -> bool {
    static SAID: OnceLock<()> = OnceLock::new();
    match missing_tooling() {
        None => true,
        Some(why) if std::env::var_os(REQUIRED_VAR).is_some() => {
            panic!("{REQUIRED_VAR} is set but the OpenID provider cannot run: {why}")
        }
        Some(why) => {
            SAID.get_or_init(|| {
                let note = format!(
                    "\nsingle sign-on tests skipped: {why}.\n\
                     To run them: npm ci --prefix target/oidc-provider after copying \
                     tests/oidc/package*.json there (see docs/sso.md, \"Tests\").\n\n"
                );
                let _ = std::io::stderr().write_all(note.as_bytes());
            });
            false
        }
    }
}

/// The OpenID provider, running until dropped.
struct Provider {
    child: Child,
    issuer: String,
    agent: ureq::Agent,
    script: PathBuf,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.script);
    }
}

impl Provider {
    fn start() -> Self {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = install_dir();
        // A copy of its own: tests run side by side, and a copy being
        // rewritten reads as empty to a provider starting from it.
        let script = format!(
            "provider-{}-{}.mjs",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        );
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs"),
            dir.join(&script),
        )
        .unwrap();
        let mut child = Command::new("node")
            .arg(&script)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            // What went wrong at the provider, for whoever debugs a failure.
            .stderr(
                std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(dir.join("provider.log"))
                    .map_or_else(|_| Stdio::null(), Stdio::from),
            )
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        // Kept open (and drained) while the provider runs: a closed pipe
        // would end it at its next write.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let started: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider did not start ({e}): {line:?}"));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            child,
            issuer: started["issuer"].as_str().unwrap().to_owned(),
            agent,
            script: dir.join(script),
        }
    }

    fn control(&self, path: &str, body: serde_json::Value) {
        let res = self
            .agent
            .post(format!("{}{path}", self.issuer))
            .send_json(body)
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }

    /// Registers Loopwright as a confidential client of this provider,
    /// which keeps the email to UserInfo (as conforming providers do).
    fn register(&self, app_base: &str) {
        self.register_with(app_base, false);
    }

    /// Registers Loopwright; with `claims_in_id_token` the ID token carries
    /// the email too.
    fn register_with(&self, app_base: &str, claims_in_id_token: bool) {
        self.control(
            "/test/clients",
            json!({"clients": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [format!("{app_base}/auth/oidc/callback")],
            }], "claims_in_id_token": claims_in_id_token}),
        );
    }

    /// The next ID token comes back changed: `{"audience": ..}`,
    /// `{"expired": true}` or `{"foreign_key": true}`.
    fn tamper_next_token(&self, how: serde_json::Value) {
        self.control("/test/tamper", how);
    }

    /// A new signing key signs from now on; the old one stays published.
    fn rotate_keys(&self) {
        self.control("/test/rotate", json!({}));
    }
}

fn settings(issuer: &str) -> OidcSettings {
    OidcSettings {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        name: "Acme ID".into(),
        domains: vec![ALLOWED_DOMAIN.into()],
        role: Role::Interviewer,
        invited_only: false,
    }
}

/// An app that signs in through `provider`, with `adjust` applied to its settings.
fn app_with(provider: &Provider, adjust: impl FnOnce(&mut SignInSettings)) -> TestApp {
    let mut sign_in = SignInSettings {
        password: true,
        oidc: Some(settings(&provider.issuer)),
    };
    adjust(&mut sign_in);
    let app = TestApp::spawn_with(TestDb::new(), |c| c.sign_in = sign_in);
    provider.register(&app.base);
    app
}

/// Someone at the provider's login page.
struct Person<'a> {
    sub: &'a str,
    email: &'a str,
    verified: bool,
}

fn person<'a>(sub: &'a str, email: &'a str) -> Person<'a> {
    Person {
        sub,
        email,
        verified: true,
    }
}

fn location(res: &TestResponse) -> String {
    assert_eq!(res.status, 303, "expected a redirect: {}", res.body);
    res.header("location").unwrap().to_owned()
}

/// Starts a sign-in in `browser` and goes through the provider as `who`;
/// returns the URL the provider sends the browser back to (not yet visited).
fn through_provider(browser: &mut Browser, provider: &Provider, who: &Person) -> String {
    let mut next = location(&browser.get("/auth/oidc/start"));
    assert!(
        next.starts_with(&provider.issuer),
        "to the provider: {next}"
    );
    let absolute = |l: String| {
        if l.starts_with('/') {
            format!("{}{l}", provider.issuer)
        } else {
            l
        }
    };
    let verified = if who.verified { "true" } else { "false" };
    for _ in 0..8 {
        if next.contains("/auth/oidc/callback") {
            return next;
        }
        next = if next.contains("/interaction/") {
            // The provider's login page, where the person says who they are.
            absolute(location(&browser.post_form(
                &format!("{next}/login"),
                &[
                    ("sub", who.sub),
                    ("email", who.email),
                    ("email_verified", verified),
                    ("name", "Ada Lovelace"),
                ],
            )))
        } else {
            absolute(location(&browser.get(&next)))
        };
    }
    panic!("the provider never sent the browser back: {next}");
}

/// A whole sign-in: the app's answer to the callback.
fn sign_in(browser: &mut Browser, provider: &Provider, who: &Person) -> TestResponse {
    let callback = through_provider(browser, provider, who);
    browser.get(&callback)
}

fn me(browser: &mut Browser) -> serde_json::Value {
    let res = browser.get("/api/v1/me");
    assert_eq!(res.status, 200, "{}", res.body);
    res.json()["user"].clone()
}

fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    audit_events::table
        .order(audit_events::id)
        .select((audit_events::action, audit_events::details))
        .load(&mut app.conn())
        .unwrap()
}

fn refusals(app: &TestApp) -> Vec<String> {
    audit_actions(app)
        .into_iter()
        .filter(|(a, _)| a == "sso.refused")
        .map(|(_, d)| serde_json::from_str::<serde_json::Value>(&d).unwrap()["reason"].to_string())
        .collect()
}

fn user_count(app: &TestApp) -> i64 {
    users::table.count().get_result(&mut app.conn()).unwrap()
}

/// A refusal page: its status, what it says, and nobody signed in.
fn assert_refused(browser: &Browser, res: &TestResponse, status: u16, says: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    assert!(
        res.body.contains(says),
        "the page says {says:?}: {}",
        res.body
    );
    assert!(
        res.body.contains("href=\"/login\""),
        "a way back to sign-in"
    );
    assert!(
        browser.cookie("lw_session").is_none(),
        "nobody is signed in"
    );
}

#[test]
fn a_new_person_of_an_allowed_domain_gets_an_account_on_first_sign_in() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let page = browser.get("/login");
    assert!(page.body.contains("Sign in with Acme ID"), "{}", page.body);
    assert!(page.body.contains("name=\"password\""), "passwords stay on");

    let users_before = user_count(&app);
    let res = sign_in(
        &mut browser,
        &provider,
        &person("ada-1", "Ada@Acme.Example"),
    );
    assert_eq!(location(&res), "/interviews", "an interviewer's home");
    assert!(browser.cookie("lw_session").is_some());
    let user = me(&mut browser);
    assert_eq!(user["email"], "ada@acme.example");
    assert_eq!(user["name"], "Ada Lovelace", "the provider's name for them");
    assert_eq!(user["role"], "interviewer", "the configured role");
    assert_eq!(user_count(&app), users_before + 1);
    let actions: Vec<String> = audit_actions(&app).into_iter().map(|(a, _)| a).collect();
    for expected in ["user.created", "sso.linked", "sso.sign_in"] {
        assert!(
            actions.contains(&expected.to_owned()),
            "{expected} in {actions:?}"
        );
    }

    // The next sign-in finds the same account through the linked identity.
    let mut again = app.browser();
    let res = sign_in(&mut again, &provider, &person("ada-1", "ada@acme.example"));
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(me(&mut again)["id"], user["id"]);
    assert_eq!(user_count(&app), users_before + 1, "no second account");

    // Sessions are the usual ones: signing out revokes them everywhere.
    let csrf = crate::support::csrf_field(&browser.get("/").body);
    assert_eq!(
        browser
            .post_form("/logout", &[("csrf_token", csrf.as_str())])
            .status,
        303
    );
    assert_eq!(again.get("/api/v1/me").status, 401, "signed out everywhere");
}

#[test]
fn an_existing_account_is_linked_by_verified_email_and_keeps_its_role() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    // This time the email comes in the ID token itself.
    provider.register_with(&app.base, true);
    // Not of the allowed domain, and a role above the configured one.
    let manager = app.user(Role::HiringManager);
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("grace-7", &manager.email.to_uppercase()),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let user = me(&mut browser);
    assert_eq!(user["id"], manager.id);
    assert_eq!(
        user["role"], "hiring_manager",
        "the provider never changes a role"
    );
    let linked: Vec<(String, String, i64)> = sso_identities::table
        .select((
            sso_identities::issuer,
            sso_identities::subject,
            sso_identities::user_id,
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        linked,
        [(provider.issuer.clone(), "grace-7".to_owned(), manager.id)]
    );
    let link = audit_actions(&app)
        .into_iter()
        .find(|(a, _)| a == "sso.linked")
        .expect("the link is audited");
    assert!(link.1.contains("existing account"), "{}", link.1);
    // The password still works alongside.
    app.signed_in(&manager);

    // Someone else at the provider claiming the same address later is
    // refused: the account is already linked to grace-7.
    let mut other = app.browser();
    let res = sign_in(&mut other, &provider, &person("impostor", &manager.email));
    assert_refused(&other, &res, 403, "already linked");
}

#[test]
fn a_callback_with_a_state_this_browser_did_not_start_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let callback = through_provider(
        &mut browser,
        &provider,
        &person("ada-2", "ada2@acme.example"),
    );
    let state = callback
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let forged = callback.replace(state, "not-the-state-we-sent");
    let res = browser.get(&forged);
    assert_refused(&browser, &res, 400, "This sign-in has expired");

    // The real state in a browser that did not start the sign-in (someone
    // luring another person into their own sign-in) is refused too.
    let mut other = app.browser();
    let callback = through_provider(
        &mut browser,
        &provider,
        &person("ada-2", "ada2@acme.example"),
    );
    let res = other.get(&callback);
    assert_refused(&other, &res, 400, "This sign-in has expired");
    assert_eq!(refusals(&app), ["\"unknown_state\"", "\"unknown_state\""]);
}

#[test]
fn an_answer_naming_another_issuer_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let callback = through_provider(
        &mut browser,
        &provider,
        &person("ada-11", "ada11@acme.example"),
    );
    assert!(
        callback.contains("iss="),
        "the provider names itself: {callback}"
    );
    let (before, _) = callback.split_once("iss=").unwrap();
    let res = browser.get(&format!("{before}iss=https%3A%2F%2Fevil.example"));
    assert_refused(&browser, &res, 401, "could not be verified");
}

#[test]
fn a_code_and_state_work_once() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let callback = through_provider(
        &mut browser,
        &provider,
        &person("ada-3", "ada3@acme.example"),
    );
    let flow_cookie = browser.cookie("lw_sso").unwrap().to_owned();
    assert_eq!(browser.get(&callback).status, 303);

    // The same answer again, even from a browser holding the sign-in's cookie.
    let mut replay = app.browser();
    replay
        .extra_headers
        .push(("Cookie".into(), format!("lw_sso={flow_cookie}")));
    let res = replay.get(&callback);
    assert_refused(&replay, &res, 400, "already used");
    let sign_ins = audit_actions(&app)
        .into_iter()
        .filter(|(a, _)| a == "sso.sign_in")
        .count();
    assert_eq!(sign_ins, 1);
}

#[test]
fn an_id_token_for_another_audience_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    provider.tamper_next_token(json!({"audience": "some-other-app"}));
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("ada-4", "ada4@acme.example"),
    );
    assert_refused(&browser, &res, 401, "could not be verified");
    assert_eq!(refusals(&app), ["\"invalid_token\""]);
    assert_eq!(
        sso_identities::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
}

#[test]
fn an_expired_id_token_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    provider.tamper_next_token(json!({"expired": true}));
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("ada-5", "ada5@acme.example"),
    );
    assert_refused(&browser, &res, 401, "could not be verified");
}

#[test]
fn a_rotated_signing_key_is_fetched_and_a_key_never_published_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let ada = person("ada-6", "ada6@acme.example");
    let mut browser = app.browser();
    assert_eq!(sign_in(&mut browser, &provider, &ada).status, 303);

    // The app holds the first key set; the provider now signs with a new key.
    provider.rotate_keys();
    provider.register(&app.base);
    let mut browser = app.browser();
    let res = sign_in(&mut browser, &provider, &ada);
    assert_eq!(res.status, 303, "the new key is fetched: {}", res.body);

    // A token signed by a key the provider never published stays refused.
    provider.tamper_next_token(json!({"foreign_key": true}));
    let mut browser = app.browser();
    let res = sign_in(&mut browser, &provider, &ada);
    assert_refused(&browser, &res, 401, "could not be verified");
}

#[test]
fn an_unverified_email_is_refused() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    // Even the address of an existing account: unverified, it proves nothing.
    let admin = app.user(Role::Admin);
    let users_before = user_count(&app);
    for email in ["eve@acme.example", admin.email.as_str()] {
        let mut browser = app.browser();
        let res = sign_in(
            &mut browser,
            &provider,
            &Person {
                sub: "eve",
                email,
                verified: false,
            },
        );
        assert_refused(&browser, &res, 403, "not verified");
    }
    assert_eq!(user_count(&app), users_before);
    assert_eq!(
        refusals(&app),
        ["\"email_not_verified\"", "\"email_not_verified\""]
    );
}

#[test]
fn a_domain_not_allowed_is_refused_unless_invited() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let users_before = user_count(&app);
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("mallory", "mallory@elsewhere.example"),
    );
    assert_refused(&browser, &res, 403, "elsewhere.example");
    assert!(res.body.contains("not allowed"));
    assert_eq!(user_count(&app), users_before);

    // An invitation lets them in, with the invitation's role.
    let admin = app.user(Role::Admin);
    let res = app.script(&admin).post_json(
        "/api/v1/invitations",
        json!({"email": "mallory@elsewhere.example", "name": "Mallory M", "role": "recruiter"}),
    );
    assert!(res.status < 300, "{}", res.body);
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("mallory", "mallory@elsewhere.example"),
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let user = me(&mut browser);
    assert_eq!(
        (user["role"].as_str(), user["name"].as_str()),
        (Some("recruiter"), Some("Mallory M"))
    );
}

#[test]
fn with_invitations_required_an_allowed_domain_is_not_enough() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |s| {
        if let Some(oidc) = s.oidc.as_mut() {
            oidc.invited_only = true;
        }
    });
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("ada-8", "ada8@acme.example"),
    );
    assert_refused(&browser, &res, 403, "not been invited");
    assert_eq!(refusals(&app), ["\"not_invited\""]);
}

#[test]
fn a_deactivated_person_is_refused_linked_or_not() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let recruiter = app.user(Role::Recruiter);
    let mut browser = app.browser();
    let grace = person("grace-9", &recruiter.email);
    assert_eq!(sign_in(&mut browser, &provider, &grace).status, 303);
    let deactivate = |id: i64| {
        diesel::update(users::table.find(id))
            .set(users::active.eq(false))
            .execute(&mut app.conn())
            .unwrap();
    };
    deactivate(recruiter.id);
    let mut browser = app.browser();
    let res = sign_in(&mut browser, &provider, &grace);
    assert_refused(&browser, &res, 403, "deactivated");

    // Not yet linked: refused the same way, and not linked.
    let interviewer = app.user(Role::Interviewer);
    deactivate(interviewer.id);
    let mut browser = app.browser();
    let res = sign_in(
        &mut browser,
        &provider,
        &person("lin-9", &interviewer.email),
    );
    assert_refused(&browser, &res, 403, "deactivated");
    let linked: i64 = sso_identities::table
        .filter(sso_identities::user_id.eq(interviewer.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(linked, 0);
    assert_eq!(refusals(&app), ["\"deactivated\"", "\"deactivated\""]);
}

#[test]
fn a_provider_that_is_down_gets_a_clear_page() {
    // Needs no provider tooling: nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn_with(TestDb::new(), |c| {
        c.sign_in = SignInSettings {
            password: true,
            oidc: Some(settings(&format!("http://{closed}"))),
        };
    });
    let mut browser = app.browser();
    let res = browser.get("/auth/oidc/start");
    assert_refused(&browser, &res, 503, "could not reach Acme ID");
    assert_eq!(refusals(&app), ["\"provider_unreachable\""]);

    // Down between the start and the return: the code cannot be exchanged.
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let callback = through_provider(
        &mut browser,
        &provider,
        &person("ada-10", "ada10@acme.example"),
    );
    drop(provider);
    let res = browser.get(&callback);
    assert_refused(&browser, &res, 503, "could not reach Acme ID");
}

#[test]
fn password_sign_in_can_be_turned_off() {
    let closed = "http://127.0.0.1:9";
    let app = TestApp::spawn_with(TestDb::new(), |c| {
        c.sign_in = SignInSettings {
            password: false,
            oidc: Some(OidcSettings {
                name: "<b>Acme</b> ID".into(),
                ..settings(closed)
            }),
        };
    });
    let user = app.user(Role::Admin);
    let mut browser = app.browser();
    let page = browser.get("/login");
    assert!(!page.body.contains("name=\"password\""), "no password form");
    assert!(
        page.body
            .contains("Sign in with &lt;b&gt;Acme&lt;/b&gt; ID"),
        "the name is escaped: {}",
        page.body
    );
    // A well-formed post (with a CSRF token) is refused all the same.
    let res = browser.submit(
        "/password-reset",
        "/login",
        &[("email", &user.email), ("password", &user.password)],
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(res.body.contains("Password sign-in is turned off"));
    let res = browser.post_json(
        "/api/v1/auth/login",
        json!({"email": user.email, "password": user.password}),
    );
    assert_eq!(res.status, 403, "{}", res.body);
    assert!(browser.cookie("lw_session").is_none());
}

#[test]
fn without_single_sign_on_its_routes_do_not_exist() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    assert!(!browser.get("/login").body.contains("Sign in with"));
    assert_eq!(browser.get("/auth/oidc/start").status, 404);
    assert_eq!(
        browser.get("/auth/oidc/callback?code=x&state=y").status,
        404
    );
}

#[test]
fn what_the_provider_says_on_refusing_is_shown_escaped() {
    if !provider_available() {
        return;
    }
    let provider = Provider::start();
    let app = app_with(&provider, |_| {});
    let mut browser = app.browser();
    let to_provider = location(&browser.get("/auth/oidc/start"));
    let state = to_provider
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let res = browser.get(&format!(
        "/auth/oidc/callback?state={state}&error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    ));
    assert_refused(
        &browser,
        &res,
        400,
        "(&lt;script&gt;alert(1)&lt;/script&gt;)",
    );
    assert!(!res.body.contains("<script>alert"));
}
