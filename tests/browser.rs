//! The HTML report in a real browser: headless Chromium loads the report of
//! several fixtures and the test asserts that the page
//! - logs no console error or warning, throws nothing, and has no error in
//!   the browser log (where CSP violations land);
//! - makes no network request but the load of its own file (data: URLs are
//!   inline, so allowed; a favicon request would fail it);
//! - shows the summary (`#summary`, within the first screen) and the
//!   timeline (`svg#timeline-chart`);
//! - collapses and expands a `<details>` on a real mouse click;
//! - does all of that with JavaScript disabled too, and with it enabled
//!   runs its own script (the Content-Security-Policy allows it by hash);
//! - changes its background with `prefers-color-scheme: dark`;
//! - shows the content of collapsed `<details>` in print media, and prints
//!   to PDF.
//!
//! Screenshots (light and dark) are written to
//! `target/browser-screenshots/<fixture>-{light,dark}.png` for people to
//! look at; they are never committed.
//!
//! A self-test runs the same checks on handcrafted pages: a good one passes,
//! and each bad one fails the check it breaks, so a check that cannot fail
//! would be noticed.
//!
//! The report of a hostile bundle (tests/common/bundles.rs: `<script>`,
//! `"><img onerror>`, `javascript:` links, `<svg onload>`, bidi overrides
//! in pod names, labels, annotations, events, termination messages and log
//! lines) runs nothing: no dialog, no console message, no exception, no
//! request, no CSP violation, no element made of the data, and every
//! hostile string is on the page as text, bidi controls as visible
//! markers. Control pages prove those checks see a script that runs and a
//! script the CSP blocks.
//!
//! Chromium is `/usr/bin/chromium` (Debian's `chromium` package) or
//! `chromium` on `PATH`. `scripts/test` installs it when it is missing. When
//! it is missing, these tests fail and say how to install it, unless
//! `PODMORTEM_SKIP_BROWSER=1` is set: then they print a note and pass
//! without running (the variable skips them even when Chromium is there).
//! The protocol client is tests/common/cdp.rs.

#[path = "common/bundles.rs"]
mod bundles;
#[path = "common/cdp.rs"]
mod cdp;

use cdp::{Browser, Tab};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Chromium, or None when the test is to be skipped; any other case fails.
fn chromium() -> Option<PathBuf> {
    if std::env::var("PODMORTEM_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("note: PODMORTEM_SKIP_BROWSER=1, the headless-Chromium test of the HTML report is skipped");
        return None;
    }
    match cdp::chromium_path() {
        Some(path) => Some(path),
        None => panic!(
            "Chromium is not installed (no /usr/bin/chromium, no chromium on PATH). The HTML report test needs it: \
             run scripts/test, which installs it, or `apt-get install -y --no-install-recommends chromium`. \
             To skip this test, set PODMORTEM_SKIP_BROWSER=1."
        ),
    }
}

fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => url.push(char::from(byte)),
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

/// Runs every check on the page at `path`. `Ok` holds the failed checks,
/// each prefixed with its name; `Err` means the browser itself failed.
/// With `shots`, full-page screenshots go to `<dir>/<name>-{light,dark}.png`.
fn inspect(browser: &mut Browser, path: &Path, shots: Option<(&Path, &str)>) -> Result<Vec<String>, String> {
    let url = file_url(path);
    let mut problems = Vec::new();
    let mut tab = browser.new_tab()?;
    set_media(&mut tab, "", "light")?;
    let mark = tab.navigate(&url)?;

    problems.extend(own_script_ran(&mut tab)?);
    problems.extend(visible(&mut tab, "")?);
    problems.extend(collapse(&mut tab, "")?);
    let light = background(&mut tab)?;
    if let Some((dir, name)) = shots {
        save(&mut tab, &dir.join(format!("{name}-light.png")))?;
    }

    set_media(&mut tab, "", "dark")?;
    let dark = background(&mut tab)?;
    if let Some((dir, name)) = shots {
        save(&mut tab, &dir.join(format!("{name}-dark.png")))?;
    }
    problems.extend(compare_schemes(&light, &dark));

    set_media(&mut tab, "print", "light")?;
    problems.extend(printable(&mut tab)?);
    set_media(&mut tab, "", "light")?;
    let pdf = tab.call("Page.printToPDF", json!({ "printBackground": true }))?;
    // "JVBER" is "%PDF" in base64.
    if !pdf["data"].as_str().is_some_and(|d| d.starts_with("JVBER") && d.len() > 1000) {
        problems.push("print: Page.printToPDF did not produce a PDF".to_string());
    }
    tab.browser.settle(Duration::from_millis(200))?;
    problems.extend(errors_and_traffic(&tab, mark, &url, ""));

    // The same page with its scripts off. DevTools evaluation still works,
    // as it is not page script, so the checks below run unchanged.
    tab.call("Emulation.setScriptExecutionDisabled", json!({ "value": true }))?;
    let mark = tab.navigate(&url)?;
    problems.extend(visible(&mut tab, "no-js ")?);
    problems.extend(collapse(&mut tab, "no-js ")?);
    problems.extend(errors_and_traffic(&tab, mark, &url, "no-js "));
    tab.close()?;
    Ok(problems)
}

