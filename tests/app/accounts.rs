//! Sign-in, sessions, CSRF, throttling, people admin, invitations, resets.

use std::time::Duration;

use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use loopwright::auth::session::Claims;
use loopwright::db::schema::{audit_events, outbox_messages, sign_in_failures, users};
use loopwright::domain::Role;
use serde_json::json;

use crate::smtp::{SmtpServer, link_in, text_part};
use crate::support::{Browser, TestApp, TestDb, TestUser};

fn audit_count(app: &TestApp, action: &str) -> i64 {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn is_active(app: &TestApp, id: i64) -> bool {
    users::table
        .find(id)
        .select(users::active)
        .first(&mut app.conn())
        .unwrap()
}

#[test]
fn a_script_signs_in_and_sees_itself() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let me = script.get("/api/v1/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["email"], admin.email.as_str());
    assert_eq!(me.json()["user"]["role"], "admin");
    assert!(me.json()["user"].get("password_hash").is_none());

    let anonymous = app.browser().get("/api/v1/me");
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"]["code"], "unauthorized");
    assert_eq!(audit_count(&app, "sign_in.succeeded"), 1);
}

#[test]
fn pages_send_strangers_to_sign_in_and_back() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut browser = app.browser();
    let res = browser.get("/users?page=1");
    assert_eq!(res.status, 303);
    assert_eq!(
        res.header("location"),
        Some("/login?next=%2Fusers%3Fpage%3D1")
    );

    let login = browser.get("/login?next=%2Fusers%3Fpage%3D1");
    assert_eq!(login.status, 200);
    let csrf = crate::support::csrf_field(&login.body);
    let signed_in = browser.post_form(
        "/login",
        &[
            ("csrf_token", &csrf),
            ("email", &admin.email),
            ("password", &admin.password),
            ("next", "/users?page=1"),
        ],
    );
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.header("location"), Some("/users?page=1"));
    let cookie = signed_in.headers["set-cookie"]
        .iter()
        .find(|c| c.starts_with("lw_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let people = browser.get("/users?page=1");
    assert_eq!(people.status, 200);
    assert!(people.body.contains(&admin.email));
}

#[test]
fn next_never_leads_off_site() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut browser = app.browser();
    let res = browser.submit(
        "/login",
        "/login",
        &[
            ("email", &user.email),
            ("password", &user.password),
            ("next", "//evil.example/x"),
        ],
    );
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location"), Some("/candidates"));
}

#[test]
fn a_wrong_password_and_an_unknown_email_read_the_same() {
    let app = TestApp::spawn();
    let user = app.user(Role::Interviewer);
    let mut browser = app.browser();
    let wrong = browser.post_json(
        "/api/v1/auth/login",
        json!({"email": user.email, "password": "not the password"}),
    );
    let unknown = browser.post_json(
        "/api/v1/auth/login",
        json!({"email": "nobody@example.com", "password": "not the password"}),
    );
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.json()["error"], unknown.json()["error"]);

    let page = browser.submit(
        "/login",
        "/login",
        &[("email", &user.email), ("password", "nope nope nope")],
    );
    assert_eq!(page.status, 401);
    assert!(page.body.contains("The email or password is not right."));
    assert!(
        page.body.contains(&format!("value=\"{}\"", user.email)),
        "the email is kept"
    );
    assert!(!page.body.contains("nope nope nope"), "the password is not");
    assert_eq!(audit_count(&app, "sign_in.failed"), 3);
}

fn sign(claims: &Claims, alg: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims_for(user: &TestUser, exp_from_now: i64, ver: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user.id.to_string(),
        iat: now - 10,
        exp: now + exp_from_now,
        ver,
        csrf: "c".repeat(64),
    }
}

fn me_with(app: &TestApp, token: &str) -> u16 {
    let mut b = app.browser();
    b.bearer = Some(token.to_owned());
    b.get("/api/v1/me").status
}

