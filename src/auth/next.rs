//! Where to go after signing in: the `next` parameter, kept on this site.
//!
//! Browsers are lenient about what they treat as a link to another site:
//! they drop tabs and newlines (`/\t/evil.example` reads as
//! `//evil.example`) and read `\` as `/` (WHATWG URL Standard, "special"
//! schemes). So `next` is not matched against patterns: it is parsed the way
//! a browser would resolve it against our own public URL, and kept only when
//! the result has our origin.

use url::Url;

/// The path and query that `next` leads to, when it stays on the origin of
/// `public_url` (e.g. `https://loopwright.example`); `None` for anything
/// else: another origin, another scheme (`javascript:`), any control
/// character or backslash, or a `public_url` that does not parse.
///
/// The answer is only ever a path (`/…`), so a `Location` built from it
/// cannot name another host whatever the browser does with it.
pub fn same_origin_path(public_url: &str, next: &str) -> Option<String> {
    // The URL parser would silently strip tabs and newlines (as browsers do);
    // refuse them instead, with backslashes, so no reading of them is guessed.
    if next.is_empty() || next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let base = Url::parse(public_url).ok()?;
    let target = base.join(next).ok()?;
    if target.origin() != base.origin() || !base.origin().is_tuple() {
        return None;
    }
    let mut path = target.path().to_owned();
    // A path starting `//` would read as a host in a Location header.
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    if let Some(query) = target.query() {
        path.push('?');
        path.push_str(query);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    const BASE: &str = "https://loopwright.example";

    #[test]
    fn same_site_paths_are_kept_with_their_query() {
        assert_eq!(
            same_origin_path(BASE, "/ok?x=1").as_deref(),
            Some("/ok?x=1")
        );
        assert_eq!(
            same_origin_path(BASE, "/users?page=2#top").as_deref(),
            Some("/users?page=2")
        );
        assert_eq!(
            same_origin_path(BASE, "https://loopwright.example/jobs").as_deref(),
            Some("/jobs")
        );
        assert_eq!(
            same_origin_path(BASE, "/%2F%2Fevil.example").as_deref(),
            Some("/%2F%2Fevil.example"),
            "encoded slashes stay a path on this site"
        );
    }

    #[test]
    fn anything_leaving_the_site_is_refused() {
        for next in [
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "http://loopwright.example/",
            "https://loopwright.example:8443/",
            "javascript:alert(1)",
            "data:text/html,hi",
            "/ok\u{0}",
        ] {
            assert_eq!(same_origin_path(BASE, next), None, "{next:?}");
        }
    }

    #[test]
    fn an_unparsable_public_url_keeps_nobody() {
        assert_eq!(same_origin_path("not a url", "/ok"), None);
    }
}
