//! The planner: everything its page shows about one loop, loaded once and
//! checked once.

use std::collections::HashMap;

use crate::db::prelude::*;

use super::coverage::{CoverageView, coverage_for};
use super::{LoopView, load_loop};
use crate::access::{self, Action, Actor, Target};
use crate::bank::search::{QuestionQuery, QuestionSummary, search};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{
    formats, questions, stage_interviewers, stage_kinds, stage_questions, stages, users,
};
use crate::domain::Role;
use crate::error::AppError;
use crate::jobs::{JobView, job_view};

/// A stage kind or format as a choice: slug and display name.
#[derive(Debug, Clone)]
pub struct Choice {
    pub slug: String,
    pub name: String,
}

/// A question pulled into one of the loop's stages.
#[derive(Debug, Clone)]
pub struct PlannedQuestion {
    pub prompt: String,
    pub why: String,
    pub minutes: i64,
}

/// A member of the team who interviews, or could.
#[derive(Debug, Clone, Queryable, serde::Serialize, utoipa::ToSchema)]
#[schema(as = InterviewerChoice)]
pub struct Teammate {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// False for someone who left: still shown where they were planned.
    pub active: bool,
}

/// The planner of one loop (`ReadLoop`), and whether the viewer may change
/// it (`EditLoop`, from the same scope).
#[derive(Debug, Clone)]
pub struct PlannerView {
    pub shape: LoopView,
    pub job: JobView,
    pub coverage: CoverageView,
    pub questions: HashMap<i64, PlannedQuestion>,
    pub stage_kinds: Vec<Choice>,
    pub formats: Vec<Choice>,
    /// The people on this loop's stages, by name: the planner offers them
    /// on every stage, and finds anyone else by search, so the page does
    /// not grow with the company.
    pub team: Vec<Teammate>,
    pub can_edit: bool,
    /// May read the job's Insights (agreement and questions).
    pub sees_figures: bool,
}

