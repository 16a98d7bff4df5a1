//! Quoting for the commands a report tells the reader to run.
//!
//! A finding's next step is a command line meant to be pasted into a
//! shell, and it names objects from the bundle. Real Kubernetes names
//! cannot hold shell metacharacters, but a hand-edited or hostile bundle
//! can name a pod `a;rm -rf ~` or `$(curl evil)`: pasted unquoted, that
//! name would run. Every name, image, or string taken from a log that goes
//! into a command therefore passes through [`shell_word`], which leaves an
//! ordinary name as it is and single-quotes anything else.
//!
//! It lives in `rules` because that is where commands are made:
//! `Remediation` is defined here, the Rust rules format their commands,
//! the signature rules render theirs from templates (`signature.rs`, with
//! [`fill_marked`] choosing the quoting by where a value lands), and the
//! trigger (`incidents/trigger.rs`) reuses `Remediation` for its rollback.
//!
//! A name starting with `-` is kept as it is. No quoting stops a program
//! from reading such a word as an option (`kubectl logs --server=…`), and
//! no Kubernetes name can start with `-`, so a bundle that holds one was
//! written by hand; rewriting it here (`./-x`) would only hide that from
//! the reader.

use std::borrow::Cow;

/// Characters that mean nothing to sh, bash or zsh anywhere in a word.
/// (`=` only starts zsh's `=cmd` expansion at the start of a word.)
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '=' | '@' | '%' | '+' | ',' | '-')
}

/// `text` as one word of a POSIX shell (sh, bash, zsh) that the shell
/// reads back as exactly `text`: unchanged when it is made only of
/// characters with no meaning to the shell, else in single quotes, where
/// nothing is special but the quote itself (written `'\''`).
pub fn shell_word(text: &str) -> Cow<'_, str> {
    if !text.is_empty() && !text.starts_with('=') && text.chars().all(is_plain) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(format!("'{}'", text.replace('\'', r"'\''")))
}

/// [`shell_word`] for a word inside a `#` comment, where quotes protect
/// nothing: a line break would end the comment and make the rest of the
/// word a command, so line breaks become spaces.
pub fn shell_comment_word(text: &str) -> Cow<'_, str> {
    match shell_word(text) {
        word if word.contains(['\n', '\r']) => Cow::Owned(word.replace(['\n', '\r'], " ")),
        word => word,
    }
}

/// A container subject's names as shell words, for the commands of a
/// finding about it. Titles and explanations use the names themselves.
pub struct Words<'a> {
    pub namespace: Cow<'a, str>,
    pub pod: Cow<'a, str>,
    pub container: Cow<'a, str>,
    pub node: Cow<'a, str>,
    /// `deployment/web`, as kubectl names a workload.
    pub workload: Cow<'a, str>,
    /// `POD-debug`: the name of a debugging copy of the pod.
    pub debug_copy: Cow<'a, str>,
}

impl<'a> Words<'a> {
    pub fn of(s: &'a super::Subject) -> Words<'a> {
        Words {
            namespace: shell_word(&s.pod.namespace),
            pod: shell_word(&s.pod.name),
            container: shell_word(&s.container.name),
            node: shell_word(&s.pod.node),
            workload: Cow::Owned(
                shell_word(&format!("{}/{}", s.workload.kind.to_lowercase(), s.workload.name)).into_owned(),
            ),
            debug_copy: Cow::Owned(shell_word(&format!("{}-debug", s.pod.name)).into_owned()),
        }
    }

    /// Starts a copy of the pod whose container runs a shell instead of its
    /// command (the copy is new; the pod itself is left alone).
    pub fn debug_shell(&self) -> String {
        format!(
            "kubectl -n {} debug {} -it --copy-to={} --container={} -- sh",
            self.namespace, self.pod, self.debug_copy, self.container
        )
    }
}

// A value is marked as START, its UTF-8 bytes in hex, END: private-use
// characters no template or value can forge, since values are hex.
const START: char = '\u{F8F0}';
const END: char = '\u{F8F1}';

/// `value`, marked to be quoted by [`fill_marked`] once the whole command
/// is known.
pub fn mark(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2 + 6);
    out.push(START);
    for b in value.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out.push(END);
    out
}

