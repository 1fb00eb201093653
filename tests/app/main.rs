//! Integration tests: the real server and the real database (SQLite by
//! default; PostgreSQL when LOOPWRIGHT_TEST_DATABASE_URL is set).

mod accounts;
mod addresses;
mod api_contract;
mod audit_log;
mod bank;
mod builders;
mod calendar;
mod candidate_pages;
mod candidates;
mod cli;
mod dashboard;
mod debrief_links;
mod erasure;
mod fuzz;
mod health_and_errors;
mod invitations;
mod lifecycle;
mod my_interviews;
mod pages;
mod planner;
mod planner_in_place;
mod planner_pages;
mod prep_packs;
mod query_counts;
mod roles;
mod scorecard_limits;
mod scorecards;
mod seeds;
mod setup;
mod sign_in_hardening;
mod smtp;
mod support;
mod times;
mod tokens;
