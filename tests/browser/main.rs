//! The browser suite: people at a real headless Chromium, driven through
//! chromedriver, against the real server and database (the harness of
//! `tests/app`). Skipped, saying so, where Chromium, chromedriver or
//! axe-core is missing; see the README's "Browser tests".

// The integration harness, shared as it is; this binary uses part of it.
#[allow(dead_code)]
#[path = "../app/builders.rs"]
mod builders;
#[allow(dead_code)]
#[path = "../app/smtp.rs"]
mod smtp;
#[allow(dead_code)]
#[path = "../app/support.rs"]
mod support;

mod driver;
// The toolkit: not every flow uses every helper.
#[allow(dead_code)]
mod page;

mod api_docs;
mod header;
mod insights;
mod people;
mod planner;
mod scorecard;
mod smoke;
mod webhooks;
