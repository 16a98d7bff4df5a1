//! Redaction: secrets never reach a report.
//!
//! Reports quote what the cluster saved (log lines, event and status
//! messages, pod templates) and are pasted into tickets and chats, so every
//! string of the report that carries input data is redacted before it is
//! rendered, in every format. `--no-redact` turns it off.
//!
//! # What is hidden
//! Only the secret *value* is replaced, by [`MASK`] (`[REDACTED]`, one word
//! for every kind: the key or prefix that stays in front of it already says
//! what it was), so the reader still sees what was there:
//!
//! - `Authorization: Bearer <token>`, `Basic <b64>` → `Bearer [REDACTED]`;
//! - JWTs (`eyJ…` header, with or without payload and signature, so a quote
//!   cut in the middle of one is hidden too);
//! - AWS access key ids (`AKIA…`, `ASIA…` …), GCP API keys (`AIza…`),
//!   GitHub (`ghp_…`, `github_pat_…`), Slack (`xox?-…`), Stripe live and
//!   Google OAuth access tokens;
//! - PEM private key blocks: the body between `-----BEGIN … PRIVATE KEY-----`
//!   and its END line (or the end of the text), headers kept; certificates
//!   are public and left alone;
//! - URL credentials: `scheme://user:[REDACTED]@host` (the user stays), and
//!   `curl -u user:[REDACTED]` (`--user`, `--proxy-user`);
//! - key–value pairs whose key names a secret (`password`, `DB_PASSWORD`,
//!   `secret_key`, `api_key`, `access_token`, `client_secret`,
//!   `SecretAccessKey`, `auth`, `Authorization`…), in every form a log or a
//!   manifest writes them: `NAME=value`, query strings, logfmt, YAML
//!   `name: value`, JSON `"name": "value"`, Go `%+v` `Name:value`,
//!   `--password value`;
//! - the values of a pod template's env variables, labels and annotations
//!   whose name looks secret (`DB_PASSWORD`, `vault.example.com/agent-token`);
//! - a value hidden once is hidden wherever else the report quotes it
//!   without its key (a title that quotes a log line, then the postmortem
//!   that quotes the title);
//! - the first characters of a token cut by a quote (a title keeps the
//!   first 160 characters of a log line, which may end inside a key id).
//!
//! # What is not
//! - Values already masked (`***HIDDEN***`, `********`, `<redacted>`,
//!   `[REDACTED]`, `xxxxx`, `(value hidden)`…), placeholders and references
//!   (`<value>`, `$DB_PASSWORD`, `${X}`, `{{ .Values.x }}`, kubectl
//!   describe's `<set to the key 'password' in secret 'db'>`) and booleans
//!   are left as they are and not counted. Redacting twice changes nothing.
//! - *Names* of secrets are evidence, not secrets: `secret "db-password" not
//!   found`, `couldn't find key password in Secret ns/name`,
//!   `secretKeyRef`/`secretName`/`passwordFile` keys (their value names a
//!   Secret or a file). A key counts only with a separator (`=`, `:`) right
//!   after it, keys ending in `Ref`, `Name`, `File`, `Path`, `Id`, `Url`,
//!   `Seconds`… are not secret, nor keys with a location word anywhere
//!   (`--tls-key-file-auth`) or naming a Secret object that holds a
//!   certificate or a config (`--root-ca-cert-secret`, `ociConfigSecret`,
//!   `imagePullSecrets`); a path component (`…/token: no such file`) or a
//!   source file (`auth.go:231]`) is never a key. A value that is a file
//!   path (`--kubelet-client-key=/etc/kubernetes/pki/client.key`) is left.
//! - Go error wrapping looks like YAML (`invalid token: signature is
//!   invalid`), so a lower-case key with `: ` in the middle of a line hides
//!   only a value that looks random (digits, symbols or mixed case); at the
//!   start of a line (YAML, `kubectl describe`), in upper case (`DB_PASSWORD:
//!   x`), quoted (JSON) or with `=`, any value is hidden.
//! - A line made only of base64 (a PEM body line) is ambiguous on its own
//!   (hashes, certificates, data). It is hidden only when the quoted lines
//!   around it prove it is inside a private key: evidence lines of one
//!   source with consecutive line numbers that run from a private-key BEGIN
//!   line, or up to its END line ([`Redactor::redact_lines`]). A lone body
//!   line quoted without either is left.
//! - Bare high-entropy strings with no key or known prefix (an AWS secret
//!   key printed alone) cannot be told from digests and UIDs; they are not
//!   guessed at.
//!
//! The count is the number of values hidden, each occurrence in the report
//! counted (a line quoted both as evidence and in the explanation counts
//! twice). It is `summary.redactions`.

use crate::incidents::Incident;
use crate::incidents::trigger::Trigger;
use crate::report::{Finding, Report};
use crate::rules::{Evidence, Remediation};
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

/// What a hidden value is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Replaces secret values in text and counts them.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Values redacted so far.
    pub count: usize,
    /// Values known to be secret, hidden wherever else they are quoted,
    /// where no key says what they are: set under a secret name
    /// (`env.DB_PASSWORD`, an annotation `…/agent-token`), or found in a
    /// finding (a title that cut a quoted key id after 14 characters is
    /// quoted again by the postmortem, followed by nothing that says so).
    known: Vec<String>,
    /// Whether values found are learnt (while the findings are redacted).
    learning: bool,
    /// `known` as one automaton, once learning is over.
    matcher: Option<AhoCorasick>,
}

/// Shorter values are not looked for elsewhere: `1234` or `admin` occur in
/// text that has nothing to do with the secret.
const MIN_KNOWN_LEN: usize = 8;

impl Redactor {
    /// The text with every secret value replaced, or None when it holds none.
    pub fn redact(&mut self, text: &str) -> Option<String> {
        let mut spans = spans(text);
        if self.learning {
            for r in &spans {
                let value = text[r.clone()].to_string();
                self.learn(&value);
            }
        }
        let known: Vec<Range<usize>> = match &self.matcher {
            Some(matcher) => matcher.find_iter(text).map(|m| m.range()).collect(),
            None => {
                self.known.iter().flat_map(|k| text.match_indices(k.as_str()).map(|(at, k)| at..at + k.len())).collect()
            }
        };
        if !known.is_empty() {
            spans.extend(known);
            spans = merge(spans);
        }
        self.apply(text, spans)
    }

    /// Remembers `value` as a secret to hide wherever it is quoted.
    fn learn(&mut self, value: &str) {
        let value = value.trim();
        if value.len() >= MIN_KNOWN_LEN
            && !value.contains(MASK)
            && !is_masked(value)
            && !is_placeholder(value)
            && !self.known.iter().any(|k| k == value)
        {
            self.known.push(value.to_string());
        }
    }

