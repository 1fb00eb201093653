//! Integration tests: the real server and the real database (SQLite by
//! default; PostgreSQL when LOOPWRIGHT_TEST_DATABASE_URL is set).

mod accounts;
mod bank;
mod builders;
mod candidate_pages;
mod candidates;
mod cli;
mod health_and_errors;
mod pages;
mod planner;
mod planner_pages;
mod prep_packs;
mod query_counts;
mod roles;
mod scorecards;
mod seeds;
mod setup;
mod sign_in_hardening;
mod smtp;
mod support;
