//! Bundle text shown as what it is, never as something that acts on the
//! reader's screen.
//!
//! Escaping stops markup; these characters need more. Unicode bidi controls
//! (U+202E RIGHT-TO-LEFT OVERRIDE, the U+2066–U+2069 isolates…) reorder the
//! text around them when it is displayed, so that `exe.txt` can read as
//! `txt.exe` and a quoted command as a different one (the "Trojan Source"
//! trick); C0 and C1 control characters ring bells, move a terminal's cursor
//! or open escape sequences, and in HTML they are invisible. Reports show
//! each of them as a visible marker, `⟨U+202E⟩`, so the reader sees that
//! it is there and the text keeps its order. Tab and newline stay: they
//! are layout, and every format already places them.
//!
//! The JSON report keeps the data exact, but writes these characters as
//! `\uXXXX` escapes (the same string once parsed), so that the file itself
//! is inert in a terminal or an editor.

use std::borrow::Cow;

/// Whether `c` is shown as a marker: a bidi control or a control character
/// other than tab and newline.
pub fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Arabic letter mark, left-to-right and right-to-left marks.
        | '\u{61c}' | '\u{200e}' | '\u{200f}'
        // Embeddings, overrides and their pop.
        | '\u{202a}'..='\u{202e}'
        // Isolates and their pop.
        | '\u{2066}'..='\u{2069}')
}

/// The first bytes of the UTF-8 encodings of every hidden control: text
/// without any of them, the common case, is passed over bytewise.
fn may_hold_one(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 && b != b'\t' && b != b'\n' || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2)
}

/// `text` with every hidden control replaced by `⟨U+XXXX⟩`; borrowed when
/// it has none.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !may_hold_one(text) || !text.chars().any(is_hidden_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden_control(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A serialised JSON document with every hidden control that serde_json
/// writes raw (DEL, C1, bidi) written as a `\uXXXX` escape. They can only
/// occur inside strings, where the escape means the same character.
pub fn json_escaped(json: String) -> String {
    if !may_hold_one(&json) || !json.chars().any(is_hidden_control) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_hidden_control(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_control_characters_become_markers() {
        assert_eq!(visible("a\u{202e}exe.txt\u{202c}"), "a⟨U+202E⟩exe.txt⟨U+202C⟩");
        assert_eq!(visible("\u{2066}x\u{2069} \u{2067}\u{2068}"), "⟨U+2066⟩x⟨U+2069⟩ ⟨U+2067⟩⟨U+2068⟩");
        assert_eq!(visible("bell\u{7}\u{1b}[2J\r\u{9b}"), "bell⟨U+0007⟩⟨U+001B⟩[2J⟨U+000D⟩⟨U+009B⟩");
        assert_eq!(visible("\u{200f}\u{61c}"), "⟨U+200F⟩⟨U+061C⟩");
    }

    #[test]
    fn ordinary_text_is_borrowed() {
        for text in ["plain", "tab\tand\nnewline", "é ü — → ≤ ⟨ 🔴 日本", "\u{200d}\u{200b}"] {
            assert!(matches!(visible(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn json_keeps_the_value() {
        let value = serde_json::json!({ "text": "a\u{202e}b\u{7f}\u{85}c\u{1b}" });
        let raw = serde_json::to_string(&value).expect("serialises");
        let escaped = json_escaped(raw);
        assert!(escaped.is_ascii(), "{escaped}");
        assert!(escaped.contains(r"\u202e") && escaped.contains(r"\u007f") && escaped.contains(r"\u0085"));
        let back: serde_json::Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back, value);
    }
}