    /// Ends learning: what is known is looked for in one pass from now on.
    fn freeze(&mut self) {
        self.learning = false;
        if !self.known.is_empty() {
            self.matcher =
                AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostLongest).build(&self.known).ok();
        }
    }

    /// Redacts `text` where it is.
    pub fn redact_in_place(&mut self, text: &mut String) {
        if let Some(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// Only the password of `scheme://user:password@host`: for image
    /// references, where `name:tag` must not be taken for `key: value`.
    pub fn redact_url_credentials(&mut self, text: &mut String) {
        let spans = merge(url_credentials(text).into_iter().filter(|r| !is_masked(&text[r.clone()])).collect());
        if let Some(clean) = self.apply(text, spans) {
            *text = clean;
        }
    }

    /// The value of a named setting (an environment variable `name`): all of
    /// it when the name looks secret, else whatever the detectors find in it.
    pub fn redact_value_of(&mut self, name: &str, value: &mut String) {
        if secret_key(name) && !is_masked(value) && !is_placeholder(value) {
            if self.learning {
                self.learn(&value.clone());
            }
            self.count += 1;
            *value = MASK.to_string();
        } else {
            self.redact_in_place(value);
        }
    }

    /// Quoted lines (source, line number, text), such as the evidence of a
    /// finding: each is redacted, and base64 lines proven to be inside a
    /// private key by their neighbours (same source, consecutive numbers,
    /// running from the key's BEGIN line or up to its END line) are hidden
    /// whole, one count per key.
    pub fn redact_lines(&mut self, lines: &mut [(&str, Option<u64>, &mut String)]) {
        let at: BTreeMap<(&str, u64), usize> =
            lines.iter().enumerate().filter_map(|(i, (s, l, _))| l.map(|l| ((*s, l), i))).collect();
        let mut hide = vec![false; lines.len()];
        let mut blocks = 0;
        for (i, (source, line, text)) in lines.iter().enumerate() {
            let Some(line) = *line else { continue };
            let (opens, closes) = pem_edges(text);
            for forward in [true, false] {
                if (forward && !opens) || (!forward && !closes) {
                    continue;
                }
                let mut hid = false;
                let mut next = line;
                loop {
                    next = match (forward, next.checked_add(1), next.checked_sub(1)) {
                        (true, Some(n), _) | (false, _, Some(n)) => n,
                        _ => break,
                    };
                    let Some(&j) = at.get(&(*source, next)) else { break };
                    if !is_pem_body_line(lines[j].2) || j == i {
                        break;
                    }
                    hid |= !hide[j];
                    hide[j] = true;
                }
                blocks += usize::from(hid);
            }
        }
        self.count += blocks;
        for (i, (_, _, text)) in lines.iter_mut().enumerate() {
            if hide[i] && self.learning {
                self.learn(&text.clone());
            }
            if hide[i] {
                **text = MASK.to_string();
            } else {
                self.redact_in_place(text);
            }
        }
    }

    fn apply(&mut self, text: &str, spans: Vec<Range<usize>>) -> Option<String> {
        if spans.is_empty() {
            return None;
        }
        self.count += spans.len();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            out.push_str(&text[at..span.start]);
            out.push_str(MASK);
            at = span.end;
        }
        out.push_str(&text[at..]);
        Some(out)
    }
}

/// Redacts every string of the report that can carry data from the input,
/// and sets `summary.redactions`. Names (pods, workloads, namespaces,
/// containers), ids, causes and times are not: they identify, they do not
/// carry secrets. New report fields that quote input belong here.
pub fn redact_report(report: &mut Report, redactor: &mut Redactor) {
    // Values set under a secret name are learnt first, then whatever the
    // findings' evidence and texts hide, so that a title, a summary or the
    // postmortem quoting one without its key is redacted too.
    redactor.learning = true;
    let triggers = report.findings.iter().filter_map(|f| f.trigger.as_ref());
    for t in triggers.chain(report.incidents.iter().filter_map(|i| i.trigger.as_ref())) {
        for c in &t.changes {
            if named_entry(&c.field).is_some_and(secret_key) {
                for value in [&c.before, &c.after].into_iter().flatten() {
                    redactor.learn(value);
                }
            }
        }
    }
    for f in &mut report.findings {
        evidence(&mut f.evidence, redactor);
    }
    for f in &mut report.findings {
        finding(f, redactor);
    }
    redactor.freeze();
    for i in &mut report.incidents {
        incident(i, redactor);
    }
    let mut lines: Vec<_> = report.timeline.iter_mut().map(|e| (e.source.as_str(), e.line, &mut e.text)).collect();
    redactor.redact_lines(&mut lines);
    for w in &mut report.warnings {
        redactor.redact_in_place(&mut w.message);
    }
    postmortem(&mut report.postmortem, redactor);
    report.summary.redactions = redactor.count;
}

/// Everything of a finding but its evidence, which goes first.
fn finding(f: &mut Finding, r: &mut Redactor) {
    r.redact_in_place(&mut f.title);
    r.redact_in_place(&mut f.explanation);
    r.redact_url_credentials(&mut f.image);
    if let Some(note) = &mut f.log_note {
        r.redact_in_place(note);
    }
    remediation(&mut f.remediation, r);
    if let Some(c) = &mut f.crash_loop {
        for note in &mut c.notes {
            r.redact_in_place(note);
        }
        if let Some(b) = &mut c.backoff {
            for text in [&mut b.text, &mut b.source].into_iter().flatten() {
                r.redact_in_place(text);
            }
        }
    }
    if let Some(t) = &mut f.trigger {
        trigger(t, r);
    }
}

fn incident(i: &mut Incident, r: &mut Redactor) {
    r.redact_in_place(&mut i.title);
    r.redact_in_place(&mut i.reason);
    for c in &mut i.consequences {
        r.redact_in_place(&mut c.reason);
    }
    if let Some(t) = &mut i.trigger {
        trigger(t, r);
    }
}

fn trigger(t: &mut Trigger, r: &mut Redactor) {
    r.redact_in_place(&mut t.summary);
    for c in &mut t.changes {
        // `env.DB_PASSWORD`, `annotations.vault.example.com/agent-token`:
        // the value alone has no key to recognise it by.
        let name = named_entry(&c.field).map(str::to_string);
        for value in [&mut c.before, &mut c.after].into_iter().flatten() {
            match (&name, c.field.as_str()) {
                (Some(name), _) => r.redact_value_of(name, value),
                (None, "image") => r.redact_url_credentials(value),
                _ => r.redact_in_place(value),
            }
        }
    }
    evidence(&mut t.evidence, r);
    remediation(&mut t.remediation, r);
}

/// The name a trigger change's value was set under: an env variable, or
/// the name part of a label, annotation or node-selector key
/// (`vault.example.com/agent-token` → `agent-token`).
fn named_entry(field: &str) -> Option<&str> {
    if let Some(name) = field.strip_prefix("env.") {
        return Some(name);
    }
    let key = ["labels.", "annotations.", "nodeSelector."].iter().find_map(|p| field.strip_prefix(p))?;
    Some(key.rsplit('/').next().unwrap_or(key))
}

fn evidence(list: &mut [Evidence], r: &mut Redactor) {
    for e in list.iter_mut() {
        if let Some(path) = &mut e.path {
            r.redact_in_place(path);
        }
    }
    let mut lines: Vec<_> = list.iter_mut().map(|e| (e.source.as_str(), e.line, &mut e.text)).collect();
    r.redact_lines(&mut lines);
    // The highlight is a part of the text: redacted the same way, and
    // dropped when it no longer is a part of the redacted text.
    for e in list.iter_mut() {
        if let Some(h) = &mut e.highlight {
            if !e.text.contains(h.as_str()) {
                let mut quiet = Redactor::default();
                quiet.redact_in_place(h);
            }
        }
        if e.highlight.as_ref().is_some_and(|h| !e.text.contains(h.as_str())) {
            e.highlight = None;
        }
    }
}

