//! How far raters agree: Krippendorff's alpha for ordinal ratings. Pure.
//!
//! Source: Klaus Krippendorff, "Computing Krippendorff's Alpha-Reliability"
//! (2011), University of Pennsylvania, section C ("Ordinal metric") and its
//! worked example, which the tests reproduce (α = 0.815).

use std::collections::BTreeMap;

/// Below this many candidates with at least two ratings of a criterion,
/// alpha is "not enough data yet": with fewer units the coincidence matrix
/// rests on a handful of pairs and one odd panel swings alpha by more than
/// the gap between "acceptable" (0.667) and "good" (0.8) in Krippendorff's
/// guidance. See docs/insights.md.
pub const MIN_ALPHA_CANDIDATES: usize = 10;

/// Alpha for one criterion and the sample behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    /// Krippendorff's ordinal alpha: 1 perfect agreement, 0 no better than
    /// chance, below 0 systematic disagreement. `None` below
    /// [`MIN_ALPHA_CANDIDATES`] or when every rating is the same value
    /// (no variation, so the expected disagreement is 0 and alpha is
    /// undefined).
    pub alpha: Option<f64>,
    /// Units (candidates) with at least two pairable ratings.
    pub candidates: usize,
    /// Pairable values: ratings in those units.
    pub values: usize,
}

/// Krippendorff's alpha with the ordinal metric.
///
/// `units` holds, per unit (a candidate, for one criterion), the values the
/// raters gave, as ranks on an ordered scale (here 1 strong no … 4 strong
/// yes; "no signal" is a missing value and is left out by the caller).
/// Units with fewer than two values cannot be paired and are ignored.
///
/// With o_ck the coincidence matrix (each unit adds 1/(m_u − 1) for every
/// ordered pair of its m_u values), n_c = Σ_k o_ck, n = Σ_c n_c, and the
/// ordinal distance δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²:
///
/// α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck (Krippendorff 2011, C.).
///
/// Returns `None` when no unit pairs or all values are equal.
pub fn ordinal_alpha(units: &[Vec<i64>]) -> Option<f64> {
    let mut coincidences: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for values in units.iter().filter(|v| v.len() >= 2) {
        let weight = 1.0 / (values.len() - 1) as f64;
        for (i, &c) in values.iter().enumerate() {
            for (j, &k) in values.iter().enumerate() {
                if i != j {
                    *coincidences.entry((c, k)).or_default() += weight;
                }
            }
        }
    }
    let mut marginals: BTreeMap<i64, f64> = BTreeMap::new();
    for (&(c, _), &o) in &coincidences {
        *marginals.entry(c).or_default() += o;
    }
    let n: f64 = marginals.values().sum();
    if marginals.len() < 2 {
        return None;
    }
    let categories: Vec<(i64, f64)> = marginals.into_iter().collect();
    // Cumulative sums so that Σ_{g=c..k} n_g is a difference.
    let mut cumulative = Vec::with_capacity(categories.len() + 1);
    cumulative.push(0.0);
    for (_, n_g) in &categories {
        let last = cumulative.last().copied().unwrap_or(0.0);
        cumulative.push(last + n_g);
    }
    let index: BTreeMap<i64, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (*c, i))
        .collect();
    let distance = |a: usize, b: usize| {
        let (lo, hi) = (a.min(b), a.max(b));
        let between = cumulative[hi + 1] - cumulative[lo];
        let d = between - (categories[a].1 + categories[b].1) / 2.0;
        d * d
    };
    let observed: f64 = coincidences
        .iter()
        .map(|(&(c, k), &o)| o * distance(index[&c], index[&k]))
        .sum();
    let mut expected = 0.0;
    for (a, (_, n_a)) in categories.iter().enumerate() {
        for (b, (_, n_b)) in categories.iter().enumerate() {
            expected += n_a * n_b * distance(a, b);
        }
    }
    if expected == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

