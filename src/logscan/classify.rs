//! A line's declared severity.
//!
//! Formats are tried from the most to the least structured, each behind a
//! cheap byte test so the common info line costs one pass of byte checks:
//! klog header → JSON object → logfmt `level=` → severity words. The first
//! format that recognises the line decides, including "not an error":
//! a structured line saying `level=info` is trusted over the word "ERROR" in
//! its message, which keeps false positives low.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use memchr::{memchr_iter, memmem};
use regex::Regex;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Level;

/// A line at warning level or above, with its message when the format has one.
pub(super) struct Classified<'a> {
    pub(super) level: Level,
    pub(super) message: Option<Cow<'a, str>>,
}

/// Outer `None`: the format does not apply. Inner `None`: the format applies
/// and the line is below warning (or of unknown level).
type Verdict<'a> = Option<Option<Classified<'a>>>;

/// Classifies a line whose leading timestamp was already removed.
pub(super) fn classify(body: &str) -> Option<Classified<'_>> {
    if let Some(verdict) = klog(body) {
        return verdict;
    }
    if body.starts_with('{') {
        if let Some(verdict) = json(body) {
            return verdict;
        }
    }
    if let Some(verdict) = logfmt(body) {
        return verdict;
    }
    plain(body).map(|level| Classified { level, message: None })
}

/// Maps a level name as written by any common logger. zap's `dpanic` is an
/// error: it panics only in development builds. `critical`, `alert` and
/// `emerg` rank above error in syslog and are what programs log on the way
/// out, hence fatal.
fn level_word(word: &str) -> Option<Level> {
    let word = word.trim().as_bytes();
    let mut lower = [0u8; 9];
    if word.len() > lower.len() {
        return None;
    }
    for (dst, src) in lower.iter_mut().zip(word) {
        *dst = src.to_ascii_lowercase();
    }
    match &lower[..word.len()] {
        b"fatal" | b"fata" | b"panic" | b"pani" | b"critical" | b"crit" | b"emerg" | b"emergency" | b"alert" => {
            Some(Level::Fatal)
        }
        b"error" | b"err" | b"eror" | b"erro" | b"dpanic" | b"severe" => Some(Level::Error),
        b"warn" | b"warning" | b"wrn" => Some(Level::Warning),
        _ => None,
    }
}

/// bunyan and pino number their levels: 40 warn, 50 error, 60 fatal.
fn level_number(n: f64) -> Option<Level> {
    if n >= 60.0 {
        Some(Level::Fatal)
    } else if n >= 50.0 {
        Some(Level::Error)
    } else if n >= 40.0 {
        Some(Level::Warning)
    } else {
        None
    }
}

fn non_empty(text: &str) -> Option<Cow<'_, str>> {
    let text = text.trim();
    (!text.is_empty()).then_some(Cow::Borrowed(text))
}

// ---- klog ------------------------------------------------------------------

/// `E0312 10:04:05.123456    1 file.go:12] msg`: level letter, MMDD, time,
/// thread id, source location.
static KLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[^\s\]]+\] ?").expect("static klog regex is valid")
});

fn klog(body: &str) -> Verdict<'_> {
    let b = body.as_bytes();
    let shaped = b.len() > 6
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' ';
    if !shaped {
        return None;
    }
    let header = KLOG.find(body)?;
    let level = match b[0] {
        b'F' => Level::Fatal,
        b'E' => Level::Error,
        b'W' => Level::Warning,
        _ => return Some(None),
    };
    Some(Some(Classified { level, message: non_empty(&body[header.end()..]) }))
}

// ---- JSON ------------------------------------------------------------------

/// What was learned from a JSON line, filled in while parsing so a line cut
/// by the scan cap (invalid JSON from there on) still yields the level that
/// loggers write first.
#[derive(Default)]
struct Probe<'a> {
    /// `None`: no level key; `Some(None)`: a level below warning.
    level: Option<Option<Level>>,
    /// Message and the rank of the key it came from (lower is better).
    message: Option<(u8, Cow<'a, str>)>,
}

fn json(body: &str) -> Verdict<'_> {
    let mut probe = Probe::default();
    let mut de = serde_json::Deserializer::from_str(body);
    let parsed = ProbeSeed(&mut probe).deserialize(&mut de).and_then(|()| de.end());
    let level = match (probe.level, parsed) {
        (Some(level), _) => level,
        // A whole object without a level key is data, not a leveled record.
        (None, Ok(())) => None,
        // Not JSON after all (a Go struct dump, a template): try other formats.
        (None, Err(_)) => return None,
    };
    Some(level.map(|level| Classified { level, message: probe.message.map(|(_, m)| m) }))
}