fn postmortem(p: &mut crate::incidents::postmortem::Postmortem, r: &mut Redactor) {
    for line in p
        .impact
        .iter_mut()
        .chain(&mut p.detection)
        .chain(&mut p.root_cause)
        .chain(&mut p.trigger)
        .chain(&mut p.resolution)
    {
        r.redact_in_place(line);
    }
    for item in &mut p.action_items {
        r.redact_in_place(&mut item.text);
        if let Some(command) = &mut item.command {
            r.redact_in_place(command);
        }
    }
}

fn remediation(list: &mut [Remediation], r: &mut Redactor) {
    for m in list {
        r.redact_in_place(&mut m.description);
        if let Some(command) = &mut m.command {
            r.redact_in_place(command);
        }
    }
}

/// Literals one of which every detector's match contains: clean text, the
/// common case, costs one automaton pass.
static PRECHECK: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let words = [
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "auth",
        "cred",
        "bearer",
        "basic",
        "eyj",
        "akia",
        "asia",
        "agpa",
        "aida",
        "aroa",
        "anpa",
        "anva",
        "aipa",
        "abia",
        "acca",
        "aiza",
        "private",
        "://",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "xox",
        "sk_live_",
        "rk_live_",
        "ya29.",
        "-u ",
        "-u\t",
        "--user",
        "--proxy-user",
    ];
    AhoCorasick::builder().ascii_case_insensitive(true).build(words).expect("static literals")
});

/// Secrets recognised by their own shape, whatever surrounds them.
static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // JWT: header, and payload and signature when present (a cut quote).
        r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}",
        // AWS access key ids.
        r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{12,16}\b",
        // GCP API keys.
        r"|\bAIza[0-9A-Za-z_-]{10,}",
        // GitHub, Slack, Stripe live keys, Google OAuth access tokens.
        r"|\b(?:gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{10,})",
        r"|\bxox[baprs]-[A-Za-z0-9-]{8,}",
        r"|\b[sr]k_live_[A-Za-z0-9]{10,}",
        r"|\bya29\.[A-Za-z0-9_-]{20,}",
    ))
    .expect("static regex")
});

/// The start of a token of [`TOKENS`], too short to be one whole: hidden
/// where a quote was cut inside the token (titles and explanations quote
/// the first characters of a log line), so that its first characters do
/// not stand in the report. Checked in code to end the text or a quotation.
static CUT_TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\beyJ[A-Za-z0-9_-]{1,7}",
        r"|\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{4,15}",
        r"|\bAIza[0-9A-Za-z_-]{1,9}",
        r"|\b(?:gh[pousr]_[A-Za-z0-9]{1,9}|github_pat_[A-Za-z0-9_]{1,9})",
        r"|\bxox[baprs]-[A-Za-z0-9-]{1,7}",
        r"|\b[sr]k_live_[A-Za-z0-9]{1,9}",
        r"|\bya29\.[A-Za-z0-9_-]{1,19}",
    ))
    .expect("static regex")
});

/// `Bearer <token>` / `Basic <b64>`; the token is checked in code.
static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:bearer|basic)[ \t]+([A-Za-z0-9._~+/-]+)(=*)").expect("static regex"));

static PEM_BEGIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----").expect("static regex"));

static PEM_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----").expect("static regex"));

/// `scheme://user:password@`: the password is group 1. IPv6 hosts (`[::1]`)
/// cannot be a user, so `http://[::1]:8080` is not one.
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/@\[\]"'<>]*:([^\s@/"'<>\\\[\]]+)"#).expect("static regex")
});

/// `curl -u user:password`, `--user user:password`, `--proxy-user …`:
/// the password is group 1.
static USER_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s"'])(?:-u|--user|--proxy-user)(?:[ \t]+|=)["']?[^\s:"'@/]+:([^\s"']+)"#)
        .expect("static regex")
});

/// A key candidate: a name that starts after a separator (never after `/`,
/// `.`, `:` or a letter, so a path component or a host is not a key),
/// possibly a `--flag`; what follows it is read in code.
static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s"'`{(\[,;&?|=*+!~])(--?)?([A-Za-z][A-Za-z0-9_.-]{0,80})"#).expect("static regex")
});

/// An environment variable written as a name and a value (pod spec JSON or
/// YAML, `kubectl set env` output, logfmt): the secret is known by the name.
static ENV_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\bname["']?[ \t]*[:=][ \t]*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*,?[ \t]*(?:\r?\n)?[ \t]*(?:-[ \t]*)?["']?value["']?[ \t]*[:=][ \t]*"#,
    )
    .expect("static regex")
});

/// The value ranges to hide in `text`, sorted, without overlaps, masked
/// values left out.
fn spans(text: &str) -> Vec<Range<usize>> {
    if !PRECHECK.is_match(text) {
        return Vec::new();
    }
    let mut found = Vec::new();
    found.extend(TOKENS.find_iter(text).map(|m| m.range()));
    found.extend(cut_tokens(text));
    found.extend(scheme_tokens(text));
    found.extend(pem_bodies(text));
    found.extend(url_credentials(text));
    found.extend(USER_FLAG.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.range()));
    found.extend(key_values(text));
    found.extend(env_pairs(text));
    merge(found.into_iter().filter(|r| !r.is_empty() && !is_masked(&text[r.clone()])).collect())
}

fn cut_tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    CUT_TOKENS
        .find_iter(text)
        .filter(|m| {
            let after = &text[m.end()..];
            after.is_empty() || after.starts_with(['"', '\'', '…'])
        })
        .map(|m| m.range())
}

