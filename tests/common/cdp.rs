//! A minimal Chrome DevTools Protocol client for tests/browser.rs.
//!
//! Chromium is driven through `--remote-debugging-pipe`: it reads commands
//! on its fd 3 and writes responses and events on its fd 4, each message a
//! NUL-terminated JSON object. No TCP port is opened, so nothing else on the
//! machine can talk to the browser, and no websocket client is needed.
//!
//! The two descriptors are put in place by `sh`, which `exec`s Chromium with
//! its stdin moved to 3 and its stdout to 4: this needs no `unsafe` `pre_exec`
//! hook and no libc binding (a `dup2` onto the same number would also keep
//! the close-on-exec flag that std sets on its pipes).
//!
//! Every wait is bounded by the session's deadline; the browser and all the
//! processes it started (they share its process group) are killed when the
//! [`Browser`] is dropped, whether the test passed or panicked.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// The longest a single command or awaited event may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Chromium flags. The `disable-*` ones keep the browser's own traffic
/// (component updates, safe browsing, sync, field trials) off the wire, so
/// that any request seen belongs to the page.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
];

/// Where Chromium is: `/usr/bin/chromium` (Debian's package), else a
/// `chromium` on `PATH`.
pub fn chromium_path() -> Option<PathBuf> {
    let debian = PathBuf::from("/usr/bin/chromium");
    if debian.is_file() {
        return Some(debian);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("chromium")).find(|p| p.is_file())
}

enum Incoming {
    Message(Value),
    Closed(String),
}