fn unmark(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .filter_map(|i| hex.get(i..i + 2))
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Where a shell is in a command line.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Bare,
    SingleQuoted,
    DoubleQuoted,
    Comment,
}

/// A command with each [`mark`]ed value written so that the shell reads
/// exactly the value, whatever surrounds it: as a quoted word where it is
/// bare; closing and reopening the quotes around it inside single or
/// double quotes (so `'…{{ pod }}…'` in a template stays one word); with
/// line breaks flattened inside a comment. A value that means nothing to
/// the shell is written as it is, so ordinary names read as before.
///
/// This cannot see a shell inside the command (`sh -c '…'`): a value that
/// the inner shell must read as one word has to be quoted for it first.
pub fn fill_marked(command: &str) -> String {
    let mut out = String::with_capacity(command.len());
    let mut context = Context::Bare;
    let mut word_start = true;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c == START {
            let hex: String = chars.by_ref().take_while(|&c| c != END).collect();
            let value = unmark(&hex);
            if !value.is_empty() && value.chars().all(is_plain) {
                out.push_str(&value);
            } else {
                match context {
                    Context::Bare => out.push_str(&shell_word(&value)),
                    Context::SingleQuoted => out.push_str(&value.replace('\'', r"'\''")),
                    Context::DoubleQuoted => {
                        out.push('"');
                        out.push_str(&shell_word(&value));
                        out.push('"');
                    }
                    Context::Comment => out.push_str(&value.replace(['\n', '\r'], " ")),
                }
            }
            word_start = false;
            continue;
        }
        out.push(c);
        let mut starts_word = false;
        match context {
            Context::SingleQuoted if c == '\'' => context = Context::Bare,
            Context::DoubleQuoted if c == '"' => context = Context::Bare,
            Context::DoubleQuoted if c == '\\' => out.extend(chars.next()),
            Context::Comment if c == '\n' => {
                context = Context::Bare;
                starts_word = true;
            }
            Context::Bare => match c {
                '\'' => context = Context::SingleQuoted,
                '"' => context = Context::DoubleQuoted,
                '\\' => out.extend(chars.next()),
                '#' if word_start => context = Context::Comment,
                c if c.is_whitespace() || matches!(c, ';' | '|' | '&' | '(' | ')' | '<' | '>') => starts_word = true,
                _ => {}
            },
            _ => {}
        }
        word_start = starts_word;
    }
    out
}

