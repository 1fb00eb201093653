//! A person at a headless Chromium, driven through chromedriver: every call
//! waits for what it needs and panics with the page's address when it cannot,
//! and a test that fails leaves a screenshot of the step it failed in under
//! `target/browser-artifacts/<test>-<step>.png`.
//!
//! Every page the suite visits is audited at 1,366 × 768 and at 390 × 844:
//! axe-core finds no violation and the page does not scroll sideways.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::driver::{Tools, driver, tools};
use crate::support::TestUser;

/// The two viewports every visited page is audited at (CSS pixels).
pub const DESKTOP: (u32, u32) = (1366, 768);
pub const PHONE: (u32, u32) = (390, 844);

/// Set (to anything) to keep a screenshot of every audited page at both sizes.
pub const SCREENSHOTS_VAR: &str = "LOOPWRIGHT_BROWSER_SCREENSHOTS";

const WAIT: Duration = Duration::from_secs(10);

/// One browser session of one test.
pub struct Page {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    base: String,
    test: String,
    step: String,
    axe: String,
    audited: BTreeSet<String>,
    viewport: (u32, u32),
    /// What a person did: a click, a field typed into, a key pressed.
    actions: usize,
}

/// Where failing steps leave their screenshots.
pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts")
}

impl Page {
    /// A new Chromium session at the desktop size, for the app at `base`;
    /// `None` when the browser suite is skipped on this machine.
    pub fn open(test: &str, base: &str) -> Option<Page> {
        let tools = tools()?;
        Some(Self::open_with(tools, test, base))
    }

