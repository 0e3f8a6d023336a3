//! Headless Chromium driven over the Chrome DevTools Protocol, for the dashboard's tests.
//!
//! The distribution's `chromium` is started with a fresh profile and
//! `--remote-debugging-port=0`; the port it chose is read from `DevToolsActivePort` in the
//! profile, and the protocol (JSON messages over a WebSocket) is spoken with the
//! WebSocket client the transport tests already use. A page records every request it
//! makes (`Network.requestWillBeSent`, `Network.webSocketCreated`) and every uncaught
//! script error, so a test can fail on a request that leaves loopback or on a broken
//! script. Clicks and typing are real input events (`Input.*`), not synthetic DOM events.
//!
//! Chromium is found at `IGGY_TEST_CHROMIUM`, else `chromium` or `chromium-browser` on the
//! `PATH`; `scripts/test` installs Debian's `chromium` when it is missing. Without it the
//! browser tests fail, saying so.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a page may take to reach a state a test waits for.
pub const WAIT: Duration = Duration::from_secs(15);
/// The viewport the dashboard is designed for.
pub const DESKTOP: (u32, u32) = (1280, 800);

const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
];

/// The Chromium binary, or a failure that says how to get one.
fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("IGGY_TEST_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the dashboard tests need Chromium: install Debian's `chromium` (scripts/test does), \
         or set IGGY_TEST_CHROMIUM to a Chromium or Chrome binary"
    );
}

/// What the browser reported for one page: requested URLs and uncaught script errors.
#[derive(Default)]
struct Seen {
    requests: Vec<String>,
    exceptions: Vec<String>,
}

/// The DevTools connection: commands are matched to answers by id; events are recorded.
struct Devtools {
    sink: tokio::sync::Mutex<SplitSink<Socket, Message>>,
    waiting: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    seen: Mutex<HashMap<String, Seen>>,
    next_id: AtomicU64,
}

impl Devtools {
    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        self.sink
            .lock()
            .await
            .send(Message::text(message.to_string()))
            .await
            .unwrap_or_else(|e| panic!("DevTools {method}: {e}"));
        let answer = tokio::time::timeout(WAIT, rx)
            .await
            .unwrap_or_else(|_| panic!("DevTools {method}: no answer within {WAIT:?}"))
            .unwrap_or_else(|_| panic!("DevTools {method}: the browser went away"));
        if let Some(error) = answer.get("error") {
            panic!("DevTools {method}: {error}");
        }
        answer["result"].clone()
    }

    fn record(&self, message: Value) {
        if let Some(id) = message["id"].as_u64() {
            if let Some(tx) = self.waiting.lock().unwrap().remove(&id) {
                let _ = tx.send(message);
            }
            return;
        }
        let session = message["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let params = &message["params"];
        let mut seen = self.seen.lock().unwrap();
        let page = seen.entry(session).or_default();
        match message["method"].as_str() {
            Some("Network.requestWillBeSent") => page
                .requests
                .push(params["request"]["url"].as_str().unwrap_or("").into()),
            Some("Network.webSocketCreated") => page
                .requests
                .push(params["url"].as_str().unwrap_or("").into()),
            Some("Runtime.exceptionThrown") => {
                page.exceptions.push(params["exceptionDetails"].to_string())
            }
            _ => {}
        }
    }
}

async fn read_events(devtools: Arc<Devtools>, mut stream: SplitStream<Socket>) {
    while let Some(Ok(message)) = stream.next().await {
        if let Message::Text(text) = message {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                devtools.record(value);
            }
        }
    }
}

/// A headless Chromium with its own profile, ended (with its whole process group) on drop.
pub struct Browser {
    child: Child,
    devtools: Arc<Devtools>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn launch() -> Browser {
        let profile = tempfile::Builder::new()
            .prefix("iggy-chromium-")
            .tempdir()
            .expect("profile dir");
        let binary = chromium();
        let child = Command::new(&binary)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let endpoint = devtools_endpoint(profile.path()).await;
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .unwrap_or_else(|e| panic!("DevTools connection to {endpoint}: {e}"));
        let (sink, stream) = socket.split();
        let devtools = Arc::new(Devtools {
            sink: tokio::sync::Mutex::new(sink),
            waiting: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        });
        tokio::spawn(read_events(devtools.clone(), stream));
        Browser {
            child,
            devtools,
            _profile: profile,
        }
    }

