//! Personal access tokens: a script acts as its owner with a named token,
//! read-only or read-write, until it expires, is revoked or its owner leaves.

use diesel::prelude::*;
use loopwright::db::schema::{audit_events, personal_access_tokens};
use loopwright::domain::Role;
use serde_json::json;

use crate::builders::Member;
use crate::support::{Browser, TestApp, csrf_field};

fn with_token(app: &TestApp, token: &str) -> Browser {
    let mut script = app.browser();
    script.bearer = Some(token.to_owned());
    script
}

fn audited(app: &TestApp, action: &str) -> Vec<String> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .select(audit_events::details)
        .load(&mut app.conn())
        .unwrap()
}

#[test]
fn a_script_reads_with_a_read_token_and_is_told_why_it_may_not_write() {
    let app = TestApp::spawn();
    let mut recruiter = Member::new(&app, Role::Recruiter);
    let res = recruiter.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "Nightly report", "scope": "read", "expires_at": null}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let created = res.json();
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("lwp_"), "{secret}");
    assert_eq!(created["scope"], "read");
    assert_eq!(created["expires_at"], serde_json::Value::Null);

    // Stored hashed: the database never holds the secret.
    let hashes: Vec<String> = personal_access_tokens::table
        .select(personal_access_tokens::token_hash)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes[0], secret);
    assert!(!hashes[0].contains(&secret[4..]));

    let mut script = with_token(&app, &secret);
    let me = script.get("/api/v1/me");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["user"]["id"], recruiter.id);
    assert_eq!(script.get("/api/v1/candidates").status, 200);

    let write = script.post_json(
        "/api/v1/me/tokens",
        json!({"name": "Sneaky", "scope": "write"}),
    );
    assert_eq!(write.status, 403, "{}", write.body);
    assert_eq!(write.json()["error"]["code"], "forbidden");
    assert!(
        write.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only"),
        "{}",
        write.body
    );

    // Listed without the secret, with when it was last used.
    let list = recruiter.api.get("/api/v1/me/tokens");
    assert_eq!(list.status, 200);
    let list = list.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["page"], 1);
    let listed = &list["tokens"][0];
    assert_eq!(listed["name"], "Nightly report");
    assert!(listed.get("token").is_none());
    assert!(!list.to_string().contains(&secret));
    assert!(secret.starts_with(listed["hint"].as_str().unwrap()));
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert_eq!(audited(&app, "token.created").len(), 1);
}

/// A script in a loop does not write on every request: the last-used time
/// is recorded at most once a minute.
#[test]
fn a_token_used_in_a_loop_records_its_last_use_once_a_minute() {
    let app = TestApp::spawn();
    let mut recruiter = Member::new(&app, Role::Recruiter);
    let secret = recruiter
        .api
        .post_json(
            "/api/v1/me/tokens",
            json!({"name": "Poller", "scope": "read"}),
        )
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut script = with_token(&app, &secret);
    let last_used = |app: &TestApp| -> Option<chrono::NaiveDateTime> {
        personal_access_tokens::table
            .select(personal_access_tokens::last_used_at)
            .first(&mut app.conn())
            .unwrap()
    };
    let (first, res) = app.count_queries(|| script.get("/api/v1/me"));
    assert_eq!(res.status, 200, "{}", res.body);
    let marked = last_used(&app).expect("the first use is recorded");
    let (second, res) = app.count_queries(|| script.get("/api/v1/me"));
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        second,
        first - 1,
        "the second use within a minute writes nothing"
    );
    assert_eq!(last_used(&app), Some(marked));

    // A minute later it is recorded again.
    diesel::update(personal_access_tokens::table)
        .set(personal_access_tokens::last_used_at.eq(marked - chrono::Duration::minutes(2)))
        .execute(&mut app.conn())
        .unwrap();
    let (third, _) = app.count_queries(|| script.get("/api/v1/me"));
    assert_eq!(third, first);
    assert!(last_used(&app).unwrap() > marked - chrono::Duration::minutes(2));
}

#[test]
fn a_write_token_changes_things_until_it_is_revoked() {
    let app = TestApp::spawn();
    let mut admin = Member::new(&app, Role::Admin);
    let res = admin.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "ATS sync", "scope": "write", "expires_at": "2099-01-01T00:00:00Z"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let (id, secret) = (
        res.json()["id"].as_i64().unwrap(),
        res.json()["token"].as_str().unwrap().to_owned(),
    );
    let mut script = with_token(&app, &secret);
    let invite = script.post_json(
        "/api/v1/invitations",
        json!({"name": "Ada Lovelace", "email": "ada@example.com", "role": "interviewer"}),
    );
    assert_eq!(invite.status, 201, "{}", invite.body);

    // Signing out of every session leaves the script's token working.
    assert_eq!(
        admin.api.post_json("/api/v1/auth/logout", json!({})).status,
        204
    );
    assert_eq!(script.get("/api/v1/me").status, 200);

    let mut other = Member::new(&app, Role::Admin);
    assert_eq!(
        other
            .api
            .request("DELETE", &format!("/api/v1/me/tokens/{id}"), None)
            .status,
        404,
        "someone else's token is not theirs to revoke"
    );
    let revoke = script.request("DELETE", &format!("/api/v1/me/tokens/{id}"), None);
    assert_eq!(revoke.status, 204, "{}", revoke.body);
    let after = script.get("/api/v1/me");
    assert_eq!(after.status, 401);
    assert_eq!(after.json()["error"]["code"], "unauthorized");
    let revoked = audited(&app, "token.revoked");
    assert_eq!(revoked.len(), 1);
    assert!(revoked[0].contains("ATS sync"));
}

