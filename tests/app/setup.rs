use diesel::prelude::*;
use loopwright::db::schema::{audit_events, users};

use crate::support::{TestApp, csrf_field};

fn path_of(link: &str) -> String {
    let start = link.find("/setup/").unwrap();
    link[start..].to_owned()
}

fn user_rows(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    users::table
        .select((users::email, users::name, users::role, users::password_hash))
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn setup_link_creates_the_first_admin_once() {
    let app = TestApp::spawn();
    let link = app
        .setup_link
        .clone()
        .expect("no users: a setup link is issued");
    assert!(link.starts_with(&app.base));
    let path = path_of(&link);
    let mut browser = app.browser();

    let form = browser.get(&path);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Create the first administrator"));
    let csrf = csrf_field(&form.body);
    assert_eq!(
        browser.cookie("lw_csrf"),
        Some(csrf.as_str()),
        "the form's token is the cookie's"
    );

    let done = browser.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Ada Lovelace"),
            ("email", " Ada@Example.com "),
            ("password", "analytical engine 1843"),
            ("password_confirm", "analytical engine 1843"),
        ],
    );
    assert_eq!(done.status, 201, "{}", done.body);
    assert!(done.body.contains("Ada Lovelace"));

    let rows = user_rows(&app);
    assert_eq!(rows.len(), 1);
    let (email, name, role, hash) = &rows[0];
    assert_eq!(
        (email.as_str(), name.as_str(), role.as_str()),
        ("ada@example.com", "Ada Lovelace", "admin")
    );
    let hash = hash.as_deref().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!hash.contains("analytical"));
    assert!(loopwright::auth::password::verify(
        hash,
        "analytical engine 1843"
    ));

    let audited: i64 = audit_events::table
        .filter(audit_events::action.eq("user.created"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audited, 1);

    // The link is dead now, for viewing and for posting.
    let again = browser.get(&path);
    assert_eq!(again.status, 410);
    assert!(again.body.contains("cannot be used"));
    let second = browser.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Mallory"),
            ("email", "mallory@example.com"),
            ("password", "another long password"),
            ("password_confirm", "another long password"),
        ],
    );
    assert_eq!(second.status, 410);
    assert_eq!(user_rows(&app).len(), 1);
}

#[test]
fn a_restart_with_an_admin_issues_no_new_link() {
    let app = TestApp::spawn();
    let path = path_of(app.setup_link.as_deref().unwrap());
    let mut browser = app.browser();
    let csrf = csrf_field(&browser.get(&path).body);
    let done = browser.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "analytical engine 1843"),
            ("password_confirm", "analytical engine 1843"),
        ],
    );
    assert_eq!(done.status, 201);
    let db = app.stop();
    let restarted = TestApp::spawn_on(db);
    assert!(restarted.setup_link.is_none());
}

#[test]
fn a_restart_without_users_replaces_the_old_link() {
    let app = TestApp::spawn();
    let old = path_of(app.setup_link.as_deref().unwrap());
    let db = app.stop();
    let restarted = TestApp::spawn_on(db);
    let new = path_of(restarted.setup_link.as_deref().unwrap());
    assert_ne!(old, new);
    let mut browser = restarted.browser();
    assert_eq!(browser.get(&old).status, 410);
    assert_eq!(browser.get(&new).status, 200);
}

#[test]
fn setup_without_csrf_token_is_refused_and_creates_nothing() {
    let app = TestApp::spawn();
    let path = path_of(app.setup_link.as_deref().unwrap());
    let mut browser = app.browser();
    browser.get(&path); // sets the CSRF cookie
    let res = browser.post_form(
        &path,
        &[
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "analytical engine 1843"),
            ("password_confirm", "analytical engine 1843"),
        ],
    );
    assert_eq!(res.status, 403);
    assert!(user_rows(&app).is_empty());
    // The link still works afterwards.
    assert_eq!(browser.get(&path).status, 200);
}

#[test]
fn bad_setup_input_is_shown_next_to_each_field_and_kept() {
    let app = TestApp::spawn();
    let path = path_of(app.setup_link.as_deref().unwrap());
    let mut browser = app.browser();
    let csrf = csrf_field(&browser.get(&path).body);
    let long_name = "N".repeat(101);
    let res = browser.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", &long_name),
            ("email", "not-an-email"),
            ("password", "short"),
            ("password_confirm", "short"),
        ],
    );
    assert_eq!(res.status, 422);
    assert!(res.body.contains("id=\"error-name\""), "{}", res.body);
    assert!(res.body.contains("at most 100 characters"));
    assert!(res.body.contains("id=\"error-email\""));
    assert!(res.body.contains("id=\"error-password\""));
    assert!(res.body.contains("error-summary"));
    // What was typed is kept, except the password.
    assert!(res.body.contains("value=\"not-an-email\""));
    assert!(res.body.contains(&long_name));
    assert!(!res.body.contains("value=\"short\""));
    assert!(user_rows(&app).is_empty());

    let mismatch = browser.post_form(
        &path,
        &[
            ("csrf_token", &csrf),
            ("name", "Ada <script>"),
            ("email", "ada@example.com"),
            ("password", "analytical engine 1843"),
            ("password_confirm", "analytical engine 1844"),
        ],
    );
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("id=\"error-password_confirm\""));
    assert!(mismatch.body.contains("Ada &lt;script&gt;"));
    assert!(user_rows(&app).is_empty());
}

#[test]
fn an_unknown_setup_link_is_404() {
    let app = TestApp::spawn();
    let res = app.browser().get(&format!("/setup/{}", "0".repeat(64)));
    assert_eq!(res.status, 404);
}