fn merge(mut found: Vec<Range<usize>>) -> Vec<Range<usize>> {
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(found.len());
    for r in found {
        match out.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn scheme_tokens(text: &str) -> Vec<Range<usize>> {
    SCHEME
        .captures_iter(text)
        .filter_map(|c| {
            let token = c.get(1)?;
            let pad = c.get(2)?;
            // `Bearer realm="…"`, `Basic realm=x`: a parameter, not a credential.
            if !pad.is_empty() && text[pad.end()..].starts_with(|ch: char| ch == '"' || ch.is_ascii_alphanumeric()) {
                return None;
            }
            let t = token.as_str();
            let word = t.to_ascii_lowercase();
            // `capabilities: Basic Install` (an operator's capability level).
            let capitalised =
                t.chars().all(|ch| ch.is_ascii_alphabetic()) && t.chars().skip(1).all(|ch| ch.is_ascii_lowercase());
            let english = capitalised
                || t.chars().all(|ch| ch.is_ascii_lowercase())
                || matches!(
                    word.as_str(),
                    "token" | "tokens" | "realm" | "auth" | "authentication" | "authorization" | "scheme" | "header"
                );
            (!english).then(|| token.start()..pad.end())
        })
        .collect()
}

/// Bodies of private keys: from a BEGIN line to its END line or the end of
/// the text (a quote cut inside the key); and a body that ends at an END line
/// whose BEGIN is not in the text.
fn pem_bodies(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(begin) = PEM_BEGIN.find_at(text, from) {
        let end = PEM_END.find_at(text, begin.end());
        let body = trim_body(text, begin.end()..end.map_or(text.len(), |m| m.start()));
        if !body.is_empty() {
            out.push(body);
        }
        from = end.map_or(text.len(), |m| m.end());
        if from >= text.len() {
            break;
        }
    }
    if let Some(end) = PEM_END.find(text) {
        if !PEM_BEGIN.is_match(&text[..end.start()]) {
            let head = &text[..end.start()];
            let start = head.rfind(|c: char| c.is_whitespace() || c == '"').map_or(0, |i| i + 1);
            let body = trim_body(text, start..end.start());
            if body.len() >= 16 && text[body.clone()].chars().all(is_base64_char) {
                out.push(body);
            }
        }
    }
    out
}

/// The range without surrounding whitespace and escaped newlines.
fn trim_body(text: &str, mut r: Range<usize>) -> Range<usize> {
    loop {
        let s = &text[r.clone()];
        if let Some(rest) = s.strip_prefix("\\n").or_else(|| s.strip_prefix("\\r")) {
            r.start = r.end - rest.len();
        } else if let Some(rest) = s.strip_suffix("\\n").or_else(|| s.strip_suffix("\\r")) {
            r.end = r.start + rest.len();
        } else if s.starts_with(char::is_whitespace) {
            r.start += s.chars().next().map_or(1, char::len_utf8);
        } else if s.ends_with(char::is_whitespace) {
            r.end -= s.chars().next_back().map_or(1, char::len_utf8);
        } else {
            return r;
        }
    }
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

/// Whether a text opens a private key it does not close, and whether it
/// closes one it did not open.
fn pem_edges(text: &str) -> (bool, bool) {
    let begin = PEM_BEGIN.find_iter(text).last();
    let end = PEM_END.find_iter(text).last();
    let opens = match (&begin, &end) {
        (Some(b), Some(e)) => b.start() > e.start(),
        (Some(_), None) => true,
        _ => false,
    };
    let closes = end.is_some_and(|e| !PEM_BEGIN.is_match(&text[..e.start()]));
    (opens, closes)
}

/// A line of a PEM body: base64 only (64 characters per line by the standard; the last one shorter).
fn is_pem_body_line(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 4 && t.chars().all(is_base64_char)
}

fn url_credentials(text: &str) -> Vec<Range<usize>> {
    URL.captures_iter(text)
        .filter_map(|c| {
            let pass = c.get(1)?;
            let after = &text[pass.end()..];
            // Without `@` it is `host:port`, `docker://id:message`, or a
            // password whose quote was cut (the text or the quote ends there).
            // Not a port, a digest (`docker://sha256:<hex>`) or `host:port:`.
            let p = pass.as_str();
            let cut = (after.is_empty() || after.starts_with(['"', '\'']))
                && !p.contains(':')
                && !p.chars().all(|ch| ch.is_ascii_hexdigit());
            (after.starts_with('@') || cut).then(|| pass.range())
        })
        .collect()
}

fn env_pairs(text: &str) -> Vec<Range<usize>> {
    ENV_PAIR
        .captures_iter(text)
        .filter_map(|c| {
            let name = c.get(1)?;
            if !secret_key(name.as_str()) {
                return None;
            }
            let (value, _) = read_value(text, c.get(0)?.end(), false)?;
            (!is_placeholder(&text[value.clone()])).then_some(value)
        })
        .collect()
}

/// How a key was written.
#[derive(Debug, PartialEq, Eq)]
enum Sep {
    /// `key=value`, `key = value`.
    Equals,
    /// `key:value` (Go `%+v`, tags).
    Colon,
    /// `key: value` (YAML, or Go error wrapping).
    ColonSpace,
    /// `--key value`.
    Space,
}

fn key_values(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for c in KEY.captures_iter(text) {
        let Some(key) = c.get(2) else { continue };
        let dashed = c.get(1).is_some();
        if !secret_key(key.as_str()) {
            continue;
        }
        let before = &text[..key.start()];
        let quote = if before.ends_with("\\\"") {
            Some("\\\"")
        } else if before.ends_with('"') {
            Some("\"")
        } else if before.ends_with('\'') {
            Some("'")
        } else {
            None
        };
        // A quote before the key that does not close after it opens a
        // string the key is only inside of (`msg="password: x"`).
        let quote = quote.filter(|q| text[key.end()..].starts_with(q));
        let at = key.end() + quote.map_or(0, str::len);
        let spaces = |from: usize| from + text[from..].bytes().take_while(|b| *b == b' ' || *b == b'\t').count();
        let before_sep = spaces(at);
        let sep = match bytes.get(before_sep) {
            Some(b'=') if bytes.get(before_sep + 1) != Some(&b'=') => Sep::Equals,
            // JSON keeps the colon next to the key; `"db-password" : secret "x"`
            // is kubelet wording about a volume, so a spaced colon after a
            // quoted key needs a quoted value below.
            Some(b':') if quote.is_some() || before_sep == at => {
                if matches!(bytes.get(before_sep + 1), Some(b' ' | b'\t')) { Sep::ColonSpace } else { Sep::Colon }
            }
            _ if dashed && before_sep > at && quote.is_none() => Sep::Space,
            _ => continue,
        };
        let value_start = if sep == Sep::Space { before_sep } else { spaces(before_sep + 1) };
        let rest = &text[value_start..];
        if rest.starts_with("//") || rest.starts_with('-') && sep == Sep::Space {
            continue;
        }
        let line_start = text[..key.start()].rfind('\n').map_or(0, |i| i + 1);
        let lead = text[line_start..key.start()].trim_start();
        let at_line_start = lead.is_empty() || lead == "-" || lead == "- " || lead == "--";
        let Some((value, quoted)) = read_value(text, value_start, at_line_start && sep == Sep::ColonSpace) else {
            continue;
        };
        if quote.is_some() && before_sep > at && !quoted {
            continue;
        }
        let v = &text[value.clone()];
        if is_placeholder(v) {
            continue;
        }
        // `tls.key: <data>` in a Secret, not `foo.crt,foo.key:*.foo.com` in a flag's help.
        if key.as_str().ends_with(".key") && quote.is_none() && !at_line_start {
            continue;
        }
        // `Password: Version:2.3.1` (Go `%+v` of an empty field): the next field.
        if !quoted && matches!(sep, Sep::Colon | Sep::ColonSpace) && next_field(v) {
            continue;
        }
        let upper = !key.as_str().chars().any(|ch| ch.is_ascii_lowercase());
        let loose = sep == Sep::ColonSpace && quote.is_none() && !at_line_start && !upper && !quoted;
        if loose && (v.ends_with(':') || !looks_random(v)) {
            continue;
        }
        // `--http-tokens required`: a flag's word value is a setting.
        if sep == Sep::Space && v.chars().all(|ch| ch.is_ascii_lowercase()) {
            continue;
        }
        out.push(value);
    }
    out
}

/// The value starting at `start`: a quoted string's inside, or an unquoted
/// word (to the end of the line for a YAML line). A scheme word
/// (`Authorization: Bearer x`) is skipped to the credential after it.
fn read_value(text: &str, start: usize, to_line_end: bool) -> Option<(Range<usize>, bool)> {
    let rest = &text[start..];
    for q in ["\\\"", "\"", "'", "`"] {
        if let Some(inner) = rest.strip_prefix(q) {
            let from = start + q.len();
            let end =
                closing(inner, q).map_or_else(|| from + inner.find(['\n', '\r']).unwrap_or(inner.len()), |i| from + i);
            return Some((from..end, true));
        }
    }
    let word_end = |from: usize| {
        let s = &text[from..];
        let mut end = s.len();
        for (i, ch) in s.char_indices() {
            if ch.is_whitespace() || matches!(ch, '"' | '\'' | '`' | '&' | ';' | ',') || s[i..].starts_with("\\\"") {
                end = i;
                break;
            }
        }
        let word = s[..end].trim_end_matches([')', ']', '}', '>']);
        from + if word.is_empty() { end } else { word.len() }
    };
    let line_end = start + rest.find(['\n', '\r']).unwrap_or(rest.len());
    // A bracketed mask (`(value hidden)`, `<set to the key …>`) is one value.
    for (open, close) in [('(', ')'), ('[', ']'), ('<', '>')] {
        if rest.starts_with(open) {
            if let Some(i) = text[start..line_end].find(close) {
                // A list or a parenthesised phrase that is not a mask is
                // no scalar secret (`"imagePullSecrets":[{"name":…}]`).
                let v = start..start + i + 1;
                return is_masked(&text[v.clone()]).then_some((v, false));
            }
        }
    }
    let mut start = start;
    let first = word_end(start);
    let word = text[start..first].to_ascii_lowercase();
    if matches!(word.as_str(), "bearer" | "basic" | "token" | "digest" | "negotiate" | "ntlm") {
        let gap = text[first..].bytes().take_while(|b| *b == b' ' || *b == b'\t').count();
        if gap > 0 && word_end(first + gap) > first + gap {
            start = first + gap;
        }
    }
    let end = if to_line_end { start + text[start..line_end].trim_end().len() } else { word_end(start) };
    (end > start).then_some((start..end, false))
}

/// `Name:…` or `Name=…`: an identifier and a separator, another field.
fn next_field(v: &str) -> bool {
    let ident = v.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    ident > 0 && v.as_bytes()[0].is_ascii_alphabetic() && matches!(v.as_bytes().get(ident), Some(b':' | b'='))
}

/// Where the quote `q` closes in `s`, backslash escapes skipped.
fn closing(s: &str, q: &str) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with(q) {
            return Some(i);
        }
        let step = if q != "\\\"" && rest.starts_with('\\') { 2 } else { 1 };
        i += step;
        while i < s.len() && !s.is_char_boundary(i) {
            i += 1;
        }
    }
    None
}

/// Whether a setting named `key` holds a secret: it names a password,
/// secret, token, credential or private/API key, and is not a reference to
/// one (`secretKeyRef`, `secretName`, `passwordFile`, `tokenPath`…).
pub fn secret_key(key: &str) -> bool {
    let words = words(key);
    let Some(last) = words.last() else { return false };
    // `--tls-key-file-auth`, `passwordFileDir`: where a secret is, not what.
    const LOCATION: &[&str] = &["file", "files", "path", "paths", "dir", "directory", "kubeconfig", "ref", "refs"];
    if words.iter().any(|w| LOCATION.contains(&w.as_str())) {
        return false;
    }
    // `--root-ca-cert-secret=ns.name`, `ociConfigSecret: oci`, `tlsSecret`:
    // the name of a Secret object holding a certificate or a config.
    const OBJECT: &[&str] =
        &["config", "cert", "certs", "ca", "tls", "ssl", "root", "pull", "image", "store", "volume"];
    if matches!(last.as_str(), "secret" | "secrets") && words.iter().any(|w| OBJECT.contains(&w.as_str())) {
        return false;
    }
    const NOT_SECRET_LAST: &[&str] = &[
        "secrets",
        "reference",
        "references",
        "regex",
        "pattern",
        "patterns",
        "list",
        "kubeconfig",
        "config",
        "cert",
        "certificate",
        "crt",
        "ca",
        "bundle",
        "plugin",
        "method",
        "methods",
        // `auth.go:231]` (klog) is a source file and line.
        "go",
        "py",
        "java",
        "js",
        "ts",
        "rb",
        "rs",
        "c",
        "cc",
        "cpp",
        "h",
        "kt",
        "scala",
        "php",
        "cs",
        "sh",
        "ref",
        "refs",
        "name",
        "names",
        "file",
        "files",
        "path",
        "paths",
        "dir",
        "directory",
        "id",
        "ids",
        "length",
        "len",
        "size",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "timeout",
        "seconds",
        "secs",
        "ms",
        "minutes",
        "hours",
        "days",
        "duration",
        "interval",
        "age",
        "type",
        "kind",
        "url",
        "uri",
        "endpoint",
        "header",
        "policy",
        "mode",
        "enabled",
        "disabled",
        "required",
        "optional",
        "count",
        "source",
        "provider",
        "from",
        "rotation",
        "version",
        "field",
        "format",
        "algorithm",
        "location",
        "store",
        "namespace",
        "label",
        "selector",
        "exists",
        "service",
        "server",
        "controller",
        "operator",
        "manager",
        "volume",
        "mount",
        "webhook",
        "review",
        "reviews",
        "request",
        "requests",
        "generator",
        "env",
        "var",
        "vars",
    ];
    if NOT_SECRET_LAST.contains(&last.as_str()) {
        return false;
    }
    if key.ends_with(".key") {
        return true;
    }
    const CONTAINS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "passcode",
        "secret",
        "token",
        "credential",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
    ];
    if words.iter().any(|w| CONTAINS.iter().any(|c| w.contains(c))) {
        return true;
    }
    // The header, not `--authorization-mode` and its kin.
    if last == "authorization" {
        return true;
    }
    // `PWD` alone is the shell's working directory, `pass` a test tally.
    if words.len() > 1 && words.iter().any(|w| matches!(w.as_str(), "pass" | "pwd" | "pw" | "creds" | "auth")) {
        return true;
    }
    // `pwd=` in a query string is a password; `PWD=/app` is the shell's.
    if words.len() == 1 && (matches!(last.as_str(), "auth" | "creds") || key == "pwd") {
        return true;
    }
    words.windows(2).any(|w| {
        w[1] == "key"
            && matches!(
                w[0].as_str(),
                "api"
                    | "access"
                    | "secret"
                    | "private"
                    | "signing"
                    | "encryption"
                    | "master"
                    | "account"
                    | "client"
                    | "shared"
                    | "license"
                    | "session"
            )
    })
}

