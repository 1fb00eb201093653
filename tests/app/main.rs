//! Integration tests: the real server and the real database (SQLite by
//! default; PostgreSQL when LOOPWRIGHT_TEST_DATABASE_URL is set).

mod cli;
mod health_and_errors;
mod pages;
mod seeds;
mod setup;
mod support;
