//! What the browser tests share: a headless Chromium driven through chromedriver
//! ([`Browser`]), and the example server with its workflows on a throwaway SQLite store
//! ([`Console`]).
//!
//! Chromium and chromedriver come from Debian's `chromium` and `chromium-driver` packages
//! (`.ci/run` installs them); `ASL_TEST_CHROMIUM` and `ASL_TEST_CHROMEDRIVER` name other
//! binaries. Without them a test prints why and passes, unless `ASL_REQUIRE_SERVICES=1`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use asl_runtime::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// The binary named by `var`, else the first of `candidates` that exists.
fn binary(var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// A headless Chromium session on its own chromedriver, closed on [`Browser::close`] (the
/// driver process is killed when dropped).
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a 1280×800 headless Chromium; `None` (after printing why)
    /// when they are not installed and services are not required. Screenshots go to `shots`.
    pub async fn start(shots: &Path) -> Option<Browser> {
        let chromium = binary(
            "ASL_TEST_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let driver = binary("ASL_TEST_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            if std::env::var("ASL_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("ASL_REQUIRE_SERVICES=1 but chromium or chromedriver is not installed");
            }
            eprintln!(
                "skipped: chromium and chromedriver are not installed \
                 (apt-get install chromium chromium-driver, or set ASL_TEST_CHROMIUM and ASL_TEST_CHROMEDRIVER)"
            );
            return None;
        };
        let port = free_port();
        let mut driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                // The machine's network is closed: no background connections, no updates;
                // containers often have a small /dev/shm.
                "args": [
                    "--disable-dev-shm-usage",
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut client = None;
        let mut last_error = String::new();
        for _ in 0..100 {
            let mut builder =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            match builder.connect(&url).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) => last_error = e.to_string(),
            }
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited with {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(client) = client else {
            panic!("no WebDriver session with chromedriver on {url}: {last_error}");
        };
        std::fs::create_dir_all(shots).expect("the screenshot directory");
        Some(Browser {
            client,
            driver,
            _profile: profile,
            shots: shots.to_path_buf(),
        })
    }

    /// Saves a screenshot of the page as `<name>.png` in the screenshot directory.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Saves a screenshot of the whole page (the window made as tall as the document, then
    /// 1280×800 again) as `<name>.png`.
    pub async fn full_screenshot(&self, name: &str) -> PathBuf {
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .ok()
            .and_then(|h| h.as_u64())
            .unwrap_or(800)
            .clamp(800, 8000);
        // The window's frame takes some height: ask for more than the document.
        let _ = self.client.set_window_size(1280, height as u32 + 140).await;
        let path = self.screenshot(name).await;
        let _ = self.client.set_window_size(1280, 800).await;
        path
    }

    /// The first element matching `css`, waiting up to 10 s for it to appear.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no element `{css}` on {}: {e}\n{source}", self.url().await)
            }
        }
    }

    /// Clicks the first element matching `css` (waiting for it as [`Browser::find`] does).
    pub async fn click(&self, css: &str) {
        if let Err(e) = self.find(css).await.click().await {
            panic!("cannot click `{css}`: {e}");
        }
    }

    /// The `data-status` of the graph node of state `name` (waiting for it to be drawn).
    pub async fn status_of(&self, name: &str) -> String {
        let node = self.find(&format!("[data-state=\"{name}\"]")).await;
        node.attr("data-status")
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("state `{name}` has no data-status"))
    }

    /// Whether an element matches `css` now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
            .is_empty()
    }

    /// The page's address.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// A port free now (the driver binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The example server (`examples/api_server`: order, approval, shipment, quote) on a
/// throwaway store, serving the API and the console.
pub struct Console {
    /// The server's base address (`http://127.0.0.1:<port>`).
    pub base: String,
    /// Its engine, to start executions and check what the console did.
    pub engine: Engine,
    _dir: tempfile::TempDir,
}

impl Console {
    /// Starts it with `config` (add credentials to test the login).
    pub async fn start(config: asl_server::Config) -> Console {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let engine = api_server::engine(&dir.path().join("console.db"), &base)
            .await
            .expect("the example engine");
        let worker = engine.clone();
        tokio::spawn(async move { worker.run().await });
        tokio::spawn(asl_server::serve_with(engine.clone(), config, listener));
        Console {
            base,
            engine,
            _dir: dir,
        }
    }
}