    /// A new tab of `width` x `height` CSS pixels, recording its requests.
    pub async fn page(&self, (width, height): (u32, u32)) -> Page {
        let target = self
            .devtools
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = self
            .devtools
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let page = Page {
            devtools: self.devtools.clone(),
            session: attached["sessionId"]
                .as_str()
                .expect("sessionId")
                .to_string(),
        };
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            page.call(domain, json!({})).await;
        }
        page.resize(width, height).await;
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The browser's helpers (renderers, GPU, zygote) share its process group.
        let group = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the process group this browser was started in.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Waits for Chromium to write the port it listens on into the profile.
async fn devtools_endpoint(profile: &Path) -> String {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return format!("ws://127.0.0.1:{port}{path}");
            }
        }
        assert!(
            Instant::now() < deadline,
            "Chromium did not open its DevTools port within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One tab.
pub struct Page {
    devtools: Arc<Devtools>,
    session: String,
}

impl Page {
    pub async fn call(&self, method: &str, params: Value) -> Value {
        self.devtools
            .call(Some(&self.session), method, params)
            .await
    }

    pub async fn resize(&self, width: u32, height: u32) {
        let metrics =
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false });
        self.call("Emulation.setDeviceMetricsOverride", metrics)
            .await;
    }

    /// Emulates the system's colour scheme (`"dark"` or `"light"`).
    pub async fn color_scheme(&self, scheme: &str) {
        let media = json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
        self.call("Emulation.setEmulatedMedia", media).await;
    }

    /// Loads `url` and waits until its document and scripts have run.
    pub async fn goto(&self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
        self.wait_for(
            "document.readyState === 'complete'",
            &format!("{url} to load"),
        )
        .await;
    }

    /// Evaluates `expression` (awaiting a promise) and answers its JSON value.
    pub async fn eval(&self, expression: &str) -> Value {
        let params =
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true });
        let answer = self.call("Runtime.evaluate", params).await;
        if let Some(details) = answer.get("exceptionDetails") {
            panic!("script {expression:?} threw: {details}");
        }
        answer["result"]["value"].clone()
    }

    /// Waits until `condition` (a script expression) is true.
    pub async fn wait_for(&self, condition: &str, what: &str) {
        self.wait_within(condition, what, WAIT).await;
    }

    /// Waits at most `limit` until `condition` is true.
    pub async fn wait_within(&self, condition: &str, what: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        let probe = format!(
            "(() => {{ try {{ return Boolean({condition}); }} catch {{ return false; }} }})()"
        );
        loop {
            if self.eval(&probe).await == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let main = self.text("main").await;
                panic!("waited {limit:?} for {what} ({condition}); the page shows:\n{main}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The visible text of the first element matching `selector` ("" when none).
    pub async fn text(&self, selector: &str) -> String {
        let script = format!(
            "document.querySelector({})?.innerText ?? ''",
            json!(selector)
        );
        self.eval(&script).await.as_str().unwrap_or("").to_string()
    }

    /// Clicks the middle of the element (scrolled into view) with the mouse.
    pub async fn click(&self, selector: &str) {
        self.wait_for(
            &format!("document.querySelector({}) !== null", json!(selector)),
            selector,
        )
        .await;
        let script = format!(
            "(() => {{ const e = document.querySelector({}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
            json!(selector)
        );
        let at = self.eval(&script).await;
        let (x, y) = (at[0].as_f64().unwrap_or(0.0), at[1].as_f64().unwrap_or(0.0));
        for kind in ["mousePressed", "mouseReleased"] {
            let event = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
            self.call("Input.dispatchMouseEvent", event).await;
        }
    }

    /// Focuses the field, selects what it holds and types `text` over it.
    pub async fn fill(&self, selector: &str, text: &str) {
        self.wait_for(
            &format!("document.querySelector({}) !== null", json!(selector)),
            selector,
        )
        .await;
        let focus = format!(
            "(() => {{ const e = document.querySelector({}); e.focus(); e.select?.(); }})()",
            json!(selector)
        );
        self.eval(&focus).await;
        self.call("Input.insertText", json!({ "text": text })).await;
    }

    /// Picks `value` in a `<select>`, as a person choosing an option does.
    pub async fn select(&self, selector: &str, value: &str) {
        let script = format!(
            "(() => {{ const e = document.querySelector({}); e.focus(); e.value = {}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value; }})()",
            json!(selector),
            json!(value)
        );
        assert_eq!(
            self.eval(&script).await,
            json!(value),
            "{selector} has option {value}"
        );
    }

    /// Sets a checkbox the way a click would.
    pub async fn check(&self, selector: &str, on: bool) {
        self.wait_for(
            &format!("document.querySelector({}) !== null", json!(selector)),
            selector,
        )
        .await;
        let script = format!("document.querySelector({}).checked", json!(selector));
        if self.eval(&script).await != Value::Bool(on) {
            self.click(selector).await;
        }
    }

    /// Presses a key: "Tab", "Enter", "Escape", "Space".
    pub async fn press(&self, key: &str, shift: bool) {
        let (code, vk, text) = match key {
            "Tab" => ("Tab", 9, ""),
            "Enter" => ("Enter", 13, "\r"),
            "Escape" => ("Escape", 27, ""),
            "Space" => ("Space", 32, " "),
            other => panic!("no key {other}"),
        };
        let modifiers = if shift { 8 } else { 0 };
        let key_name = if key == "Space" { " " } else { key };
        let down = json!({ "type": "keyDown", "key": key_name, "code": code, "windowsVirtualKeyCode": vk, "text": text, "modifiers": modifiers });
        let up = json!({ "type": "keyUp", "key": key_name, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers });
        self.call("Input.dispatchKeyEvent", down).await;
        self.call("Input.dispatchKeyEvent", up).await;
    }

    /// Saves a PNG of the viewport as `target/tmp/ui-screenshots/{name}.png`; answers the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .expect("screenshot is base64");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Every URL this page requested so far (documents, scripts, API calls, WebSockets).
    pub fn requests(&self) -> Vec<String> {
        let seen = self.devtools.seen.lock().unwrap();
        seen.get(&self.session)
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    /// Fails the test on any request to a host other than loopback, and on any uncaught
    /// script error; answers how many requests were checked.
    pub fn assert_clean(&self) -> usize {
        let seen = self.devtools.seen.lock().unwrap();
        let empty = Seen::default();
        let page = seen.get(&self.session).unwrap_or(&empty);
        assert!(
            page.exceptions.is_empty(),
            "uncaught script errors: {:#?}",
            page.exceptions
        );
        assert!(
            !page.requests.is_empty(),
            "no request was recorded: the check would prove nothing"
        );
        for url in &page.requests {
            assert!(loopback(url), "a request left loopback: {url}");
        }
        page.requests.len()
    }
}

/// Whether `url` stays on this machine (or needs no network at all).
pub fn loopback(url: &str) -> bool {
    if ["about:", "data:", "blob:"]
        .iter()
        .any(|p| url.starts_with(p))
    {
        return true;
    }
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}
