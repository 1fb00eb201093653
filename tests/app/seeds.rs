use std::path::Path;

use diesel::prelude::*;
use loopwright::bank::SeedReport;
use loopwright::db::schema::{
    criteria, formats, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};

use crate::support::TestApp;

/// Every seeded row, in a stable order, with its timestamps.
fn snapshot(app: &TestApp) -> String {
    let mut conn = app.conn();
    let c = &mut conn;
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        formats::table
            .order(formats::id)
            .select((
                formats::id,
                formats::slug,
                formats::name,
                formats::description,
                formats::position,
                formats::updated_at
            ))
            .load::<(i64, String, String, String, i64, chrono::NaiveDateTime)>(c)
            .unwrap(),
        stage_kinds::table
            .order(stage_kinds::id)
            .select((
                stage_kinds::id,
                stage_kinds::slug,
                stage_kinds::name,
                stage_kinds::default_format_id,
                stage_kinds::default_duration_minutes,
                stage_kinds::updated_at
            ))
            .load::<(i64, String, String, i64, i64, chrono::NaiveDateTime)>(c)
            .unwrap(),
        tracks::table
            .order(tracks::id)
            .select((tracks::id, tracks::slug, tracks::name, tracks::updated_at))
            .load::<(i64, String, String, chrono::NaiveDateTime)>(c)
            .unwrap(),
        criteria::table
            .order(criteria::id)
            .select((
                criteria::id,
                criteria::slug,
                criteria::kind,
                criteria::name,
                criteria::description,
                criteria::updated_at
            ))
            .load::<(i64, String, String, String, String, chrono::NaiveDateTime)>(c)
            .unwrap(),
        track_stage_kinds::table
            .order((track_stage_kinds::track_id, track_stage_kinds::position))
            .select((
                track_stage_kinds::stage_kind_id,
                track_stage_kinds::position
            ))
            .load::<(i64, i64)>(c)
            .unwrap(),
        track_formats::table
            .order((track_formats::track_id, track_formats::position))
            .select((track_formats::format_id, track_formats::position))
            .load::<(i64, i64)>(c)
            .unwrap(),
        stage_kind_focus::table
            .order((
                stage_kind_focus::stage_kind_id,
                stage_kind_focus::criterion_id
            ))
            .select((
                stage_kind_focus::stage_kind_id,
                stage_kind_focus::criterion_id
            ))
            .load::<(i64, i64)>(c)
            .unwrap(),
    )
}

#[test]
fn first_start_seeds_the_backend_developer_track() {
    let app = TestApp::spawn();
    let mut conn = app.conn();
    let kinds: Vec<String> = stage_kinds::table
        .order(stage_kinds::position)
        .select(stage_kinds::name)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        kinds,
        [
            "Recruiter screen",
            "Hiring manager interview",
            "Live coding round",
            "System design interview",
            "Past project deep-dive",
            "Final / values interview"
        ]
    );
    assert_eq!(
        formats::table.count().get_result::<i64>(&mut conn).unwrap(),
        6
    );
    let track_id: i64 = tracks::table
        .filter(tracks::slug.eq("backend-developer"))
        .select(tracks::id)
        .first(&mut conn)
        .unwrap();
    for kind in ["criterion", "red_flag"] {
        let n: i64 = criteria::table
            .filter(criteria::track_id.eq(track_id))
            .filter(criteria::kind.eq(kind))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 5, "{kind}");
    }
    let described: i64 = criteria::table
        .filter(criteria::description.ne(""))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(described, 10, "every criterion has a description");
    // Every stage kind suggests focus criteria, all of them screening criteria.
    let focus: Vec<(i64, String)> = stage_kind_focus::table
        .inner_join(criteria::table)
        .select((stage_kind_focus::stage_kind_id, criteria::kind))
        .load(&mut conn)
        .unwrap();
    let kinds_with_focus: std::collections::BTreeSet<i64> = focus.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds_with_focus.len(), 6);
    assert!(focus.iter().all(|(_, kind)| kind == "criterion"));
}

