//! Handlebars templates and static files, embedded in the binary.
//!
//! With `LOOPWRIGHT_DEV=1` (or `serve --dev`) both are read from disk on every
//! request, so editing a template shows on the next reload.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use handlebars::{Handlebars, JsonRender, handlebars_helper};
use serde::Serialize;

mod escape;
pub use escape::escape_html;
mod unindent;
use unindent::unindent;

/// `(name, source)` for templates under `templates/`, named without `.hbs`.
macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name, ".hbs")))),*]
    };
}

/// Every page template, by name (its path under `templates/` without `.hbs`).
/// A test checks that these lists and the folder agree.
pub const TEMPLATES: &[(&str, &str)] = embed![
    "layouts/base",
    "pages/accept_invitation",
    "pages/api_docs",
    "pages/account",
    "pages/audit",
    "pages/bank",
    "pages/candidate",
    "pages/candidate_erase",
    "pages/candidates",
    "pages/error",
    "pages/dashboard",
    "pages/debrief",
    "pages/home",
    "pages/insights",
    "pages/insights_criteria",
    "pages/insights_frame",
    "pages/insights_question",
    "pages/insights_question_table",
    "pages/insights_questions",
    "pages/interviews",
    "pages/jobs",
    "pages/kit",
    "pages/login",
    "pages/message",
    "pages/password_reset",
    "pages/password_reset_request",
    "pages/planner",
    "pages/question",
    "pages/question_form",
    "pages/setup",
    "pages/setup_done",
    "pages/setup_used",
    "pages/stage_questions",
    "pages/track",
    "pages/tracks",
    "pages/user_edit",
    "pages/users",
    "pages/webhook",
    "pages/webhooks",
];

/// Partials: blocks that several pages share. They are registered by their
/// name alone, so a page includes `templates/partials/pagination.hbs` as
/// `{{> pagination}}`.
pub const PARTIALS: &[(&str, &str)] = embed![
    "partials/access_tokens",
    "partials/api_text",
    "partials/api_type",
    "partials/error_summary",
    "partials/pagination",
    "partials/question_card",
];

/// Email templates: each email has `<name>.html` and `<name>.txt`, sharing
/// the layouts `emails/layout.html` and `emails/layout.txt`.
pub const EMAIL_TEMPLATES: &[(&str, &str)] = embed![
    "emails/invitation.html",
    "emails/invitation.txt",
    "emails/interviewer_left.html",
    "emails/interviewer_left.txt",
    "emails/layout.html",
    "emails/layout.txt",
    "emails/password_reset.html",
    "emails/password_reset.txt",
    "emails/prep_pack.html",
    "emails/prep_pack.txt",
    "emails/reminder.html",
    "emails/reminder.txt",
];

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// Every static file, by name under `static/`, with its content type.
pub const STATIC_FILES: &[(&str, &str, &str)] = &[
    (
        "autosave.js",
        JAVASCRIPT,
        include_str!("../static/autosave.js"),
    ),
    (
        "deliveries.js",
        JAVASCRIPT,
        include_str!("../static/deliveries.js"),
    ),
    ("menu.js", JAVASCRIPT, include_str!("../static/menu.js")),
    ("people.js", JAVASCRIPT, include_str!("../static/people.js")),
    (
        "planner.js",
        JAVASCRIPT,
        include_str!("../static/planner.js"),
    ),
    (
        "time_zone.js",
        JAVASCRIPT,
        include_str!("../static/time_zone.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    ),
];

fn registry_of(
    templates: &'static [(&'static str, &'static str)],
    dev_reload: bool,
    plain_text: bool,
) -> Result<Handlebars<'static>, RenderError> {
    registry(templates.iter(), dev_reload, plain_text)
}

fn registry<'a>(
    templates: impl Iterator<Item = &'a (&'static str, &'static str)>,
    dev_reload: bool,
    plain_text: bool,
) -> Result<Handlebars<'static>, RenderError> {
    let mut registry = Handlebars::new();
    registry.register_helper("eq", Box::new(eq));
    registry.register_helper("concat", Box::new(concat));
    registry.register_helper("time", Box::new(time));
    registry.register_helper("field_error", Box::new(field_error));
    registry.set_strict_mode(false);
    // Partials indented in a layout must not indent the lines of values
    // (a textarea's text would come back with spaces).
    registry.set_prevent_indent(true);
    if plain_text {
        registry.register_escape_fn(handlebars::no_escape);
    } else {
        registry.register_escape_fn(escape_html);
    }
    for (path, source) in templates {
        let name = path.strip_prefix("partials/").unwrap_or(path);
        let result = if dev_reload {
            let file = source_root().join("templates").join(format!("{path}.hbs"));
            registry.register_template_file(name, file)
        } else if plain_text || name.ends_with(".txt") {
            registry.register_template_string(name, *source)
        } else {
            registry.register_template_string(name, unindent(source))
        };
        result.map_err(|e| RenderError {
            name: (*path).to_owned(),
            message: e.to_string(),
        })?;
    }
    // Dev mode makes handlebars re-read file-registered templates (partials
    // included) per render.
    registry.set_dev_mode(dev_reload);
    Ok(registry)
}

