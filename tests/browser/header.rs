//! The header: one line at 1,366 px for the roles with the most links, and
//! a compact, keyboard-operable menu on a phone.

use fantoccini::key::Key;
use loopwright::domain::Role;

use crate::page::{PHONE, Page};
use crate::support::TestApp;

fn header_height(page: &Page) -> f64 {
    page.js(
        "return document.querySelector('.site-header').getBoundingClientRect().height;",
        vec![],
    )
    .as_f64()
    .unwrap_or(f64::MAX)
}

#[test]
fn the_header_is_one_line_on_a_laptop_and_a_menu_on_a_phone() {
    let app = TestApp::spawn();
    let Some(mut page) = Page::open("header", &app.base) else {
        return;
    };
    for role in [Role::Admin, Role::HiringManager] {
        page.step(&format!("{} on a laptop", role.as_str()));
        let user = app.user(role);
        page.sign_in(&user);
        page.goto("/");
        let height = header_height(&page);
        assert!(height <= 64.0, "{role:?}: the header is {height} px tall");
        assert!(
            !page.exists(".menu-toggle:not([hidden])") || {
                let shown = page.js(
                    "return getComputedStyle(document.querySelector('.menu-toggle')).display;",
                    vec![],
                );
                shown == "none"
            }
        );
        page.click_text("Sign out");
        page.settle();
    }

    page.step("a phone");
    let user = app.user(Role::Admin);
    page.sign_in(&user);
    page.set_viewport(PHONE);
    page.goto("/");
    let height = header_height(&page);
    assert!(height <= 64.0, "on a phone the header is {height} px tall");
    assert!(
        !page.exists(".site-nav a[href='/users']:not([hidden])")
            || {
                page.js(
            "return document.querySelector(\".site-nav a[href='/users']\").getClientRects().length === 0;",
            vec![],
        ) == serde_json::Value::Bool(true)
            }
    );

    page.step("open the menu with the keyboard");
    page.tab_to(".menu-toggle");
    page.press(Key::Enter, 1);
    assert_eq!(
        page.js(
            "return document.querySelector('.menu-toggle').getAttribute('aria-expanded');",
            vec![]
        ),
        serde_json::json!("true")
    );
    page.tab_to(".site-nav a[href='/users']");
    page.press(Key::Escape, 1);
    assert!(
        page.focused_matches(".menu-toggle"),
        "Escape returns to the button"
    );
    assert!(header_height(&page) <= 64.0, "and the menu is closed");
}