/// `DB_PASSWORD` → [db, password]; `secretKeyRef` → [secret, key, ref].
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in key.split(['_', '-', '.']) {
        let mut word = String::new();
        let mut prev_lower = false;
        for ch in part.chars() {
            if ch.is_ascii_uppercase() && prev_lower && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            word.push(ch.to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// A value already masked by whoever wrote it: only mask characters, or a
/// mask word (`***HIDDEN***`, `<redacted>`, `(value hidden)`, `[REDACTED]`).
fn is_masked(value: &str) -> bool {
    let core = value.trim().trim_matches(|c: char| "*[]<>(){}#_-. \t•".contains(c));
    if core.is_empty() || core.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '•' | '#')) {
        return true;
    }
    let lower = core.to_ascii_lowercase();
    lower.starts_with("redacted")
        || matches!(
            lower.as_str(),
            "hidden"
                | "masked"
                | "removed"
                | "filtered"
                | "omitted"
                | "sanitized"
                | "censored"
                | "sensitive"
                | "value hidden"
                | "hidden value"
                | "not shown"
                | "secret hidden"
        )
}

/// Not a value at all: a placeholder, a reference to a variable or a
/// template, a boolean or an empty marker.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if is_masked(v) || ["$", "{{", "<", "%(", "#{"].iter().any(|p| v.starts_with(p)) {
        return true;
    }
    // A file: `/etc/kubernetes/pki/apiserver-kubelet-client.key`. Lower
    // case or an extension, so a base64 secret that starts with `/` is not one.
    if v.starts_with('/') && v[1..].contains('/') {
        let extension = v
            .rsplit_once('.')
            .is_some_and(|(_, e)| (1..=5).contains(&e.len()) && e.chars().all(|c| c.is_ascii_lowercase()));
        if extension || !v.chars().any(|c| c.is_ascii_uppercase()) {
            return true;
        }
    }
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "null"
            | "none"
            | "nil"
            | "~"
            | "empty"
            | "undefined"
            | "unset"
    )
}

