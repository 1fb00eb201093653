use diesel::prelude::*;
use loopwright::db::schema::tracks;

use crate::support::TestApp;

#[test]
fn home_page_explains_loopwright_and_lists_the_seeded_track() {
    let app = TestApp::spawn();
    let res = app.browser().get("/");
    assert_eq!(res.status, 200);
    assert!(res.body.contains("<title>"));
    assert!(res.body.contains("Backend Developer"));
    assert!(res.body.contains("5 criteria"), "{}", res.body);
    assert!(res.body.contains("5 red flags"));
    assert!(res.body.contains("href=\"/static/style.css\""));
}

#[test]
fn the_stylesheet_is_served_from_the_binary() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    let css = browser.get("/static/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("@media print"));
    assert_eq!(browser.get("/static/nope.css").status, 404);
}

#[test]
fn home_page_query_count_does_not_grow_with_the_bank() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    let (few, res) = app.count_queries(|| browser.get("/"));
    assert_eq!(res.status, 200);

    let mut conn = app.conn();
    let at = loopwright::db::models::now();
    for i in 0..25 {
        diesel::insert_into(tracks::table)
            .values((
                tracks::slug.eq(format!("track-{i}")),
                tracks::name.eq(format!("Track <b>{i}</b>")),
                tracks::description.eq("Added by a test."),
                tracks::created_at.eq(at),
                tracks::updated_at.eq(at),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let (many, res) = app.count_queries(|| browser.get("/"));
    assert_eq!(res.status, 200);
    assert!(few > 0);
    assert_eq!(few, many, "queries for / grew with the number of tracks");
    // Names are user text: escaped.
    assert!(res.body.contains("Track &lt;b&gt;3&lt;/b&gt;"));
    assert!(!res.body.contains("<b>3</b>"));
}
