//! Revisions: the shape of a loop at every version, and what changed between two.

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;

use super::{LoopView, StageView, load_loop};
use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::db::schema::loop_revisions;
use crate::error::AppError;

pub(crate) fn record_revision(
    conn: &mut DbConn,
    loop_id: i64,
    version: i64,
    actor: Option<i64>,
    summary: &str,
) -> Result<(), AppError> {
    let shape = load_loop(conn, loop_id)?;
    record_revision_of(conn, &shape, version, actor, summary)
}

/// Records the shape of a loop already loaded as revision `version`.
pub(crate) fn record_revision_of(
    conn: &mut DbConn,
    shape: &LoopView,
    version: i64,
    actor: Option<i64>,
    summary: &str,
) -> Result<(), AppError> {
    let loop_id = shape.id;
    diesel::insert_into(loop_revisions::table)
        .values((
            loop_revisions::loop_id.eq(loop_id),
            loop_revisions::version.eq(version),
            loop_revisions::snapshot
                .eq(serde_json::to_string(&shape.stages).map_err(AppError::internal)?),
            loop_revisions::changed_by.eq(actor),
            loop_revisions::summary.eq(summary),
            loop_revisions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Revision {
    pub version: i64,
    pub summary: String,
    pub changed_by: Option<i64>,
    pub changed_at: String,
    pub stages: Vec<StageView>,
}

/// What changed from one version of a loop to another.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<StageDiff>,
}

/// Compares two versions of a loop (`ReadLoop`); a version the loop never
/// had is a field error on `from` or `to`.
pub fn compare(
    conn: &mut DbConn,
    actor: &User,
    loop_id: i64,
    from: i64,
    to: i64,
) -> Result<Comparison, AppError> {
    let all = revisions(conn, actor, loop_id)?;
    let find = |v: i64, field: &str| {
        all.iter()
            .find(|r| r.version == v)
            .ok_or_else(|| AppError::field(field, format!("This loop has no version {v}.")))
    };
    let (a, b) = (find(from, "from")?, find(to, "to")?);
    Ok(Comparison {
        from,
        to,
        changes: diff(&a.stages, &b.stages),
    })
}

/// Every version of a loop's shape, oldest first (`ReadLoop`).
pub fn revisions(conn: &mut DbConn, actor: &User, loop_id: i64) -> Result<Vec<Revision>, AppError> {
    access::ensure(conn, actor, Action::ReadLoop, Target::Loop(loop_id))?;
    let rows: Vec<(i64, String, Option<i64>, NaiveDateTime, String)> = loop_revisions::table
        .filter(loop_revisions::loop_id.eq(loop_id))
        .order(loop_revisions::version)
        .select((
            loop_revisions::version,
            loop_revisions::summary,
            loop_revisions::changed_by,
            loop_revisions::created_at,
            loop_revisions::snapshot,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(version, summary, changed_by, at, snapshot)| {
            Ok(Revision {
                version,
                summary,
                changed_by,
                changed_at: at.and_utc().to_rfc3339(),
                stages: serde_json::from_str(&snapshot).map_err(AppError::internal)?,
            })
        })
        .collect()
}

/// One difference between two shapes of a loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageDiff {
    Added {
        stage_id: i64,
        title: String,
    },
    Removed {
        stage_id: i64,
        title: String,
    },
    Moved {
        stage_id: i64,
        from: usize,
        to: usize,
    },
    Changed {
        stage_id: i64,
        fields: Vec<&'static str>,
    },
}

/// What changed from one version's stages to another's (matched by stage id).
pub fn diff(before: &[StageView], after: &[StageView]) -> Vec<StageDiff> {
    let mut out = Vec::new();
    for (i, b) in before.iter().enumerate() {
        match after.iter().position(|a| a.id == b.id) {
            None => out.push(StageDiff::Removed {
                stage_id: b.id,
                title: b.title.clone(),
            }),
            Some(j) => {
                let a = &after[j];
                let mut fields = Vec::new();
                let checks: [(&'static str, bool); 10] = [
                    ("title", a.title != b.title),
                    ("stage_kind", a.stage_kind != b.stage_kind),
                    ("format", a.format != b.format),
                    ("duration_minutes", a.duration_minutes != b.duration_minutes),
                    (
                        "focus_criterion_ids",
                        a.focus_criterion_ids != b.focus_criterion_ids,
                    ),
                    ("interviewer_ids", a.interviewer_ids != b.interviewer_ids),
                    ("question_ids", a.question_ids != b.question_ids),
                    ("starts_at", a.starts_at != b.starts_at),
                    ("time_zone", a.time_zone != b.time_zone),
                    ("location", a.location != b.location),
                ];
                fields.extend(
                    checks
                        .into_iter()
                        .filter(|(_, changed)| *changed)
                        .map(|(name, _)| name),
                );
                let from_rank = before
                    .iter()
                    .take(i)
                    .filter(|x| after.iter().any(|a| a.id == x.id))
                    .count();
                let to_rank = after
                    .iter()
                    .take(j)
                    .filter(|x| before.iter().any(|b| b.id == x.id))
                    .count();
                if from_rank != to_rank {
                    out.push(StageDiff::Moved {
                        stage_id: b.id,
                        from: i,
                        to: j,
                    });
                }
                if !fields.is_empty() {
                    out.push(StageDiff::Changed {
                        stage_id: b.id,
                        fields,
                    });
                }
            }
        }
    }
    for a in after
        .iter()
        .filter(|a| !before.iter().any(|b| b.id == a.id))
    {
        out.push(StageDiff::Added {
            stage_id: a.id,
            title: a.title.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(id: i64, title: &str, minutes: i64) -> StageView {
        StageView {
            id,
            position: 0,
            stage_kind: "live-coding-round".into(),
            title: title.into(),
            format: "live-coding".into(),
            duration_minutes: minutes,
            focus_criterion_ids: vec![],
            interviewer_ids: vec![],
            question_ids: vec![],
            starts_at: None,
            time_zone: None,
            location: None,
        }
    }

    #[test]
    fn the_diff_names_added_removed_moved_and_changed_stages() {
        let before = [
            stage(1, "Screen", 30),
            stage(2, "Coding", 60),
            stage(3, "Design", 60),
        ];
        let after = [
            stage(3, "Design", 60),
            stage(1, "Screen call", 30),
            stage(4, "Values", 45),
        ];
        assert_eq!(
            diff(&before, &after),
            [
                StageDiff::Moved {
                    stage_id: 1,
                    from: 0,
                    to: 1
                },
                StageDiff::Changed {
                    stage_id: 1,
                    fields: vec!["title"]
                },
                StageDiff::Removed {
                    stage_id: 2,
                    title: "Coding".into()
                },
                StageDiff::Moved {
                    stage_id: 3,
                    from: 2,
                    to: 0
                },
                StageDiff::Added {
                    stage_id: 4,
                    title: "Values".into()
                },
            ]
        );
        assert!(diff(&before, &before).is_empty());
    }
}
