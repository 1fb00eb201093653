//! Coverage of a loop: which of the job's criteria and red flags each stage
//! probes, and what a planner should look at before the loop is used.
//! Pure: the caller loads the loop; this decides.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::text_enum::text_enum;

text_enum! {
    /// What a criterion is for: something to screen for, or a red flag that
    /// counts against.
    pub enum CriterionKind {
        Criterion = ("criterion", "Criterion"),
        RedFlag = ("red_flag", "Red flag"),
    }
}

#[derive(Debug, Clone)]
pub struct CriterionRef {
    pub id: i64,
    pub kind: CriterionKind,
}

#[derive(Debug, Clone)]
pub struct QuestionPlan {
    pub id: i64,
    pub minutes: i64,
    /// The job criteria (and red flags) this question probes or can surface.
    pub probes: BTreeSet<i64>,
}

#[derive(Debug, Clone)]
pub struct StagePlan {
    pub id: i64,
    pub duration_minutes: i64,
    pub focus: BTreeSet<i64>,
    pub questions: Vec<QuestionPlan>,
    pub interviewers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub stage_id: i64,
    /// The stage names this criterion among its focus criteria.
    pub focus: bool,
    /// How many of the stage's questions probe it.
    pub questions: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Row {
    pub criterion_id: i64,
    pub kind: CriterionKind,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Budget {
    pub stage_id: i64,
    pub planned_minutes: i64,
    pub duration_minutes: i64,
    pub over: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// No stage focuses on it and no question probes it.
    CriterionNotProbed {
        criterion_id: i64,
    },
    /// No question in the loop can surface it.
    RedFlagNotSurfaced {
        criterion_id: i64,
    },
    /// Every stage probes it (with two stages or more): time spent twice.
    CriterionProbedEverywhere {
        criterion_id: i64,
    },
    StageWithoutQuestions {
        stage_id: i64,
    },
    StageWithoutInterviewer {
        stage_id: i64,
    },
    StageOverBudget {
        stage_id: i64,
        planned_minutes: i64,
        duration_minutes: i64,
    },
    QuestionInSeveralStages {
        question_id: i64,
        stage_ids: Vec<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub rows: Vec<Row>,
    pub budgets: Vec<Budget>,
    pub warnings: Vec<Warning>,
}

/// A stage probes a criterion when it focuses on it or one of its questions
/// probes it. Rows follow `criteria`, cells follow `stages`; warnings come in
/// a stable order (criteria first, then stages, then questions).
pub fn coverage(criteria: &[CriterionRef], stages: &[StagePlan]) -> Coverage {
    let rows: Vec<Row> = criteria
        .iter()
        .map(|c| Row {
            criterion_id: c.id,
            kind: c.kind,
            cells: stages
                .iter()
                .map(|s| Cell {
                    stage_id: s.id,
                    focus: s.focus.contains(&c.id),
                    questions: s
                        .questions
                        .iter()
                        .filter(|q| q.probes.contains(&c.id))
                        .count(),
                })
                .collect(),
        })
        .collect();

    let mut warnings = Vec::new();
    for row in &rows {
        let probing = row
            .cells
            .iter()
            .filter(|cell| cell.focus || cell.questions > 0)
            .count();
        let surfaced = row.cells.iter().any(|cell| cell.questions > 0);
        match row.kind {
            CriterionKind::Criterion if probing == 0 => {
                warnings.push(Warning::CriterionNotProbed {
                    criterion_id: row.criterion_id,
                })
            }
            CriterionKind::Criterion if stages.len() >= 2 && probing == stages.len() => warnings
                .push(Warning::CriterionProbedEverywhere {
                    criterion_id: row.criterion_id,
                }),
            CriterionKind::RedFlag if !surfaced => warnings.push(Warning::RedFlagNotSurfaced {
                criterion_id: row.criterion_id,
            }),
            _ => {}
        }
    }

    let budgets: Vec<Budget> = stages
        .iter()
        .map(|s| {
            let planned_minutes = s.questions.iter().map(|q| q.minutes).sum();
            Budget {
                stage_id: s.id,
                planned_minutes,
                duration_minutes: s.duration_minutes,
                over: planned_minutes > s.duration_minutes,
            }
        })
        .collect();
    for (s, budget) in stages.iter().zip(&budgets) {
        if s.questions.is_empty() {
            warnings.push(Warning::StageWithoutQuestions { stage_id: s.id });
        }
        if s.interviewers == 0 {
            warnings.push(Warning::StageWithoutInterviewer { stage_id: s.id });
        }
        if budget.over {
            warnings.push(Warning::StageOverBudget {
                stage_id: s.id,
                planned_minutes: budget.planned_minutes,
                duration_minutes: budget.duration_minutes,
            });
        }
    }

    let mut stages_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for s in stages {
        for q in &s.questions {
            let at = stages_of.entry(q.id).or_default();
            if !at.contains(&s.id) {
                at.push(s.id);
            }
        }
    }
    for (question_id, stage_ids) in stages_of {
        if stage_ids.len() > 1 {
            warnings.push(Warning::QuestionInSeveralStages {
                question_id,
                stage_ids,
            });
        }
    }
    Coverage {
        rows,
        budgets,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGUAGE: i64 = 1;
    const API: i64 = 2;
    const OPS: i64 = 3;
    const VAGUE: i64 = 10;
    const BLACK_BOX: i64 = 11;

    fn criteria() -> Vec<CriterionRef> {
        vec![
            CriterionRef {
                id: LANGUAGE,
                kind: CriterionKind::Criterion,
            },
            CriterionRef {
                id: API,
                kind: CriterionKind::Criterion,
            },
            CriterionRef {
                id: OPS,
                kind: CriterionKind::Criterion,
            },
            CriterionRef {
                id: VAGUE,
                kind: CriterionKind::RedFlag,
            },
            CriterionRef {
                id: BLACK_BOX,
                kind: CriterionKind::RedFlag,
            },
        ]
    }

    fn q(id: i64, minutes: i64, probes: &[i64]) -> QuestionPlan {
        QuestionPlan {
            id,
            minutes,
            probes: probes.iter().copied().collect(),
        }
    }

    fn stage(
        id: i64,
        duration: i64,
        focus: &[i64],
        questions: Vec<QuestionPlan>,
        interviewers: usize,
    ) -> StagePlan {
        StagePlan {
            id,
            duration_minutes: duration,
            focus: focus.iter().copied().collect(),
            questions,
            interviewers,
        }
    }

    /// Worked by hand: stage 100 screens language (one question), stage 200
    /// does the API design with two questions, one of which can show a black
    /// box; nothing probes operations and nothing surfaces vague ownership.
    #[test]
    fn a_hand_worked_loop() {
        let stages = vec![
            stage(100, 30, &[LANGUAGE], vec![q(7, 10, &[LANGUAGE])], 1),
            stage(
                200,
                60,
                &[API],
                vec![q(8, 30, &[API, BLACK_BOX]), q(9, 20, &[API, LANGUAGE])],
                2,
            ),
        ];
        let c = coverage(&criteria(), &stages);
        assert_eq!(
            c.rows[0].cells,
            [
                Cell {
                    stage_id: 100,
                    focus: true,
                    questions: 1
                },
                Cell {
                    stage_id: 200,
                    focus: false,
                    questions: 1
                }
            ]
        );
        assert_eq!(
            c.rows[1].cells,
            [
                Cell {
                    stage_id: 100,
                    focus: false,
                    questions: 0
                },
                Cell {
                    stage_id: 200,
                    focus: true,
                    questions: 2
                }
            ]
        );
        assert_eq!(
            c.warnings,
            [
                Warning::CriterionProbedEverywhere {
                    criterion_id: LANGUAGE
                },
                Warning::CriterionNotProbed { criterion_id: OPS },
                Warning::RedFlagNotSurfaced {
                    criterion_id: VAGUE
                },
            ]
        );
        assert_eq!(
            c.budgets[1],
            Budget {
                stage_id: 200,
                planned_minutes: 50,
                duration_minutes: 60,
                over: false
            }
        );
    }

    #[test]
    fn removing_the_only_stage_that_probes_a_criterion_warns_and_adding_it_back_clears() {
        let ops_stage = stage(300, 45, &[OPS], vec![q(12, 10, &[OPS, VAGUE])], 1);
        let base = vec![stage(
            100,
            30,
            &[LANGUAGE, API],
            vec![q(7, 10, &[LANGUAGE, BLACK_BOX])],
            1,
        )];
        let mut with_ops = base.clone();
        with_ops.push(ops_stage);
        let missing = Warning::CriterionNotProbed { criterion_id: OPS };
        assert!(coverage(&criteria(), &base).warnings.contains(&missing));
        assert!(!coverage(&criteria(), &with_ops).warnings.contains(&missing));
    }

    #[test]
    fn stage_warnings_empty_unstaffed_over_budget_and_repeated_questions() {
        let stages = vec![
            stage(
                100,
                20,
                &[LANGUAGE],
                vec![q(7, 15, &[LANGUAGE]), q(8, 10, &[API])],
                0,
            ),
            stage(200, 60, &[OPS], vec![q(7, 15, &[LANGUAGE])], 1),
            stage(300, 30, &[], vec![], 1),
        ];
        let w = coverage(&criteria(), &stages).warnings;
        assert!(w.contains(&Warning::StageWithoutInterviewer { stage_id: 100 }));
        assert!(w.contains(&Warning::StageOverBudget {
            stage_id: 100,
            planned_minutes: 25,
            duration_minutes: 20
        }));
        assert!(w.contains(&Warning::StageWithoutQuestions { stage_id: 300 }));
        assert!(w.contains(&Warning::QuestionInSeveralStages {
            question_id: 7,
            stage_ids: vec![100, 200]
        }));
        assert!(!w.iter().any(|x| matches!(
            x,
            Warning::StageWithoutQuestions {
                stage_id: 100 | 200
            }
        )));
    }

    #[test]
    fn one_stage_is_never_redundant_and_an_empty_loop_probes_nothing() {
        let one = vec![stage(
            100,
            60,
            &[LANGUAGE, API, OPS],
            vec![q(1, 10, &[VAGUE, BLACK_BOX])],
            1,
        )];
        assert!(coverage(&criteria(), &one).warnings.is_empty());
        let none = coverage(&criteria(), &[]);
        assert_eq!(
            none.warnings.len(),
            5,
            "three criteria not probed, two red flags not surfaced"
        );
    }
}
