//! When a log line was written, in whichever format the program used.
//!
//! Parsed only where it matters — evidence lines and a log's first and last
//! lines — never for every line of a multi-GB archive. Formats, in the order
//! tried: a collector's RFC 3339 prefix (`kubectl logs --timestamps`,
//! must-gather, CRI files), then the program's own: klog
//! (`E0312 10:04:05.123456`), Go's `log` and nginx (`2025/08/10 02:05:41`),
//! JSON logs (zap `ts`, logrus/slog `time`, bunyan/others `timestamp`,
//! `@timestamp`), and logfmt (`time=... ` / `ts=...`).

use crate::model::time::Time;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// `year` places klog lines, which carry no year: the snapshot's year. A log
/// written across New Year can be a year off; nothing in the line says so.
pub fn line_time(text: &str, year: Option<i32>) -> Option<Time> {
    let (stamp, rest) = super::split_timestamp(text);
    if let Some(t) = stamp.and_then(rfc3339ish) {
        return Some(t);
    }
    klog(rest, year).or_else(|| slashed(rest)).or_else(|| json(rest)).or_else(|| logfmt(rest))
}

/// RFC 3339 and the near forms programs write: space for `T`, `,` before
/// the fraction, no zone (taken as UTC, the convention of container logs).
fn rfc3339ish(stamp: &str) -> Option<Time> {
    if let Some(t) = Time::parse(stamp) {
        return Some(t);
    }
    if !stamp.is_ascii() {
        return None;
    }
    let mut s = stamp.replacen(' ', "T", 1).replace(',', ".");
    let zone_part = s.get(s.len().saturating_sub(6)..).unwrap_or("");
    if !(s.ends_with('Z') || zone_part.contains(['+', '-'])) {
        s.push('Z');
    }
    Time::parse(&s)
}

fn klog(rest: &str, year: Option<i32>) -> Option<Time> {
    static KLOG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s").expect("static regex")
    });
    let c = KLOG.captures(rest)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(year?, n(1)?, n(2)?)?;
    let micros = c.get(6).map(|m| format!("{:0<9}", m.as_str())).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
    let time = date.and_hms_nano_opt(n(3)?, n(4)?, n(5)?, micros)?;
    Some(Time(Utc.from_utc_datetime(&time)))
}

fn slashed(rest: &str) -> Option<Time> {
    let head = rest.get(..19)?;
    let naive = NaiveDateTime::parse_from_str(head, "%Y/%m/%d %H:%M:%S").ok()?;
    Some(Time(Utc.from_utc_datetime(&naive)))
}

fn json(rest: &str) -> Option<Time> {
    if !rest.starts_with('{') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(rest.trim_end()).ok()?;
    for key in ["ts", "time", "timestamp", "@timestamp", "t"] {
        match value.get(key) {
            Some(serde_json::Value::String(s)) => {
                if let Some(t) = rfc3339ish(s) {
                    return Some(t);
                }
            }
            Some(serde_json::Value::Number(n)) => {
                // zap writes epoch seconds as a float; some loggers epoch milliseconds.
                let secs = n.as_f64()?;
                let secs = if secs > 1e12 { secs / 1000.0 } else { secs };
                let whole = secs.floor() as i64;
                let nanos = ((secs - secs.floor()) * 1e9) as u32;
                return Utc.timestamp_opt(whole, nanos).single().map(Time);
            }
            _ => {}
        }
    }
    None
}

fn logfmt(rest: &str) -> Option<Time> {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:^|\s)(?:time|ts|timestamp)="?([0-9][0-9T:.,+\- Z]+?)"?(?:\s|$)"#).expect("static regex")
    });
    FIELD.captures(rest).and_then(|c| c.get(1)).and_then(|m| rfc3339ish(m.as_str().trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        line_time(text, Some(2025)).map(|t| t.rfc3339())
    }

    #[test]
    fn collector_prefixes() {
        assert_eq!(
            at("2023-06-13T14:35:38.123456789Z E0613 14:35:38.1 boom").as_deref(),
            Some("2023-06-13T14:35:38.123456789Z")
        );
        assert_eq!(at("2025-08-10 02:05:41,112 ERROR db down").as_deref(), Some("2025-08-10T02:05:41.112Z"));
    }

    #[test]
    fn program_formats() {
        assert_eq!(
            at("E0326 01:41:57.730608       7 ssl.go:389] unexpected error").as_deref(),
            Some("2025-03-26T01:41:57.730608Z")
        );
        assert_eq!(at("2025/08/10 02:05:41 [emerg] 1#1: bind() failed").as_deref(), Some("2025-08-10T02:05:41Z"));
        assert_eq!(at(r#"{"level":"error","ts":1754791541.5,"msg":"x"}"#).as_deref(), Some("2025-08-10T02:05:41.500Z"));
        assert_eq!(
            at(r#"{"level":"error","time":"2025-08-10T02:05:41Z","msg":"x"}"#).as_deref(),
            Some("2025-08-10T02:05:41Z")
        );
        assert_eq!(
            at(r#"time="2022-12-21T09:43:10Z" level=fatal msg="Error starting daemon""#).as_deref(),
            Some("2022-12-21T09:43:10Z")
        );
        assert_eq!(at("ERROR: Database connection failed!"), None);
        // Arbitrary text in a time field must not panic (multi-byte characters).
        assert_eq!(at(r#"{"time":"2025-08-10 été"}"#), None);
        assert_eq!(at(r#"{"ts":"ééééééé"}"#), None);
        // klog without a year to place it in.
        assert_eq!(line_time("E0326 01:41:57.730608 7 x.go:1] y", None), None);
    }
}
