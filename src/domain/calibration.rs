//! Calibration statistics: medians, an interviewer's leniency with its
//! interval, and how well ratings separate hired from not hired. Pure.
//!
//! Every figure has a minimum sample below which it is `None` ("not enough
//! data yet"); the constants say which and docs/insights.md says why.

/// Leniency needs this many candidates the interviewer shares with other
/// raters: with fewer, the 95% interval of a mean offset on a 4-point scale
/// is wider than the whole scale step it is meant to detect.
pub const MIN_SHARED_CANDIDATES: usize = 5;

/// Separation needs this many hired and this many not-hired candidates: the
/// AUC of two groups of 5 moves in steps of 1/25, and with fewer one
/// candidate decides the figure.
pub const MIN_PER_GROUP: usize = 5;

/// The middle value (the mean of the two middle ones for an even count);
/// `None` for no values. NaNs are not expected and sort last.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// The sample standard deviation (n − 1); `None` below two values.
pub fn std_dev(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    if values.len() < 2 {
        return None;
    }
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom
/// (t_{0.975, df}): tabulated for 1–30 (any statistics table, e.g. NIST/
/// SEMATECH e-Handbook 1.3.6.7.2), then the Cornish–Fisher expansion
/// z + (z³ + z)/(4 df) + (5z⁵ + 16z³ + 3z)/(96 df²) around z = 1.95996
/// (Abramowitz & Stegun 26.7.5), within 0.001 of the table there.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            let (z, df) = (1.959_964f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * df)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df)
        }
    }
}

/// How an interviewer's ratings sit against the other raters'.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Leniency {
    /// Mean offset in scale steps (strong no = 1 … strong yes = 4): above 0
    /// rates higher than the rest of the panel.
    pub mean_offset: f64,
    /// The 95% t-interval of the mean.
    pub low: f64,
    pub high: f64,
    pub shared_candidates: usize,
}

/// Leniency from one offset per shared candidate: for each candidate the
/// interviewer rated alongside others, the mean over criteria of (their
/// rating − the mean of the others' ratings of that criterion). One value
/// per candidate keeps the offsets independent (ratings of one candidate
/// move together), so the interval is the ordinary t-interval of a mean:
/// mean ± t_{0.975, n−1} · s / √n.
///
/// `None` below [`MIN_SHARED_CANDIDATES`].
pub fn leniency(offsets_per_candidate: &[f64]) -> Option<Leniency> {
    let n = offsets_per_candidate.len();
    if n < MIN_SHARED_CANDIDATES {
        return None;
    }
    let mean_offset = mean(offsets_per_candidate)?;
    let s = std_dev(offsets_per_candidate)?;
    let half = t_975(n - 1) * s / (n as f64).sqrt();
    Some(Leniency {
        mean_offset,
        low: mean_offset - half,
        high: mean_offset + half,
        shared_candidates: n,
    })
}

/// How well a score separates the hired from the not hired.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Separation {
    /// The probability that a hired candidate scores above a not-hired one,
    /// ties counting half: 0.5 is no separation, 1 perfect.
    pub auc: f64,
    /// Rank-biserial correlation 2·AUC − 1, from −1 to 1.
    pub rank_biserial: f64,
}

/// AUC as the Mann–Whitney U statistic over n₁·n₂ (Mann & Whitney 1947;
/// Hanley & McNeil 1982, "The meaning and use of the area under a ROC
/// curve"), and the rank-biserial correlation r = 2·AUC − 1 (Kerby 2014,
/// "The simple difference formula"). Counted pair by pair after sorting:
/// O((n₁ + n₂) log(n₁ + n₂)).
///
/// `None` unless both groups have [`MIN_PER_GROUP`] values.
pub fn separation(hired: &[f64], not_hired: &[f64]) -> Option<Separation> {
    if hired.len() < MIN_PER_GROUP || not_hired.len() < MIN_PER_GROUP {
        return None;
    }
    let mut others = not_hired.to_vec();
    others.sort_by(|a, b| a.total_cmp(b));
    // U = Σ over hired of (#not hired below + ½ #not hired equal).
    let mut u = 0.0;
    for h in hired {
        let below = others.partition_point(|o| o < h);
        let up_to = others.partition_point(|o| o <= h);
        u += below as f64 + (up_to - below) as f64 / 2.0;
    }
    let auc = u / (hired.len() * not_hired.len()) as f64;
    Some(Separation {
        auc,
        rank_biserial: 2.0 * auc - 1.0,
    })
}