#[test]
fn bad_tokens_are_refused() {
    let app = TestApp::spawn();
    let user = app.user(Role::Admin);
    let good = sign(&claims_for(&user, 600, 0), Algorithm::HS256, app.secret());
    assert_eq!(me_with(&app, &good), 200, "a well-made token works");

    let expired = sign(&claims_for(&user, -5, 0), Algorithm::HS256, app.secret());
    assert_eq!(me_with(&app, &expired), 401);

    let mut tampered = good.clone();
    let payload_at = tampered.find('.').unwrap() + 5;
    let flipped = if &tampered[payload_at..payload_at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(payload_at..payload_at + 1, flipped);
    assert_eq!(me_with(&app, &tampered), 401);

    let other_key = sign(
        &claims_for(&user, 600, 0),
        Algorithm::HS512,
        "some other key that is long enough to sign",
    );
    assert_eq!(me_with(&app, &other_key), 401);
    let hs512_same_key = sign(&claims_for(&user, 600, 0), Algorithm::HS512, app.secret());
    assert_eq!(
        me_with(&app, &hs512_same_key),
        401,
        "only HS256 is accepted"
    );

    let parts: Vec<&str> = good.split('.').collect();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    assert_eq!(me_with(&app, &format!("{none_header}.{}.", parts[1])), 401);

    let stale_version = sign(&claims_for(&user, 600, 7), Algorithm::HS256, app.secret());
    assert_eq!(
        me_with(&app, &stale_version),
        401,
        "a token of an older version is revoked"
    );
}

#[test]
fn signing_out_revokes_every_token_at_once() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut laptop = app.script(&user);
    let phone_token = app.script(&user).bearer.unwrap();
    assert_eq!(me_with(&app, &phone_token), 200);
    assert_eq!(
        laptop.post_json("/api/v1/auth/logout", json!({})).status,
        204
    );
    assert_eq!(laptop.get("/api/v1/me").status, 401);
    assert_eq!(me_with(&app, &phone_token), 401);

    // The page's sign-out button does the same for a browser.
    let mut browser = app.signed_in(&user);
    let res = browser.submit("/", "/logout", &[]);
    assert_eq!(res.status, 303);
    assert!(browser.cookie("lw_session").is_none());
    assert_eq!(audit_count(&app, "sign_out"), 2);
}

#[test]
fn a_deactivated_users_token_stops_working_at_once() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let victim = app.user(Role::Interviewer);
    let mut victim_script = app.script(&victim);
    let mut victim_browser = app.signed_in(&victim);
    assert_eq!(victim_script.get("/api/v1/me").status, 200);

    let mut admin_browser = app.signed_in(&admin);
    let res = admin_browser.submit(
        &format!("/users/{}", victim.id),
        &format!("/users/{}/active", victim.id),
        &[("active", "false")],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(!is_active(&app, victim.id));
    assert_eq!(victim_script.get("/api/v1/me").status, 401);
    assert_eq!(
        victim_browser.get("/").status,
        200,
        "public pages still show, signed out"
    );
    assert_eq!(victim_browser.get("/api/v1/me").status, 401);
    // And a deactivated person cannot sign in again.
    let again = app.browser().post_json(
        "/api/v1/auth/login",
        json!({"email": victim.email, "password": victim.password}),
    );
    assert_eq!(again.status, 401);
}

#[test]
fn a_role_change_revokes_tokens_too() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let person = app.user(Role::HiringManager);
    let person_token = app.script(&person).bearer.unwrap();
    let mut script = app.script(&admin);
    let res = script.patch_json(
        &format!("/api/v1/users/{}", person.id),
        json!({"role": "recruiter"}),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["user"]["role"], "recruiter");
    assert_eq!(me_with(&app, &person_token), 401);
    assert_eq!(audit_count(&app, "user.updated"), 1);
}

#[test]
fn the_last_admin_cannot_be_removed() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let res = script.patch_json(
        &format!("/api/v1/users/{}", admin.id),
        json!({"active": false}),
    );
    assert_eq!(res.status, 409);
    assert!(is_active(&app, admin.id));
}