/// Alpha for one criterion with its sample, `None` below the minimum.
pub fn agreement(units: &[Vec<i64>]) -> Agreement {
    let pairable: Vec<&Vec<i64>> = units.iter().filter(|v| v.len() >= 2).collect();
    let candidates = pairable.len();
    let values = pairable.iter().map(|v| v.len()).sum();
    let alpha = if candidates >= MIN_ALPHA_CANDIDATES {
        ordinal_alpha(units)
    } else {
        None
    };
    Agreement {
        alpha,
        candidates,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() < tolerance
    }

    /// Krippendorff (2011), section C: four observers, twelve units, values
    /// 1–5 with gaps. Unit 12 has one value and drops out. The paper gives
    /// n = 40 pairable values, marginals n_1..n_5 = 9, 13, 10, 5, 3, and
    /// α_ordinal = 0.815.
    #[test]
    fn reproduces_krippendorffs_worked_example() {
        let units: Vec<Vec<i64>> = vec![
            vec![1, 1, 1],
            vec![2, 2, 3, 2],
            vec![3, 3, 3, 3],
            vec![3, 3, 3, 3],
            vec![2, 2, 2, 2],
            vec![1, 2, 3, 4],
            vec![4, 4, 4, 4],
            vec![1, 1, 2, 1],
            vec![2, 2, 2, 2],
            vec![5, 5, 5],
            vec![1, 1],
            vec![3],
        ];
        let alpha = ordinal_alpha(&units).expect("defined");
        assert!(close(alpha, 0.815, 0.0005), "alpha = {alpha}");
        let figure = agreement(&units);
        assert_eq!(figure.candidates, 11);
        assert_eq!(figure.values, 40);
        assert_eq!(figure.alpha, Some(alpha));
    }

    /// Two units of two raters on a 2-value scale, worked by hand:
    /// unit 1 (1, 1), unit 2 (1, 2). Coincidences (weight 1/(2−1) = 1):
    /// o_11 = 2, o_12 = o_21 = 1. n_1 = 3, n_2 = 1, n = 4.
    /// δ²_12 = (n_1 + n_2 − (n_1 + n_2)/2)² = (4 − 2)² = 4.
    /// D_o ∝ o_12 δ² + o_21 δ² = 8; D_e ∝ 2 · n_1 n_2 δ² = 2 · 3 · 4 = 24.
    /// α = 1 − (4 − 1) · 8 / 24 = 0.
    #[test]
    fn hand_worked_small_case() {
        let alpha = ordinal_alpha(&[vec![1, 1], vec![1, 2]]).expect("defined");
        assert!(close(alpha, 0.0, 1e-12), "alpha = {alpha}");
    }

    #[test]
    fn perfect_agreement_is_one_and_no_variation_is_undefined() {
        let units = vec![vec![1, 1], vec![4, 4, 4], vec![2, 2]];
        assert_eq!(ordinal_alpha(&units), Some(1.0));
        assert_eq!(ordinal_alpha(&[vec![3, 3], vec![3, 3]]), None);
        assert_eq!(ordinal_alpha(&[vec![3], vec![1]]), None);
    }

    /// Raters who always give opposite ends disagree systematically: α < 0.
    #[test]
    fn systematic_disagreement_is_negative() {
        let units: Vec<Vec<i64>> = (0..12).map(|_| vec![1, 4]).collect();
        let alpha = ordinal_alpha(&units).expect("defined");
        assert!(alpha < 0.0, "alpha = {alpha}");
    }

    #[test]
    fn below_the_minimum_is_not_enough_data() {
        let few: Vec<Vec<i64>> = (0..MIN_ALPHA_CANDIDATES - 1)
            .map(|i| vec![1 + (i % 4) as i64, 1 + (i % 4) as i64])
            .collect();
        let figure = agreement(&few);
        assert_eq!(figure.alpha, None);
        assert_eq!(figure.candidates, MIN_ALPHA_CANDIDATES - 1);
        let mut enough = few.clone();
        enough.push(vec![2, 2]);
        assert_eq!(agreement(&enough).alpha, Some(1.0));
    }
}