/// For tests: the shell syntax of `command` outside quotes (separators,
/// pipes, redirections, substitutions, globs, and `$` or a backtick inside
/// double quotes, written `"$`); a comment's text is left out. `None` when
/// a quote is left open. Written apart from [`fill_marked`] so that the
/// two check each other.
#[cfg(test)]
pub(crate) fn live_syntax(command: &str) -> Option<String> {
    let (mut single, mut double, mut word_start) = (false, false, true);
    let mut out = String::new();
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        let mut starts_word = false;
        if single {
            single = c != '\'';
        } else if double {
            match c {
                '"' => double = false,
                '\\' => drop(chars.next()),
                '$' | '`' => out.extend(['"', c]),
                _ => {}
            }
        } else {
            match c {
                '\'' => single = true,
                '"' => double = true,
                '\\' => drop(chars.next()),
                '#' if word_start => {
                    out.extend(chars.by_ref().find(|&c| c == '\n'));
                    starts_word = true;
                }
                ' ' | '\t' => starts_word = true,
                ';' | '|' | '&' | '<' | '>' | '(' | ')' | '\n' => {
                    out.push(c);
                    starts_word = true;
                }
                '$' | '`' | '*' | '?' | '[' | ']' | '{' | '}' | '!' => out.push(c),
                '~' if word_start => out.push(c),
                _ => {}
            }
        }
        word_start = starts_word;
    }
    (!single && !double).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a POSIX shell makes of `command`: its words.
    fn words(command: &str) -> Vec<String> {
        shlex::split(command).unwrap_or_else(|| panic!("the shell cannot split {command:?}"))
    }

    #[test]
    fn ordinary_names_are_left_as_they_are() {
        for name in [
            "checkout",
            "api-7c9d8f6b5-xk2lp",
            "registry.example.com/shop/ui:2.4.1",
            "a_b",
            "x@sha256:0f",
            "1",
            "--tail=50",
            "-x",
        ] {
            assert_eq!(shell_word(name), name);
            assert!(matches!(shell_word(name), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn anything_else_is_one_single_quoted_word() {
        let cases = [
            ("", "''"),
            ("a b", "'a b'"),
            ("a;rm -rf ~", "'a;rm -rf ~'"),
            ("$(curl evil)", "'$(curl evil)'"),
            ("`id`", "'`id`'"),
            ("x\"><img src=y>", "'x\"><img src=y>'"),
            ("it's", r"'it'\''s'"),
            ("'", r"''\'''"),
            ("line\nbreak", "'line\nbreak'"),
            ("*", "'*'"),
            ("a?b", "'a?b'"),
            ("[ab]", "'[ab]'"),
            ("~root", "'~root'"),
            ("a~b", "'a~b'"),
            ("{a,b}", "'{a,b}'"),
            ("!1", "'!1'"),
            ("#x", "'#x'"),
            ("=ls", "'=ls'"),
            ("back\\slash", "'back\\slash'"),
            ("café", "'café'"),
        ];
        for (text, quoted) in cases {
            assert_eq!(shell_word(text), quoted, "{text:?}");
            assert_eq!(words(&format!("kubectl logs {} -c x", shell_word(text))), ["kubectl", "logs", text, "-c", "x"]);
        }
    }

    #[test]
    fn a_comment_word_cannot_end_its_comment() {
        let word = shell_comment_word("a\nrm -rf ~");
        assert_eq!(word, "'a rm -rf ~'");
        assert_eq!(words(&format!("true  # then: kubectl replace -f {word}")), ["true"]);
    }

    #[test]
    fn marked_values_are_quoted_for_where_they_land() {
        let v = "a'b;\"$(x)\n";
        let fill = |template: &str| fill_marked(&template.replace("V", &mark(v)));
        // Bare, and inside a word.
        assert_eq!(words(&fill("get pod V -o wide")), ["get", "pod", v, "-o", "wide"]);
        assert_eq!(words(&fill("--as=V --x=V.y")), [format!("--as={v}"), format!("--x={v}.y")]);
        // Inside single and double quotes the word stays one word.
        assert_eq!(words(&fill("jsonpath='{.name==\"V\"}' x")), [format!("jsonpath={{.name==\"{v}\"}}"), "x".into()]);
        assert_eq!(words(&fill("grep -F \"V\" | tail")), ["grep", "-F", v, "|", "tail"]);
        // In a comment, the line break does not end it.
        assert_eq!(words(&fill("true  # then: run V")), ["true"]);
        // Ordinary values read as before, in every context.
        let plain = |template: &str| fill_marked(&template.replace("V", &mark("web-1")));
        assert_eq!(plain("a V 'x V' \"V\" # V"), "a web-1 'x web-1' \"web-1\" # web-1");
        assert_eq!(plain("x=V \\'V"), "x=web-1 \\'web-1");
    }

    #[test]
    fn marks_cannot_be_forged() {
        let forged = format!("{START}2429{END}");
        assert_eq!(fill_marked(&mark(&forged)), shell_word(&forged));
        assert_eq!(unmark("zz"), "");
    }
}
