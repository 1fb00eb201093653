//! Who is asking, kept in memory between requests: a change made in this
//! process is seen by the next request, one made by another process (here,
//! straight in the database) by the next request that reads data.

use diesel::prelude::*;
use loopwright::db::schema::users;
use loopwright::domain::Role;
use serde_json::json;

use crate::support::TestApp;

/// A route that reads the database, open to every role.
const READS: &str = "/api/v1/me/interviews";

#[test]
fn a_change_written_by_this_process_is_seen_by_the_next_request() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let ivy = app.user(Role::Interviewer);
    let mut admin = app.script(&admin);
    let mut ivy_script = app.script(&ivy);
    assert_eq!(ivy_script.get(READS).status, 200);
    assert_eq!(
        ivy_script.get("/api/v1/me").json()["user"]["name"],
        "Interviewer Tester"
    );

    let renamed = admin.patch_json(
        &format!("/api/v1/users/{}", ivy.id),
        json!({"name": "Ivy Renamed"}),
    );
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    // `/me` reads nothing but who asks: not confirmed, yet already new.
    let me = ivy_script.get("/api/v1/me");
    assert_eq!(me.json()["user"]["name"], "Ivy Renamed", "{}", me.body);
    assert_eq!(ivy_script.get(READS).status, 200);

    let deactivated = admin.patch_json(
        &format!("/api/v1/users/{}", ivy.id),
        json!({"active": false}),
    );
    assert_eq!(deactivated.status, 200, "{}", deactivated.body);
    assert_eq!(ivy_script.get("/api/v1/me").status, 401);
    assert_eq!(ivy_script.get(READS).status, 401);
}

#[test]
fn a_change_written_elsewhere_stops_the_next_request_that_reads_data() {
    let app = TestApp::spawn();
    let ivy = app.user(Role::Interviewer);
    let mut script = app.script(&ivy);
    let mut browser = app.signed_in(&ivy);
    assert_eq!(script.get(READS).status, 200);
    assert_eq!(browser.get("/interviews").status, 200);

    // Another process renames her: the request read with the old name is
    // not done; the next one loads her afresh.
    diesel::update(users::table.find(ivy.id))
        .set(users::name.eq("Ivy From Elsewhere"))
        .execute(&mut app.conn())
        .unwrap();
    let stale = script.get(READS);
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale.body.contains("Your account changed"),
        "{}",
        stale.body
    );
    assert_eq!(script.get(READS).status, 200);
    assert_eq!(
        script.get("/api/v1/me").json()["user"]["name"],
        "Ivy From Elsewhere"
    );
    let page = browser.get("/interviews");
    assert_eq!(
        page.status, 200,
        "the last reload already loaded her afresh"
    );
    assert!(page.body.contains("Ivy From Elsewhere"));

    // Another process deactivates her: refused at once, and from then on.
    diesel::update(users::table.find(ivy.id))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(script.get(READS).status, 401);
    assert_eq!(script.get(READS).status, 401);
    assert_eq!(script.get("/api/v1/me").status, 401);
}

#[test]
fn a_known_person_is_confirmed_in_the_handlers_trip_not_a_trip_of_their_own() {
    let app = TestApp::spawn();
    let ivy = app.user(Role::Interviewer);
    let mut script = app.script(&ivy);
    // Another person's requests first, so that the pool's connections are
    // open (opening one runs statements of its own).
    let other = app.user(Role::Interviewer);
    let mut other = app.script(&other);
    for _ in 0..3 {
        assert_eq!(other.get(READS).status, 200);
    }
    // The first request loads her in a trip of its own; the second takes
    // her from memory and confirms her in its handler's trip.
    let (first, res) = app.count_queries(|| script.get(READS));
    assert_eq!(res.status, 200);
    let (known, res) = app.count_queries(|| script.get(READS));
    assert_eq!(res.status, 200);
    assert_eq!(
        first, known,
        "loaded or confirmed: one statement either way"
    );
}
