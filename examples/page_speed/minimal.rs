//! The minimal page of the same stack: actix-web, diesel r2d2 on the app's
//! database (SQLite or PostgreSQL) and handlebars; one indexed read of a
//! stage and its questions (a prepared statement, kept by the connection),
//! rendered.

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{PgConnection, SqliteConnection};
use loopwright::config::DatabaseUrl;
use serde_json::json;

/// Its own pool on the app's database.
enum MinimalPool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// The minimal page's state: its pool and one template.
struct Minimal {
    pool: MinimalPool,
    templates: handlebars::Handlebars<'static>,
}

/// The app's connection settings, on every new connection.
#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

#[derive(diesel::Queryable, serde::Serialize)]
struct StageQuestion {
    title: String,
    duration_minutes: i64,
    prompt: Option<String>,
    why_asked: Option<String>,
    suggested_minutes: Option<i64>,
}

/// The stage and its questions in order: one statement, built with diesel's
/// query builder so that both backends keep it prepared (as the app's own
/// fixed-shape statements are).
macro_rules! stage_with_questions {
    ($id:expr) => {{
        use loopwright::db::schema::{questions, stage_questions, stages};
        // Flat joins, each by an index (a nested join here made SQLite scan).
        stages::table
            .left_join(stage_questions::table)
            .left_join(
                questions::table.on(stage_questions::question_id
                    .nullable()
                    .eq(questions::id.nullable())),
            )
            .filter(stages::id.eq($id))
            .order(stage_questions::position.nullable())
            .select((
                stages::title,
                stages::duration_minutes,
                questions::prompt.nullable(),
                questions::why_asked.nullable(),
                questions::suggested_minutes.nullable(),
            ))
    }};
}

const MINIMAL_TEMPLATE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{title}}</title></head>
<body><main><h1>{{title}}</h1><p>{{duration_minutes}} minutes</p>
<ol>{{#each questions}}<li><h2>{{prompt}}</h2><p>{{why_asked}}</p><p>{{suggested_minutes}} min</p></li>{{/each}}</ol>
</main></body></html>"#;

async fn minimal_stage(
    state: web::Data<Minimal>,
    id: web::Path<i64>,
) -> actix_web::Result<HttpResponse> {
    let (id, pool) = (id.into_inner(), state_pool(&state));
    let rows = web::block(move || -> Result<Vec<StageQuestion>, String> {
        match &pool {
            MinimalPool::Sqlite(pool) => {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                stage_with_questions!(id).load(&mut conn)
            }
            MinimalPool::Postgres(pool) => {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                stage_with_questions!(id).load(&mut conn)
            }
        }
        .map_err(|e| e.to_string())
    })
    .await?
    .map_err(actix_web::error::ErrorInternalServerError)?;
    let first = rows
        .first()
        .ok_or_else(|| actix_web::error::ErrorNotFound("no such stage"))?;
    let context = json!({
        "title": first.title,
        "duration_minutes": first.duration_minutes,
        "questions": rows.iter().filter(|r| r.prompt.is_some()).collect::<Vec<_>>(),
    });
    let html = state
        .templates
        .render("stage", &context)
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

fn state_pool(state: &web::Data<Minimal>) -> MinimalPool {
    match &state.pool {
        MinimalPool::Sqlite(pool) => MinimalPool::Sqlite(pool.clone()),
        MinimalPool::Postgres(pool) => MinimalPool::Postgres(pool.clone()),
    }
}

/// Starts the minimal app on the app's database; answers its base URL.
pub fn start(database: &DatabaseUrl) -> String {
    let pool = match database {
        DatabaseUrl::Sqlite(path) => {
            let url = path.to_string_lossy().into_owned();
            SqliteConnection::establish(&url).expect("the minimal app opens the database");
            MinimalPool::Sqlite(
                Pool::builder()
                    .max_size(8)
                    .min_idle(Some(1))
                    .connection_customizer(Box::new(Pragmas))
                    .build(ConnectionManager::<SqliteConnection>::new(url))
                    .expect("pool"),
            )
        }
        // The app's own pool sizes: 8 on SQLite, 16 on PostgreSQL.
        DatabaseUrl::Postgres(url) => MinimalPool::Postgres(
            Pool::builder()
                .max_size(16)
                .min_idle(Some(1))
                .build(ConnectionManager::<PgConnection>::new(url.clone()))
                .expect("pool"),
        ),
    };
    let mut templates = handlebars::Handlebars::new();
    templates
        .register_template_string("stage", MINIMAL_TEMPLATE)
        .expect("template");
    let state = web::Data::new(Minimal { pool, templates });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(state.clone())
                    .route("/stages/{id}", web::get().to(minimal_stage))
            })
            .bind("127.0.0.1:0")
            .expect("bind");
            tx.send(server.addrs()[0]).expect("send");
            server.run().await.expect("minimal server");
        })
    });
    format!("http://{}", rx.recv().expect("the minimal app started"))
}
