//! Reading url-encoded form bodies whose fields repeat (checkboxes, one
//! field per criterion): the pairs as sent, and lookups over them.

use serde_json::{Value, json};

/// A form body as pairs: checkboxes repeat their name.
pub type Pairs = Vec<(String, String)>;

/// The first value of a field, or "" when it was not sent.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value of a repeated field that is an id; others are ignored.
pub fn all_ids(pairs: &Pairs, name: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

/// `<option>`s for a select: `(value, label)` rows with the chosen one marked.
pub fn options(rows: Vec<(String, String)>, selected: &str) -> Value {
    rows.into_iter()
        .map(
            |(value, label)| json!({"selected": value == selected, "value": value, "label": label}),
        )
        .collect()
}
