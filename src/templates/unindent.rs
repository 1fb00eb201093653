//! Template sources without their indentation, for the HTML they render.

/// `source` with the spaces and tabs that begin each line removed, and
/// lines left empty dropped; every line break is kept.
///
/// A page's templates are indented for the people who edit them; in the
/// HTML they render, that indentation was a fifth of the planner's 131 kB
/// and of the debrief's 25 kB, written, sent and parsed on every request.
/// A line break stays where there was one, so inline elements keep the
/// space between them. Only whitespace that the browser collapses is
/// removed: the templates keep no multi-line text inside `<pre>`,
/// `<textarea>` or an element styled `white-space: pre-line`, and values
/// (`{{…}}`) are rendered as they are. Not for plain-text emails, where
/// indentation is part of the text.
pub fn unindent(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.split_inclusive('\n') {
        let kept = line.trim_start_matches([' ', '\t']);
        if kept == "\n" || kept == "\r\n" {
            continue;
        }
        out.push_str(kept);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unindent;

    #[test]
    fn indentation_and_blank_lines_go_line_breaks_stay() {
        let source = "<ul>\n  {{#each items}}\n    <li>{{name}}</li>\n\n  {{/each}}\n</ul>\n\t<p>a <b>b</b>\n  c</p>";
        assert_eq!(
            unindent(source),
            "<ul>\n{{#each items}}\n<li>{{name}}</li>\n{{/each}}\n</ul>\n<p>a <b>b</b>\nc</p>"
        );
    }

    #[test]
    fn renders_the_same_values() {
        let mut registry = handlebars::Handlebars::new();
        let source = "<ul>\n  {{#each items}}\n    <li>{{this}}</li>\n  {{/each}}\n</ul>\n";
        registry
            .register_template_string("indented", source)
            .unwrap();
        registry
            .register_template_string("unindented", unindent(source))
            .unwrap();
        let data = serde_json::json!({ "items": ["  a  ", "b\n  c"] });
        let indented = registry.render("indented", &data).unwrap();
        let unindented = registry.render("unindented", &data).unwrap();
        assert_eq!(unindented, "<ul>\n<li>  a  </li>\n<li>b\n  c</li>\n</ul>\n");
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(collapse(&indented), collapse(&unindented));
    }
}
