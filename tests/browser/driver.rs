//! Finding Chromium, its driver and axe-core, and the one chromedriver that
//! every test of this binary shares (each test opens a session of its own).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The browser suite's tools: where each one was found.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// axe-core's `axe.min.js`, injected into every page the suite visits.
    pub axe_js: PathBuf,
}

pub const CHROMIUM_VAR: &str = "LOOPWRIGHT_CHROMIUM";
pub const CHROMEDRIVER_VAR: &str = "LOOPWRIGHT_CHROMEDRIVER";
pub const AXE_VAR: &str = "LOOPWRIGHT_AXE_JS";
/// Set (to anything) to fail instead of skipping when a tool is missing, as CI does.
pub const REQUIRED_VAR: &str = "LOOPWRIGHT_BROWSER_TESTS";

/// Where `.ci/run` installs axe-core (`npm install --prefix target/browser-tools`).
pub fn default_axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/browser-tools/node_modules/axe-core/axe.min.js")
}

fn from_env_or(var: &str, candidates: &[&str]) -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var(var) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{var}={} is not a file", path.display()))
        };
    }
    for candidate in candidates {
        let path = if candidate.contains('/') {
            PathBuf::from(candidate)
        } else {
            match on_path(candidate) {
                Some(path) => path,
                None => continue,
            }
        };
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(format!(
        "none of {} found (or set {var})",
        candidates.join(", ")
    ))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The tools, or why the suite cannot run here.
pub fn find_tools() -> Result<Tools, String> {
    let chromium = from_env_or(
        CHROMIUM_VAR,
        &[
            "chromium",
            "chromium-browser",
            "google-chrome",
            "/usr/bin/chromium",
        ],
    );
    let chromedriver = from_env_or(CHROMEDRIVER_VAR, &["chromedriver", "/usr/bin/chromedriver"]);
    let axe_js = match std::env::var(AXE_VAR) {
        Ok(_) => from_env_or(AXE_VAR, &[]),
        Err(_) => {
            let path = default_axe_path();
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "no {} (npm install --prefix target/browser-tools axe-core, or set {AXE_VAR})",
                    path.display()
                ))
            }
        }
    };
    let problems: Vec<String> = [&chromium, &chromedriver, &axe_js]
        .iter()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    if problems.is_empty() {
        Ok(Tools {
            chromium: chromium.unwrap_or_default(),
            chromedriver: chromedriver.unwrap_or_default(),
            axe_js: axe_js.unwrap_or_default(),
        })
    } else {
        Err(problems.join("; "))
    }
}

/// The tools once per binary; `None` (after saying so once) when the suite
/// is skipped. Panics instead when `LOOPWRIGHT_BROWSER_TESTS` is set.
pub fn tools() -> Option<&'static Tools> {
    static TOOLS: OnceLock<Option<Tools>> = OnceLock::new();
    TOOLS
        .get_or_init(|| match find_tools() {
            Ok(tools) => Some(tools),
            Err(why) if std::env::var_os(REQUIRED_VAR).is_some() => {
                panic!("{REQUIRED_VAR} is set but the browser suite cannot run: {why}")
            }
            Err(why) => {
                eprintln!(
                    "\nbrowser suite skipped: {why}.\n\
                     To run it: apt-get install chromium chromium-driver; \
                     npm install --prefix target/browser-tools axe-core; \
                     cargo test --test browser (see README, \"Browser tests\").\n"
                );
                None
            }
        })
        .as_ref()
}

/// A chromedriver serving on a loopback port. It is started through a shell
/// that holds our end of a pipe: when this test binary exits, however it
/// exits, the pipe closes and the shell stops the driver, so no driver
/// outlives the tests.
pub struct Driver {
    pub url: String,
    _guard: Mutex<(Child, ChildStdin)>,
}

/// The binary's one chromedriver, started on first use.
pub fn driver(tools: &Tools) -> &'static Driver {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    DRIVER.get_or_init(|| Driver::start(tools))
}

impl Driver {
    fn start(tools: &Tools) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" --port="$1" --allowed-ips=127.0.0.1 --log-level=WARNING >/dev/null & pid=$!; cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null"#)
            .arg(&tools.chromedriver)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start chromedriver");
        let stdin = child.stdin.take().expect("piped stdin");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            url,
            _guard: Mutex::new((child, stdin)),
        }
    }
}