enum Key {
    Level,
    Message(u8),
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                let is = |name: &str| key.eq_ignore_ascii_case(name);
                Ok(if is("level") || is("lvl") || is("severity") || is("log.level") {
                    Key::Level
                } else if is("msg") {
                    Key::Message(0)
                } else if is("message") {
                    Key::Message(1)
                } else if is("error") {
                    Key::Message(2)
                } else if is("err") {
                    Key::Message(3)
                } else {
                    Key::Other
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

struct ProbeSeed<'p, 'a>(&'p mut Probe<'a>);

impl<'de> DeserializeSeed<'de> for ProbeSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProbeSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON log record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Level => {
                    let Scalar(value) = map.next_value()?;
                    let level = match value {
                        Some(ScalarValue::Text(text)) => level_word(&text),
                        Some(ScalarValue::Number(n)) => level_number(n),
                        None => None,
                    };
                    // Several level keys: the most severe wins.
                    self.0.level = Some(self.0.level.flatten().max(level));
                }
                Key::Message(rank) => {
                    let Scalar(value) = map.next_value()?;
                    if let Some(ScalarValue::Text(text)) = value {
                        let better = self.0.message.as_ref().is_none_or(|(have, _)| rank < *have);
                        if better && !text.trim().is_empty() {
                            self.0.message = Some((rank, text));
                        }
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

enum ScalarValue<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

/// A string or number value; anything else (objects, arrays, null, bools)
/// is skipped without allocating.
struct Scalar<'a>(Option<ScalarValue<'a>>);

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Text(Cow::Borrowed(v)))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Text(Cow::Owned(v.to_owned())))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Text(Cow::Owned(v)))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Number(v as f64))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Number(v as f64))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar(Some(ScalarValue::Number(v))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

// ---- logfmt ----------------------------------------------------------------

static LEVEL_KEYS: LazyLock<[memmem::Finder<'static>; 3]> =
    LazyLock::new(|| [memmem::Finder::new("level="), memmem::Finder::new("lvl="), memmem::Finder::new("severity=")]);

fn logfmt(body: &str) -> Verdict<'_> {
    let value = LEVEL_KEYS.iter().find_map(|finder| logfmt_value(body, finder))?;
    let Some(level) = level_word(value) else {
        return Some(None);
    };
    let message = [&*MSG_KEY, &*MESSAGE_KEY]
        .into_iter()
        .find_map(|finder| logfmt_value(body, finder))
        .and_then(|raw| non_empty(raw).map(|_| unescape(raw.trim())));
    Some(Some(Classified { level, message }))
}

static MSG_KEY: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("msg="));
static MESSAGE_KEY: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("message="));

