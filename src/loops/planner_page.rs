//! The planner page's context: what the template shows, built from a
//! [`PlannerView`] without touching the database.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::planner::PlannerView;
use crate::domain::CriterionKind;
use crate::jobs::JobCriterion;
use crate::web::form::{SelectOption, options};

#[derive(Serialize)]
pub struct PlannerPage {
    job: JobHeading,
    #[serde(rename = "loop")]
    loop_: LoopHeading,
    can_edit: bool,
    /// Links to the job's Insights.
    sees_figures: bool,
    /// The job's own criteria are edited on its template's planner.
    job_criteria_editable: bool,
    criteria: Vec<CriterionRow>,
    /// The form that adds a criterion: what was typed, if it was refused.
    new_criterion: CriterionRow,
    stage_kinds: Vec<SelectOption>,
    /// The formats as `(slug, name)`: each stage's edit panel offers them
    /// with its own chosen.
    #[serde(skip)]
    formats: Vec<(String, String)>,
    stages: Vec<StageCard>,
    coverage: CoverageMatrix,
    warnings: Vec<Message>,
    /// A refused stage edit, for the summary at the top: each error links
    /// to its field in the stage's open edit panel.
    error_list: Vec<StageFieldError>,
    /// What the summary says was not saved.
    error_lead: &'static str,
}

#[derive(Serialize)]
struct StageFieldError {
    field_id: String,
    message: String,
}

/// One of the job's criteria in its editor: the saved name (for labels)
/// and the values in its fields (what was typed, after a refused save).
#[derive(Serialize, Default)]
struct CriterionRow {
    id: i64,
    kind: String,
    name: String,
    value_name: String,
    value_description: String,
    /// Errors by field name (`name`, `description`, `kind`).
    errors: BTreeMap<String, String>,
}

impl From<&JobCriterion> for CriterionRow {
    fn from(c: &JobCriterion) -> Self {
        CriterionRow {
            id: c.id,
            kind: c.kind.as_str().to_owned(),
            name: c.name.clone(),
            value_name: c.name.clone(),
            value_description: c.description.clone(),
            errors: BTreeMap::new(),
        }
    }
}

/// What was typed into a criterion's row (`id`) or the add form (`None`).
#[derive(Debug, Clone, Default)]
pub struct CriterionEdit {
    pub id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub description: String,
}

/// What was typed into a stage's edit form, shown again with its errors.
#[derive(Debug, Clone, Default)]
pub struct StageEdit {
    pub stage_id: i64,
    pub title: String,
    pub format: String,
    /// As typed, so "0" or "ten" comes back as it was.
    pub duration: String,
    pub focus: Vec<i64>,
    pub interviewers: Vec<i64>,
    /// The "add interviewers" field as typed.
    pub add_interviewers: String,
}

#[derive(Serialize)]
struct JobHeading {
    id: i64,
    title: String,
    team: String,
    track_name: String,
    status: crate::domain::JobStatus,
    hiring_manager_name: Option<String>,
}

#[derive(Serialize)]
struct LoopHeading {
    id: i64,
    version: i64,
    candidate_id: Option<i64>,
}

#[derive(Serialize)]
struct Checkbox {
    id: i64,
    name: String,
    checked: bool,
    /// The person's role, for interviewer boxes.
    #[serde(skip_serializing_if = "Option::is_none")]
    role_label: Option<&'static str>,
}

#[derive(Serialize)]
struct QuestionLine {
    id: i64,
    prompt: String,
    why: String,
    minutes: i64,
    is_first: bool,
    is_last: bool,
}