/// See [`PlannerView`]: a fixed number of queries whatever the loop's size;
/// the loop is loaded once.
pub fn planner(conn: &mut DbConn, actor: &User, loop_id: i64) -> Result<PlannerView, AppError> {
    let scope = access::ensure(conn, actor, Action::ReadLoop, Target::Loop(loop_id))?;
    let can_edit = access::can(Actor::from(actor), Action::EditLoop, &scope).is_ok();
    let sees_figures = access::can(Actor::from(actor), Action::ReadInsights, &scope).is_ok();
    let shape = load_loop(conn, loop_id)?;
    let job = job_view(conn, shape.job_id)?;
    let coverage = coverage_for(conn, &shape, job.criteria.clone())?;
    // Reached through the loop's stages, not by lists of ids: statements
    // the connection keeps prepared.
    let questions: HashMap<i64, PlannedQuestion> = stage_questions::table
        .inner_join(questions::table)
        .inner_join(stages::table)
        .filter(stages::loop_id.eq(loop_id))
        .select((
            questions::id,
            questions::prompt,
            questions::why_asked,
            questions::suggested_minutes,
        ))
        .load::<(i64, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, prompt, why, minutes)| {
            (
                id,
                PlannedQuestion {
                    prompt,
                    why,
                    minutes,
                },
            )
        })
        .collect();
    let choice = |(slug, name): (String, String)| Choice { slug, name };
    let stage_kinds = stage_kinds::table
        .order(stage_kinds::position)
        .select((stage_kinds::slug, stage_kinds::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(choice)
        .collect();
    let formats = formats::table
        .order(formats::position)
        .select((formats::slug, formats::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(choice)
        .collect();
    let planned = stage_interviewers::table
        .inner_join(stages::table)
        .filter(stages::loop_id.eq(loop_id))
        .select(stage_interviewers::user_id);
    let team = users::table
        .filter(users::id.eq_any(planned))
        .order((users::name, users::id))
        .select(TEAMMATE_COLUMNS)
        .load::<Teammate>(conn)?;
    Ok(PlannerView {
        shape,
        job,
        coverage,
        questions,
        stage_kinds,
        formats,
        team,
        can_edit,
        sees_figures,
    })
}

const TEAMMATE_COLUMNS: (
    users::id,
    users::name,
    users::email,
    users::role,
    users::active,
) = (
    users::id,
    users::name,
    users::email,
    users::role,
    users::active,
);

/// Active people whose name or email contains `q` (any case; empty: all),
/// by name, one page of them and the total: the interviewer picker
/// (`EditLoop` on some loop). Two statements.
pub fn interviewers_matching(
    conn: &mut DbConn,
    actor: &User,
    q: &str,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Teammate>, i64), AppError> {
    // A list hides nothing: whoever may never plan a loop gets a 403.
    if access::can_ever(Actor::from(actor), Action::EditLoop).is_err() {
        return Err(AppError::Forbidden(
            "Searching the team is for those who plan loops.".into(),
        ));
    }
    let pattern = format!("%{}%", crate::db::like_escaped(&q.trim().to_lowercase()));
    let matching = || {
        users::table.filter(users::active.eq(true)).filter(
            crate::db::lower(users::name)
                .like(pattern.clone())
                .escape('\\')
                .or(crate::db::lower(users::email)
                    .like(pattern.clone())
                    .escape('\\')),
        )
    };
    let total = matching().count().get_result::<i64>(conn)?;
    let people = matching()
        .order((users::name, users::id))
        .limit(per_page)
        .offset((page - 1).saturating_mul(per_page))
        .select(TEAMMATE_COLUMNS)
        .load::<Teammate>(conn)?;
    Ok((people, total))
}

/// The people typed into a field that names interviewers (a stage's "add
/// interviewers", the debrief's "hand this stage to"): emails or full
/// names, separated by commas or new lines, each matched exactly (any
/// case) to one active person; a suggestion as the pages show it, "Name
/// <email>", is matched by its email. Errors name the first entry that
/// matches nobody, or several people, as a field error on `field`. One
/// statement, whatever was typed.
pub fn typed_interviewers(
    conn: &mut DbConn,
    field: &str,
    typed: &str,
) -> Result<Vec<i64>, AppError> {
    typed_people(conn, field, typed, TypedAmong::Active)
}

/// The one person a typed field names (a job's manager, the audit log's
/// person), among the people `among` says: `None` when the field is empty;
/// a field error on `field` when an entry matches no one or several
/// people, or when more than one person is named.
pub fn typed_person(
    conn: &mut DbConn,
    field: &str,
    typed: &str,
    among: TypedAmong,
) -> Result<Option<i64>, AppError> {
    match typed_people(conn, field, typed, among)?[..] {
        [] => Ok(None),
        [id] => Ok(Some(id)),
        _ => Err(AppError::field(field, "Name one person.")),
    }
}

/// Whom a typed field may name: the active team, or anyone who has had an
/// account (the audit log's people include those who left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedAmong {
    Active,
    Anyone,
}

/// [`typed_interviewers`], among the people `among` says.
pub fn typed_people(
    conn: &mut DbConn,
    field: &str,
    typed: &str,
    among: TypedAmong,
) -> Result<Vec<i64>, AppError> {
    use diesel::sql_types::Bool;
    let entries: Vec<String> = typed
        .split([',', '\n', ';'])
        .map(suggested_email)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<String> = entries.iter().map(|e| e.to_lowercase()).collect();
    // Emails are stored in lower case; SQLite folds only ASCII, so names
    // are also asked as typed, and compared again below.
    let anyone = among == TypedAmong::Anyone;
    let found: Vec<(i64, String, String)> = users::table
        .filter(users::active.eq(true).or(anyone.into_sql::<Bool>()))
        .filter(
            users::email
                .eq_any(&wanted)
                .or(crate::db::lower(users::name).eq_any(&wanted))
                .or(users::name.eq_any(&entries)),
        )
        .select((users::id, users::name, users::email))
        .load(conn)?;
    let mut ids = Vec::new();
    for (entry, key) in entries.iter().zip(&wanted) {
        let by_email: Vec<i64> = found
            .iter()
            .filter(|(_, _, email)| email.to_lowercase() == *key)
            .map(|(id, ..)| *id)
            .collect();
        let by_name: Vec<i64> = found
            .iter()
            .filter(|(_, name, _)| name.to_lowercase() == *key)
            .map(|(id, ..)| *id)
            .collect();
        let id = match (by_email.as_slice(), by_name.as_slice()) {
            ([id], _) | ([], [id]) => *id,
            ([], []) => {
                return Err(AppError::field(
                    field,
                    format!("Nobody on the team has the email or name \"{entry}\"."),
                ));
            }
            _ => {
                return Err(AppError::field(
                    field,
                    format!("Several people are called \"{entry}\": type their email instead."),
                ));
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// One typed entry, trimmed; "Name <email>" (a suggestion) becomes the email.
fn suggested_email(entry: &str) -> String {
    let entry = entry.trim();
    match entry.strip_suffix('>').and_then(|e| e.rsplit_once('<')) {
        Some((_, email)) if email.contains('@') => email.trim().to_owned(),
        _ => entry.to_owned(),
    }
}

/// The bank panel of one stage: questions that suit its kind, those that
/// probe its focus first, and what it already holds (`EditLoop`).
pub struct QuestionPanel {
    pub job_id: i64,
    pub job_title: String,
    pub stage: super::StageView,
    pub kind_name: String,
    pub focus_names: Vec<String>,
    /// Minutes of the questions already in the stage.
    pub planned_minutes: i64,
    pub loop_version: i64,
    /// The loop's other stages that already ask a question ("2. Hiring
    /// manager interview"), by question id.
    pub elsewhere: HashMap<i64, Vec<String>>,
    pub results: Vec<QuestionSummary>,
    pub total: i64,
    /// More match than `total` counts (see [`crate::bank::search::Found`]).
    pub more: bool,
}

/// See [`QuestionPanel`]; `text` narrows the search.
pub fn question_panel(
    conn: &mut DbConn,
    actor: &User,
    stage_id: i64,
    text: &str,
) -> Result<QuestionPanel, AppError> {
    let loop_id = super::loop_to_change(conn, actor, stage_id)?;
    let shape = load_loop(conn, loop_id)?;
    let job = job_view(conn, shape.job_id)?;
    let mut elsewhere: HashMap<i64, Vec<String>> = HashMap::new();
    for (i, other) in shape.stages.iter().enumerate() {
        if other.id == stage_id {
            continue;
        }
        for q in &other.question_ids {
            elsewhere
                .entry(*q)
                .or_default()
                .push(format!("{}. {}", i + 1, other.title));
        }
    }
    let stage = shape
        .stages
        .into_iter()
        .find(|s| s.id == stage_id)
        .ok_or(AppError::NotFound)?;
    let kind_name: String = stage_kinds::table
        .filter(stage_kinds::slug.eq(&stage.stage_kind))
        .select(stage_kinds::name)
        .first(conn)?;
    let focus_names: Vec<String> = job
        .criteria
        .iter()
        .filter(|c| stage.focus_criterion_ids.contains(&c.id))
        .map(|c| c.name.clone())
        .collect();
    let bank_query = QuestionQuery {
        q: Some(text.to_owned()).filter(|t| !t.trim().is_empty()),
        stage_kind: Some(stage.stage_kind.clone()),
        per_page: Some(50),
        ..QuestionQuery::default()
    };
    let found = search(conn, &bank_query)?;
    let mut results = found.questions;
    let planned_minutes: i64 = questions::table
        .filter(questions::id.eq_any(&stage.question_ids))
        .select(questions::suggested_minutes)
        .load::<i64>(conn)?
        .into_iter()
        .sum();
    // Questions no stage asks come first (those already here last), then
    // those probing the stage's focus: the top suggestion is never a
    // duplicate when another question suits.
    results.sort_by_key(|r| {
        (
            stage.question_ids.contains(&r.id),
            elsewhere.contains_key(&r.id),
            !r.criteria.iter().any(|c| focus_names.contains(&c.name)),
        )
    });
    Ok(QuestionPanel {
        job_id: job.id,
        job_title: job.title,
        stage,
        kind_name,
        focus_names,
        planned_minutes,
        loop_version: shape.version,
        elsewhere,
        results,
        total: found.total,
        more: found.more,
    })
}

#[cfg(test)]
mod tests {
    use super::suggested_email;

    #[test]
    fn a_suggestion_is_read_by_its_email_anything_else_as_typed() {
        assert_eq!(
            suggested_email("  Ada Lovelace <ada@example.com> "),
            "ada@example.com"
        );
        assert_eq!(suggested_email("ada@example.com"), "ada@example.com");
        assert_eq!(suggested_email(" Ada Lovelace "), "Ada Lovelace");
        assert_eq!(
            suggested_email("Ada <not an address>"),
            "Ada <not an address>"
        );
    }
}