#[test]
fn form_posts_without_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let other = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&admin);
    for fields in [
        vec![("active", "false")],
        vec![("active", "false"), ("csrf_token", "forged")],
    ] {
        let res = browser.post_form(&format!("/users/{}/active", other.id), &fields);
        assert_eq!(res.status, 403, "{}", res.body);
        assert!(res.body.contains("another site"));
    }
    assert!(is_active(&app, other.id));

    // A signed-out CSRF token does not pass for a signed-in form either.
    let mut stranger = app.browser();
    let stranger_token = crate::support::csrf_field(&stranger.get("/login").body);
    let res = browser.post_form(
        &format!("/users/{}/active", other.id),
        &[("active", "false"), ("csrf_token", &stranger_token)],
    );
    assert_eq!(res.status, 403);
    assert!(is_active(&app, other.id));
}

#[test]
fn cookie_authenticated_json_needs_the_csrf_header_and_bearer_does_not() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let other = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&admin);
    let path = format!("/api/v1/users/{}", other.id);
    let refused = browser.patch_json(&path, json!({"name": "Renamed"}));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["error"]["code"], "forbidden");

    let csrf = browser.get("/api/v1/me").json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.extra_headers.push(("X-CSRF-Token".into(), csrf));
    assert_eq!(
        browser.patch_json(&path, json!({"name": "Renamed"})).status,
        200
    );

    let mut script = app.script(&admin);
    assert_eq!(
        script
            .patch_json(&path, json!({"name": "Renamed again"}))
            .status,
        200
    );
}

#[test]
fn the_sixth_wrong_password_is_throttled_until_the_window_passes() {
    let app = TestApp::spawn();
    let user = app.user(Role::Recruiter);
    let mut browser = app.browser();
    let attempt = |b: &mut Browser, password: &str| {
        b.post_json(
            "/api/v1/auth/login",
            json!({"email": user.email, "password": password}),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt(&mut browser, "wrong password!").status, 401);
    }
    let sixth = attempt(&mut browser, "wrong password!");
    assert_eq!(sixth.status, 429);
    let retry: u64 = sixth.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert_eq!(
        attempt(&mut browser, &user.password).status,
        429,
        "even the right password waits"
    );

    // The form says so too, with Retry-After.
    let page = browser.submit(
        "/login",
        "/login",
        &[("email", &user.email), ("password", &user.password)],
    );
    assert_eq!(page.status, 429);
    assert!(page.header("retry-after").is_some());
    assert!(page.body.contains("Too many attempts"));

    // Fifteen minutes later (moved back in the database, which every process shares).
    diesel::update(sign_in_failures::table)
        .set(
            sign_in_failures::created_at
                .eq(loopwright::db::models::now() - chrono::Duration::minutes(16)),
        )
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(attempt(&mut browser, &user.password).status, 200);
}

fn smtp_app(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url))
}