#[derive(Serialize)]
struct StageCard {
    id: i64,
    position: i64,
    number: usize,
    title: String,
    kind_name: String,
    /// Kind, format and minutes, each left out where it repeats the title
    /// ("Recruiter screen · Behavioural (STAR) · 30 min").
    meta: String,
    format: String,
    format_name: String,
    duration_minutes: i64,
    planned_minutes: i64,
    over_budget: bool,
    is_first: bool,
    is_last: bool,
    focus: Vec<Checkbox>,
    interviewers: Vec<Checkbox>,
    questions: Vec<QuestionLine>,
    question_count: usize,
    /// "question" or "questions", after `question_count`.
    question_word: &'static str,
    /// The edit panel's values: the stage's own, or what was typed.
    edit: EditValues,
    /// The edit panel's formats, the stage's own (or the one typed) chosen.
    format_options: Vec<SelectOption>,
    edit_open: bool,
    /// Errors by field name (`title`, `duration_minutes`, `format`).
    errors: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct EditValues {
    title: String,
    duration: String,
    /// Emails or names to add, as typed.
    add_interviewers: String,
}

#[derive(Serialize)]
struct ColumnHeader {
    stage_id: i64,
    number: usize,
    title: String,
}

/// One stage against one criterion in the coverage table, decided here so
/// that the template writes it without a helper per cell.
#[derive(Serialize)]
struct Cell {
    /// `cell-probed` (questions probe it), `cell-gap` (a focus no
    /// question probes) or `cell-empty`.
    class: &'static str,
    focus: bool,
    questions: usize,
    /// "question" or "questions", after `questions`.
    question_word: &'static str,
    /// Neither a focus nor probed by a question.
    unprobed: bool,
    /// A focus that none of the stage's questions probes.
    unasked: bool,
}

impl Cell {
    fn new(focus: bool, questions: usize) -> Self {
        let class = match (questions > 0, focus) {
            (true, _) => "cell-probed",
            (false, true) => "cell-gap",
            (false, false) => "cell-empty",
        };
        Cell {
            class,
            focus,
            questions,
            question_word: question_word(questions),
            unprobed: !focus && questions == 0,
            unasked: focus && questions == 0,
        }
    }
}

/// Choices as `(value, label)` rows for [`options`].
fn rows_of(choices: Vec<super::planner::Choice>) -> Vec<(String, String)> {
    choices.into_iter().map(|c| (c.slug, c.name)).collect()
}

fn question_word(count: usize) -> &'static str {
    if count == 1 { "question" } else { "questions" }
}