#[derive(Debug, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct RenderError {
    name: String,
    message: String,
}

handlebars_helper!(eq: |a: Json, b: Json| a == b);
// Its arguments as one string: `(concat "stage-" stage_id "-location")`.
handlebars_helper!(concat: |*args| args.iter().map(|a| a.render()).collect::<String>());

/// `{{field_error field="name" message=errors.name}}`: a field's error,
/// shown next to it when there is one, as `<p class="field-error"
/// id="error-<field>">`; the field's `aria-describedby` points at that id.
/// Nothing is written without a message. A helper rather than a partial:
/// handlebars copies the current context for every partial it includes,
/// and a form has one of these per field. Handlebars evaluates a helper's
/// arguments before calling it, so in a loop a page wraps it in
/// `{{#if message}}`, which costs less when there is none.
fn field_error(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::JsonTruthy;
    let Some(message) = h
        .hash_get("message")
        .map(|m| m.value())
        .filter(|m| m.is_truthy(false))
    else {
        return Ok(());
    };
    let field = h
        .hash_get("field")
        .map(|f| f.value().render())
        .unwrap_or_default();
    out.write(&format!(
        "<p class=\"field-error\" id=\"error-{}\">{}</p>",
        escape_html(&field),
        escape_html(&message.render())
    ))?;
    Ok(())
}

// ---- Times shown to a person -------------------------------------------

/// `{{time value}}`: an RFC 3339 instant as `<time datetime="…">` with the
/// text a person reads, in `@root.viewer_zone` (UTC when absent), relative
/// near today (`domain::when::shown`). Options: `style="date"` (the day
/// alone) or `style="absolute"` (no relative words); `also=zone` adds the time
/// in that zone (the candidate's) in brackets when it reads differently.
/// Nothing is written for a missing or unreadable value.
fn time(
    h: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use crate::domain::when;
    let Some(at) = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .and_then(when::parse_instant)
    else {
        return Ok(());
    };
    let viewer = when::zone_or_utc(ctx.data().get("viewer_zone").and_then(|z| z.as_str()));
    let now = crate::db::models::now();
    let style = h.hash_get("style").and_then(|s| s.value().as_str());
    let text = match style {
        Some("date") => when::date(at, viewer),
        Some("absolute") => when::absolute(at, viewer),
        _ => when::shown(at, viewer, now),
    };
    out.write(&format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        escape_html(&when::iso(at)),
        escape_html(&when::absolute(at, viewer)),
        escape_html(&text)
    ))?;
    let also = h
        .hash_get("also")
        .and_then(|z| z.value().as_str())
        .filter(|z| !z.trim().is_empty())
        .map(|z| when::zone_or_utc(Some(z)));
    let there = also
        .filter(|_| style != Some("date"))
        .and_then(|other| when::elsewhere(at, viewer, other));
    if let Some(there) = there {
        out.write(&format!(
            " <span class=\"time-also\">(candidate's time: {})</span>",
            escape_html(&there)
        ))?;
    }
    Ok(())
}