/// `never_separates` needs this many hired-or-not candidates asked the
/// question: a question is not condemned on a few loops.
pub const MIN_NEVER_SEPARATES: usize = 20;

/// Below this |rank-biserial| a question "never separates": the hired and
/// the not hired rate alike on what it probes (|r| < 0.2 is AUC within
/// 0.4–0.6, below Cohen's "small" effect for r of 0.1–0.3 in practice).
pub const LITTLE_SEPARATION: f64 = 0.2;

/// `over_used`: asked of at least this many candidates in the last 30 days…
pub const OVER_USED_MIN_RECENT: usize = 10;
/// …and of at least this share of the candidates interviewed in that time
/// (in the jobs looked at): most candidates meet it, so it leaks.
pub const OVER_USED_SHARE: f64 = 0.6;

/// `mostly_no_signal`: at least this many ratings on what it probes…
pub const MIN_NO_SIGNAL_RATINGS: usize = 10;
/// …and at least this share of them "no signal".
pub const MOSTLY_NO_SIGNAL: f64 = 0.5;

crate::domain::text_enum::text_enum! {
    /// Why a question version deserves a look; each suggests rotating it.
    pub enum QuestionFlag {
        NeverSeparates = ("never_separates", "Never separates"),
        OverUsed = ("over_used", "Over-used"),
        MostlyNoSignal = ("mostly_no_signal", "Mostly no signal"),
    }
}

/// The figures a question version's flags are decided from.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuestionUse {
    /// Candidates asked it with a final decision, hired and not.
    pub hired: usize,
    pub not_hired: usize,
    pub separation: Option<Separation>,
    pub asked_last_30_days: usize,
    /// Candidates interviewed in the last 30 days in the jobs looked at.
    pub interviewed_last_30_days: usize,
    /// Ratings on the criteria it probes, and how many were "no signal".
    pub ratings: usize,
    pub no_signal: usize,
}

