//! Small server-rendered SVG charts for the Insights pages.
//!
//! Readable without colour: the person's bars are solid, the panel's are
//! outlined, and every chart carries its figures in words (`aria-label` and
//! `<title>`); the pages show the same figures in a table beside it.
//! Only numbers and our own labels go in; anything else is escaped.

use std::fmt::Write;

/// Short labels of the scale, strong no first, no signal last.
pub const SCALE: [&str; 5] = ["SN", "N", "Y", "SY", "?"];
const SCALE_WORDS: [&str; 5] = ["strong no", "no", "yes", "strong yes", "no signal"];

/// Escapes text for SVG/HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn share(count: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    }
}

/// Percentages as words: "strong no 10% (panel 12%), …".
fn describe(own: [usize; 5], panel: [usize; 5]) -> String {
    let (o, p) = (own.iter().sum(), panel.iter().sum());
    SCALE_WORDS
        .iter()
        .enumerate()
        .map(|(i, w)| {
            format!(
                "{w} {:.0}% (panel {:.0}%)",
                100.0 * share(own[i], o),
                100.0 * share(panel[i], p)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One interviewer's rating distribution beside the panel's, as shares of
/// each one's ratings: a solid bar (theirs) and an outlined bar (the
/// panel's) per point of the scale. `who` names the person in the label.
pub fn distribution(who: &str, own: [usize; 5], panel: [usize; 5]) -> String {
    const W: f64 = 200.0;
    const H: f64 = 64.0;
    const BASE: f64 = 50.0;
    let (o, p) = (own.iter().sum(), panel.iter().sum());
    let mut svg = String::new();
    let label = format!("Ratings of {}: {}", escape(who), describe(own, panel));
    let _ = write!(
        svg,
        r#"<svg class="chart distribution" role="img" aria-label="{label}" viewBox="0 0 {W} {H}" width="{W}" height="{H}"><title>{label}</title>"#
    );
    let _ = write!(
        svg,
        r##"<line x1="0" y1="{BASE}" x2="{W}" y2="{BASE}" stroke="#555" stroke-width="1"/>"##
    );
    for i in 0..5 {
        let x = 4.0 + i as f64 * 40.0;
        let mine = share(own[i], o) * (BASE - 4.0);
        let theirs = share(panel[i], p) * (BASE - 4.0);
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{:.1}" width="14" height="{mine:.1}" fill="#1f4e79"/><rect x="{:.1}" y="{:.1}" width="13" height="{theirs:.1}" fill="none" stroke="#1f4e79" stroke-width="1.5" stroke-dasharray="3 2"/><text x="{:.1}" y="{}" font-size="10" text-anchor="middle" fill="#222">{}</text>"##,
            BASE - mine,
            x + 16.0,
            BASE - theirs,
            x + 15.0,
            H - 2.0,
            SCALE[i],
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A mean offset with its interval on a scale from −`reach` to `reach`
/// steps: a dashed line at 0, a whisker from `low` to `high`, a dot at the
/// mean. Values beyond the scale are drawn at its edge.
pub fn interval(who: &str, mean: f64, low: f64, high: f64, reach: f64) -> String {
    const W: f64 = 200.0;
    const H: f64 = 28.0;
    let reach = if reach > 0.0 { reach } else { 1.0 };
    let x = |v: f64| 10.0 + (v.clamp(-reach, reach) + reach) / (2.0 * reach) * (W - 20.0);
    let label = format!(
        "Leniency of {}: {mean:+.2} steps (95% interval {low:+.2} to {high:+.2})",
        escape(who)
    );
    format!(
        r##"<svg class="chart interval" role="img" aria-label="{label}" viewBox="0 0 {W} {H}" width="{W}" height="{H}"><title>{label}</title><line x1="{z:.1}" y1="2" x2="{z:.1}" y2="{b}" stroke="#555" stroke-dasharray="2 2"/><line x1="{l:.1}" y1="12" x2="{h:.1}" y2="12" stroke="#222" stroke-width="2"/><line x1="{l:.1}" y1="7" x2="{l:.1}" y2="17" stroke="#222" stroke-width="2"/><line x1="{h:.1}" y1="7" x2="{h:.1}" y2="17" stroke="#222" stroke-width="2"/><circle cx="{m:.1}" cy="12" r="4" fill="#1f4e79"/><text x="{z:.1}" y="{t}" font-size="9" text-anchor="middle" fill="#222">0</text></svg>"##,
        z = x(0.0),
        b = H - 10.0,
        l = x(low),
        h = x(high),
        m = x(mean),
        t = H - 1.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_bars_are_shares_and_say_so_in_words() {
        // Theirs: 1 of 4 strong yes (25%), 3 yes (75%); panel 2 of 4 each.
        let svg = distribution("Ada <A>", [0, 0, 3, 1, 0], [0, 0, 2, 2, 0]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("Ratings of Ada &lt;A&gt;"));
        assert!(!svg.contains("<A>"));
        assert!(svg.contains("yes 75% (panel 50%)"));
        assert!(svg.contains("strong yes 25% (panel 50%)"));
        // 75% of the 46-unit height is 34.5: the yes bar of theirs.
        assert!(svg.contains(r##"height="34.5" fill="#1f4e79""##));
        // The panel's bars are outlined, not filled: readable without colour.
        assert_eq!(svg.matches(r#"fill="none""#).count(), 5);
        for label in SCALE {
            assert!(svg.contains(&format!(">{label}</text>")));
        }
    }

    #[test]
    fn an_empty_distribution_draws_no_bars_and_no_nan() {
        let svg = distribution("Nobody", [0; 5], [0; 5]);
        assert!(!svg.contains("NaN"));
        assert!(svg.contains("strong no 0% (panel 0%)"));
    }

    #[test]
    fn interval_places_the_mean_and_clamps_to_the_scale() {
        // Scale −1..1 over x 10..190: 0 at 100, 0.5 at 145, 1 at 190.
        let svg = interval("Ada", 0.5, 0.25, 3.0, 1.0);
        assert!(svg.contains(r#"<circle cx="145.0""#));
        assert!(svg.contains(r#"x1="100.0""#));
        assert!(svg.contains(r#"x2="190.0""#));
        assert!(svg.contains("+0.50 steps (95% interval +0.25 to +3.00)"));
    }
}