/// With scripts on, the report's script un-hides its controls: under a
/// hash-based CSP, a script whose hash is not in the policy would not run.
fn own_script_ran(tab: &mut Tab) -> Result<Vec<String>, String> {
    let hidden =
        tab.eval("(() => { const c = document.getElementById('controls'); return c ? c.hidden : null; })()")?;
    Ok(match hidden.as_bool() {
        Some(true) => vec!["script: the report's own script did not run (#controls is still hidden)".to_string()],
        _ => Vec::new(),
    })
}

fn set_media(tab: &mut Tab, media: &str, scheme: &str) -> Result<(), String> {
    tab.call(
        "Emulation.setEmulatedMedia",
        json!({ "media": media, "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )?;
    Ok(())
}

/// Console errors and warnings, exceptions, browser-log errors, and every
/// request other than the page's own file or a data: URL.
fn errors_and_traffic(tab: &Tab, mark: usize, url: &str, prefix: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for event in tab.events_since(mark) {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled" => {
                let kind = params["type"].as_str().unwrap_or("");
                if matches!(kind, "error" | "warning" | "assert") {
                    let args: Vec<String> =
                        params["args"].as_array().map(|args| args.iter().map(describe).collect()).unwrap_or_default();
                    problems.push(format!("{prefix}console: console.{kind}: {}", args.join(" ")));
                }
            }
            "Runtime.exceptionThrown" => {
                let details = &params["exceptionDetails"];
                let text = details["exception"]["description"].as_str().or(details["text"].as_str()).unwrap_or("?");
                problems.push(format!("{prefix}exception: {text}"));
            }
            "Log.entryAdded" => {
                let entry = &params["entry"];
                if entry["level"] == "error" {
                    let source = entry["source"].as_str().unwrap_or("?");
                    let text = entry["text"].as_str().unwrap_or("?");
                    problems.push(format!("{prefix}log: {source}: {text}"));
                }
            }
            "Network.requestWillBeSent" => {
                let requested = params["request"]["url"].as_str().unwrap_or("");
                let own = requested.split('#').next() == Some(url);
                if !own && !requested.starts_with("data:") {
                    let kind = params["type"].as_str().unwrap_or("?");
                    problems.push(format!("{prefix}request: {kind} {requested}"));
                }
            }
            _ => {}
        }
    }
    problems
}

fn describe(arg: &Value) -> String {
    match arg.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => arg["description"].as_str().unwrap_or("?").to_string(),
    }
}

/// The summary and the timeline are there, have a size, and are rendered
/// (`checkVisibility` also sees `display: none` or `visibility: hidden` on
/// an ancestor, and a closed `<details>` around them).
fn visible(tab: &mut Tab, prefix: &str) -> Result<Vec<String>, String> {
    let found = tab.eval(
        r#"(() => {
            const out = [];
            for (const sel of ['#summary', 'svg#timeline-chart']) {
                const el = document.querySelector(sel);
                if (!el) { out.push(`${sel} is missing`); continue; }
                const box = el.getBoundingClientRect();
                if (!(box.width > 0 && box.height > 0)) out.push(`${sel} has an empty box (${box.width}x${box.height})`);
                const style = getComputedStyle(el);
                if (style.display === 'none' || style.visibility !== 'visible') {
                    out.push(`${sel} is display: ${style.display}, visibility: ${style.visibility}`);
                }
                if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
                    out.push(`${sel} is not rendered (hidden by itself or an ancestor)`);
                }
                if (sel === '#summary' && box.top + window.scrollY >= window.innerHeight) {
                    out.push(`#summary starts below the first screen (at ${Math.round(box.top + window.scrollY)}px)`);
                }
            }
            return out;
        })()"#,
    )?;
    Ok(strings(&found).into_iter().map(|p| format!("{prefix}visible: {p}")).collect())
}

