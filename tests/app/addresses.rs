//! Email addresses as people type them: internationalised domains are
//! delivered (as punycode), addresses that cannot be delivered are refused
//! where they are entered.

use loopwright::domain::Role;
use serde_json::json;

use crate::builders::{Team, job};
use crate::smtp::SmtpServer;
use crate::support::{TestApp, TestDb};

#[test]
fn an_international_domain_is_delivered_as_punycode() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(TestDb::new(), move |c| c.smtp_url = Some(url));
    let admin = app.user(Role::Admin);
    let mut script = app.script(&admin);
    let res = script.post_json(
        "/api/v1/invitations",
        json!({"name": "Ada", "email": "Ada@Bücher.Example", "role": "interviewer"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let mail = smtp.wait_for(1).remove(0);
    assert_eq!(mail.to, ["ada@xn--bcher-kva.example"]);
    // People read the domain as it was typed.
    let people = app.signed_in(&admin).get("/users");
    assert!(
        people.body.contains("ada@bücher.example"),
        "{}",
        people.body
    );
}

#[test]
fn an_address_that_cannot_be_delivered_is_refused_where_it_is_typed() {
    let app = TestApp::spawn();
    let Team {
        mut manager,
        recruiter,
        ..
    } = Team::new(&app);
    let job = job("Backend Developer").create(&mut manager.api);
    let job_id = job.id.to_string();
    let mut browser = recruiter.browser();
    let page = browser.submit(
        "/candidates",
        "/candidates",
        &[
            ("name", "Zoë"),
            ("email", "zoë@example.com"),
            ("job_id", &job_id),
        ],
    );
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("id=\"error-email\""));
    assert!(page.body.contains("before the @"));
    assert!(
        page.body.contains("value=\"zoë@example.com\""),
        "what was typed stays"
    );
}