/// What `layouts/base` reads from a page's context; it gets the page's
/// rendered HTML as `content`.
const LAYOUT_KEYS: &[&str] = &[
    "app_name",
    "version",
    "title",
    "nav",
    "user",
    "csrf_token",
    "flash",
    "hide_sign_in",
];

pub struct Templates {
    registry: Handlebars<'static>,
    /// Plain-text emails: rendered without HTML escaping.
    text_registry: Handlebars<'static>,
    dev_reload: bool,
    /// Each page template's last HTML size in bytes (by its place in
    /// [`TEMPLATES`]): its next render starts with room for that much, so
    /// a large page's buffer is not grown and copied as it renders.
    last_sizes: Vec<AtomicUsize>,
}

fn source_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `layouts/base` before and after the page's HTML (`{{{content}}}`),
/// registered as templates of their own when the templates are embedded:
/// a page then renders into one buffer between them, instead of into a
/// string of its own that the layout copies.
const LAYOUT_TOP: &str = "layouts/base:top";
const LAYOUT_BOTTOM: &str = "layouts/base:bottom";

/// The least room a page's HTML starts with.
const PAGE_CAPACITY: usize = 32 * 1024;

/// Registers `layouts/base` in two halves, split where the page goes.
fn register_layout_halves(registry: &mut Handlebars<'static>) -> Result<(), RenderError> {
    let failed = |message: String| RenderError {
        name: "layouts/base".to_owned(),
        message,
    };
    let (_, source) = TEMPLATES
        .iter()
        .find(|(name, _)| *name == "layouts/base")
        .ok_or_else(|| failed("not embedded".to_owned()))?;
    let (top, bottom) = source
        .split_once("{{{content}}}")
        .ok_or_else(|| failed("has no {{{content}}}".to_owned()))?;
    for (name, half) in [(LAYOUT_TOP, top), (LAYOUT_BOTTOM, bottom)] {
        registry
            .register_template_string(name, unindent(half))
            .map_err(|e| failed(e.to_string()))?;
    }
    Ok(())
}

impl Templates {
    pub fn new(dev_reload: bool) -> Result<Self, RenderError> {
        let all = TEMPLATES.iter().chain(PARTIALS).chain(EMAIL_TEMPLATES);
        let mut registry = registry(all, dev_reload, false)?;
        if !dev_reload {
            register_layout_halves(&mut registry)?;
        }
        let text_registry = registry_of(EMAIL_TEMPLATES, dev_reload, true)?;
        Ok(Self {
            registry,
            text_registry,
            dev_reload,
            last_sizes: TEMPLATES.iter().map(|_| AtomicUsize::new(0)).collect(),
        })
    }

    /// An email's text and HTML bodies.
    pub fn render_email(
        &self,
        name: &str,
        context: &impl Serialize,
    ) -> Result<(String, String), RenderError> {
        let text = self
            .text_registry
            .render(&format!("emails/{name}.txt"), context)
            .map_err(|e| RenderError {
                name: format!("emails/{name}.txt"),
                message: e.to_string(),
            })?;
        let html = self.render(&format!("emails/{name}.html"), context)?;
        Ok((text, html))
    }

    fn render(&self, name: &str, context: &impl Serialize) -> Result<String, RenderError> {
        self.registry
            .render(name, context)
            .map_err(|e| RenderError {
                name: name.to_owned(),
                message: e.to_string(),
            })
    }