#[test]
fn expired_tokens_and_tokens_of_people_who_left_stop_working() {
    let app = TestApp::spawn();
    let mut admin = Member::new(&app, Role::Admin);
    let mut leaver = Member::new(&app, Role::Interviewer);
    let make = |member: &mut Member, name: &str| -> String {
        let res = member
            .api
            .post_json("/api/v1/me/tokens", json!({"name": name, "scope": "read"}));
        assert_eq!(res.status, 201, "{}", res.body);
        res.json()["token"].as_str().unwrap().to_owned()
    };
    let soon = make(&mut admin, "Short lived");
    let leavers = make(&mut leaver, "Calendar feed");
    assert_eq!(
        with_token(&app, &leavers)
            .get("/api/v1/me/interviews")
            .status,
        200
    );

    // Expiry: the clock passes the token's time.
    diesel::update(
        personal_access_tokens::table.filter(personal_access_tokens::name.eq("Short lived")),
    )
    .set(personal_access_tokens::expires_at.eq(Some(loopwright::db::models::now())))
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(with_token(&app, &soon).get("/api/v1/me").status, 401);

    let off = admin.api.patch_json(
        &format!("/api/v1/users/{}", leaver.id),
        json!({"active": false}),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(
        with_token(&app, &leavers)
            .get("/api/v1/me/interviews")
            .status,
        401
    );

    // Made-up and past expiry tokens are refused plainly.
    assert_eq!(with_token(&app, "lwp_0123").get("/api/v1/me").status, 401);
    let past = admin.api.post_json(
        "/api/v1/me/tokens",
        json!({"name": "Yesterday", "scope": "read", "expires_at": "2001-01-01T00:00:00Z"}),
    );
    assert_eq!(past.status, 422);
    assert!(past.json()["error"]["fields"]["expires_at"].is_string());
    let bad = admin
        .api
        .post_json("/api/v1/me/tokens", json!({"name": "", "scope": "admin"}));
    assert_eq!(bad.status, 422);
    assert!(bad.json()["error"]["fields"]["name"].is_string());
    assert!(bad.json()["error"]["fields"]["scope"].is_string());
}

#[test]
fn the_account_page_shows_a_new_token_once_and_revokes_it() {
    let app = TestApp::spawn();
    let manager = Member::new(&app, Role::HiringManager);
    let mut browser = manager.browser();
    let page = browser.get("/account");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You have no access tokens."));

    // A refused form keeps what was typed and says what is wrong.
    let refused = browser.submit(
        "/account",
        "/account/tokens",
        &[
            ("token_name", ""),
            ("token_scope", "write"),
            ("token_lifetime", "90"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"error-token_name\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"write\" checked"));
    let odd = browser.submit(
        "/account",
        "/account/tokens",
        &[
            ("token_name", "Cron"),
            ("token_scope", "read"),
            ("token_lifetime", "forever"),
        ],
    );
    assert_eq!(odd.status, 422);
    assert!(
        odd.body.contains("id=\"error-token_lifetime\""),
        "{}",
        odd.body
    );
    assert!(
        odd.body.contains("value=\"Cron\""),
        "what was typed is kept"
    );

    let made = browser.submit(
        "/account",
        "/account/tokens",
        &[
            ("token_name", "Board <script> sync"),
            ("token_scope", "write"),
            ("token_lifetime", "90"),
        ],
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let marker = "id=\"new-token-value\" type=\"text\" readonly value=\"";
    let start = made.body.find(marker).expect("the new token is shown") + marker.len();
    let secret = made.body[start..].split('"').next().unwrap().to_owned();
    assert!(secret.starts_with("lwp_"));
    assert!(made.body.contains("Board &lt;script&gt; sync"));
    assert_eq!(with_token(&app, &secret).get("/api/v1/me").status, 200);

    let again = browser.get("/account");
    assert!(!again.body.contains(&secret), "shown once only");
    assert!(again.body.contains("Read and write"));

    let id: i64 = personal_access_tokens::table
        .select(personal_access_tokens::id)
        .first(&mut app.conn())
        .unwrap();
    let csrf = csrf_field(&again.body);
    let revoked = browser.post_form(
        &format!("/account/tokens/{id}/revoke"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(revoked.status, 303);
    assert_eq!(with_token(&app, &secret).get("/api/v1/me").status, 401);
    assert!(browser.get("/account").body.contains("no longer works"));
}
