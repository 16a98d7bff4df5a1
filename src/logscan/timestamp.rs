//! Leading timestamps added by the log pipeline, not by the program.

/// Split an optional leading timestamp (RFC3339 / RFC3339Nano, with `Z` or
/// offset) off a log line.
///
/// Returns the first timestamp and the rest of the line with every
/// recognised prefix layer removed, because collected logs stack them:
/// `kubectl logs --timestamps` adds one, CRI log files (`/var/log/pods`, as
/// in must-gather) add `<time> stdout F `, and the program often writes its
/// own timestamp after that. Exactly one separator character is removed after
/// each layer so indentation that matters (Python frames, JVM `at` lines)
/// survives.
///
/// Tolerated beyond strict RFC3339, since programs write these too: a space
/// instead of `T`, a `,` before the fraction, a missing zone. The first
/// timestamp is returned exactly as written; it may therefore lack a zone.
pub fn split_timestamp(line: &str) -> (Option<&str>, &str) {
    let Some(end) = timestamp_len(line.as_bytes()) else {
        return (None, line);
    };
    let stamp = &line[..end];
    let mut rest = skip_separator(&line[end..]);
    rest = skip_cri_tag(rest);
    if let Some(inner) = timestamp_len(rest.as_bytes()) {
        rest = skip_separator(&rest[inner..]);
    }
    (Some(stamp), rest)
}

/// Length of a date-time at the start of `b`, only if a separator or the end
/// of the line follows (so `2023-06-13T14:35:38Zfoo` is not a timestamp).
/// Every byte accepted is ASCII, so the length is a char boundary.
fn timestamp_len(b: &[u8]) -> Option<usize> {
    const SHAPE: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < SHAPE.len() {
        return None;
    }
    for (&want, &got) in SHAPE.iter().zip(b) {
        let ok = match want {
            b'd' => got.is_ascii_digit(),
            b'T' => matches!(got, b'T' | b't' | b' '),
            _ => got == want,
        };
        if !ok {
            return None;
        }
    }
    let mut i = SHAPE.len();
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(b'+' | b'-') => {
            let digits = |at: usize| b.get(at..at + 2).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
            if digits(i + 1) && b.get(i + 3) == Some(&b':') && digits(i + 4) {
                i += 6;
            } else if digits(i + 1) && digits(i + 3) {
                i += 5;
            } else {
                return None;
            }
        }
        _ => {}
    }
    match b.get(i) {
        None | Some(b' ' | b'\t') => Some(i),
        _ => None,
    }
}

fn skip_separator(rest: &str) -> &str {
    rest.strip_prefix([' ', '\t']).unwrap_or(rest)
}

/// CRI log files put the stream and a partial/full flag after the time.
fn skip_cri_tag(rest: &str) -> &str {
    let Some(after) = rest.strip_prefix("stdout ").or_else(|| rest.strip_prefix("stderr ")) else {
        return rest;
    };
    match after.as_bytes() {
        [b'F' | b'P'] => "",
        [b'F' | b'P', b' ', ..] => &after[2..],
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    use super::split_timestamp;

    #[test]
    fn splits_kubectl_and_cri_forms() {
        assert_eq!(
            split_timestamp("2023-06-13T14:35:38.123456789Z panic: boom"),
            (Some("2023-06-13T14:35:38.123456789Z"), "panic: boom")
        );
        assert_eq!(
            split_timestamp("2023-06-13T14:35:38.123456789+02:00 stderr F   File \"a.py\""),
            (Some("2023-06-13T14:35:38.123456789+02:00"), "  File \"a.py\"")
        );
        assert_eq!(
            split_timestamp("2023-06-13T14:35:38Z 2023-06-13 14:35:38,120 ERROR x"),
            (Some("2023-06-13T14:35:38Z"), "ERROR x")
        );
        assert_eq!(split_timestamp("2023-06-13T14:35:38-0700"), (Some("2023-06-13T14:35:38-0700"), ""));
    }

    #[test]
    fn leaves_other_lines_alone() {
        for line in
            ["", "hello", "2023-06-13", "2023-06-13T14:35:38Zx y", "2023-06-13T14:35:38+0 x", "E0312 10:04:05.1 x"]
        {
            assert_eq!(split_timestamp(line), (None, line), "{line:?}");
        }
        // Indentation after the one separator is the program's own.
        assert_eq!(split_timestamp("2023-06-13T14:35:38Z \tat x").1, "\tat x");
        // Multi-byte text right after never splits a char.
        assert_eq!(split_timestamp("2023-06-13T14:35:38Z é").1, "é");
    }
}
