//! Reading url-encoded form bodies whose fields repeat (checkboxes, one
//! field per criterion): the pairs as sent, and lookups over them.

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

/// One `<option>` of a select.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// `<option>`s for a select: `(value, label)` rows with the chosen one marked.
pub fn options(rows: Vec<(String, String)>, selected: &str) -> Vec<SelectOption> {
    rows.into_iter()
        .map(|(value, label)| SelectOption {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// Where a paginated list is and how to move through it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pagination {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

impl Pagination {
    /// `url(p)` is the address of page `p`.
    pub fn new(page: i64, per_page: i64, total: i64, url: impl Fn(i64) -> String) -> Self {
        let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
        Pagination {
            page,
            pages,
            total,
            prev_url: (page > 1).then(|| url(page - 1)),
            next_url: (page < pages).then(|| url(page + 1)),
        }
    }
}

/// An id sent as a JSON number or as form text; blank or not a number is
/// `None`, for the caller to name the field ("Choose a job.").
pub fn id_or_blank<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Sent {
        Number(i64),
        Text(String),
        Nothing(()),
    }
    Ok(match <Sent as serde::Deserialize>::deserialize(d)? {
        Sent::Number(id) => Some(id),
        Sent::Text(text) => text.trim().parse().ok(),
        Sent::Nothing(()) => None,
    })
}
