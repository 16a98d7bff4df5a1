//! Timestamps as Kubernetes writes them (RFC 3339, always UTC in practice).
//!
//! podmortem never reads the wall clock: every "now" in an analysis is the
//! snapshot time derived from the data (see `Model::snapshot_time`). The
//! chrono dependency is built without its `clock` feature so that
//! `Utc::now()` cannot creep in.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A point in time, second precision as Kubernetes status fields carry it
/// (sub-second parts from log prefixes and `eventTime` are kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub DateTime<Utc>);

impl Time {
    /// Parses RFC 3339 (`2025-08-09T22:57:54Z`, `...54.123456Z`, `...54+02:00`).
    /// `1970-01-01T00:00:00Z` is what containerd writes for a process that
    /// never started (StartError): it carries no information, so it is None.
    pub fn parse(text: &str) -> Option<Time> {
        let parsed = DateTime::parse_from_rfc3339(text.trim()).ok()?;
        let utc = parsed.with_timezone(&Utc);
        if utc.timestamp() <= 0 {
            return None;
        }
        Some(Time(utc))
    }

    pub fn seconds_until(self, later: Time) -> i64 {
        (later.0 - self.0).num_seconds()
    }

    pub fn rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    pub fn from_unix(seconds: i64) -> Option<Time> {
        DateTime::from_timestamp(seconds, 0).map(Time)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

/// Lenient: a timestamp that does not parse becomes None instead of failing
/// the whole object, because one odd field must not hide a crash-looping pod.
impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Time::parse(&text).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp"))
    }
}

/// Deserializes an optional timestamp leniently: null, empty, unparseable → None.
pub fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Time>, D::Error> {
    struct LenientTime;
    impl<'de> serde::de::Visitor<'de> for LenientTime {
        type Value = Option<Time>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a timestamp")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Time::parse(text))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(LenientTime)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(LenientTime)
}

/// Human duration in the kubelet's style: `5m0s`, `2h3m`, `3d4h`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m}m")
    } else if m > 0 {
        format!("{m}m{sec}s")
    } else {
        format!("{sec}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_forms() {
        let t = Time::parse("2025-08-09T22:57:54Z").expect("plain");
        assert_eq!(t.rfc3339(), "2025-08-09T22:57:54Z");
        let nano = Time::parse("2023-06-13T14:35:38.123456789Z").expect("nano");
        assert!(nano > t.min(nano) || nano == t.min(nano));
        let offset = Time::parse("2025-08-09T23:57:54+01:00").expect("offset");
        assert_eq!(offset, t);
    }

    #[test]
    fn epoch_means_never_started() {
        assert_eq!(Time::parse("1970-01-01T00:00:00Z"), None);
        assert_eq!(Time::parse("not a time"), None);
    }

    #[test]
    fn durations_read_like_kubelet() {
        assert_eq!(human_duration(300), "5m0s");
        assert_eq!(human_duration(42), "42s");
        assert_eq!(human_duration(7_380), "2h3m");
        assert_eq!(human_duration(90_000), "1d1h");
    }
}