#[test]
fn seeding_twice_changes_nothing() {
    let app = TestApp::spawn(); // seeded on first start
    let before = snapshot(&app);
    let report = loopwright::seed(&app.pool, None).unwrap();
    assert_eq!(
        report,
        SeedReport {
            inserted: 0,
            updated: 0,
            unchanged: report.unchanged,
            links_changed: 0
        }
    );
    assert!(report.unchanged >= 23);
    assert_eq!(snapshot(&app), before);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn editing_a_seed_file_updates_its_row_in_place() {
    let app = TestApp::spawn();
    let dir = tempfile::TempDir::new().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"),
        dir.path(),
    );
    let track_file = dir.path().join("tracks/backend-developer.toml");
    let text = std::fs::read_to_string(&track_file).unwrap();
    let edited = text.replacen(
        "name = \"Backend language, SQL and a NoSQL store\"",
        "name = \"Backend fluency and data stores\"",
        1,
    );
    assert_ne!(
        text, edited,
        "the seed file changed its wording; update this test"
    );
    std::fs::write(&track_file, edited).unwrap();

    let id_before: i64 = criteria::table
        .filter(criteria::slug.eq("backend-language-and-data-stores"))
        .select(criteria::id)
        .first(&mut app.conn())
        .unwrap();
    let report = loopwright::seed(&app.pool, Some(dir.path())).unwrap();
    assert_eq!(
        (report.inserted, report.updated, report.links_changed),
        (0, 1, 0)
    );
    let (id, name): (i64, String) = criteria::table
        .filter(criteria::slug.eq("backend-language-and-data-stores"))
        .select((criteria::id, criteria::name))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (id, name.as_str()),
        (id_before, "Backend fluency and data stores")
    );

    // And applying the edited files again changes nothing more.
    let again = loopwright::seed(&app.pool, Some(dir.path())).unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.links_changed),
        (0, 0, 0)
    );
}

#[test]
fn a_broken_seed_file_changes_nothing() {
    let app = TestApp::spawn();
    let before = snapshot(&app);
    let dir = tempfile::TempDir::new().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"),
        dir.path(),
    );
    let file = dir.path().join("stage_kinds.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "default_format = \"live-coding\"",
            "default_format = \"juggling\"",
            1,
        ),
    )
    .unwrap();
    let err = loopwright::seed(&app.pool, Some(dir.path())).unwrap_err();
    assert!(err.to_string().contains("juggling"), "{err}");
    assert_eq!(snapshot(&app), before);
}

#[test]
fn a_bulk_import_leaves_postgresql_with_statistics_and_a_start_does_not() {
    #[derive(diesel::QueryableByName)]
    struct Analyzed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        done: bool,
    }
    let app = TestApp::spawn();
    let analyzed = |app: &TestApp| {
        diesel::sql_query(
            "SELECT last_analyze IS NOT NULL AS done FROM pg_stat_user_tables \
             WHERE relname = 'questions'",
        )
        .get_result::<Analyzed>(&mut app.conn())
        .expect("the table's statistics row")
        .done
    };
    let mut bank = loopwright::bank::BankFile::embedded().expect("the embedded bank");
    let seeded = bank.question.len();
    bank.question = (0..loopwright::db::BULK_ROWS)
        .map(|i| {
            let mut q = bank.question[i % seeded].clone();
            q.slug = format!("{}-{i}", q.slug);
            q.prompt = format!("{} (variant {i})", q.prompt);
            q
        })
        .collect();
    if app.db().is_postgres() {
        assert!(!analyzed(&app), "the seed on start is not a bulk load");
    }
    let report = loopwright::bank::apply(&mut app.conn(), &bank, None).expect("the import");
    assert_eq!(report.inserted, loopwright::db::BULK_ROWS);
    if app.db().is_postgres() {
        assert!(analyzed(&app), "ANALYZE ran after the import");
    }
}