/// Clicks the summary of a `<details>` (preferably `.evidence`) with the
/// mouse: it must open, then close again.
fn collapse(tab: &mut Tab, prefix: &str) -> Result<Vec<String>, String> {
    let target = tab.eval(
        r#"(() => {
            const all = [...document.querySelectorAll('details')];
            const usable = d => { const s = d.querySelector(':scope > summary'); return s && s.checkVisibility(); };
            let i = all.findIndex(d => d.classList.contains('evidence') && usable(d));
            if (i < 0) i = all.findIndex(usable);
            if (i < 0) return null;
            const s = all[i].querySelector(':scope > summary');
            s.scrollIntoView({ block: 'center' });
            const r = s.getBoundingClientRect();
            return { index: i, open: all[i].open, x: r.left + Math.min(r.width / 2, 12), y: r.top + r.height / 2 };
        })()"#,
    )?;
    if target.is_null() {
        return Ok(vec![format!("{prefix}collapse: no <details> with a visible <summary> to click")]);
    }
    let (Some(index), Some(x), Some(y)) = (target["index"].as_u64(), target["x"].as_f64(), target["y"].as_f64()) else {
        return Err(format!("unexpected answer locating a <details>: {target}"));
    };
    let mut open = target["open"].as_bool().unwrap_or(false);
    let state = format!("document.querySelectorAll('details')[{index}].open");
    let mut problems = Vec::new();
    for _ in 0..2 {
        tab.click(x, y)?;
        let mut now = tab.eval(&state)?;
        // The toggle is synchronous, but give a slow renderer a moment.
        for _ in 0..10 {
            if now.as_bool() == Some(!open) {
                break;
            }
            tab.browser.settle(Duration::from_millis(100))?;
            now = tab.eval(&state)?;
        }
        if now.as_bool() != Some(!open) {
            let verb = if open { "close" } else { "open" };
            problems.push(format!("{prefix}collapse: clicking the summary of <details> #{index} did not {verb} it"));
            break;
        }
        open = !open;
    }
    Ok(problems)
}

/// The page's background colour, from `body` or else the root element.
fn background(tab: &mut Tab) -> Result<String, String> {
    let value = tab.eval(
        r#"(() => {
            const transparent = c => c === 'transparent' || c === 'rgba(0, 0, 0, 0)';
            const b = getComputedStyle(document.body).backgroundColor;
            return transparent(b) ? getComputedStyle(document.documentElement).backgroundColor : b;
        })()"#,
    )?;
    Ok(value.as_str().unwrap_or("").to_string())
}

/// Light and dark backgrounds differ, and dark is the darker when both are
/// plain rgb colours.
fn compare_schemes(light: &str, dark: &str) -> Vec<String> {
    if light == dark {
        return vec![format!("dark: the background is {light} with prefers-color-scheme light and dark alike")];
    }
    match (luminance(light), luminance(dark)) {
        (Some(l), Some(d)) if d >= l => {
            vec![format!("dark: the dark background {dark} is not darker than the light one {light}")]
        }
        _ => Vec::new(),
    }
}

fn luminance(colour: &str) -> Option<f64> {
    let inner = colour.strip_prefix("rgba(").or_else(|| colour.strip_prefix("rgb("))?.strip_suffix(')')?;
    let parts: Vec<f64> = inner.split(',').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [r, g, b] | [r, g, b, _] => Some(0.2126 * r + 0.7152 * g + 0.0722 * b),
        _ => None,
    }
}