/// One running headless Chromium.
pub struct Browser {
    child: Child,
    commands: ChildStdin,
    incoming: Receiver<Incoming>,
    /// Every event received so far, in arrival order; callers remember an
    /// index and look at what came after it.
    events: Vec<Value>,
    next_id: u64,
    closed: Option<String>,
    deadline: Instant,
    stderr_log: PathBuf,
    /// Holds the profile and the stderr log; removed after the browser is
    /// killed (fields drop after `Drop::drop`).
    _scratch: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with a fresh profile. Every later call fails once
    /// `budget` has passed, so a hung browser cannot hang the test run.
    pub fn launch(exe: &Path, budget: Duration) -> Result<Browser, String> {
        let scratch = tempfile::Builder::new()
            .prefix("podmortem-chromium-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary profile directory: {e}"))?;
        let profile = scratch.path().join("profile");
        let stderr_log = scratch.path().join("chromium.stderr");
        let stderr = File::create(&stderr_log).map_err(|e| format!("cannot create {}: {e}", stderr_log.display()))?;
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >&2"#)
            .arg(exe)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr);
        // Its own process group, so that Drop can kill the renderer and
        // utility processes along with the browser.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let (Some(commands), Some(responses)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the browser's pipes were not created".to_string());
        };
        let (sender, incoming) = channel();
        std::thread::spawn(move || read_messages(responses, sender));
        Ok(Browser {
            child,
            commands,
            incoming,
            events: Vec::new(),
            next_id: 1,
            closed: None,
            deadline: Instant::now() + budget,
            stderr_log,
            _scratch: scratch,
        })
    }

    /// Sends a command and returns its `result`, collecting the events that
    /// arrive meanwhile.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| format!("cannot encode {method}: {e}"))?;
        bytes.push(0);
        if let Err(e) = self.commands.write_all(&bytes).and_then(|()| self.commands.flush()) {
            return Err(self.failure(&format!("cannot send {method} to the browser: {e}")));
        }
        let limit = Instant::now() + CALL_TIMEOUT;
        loop {
            let message = self.receive(limit, &format!("the answer to {method}"))?;
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method} failed: {error}"));
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
        }
    }

    /// Index of the next event to arrive, for [`Browser::events_since`] and
    /// [`Browser::wait_event`].
    pub fn mark(&self) -> usize {
        self.events.len()
    }

    pub fn events_since(&self, mark: usize) -> &[Value] {
        self.events.get(mark..).unwrap_or(&[])
    }

    /// Waits for an event of `session` named `method` that arrived at or
    /// after `mark`.
    pub fn wait_event(&mut self, session: &str, method: &str, mark: usize) -> Result<Value, String> {
        let matches = |e: &Value| e["method"] == method && e["sessionId"] == session;
        if let Some(found) = self.events_since(mark).iter().find(|e| matches(e)) {
            return Ok(found.clone());
        }
        let limit = Instant::now() + CALL_TIMEOUT;
        loop {
            let message = self.receive(limit, &format!("the event {method}"))?;
            if matches(&message) {
                return Ok(message);
            }
        }
    }

    /// Collects events for `quiet`, so that whatever a page does just after
    /// its load event (a timer, a late request) is seen.
    pub fn settle(&mut self, quiet: Duration) -> Result<(), String> {
        let until = Instant::now() + quiet;
        loop {
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            match self.incoming.recv_timeout(until - now) {
                Ok(Incoming::Message(m)) => self.keep(m),
                Ok(Incoming::Closed(why)) => {
                    self.closed = Some(why.clone());
                    return Err(self.failure(&why));
                }
                Err(RecvTimeoutError::Timeout) => return Ok(()),
                Err(RecvTimeoutError::Disconnected) => return Err(self.failure("the pipe reader stopped")),
            }
        }
    }

    fn receive(&mut self, limit: Instant, what: &str) -> Result<Value, String> {
        if let Some(why) = &self.closed {
            let why = why.clone();
            return Err(self.failure(&why));
        }
        let limit = limit.min(self.deadline);
        let wait = limit.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(wait) {
            Ok(Incoming::Message(message)) => {
                self.keep(message.clone());
                Ok(message)
            }
            Ok(Incoming::Closed(why)) => {
                self.closed = Some(why.clone());
                Err(self.failure(&format!("{why} while waiting for {what}")))
            }
            Err(RecvTimeoutError::Timeout) => {
                let budget = if limit == self.deadline { "the session's time budget" } else { "30 s" };
                Err(self.failure(&format!("Chromium did not deliver {what} within {budget}: it hangs")))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.failure("the pipe reader stopped")),
        }
    }

    fn keep(&mut self, message: Value) {
        if message.get("method").is_some() {
            self.events.push(message);
        }
    }

    /// `what` followed by the browser's exit status, if it exited, and the
    /// tail of its stderr, which is where Chromium says why.
    pub fn failure(&mut self, what: &str) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!("\nChromium exited: {status}"),
            _ => String::new(),
        };
        let log = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        // Without a D-Bus (containers, CI) Chromium complains on every
        // start; those lines would crowd out the one that matters.
        let lines: Vec<&str> = log.lines().filter(|l| !l.contains(":ERROR:dbus/")).collect();
        let tail = lines[lines.len().saturating_sub(25)..].join("\n");
        format!("{what}{status}\n--- last lines of Chromium's stderr ---\n{tail}")
    }

    /// Opens a new tab at about:blank with a 1280x900 viewport and the
    /// domains whose events the checks read.
    pub fn new_tab(&mut self) -> Result<Tab<'_>, String> {
        let created = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target = created["targetId"].as_str().ok_or("Target.createTarget gave no targetId")?.to_string();
        let attached = self.call(None, "Target.attachToTarget", json!({ "targetId": target, "flatten": true }))?;
        let session = attached["sessionId"].as_str().ok_or("Target.attachToTarget gave no sessionId")?.to_string();
        let mut tab = Tab { browser: self, session, target };
        for domain in ["Page", "Runtime", "Log", "Network"] {
            tab.call(&format!("{domain}.enable"), json!({}))?;
        }
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        Ok(tab)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The browser is not reaped yet, so its pid (= the group id) cannot
        // have been reused: this kills only processes this test started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("/bin/sh")
            .args(["-c", r#"kill -KILL -- "$1" 2>/dev/null"#, "sh", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One attached page target; commands go to its session.
pub struct Tab<'b> {
    pub browser: &'b mut Browser,
    pub session: String,
    pub target: String,
}

impl Tab<'_> {
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.browser.call(Some(&self.session), method, params)
    }

    /// Evaluates `expression` in the page and returns its value (JSON).
    /// This works with the page's scripts disabled too: DevTools evaluation
    /// is not page script.
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true }))?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(format!("evaluating {expression:?} threw: {details}"));
        }
        Ok(result["result"].get("value").cloned().unwrap_or(Value::Null))
    }

    /// Navigates (or reloads, for the same URL) and waits for the load event
    /// and a short quiet period. Returns the event mark from before the
    /// navigation.
    pub fn navigate(&mut self, url: &str) -> Result<usize, String> {
        let mark = self.browser.mark();
        let result = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = result.get("errorText").and_then(Value::as_str) {
            return Err(format!("navigating to {url} failed: {error}"));
        }
        self.browser.wait_event(&self.session, "Page.loadEventFired", mark)?;
        self.browser.settle(Duration::from_millis(300))?;
        Ok(mark)
    }

    /// Events of this tab since `mark`.
    pub fn events_since(&self, mark: usize) -> Vec<&Value> {
        self.browser.events_since(mark).iter().filter(|e| e["sessionId"] == self.session.as_str()).collect()
    }

    /// A real mouse click (press and release of the left button) at a point
    /// of the viewport, as a user would make it.
    pub fn click(&mut self, x: f64, y: f64) -> Result<(), String> {
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )?;
        }
        Ok(())
    }

    /// A PNG of the whole page, not only the viewport.
    pub fn screenshot(&mut self) -> Result<Vec<u8>, String> {
        // A check may have scrolled; the picture starts at the top.
        self.eval("window.scrollTo(0, 0)")?;
        let metrics = self.call("Page.getLayoutMetrics", json!({}))?;
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().unwrap_or(1280.0).max(1.0);
        // Chromium cannot capture taller than its maximum texture size.
        let height = size["height"].as_f64().unwrap_or(900.0).clamp(1.0, 16000.0);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
            }),
        )?;
        let data = shot["data"].as_str().ok_or("Page.captureScreenshot gave no data")?;
        base64_decode(data).ok_or_else(|| "Page.captureScreenshot gave invalid base64".to_string())
    }

    pub fn close(self) -> Result<(), String> {
        let target = self.target.clone();
        self.browser.call(None, "Target.closeTarget", json!({ "targetId": target }))?;
        Ok(())
    }
}

