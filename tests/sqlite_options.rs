//! SQLite takes the app's process-wide options (`db::configure_sqlite`)
//! when the app opens its database as it does when it starts. A test binary
//! of its own: SQLite takes them only before the first connection in a
//! process, and the other suites open connections of their own.

use loopwright::config::{Config, DatabaseUrl};

#[test]
fn sqlite_takes_the_apps_options_when_the_app_opens_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::from_env().unwrap();
    config.data_dir = dir.path().to_owned();
    config.database_url = DatabaseUrl::Sqlite(dir.path().join("loopwright.db"));
    assert_eq!(loopwright::db::sqlite_options_applied(), None);
    loopwright::open_storage(&config).unwrap();
    assert_eq!(loopwright::db::sqlite_options_applied(), Some(true));
}