/// In print media, what a closed `<details>` holds is rendered, so that a
/// printed report carries the evidence a reader on screen would expand.
/// `beforeprint` is dispatched first, as printing does, so that either CSS
/// (`details::details-content` in `@media print`) or a script may do it.
fn printable(tab: &mut Tab) -> Result<Vec<String>, String> {
    let hidden = tab.eval(
        r#"(() => {
            dispatchEvent(new Event('beforeprint'));
            const out = [];
            const closed = [...document.querySelectorAll('details')].filter(d => !d.open);
            for (const d of closed.slice(0, 20)) {
                const content = [...d.children].find(c => c.tagName !== 'SUMMARY');
                if (content && !content.checkVisibility()) {
                    const label = (d.querySelector(':scope > summary')?.textContent ?? '').trim().slice(0, 60);
                    out.push(`the content of a closed <details> ("${label}") is not rendered in print media`);
                }
            }
            dispatchEvent(new Event('afterprint'));
            return out;
        })()"#,
    )?;
    Ok(strings(&hidden).into_iter().map(|p| format!("print: {p}")).collect())
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

fn save(tab: &mut Tab, path: &Path) -> Result<(), String> {
    let png = tab.screenshot()?;
    std::fs::write(path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn launch(exe: &Path, budget: Duration) -> Browser {
    Browser::launch(exe, budget).unwrap_or_else(|e| panic!("cannot start Chromium: {e}"))
}

/// `target/browser-screenshots`, next to the tests' scratch directory.
fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The fixtures whose reports are checked: the demo, a few rule triggers,
/// and every incident fixture that exists.
fn report_fixtures() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut list: Vec<(String, PathBuf)> = vec![("demo-bundle".to_string(), root.join("demo-bundle"))];
    for rule in ["dns-loop", "oom-killed", "crash-loop"] {
        list.push((rule.to_string(), root.join("rules").join(rule).join("trigger")));
    }
    if let Ok(entries) = std::fs::read_dir(root.join("incidents")) {
        let mut incidents: Vec<PathBuf> =
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
        incidents.sort();
        for path in incidents {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            list.push((format!("incident-{name}"), path));
        }
    }
    list
}

#[test]
fn html_reports_pass_in_chromium() {
    let Some(exe) = chromium() else { return };
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut reports = Vec::new();
    for (name, fixture) in report_fixtures() {
        let html = scratch.path().join(format!("{name}.html"));
        let output = Command::new(env!("CARGO_BIN_EXE_podmortem"))
            .arg("analyze")
            .arg(&fixture)
            .args(["--format", "html", "-o"])
            .arg(&html)
            .output()
            .expect("podmortem runs");
        assert!(
            output.status.success() && html.is_file(),
            "podmortem analyze {} --format html failed: {}",
            fixture.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        reports.push((name, html));
    }
    let shots = screenshot_dir();
    let mut browser = launch(&exe, Duration::from_secs(60 + 30 * reports.len() as u64));
    let mut failures = Vec::new();
    for (name, html) in &reports {
        match inspect(&mut browser, html, Some((&shots, name))) {
            Ok(problems) => failures.extend(problems.into_iter().map(|p| format!("{name}: {p}"))),
            Err(e) => panic!("{name}: the browser failed: {e}"),
        }
    }
    assert!(failures.is_empty(), "the HTML report fails in Chromium:\n{}", failures.join("\n"));
}

/// A page that passes every check; each self-test case breaks one thing.
const GOOD: &str = r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<!--csp-->
<link rel="icon" href="data:,">
<title>self-test</title>
<style>
body { background: #ffffff; color: #111111; font: 16px sans-serif; margin: 24px; }
@media (prefers-color-scheme: dark) { body { background: #111111; color: #eeeeee; } }
@media print { details::details-content { content-visibility: visible; display: block; } }
/*style*/
</style></head><body>
<header id="summary"><h1>3 findings</h1><p>checkout/api is OOM-killed</p></header>
<svg id="timeline-chart" width="600" height="60" role="img" aria-label="timeline"><rect x="10" y="10" width="300" height="20" fill="#cc3333"/><image href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" width="1" height="1"/></svg>
<details class="evidence"><summary>Evidence</summary><pre>reason: OOMKilled</pre></details>
<!--body-->
<script>document.documentElement.classList.add("js");</script>
</body></html>
"##;

const CSP: &str = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">"#;

struct Case {
    name: &'static str,
    csp: bool,
    /// (marker in GOOD, replacement)
    edits: &'static [(&'static str, &'static str)],
    /// The check that must fail, then any others the fault may also trip
    /// (a refused load is also logged as an error). Port 9 is on Chromium's
    /// list of unsafe ports: it refuses before connecting, so nothing is sent.
    fails: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case { name: "good", csp: true, edits: &[], fails: &[] },
    Case {
        name: "console-error",
        csp: true,
        edits: &[("<!--body-->", "<script>console.error('boom from the page')</script>")],
        fails: &["console:"],
    },
    Case {
        name: "exception",
        csp: true,
        edits: &[("<!--body-->", "<script>throw new Error('kaboom')</script>")],
        fails: &["exception:"],
    },
    Case {
        name: "image-request",
        csp: false,
        edits: &[("<!--body-->", r#"<img src="http://127.0.0.1:9/pixel.png" alt="">"#)],
        fails: &["request:", "no-js request:", "log:", "no-js log:"],
    },
    Case {
        name: "favicon-request",
        csp: false,
        edits: &[(r#"<link rel="icon" href="data:,">"#, r#"<link rel="icon" href="http://127.0.0.1:9/favicon.ico">"#)],
        fails: &["request:", "no-js request:", "log:", "no-js log:"],
    },
    Case {
        name: "fetch-after-load",
        csp: false,
        edits: &[(
            "<!--body-->",
            "<script>addEventListener('load', () => setTimeout(() => fetch('http://127.0.0.1:9/').catch(() => {}), 50))</script>",
        )],
        fails: &["request:", "log:"],
    },
    Case {
        name: "csp-blocked-fetch",
        csp: true,
        edits: &[("<!--body-->", "<script>fetch('http://127.0.0.1:9/').catch(() => {})</script>")],
        fails: &["log:", "request:"],
    },
    Case {
        name: "summary-hidden",
        csp: true,
        edits: &[("/*style*/", "#summary { display: none; }")],
        fails: &["visible:", "no-js visible:"],
    },
    Case {
        name: "timeline-missing",
        csp: true,
        edits: &[(r#"id="timeline-chart""#, r#"id="other-chart""#)],
        fails: &["visible:", "no-js visible:"],
    },
    Case {
        name: "timeline-invisible",
        csp: true,
        edits: &[("/*style*/", "svg { visibility: hidden; }")],
        fails: &["visible:", "no-js visible:"],
    },
    Case {
        name: "details-stuck",
        csp: true,
        edits: &[(
            "<!--body-->",
            "<script>document.querySelector('summary').addEventListener('click', e => e.preventDefault())</script>",
        )],
        fails: &["collapse:"],
    },
    Case {
        name: "summary-needs-js",
        csp: true,
        edits: &[("/*style*/", "#summary { display: none; } .js #summary { display: block; }")],
        fails: &["no-js visible:"],
    },
    Case { name: "no-dark-scheme", csp: true, edits: &[(DARK_RULE, "")], fails: &["dark:"] },
    Case { name: "print-hides-evidence", csp: true, edits: &[(PRINT_RULE, "")], fails: &["print:"] },
    Case {
        name: "print-opens-by-script",
        csp: true,
        edits: &[
            (PRINT_RULE, ""),
            (
                "<!--body-->",
                "<script>addEventListener('beforeprint', () => document.querySelectorAll('details').forEach(d => d.open = true))</script>",
            ),
        ],
        fails: &[],
    },
];

const DARK_RULE: &str = "@media (prefers-color-scheme: dark) { body { background: #111111; color: #eeeeee; } }";
const PRINT_RULE: &str = "@media print { details::details-content { content-visibility: visible; display: block; } }";

fn build(case: &Case) -> String {
    let mut html = GOOD.replace("<!--csp-->", if case.csp { CSP } else { "" });
    for (marker, replacement) in case.edits {
        assert!(html.contains(marker), "{}: {marker} is not in the page", case.name);
        html = html.replace(marker, replacement);
    }
    html
}

#[test]
fn the_checks_pass_a_good_page_and_fail_each_fault() {
    let Some(exe) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut browser = launch(&exe, Duration::from_secs(60 + 15 * CASES.len() as u64));
    let mut wrong = Vec::new();
    for case in CASES {
        let path = dir.path().join(format!("{}.html", case.name));
        std::fs::write(&path, build(case)).expect("write page");
        let problems =
            inspect(&mut browser, &path, None).unwrap_or_else(|e| panic!("{}: the browser failed: {e}", case.name));
        let expected = |p: &String| case.fails.iter().any(|f| p.starts_with(f));
        if let Some(first) = case.fails.first() {
            if !problems.iter().any(|p| p.starts_with(first)) {
                wrong.push(format!("{}: the {first} check did not fail; problems: {problems:?}", case.name));
            }
        }
        let unrelated: Vec<&String> = problems.iter().filter(|p| !expected(p)).collect();
        if !unrelated.is_empty() {
            wrong.push(format!("{}: unexpected problems {unrelated:?}", case.name));
        }
    }
    assert!(wrong.is_empty(), "the browser checks misjudge pages:\n{}", wrong.join("\n"));
}

// ------------------------------------------------------------ hostile data

/// Installed before the page's own scripts: collects CSP violations, which
/// DevTools reports only as log text.
const RECORD_VIOLATIONS: &str = "window.__violations = []; document.addEventListener('securitypolicyviolation', \
    e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));";

/// Navigates to `url`, accepting any JavaScript dialog on the way (one left
/// open would stall the page), until the load event and a quiet moment.
fn navigate_answering_dialogs(tab: &mut Tab, url: &str) -> Result<usize, String> {
    let mark = tab.browser.mark();
    tab.call("Page.navigate", json!({ "url": url }))?;
    let mut answered = 0;
    let mut loaded_rounds = 0;
    for _ in 0..300 {
        tab.browser.settle(Duration::from_millis(100))?;
        let events = tab.events_since(mark);
        let dialogs = events.iter().filter(|e| e["method"] == "Page.javascriptDialogOpening").count();
        let loaded = events.iter().any(|e| e["method"] == "Page.loadEventFired");
        for _ in answered..dialogs {
            tab.call("Page.handleJavaScriptDialog", json!({ "accept": true }))?;
        }
        answered = dialogs;
        if loaded {
            loaded_rounds += 1;
            if loaded_rounds == 4 {
                return Ok(mark);
            }
        }
    }
    Err(format!("{url} did not finish loading within 30 s"))
}

/// Whatever the page did that shows script ran or was blocked: dialogs,
/// console messages of any kind, exceptions, browser-log errors and
/// warnings, requests other than the page itself, CSP violations.
fn script_activity(tab: &mut Tab, mark: usize, url: &str) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for event in tab.events_since(mark) {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Page.javascriptDialogOpening" => {
                found.push(format!("dialog: {} {}", params["type"], params["message"]));
            }
            "Runtime.consoleAPICalled" => {
                let args: Vec<String> =
                    params["args"].as_array().map(|a| a.iter().map(describe).collect()).unwrap_or_default();
                found.push(format!("console: console.{}: {}", params["type"].as_str().unwrap_or("?"), args.join(" ")));
            }
            "Runtime.exceptionThrown" => found.push(format!("exception: {}", params["exceptionDetails"]["text"])),
            "Log.entryAdded" if matches!(params["entry"]["level"].as_str(), Some("error" | "warning")) => {
                found.push(format!("log: {}", params["entry"]["text"]));
            }
            "Network.requestWillBeSent" => {
                let requested = params["request"]["url"].as_str().unwrap_or("");
                if requested.split('#').next() != Some(url) && !requested.starts_with("data:") {
                    found.push(format!("request: {requested}"));
                }
            }
            _ => {}
        }
    }
    let violations = tab.eval("window.__violations || []")?;
    found.extend(strings(&violations).into_iter().map(|v| format!("violation: {v}")));
    Ok(found)
}

/// Loads `path` with scripts on and returns what script did there.
fn load_and_watch(browser: &mut Browser, path: &Path) -> Result<(Vec<String>, Value), String> {
    let url = file_url(path);
    let mut tab = browser.new_tab()?;
    tab.call("Page.addScriptToEvaluateOnNewDocument", json!({ "source": RECORD_VIOLATIONS }))?;
    let mark = navigate_answering_dialogs(&mut tab, &url)?;
    let activity = script_activity(&mut tab, mark, &url)?;
    let page = tab.eval(
        r#"(() => ({
            text: document.body.textContent,
            visibleText: document.body.innerText,
            controlsShown: !!document.getElementById('controls') && !document.getElementById('controls').hidden,
            scripts: document.scripts.length,
            svgs: document.querySelectorAll('svg').length,
            foreign: [...document.querySelectorAll('img, iframe, object, embed, textarea, noscript, form, base, meta[http-equiv=refresh]')].map(e => e.outerHTML.slice(0, 80)),
            handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
            links: [...document.querySelectorAll('[href], [src], [xlink\\:href]')].map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href')).filter(h => !h.startsWith('#') && !h.startsWith('data:')),
        }))()"#,
    )?;
    tab.close()?;
    Ok((activity, page))
}

#[test]
fn a_hostile_bundle_runs_nothing_in_chromium() {
    let Some(exe) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = bundles::hostile_bundle(dir.path());
    let html = dir.path().join("hostile.html");
    let output = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .arg("analyze")
        .arg(&bundle)
        .args(["--format", "html", "-o"])
        .arg(&html)
        .output()
        .expect("podmortem runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut browser = launch(&exe, Duration::from_secs(120));
    let (activity, page) = load_and_watch(&mut browser, &html).unwrap_or_else(|e| panic!("the browser failed: {e}"));
    let mut problems = activity;
    let text = page["text"].as_str().unwrap_or("");
    for h in bundles::HOSTILE {
        if !text.contains(h) {
            problems.push(format!("text: {h:?} is not on the page as text"));
        }
    }
    if !page["visibleText"].as_str().unwrap_or("").contains("<script>alert(1)</script>") {
        problems.push("text: <script>alert(1)</script> is not visible".to_string());
    }
    for c in ['\u{202e}', '\u{202c}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
        let marker = format!("⟨U+{:04X}⟩", u32::from(c));
        if text.contains(c) || !text.contains(&marker) {
            problems.push(format!("bidi: U+{:04X} is not shown as {marker}", u32::from(c)));
        }
    }
    if page["controlsShown"] != true {
        problems.push("script: the report's own script did not run".to_string());
    }
    if page["scripts"] != 1 || page["svgs"] != 1 {
        problems.push(format!("elements: {} scripts and {} svgs, one of each expected", page["scripts"], page["svgs"]));
    }
    for key in ["foreign", "handlers", "links"] {
        if page[key].as_array().is_some_and(|a| !a.is_empty()) {
            problems.push(format!("{key}: {}", page[key]));
        }
    }
    assert!(problems.is_empty(), "the hostile report is not inert:\n{}", problems.join("\n"));
}

/// The hostile checks see script that runs, and script the CSP blocks.
#[test]
fn the_hostile_checks_see_script_run_and_blocked() {
    let Some(exe) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = |name: &str, head: &str, body: &str| {
        let path = dir.path().join(name);
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\">{head}<link rel=\"icon\" href=\"data:,\"></head><body>{body}</body></html>"
        );
        std::fs::write(&path, html).expect("write page");
        path
    };
    let raw = page("raw.html", "", "<p>x</p><img src=x onerror=alert(3)><script>console.log('ran')</script>");
    let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='\">";
    let blocked = page("blocked.html", csp, "<script>alert(1)</script>");
    let mut browser = launch(&exe, Duration::from_secs(120));
    let (raw_activity, raw_page) = load_and_watch(&mut browser, &raw).unwrap_or_else(|e| panic!("{e}"));
    for expected in ["dialog:", "console:", "request:"] {
        assert!(
            raw_activity.iter().any(|a| a.starts_with(expected)),
            "no {expected} seen on a page that runs script: {raw_activity:?}"
        );
    }
    assert!(
        raw_page["foreign"].as_array().is_some_and(|a| !a.is_empty())
            && raw_page["handlers"].as_array().is_some_and(|a| !a.is_empty())
    );
    let (blocked_activity, _) = load_and_watch(&mut browser, &blocked).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        blocked_activity.iter().any(|a| a.starts_with("violation:")),
        "no CSP violation seen: {blocked_activity:?}"
    );
    assert!(!blocked_activity.iter().any(|a| a.starts_with("dialog:")), "the CSP did not block: {blocked_activity:?}");
}