#[derive(Serialize)]
struct Row {
    name: String,
    kind: CriterionKind,
    red_flag: bool,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct CoverageMatrix {
    headers: Vec<ColumnHeader>,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Message {
    message: String,
}

impl From<PlannerView> for PlannerPage {
    fn from(view: PlannerView) -> Self {
        let PlannerView {
            shape,
            job,
            coverage,
            questions,
            stage_kinds,
            formats,
            team,
            can_edit,
            sees_figures,
        } = view;
        let name_of = |choices: &[super::planner::Choice], slug: &str| {
            choices
                .iter()
                .find(|c| c.slug == slug)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let format_rows = rows_of(formats.clone());
        let criterion_names: HashMap<i64, String> = job
            .criteria
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect();
        let stage_names: HashMap<i64, String> = shape
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, format!("{}. {}", i + 1, s.title)))
            .collect();
        let question_names: HashMap<i64, String> = questions
            .iter()
            .map(|(id, q)| (*id, q.prompt.clone()))
            .collect();
        let budgets: HashMap<i64, (i64, bool)> = coverage
            .coverage
            .budgets
            .iter()
            .map(|b| (b.stage_id, (b.planned_minutes, b.over)))
            .collect();
        let last = shape.stages.len().saturating_sub(1);
        let stages = shape
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let q_last = s.question_ids.len().saturating_sub(1);
                StageCard {
                    id: s.id,
                    position: s.position,
                    number: i + 1,
                    title: s.title.clone(),
                    kind_name: name_of(&stage_kinds, &s.stage_kind),
                    meta: stage_meta(
                        &s.title,
                        &name_of(&stage_kinds, &s.stage_kind),
                        &name_of(&formats, &s.format),
                        s.duration_minutes,
                    ),
                    format: s.format.clone(),
                    format_name: name_of(&formats, &s.format),
                    duration_minutes: s.duration_minutes,
                    planned_minutes: budgets.get(&s.id).map_or(0, |b| b.0),
                    over_budget: budgets.get(&s.id).is_some_and(|b| b.1),
                    is_first: i == 0,
                    is_last: i == last,
                    focus: job
                        .criteria
                        .iter()
                        .filter(|c| c.kind == CriterionKind::Criterion)
                        .map(|c| Checkbox {
                            id: c.id,
                            name: c.name.clone(),
                            checked: s.focus_criterion_ids.contains(&c.id),
                            role_label: None,
                        })
                        .collect(),
                    interviewers: team
                        .iter()
                        .map(|p| Checkbox {
                            id: p.id,
                            name: p.name.clone(),
                            checked: s.interviewer_ids.contains(&p.id),
                            role_label: Some(if p.active { p.role.label() } else { "left" }),
                        })
                        .collect(),
                    questions: s
                        .question_ids
                        .iter()
                        .enumerate()
                        .filter_map(|(j, id)| {
                            questions.get(id).map(|q| QuestionLine {
                                id: *id,
                                prompt: q.prompt.clone(),
                                why: q.why.clone(),
                                minutes: q.minutes,
                                is_first: j == 0,
                                is_last: j == q_last,
                            })
                        })
                        .collect(),
                    question_count: s.question_ids.len(),
                    question_word: question_word(s.question_ids.len()),
                    format_options: options(format_rows.clone(), &s.format),
                    edit: EditValues {
                        title: s.title.clone(),
                        duration: s.duration_minutes.to_string(),
                        add_interviewers: String::new(),
                    },
                    edit_open: false,
                    errors: BTreeMap::new(),
                }
            })
            .collect();
        let rows = coverage
            .coverage
            .rows
            .iter()
            .map(|r| Row {
                name: criterion_names
                    .get(&r.criterion_id)
                    .cloned()
                    .unwrap_or_default(),
                kind: r.kind,
                red_flag: r.kind == CriterionKind::RedFlag,
                cells: r
                    .cells
                    .iter()
                    .map(|c| Cell::new(c.focus, c.questions))
                    .collect(),
            })
            .collect();
        let warnings = coverage
            .coverage
            .warnings
            .iter()
            .map(|w| Message {
                message: super::coverage::warning_text(
                    w,
                    &criterion_names,
                    &stage_names,
                    &question_names,
                ),
            })
            .collect();
        PlannerPage {
            job: JobHeading {
                id: job.id,
                title: job.title,
                team: job.team,
                track_name: job.track.name,
                status: job.status,
                hiring_manager_name: job.hiring_manager.map(|m| m.name),
            },
            loop_: LoopHeading {
                id: shape.id,
                version: shape.version,
                candidate_id: shape.candidate_id,
            },
            can_edit,
            sees_figures,
            job_criteria_editable: can_edit && shape.candidate_id.is_none(),
            criteria: job.criteria.iter().map(CriterionRow::from).collect(),
            new_criterion: CriterionRow {
                kind: "criterion".to_owned(),
                ..CriterionRow::default()
            },
            stage_kinds: options(rows_of(stage_kinds), ""),
            formats: format_rows,
            stages,
            coverage: CoverageMatrix {
                headers: shape
                    .stages
                    .iter()
                    .enumerate()
                    .map(|(i, s)| ColumnHeader {
                        stage_id: s.id,
                        number: i + 1,
                        title: s.title.clone(),
                    })
                    .collect(),
                rows,
            },
            warnings,
            error_list: Vec::new(),
            error_lead: "The stage was not saved.",
        }
    }
}

impl PlannerPage {
    pub fn title(&self) -> &str {
        &self.job.title
    }

