//! The API's list and one-key bodies.

/// `{"<name>": value}`: the API's one-key bodies, typed.
pub fn named<T: serde::Serialize>(
    name: &'static str,
    value: T,
) -> std::collections::BTreeMap<&'static str, T> {
    std::collections::BTreeMap::from([(name, value)])
}

/// A whole list with its length: `{"<name>": [...], "total"}`.
#[derive(Debug, serde::Serialize)]
pub struct Counted<T: serde::Serialize> {
    #[serde(flatten)]
    items: std::collections::BTreeMap<&'static str, Vec<T>>,
    total: usize,
}

impl<T: serde::Serialize> Counted<T> {
    pub fn new(name: &'static str, items: Vec<T>) -> Self {
        Counted {
            total: items.len(),
            items: std::collections::BTreeMap::from([(name, items)]),
        }
    }
}

/// One page of a list: `{"<name>": [...], "page", "per_page", "total"}`.
#[derive(Debug, serde::Serialize)]
pub struct Listed<T: serde::Serialize> {
    #[serde(flatten)]
    items: std::collections::BTreeMap<&'static str, Vec<T>>,
    page: i64,
    per_page: i64,
    total: i64,
}

impl<T: serde::Serialize> Listed<T> {
    pub fn new(name: &'static str, items: Vec<T>, page: i64, per_page: i64, total: i64) -> Self {
        Listed {
            items: std::collections::BTreeMap::from([(name, items)]),
            page,
            per_page,
            total,
        }
    }
}