/// Splits the browser's output into NUL-terminated JSON messages.
fn read_messages(mut from: ChildStdout, to: Sender<Incoming>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => {
                let _ = to.send(Incoming::Closed("Chromium closed its DevTools pipe".to_string()));
                return;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = to.send(Incoming::Closed(format!("reading the DevTools pipe failed: {e}")));
                return;
            }
        };
        pending.extend_from_slice(&chunk[..n]);
        while let Some(end) = pending.iter().position(|&b| b == 0) {
            let message: Vec<u8> = pending.drain(..=end).collect();
            let parsed = match serde_json::from_slice::<Value>(&message[..end]) {
                Ok(value) => Incoming::Message(value),
                Err(e) => Incoming::Closed(format!("Chromium sent a message that is not JSON: {e}")),
            };
            if to.send(parsed).is_err() {
                return;
            }
        }
    }
}

/// Standard base64 with padding, as DevTools sends binary data.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for group in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in group.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = acc.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..group.len().saturating_sub(1)]);
    }
    Some(out)
}

#[test]
fn base64_round_trips_known_values() {
    assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
    assert_eq!(base64_decode("aGVsbG8h"), Some(b"hello!".to_vec()));
    assert_eq!(base64_decode("aA=="), Some(b"h".to_vec()));
    assert_eq!(base64_decode("a$=="), None);
}
