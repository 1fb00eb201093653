//! The suite's own footing: a session opens, signs in, and its audit finds
//! the faults it is there to find.

use loopwright::domain::Role;
use serde_json::json;

use crate::page::{PHONE, Page};
use crate::support::TestApp;

#[test]
fn the_audit_catches_sideways_scroll_and_axe_violations() {
    let app = TestApp::spawn();
    let Some(mut page) = Page::open("smoke", &app.base) else {
        return;
    };
    let user = app.user(Role::Interviewer);
    page.sign_in(&user);
    page.goto("/");
    assert!(page.exists("main#main"));

    page.step("phone size");
    page.set_viewport(PHONE);
    let size = page.js("return [window.innerWidth, window.innerHeight];", vec![]);
    assert_eq!(size, json!([390, 844]));
    assert_eq!(page.sideways_scroll(), None);

    page.step("faults planted");
    page.js(
        "const d = document.createElement('div'); d.style.width = '900px'; d.textContent = 'wide';
         document.querySelector('main').append(d);
         const i = document.createElement('img'); i.src = 'data:,';
         document.querySelector('main').append(i);",
        vec![],
    );
    let wide = page
        .sideways_scroll()
        .expect("a 900 px block scrolls a 390 px page");
    assert!(wide.contains("div right=9"), "{wide}");
    let violations = page.axe_violations();
    assert!(
        violations.iter().any(|v| v.starts_with("image-alt")),
        "{violations:?}"
    );
}