/// The flags a question version earns (see the constants for thresholds).
pub fn question_flags(u: &QuestionUse) -> Vec<QuestionFlag> {
    let mut flags = Vec::new();
    if u.hired + u.not_hired >= MIN_NEVER_SEPARATES
        && u.separation
            .is_some_and(|s| s.rank_biserial.abs() < LITTLE_SEPARATION)
    {
        flags.push(QuestionFlag::NeverSeparates);
    }
    if u.asked_last_30_days >= OVER_USED_MIN_RECENT
        && u.asked_last_30_days as f64 >= OVER_USED_SHARE * u.interviewed_last_30_days as f64
    {
        flags.push(QuestionFlag::OverUsed);
    }
    if u.ratings >= MIN_NO_SIGNAL_RATINGS
        && u.no_signal as f64 >= MOSTLY_NO_SIGNAL * u.ratings as f64
    {
        flags.push(QuestionFlag::MostlyNoSignal);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        // sorted 1, 2, 9 → 2
        assert_eq!(median(&[9.0, 1.0, 2.0]), Some(2.0));
        // sorted 1, 2, 4, 9 → (2 + 4) / 2 = 3
        assert_eq!(median(&[4.0, 9.0, 1.0, 2.0]), Some(3.0));
    }

    /// Offsets per shared candidate: 1, 0.5, 1, 0, 0.5 (n = 5).
    /// mean = 3 / 5 = 0.6. Deviations 0.4, −0.1, 0.4, −0.6, −0.1;
    /// squares 0.16 + 0.01 + 0.16 + 0.36 + 0.01 = 0.70; s² = 0.70 / 4 =
    /// 0.175, s = 0.41833. t_{0.975,4} = 2.776; half-width = 2.776 ·
    /// 0.41833 / √5 = 2.776 · 0.18708 = 0.51934. Interval 0.0807 to 1.1193:
    /// above 0, so this interviewer is lenient.
    #[test]
    fn leniency_of_a_hand_worked_panel() {
        let l = leniency(&[1.0, 0.5, 1.0, 0.0, 0.5]).expect("enough");
        assert!(close(l.mean_offset, 0.6));
        let half = 2.776 * (0.175f64).sqrt() / 5f64.sqrt();
        assert!((half - 0.51934).abs() < 1e-4);
        assert!(close(l.low, 0.6 - half));
        assert!(close(l.high, 0.6 + half));
        assert!(l.low > 0.0);
        assert_eq!(l.shared_candidates, 5);
    }

    #[test]
    fn leniency_needs_the_minimum_of_shared_candidates() {
        assert_eq!(leniency(&[1.0; MIN_SHARED_CANDIDATES - 1]), None);
        let l = leniency(&[0.0; MIN_SHARED_CANDIDATES]).expect("enough");
        assert_eq!((l.mean_offset, l.low, l.high), (0.0, 0.0, 0.0));
    }

    #[test]
    fn t_quantiles_from_the_table_and_beyond() {
        assert_eq!(t_975(4), 2.776);
        assert_eq!(t_975(30), 2.042);
        // Table value for 40 df is 2.021; for 120, 1.980.
        assert!((t_975(40) - 2.021).abs() < 0.001);
        assert!((t_975(120) - 1.980).abs() < 0.001);
    }

    /// Hired scores 4, 3, 3, 2, 4; not hired 1, 2, 3, 2, 1 (n₁ = n₂ = 5,
    /// 25 pairs). For each hired value, not-hired below + ½ equal:
    /// 4 → 5 below = 5; 3 → 4 below + ½·1 = 4.5 (twice: 9);
    /// 2 → 2 below (the 1s) + ½·2 (the 2s) = 3; 4 → 5.
    /// U = 5 + 9 + 3 + 5 = 22; AUC = 22 / 25 = 0.88; r = 2·0.88 − 1 = 0.76.
    #[test]
    fn separation_of_a_hand_worked_sample() {
        let s = separation(&[4.0, 3.0, 3.0, 2.0, 4.0], &[1.0, 2.0, 3.0, 2.0, 1.0]).expect("enough");
        assert!(close(s.auc, 0.88));
        assert!(close(s.rank_biserial, 0.76));
    }

    #[test]
    fn identical_groups_do_not_separate_and_small_ones_say_nothing() {
        let same = [1.0, 2.0, 3.0, 4.0, 2.5];
        let s = separation(&same, &same).expect("enough");
        assert!(close(s.auc, 0.5));
        assert!(close(s.rank_biserial, 0.0));
        assert_eq!(separation(&same[..4], &same), None);
        assert_eq!(separation(&same, &same[..4]), None);
    }

    #[test]
    fn spread_is_the_sample_standard_deviation() {
        // mean 2.5; squares 2.25 + 0.25 + 0.25 + 2.25 = 5; s² = 5/3.
        let s = std_dev(&[1.0, 2.0, 3.0, 4.0]).expect("two or more");
        assert!(close(s, (5.0f64 / 3.0).sqrt()));
        assert_eq!(std_dev(&[1.0]), None);
    }
    #[test]
    fn flags_need_their_evidence() {
        let flat = Separation {
            auc: 0.55,
            rank_biserial: 0.1,
        };
        let base = QuestionUse {
            hired: 10,
            not_hired: 10,
            separation: Some(flat),
            ..QuestionUse::default()
        };
        assert_eq!(question_flags(&base), vec![QuestionFlag::NeverSeparates]);
        // One candidate fewer than the minimum: no verdict.
        let fewer = QuestionUse {
            not_hired: 9,
            ..base
        };
        assert!(question_flags(&fewer).is_empty());
        let sharp = QuestionUse {
            separation: Some(Separation {
                auc: 0.8,
                rank_biserial: 0.6,
            }),
            ..base
        };
        assert!(question_flags(&sharp).is_empty());
        // 12 of 15 recent candidates (80% ≥ 60%) is over-used; 12 of 30 is not.
        let recent = QuestionUse {
            asked_last_30_days: 12,
            interviewed_last_30_days: 15,
            ..QuestionUse::default()
        };
        assert_eq!(question_flags(&recent), vec![QuestionFlag::OverUsed]);
        let spread = QuestionUse {
            interviewed_last_30_days: 30,
            ..recent
        };
        assert!(question_flags(&spread).is_empty());
        // 6 of 10 ratings no signal (60% ≥ 50%).
        let silent = QuestionUse {
            ratings: 10,
            no_signal: 6,
            ..QuestionUse::default()
        };
        assert_eq!(question_flags(&silent), vec![QuestionFlag::MostlyNoSignal]);
    }
}
