//! Pending invitations on the people page: sent again (a new link replaces
//! the old) or withdrawn (the link stops working).

use loopwright::domain::Role;

use crate::smtp::{SmtpServer, link_in, text_part};
use crate::support::{TestApp, TestDb};

#[test]
fn an_admin_sends_an_invitation_again_or_withdraws_it() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let admin = app.user(Role::Admin);
    let mut browser = app.signed_in(&admin);
    let invite = [
        ("name", "Grace Hopper"),
        ("email", "grace@example.com"),
        ("role", "interviewer"),
    ];
    let res = browser.submit("/users", "/users/invitations", &invite);
    assert_eq!(res.status, 303, "{}", res.body);
    let first = link_in(&text_part(&smtp.wait_for(1)[0].data), "/invitations/");

    // Send again: the same person and role, a new link; the old one is done.
    let people = browser.get("/users");
    assert!(people.body.contains("Send again"), "{}", people.body);
    assert!(
        people.body.contains("value=\"interviewer\""),
        "{}",
        people.body
    );
    let again = browser.submit("/users", "/users/invitations", &invite);
    assert_eq!(again.status, 303, "{}", again.body);
    let second = link_in(&text_part(&smtp.wait_for(2)[1].data), "/invitations/");
    assert_ne!(first, second);
    let mut grace = app.browser();
    assert_eq!(grace.get(&first).status, 410);
    assert_eq!(grace.get(&second).status, 200);

    // Withdraw: the newest link stops working and the list empties.
    let withdrawn = browser.submit(
        "/users",
        "/users/invitations/revoke",
        &[("email", "grace@example.com")],
    );
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.body);
    let people = browser.get("/users");
    assert!(
        people
            .body
            .contains("Invitation to grace@example.com withdrawn")
    );
    assert!(
        !people.body.contains("Pending invitations"),
        "{}",
        people.body
    );
    assert_eq!(grace.get(&second).status, 410);
    // Withdrawing again says there was nothing waiting, without an error page.
    let nothing = browser.submit(
        "/users",
        "/users/invitations/revoke",
        &[("email", "grace@example.com")],
    );
    assert_eq!(nothing.status, 303);
    assert!(browser.get("/users").body.contains("no invitation waiting"));
}

#[test]
fn a_refused_invitation_comes_back_on_the_people_page_with_what_was_typed() {
    let app = TestApp::spawn();
    let admin = app.user(Role::Admin);
    let mut browser = app.signed_in(&admin);
    let typed = [
        ("name", "Grace Hopper"),
        ("email", "grace-at-example"),
        ("role", "recruiter"),
    ];
    let bad = browser.submit("/users", "/users/invitations", &typed);
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"error-email\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"grace-at-example\""));
    assert!(bad.body.contains("value=\"recruiter\" selected"));
    assert!(bad.body.contains(&admin.email), "the team is listed");
}
