//! Turning a byte stream into clean, bounded line text.

use std::io::{self, BufRead};

use memchr::memchr;

pub(super) struct RawLine {
    /// Bytes taken from the reader for this line, newline included.
    pub(super) consumed: u64,
    /// The line was longer than the buffer cap and its rest was discarded.
    pub(super) cut: bool,
}

/// Reads one line into `buf` (cleared first, newline and a trailing `\r`
/// removed), keeping at most `cap` bytes. The rest of an over-long line is
/// consumed straight from the reader's own buffer and dropped, so a 200 MB
/// line costs time but never memory. `None` at end of input.
pub(super) fn read_line_bounded<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<RawLine>> {
    buf.clear();
    let mut consumed: u64 = 0;
    let mut cut = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let (content, used, done) = match memchr(b'\n', available) {
            Some(at) => (&available[..at], at + 1, true),
            None => (available, available.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        if content.len() > room {
            buf.extend_from_slice(&content[..room]);
            cut = true;
        } else {
            buf.extend_from_slice(content);
        }
        reader.consume(used);
        consumed += used as u64;
        if done {
            break;
        }
    }
    if consumed == 0 {
        return Ok(None);
    }
    // When cut, the last kept byte is mid-line, not the line's real end.
    if !cut && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(RawLine { consumed, cut }))
}

/// Decodes a raw line, borrowing it when it is clean UTF-8 (the common case)
/// and writing a lossy copy into `out` otherwise. NULs are replaced too:
/// they are what a crashed writer or a sparse file leaves behind, and they
/// break every consumer of the text downstream. Returns whether anything was
/// replaced.
pub(super) fn decode<'a>(raw: &'a [u8], cut: bool, out: &'a mut String) -> (&'a str, bool) {
    let has_nul = memchr(0, raw).is_some();
    if !has_nul {
        match std::str::from_utf8(raw) {
            Ok(text) => return (text, false),
            // A cut can split the last character; that is our doing, not the log's.
            Err(e) if cut && e.error_len().is_none() => {
                if let Ok(text) = std::str::from_utf8(&raw[..e.valid_up_to()]) {
                    return (text, false);
                }
            }
            Err(_) => {}
        }
    }
    out.clear();
    let mut lossy = false;
    let mut chunks = raw.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        let valid = chunk.valid();
        if valid.contains('\0') {
            lossy = true;
            for (i, piece) in valid.split('\0').enumerate() {
                if i > 0 {
                    out.push(char::REPLACEMENT_CHARACTER);
                }
                out.push_str(piece);
            }
        } else {
            out.push_str(valid);
        }
        let invalid = chunk.invalid();
        let cut_tail = cut && chunks.peek().is_none() && invalid.len() < 4;
        if !invalid.is_empty() && !cut_tail {
            lossy = true;
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    (out.as_str(), lossy)
}

/// Removes ANSI escape sequences (colours, cursor movement, OSC titles and
/// hyperlinks), borrowing `text` when it has none. Colour codes would
/// otherwise split tokens (`\x1b[31mERROR\x1b[0m`) and clutter quotes.
pub(super) fn strip_ansi<'a>(text: &'a str, out: &'a mut String) -> &'a str {
    let bytes = text.as_bytes();
    let Some(first) = memchr(0x1b, bytes) else {
        return text;
    };
    out.clear();
    let mut kept_from = 0;
    let mut at = first;
    loop {
        out.push_str(&text[kept_from..at]);
        kept_from = escape_end(bytes, at);
        match memchr(0x1b, &bytes[kept_from..]) {
            Some(next) => at = kept_from + next,
            None => break,
        }
    }
    out.push_str(&text[kept_from..]);
    out.as_str()
}

/// Index just past the escape sequence starting at `esc`. Only ASCII bytes
/// are ever skipped, except inside an OSC string which ends on ASCII too, so
/// the result is always a char boundary.
fn escape_end(b: &[u8], esc: usize) -> usize {
    let mut i = esc + 1;
    match b.get(i) {
        Some(b'[') => {
            i += 1;
            while b.get(i).is_some_and(|c| (0x30..=0x3f).contains(c)) {
                i += 1;
            }
            while b.get(i).is_some_and(|c| (0x20..=0x2f).contains(c)) {
                i += 1;
            }
            if b.get(i).is_some_and(|c| (0x40..=0x7e).contains(c)) {
                i += 1;
            }
            i
        }
        Some(b']') => {
            // OSC runs to BEL or ST (ESC \); unterminated, it runs to the end.
            i += 1;
            while let Some(&c) = b.get(i) {
                if c == 0x07 {
                    return i + 1;
                }
                if c == 0x1b {
                    return if b.get(i + 1) == Some(&b'\\') { i + 2 } else { i };
                }
                i += 1;
            }
            i
        }
        _ => {
            // nF sequences (charset selection like `ESC ( B`) carry
            // intermediates before the final byte; Fp/Fe/Fs are one byte.
            while b.get(i).is_some_and(|c| (0x20..=0x2f).contains(c)) {
                i += 1;
            }
            if b.get(i).is_some_and(|c| (0x30..=0x7e).contains(c)) {
                i += 1;
            }
            i
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<(Vec<u8>, u64, bool)> {
        // A tiny BufReader capacity exercises lines spanning many refills.
        let mut reader = io::BufReader::with_capacity(3, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(read) = read_line_bounded(&mut reader, &mut buf, cap).expect("in-memory read") {
            out.push((buf.clone(), read.consumed, read.cut));
        }
        out
    }

    #[test]
    fn reads_lines_bounded() {
        let got = lines(b"ab\r\n\nxyz0123456789\nlast", 5);
        assert_eq!(
            got,
            vec![
                (b"ab".to_vec(), 4, false),
                (b"".to_vec(), 1, false),
                (b"xyz01".to_vec(), 14, true),
                (b"last".to_vec(), 4, false),
            ]
        );
        assert!(lines(b"", 5).is_empty());
    }

    #[test]
    fn decodes_lossily() {
        let mut out = String::new();
        assert_eq!(decode(b"plain", false, &mut out), ("plain", false));
        assert_eq!(decode(b"a\xffb", false, &mut out), ("a\u{fffd}b", true));
        assert_eq!(decode(b"a\0b", false, &mut out), ("a\u{fffd}b", true));
        // "é" is C3 A9; a cut between the two bytes is not corruption.
        assert_eq!(decode(b"caf\xc3", true, &mut out), ("caf", false));
        assert_eq!(decode(b"caf\xc3", false, &mut out), ("caf\u{fffd}", true));
        assert_eq!(decode(b"\0caf\xc3", true, &mut out), ("\u{fffd}caf", true));
    }

    #[test]
    fn strips_ansi() {
        let mut out = String::new();
        assert_eq!(strip_ansi("\x1b[31;1mERROR\x1b[0m: x", &mut out), "ERROR: x");
        assert_eq!(strip_ansi("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x07b", &mut out), "alinkb");
        assert_eq!(strip_ansi("é\x1b(Bé\x1b", &mut out), "éé");
        assert_eq!(strip_ansi("a\x1b7b\x1b8c", &mut out), "abc");
        assert_eq!(strip_ansi("no escapes", &mut out), "no escapes");
        assert_eq!(strip_ansi("\x1b\x1b[1mé", &mut out), "é");
    }
}