#[test]
fn an_invitation_arrives_by_smtp_and_its_link_works_once() {
    let smtp = SmtpServer::start();
    let app = smtp_app(&smtp);
    let admin = app.user(Role::Admin);
    let mut admin_browser = app.signed_in(&admin);
    let res = admin_browser.submit(
        "/users",
        "/users/invitations",
        &[
            ("name", "Grace Hopper"),
            ("email", "grace@example.com"),
            ("role", "hiring_manager"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    let people = admin_browser.get("/users");
    assert!(
        people
            .body
            .contains("Invitation sent to grace@example.com.")
    );
    assert!(people.body.contains("Pending invitations"));

    let mail = smtp.wait_for(1).remove(0);
    assert_eq!(mail.to, ["grace@example.com"]);
    assert_eq!(mail.from, "loopwright@localhost");
    assert!(mail.data.contains("multipart/alternative"));
    assert!(mail.data.contains("text/html"));
    let text = text_part(&mail.data);
    assert!(
        text.contains("Grace Hopper") && text.contains("Hiring manager"),
        "{text}"
    );
    assert!(
        !text.contains("&amp;") && !text.contains("&lt;"),
        "text is not HTML-escaped"
    );
    let link = link_in(&text, "/invitations/");
    assert!(link.starts_with(&app.base));

    let mut grace = app.browser();
    let page = grace.get(&link);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("grace@example.com"));
    let weak = grace.submit(
        &link,
        &link,
        &[
            ("password", "grace@example.com"),
            ("password_confirm", "grace@example.com"),
        ],
    );
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("id=\"error-password\""));
    let done = grace.submit(
        &link,
        &link,
        &[
            ("password", "nanoseconds of wire"),
            ("password_confirm", "nanoseconds of wire"),
            ("time_zone", "Asia/Kathmandu"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let me = grace.get("/api/v1/me");
    assert_eq!(me.json()["user"]["role"], "hiring_manager");
    assert_eq!(
        me.json()["user"]["time_zone"],
        "Asia/Kathmandu",
        "the browser's zone, sent with the form"
    );

    let again = app.browser().get(&link);
    assert_eq!(again.status, 410);
    assert!(again.body.contains("already used"));
    assert_eq!(audit_count(&app, "invitation.created"), 1);
    assert_eq!(audit_count(&app, "invitation.accepted"), 1);
}

#[test]
fn with_smtp_down_an_email_waits_and_is_delivered_once_when_it_is_back() {
    let smtp = SmtpServer::start();
    let port = smtp.port;
    let app = smtp_app(&smtp);
    smtp.stop();

    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let res = script.post_json(
        "/api/v1/invitations",
        json!({"name": "Ada", "email": "ada@example.com", "role": "interviewer"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.json()["outbox_id"].as_i64().unwrap();

    let row = || -> (String, i64, Option<String>) {
        outbox_messages::table
            .find(id)
            .select((
                outbox_messages::status,
                outbox_messages::attempts,
                outbox_messages::last_error,
            ))
            .first(&mut app.conn())
            .unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while row().1 < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no attempts made: {:?}",
            row()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _, error) = row();
    assert_ne!(status, "sent");
    assert!(
        error.is_some_and(|e| !e.is_empty()),
        "the error is recorded"
    );

    let smtp = SmtpServer::start_on(port);
    let mails = smtp.wait_for(1);
    assert_eq!(mails[0].to, ["ada@example.com"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while row().0 != "sent" {
        assert!(std::time::Instant::now() < deadline, "{:?}", row());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
}

#[test]
fn without_smtp_emails_are_written_to_the_outbox_folder() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    assert_eq!(
        script
            .post_json(
                "/api/v1/invitations",
                json!({"name": "Ada", "email": "ada@example.com", "role": "recruiter"})
            )
            .status,
        201
    );
    let dir = app.data_dir().join("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).collect())
            .unwrap_or_default();
        if let Some(file) = files.first() {
            let eml = std::fs::read_to_string(file.path()).unwrap();
            assert!(
                eml.contains("To: \"Ada\" <ada@example.com>")
                    || eml.contains("To: Ada <ada@example.com>"),
                "{eml}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no .eml written");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn password_reset_by_email_does_not_reveal_who_has_an_account() {
    let smtp = SmtpServer::start();
    let app = smtp_app(&smtp);
    let user = app.user(Role::Interviewer);
    let mut browser = app.browser();
    let unknown = browser.post_json(
        "/api/v1/password-resets",
        json!({"email": "nobody@example.com"}),
    );
    let known = browser.post_json("/api/v1/password-resets", json!({"email": user.email}));
    assert_eq!((unknown.status, known.status), (202, 202));
    assert_eq!(unknown.body, known.body);

    let mail = smtp.wait_for(1).remove(0);
    assert_eq!(mail.to, [user.email.as_str()]);
    let link = link_in(&text_part(&mail.data), "/password-reset/");
    let done = browser.submit(
        &link,
        &link,
        &[
            ("password", "a brand new passphrase"),
            ("password_confirm", "a brand new passphrase"),
        ],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Password changed"));
    assert_eq!(browser.get(&link).status, 410);

    let old = app.browser().post_json(
        "/api/v1/auth/login",
        json!({"email": user.email, "password": user.password}),
    );
    assert_eq!(old.status, 401);
    let new = app.browser().post_json(
        "/api/v1/auth/login",
        json!({"email": user.email, "password": "a brand new passphrase"}),
    );
    assert_eq!(new.status, 200);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        smtp.messages().len(),
        1,
        "nothing was sent for the unknown address"
    );
}

#[test]
fn bad_json_gets_a_4xx_that_names_the_field() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);

    let malformed = script.post_raw("/api/v1/invitations", "application/json", "{\"name\": ");
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["error"]["code"], "bad_request");

    let missing = script.post_json("/api/v1/auth/login", json!({"email": "a@example.com"}));
    assert_eq!(missing.status, 422);
    assert!(missing.json()["error"]["fields"]["password"].is_string());

    let long_name = "x".repeat(101);
    let res = script.post_json(
        "/api/v1/invitations",
        json!({"name": long_name, "email": "not-an-email", "role": "interviewer"}),
    );
    assert_eq!(res.status, 422);
    let fields = &res.json()["error"]["fields"];
    assert!(fields["name"].as_str().unwrap().contains("100"));
    assert!(fields["email"].is_string());

    let wrong_type = script.patch_json(
        &format!("/api/v1/users/{}", admin.id),
        json!({"active": "yes"}),
    );
    assert_eq!(wrong_type.status, 422);
    assert!(
        wrong_type.json()["error"]["fields"]["active"].is_string(),
        "{}",
        wrong_type.body
    );

    let bad_role = script.post_json(
        "/api/v1/invitations",
        json!({"name": "A", "email": "a@example.com", "role": "owner"}),
    );
    assert_eq!(bad_role.status, 422);
    assert!(bad_role.json()["error"]["fields"]["role"].is_string());
}

#[test]
fn the_invite_form_shows_errors_next_to_fields_and_keeps_input() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut browser = app.signed_in(&admin);
    let res = browser.submit(
        "/users",
        "/users/invitations",
        &[
            ("name", "Ada <Lovelace>"),
            ("email", "ada@"),
            ("role", "interviewer"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("id=\"error-email\""));
    assert!(res.body.contains("error-summary"));
    assert!(res.body.contains("value=\"Ada &lt;Lovelace&gt;\""));
    assert!(res.body.contains("value=\"ada@\""));

    let taken = browser.submit(
        "/users",
        "/users/invitations",
        &[
            ("name", "Me Again"),
            ("email", &admin.email),
            ("role", "admin"),
        ],
    );
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("already has an account"));
}

#[test]
fn a_refused_change_to_a_person_comes_back_with_what_was_typed() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let person = app.user(Role::Interviewer);
    let mut browser = app.signed_in(&admin);
    let page = format!("/users/{}", person.id);
    assert_eq!(browser.get(&page).status, 200);

    let typed = [("name", "Renamed Person"), ("role", "emperor")];
    let bad = browser.submit(&page, &page, &typed);
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"error-role\""), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"Renamed Person\""),
        "{}",
        bad.body
    );
    assert!(bad.body.contains(&person.email), "the person's page");
    assert!(
        !browser.get(&page).body.contains("Renamed Person"),
        "nothing was saved"
    );

    // Someone who is not there: 404 whether the form is refused or not.
    for typed in [
        [("name", ""), ("role", "admin")],
        [("name", "Someone"), ("role", "admin")],
    ] {
        let res = browser.submit(&page, "/users/999999", &typed);
        assert_eq!(res.status, 404, "{typed:?}: {}", res.body);
    }
}

#[test]
fn an_unknown_link_and_a_mistyped_address_say_what_is_wrong() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    let reset = browser.get("/password-reset/not-a-token");
    assert_eq!(reset.status, 404, "{}", reset.body);
    assert!(reset.body.contains("This link cannot be used"));
    let invitation = browser.get("/invitations/not-a-token");
    assert_eq!(invitation.status, 404, "{}", invitation.body);
    assert!(
        invitation
            .body
            .contains("This invitation link is not valid")
    );

    let typo = browser.submit(
        "/password-reset",
        "/password-reset",
        &[("email", "nobody-at-example")],
    );
    assert_eq!(typo.status, 422, "{}", typo.body);
    assert!(typo.body.contains("id=\"error-email\""), "{}", typo.body);
    assert!(typo.body.contains("value=\"nobody-at-example\""));
}