    fn open_with(tools: &Tools, test: &str, base: &str) -> Page {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the browser client");
        let axe = std::fs::read_to_string(&tools.axe_js)
            .unwrap_or_else(|e| panic!("{}: {e}", tools.axe_js.display()));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": tools.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--no-first-run",
                    "--disable-extensions",
                    "--lang=en-US",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                ],
            }),
        );
        let url = driver(tools).url.clone();
        let client = rt.block_on(async {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let mut last = None;
            // chromedriver may still be starting Chromium for a parallel test.
            for _ in 0..3 {
                match ClientBuilder::new(connector.clone())
                    .capabilities(caps.clone())
                    .connect(&url)
                    .await
                {
                    Ok(client) => return client,
                    Err(e) => last = Some(e),
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            panic!("no Chromium session: {last:?}")
        });
        let mut page = Page {
            rt,
            client: Some(client),
            base: base.trim_end_matches('/').to_owned(),
            test: test.to_owned(),
            step: "start".to_owned(),
            axe,
            audited: BTreeSet::new(),
            viewport: (0, 0),
            actions: 0,
        };
        page.set_viewport(DESKTOP);
        page
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("the session is open until drop")
    }

    /// Names the step that follows, for the failure screenshot.
    pub fn step(&mut self, name: &str) {
        self.step = name.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    }

    /// How many actions a person took since the last `reset_actions`.
    pub fn actions(&self) -> usize {
        self.actions
    }

    pub fn reset_actions(&mut self) {
        self.actions = 0;
    }

    /// The page's path and query (e.g. `/stages/3`).
    pub fn path(&self) -> String {
        let url = self
            .rt
            .block_on(self.client().current_url())
            .expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Opens `path` (as typed into the address bar) and audits the page.
    pub fn goto(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.rt
            .block_on(self.client().goto(&url))
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.settle();
        self.mark_seen();
        self.audit();
    }

    /// Reloads the page, as the browser's reload button does.
    pub fn reload(&mut self) {
        self.rt
            .block_on(self.client().refresh())
            .unwrap_or_else(|e| panic!("reload {}: {e}", self.path()));
        self.settle();
        self.mark_seen();
    }

    /// Marks the document now shown, so that `arrive` waits for another:
    /// a form that posts back to the page it is on leaves the path unchanged.
    fn mark_seen(&self) {
        self.js("window.__loopwrightSeen = true; return null;", vec![]);
    }

    /// Waits for the document to be loaded.
    pub fn settle(&self) {
        self.wait_until("document.readyState === 'complete'", "the page to load");
    }

    /// Waits until `condition` (a JavaScript expression) is true.
    pub fn wait_until(&self, condition: &str, what: &str) {
        let script = format!("return !!({condition});");
        let deadline = Instant::now() + WAIT;
        loop {
            let ok = self
                .rt
                .block_on(self.client().execute(&script, vec![]))
                .map(|v| v == Value::Bool(true))
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited {WAIT:?} for {what} on {}",
                self.path()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for a new page at a path starting with `prefix` and audits it.
    /// The document shown before must have been replaced, even when the new
    /// page has the same path.
    pub fn arrive(&mut self, prefix: &str) {
        let quoted = serde_json::to_string(prefix).expect("a string");
        self.wait_until(
            &format!(
                "!window.__loopwrightSeen && (location.pathname + location.search).startsWith({quoted}) && document.readyState === 'complete'"
            ),
            &format!("a new page at {prefix}"),
        );
        self.mark_seen();
        self.audit();
    }

    /// The element matching `css`, waiting for it to appear.
    pub fn find(&self, css: &str) -> Element {
        self.rt
            .block_on(
                self.client()
                    .wait()
                    .at_most(WAIT)
                    .for_element(Locator::Css(css)),
            )
            .unwrap_or_else(|e| panic!("no {css} on {}: {e}", self.path()))
    }

    /// Whether something matches `css` now.
    pub fn exists(&self, css: &str) -> bool {
        self.rt
            .block_on(self.client().find_all(Locator::Css(css)))
            .map(|all| !all.is_empty())
            .unwrap_or(false)
    }

    /// Clicks `css` (one action).
    pub fn click(&mut self, css: &str) {
        let element = self.find(css);
        self.rt
            .block_on(element.click())
            .unwrap_or_else(|e| panic!("click {css} on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Clicks the link or button whose text is `text` exactly (one action).
    pub fn click_text(&mut self, text: &str) {
        let xpath = format!(
            "//*[(self::a or self::button or self::summary) and normalize-space(.)={}]",
            xpath_literal(text)
        );
        let element = self
            .rt
            .block_on(
                self.client()
                    .wait()
                    .at_most(WAIT)
                    .for_element(Locator::XPath(&xpath)),
            )
            .unwrap_or_else(|e| panic!("no link or button {text:?} on {}: {e}", self.path()));
        self.rt
            .block_on(element.click())
            .unwrap_or_else(|e| panic!("click {text:?} on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Types `text` into the field `css` after what it holds (one action).
    pub fn type_into(&mut self, css: &str, text: &str) {
        let element = self.find(css);
        self.rt
            .block_on(async {
                element.click().await?;
                element.send_keys(text).await
            })
            .unwrap_or_else(|e| panic!("type into {css} on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Empties the field `css` and types `text` into it (one action).
    pub fn fill(&mut self, css: &str, text: &str) {
        let element = self.find(css);
        self.rt
            .block_on(async {
                element.clear().await?;
                element.send_keys(text).await
            })
            .unwrap_or_else(|e| panic!("fill {css} on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Picks `value` in the `<select>` `css` (one action).
    pub fn select(&mut self, css: &str, value: &str) {
        let element = self.find(css);
        self.rt
            .block_on(element.select_by_value(value))
            .unwrap_or_else(|e| panic!("select {value} in {css} on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Types `text` wherever the focus is (one action).
    pub fn type_here(&mut self, text: &str) {
        self.rt
            .block_on(async {
                let focused = self.client().active_element().await?;
                focused.send_keys(text).await
            })
            .unwrap_or_else(|e| panic!("type on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Presses `key` `times` times wherever the focus is (one action each).
    pub fn press(&mut self, key: Key, times: usize) {
        let keys = char::from(key).to_string();
        for _ in 0..times {
            self.rt
                .block_on(async {
                    let focused = self.client().active_element().await?;
                    focused.send_keys(&keys).await
                })
                .unwrap_or_else(|e| panic!("press {key:?} on {}: {e}", self.path()));
            self.actions += 1;
        }
    }

    /// Presses Shift+Tab wherever the focus is (one action).
    pub fn press_shift_tab(&mut self) {
        let chord: String = [Key::Shift, Key::Tab, Key::Null]
            .into_iter()
            .map(char::from)
            .collect();
        self.rt
            .block_on(async {
                let focused = self.client().active_element().await?;
                focused.send_keys(&chord).await
            })
            .unwrap_or_else(|e| panic!("press Shift+Tab on {}: {e}", self.path()));
        self.actions += 1;
    }

    /// Presses `key` until the radio `css` is checked (one action per press).
    pub fn press_until_checked(&mut self, key: Key, css: &str) {
        for _ in 0..6 {
            if self.is_checked(css) {
                return;
            }
            self.press(key, 1);
        }
        assert!(self.is_checked(css), "{key:?} never checked {css}");
    }

    /// Presses Tab until the focus is on `css` (one action per press).
    pub fn tab_to(&mut self, css: &str) {
        for _ in 0..60 {
            if self.focused_matches(css) {
                return;
            }
            self.press(Key::Tab, 1);
        }
        panic!("Tab never reached {css} on {}", self.path());
    }

    /// Whether the focused element matches `css`.
    pub fn focused_matches(&self, css: &str) -> bool {
        self.js(
            "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
            vec![json!(css)],
        ) == Value::Bool(true)
    }

    /// The current value of the field `css`.
    pub fn value(&self, css: &str) -> String {
        let element = self.find(css);
        self.rt
            .block_on(element.prop("value"))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The DOM property `name` of `css`, as text.
    pub fn prop(&self, css: &str, name: &str) -> String {
        let element = self.find(css);
        self.rt
            .block_on(element.prop(name))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Whether the checkbox or radio `css` is checked.
    pub fn is_checked(&self, css: &str) -> bool {
        let element = self.find(css);
        self.rt.block_on(element.is_selected()).unwrap_or(false)
    }

    /// The visible text of `css`.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.rt.block_on(element.text()).unwrap_or_default()
    }

    /// Runs `script` in the page; answers what it returns.
    pub fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.rt
            .block_on(self.client().execute(script, args))
            .unwrap_or_else(|e| panic!("script on {}: {e}\n{script}", self.path()))
    }

    /// Signs in through the sign-in form (not counted as actions).
    pub fn sign_in(&mut self, user: &TestUser) {
        let before = self.actions;
        self.step("sign-in");
        self.goto("/login");
        self.fill("input[name=email]", &user.email);
        self.fill("input[name=password]", &user.password);
        self.click("form[action='/login'] button[type=submit]");
        self.wait_until(
            "location.pathname !== '/login' && document.readyState === 'complete'",
            "signing in",
        );
        self.mark_seen();
        self.actions = before;
    }

    /// Resizes the window so the page's viewport is `size` CSS pixels.
    pub fn set_viewport(&mut self, size: (u32, u32)) {
        if self.viewport == size {
            return;
        }
        let (w, h) = size;
        let inner = |page: &Page| -> (i64, i64) {
            let v = page.js("return [window.innerWidth, window.innerHeight];", vec![]);
            (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0))
        };
        self.rt
            .block_on(self.client().set_window_size(w, h))
            .unwrap_or_else(|e| panic!("resize to {w}×{h}: {e}"));
        let (iw, ih) = inner(self);
        if (iw, ih) != (i64::from(w), i64::from(h)) {
            let ow = (2 * i64::from(w) - iw).max(1) as u32;
            let oh = (2 * i64::from(h) - ih).max(1) as u32;
            self.rt
                .block_on(self.client().set_window_size(ow, oh))
                .unwrap_or_else(|e| panic!("resize to {ow}×{oh}: {e}"));
        }
        self.viewport = size;
        // One frame for the layout to follow.
        let _ = self.rt.block_on(self.client().execute_async(
            "requestAnimationFrame(() => requestAnimationFrame(arguments[0]));",
            vec![],
        ));
    }

    /// Audits the page, once per path: axe-core and the sideways-scroll
    /// check at both sizes. Panics listing every problem.
    pub fn audit(&mut self) {
        let path = self.path();
        let key = path.split('?').next().unwrap_or(&path).to_owned();
        if !self.audited.insert(key) {
            return;
        }
        let back = self.viewport;
        let mut problems = Vec::new();
        for size in [DESKTOP, PHONE] {
            self.set_viewport(size);
            let label = format!("{}×{}", size.0, size.1);
            if let Some(wide) = self.sideways_scroll() {
                problems.push(format!("{label}: scrolls sideways: {wide}"));
            }
            for violation in self.axe_violations() {
                problems.push(format!("{label}: axe: {violation}"));
            }
            if !problems.is_empty() || std::env::var_os(SCREENSHOTS_VAR).is_some() {
                self.screenshot(&format!("audit-{}-{label}", slug(&path)));
            }
        }
        self.set_viewport(back);
        assert!(
            problems.is_empty(),
            "{path} fails its audit:\n  {}",
            problems.join("\n  ")
        );
    }

    /// `None` when the page fits its viewport's width; else the widths and
    /// the elements that stick out.
    pub fn sideways_scroll(&self) -> Option<String> {
        let found = self.js(
            r#"
            const root = document.documentElement;
            const width = root.clientWidth;
            if (root.scrollWidth <= width) return null;
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
              const r = el.getBoundingClientRect();
              if (r.right > width + 1 && r.width > 0) {
                // Overflow clips an absolutely placed box only from an
                // ancestor that is its containing block or above it.
                let parent = el.parentElement, clipped = false;
                let absolute = getComputedStyle(el).position === 'absolute';
                while (parent && parent !== document.body) {
                  const s = getComputedStyle(parent);
                  if (s.overflowX !== 'visible' && !absolute) { clipped = true; break; }
                  if (absolute && s.position !== 'static') absolute = false;
                  parent = parent.parentElement;
                }
                if (!clipped) {
                  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
                  out.push(name + ' right=' + Math.round(r.right));
                }
              }
              if (out.length >= 8) break;
            }
            return 'scrollWidth ' + root.scrollWidth + ' > ' + width + ': ' + out.join(', ');
            "#,
            vec![],
        );
        found.as_str().map(str::to_owned)
    }

    /// axe-core's violations on the page, one line each.
    pub fn axe_violations(&self) -> Vec<String> {
        let loaded = self.js("return typeof window.axe === 'object';", vec![]);
        if loaded != Value::Bool(true) {
            self.js(&self.axe, vec![]);
        }
        let result = self
            .rt
            .block_on(self.client().execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                window.axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done(r.violations.map(v =>
                    v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                    v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(' | '))))
                  .catch(e => done(['axe failed: ' + e]));
                "#,
                vec![],
            ))
            .unwrap_or_else(|e| panic!("axe on {}: {e}", self.path()));
        result
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a screenshot as `target/browser-artifacts/<test>-<name>.png`.
    pub fn screenshot(&self, name: &str) -> Option<PathBuf> {
        let png = self.rt.block_on(self.client().screenshot()).ok()?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join(format!("{}-{}.png", self.test, slug(name)));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let step = self.step.clone();
            if let Some(path) = self.screenshot(&step) {
                eprintln!("screenshot of the failing step: {}", path.display());
            }
        }
        if let Some(client) = self.client.take() {
            let _ = self.rt.block_on(client.close());
        }
    }
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("\"{text}\"")
    }
}
