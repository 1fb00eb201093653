//! HTML escaping for every value a template writes.

/// `text` with `<`, `>`, `"`, `&`, `'`, `` ` `` and `=` as HTML entities:
/// the same characters and entities as handlebars' own `html_escape`
/// (which escapes `` ` `` and `=` so a value is safe in an unquoted
/// attribute too). That one pushes each character into a string that
/// starts empty and grows; this copies the runs between entities at once
/// into a string sized for the text, which matters because every
/// `{{value}}` on a page passes through it.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'`' => "&#x60;",
            b'=' => "&#x3D;",
            _ => continue,
        };
        // An ASCII byte is always a character boundary in UTF-8.
        escaped.push_str(&text[plain_from..at]);
        escaped.push_str(entity);
        plain_from = at + 1;
    }
    escaped.push_str(&text[plain_from..]);
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_as_handlebars_does() {
        for text in [
            "",
            "plain text",
            "<script>alert('x')</script>",
            "a=b & c`d\"e'f<g>h",
            "&&&",
            "Zoë’s “quotes” — <b>déjà vu</b> 日本語=はい",
            "ends with <",
            "> starts",
        ] {
            assert_eq!(escape_html(text), handlebars::html_escape(text), "{text}");
        }
    }

    #[test]
    fn unicode_next_to_entities_is_kept_whole() {
        assert_eq!(escape_html("é<ü>ß"), "é&lt;ü&gt;ß");
    }
}