    /// A page from its whole context, which it takes: the page's template
    /// renders from it without a copy, inside `layouts/base`, which gets
    /// the keys it reads ([`LAYOUT_KEYS`]). Rendering the page inside the
    /// layout as a partial would copy the whole context twice (handlebars
    /// clones the current context for every partial it includes). Embedded,
    /// the layout's halves and the page render into one buffer; read from
    /// disk (development), the layout gets the page's HTML as `content`.
    pub fn render_page(
        &self,
        name: &str,
        context: serde_json::Value,
    ) -> Result<String, RenderError> {
        let failed = |name: &str, e: handlebars::RenderError| RenderError {
            name: name.to_owned(),
            message: e.to_string(),
        };
        let mut frame = serde_json::Map::with_capacity(LAYOUT_KEYS.len() + 1);
        if let Some(all) = context.as_object() {
            for key in LAYOUT_KEYS {
                if let Some(value) = all.get(*key) {
                    frame.insert((*key).to_owned(), value.clone());
                }
            }
        }
        let page = handlebars::Context::from(context);
        if self.dev_reload {
            let content = self
                .registry
                .render_with_context(name, &page)
                .map_err(|e| failed(name, e))?;
            frame.insert("content".to_owned(), serde_json::Value::String(content));
            let frame = handlebars::Context::from(serde_json::Value::Object(frame));
            return self
                .registry
                .render_with_context("layouts/base", &frame)
                .map_err(|e| failed("layouts/base", e));
        }
        let frame = handlebars::Context::from(serde_json::Value::Object(frame));
        let last_size = TEMPLATES
            .iter()
            .position(|(template, _)| *template == name)
            .and_then(|at| self.last_sizes.get(at));
        let room = last_size.map_or(0, |size| size.load(Ordering::Relaxed));
        // A little more than last time: pages vary by a few rows.
        let mut html = Vec::with_capacity(PAGE_CAPACITY.max(room + room / 8));
        for (template, context) in [(LAYOUT_TOP, &frame), (name, &page), (LAYOUT_BOTTOM, &frame)] {
            self.registry
                .render_with_context_to_write(template, context, &mut html)
                .map_err(|e| failed(template, e))?;
        }
        if let Some(size) = last_size {
            size.store(html.len(), Ordering::Relaxed);
        }
        String::from_utf8(html).map_err(|e| RenderError {
            name: name.to_owned(),
            message: e.to_string(),
        })
    }

    /// The content type and body of a static file, if there is one by that name.
    pub fn static_file(&self, name: &str) -> Option<(&'static str, String)> {
        let (_, content_type, embedded) = STATIC_FILES.iter().find(|(n, ..)| *n == name)?;
        if self.dev_reload {
            let path = source_root().join("static").join(name);
            if let Ok(text) = std::fs::read_to_string(path) {
                return Some((content_type, text));
            }
        }
        Some((content_type, (*embedded).to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn files_under(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel);
            }
        }
    }

    #[test]
    fn every_template_and_static_file_is_embedded() {
        let root = source_root();
        let mut templates = BTreeSet::new();
        files_under(
            &root.join("templates"),
            &root.join("templates"),
            &mut templates,
        );
        let embedded: BTreeSet<String> = TEMPLATES
            .iter()
            .chain(PARTIALS)
            .chain(EMAIL_TEMPLATES)
            .map(|(n, _)| format!("{n}.hbs"))
            .collect();
        assert_eq!(templates, embedded);

        let mut statics = BTreeSet::new();
        files_under(&root.join("static"), &root.join("static"), &mut statics);
        let embedded: BTreeSet<String> = STATIC_FILES.iter().map(|(n, ..)| n.to_string()).collect();
        assert_eq!(statics, embedded);
    }

