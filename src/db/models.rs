//! Row structs and the queries that belong to each, one aggregate at a time.

use crate::domain::CriterionKind;
use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::DbConn;
use super::schema::{criteria, formats, one_time_tokens, stage_kinds, tracks, users};
use crate::domain::Role;

/// Now, in UTC, to the microsecond (what PostgreSQL keeps), so a value
/// read back equals the value written on both backends.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin`, `hiring_manager`, `recruiter` or `interviewer`.
    pub role: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub active: bool,
    #[serde(skip)]
    pub token_version: i64,
    /// UTC, without an offset.
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
    /// IANA name the person chose; `None` shows them UTC.
    pub time_zone: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct UserInsertForm<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub active: bool,
    pub token_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> UserInsertForm<'a> {
    /// An active account that can sign in with the password behind `password_hash`.
    pub fn active(
        email: &'a str,
        name: &'a str,
        role: &'a str,
        password_hash: &'a str,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            email,
            name,
            role,
            password_hash: Some(password_hash),
            active: true,
            token_version: 0,
            created_at: at,
            updated_at: at,
        }
    }
}

/// Only the fields set change; `token_version` set revokes every token.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserUpdateForm<'a> {
    pub name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub active: Option<bool>,
    pub password_hash: Option<Option<&'a str>>,
    pub token_version: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
    pub time_zone: Option<Option<&'a str>>,
}

impl User {
    pub fn role(&self) -> Role {
        // The CHECK constraint keeps `role` to the four known names.
        self.role.parse().unwrap_or(Role::Interviewer)
    }

    pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
        // The columns `User` reads, rather than `as_select()`, which ties a
        // query to one backend: every signed-in request's first trip runs
        // this, on the connection underneath (`db::run_query`). The derived
        // selection is the same columns for every backend; SQLite's names it.
        let columns = <User as Selectable<diesel::sqlite::Sqlite>>::construct_selection();
        crate::db::run_query::RunQueryDsl::first(users::table.find(id).select(columns), conn)
            .optional()
    }

    /// One page, by name; with the total.
    pub fn page(conn: &mut DbConn, page: i64, per_page: i64) -> QueryResult<(Vec<User>, i64)> {
        let total = users::table.count().get_result(conn)?;
        let rows = users::table
            .order((users::name, users::id))
            .limit(per_page)
            .offset((page - 1) * per_page)
            .select(User::as_select())
            .load(conn)?;
        Ok((rows, total))
    }

    pub fn count_active_admins(conn: &mut DbConn) -> QueryResult<i64> {
        users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::active.eq(true))
            .count()
            .get_result(conn)
    }

    pub fn update(conn: &mut DbConn, id: i64, form: &UserUpdateForm<'_>) -> QueryResult<User> {
        crate::auth::signed_in::changed(id);
        diesel::update(users::table.find(id))
            .set(form)
            .execute(conn)?;
        users::table.find(id).select(User::as_select()).first(conn)
    }

    pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn create(conn: &mut DbConn, form: &UserInsertForm<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(form)
            .returning(users::all_columns)
            .get_result(conn)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Setup,
    Invitation,
    PasswordReset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Setup => "setup",
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::PasswordReset => "password_reset",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeToken {
    pub id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub created_by: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeTokenInsertForm<'a> {
    pub purpose: &'a str,
    pub token_hash: &'a str,
    pub user_id: Option<i64>,
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub created_by: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl OneTimeToken {
    pub fn create(conn: &mut DbConn, form: &OneTimeTokenInsertForm<'_>) -> QueryResult<i64> {
        diesel::insert_into(one_time_tokens::table)
            .values(form)
            .returning(one_time_tokens::id)
            .get_result(conn)
    }

    pub fn find(
        conn: &mut DbConn,
        purpose: TokenPurpose,
        token_hash: &str,
    ) -> QueryResult<Option<OneTimeToken>> {
        one_time_tokens::table
            .filter(one_time_tokens::purpose.eq(purpose.as_str()))
            .filter(one_time_tokens::token_hash.eq(token_hash))
            .select(OneTimeToken::as_select())
            .first(conn)
            .optional()
    }

    /// Usable: not used and not expired.
    pub fn is_live(&self, at: NaiveDateTime) -> bool {
        self.used_at.is_none() && self.expires_at > at
    }

    /// Marks the token used; false if someone else used it first.
    pub fn consume(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        let changed = diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::id.eq(id))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::used_at.eq(Some(at)))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Retires every unused token of a purpose (a new setup link replaces the old).
    pub fn retire_unused(
        conn: &mut DbConn,
        purpose: TokenPurpose,
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            one_time_tokens::table
                .filter(one_time_tokens::purpose.eq(purpose.as_str()))
                .filter(one_time_tokens::used_at.is_null()),
        )
        .set(one_time_tokens::expires_at.eq(at))
        .execute(conn)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = formats)]
pub struct Format {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    pub position: i64,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = stage_kinds)]
pub struct StageKind {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    pub default_format_id: i64,
    pub default_duration_minutes: i64,
    pub position: i64,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = tracks)]
pub struct Track {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = criteria)]
pub struct Criterion {
    pub id: i64,
    pub track_id: i64,
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub candidate_description: String,
    pub position: i64,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

/// A track with how many screening criteria and red flags it holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub criteria_count: i64,
    pub red_flag_count: i64,
}

impl Track {
    /// Two queries whatever the number of tracks.
    pub fn summaries(conn: &mut DbConn) -> QueryResult<Vec<TrackSummary>> {
        let all: Vec<Track> = tracks::table
            .order(tracks::name)
            .select(Track::as_select())
            .load(conn)?;
        let kinds: Vec<(i64, String)> = criteria::table
            .select((criteria::track_id, criteria::kind))
            .load(conn)?;
        Ok(all
            .into_iter()
            .map(|t| {
                let count = |kind: &str| {
                    kinds
                        .iter()
                        .filter(|(track, k)| *track == t.id && k == kind)
                        .count() as i64
                };
                TrackSummary {
                    criteria_count: count(CriterionKind::Criterion.as_str()),
                    red_flag_count: count(CriterionKind::RedFlag.as_str()),
                    id: t.id,
                    slug: t.slug,
                    name: t.name,
                    description: t.description,
                }
            })
            .collect())
    }
}

/// Who did what to which thing, kept for accountability.
pub struct AuditEvent;

impl AuditEvent {
    pub fn record(
        conn: &mut DbConn,
        actor_id: Option<i64>,
        action: &str,
        subject: (&str, Option<i64>),
        details: serde_json::Value,
    ) -> QueryResult<()> {
        use super::schema::audit_events;
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::actor_id.eq(actor_id),
                audit_events::action.eq(action),
                audit_events::subject_type.eq(subject.0),
                audit_events::subject_id.eq(subject.1),
                audit_events::details.eq(details.to_string()),
                audit_events::created_at.eq(now()),
            ))
            .execute(conn)
            .map(|_| ())
    }
}
