//! Reading url-encoded form bodies whose fields repeat (checkboxes, one
//! field per criterion): the pairs as sent, and lookups over them; and the
//! paging of lists.

use crate::error::AppError;

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

/// A hidden field's id, which the page wrote: missing or not a number is a
/// 400 asking to reload the page (the person typed nothing there).
pub fn hidden_id(pairs: &Pairs, name: &str) -> Result<i64, crate::error::AppError> {
    field(pairs, name).parse::<i64>().map_err(|_| {
        crate::error::AppError::BadRequest(format!("The form lacks its {name}: reload the page."))
    })
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

/// The most items one page of a list holds.
pub const MAX_PER_PAGE: i64 = 100;
/// Items per page when `per_page` is not given.
pub const DEFAULT_PER_PAGE: i64 = 50;
/// The last page one may ask for: any page up to it, times any allowed
/// `per_page`, gives an offset that fits an `i64` (SQL `OFFSET`).
pub const MAX_PAGE: i64 = i64::MAX / MAX_PER_PAGE;

/// `?page=&per_page=` of an API list, checked: `page` from 1 to
/// [`MAX_PAGE`], `per_page` from 1 to [`MAX_PER_PAGE`] (default
/// [`DEFAULT_PER_PAGE`]). Anything else is 400 naming the parameter.
/// Other parameters of the query string are left to the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl Paging {
    /// Reads `page` and `per_page` from a raw query string.
    pub fn from_query(query: &str) -> Result<Self, AppError> {
        let mut paging = Paging::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "page" => paging.page = number("page", &value, MAX_PAGE)?,
                "per_page" => paging.per_page = number("per_page", &value, MAX_PER_PAGE)?,
                _ => {}
            }
        }
        Ok(paging)
    }

    /// How many items come before this page; cannot overflow (see [`MAX_PAGE`]).
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// This page of a list held whole, and the list's length.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, i64) {
        let total = items.len() as i64;
        let start = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let per_page = usize::try_from(self.per_page).unwrap_or(0);
        let page = items.into_iter().skip(start).take(per_page).collect();
        (page, total)
    }

    /// One page as the API answers it: `{"<name>": [...], page, per_page, total}`.
    pub fn listed<T: serde::Serialize>(
        &self,
        name: &'static str,
        items: Vec<T>,
        total: i64,
    ) -> crate::web::Listed<T> {
        crate::web::Listed::new(name, items, self.page, self.per_page, total)
    }

    /// A list held whole, paged: [`Paging::slice`] then [`Paging::listed`].
    pub fn list_of<T: serde::Serialize>(
        &self,
        name: &'static str,
        items: Vec<T>,
    ) -> crate::web::Listed<T> {
        let (items, total) = self.slice(items);
        self.listed(name, items, total)
    }
}

/// A whole number from 1 to `max`, or 400 naming `name` and the bounds.
fn number(name: &str, value: &str, max: i64) -> Result<i64, AppError> {
    let bounds = || format!("Give a whole number from 1 to {max}.");
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| AppError::parameter(name, bounds()))?;
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::parameter(name, bounds()))
    }
}

impl actix_web::FromRequest for Paging {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Paging::from_query(req.query_string()))
    }
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    #[test]
    fn pages_are_checked() {
        assert_eq!(Paging::from_query("").unwrap(), Paging::default());
        let p = Paging::from_query("page=3&per_page=2&q=x").unwrap();
        assert_eq!((p.page, p.per_page, p.offset()), (3, 2, 4));
        for bad in [
            "page=0",
            "page=-1",
            "page=abc",
            "page=9223372036854775807",
            "per_page=0",
            "per_page=101",
            "per_page=",
        ] {
            assert!(Paging::from_query(bad).is_err(), "{bad}");
        }
        let last = Paging::from_query(&format!("page={MAX_PAGE}&per_page={MAX_PER_PAGE}")).unwrap();
        assert!(last.offset() > 0);
        assert_eq!(last.slice(vec![1, 2, 3]), (vec![], 3));
    }
}