/// A word that is not English prose: digits with letters, symbols, mixed
/// case, or long.
fn looks_random(v: &str) -> bool {
    let digit = v.chars().any(|c| c.is_ascii_digit());
    let alpha = v.chars().any(|c| c.is_alphabetic());
    let symbol = v.chars().any(|c| "+/=_@!#$%^&*~".contains(c));
    let mixed = v.as_bytes().windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    v.len() >= 6 && ((digit && alpha) || symbol || mixed) || v.len() >= 24
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(text: &str) -> String {
        Redactor::default().redact(text).unwrap_or_else(|| text.to_string())
    }

    fn count(text: &str) -> usize {
        let mut r = Redactor::default();
        let _ = r.redact(text);
        r.count
    }

    /// Redacted, the secret gone, and redacting again changes nothing.
    fn hides(text: &str, secret: &str, expected: &str) {
        let out = red(text);
        assert_eq!(out, expected, "for {text:?}");
        assert!(!out.contains(secret), "{secret} left in {out:?}");
        assert_eq!(count(&out), 0, "second pass changed {out:?}");
    }

    fn keeps(text: &str) {
        assert_eq!(red(text), text, "changed {text:?}");
        assert_eq!(count(text), 0);
    }

    #[test]
    fn bearer_and_basic() {
        hides(
            "GET /api Authorization: Bearer abc123def456ghi",
            "abc123def456ghi",
            "GET /api Authorization: Bearer [REDACTED]",
        );
        hides(
            "header=\"authorization: bearer Zm9vYmFyYmF6\"",
            "Zm9vYmFyYmF6",
            "header=\"authorization: bearer [REDACTED]\"",
        );
        hides("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA", "Authorization: Basic [REDACTED]");
        hides("-H 'Authorization: Token 4f9a8b7c6d5e'", "4f9a8b7c6d5e", "-H 'Authorization: Token [REDACTED]'");
        assert_eq!(count("Authorization: Bearer abc123def456ghi"), 1);
        // Wording about the scheme, and a challenge's parameters, are not tokens.
        keeps("www-authenticate: Bearer realm=\"https://auth.registry.example.com/token\",service=\"registry\"");
        keeps("401 Unauthorized: invalid bearer token");
        keeps("Basic authentication failed for user app");
        keeps("expected Bearer Token in header");
    }

    #[test]
    fn jwt() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ";
        hides(&format!("token rejected: {jwt} expired"), jwt, "token rejected: [REDACTED] expired");
        // A quote cut inside the payload.
        hides("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIi", "eyJzdWIi", "jwt [REDACTED]");
    }

    #[test]
    fn cloud_and_vendor_keys() {
        hides("using key AKIAQ3EXAMPLE7PLANTD for s3", "AKIAQ3EXAMPLE7PLANTD", "using key [REDACTED] for s3");
        hides(
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYplantedKEY",
            "wJalrXUtnFEMI",
            "aws_secret_access_key = [REDACTED]",
        );
        hides(
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYplantedKEY",
            "wJalrXUtnFEMI",
            "AWS_SECRET_ACCESS_KEY=[REDACTED]",
        );
        hides(
            r#"{"AccessKeyId":"ASIAQ3EXAMPLE7PLANTD","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCY"}"#,
            "wJalrXUtnFEMI",
            r#"{"AccessKeyId":"[REDACTED]","SecretAccessKey":"[REDACTED]"}"#,
        );
        hides("maps: key=AIzaSyD-planted0000000000000000000000x invalid", "AIzaSyD", "maps: key=[REDACTED] invalid");
        hides("push with ghp_planted0123456789abcdefghijklmnopqr", "ghp_planted", "push with [REDACTED]");
        hides("slack xoxb-1234-5678-plantedtoken", "xoxb-1234", "slack [REDACTED]");
    }

    #[test]
    fn tokens_cut_by_a_quote() {
        hides(
            "exits with code 1: using key AKIAQ3EXAMPLE7",
            "AKIAQ3EXAMPLE7",
            "exits with code 1: using key [REDACTED]",
        );
        hides(
            "its log says: \"geocoder key AIzaSyD-pl\". It",
            "AIzaSyD-pl",
            "its log says: \"geocoder key [REDACTED]\". It",
        );
        hides("rejected eyJhbGciO…", "eyJhbGciO", "rejected [REDACTED]…");
        keeps("region ASIA is down");
        keeps("see AKIA docs and eyJ");
    }

    #[test]
    fn values_set_under_a_secret_name_are_hidden_everywhere() {
        let mut r = Redactor::default();
        r.learn("PlNt-annotationToken-Q1a");
        r.learn("short");
        let mut text = "changed annotation agent-token from (absent) to PlNt-annotationToken-Q1a; short".to_string();
        r.redact_in_place(&mut text);
        assert_eq!(text, "changed annotation agent-token from (absent) to [REDACTED]; short");
        assert_eq!(r.count, 1);
        assert_eq!(named_entry("annotations.vault.example.com/agent-token"), Some("agent-token"));
        assert_eq!(named_entry("env.DB_PASSWORD"), Some("DB_PASSWORD"));
        assert_eq!(named_entry("labels.team"), Some("team"));
        assert_eq!(named_entry("image"), None);
    }

    #[test]
    fn gcp_service_account_json() {
        let json = r#"{"type": "service_account", "private_key_id": "0a1b2c", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANplanted\n-----END PRIVATE KEY-----\n", "client_email": "sa@p.iam.gserviceaccount.com"}"#;
        let out = red(json);
        assert!(!out.contains("MIIEvQIBADANplanted"), "{out}");
        assert!(out.contains(r#""private_key": "[REDACTED]""#), "{out}");
        assert!(out.contains(r#""private_key_id": "0a1b2c""#) && out.contains("client_email"), "{out}");
        assert_eq!(count(json), 1);
    }

    #[test]
    fn pem_private_keys() {
        hides(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAplanted\nAbCdEf==\n-----END RSA PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEAplanted",
            "-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----",
        );
        hides(
            "loaded key -----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAplanted",
            "b3BlbnNz",
            "loaded key -----BEGIN OPENSSH PRIVATE KEY----- [REDACTED]",
        );
        hides(
            "MIIEpAIBAAKCAQEAplanted0123456789==-----END EC PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEAplanted",
            "[REDACTED]-----END EC PRIVATE KEY-----",
        );
        // A header line alone holds no secret; certificates are public.
        keeps("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        keeps(
            "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
        );
        // A lone base64 line is not guessed at.
        keeps("MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB");
    }

    #[test]
    fn pem_body_lines_between_quoted_neighbours() {
        let mut texts: Vec<String> = [
            "-----BEGIN PRIVATE KEY-----",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCplanted0000000",
            "AbCdEfGh==",
            "fatal: cannot parse key",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCother00000000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut r = Redactor::default();
        {
            let mut lines: Vec<_> =
                texts.iter_mut().enumerate().map(|(i, t)| ("app.log", Some(i as u64 + 1), t)).collect();
            r.redact_lines(&mut lines);
        }
        assert_eq!(texts[1], MASK);
        assert_eq!(texts[2], MASK);
        assert_eq!(texts[3], "fatal: cannot parse key");
        // Not next to the key: left.
        assert!(texts[4].starts_with("MIIEvQ"));
        assert_eq!(r.count, 1);
        // Backwards from an END line, the BEGIN not quoted.
        let mut texts = ["c29tZWJhc2U2NHBsYW50ZWQ=".to_string(), "-----END RSA PRIVATE KEY-----".to_string()];
        let mut r = Redactor::default();
        let mut lines: Vec<_> = texts.iter_mut().enumerate().map(|(i, t)| ("k.log", Some(i as u64 + 40), t)).collect();
        r.redact_lines(&mut lines);
        drop(lines);
        assert_eq!(texts[0], MASK);
        assert_eq!(r.count, 1);
    }

    #[test]
    fn url_credentials() {
        hides(
            "connecting to postgres://app:planted-pg-Pw9@db:5432/app failed",
            "planted-pg-Pw9",
            "connecting to postgres://app:[REDACTED]@db:5432/app failed",
        );
        hides("amqp://:s3cr3t@rabbit/", "s3cr3t", "amqp://:[REDACTED]@rabbit/");
        // Cut before the `@`.
        hides(
            "its log says: \"dial postgres://app:planted-p\"",
            "planted-p",
            "its log says: \"dial postgres://app:[REDACTED]\"",
        );
        keeps("Get \"https://10.96.0.1:443/api/v1/namespaces\": dial tcp 10.96.0.1:443: i/o timeout");
        keeps("redis://redis:6379/0 and http://[::1]:8080/healthz");
        keeps("https://user@git.example.com/repo.git");
        keeps("Killing container with id docker://indexer:Container failed liveness probe.");
        keeps("Killing container with id docker://80f7d0af3c1e:pod \"indexer-5c8d7f9b6-7vzkq_search\" is unhealthy");
    }

    #[test]
    fn user_flags() {
        hides("curl -u admin:hunter2x https://api", "hunter2x", "curl -u admin:[REDACTED] https://api");
        hides("curl --user=ci:s3cr3t -X POST", "s3cr3t", "curl --user=ci:[REDACTED] -X POST");
        keeps("sort -u file.txt");
        keeps("ps -U root:wheel");
    }

    #[test]
    fn query_and_form_params() {
        hides(
            "GET /login?user=app&password=hunter2&next=/home",
            "hunter2",
            "GET /login?user=app&password=[REDACTED]&next=/home",
        );
        for key in ["passwd", "pwd", "secret", "token", "api_key", "access_token", "client_secret"] {
            let text = format!("https://api.example.com/v1?{key}=Planted0x9&x=1");
            assert_eq!(red(&text), format!("https://api.example.com/v1?{key}=[REDACTED]&x=1"));
        }
        hides(
            "jdbc:postgresql://db:5432/app?user=app&password=pl4nted",
            "pl4nted",
            "jdbc:postgresql://db:5432/app?user=app&password=[REDACTED]",
        );
    }

    #[test]
    fn key_value_forms() {
        hides("DB_PASSWORD=planted-password-ZQ81", "planted", "DB_PASSWORD=[REDACTED]");
        hides("    DB_PASSWORD:  planted password", "planted", "    DB_PASSWORD:  [REDACTED]");
        hides("password: correcthorse", "correcthorse", "password: [REDACTED]");
        hides(r#"{"user":"app","password":"pl\"anted"}"#, "anted", r#"{"user":"app","password":"[REDACTED]"}"#);
        hides(r#"{"password" : "planted"}"#, "planted", r#"{"password" : "[REDACTED]"}"#);
        hides(
            r#"msg="{\"password\":\"planted\",\"user\":\"app\"}""#,
            "planted",
            r#"msg="{\"password\":\"[REDACTED]\",\"user\":\"app\"}""#,
        );
        hides("secret_key=abc level=error", "abc", "secret_key=[REDACTED] level=error");
        hides("token: Zk9x2planted", "Zk9x2planted", "token: [REDACTED]");
        hides("config {User:app Password:hunter}", "hunter", "config {User:app Password:[REDACTED]}");
        hides("mysql --user app --password hunter2 -h db", "hunter2", "mysql --user app --password [REDACTED] -h db");
        hides(
            "kubectl create secret generic x --from-literal=password=planted",
            "planted",
            "kubectl create secret generic x --from-literal=password=[REDACTED]",
        );
        hides(
            "level=error msg=\"login failed\" apiKey=k3y0planted",
            "k3y0planted",
            "level=error msg=\"login failed\" apiKey=[REDACTED]",
        );
        hides("tls.key: LS0tLS1CRUdJTplanted", "LS0tLS1CRUdJTplanted", "tls.key: [REDACTED]");
        hides("SMTP_PASS=hunter", "hunter", "SMTP_PASS=[REDACTED]");
        assert_eq!(count("a password=one token=two"), 2);
    }

    #[test]
    fn env_name_value_pairs() {
        hides(
            r#"{"name":"DB_PASSWORD","value":"planted-x"},{"name":"APP_ENV","value":"production"}"#,
            "planted",
            r#"{"name":"DB_PASSWORD","value":"[REDACTED]"},{"name":"APP_ENV","value":"production"}"#,
        );
        hides("- name: API_TOKEN\n  value: planted-y", "planted", "- name: API_TOKEN\n  value: [REDACTED]");
        hides("name=SMTP_PASSWORD value=hunter", "hunter", "name=SMTP_PASSWORD value=[REDACTED]");
        hides(
            "{\n  \"name\": \"DB_PASSWORD\",\n  \"value\": \"planted-z\"\n}",
            "planted",
            "{\n  \"name\": \"DB_PASSWORD\",\n  \"value\": \"[REDACTED]\"\n}",
        );
        keeps(r#"{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}"#);
    }

    #[test]
    fn masked_values_pass_through_uncounted() {
        for masked in [
            "***HIDDEN***",
            "********",
            "<redacted>",
            "[REDACTED]",
            "xxxxx",
            "REDACTED",
            "***",
            "<hidden>",
            "(value hidden)",
        ] {
            keeps(&format!("DB_PASSWORD={masked}"));
            keeps(&format!("password: {masked}"));
            keeps(&format!("{{\"token\": \"{masked}\"}}"));
            if !masked.contains(' ') {
                keeps(&format!("postgres://app:{masked}@db/app"));
            }
        }
        keeps("Authorization: Bearer [REDACTED]");
        keeps("Authorization: Bearer ***");
    }

    #[test]
    fn placeholders_and_references_are_not_values() {
        keeps("kubectl -n mail set env deployment/mailer -c mailer SMTP_PASSWORD=<value>");
        keeps("kubectl -n ns create secret generic db --from-literal=<key>=<value>");
        keeps("      DB_PASSWORD:  <set to the key 'password' in secret 'db-password'>  Optional: false");
        keeps("password=$DB_PASSWORD token=${API_TOKEN} secret={{ .Values.secret }}");
        keeps("automountServiceAccountToken: false");
        keeps("Access denied for user 'app'@'10.0.0.1' (using password: YES)");
    }

    #[test]
    fn names_of_secrets_are_evidence() {
        keeps("Error: secret \"db-password\" not found");
        keeps("CreateContainerConfigError: secrets \"my-password\" not found");
        keeps("Error: couldn't find key password in Secret payments/db-password");
        keeps("couldn't find key SMTP_PASSWORD in Secret notifications/mailer-smtp");
        keeps("MountVolume.SetUp failed for volume \"db-password\" : secret \"db-password\" not found");
        keeps("env DB_PASSWORD from secretKeyRef db-password/key");
        keeps("secretKeyRef: db-password/password");
        keeps("secretName: db-password");
        keeps("passwordFile: /run/secrets/db-password");
        keeps("required environment variable \"PAYMENT_API_KEY\" is not set");
        keeps(
            "TLS secret default-server-secret: could not get nginx-ingress/default-server-secret: secrets \"default-server-secret\" is forbidden",
        );
        keeps("open /var/run/secrets/kubernetes.io/serviceaccount/token: no such file or directory");
        keeps("FATAL:  password authentication failed for user \"app\"");
        keeps("Warning: Using a password on the command line interface can be insecure.");
    }

    #[test]
    fn go_error_wrapping_is_not_yaml() {
        keeps("failed to verify token: signature is invalid");
        keeps("cannot fetch token: oauth2: cannot fetch token: 401 Unauthorized");
        keeps("invalid token: expired");
        keeps("refresh token: x509: certificate signed by unknown authority");
    }

    #[test]
    fn digests_uids_and_ordinary_fields_survive() {
        keeps("registry.example.com/shop/api@sha256:d52e5fe08fc485dc4a53100a6914b88f7a172eaec10bd0bfd25fb5ec2b52f160");
        keeps("pod=api-7c9d8f6b5-xk2lp_checkout(3a6c54b8-cfde-403e-8faa-171a0e287969) pod-template-hash=7c9d8f6b5");
        keeps("lastState.terminated exitCode: 137, reason: OOMKilled, finishedAt: 2025-08-10T02:05:18Z");
        keeps(
            "2025-08-10T02:05:41.112Z level=error msg=\"cannot connect to postgres\" err=\"dial tcp 10.96.112.40:5432: connect: connection refused\" attempts=3",
        );
        keeps("PWD=/app HOME=/root key=orders/123 tokenizer_path=/models/tok");
        keeps("tokenExpirationSeconds: 3600");
        keeps(
            "\"--root-ca-cert-secret=vora.conf.secop.tlsconfig.inter-ca\", \"--tls-key-file-auth=/etc/auth/tls.key\"",
        );
        keeps("\"--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key\",");
        keeps("\"ociConfigSecret\": \"oci\", \"imagePullSecrets\":[{\"name\":\"regcred\"}]");
        keeps("\"imageID\": \"docker://sha256:8c811b4aec35f259572d0f79207bc0678df4c736eeec50bc9fec37ed936a472a\"");
        keeps("f:tcp://***HIDDEN***:10000:");
        keeps("capabilities: Basic Install");
        keeps("-skip-auth-regex=^/metrics");
        keeps("{InfobloxWapiUsername:admin InfobloxWapiPassword: InfobloxWapiVersion:2.3.1}");
        keeps("When used to permit a SecretObjectReference: Gateway");
        keeps("E0803 09:30:57.730825       1 auth.go:231] error contacting auth provider");
        keeps("--authorization-kubeconfig=/etc/kubernetes/kubeconfig --authorization-mode=Node,RBAC");
        keeps("Examples: \"example.crt,example.key\" or \"foo.crt,foo.key:*.foo.com,foo.com\".");
        keeps("aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2 --http-tokens required");
        keeps("msg=\"password: wrong\"");
        hides("msg=\"password: hunter2\"", "hunter2", "msg=\"password: [REDACTED]\"");
        keeps("exec: \"migrate\": executable file not found in $PATH: unknown");
    }

    #[test]
    fn image_references_keep_their_tag() {
        let mut r = Redactor::default();
        let mut image = "token-service:1.2.3".to_string();
        r.redact_url_credentials(&mut image);
        assert_eq!(image, "token-service:1.2.3");
        let mut image = "https://bot:pl4nted@registry.example.com/app:1".to_string();
        r.redact_url_credentials(&mut image);
        assert_eq!(image, "https://bot:[REDACTED]@registry.example.com/app:1");
        assert_eq!(r.count, 1);
    }

    #[test]
    fn env_values_by_name() {
        let mut r = Redactor::default();
        let mut v = "planted-password-ZQ81".to_string();
        r.redact_value_of("DB_PASSWORD", &mut v);
        assert_eq!(v, MASK);
        let mut v = "production".to_string();
        r.redact_value_of("NODE_ENV", &mut v);
        assert_eq!(v, "production");
        let mut v = "postgres://app:pw0rd@db/app".to_string();
        r.redact_value_of("DATABASE_URL", &mut v);
        assert_eq!(v, "postgres://app:[REDACTED]@db/app");
        let mut v = "********".to_string();
        r.redact_value_of("API_TOKEN", &mut v);
        assert_eq!(v, "********");
        assert_eq!(r.count, 2);
    }

    #[test]
    fn secret_key_names() {
        for k in [
            "password",
            "DB_PASSWORD",
            "db-password",
            "client_secret",
            "SecretAccessKey",
            "apiKey",
            "x-api-key",
            "ACCESS_TOKEN",
            "auth",
            "SMTP_PASS",
            "private_key",
            "Authorization",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in [
            "secretKeyRef",
            "secretName",
            "passwordFile",
            "tokenPath",
            "PWD",
            "pass",
            "key",
            "AWS_ACCESS_KEY_ID",
            "private_key_id",
            "tokenExpirationSeconds",
            "token-service",
        ] {
            assert!(!secret_key(k), "{k}");
        }
    }
}
