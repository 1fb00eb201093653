//! Outbox throughput to a local SMTP server, and the size of a prep pack.
//!
//! `cargo run --release --example outbox_throughput` starts the real app on a
//! temporary SQLite database with an SMTP server on loopback (the one the
//! tests use), builds a typical prep pack (six stages, all scheduled), queues
//! 500 copies and prints how fast the worker delivers them.

use std::time::{Duration, Instant};

use loopwright::candidates::{self, NewCandidate};
use loopwright::config::{Config, DatabaseUrl};
use loopwright::db::models::{User, UserInsertForm, now};
use loopwright::domain::{EmailAddress, PersonName};
use loopwright::jobs::{self, NewJob};
use loopwright::loops::{self, edits::StageChanges};
use loopwright::mail::{self, Attachment, NewEmail};

mod support;

#[path = "../tests/app/smtp.rs"]
#[allow(dead_code)]
mod smtp;

const COUNT: usize = 500;

fn main() {
    let sink = smtp::SmtpServer::start();
    let dir = tempfile::TempDir::new().expect("temp dir");
    let config = Config {
        smtp_url: Some(sink.url()),
        mail_poll_every: Duration::from_millis(20),
        ..support::config(dir.path(), DatabaseUrl::Sqlite(dir.path().join("bench.db")))
    };
    let pool = support::serve(config, |app| app.pool());
    let mut conn = pool.get().expect("connection");
    let templates = loopwright::templates::Templates::new(false).expect("templates");
    let hash = loopwright::auth::password::hash("benchmark passphrase 2026").expect("hash");
    let at = now();
    let recruiter = User::create(
        &mut conn,
        &UserInsertForm::active(
            "recruiter@example.com",
            "Riley Recruiter",
            "admin",
            &hash,
            at,
        ),
    )
    .expect("user");
    let track = loopwright::bank::export::export(&mut conn)
        .expect("bank")
        .track[0]
        .slug
        .clone();
    let track_id: i64 = {
        use diesel::prelude::*;
        use loopwright::db::schema::tracks;
        tracks::table
            .filter(tracks::slug.eq(&track))
            .select(tracks::id)
            .first(&mut conn)
            .expect("track")
    };
    let job = jobs::create_job(
        &mut conn,
        &recruiter,
        NewJob {
            title: "Backend Developer".into(),
            team: "Payments".into(),
            track_id: Some(track_id),
            hiring_manager_id: None,
            typical_stages: true,
        },
    )
    .expect("job");
    let candidate = candidates::create_candidate(
        &mut conn,
        &recruiter,
        NewCandidate {
            job_id: job,
            name: PersonName::parse("Grace Hopper").expect("name"),
            email: EmailAddress::parse("grace@example.com").expect("email"),
            notes: String::new(),
        },
    )
    .expect("candidate");
    let loop_id = candidates::candidate(&mut conn, &recruiter, candidate)
        .expect("candidate")
        .loop_id
        .expect("loop");
    let shape = loops::read_loop(&mut conn, &recruiter, loop_id).expect("loop");
    let mut version = shape.version;
    for (i, stage) in shape.stages.iter().enumerate() {
        let changes = StageChanges {
            starts_at: Some(Some(
                at + chrono::Duration::days(3) + chrono::Duration::hours(i as i64),
            )),
            time_zone: Some(Some("Europe/Berlin".into())),
            location: Some(Some("https://meet.example/room".into())),
            ..StageChanges::default()
        };
        version = loops::edits::update_stage(&mut conn, &recruiter, stage.id, version, changes)
            .expect("schedule")
            .version;
    }
    let pack = loopwright::candidates::prep_pack::build(
        &mut conn,
        &templates,
        &recruiter,
        candidate,
        Some("Looking forward to meeting you."),
    )
    .expect("pack");
    println!(
        "a typical prep pack (6 scheduled stages): text {:.1} KiB, HTML {:.1} KiB, calendar {:.1} KiB",
        pack.text.len() as f64 / 1024.0,
        pack.html.len() as f64 / 1024.0,
        pack.calendar.len() as f64 / 1024.0
    );

    let started = Instant::now();
    for i in 0..COUNT {
        mail::enqueue(
            &mut conn,
            &NewEmail {
                idempotency_key: format!("bench:{i}"),
                kind: "prep_pack",
                to_email: "grace@example.com".into(),
                to_name: "Grace Hopper".into(),
                subject: pack.subject.clone(),
                text: pack.text.clone(),
                html: pack.html.clone(),
                attachments: vec![Attachment {
                    filename: "interviews.ics".into(),
                    content_type: "text/calendar; charset=utf-8".into(),
                    content: pack.calendar.clone(),
                }],
                candidate_id: Some(candidate),
            },
        )
        .expect("enqueue");
    }
    let queued = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    while sink.messages().len() < COUNT && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let messages = sink.messages();
    assert_eq!(messages.len(), COUNT, "not all delivered within 5 minutes");
    let elapsed = started.elapsed();
    println!(
        "{COUNT} prep packs queued in {:.2} s and delivered to SMTP on loopback in {:.2} s: {:.0} emails/s; one message on the wire: {:.1} KiB",
        queued.as_secs_f64(),
        elapsed.as_secs_f64(),
        COUNT as f64 / elapsed.as_secs_f64(),
        messages[0].data.len() as f64 / 1024.0
    );
}
