//! The stage's bank panel as its page shows it: the search, its results,
//! and which stages of the loop already ask each question.

use serde::Serialize;

/// The stage's bank panel as its page shows it.
#[derive(Serialize)]
pub struct QuestionPanelPage {
    job: JobRef,
    stage: PanelStage,
    #[serde(rename = "loop")]
    loop_: PanelLoop,
    query: PanelQueryEcho,
    focus_names: Vec<String>,
    total: i64,
    /// More questions match than `total` counts.
    more: bool,
    results: Vec<PanelResult>,
}

#[derive(Serialize)]
struct JobRef {
    id: i64,
    title: String,
}

#[derive(Serialize)]
struct PanelStage {
    id: i64,
    title: String,
    kind_name: String,
    duration_minutes: i64,
    planned_minutes: i64,
    over_budget: bool,
}

#[derive(Serialize)]
struct PanelLoop {
    version: i64,
}

#[derive(Serialize)]
struct PanelQueryEcho {
    q: String,
}

#[derive(Serialize)]
struct PanelResult {
    id: i64,
    prompt: String,
    why: String,
    minutes: i64,
    in_stage: bool,
    /// Other stages of the loop that ask it already.
    used_in: Vec<String>,
    criteria: Vec<crate::bank::search::Chip>,
    red_flags: Vec<crate::bank::search::Chip>,
}

impl QuestionPanelPage {
    pub fn new(panel: super::planner::QuestionPanel, q: String) -> Self {
        let stage = &panel.stage;
        QuestionPanelPage {
            job: JobRef {
                id: panel.job_id,
                title: panel.job_title.clone(),
            },
            stage: PanelStage {
                id: stage.id,
                title: stage.title.clone(),
                kind_name: panel.kind_name.clone(),
                duration_minutes: stage.duration_minutes,
                planned_minutes: panel.planned_minutes,
                over_budget: panel.planned_minutes > stage.duration_minutes,
            },
            loop_: PanelLoop {
                version: panel.loop_version,
            },
            query: PanelQueryEcho { q },
            focus_names: panel.focus_names.clone(),
            total: panel.total,
            more: panel.more,
            results: panel
                .results
                .iter()
                .map(|r| PanelResult {
                    id: r.id,
                    prompt: r.prompt.clone(),
                    why: r.why.clone(),
                    minutes: r.minutes,
                    in_stage: stage.question_ids.contains(&r.id),
                    used_in: panel.elsewhere.get(&r.id).cloned().unwrap_or_default(),
                    criteria: r.criteria.clone(),
                    red_flags: r.red_flags.clone(),
                })
                .collect(),
        }
    }
}
