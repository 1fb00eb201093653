//! What the benchmarks share: a throw-away configuration and the real app
//! started on a thread of its own.

use std::path::Path;
use std::time::Duration;

use loopwright::Application;
use loopwright::config::{Config, DatabaseUrl};

/// Settings for a benchmark: port 0 on loopback, `data_dir` for files, a
/// fixed signing secret, emails to `.eml` files, logging only errors.
/// Change the fields a benchmark needs with `Config { .., ..config(..) }`.
pub fn config(data_dir: &Path, database_url: DatabaseUrl) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: data_dir.to_owned(),
        database_url,
        smtp_url: None,
        mail_from: "Loopwright <loopwright@localhost>".into(),
        public_url: None,
        secret: Some("benchmark secret that is long enough to sign".into()),
        log: "error".into(),
        dev_reload: false,
        mail_retry_base: Duration::from_secs(30),
        mail_poll_every: Duration::from_secs(5),
        reminder_after_hours: 24,
        escalation_after_hours: 48,
        metrics_token: None,
        sign_in: Default::default(),
        retention_days: None,
        webhook_retry_base: Duration::from_secs(30),
        webhook_poll_every: Duration::from_secs(1),
    }
}

/// Builds the real app from `config` on an actix system in a thread of its
/// own, runs `prepare` on it before it serves (seed data, clone its pool or
/// query counter), and answers what `prepare` returned. The app serves until
/// the process ends.
pub fn serve<T: Send + 'static>(
    config: Config,
    prepare: impl FnOnce(&Application) -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config).expect("app starts");
            tx.send(prepare(&app)).expect("send");
            app.run_until_stopped().await.expect("server");
        })
    });
    rx.recv().expect("the app started")
}
