//! Pooled connections: handed out without a question to the database while
//! they are in use, and dropped when the database closes them.

use diesel::{Connection, PgConnection, RunQueryDsl};
use loopwright::domain::Role;

use crate::support::{TestApp, TestDb};

/// A route that reads the database, open to every role.
const READS: &str = "/api/v1/me/interviews";

/// What `READS` runs for a person with nothing scheduled: who asks,
/// confirmed, then, in one read-only transaction (its begin and commit),
/// how many interviews they have (three counts) and the page's part of
/// those coming, passed and not scheduled (three reads). A checkout probe
/// (`SELECT 1`) would add one on PostgreSQL.
const READS_STATEMENTS: u64 = 9;

#[test]
fn a_connection_in_use_is_handed_out_without_a_probe() {
    let app = TestApp::spawn();
    let ivy = app.user(Role::Interviewer);
    let mut ivy = app.script(&ivy);
    assert_eq!(ivy.get(READS).status, 200);
    for _ in 0..3 {
        let (statements, res) = app.count_queries(|| ivy.get(READS));
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(statements, READS_STATEMENTS);
    }
}

#[test]
fn a_connection_the_database_closed_fails_one_request_and_is_dropped() {
    let app = TestApp::spawn();
    let TestDb::Postgres {
        admin_url, name, ..
    } = app.db()
    else {
        println!("PostgreSQL only: a SQLite connection is a file and cannot be closed under us");
        return;
    };
    let ivy = app.user(Role::Interviewer);
    let mut ivy = app.script(&ivy);
    assert_eq!(ivy.get(READS).status, 200);

    let mut admin = PgConnection::establish(admin_url).unwrap();
    let closed = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .execute(&mut admin)
    .unwrap();
    assert!(closed >= 1, "the app's pooled connections were closed");

    // The connection was in use a moment ago, so it is not asked first: the
    // request fails, as one that could be retried.
    let lost = ivy.get(READS);
    assert_eq!(lost.status, 503, "{}", lost.body);
    assert_eq!(lost.json()["error"]["code"], "unavailable");

    // The pool dropped it and asks every other one before handing it out.
    for _ in 0..3 {
        assert_eq!(ivy.get(READS).status, 200);
    }
    let (statements, res) = app.count_queries(|| ivy.get(READS));
    assert_eq!(res.status, 200);
    assert_eq!(statements, READS_STATEMENTS, "probed once, then trusted");
}

/// Reads that must agree (a list and its details) see one moment, though
/// another connection commits between them.
#[test]
fn reads_in_one_snapshot_agree_though_another_connection_writes_between_them() {
    use diesel::QueryDsl;
    use loopwright::db::schema::users;
    let app = TestApp::spawn();
    app.user(Role::Interviewer);
    let mut reader = app.conn();
    let mut writer = app.conn();
    let count = |conn: &mut loopwright::db::DbConn| -> i64 {
        users::table.count().get_result(conn).unwrap()
    };
    let (before, after) = loopwright::db::read_snapshot(&mut reader, |conn| {
        let before = count(conn);
        app.user(Role::Interviewer);
        assert_eq!(count(&mut writer), before + 1, "the other connection wrote");
        Ok::<_, diesel::result::Error>((before, count(conn)))
    })
    .unwrap();
    assert_eq!(after, before, "the second read sees the first one's moment");
    assert_eq!(
        count(&mut reader),
        before + 1,
        "and the next reads see the write"
    );
}