    /// Shows a refused change to a criterion (or a new one): its row with
    /// what was typed, each error beside its field and listed at the top.
    pub fn with_criterion_edit(
        mut self,
        typed: CriterionEdit,
        errors: BTreeMap<String, String>,
    ) -> Self {
        let prefix = match typed.id {
            Some(id) => format!("criterion-{id}"),
            None => "field-new-criterion".to_owned(),
        };
        let row = match typed.id {
            Some(id) => match self.criteria.iter_mut().find(|c| c.id == id) {
                Some(row) => row,
                None => return self,
            },
            None => &mut self.new_criterion,
        };
        row.value_name = typed.name;
        row.value_description = typed.description;
        if typed.id.is_none() && !typed.kind.is_empty() {
            row.kind = typed.kind;
        }
        let rank = |field: &str| {
            ["kind", "name", "description"]
                .iter()
                .position(|f| *f == field)
                .unwrap_or(usize::MAX)
        };
        let mut ordered: Vec<(&String, &String)> = errors.iter().collect();
        ordered.sort_by_key(|(field, _)| rank(field));
        self.error_list = ordered
            .into_iter()
            .map(|(field, message)| StageFieldError {
                field_id: format!("{prefix}-{field}"),
                message: message.clone(),
            })
            .collect();
        row.errors = errors;
        self.error_lead = "The criterion was not saved.";
        self
    }

    /// Shows a refused stage edit: its panel open with what was typed, each
    /// error beside its field and listed at the top.
    pub fn with_stage_edit(mut self, typed: StageEdit, errors: BTreeMap<String, String>) -> Self {
        let Some(card) = self.stages.iter_mut().find(|s| s.id == typed.stage_id) else {
            return self;
        };
        card.format_options = options(self.formats.clone(), &typed.format);
        card.edit = EditValues {
            title: typed.title,
            duration: typed.duration,
            add_interviewers: typed.add_interviewers,
        };
        for b in &mut card.focus {
            b.checked = typed.focus.contains(&b.id);
        }
        for b in &mut card.interviewers {
            b.checked = typed.interviewers.contains(&b.id);
        }
        card.edit_open = true;
        let field_id = |field: &str| {
            let name = match field {
                "duration_minutes" => "duration",
                "add_interviewers" => "add-interviewers",
                "title" | "format" => field,
                _ => "title",
            };
            format!("stage-{}-{name}", card.id)
        };
        // In the order of the form, not of the field names.
        let rank = |field: &str| {
            ["title", "format", "duration_minutes", "add_interviewers"]
                .iter()
                .position(|f| *f == field)
                .unwrap_or(usize::MAX)
        };
        let mut ordered: Vec<(&String, &String)> = errors.iter().collect();
        ordered.sort_by_key(|(field, _)| rank(field));
        self.error_list = ordered
            .into_iter()
            .map(|(field, message)| StageFieldError {
                field_id: field_id(field),
                message: message.clone(),
            })
            .collect();
        card.errors = errors;
        self
    }
}

/// The line under a stage's title: its kind and format unless they repeat
/// the title (or each other), then its minutes.
fn stage_meta(title: &str, kind: &str, format: &str, minutes: i64) -> String {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut parts: Vec<String> = Vec::new();
    if !kind.is_empty() && !same(kind, title) {
        parts.push(kind.to_owned());
    }
    if !format.is_empty() && !same(format, title) && !same(format, kind) {
        parts.push(format.to_owned());
    }
    parts.push(format!("{minutes} min"));
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::stage_meta;

    #[test]
    fn a_stage_line_does_not_repeat_its_title() {
        assert_eq!(
            stage_meta(
                "Recruiter screen",
                "Recruiter screen",
                "Behavioural (STAR)",
                30
            ),
            "Behavioural (STAR) · 30 min"
        );
        assert_eq!(
            stage_meta(
                "Past project deep-dive",
                "Past project deep-dive",
                "Past project deep-dive",
                60
            ),
            "60 min"
        );
        assert_eq!(
            stage_meta("Intro call", "Recruiter screen", "Behavioural (STAR)", 25),
            "Recruiter screen · Behavioural (STAR) · 25 min"
        );
    }
}