    #[test]
    fn partials_render_the_same_embedded_and_from_disk() {
        let context = serde_json::json!({"app_name": "Loopwright", "title": "Jobs", "can_create": true,
            "error_list": [{"field": "title", "message": "Give a title."}],
            "errors": {"title": "Give a title."}});
        let embedded = Templates::new(false).unwrap();
        let from_disk = Templates::new(true).unwrap();
        // The same but for the indentation the embedded templates drop.
        let html = embedded.render_page("pages/jobs", context.clone()).unwrap();
        let disk = from_disk.render_page("pages/jobs", context).unwrap();
        assert_eq!(unindent(&html), unindent(&disk));
        assert!(disk.len() > html.len());
        assert!(html.contains("<title>Jobs · Loopwright</title>"), "{html}");
        assert!(html.contains(r#"<div class="error-summary narrow" role="alert""#));
        assert!(html.contains("The job was not created. Please fix the following</h2>"));
        assert!(html.contains(r##"<li><a href="#field-title">Give a title.</a></li>"##));

        // The layout split where the page goes reads the same as the whole
        // layout given the page's HTML, header, flash and footer included.
        let signed_in = serde_json::json!({"app_name": "Loopwright", "version": "1.0",
            "title": "Jobs", "csrf_token": "t0k3n", "hide_sign_in": false,
            "user": {"name": "Ada <Admin>", "role_label": "Admin"},
            "nav": [{"href": "/jobs", "label": "Jobs", "current": true}],
            "flash": [{"kind": "success", "message": "Saved."}, {"kind": "error", "message": "Not <b>quite</b>."}]});
        let html = embedded
            .render_page("pages/jobs", signed_in.clone())
            .unwrap();
        let disk = from_disk.render_page("pages/jobs", signed_in).unwrap();
        assert_eq!(unindent(&html), unindent(&disk));
        assert!(html.contains("Ada &lt;Admin&gt;"), "{html}");
        assert!(html.contains("Not &lt;b&gt;quite&lt;/b&gt;."));
        assert!(html.ends_with("</html>\n"), "{html}");
    }

    #[test]
    fn a_field_error_is_written_escaped_and_only_with_a_message() {
        let t = Templates::new(false).unwrap();
        let render = |context: serde_json::Value| {
            t.registry
                .render_template(
                    r#"{{field_error field=(concat "notes-" id) message=error}}"#,
                    &context,
                )
                .unwrap()
        };
        assert_eq!(
            render(serde_json::json!({"id": 7, "error": "Keep it under <100> words & tidy."})),
            r#"<p class="field-error" id="error-notes-7">Keep it under &lt;100&gt; words &amp; tidy.</p>"#
        );
        assert_eq!(render(serde_json::json!({"id": 7, "error": ""})), "");
        assert_eq!(render(serde_json::json!({"id": 7})), "");
    }

    #[test]
    fn user_text_is_escaped() {
        let t = Templates::new(false).unwrap();
        let html = t
            .render(
                "pages/error",
                &serde_json::json!({"app_name": "Loopwright", "title": "x", "status": 400,
                    "heading": "<script>alert(1)</script>", "message": "a & b"}),
            )
            .unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>alert(1)"));
    }

    #[test]
    fn the_time_helper_shows_the_viewers_zone_and_the_candidates_beside_it() {
        let mut registry = Handlebars::new();
        registry.register_helper("time", Box::new(time));
        let render = |template: &str, context: serde_json::Value| {
            registry.render_template(template, &context).unwrap()
        };
        let at = "2031-03-03T10:00:00+00:00";
        let html = render(
            "{{time at also=zone}}",
            serde_json::json!({"viewer_zone": "Asia/Kathmandu", "at": at, "zone": "Europe/Berlin"}),
        );
        assert_eq!(
            html,
            "<time datetime=\"2031-03-03T10:00:00+00:00\" title=\"Mon 3 Mar 2031, 15:45 UTC+5:45\">\
             Mon 3 Mar 2031, 15:45 UTC+5:45</time> <span class=\"time-also\">(candidate's time: 11:00 CET)</span>"
        );
        // No viewer zone: UTC, named; the same zone twice is said once.
        let html = render(
            "{{time at style=\"date\"}}|{{time at also=zone}}",
            serde_json::json!({"at": at, "zone": "UTC"}),
        );
        assert_eq!(
            html,
            "<time datetime=\"2031-03-03T10:00:00+00:00\" title=\"Mon 3 Mar 2031, 10:00 UTC\">3 Mar 2031</time>|\
             <time datetime=\"2031-03-03T10:00:00+00:00\" title=\"Mon 3 Mar 2031, 10:00 UTC\">Mon 3 Mar 2031, 10:00 UTC</time>"
        );
        // Nothing for nothing, or for what is not a time.
        assert_eq!(
            render(
                "{{time missing}}{{time bad}}",
                serde_json::json!({"bad": "soon"})
            ),
            ""
        );
    }
}
