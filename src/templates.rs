//! Handlebars templates and static files, embedded in the binary.
//!
//! With `LOOPWRIGHT_DEV=1` (or `serve --dev`) both are read from disk on every
//! request, so editing a template shows on the next reload.

use std::path::PathBuf;

use handlebars::{Handlebars, handlebars_helper};
use serde::Serialize;

/// Every template, by name (its path under `templates/` without `.hbs`).
/// A test checks that this list and the folder agree.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "layouts/base",
        include_str!("../templates/layouts/base.hbs"),
    ),
    ("pages/error", include_str!("../templates/pages/error.hbs")),
    ("pages/home", include_str!("../templates/pages/home.hbs")),
    ("pages/setup", include_str!("../templates/pages/setup.hbs")),
    (
        "pages/setup_done",
        include_str!("../templates/pages/setup_done.hbs"),
    ),
    (
        "pages/setup_used",
        include_str!("../templates/pages/setup_used.hbs"),
    ),
];

/// Every static file, by name under `static/`, with its content type.
pub const STATIC_FILES: &[(&str, &str, &str)] = &[(
    "style.css",
    "text/css; charset=utf-8",
    include_str!("../static/style.css"),
)];

#[derive(Debug, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct RenderError {
    name: String,
    message: String,
}

handlebars_helper!(eq: |a: Json, b: Json| a == b);

pub struct Templates {
    registry: Handlebars<'static>,
    dev_reload: bool,
}

fn source_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Templates {
    pub fn new(dev_reload: bool) -> Result<Self, RenderError> {
        let mut registry = Handlebars::new();
        registry.register_helper("eq", Box::new(eq));
        registry.set_strict_mode(false);
        for (name, source) in TEMPLATES {
            let result = if dev_reload {
                let path = source_root().join("templates").join(format!("{name}.hbs"));
                registry.register_template_file(name, path)
            } else {
                registry.register_template_string(name, *source)
            };
            result.map_err(|e| RenderError {
                name: (*name).to_owned(),
                message: e.to_string(),
            })?;
        }
        // Dev mode makes handlebars re-read file-registered templates per render.
        registry.set_dev_mode(dev_reload);
        Ok(Self {
            registry,
            dev_reload,
        })
    }

    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, RenderError> {
        self.registry
            .render(name, context)
            .map_err(|e| RenderError {
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
        let embedded: BTreeSet<String> =
            TEMPLATES.iter().map(|(n, _)| format!("{n}.hbs")).collect();
        assert_eq!(templates, embedded);

        let mut statics = BTreeSet::new();
        files_under(&root.join("static"), &root.join("static"), &mut statics);
        let embedded: BTreeSet<String> = STATIC_FILES.iter().map(|(n, ..)| n.to_string()).collect();
        assert_eq!(statics, embedded);
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
}
