use crate::support::TestApp;

#[test]
fn health_and_readiness_answer_200() {
    let app = TestApp::spawn();
    let mut browser = app.browser();

    let health = browser.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let ready = browser.get("/readyz");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["database"], "ok");
}

#[test]
fn every_response_carries_a_request_id() {
    let app = TestApp::spawn();
    let mut browser = app.browser();
    let a = browser.get("/healthz");
    let b = browser.get("/healthz");
    let (a, b) = (
        a.header("x-request-id").unwrap(),
        b.header("x-request-id").unwrap(),
    );
    assert!(!a.is_empty());
    assert_ne!(a, b);
}

#[test]
fn unknown_api_path_gets_a_json_error_body() {
    let app = TestApp::spawn();
    let res = app.browser().get("/api/v1/no-such-thing");
    assert_eq!(res.status, 404);
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = res.json();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().len() > 5);
}

#[test]
fn unknown_page_gets_an_html_error_page_with_its_reference() {
    let app = TestApp::spawn();
    let res = app.browser().get("/no-such-page");
    assert_eq!(res.status, 404);
    assert!(res.header("content-type").unwrap().starts_with("text/html"));
    assert!(res.body.contains("Page not found"), "{}", res.body);
    let id = res.header("x-request-id").unwrap();
    assert!(res.body.contains(id), "the page quotes the request id");
}

#[test]
fn a_form_that_cannot_be_read_gets_400_not_500() {
    let app = TestApp::spawn();
    let token = app
        .setup_link
        .as_deref()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let res = app
        .browser()
        .post_raw(&format!("/setup/{token}"), "application/json", "{not json");
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("could not be read"));
}

#[test]
fn pages_are_sent_with_protective_headers() {
    let app = TestApp::spawn();
    let res = app.browser().get("/");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert!(
        res.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
}

#[test]
fn head_is_answered_wherever_get_is() {
    let app = TestApp::spawn();
    let mut stranger = app.browser();
    let head = stranger.request("HEAD", "/login", None);
    assert_eq!(head.status, 200, "{head:?}");
    assert!(head.body.is_empty(), "no body for HEAD");
    assert!(
        head.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    // The connection stays usable: the next GET is whole.
    let get = stranger.get("/login");
    assert_eq!(get.status, 200);
    assert!(get.body.contains("Sign in"));

    let admin = app.user(loopwright::domain::Role::Admin);
    let mut browser = app.signed_in(&admin);
    assert_eq!(browser.request("HEAD", "/bank", None).status, 200);
    assert_eq!(browser.request("HEAD", "/no-such-page", None).status, 404);
    // Only GET routes gain HEAD: a form's address still refuses it.
    assert_ne!(browser.request("HEAD", "/logout", None).status, 200);
}

#[test]
fn error_pages_keep_a_signed_in_person_signed_in() {
    let app = TestApp::spawn();
    let interviewer = app.user(loopwright::domain::Role::Interviewer);
    let mut browser = app.signed_in(&interviewer);
    let signed_in = |body: &str| {
        body.contains("Interviewer Tester")
            && body.contains("href=\"/interviews\"")
            && body.contains("action=\"/logout\"")
            && !body.contains("href=\"/login\"")
    };
    let refused = browser.get("/jobs");
    assert_eq!(refused.status, 403);
    assert!(signed_in(&refused.body), "{}", refused.body);
    let unknown = browser.get("/no/such/page");
    assert_eq!(unknown.status, 404);
    assert!(signed_in(&unknown.body), "{}", unknown.body);
    let hidden = browser.get("/candidates/999999");
    assert_eq!(hidden.status, 404);
    assert!(signed_in(&hidden.body), "{}", hidden.body);
    let unreadable = browser.get("/interviews?page=zero");
    assert_eq!(unreadable.status, 400);
    assert!(signed_in(&unreadable.body), "{}", unreadable.body);
    // The sign-out form on an error page works.
    let token = crate::support::csrf_field(&unknown.body);
    let out = browser.post_form("/logout", &[("csrf_token", token.as_str())]);
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(browser.get("/interviews").status, 303);
}