/// The raw value of the first `key=` (the finder's needle) that starts a
/// field, quotes removed, escapes kept.
fn logfmt_value<'a>(line: &'a str, key: &memmem::Finder<'_>) -> Option<&'a str> {
    let b = line.as_bytes();
    for at in key.find_iter(b) {
        if at > 0 && !matches!(b[at - 1], b' ' | b'\t') {
            continue;
        }
        // The needle ends in ASCII `=`, so this is a char boundary.
        let value = &line[at + key.needle().len()..];
        return Some(match value.strip_prefix('"') {
            Some(quoted) => {
                let q = quoted.as_bytes();
                let mut i = 0;
                let mut end = q.len();
                while i < q.len() {
                    match q[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            end = i;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                // `end` is at an ASCII quote or the end: a char boundary.
                &quoted[..end]
            }
            None => value.split([' ', '\t']).next().unwrap_or(""),
        });
    }
    None
}

fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

// ---- unstructured text -----------------------------------------------------

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Severity words in free text. Upper-case tokens count anywhere as whole
/// words (`ERROR`, `FATAL:`, `[CRITICAL]`); mixed-case `Error:` counts as a
/// whole word; lower-case only in forms that cannot be prose (`error:` at
/// line start, `[error]`), so "0 errors" and `error_count=0` stay quiet.
fn plain(body: &str) -> Option<Level> {
    let b = body.as_bytes();
    let mut best: Option<Level> = None;
    let mut raise = |level: Level| best = best.max(Some(level));

    // logrus's text formatter on a terminal: `ERRO[0000] msg`.
    if b.get(4) == Some(&b'[') {
        match &b[..4] {
            b"ERRO" => raise(Level::Error),
            b"FATA" | b"PANI" => raise(Level::Fatal),
            b"WARN" => raise(Level::Warning),
            _ => {}
        }
    }
    for (prefix, level) in [("error:", Level::Error), ("fatal:", Level::Fatal), ("Fatal:", Level::Fatal)] {
        if body.starts_with(prefix) {
            raise(level);
        }
    }
    // `[error]` (nginx, apache), `[ERR]` (hashicorp), `[crit]`, `[emerg]`, ...
    for open in memchr_iter(b'[', b) {
        let inner = &b[open + 1..];
        if let Some(close) = inner.iter().take(10).position(|&c| c == b']') {
            if let Some(level) = std::str::from_utf8(&inner[..close]).ok().and_then(level_word) {
                raise(level);
            }
        }
    }
    let mut i = 0;
    while i < b.len() {
        if !is_word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        let next = b.get(i).copied();
        match &b[start..i] {
            b"ERROR" | b"SEVERE" => raise(Level::Error),
            b"FATAL" | b"CRITICAL" | b"PANIC" | b"EMERG" => raise(Level::Fatal),
            b"WARN" | b"WARNING" => raise(Level::Warning),
            b"Error" if next == Some(b':') => raise(Level::Error),
            // Telegraf: `E! [inputs.x] ...` as a separate token.
            b"E" | b"W" if next == Some(b'!') => {
                let before_ok = start == 0 || b[start - 1].is_ascii_whitespace();
                let after_ok = b.get(i + 1).is_none_or(u8::is_ascii_whitespace);
                if before_ok && after_ok {
                    raise(if b[start] == b'E' { Level::Error } else { Level::Warning });
                }
            }
            _ => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(line: &str) -> Option<Level> {
        classify(line).map(|c| c.level)
    }

    fn message(line: &str) -> Option<String> {
        classify(line).and_then(|c| c.message.map(Cow::into_owned))
    }

    #[test]
    fn klog_levels() {
        assert_eq!(level("E0312 10:04:05.123456    1 file.go:12] failed to sync"), Some(Level::Error));
        assert_eq!(level("F0312 10:04:05.123456       1 server.go:99] unable to load config"), Some(Level::Fatal));
        assert_eq!(level("W0312 10:04:05.123456    1 file.go:12] slow"), Some(Level::Warning));
        // The header is authoritative: an info line mentioning ERROR is info.
        assert_eq!(level("I0312 10:04:05.123456    1 file.go:12] ERROR count reset"), None);
        assert_eq!(message("E0312 10:04:05.123456    1 file.go:12] failed to sync").as_deref(), Some("failed to sync"));
        // Shaped like klog but not klog: falls through to word rules.
        assert_eq!(level("E1234 not a header ERROR"), Some(Level::Error));
    }

    #[test]
    fn json_levels() {
        let zap = r#"{"level":"error","ts":1686667338.1,"caller":"main.go:12","msg":"cannot connect","error":"dial tcp: refused"}"#;
        assert_eq!(level(zap), Some(Level::Error));
        assert_eq!(message(zap).as_deref(), Some("cannot connect"));
        assert_eq!(level(r#"{"level":"dpanic","msg":"x"}"#), Some(Level::Error));
        assert_eq!(level(r#"{"level":"fatal","msg":"x"}"#), Some(Level::Fatal));
        let logrus = r#"{"level":"fatal","msg":"Error starting daemon","time":"2022-12-21T09:42:35Z"}"#;
        assert_eq!(level(logrus), Some(Level::Fatal));
        let slog = r#"{"time":"2023-06-13T14:35:38Z","level":"ERROR","msg":"boom","err":"x"}"#;
        assert_eq!(level(slog), Some(Level::Error));
        let bunyan = r#"{"name":"app","hostname":"h","pid":1,"level":50,"msg":"request failed","time":"2023-06-13T14:35:38Z","v":0}"#;
        assert_eq!(level(bunyan), Some(Level::Error));
        assert_eq!(level(r#"{"level":60,"msg":"dying"}"#), Some(Level::Fatal));
        assert_eq!(level(r#"{"level":30,"msg":"ERROR in text is not the level"}"#), None);
        assert_eq!(level(r#"{"severity":"CRITICAL","message":"m"}"#), Some(Level::Fatal));
        assert_eq!(level(r#"{"log.level":"error","message":"ecs"}"#), Some(Level::Error));
        assert_eq!(message(r#"{"log.level":"error","message":"ecs \"q\""}"#).as_deref(), Some("ecs \"q\""));
        // Only an error field: it is the message.
        assert_eq!(message(r#"{"level":"error","error":{"code":1},"err":"e2"}"#).as_deref(), Some("e2"));
        // Data without a level key is not leveled, whatever its values say.
        assert_eq!(level(r#"{"status":"ERROR"}"#), None);
        // A line cut mid-object still yields the level written before the cut.
        assert_eq!(level(r#"{"level":"error","msg":"payload","data":"aaaa"#), Some(Level::Error));
        // Not JSON: other rules apply.
        assert_eq!(level("{Name:foo} ERROR x"), Some(Level::Error));
        assert_eq!(level("{"), None);
    }

    #[test]
    fn logfmt_levels() {
        let line = r#"time="2022-12-21T09:42:35Z" level=fatal msg="Error starting daemon: Cannot start Provisioner: failed to get Kubernetes server version: Get \"https://10.43.0.1:443/version?timeout=32s\": dial tcp 10.43.0.1:443: i/o timeout""#;
        assert_eq!(level(line), Some(Level::Fatal));
        assert_eq!(
            message(line).as_deref(),
            Some(
                "Error starting daemon: Cannot start Provisioner: failed to get Kubernetes server version: Get \"https://10.43.0.1:443/version?timeout=32s\": dial tcp 10.43.0.1:443: i/o timeout"
            )
        );
        assert_eq!(level("ts=1 lvl=eror msg=x"), Some(Level::Error));
        assert_eq!(level(r#"level="panic" msg=x"#), Some(Level::Fatal));
        assert_eq!(level("level=error"), Some(Level::Error));
        assert_eq!(level(r#"level=info msg="no error""#), None);
        assert_eq!(level(r#"level=info msg="ERROR is only text here""#), None);
        // `loglevel=` is a different key; the words rule then sees nothing.
        assert_eq!(level("config loglevel=error applied"), None);
    }

    #[test]
    fn plain_words() {
        assert_eq!(level("ERROR: Database connection failed!"), Some(Level::Error));
        assert_eq!(level("2023/06/13 14:35:38 [emerg] 1#1: bind() to 0.0.0.0:80 failed"), Some(Level::Fatal));
        assert_eq!(level("[error] 7#7: *1 connect() failed"), Some(Level::Error));
        assert_eq!(level("[crit] x"), Some(Level::Fatal));
        assert_eq!(level("[alert] x"), Some(Level::Fatal));
        assert_eq!(level("2023-06-13 [ERR] agent: failed"), Some(Level::Error));
        assert_eq!(level("E! [inputs.prometheus] Error in plugin"), Some(Level::Error));
        assert_eq!(level("FATAL:  password authentication failed for user \"app\""), Some(Level::Fatal));
        assert_eq!(level("CRITICAL:root:disk gone"), Some(Level::Fatal));
        assert_eq!(level("worker PANIC recovered"), Some(Level::Fatal));
        assert_eq!(level("Error: unknown flag: --foo"), Some(Level::Error));
        assert_eq!(level("error: failed to push some refs"), Some(Level::Error));
        assert_eq!(level("fatal: not a git repository"), Some(Level::Fatal));
        assert_eq!(level("ERRO[0003] container failed"), Some(Level::Error));
        assert_eq!(level("WARN[0003] slow"), Some(Level::Warning));
        assert_eq!(level("2023 WARNING low disk ERROR x"), Some(Level::Error));
        assert_eq!(level("request failed with Error: timeout"), Some(Level::Error));
    }

    #[test]
    fn plain_negatives() {
        for line in [
            "compiled with 0 errors",
            "error_count=0",
            "ERROR_COUNT=0",
            "stats: errors=0 warnings=0",
            "no error occurred",
            "TypeError: handled elsewhere",
            "the error: was logged",
            "HE! said",
            "E!x",
            "[information]",
            "ERRORS: 0",
            "Errors: 0",
        ] {
            assert_eq!(level(line), None, "{line:?}");
        }
    }
}
