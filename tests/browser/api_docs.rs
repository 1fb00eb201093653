//! The API reference: anyone reaches it from the footer, it passes the
//! audit at both sizes, and its links lead to the schemas they name.

use loopwright::domain::Role;

use crate::page::Page;
use crate::support::TestApp;

#[test]
fn the_api_reference_is_reached_from_the_footer_and_passes_the_audit() {
    let app = TestApp::spawn();
    let Some(mut page) = Page::open("api-docs", &app.base) else {
        return;
    };
    page.step("signed out");
    page.goto("/api/docs");
    assert!(page.exists("h1"));
    assert!(page.exists("a[href='/api/openapi.json']"));
    assert!(page.exists("#op-create-job"));
    assert!(page.exists("#schema-errorbody"));

    page.step("from the footer");
    let user = app.user(Role::Interviewer);
    page.sign_in(&user);
    page.goto("/");
    page.click(".site-footer a[href='/api/docs']");
    page.arrive("/api/docs");
    // A schema name in an operation links to the schema's definition.
    page.click("article[aria-labelledby='op-create-job'] a[href='#schema-jobanswer']");
    let hash = page.js("return location.hash;", vec![]);
    assert_eq!(hash, "#schema-jobanswer");
}
