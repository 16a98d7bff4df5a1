//! Externally supplied line patterns (signature rules written as data).
//!
//! # Why not one big regex
//!
//! A rule pack can hold hundreds of log regexes, and every line of every
//! scanned log meets all of them, so the cost must not grow with the pack.
//! The obvious designs do grow with it. A `RegexSet` (or one alternation
//! `(?:p0)|(?:p1)|...` in front of it, the previous design) of the 500
//! realistic patterns of `benches/patterns.rs` exceeds the regex crate's
//! default compiled-size limit of 10 MiB, so the pack did not compile at all
//! (and `Catalog::compiled_patterns` then fell back to no patterns). With
//! the limit raised, any non-ASCII byte on a line makes the lazy DFA give up
//! on the patterns with a Unicode `\b`, and the NFA simulation that takes
//! over costs in proportion to the whole pack: on the benchmark's logs (5%
//! of lines non-ASCII) the 50-pattern pack scanned at 27 MB/s and the
//! 500-pattern pack at 1.35 MB/s, 20× slower. Running each regex on each
//! line is linear by construction.
//!
//! # Design
//!
//! Regexes compile once, each alone, and a pattern is reported for a line
//! exactly when its own regex matches the line: everything else only
//! decides which regexes need to run.
//!
//! 1. **Required literals.** From each pattern's syntax tree (regex-syntax
//!    `Hir`) we derive *groups* of literals such that every match contains
//!    at least one literal of every group: `\bredis\b.*\bconnection
//!    (refused|reset)\b` gives `{redis}` and `{connection refused, connection
//!    reset}`. Literals are found anywhere in the pattern, not only as a
//!    prefix (`^\s+at org\.postgresql\.` gives `at org.postgresql.`); small
//!    alternations and classes expand (`\bSIG(SEGV|BUS)\b`, `" 50[234] `);
//!    case-insensitive letters fold to ASCII lower case, so one literal
//!    stands for all its case variants (the Kelvin sign and the long s, which
//!    `(?i)k` and `(?i)s` also match, fold to `k` and `s`, in the literals
//!    and on the rare line that holds them). A group counts only when all its
//!    literals have at least [`MIN_LITERAL`] bytes; the [`MAX_GROUPS`] with
//!    the longest literals are kept.
//! 2. **One pass over the line.** The literals of all patterns form one
//!    ASCII-case-insensitive Aho-Corasick DFA, run over the line once with
//!    overlapping matches. Each pattern has one *trigger* group, the one
//!    whose literals the fewest other patterns share (a family of patterns
//!    repeats boilerplate such as `"msg":"`, which is frequent in logs too);
//!    a trigger hit makes the pattern a candidate if its other groups were
//!    seen on the line as well, and only candidates run their regex. The
//!    pass costs about the same for 50 or 500 patterns; what grows is the
//!    number of candidates, which stays small because a line rarely holds
//!    every required literal of a pattern without matching it.
//! 3. **Patterns with no usable literal** (`^\d{3}\s`, `^\s*\^+\s*$`) run
//!    on every line: one by one when there are few, behind one `RegexSet`
//!    when there are more than [`SOLO_UNFILTERED`]. On a non-ASCII line a
//!    pattern with a Unicode `\b` first runs without its word boundaries (a
//!    superset the lazy DFA can decide), so the NFA fallback is paid only on
//!    lines that nearly match. Anchored ones cost next to nothing; each
//!    unanchored one costs a pass over every line, so a pack should hold few.
//!
//! Measured with `scripts/bench-patterns` (BENCHMARKS.md, "Log pattern
//! packs": 33.6 MB of generated klog, JSON, app, nginx and Java logs), the
//! whole scan runs at 442 MB/s with no patterns, 203 MB/s with the 50-pattern
//! pack and 132 MB/s with the 500-pattern pack (ratio 1.54); one more
//! unanchored pattern without a literal (`\b[0-9a-f]{40}\b`) brings the 500
//! pack to 105 MB/s. [`LogPatterns::new`] takes 33 ms for the 500 patterns:
//! each regex compiles when a line first needs it (compiling all 500 up
//! front took 115 ms).
//!
//! Patterns see the line without its leading timestamp (see
//! [`super::split_timestamp`]), so `^` anchors at the program's own text,
//! and without ANSI escapes.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use regex_syntax::hir::{Class, Hir, HirKind, Look, Repetition};

/// Shortest literal worth a place in the automaton: one- and two-byte
/// literals occur on nearly every line and would make everything a candidate.
const MIN_LITERAL: usize = 3;
/// Groups kept per pattern (every one must be hit), longest literals first.
const MAX_GROUPS: usize = 4;
/// Strings an exact set may hold before a concatenation stops multiplying.
const EXACT_LIMIT: usize = 64;
/// Literals one group may hold.
const MAX_GROUP_ALTS: usize = 256;
/// Characters of a class (after case folding) expanded into alternatives.
const CLASS_LIMIT: usize = 4;
/// Unfiltered patterns run one by one up to this many; beyond, a `RegexSet`
/// says first whether any of them matches.
const SOLO_UNFILTERED: usize = 8;

/// A list of log regexes prepared once for a whole analysis: each is
/// compiled once, when a line first needs it; see the module doc.
#[derive(Clone, Debug)]
pub struct LogPatterns {
    /// Every pattern alone: a pattern is reported exactly when its own regex
    /// matches.
    patterns: Vec<Pattern>,
    /// The literal pass over the patterns that have required literals.
    prefilter: Option<Prefilter>,
    /// Patterns with no usable literal, in increasing order: they run on
    /// every line.
    unfiltered: Vec<Unfiltered>,
    /// The gates of all `unfiltered`, when there are many of them (and the
    /// set compiled).
    unfiltered_set: Option<RegexSet>,
}

/// One pattern, compiled the first time a line needs it: the literal pass
/// spares most patterns of a big pack most lines, and many of them every
/// line of a scan, so compiling them all up front would be the one cost
/// that grows with the pack.
#[derive(Clone, Debug)]
struct Pattern {
    source: String,
    /// `None` inside when the regex does not compile, which only a size
    /// limit can cause once the syntax was checked: the rule loader, which
    /// compiles every pattern, reports it; here the pattern never matches.
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn is_match(&self, text: &str) -> bool {
        self.regex.get_or_init(|| Regex::new(&self.source).ok()).as_ref().is_some_and(|r| r.is_match(text))
    }
}

#[derive(Clone, Debug)]
struct Unfiltered {
    pattern: usize,
    /// For a pattern with Unicode word boundaries, the pattern without them:
    /// it matches wherever the pattern does, and unlike the pattern it never
    /// drives the regex engine off its DFA on a non-ASCII line (where the
    /// lazy DFA cannot decide a Unicode `\b` and an NFA simulation takes
    /// over). Run first on non-ASCII lines.
    gate: Option<Regex>,
}

#[derive(Clone, Debug)]
struct Prefilter {
    /// Over the literals of all groups of all patterns.
    automaton: AhoCorasick,
    /// Literal `i` triggers the patterns `triggers[trigger_starts[i]..
    /// trigger_starts[i + 1]]`: those whose trigger group holds it.
    trigger_starts: Vec<u32>,
    triggers: Vec<u32>,
    /// Pattern `p`'s other groups are `checks[check_starts[p]..
    /// check_starts[p + 1]]`, each a range of `check_literals`.
    check_starts: Vec<u32>,
    checks: Vec<(u32, u32)>,
    check_literals: Vec<u32>,
    /// Whether each pattern has groups (is filtered here at all).
    filtered: Vec<bool>,
}

/// Per-thread buffers of the literal pass, so scanning allocates nothing per
/// line.
#[derive(Default)]
struct Scratch {
    /// Bit per literal: seen on this line. All zero between lines.
    seen: Vec<u64>,
    /// The literals seen on this line.
    seen_list: Vec<u32>,
    /// Bit per pattern: triggered on this line. All zero between lines.
    triggered: Vec<u64>,
    /// The patterns triggered on this line.
    triggered_list: Vec<u32>,
    /// The line with the non-ASCII case variants of `k` and `s` folded.
    folded: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl LogPatterns {
    /// Prepares `patterns`; pattern `i` is reported as hit index `i`. Fails
    /// when a pattern is not a valid regex (its syntax is checked here, each
    /// regex is compiled when first needed).
    pub fn new(patterns: &[&str]) -> Result<Self, regex::Error> {
        // The regex crate's own parser and defaults, so the same patterns
        // fail, with the same message.
        let mut parser = regex_syntax::Parser::new();
        let hirs = patterns
            .iter()
            .map(|p| parser.parse(p).map_err(|e| regex::Error::Syntax(e.to_string())))
            .collect::<Result<Vec<Hir>, _>>()?;
        let groups: Vec<Vec<Set>> = hirs.iter().map(required_groups).collect();
        let prefilter = Prefilter::build(&groups);
        let mut unfiltered = Vec::new();
        let mut gates = Vec::new();
        for (pattern, source) in patterns.iter().enumerate() {
            if prefilter.as_ref().is_some_and(|pf| pf.filtered[pattern]) {
                continue;
            }
            let gate_source = ascii_gate(&hirs[pattern]);
            let gate = gate_source.as_deref().and_then(|g| Regex::new(g).ok());
            gates.push(match (&gate_source, &gate) {
                (Some(g), Some(_)) => g.clone(),
                _ => (*source).to_string(),
            });
            unfiltered.push(Unfiltered { pattern, gate });
        }
        let unfiltered_set = if unfiltered.len() > SOLO_UNFILTERED {
            let size = 10usize << 20;
            RegexSetBuilder::new(&gates).size_limit(size.saturating_mul(gates.len())).build().ok()
        } else {
            None
        };
        let patterns = patterns.iter().map(|p| Pattern { source: (*p).to_string(), regex: OnceLock::new() }).collect();
        Ok(LogPatterns { patterns, prefilter, unfiltered, unfiltered_set })
    }

    /// No patterns: scanning skips pattern matching entirely.
    pub fn empty() -> Self {
        LogPatterns { patterns: Vec::new(), prefilter: None, unfiltered: Vec::new(), unfiltered_set: None }
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns matching `text`, in increasing order; empty (and not
    /// allocated) when none does.
    pub(super) fn matches(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        if self.patterns.is_empty() {
            return out;
        }
        if let Some(pf) = &self.prefilter {
            pf.candidates(text, |p| {
                if self.patterns[p].is_match(text) {
                    out.push(p);
                }
            });
        }
        let filtered = out.len();
        match &self.unfiltered_set {
            // The set holds the gates: the patterns it names are then checked.
            Some(set) => {
                if set.is_match(text) {
                    for i in &set.matches(text) {
                        let pattern = self.unfiltered[i].pattern;
                        if self.patterns[pattern].is_match(text) {
                            out.push(pattern);
                        }
                    }
                }
            }
            None => {
                let mut ascii = None;
                for u in &self.unfiltered {
                    if let Some(gate) = &u.gate {
                        if !*ascii.get_or_insert_with(|| text.is_ascii()) && !gate.is_match(text) {
                            continue;
                        }
                    }
                    if self.patterns[u.pattern].is_match(text) {
                        out.push(u.pattern);
                    }
                }
            }
        }
        if filtered > 0 && out.len() > filtered {
            out.sort_unstable();
        }
        out
    }
}

impl Default for LogPatterns {
    fn default() -> Self {
        LogPatterns::empty()
    }
}

impl Prefilter {
    /// `None` when no pattern has a usable literal or the automaton cannot
    /// be built (then every pattern is unfiltered).
    fn build(groups: &[Vec<Set>]) -> Option<Self> {
        let mut ids: HashMap<&[u8], u32> = HashMap::new();
        let mut literals: Vec<&[u8]> = Vec::new();
        // How many groups use each literal, to pick each pattern's trigger.
        let mut users: Vec<u32> = Vec::new();
        let mut grouped: Vec<Vec<Vec<u32>>> = Vec::with_capacity(groups.len());
        for pattern_groups in groups {
            let mut mine: Vec<Vec<u32>> = Vec::new();
            for group in pattern_groups {
                let mut ids_of_group = Vec::with_capacity(group.len());
                for literal in group {
                    let id = match ids.get(literal.as_slice()) {
                        Some(&id) => id,
                        None => {
                            let id = u32::try_from(literals.len()).ok()?;
                            ids.insert(literal, id);
                            literals.push(literal);
                            users.push(0);
                            id
                        }
                    };
                    users[id as usize] += 1;
                    ids_of_group.push(id);
                }
                mine.push(ids_of_group);
            }
            grouped.push(mine);
        }
        if literals.is_empty() {
            return None;
        }
        // The trigger of a pattern is the group whose literals the fewest
        // other patterns share: boilerplate that a family of patterns
        // repeats (`"msg":"`, `"GET /api/v`) is common in logs too, and would
        // wake every pattern of the family on every such line. The other
        // groups are only looked up, in the literals seen on the line, once
        // the trigger fired.
        let sharing = |g: &Vec<u32>| g.iter().map(|&id| users[id as usize]).max().unwrap_or(0);
        let mut trigger_lists: Vec<Vec<u32>> = vec![Vec::new(); literals.len()];
        let mut check_starts = Vec::with_capacity(groups.len() + 1);
        let mut checks = Vec::new();
        let mut check_literals = Vec::new();
        let mut filtered = Vec::with_capacity(groups.len());
        for (pattern, mut mine) in grouped.into_iter().enumerate() {
            check_starts.push(u32::try_from(checks.len()).ok()?);
            filtered.push(!mine.is_empty());
            let Some(first) = (0..mine.len()).min_by_key(|&g| sharing(&mine[g])) else {
                continue;
            };
            let pattern = u32::try_from(pattern).ok()?;
            for id in mine.swap_remove(first) {
                let list = &mut trigger_lists[id as usize];
                if list.last() != Some(&pattern) {
                    list.push(pattern);
                }
            }
            for group in mine {
                let from = u32::try_from(check_literals.len()).ok()?;
                check_literals.extend(group);
                checks.push((from, u32::try_from(check_literals.len()).ok()?));
            }
        }
        check_starts.push(u32::try_from(checks.len()).ok()?);
        let mut trigger_starts = Vec::with_capacity(literals.len() + 1);
        let mut triggers = Vec::new();
        for list in trigger_lists {
            trigger_starts.push(u32::try_from(triggers.len()).ok()?);
            triggers.extend(list);
        }
        trigger_starts.push(u32::try_from(triggers.len()).ok()?);
        let builder = |kind| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .kind(kind)
                .build(&literals)
        };
        // A DFA is the fastest to run; its size grows with the literals, so
        // fall back to the builder's own choice when it cannot be built.
        let automaton = builder(Some(AhoCorasickKind::DFA)).or_else(|_| builder(None)).ok()?;
        Some(Prefilter { automaton, trigger_starts, triggers, check_starts, checks, check_literals, filtered })
    }

    /// Calls `found` once per pattern all of whose groups occur in `text`,
    /// in increasing pattern order.
    fn candidates(&self, text: &str, mut found: impl FnMut(usize)) {
        let mut fresh = Scratch::default();
        SCRATCH.with(|cell| {
            // Never re-entered; a fresh buffer keeps this panic-free anyway.
            let mut borrowed = cell.try_borrow_mut();
            let scratch = match borrowed.as_deref_mut() {
                Ok(scratch) => scratch,
                Err(_) => &mut fresh,
            };
            let Scratch { seen, seen_list, triggered, triggered_list, folded } = scratch;
            // Literals are folded like `fold`: the automaton ignores ASCII
            // case; the two non-ASCII letters that fold to ASCII are mapped
            // here, on the rare line that has them.
            let haystack = if !text.is_ascii() && text.contains(['\u{17f}', '\u{212a}']) {
                folded.clear();
                folded.extend(text.chars().map(fold_char));
                folded.as_str()
            } else {
                text
            };
            let literal_words = (self.trigger_starts.len() - 1).div_ceil(64);
            if seen.len() < literal_words {
                seen.resize(literal_words, 0);
            }
            let pattern_words = self.filtered.len().div_ceil(64);
            if triggered.len() < pattern_words {
                triggered.resize(pattern_words, 0);
            }
            for m in self.automaton.find_overlapping_iter(haystack) {
                let literal = m.pattern().as_usize();
                let (word, bit) = (literal / 64, 1u64 << (literal % 64));
                if seen[word] & bit != 0 {
                    continue;
                }
                seen[word] |= bit;
                seen_list.push(literal as u32);
                let (from, to) = (self.trigger_starts[literal] as usize, self.trigger_starts[literal + 1] as usize);
                for &pattern in &self.triggers[from..to] {
                    let (word, bit) = (pattern as usize / 64, 1u64 << (pattern % 64));
                    if triggered[word] & bit == 0 {
                        triggered[word] |= bit;
                        triggered_list.push(pattern);
                    }
                }
            }
            triggered_list.sort_unstable();
            let is_seen = |id: u32| seen[id as usize / 64] & (1u64 << (id % 64)) != 0;
            for &pattern in triggered_list.iter() {
                triggered[pattern as usize / 64] = 0;
                let p = pattern as usize;
                let (from, to) = (self.check_starts[p] as usize, self.check_starts[p + 1] as usize);
                let all = self.checks[from..to]
                    .iter()
                    .all(|&(a, b)| self.check_literals[a as usize..b as usize].iter().any(|&id| is_seen(id)));
                if all {
                    found(p);
                }
            }
            triggered_list.clear();
            for &literal in seen_list.iter() {
                seen[literal as usize / 64] = 0;
            }
            seen_list.clear();
        });
    }
}

/// The character a literal or line character stands for in the automaton:
/// the Kelvin sign and the long s, which `(?i)k` and `(?i)s` match, become
/// ASCII (the automaton itself ignores ASCII case).
fn fold_char(c: char) -> char {
    match c {
        '\u{212a}' => 'k',
        '\u{17f}' => 's',
        c => c,
    }
}

/// A literal as the automaton holds it: ASCII lower case, `fold_char` applied.
fn fold(bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.chars().map(fold_char).collect::<String>().into_bytes().to_ascii_lowercase(),
        Err(_) => bytes.to_ascii_lowercase(),
    }
}

/// The pattern without its Unicode word boundaries, when it has any: it
/// matches a superset of the lines the pattern matches.
fn ascii_gate(hir: &Hir) -> Option<String> {
    if !hir.properties().look_set().contains_word_unicode() {
        return None;
    }
    Some(without_unicode_word_looks(hir).to_string())
}

fn without_unicode_word_looks(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode,
        ) => Hir::empty(),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
        // Only whether the line matches counts: groups can go.
        HirKind::Capture(capture) => without_unicode_word_looks(&capture.sub),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(without_unicode_word_looks(&r.sub)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(without_unicode_word_looks).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(without_unicode_word_looks).collect()),
    }
}

// ---- required literals -----------------------------------------------------

/// Strings, ASCII-lower-cased, sorted and without duplicates.
type Set = Vec<Vec<u8>>;

/// What a sub-expression says about the text it matches.
enum Info {
    /// It matches exactly one of these strings (ASCII case aside).
    Exact(Set),
    /// Each of its matches contains a literal of every group.
    Inexact(Vec<Set>),
}

impl Info {
    fn nothing() -> Self {
        Info::Inexact(Vec::new())
    }

    fn into_groups(self) -> Vec<Set> {
        match self {
            Info::Exact(set) if usable(&set) => vec![set],
            Info::Exact(_) => Vec::new(),
            Info::Inexact(groups) => groups,
        }
    }
}

/// The groups used for a pattern: usable, at most [`MAX_GROUPS`], best
/// first. Empty when the pattern has none.
fn required_groups(hir: &Hir) -> Vec<Set> {
    let mut groups: Vec<Set> = info(hir).into_groups().into_iter().filter(usable).collect();
    groups.sort_by_key(|g| Reverse(score(g)));
    let mut kept: Vec<Set> = Vec::new();
    for group in groups {
        if kept.len() < MAX_GROUPS && !kept.contains(&group) {
            kept.push(group);
        }
    }
    kept
}

/// A group is worth searching for when none of its literals is short.
fn usable(group: &Set) -> bool {
    !group.is_empty() && group.len() <= MAX_GROUP_ALTS && group.iter().all(|l| l.len() >= MIN_LITERAL)
}

/// Longer literals are rarer; fewer alternatives are cheaper.
fn score(group: &Set) -> (usize, Reverse<usize>) {
    let shortest = group.iter().map(Vec::len).min().unwrap_or(0);
    (shortest.min(16), Reverse(group.len()))
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::Exact(vec![Vec::new()]),
        HirKind::Literal(literal) => Info::Exact(vec![fold(&literal.0)]),
        HirKind::Class(class) => class_info(class),
        HirKind::Capture(capture) => info(&capture.sub),
        HirKind::Repetition(repetition) => repetition_info(repetition),
        HirKind::Concat(subs) => concat_info(subs),
        HirKind::Alternation(subs) => alternation_info(subs),
    }
}

fn class_info(class: &Class) -> Info {
    // Before folding, `(?i)k` is three characters: k, K and the Kelvin sign.
    let raw_limit = 3 * CLASS_LIMIT;
    let mut set: Set = Vec::new();
    match class {
        Class::Unicode(class) => {
            let mut count = 0usize;
            for range in class.ranges() {
                count += (u32::from(range.end()) - u32::from(range.start())) as usize + 1;
                if count > raw_limit {
                    return Info::nothing();
                }
            }
            for range in class.ranges() {
                for c in range.start()..=range.end() {
                    let mut buf = [0u8; 4];
                    set.push(fold_char(c).encode_utf8(&mut buf).as_bytes().to_ascii_lowercase());
                }
            }
        }
        Class::Bytes(class) => {
            let mut count = 0usize;
            for range in class.ranges() {
                count += usize::from(range.end() - range.start()) + 1;
                if count > raw_limit {
                    return Info::nothing();
                }
            }
            for range in class.ranges() {
                for b in range.start()..=range.end() {
                    set.push(vec![b.to_ascii_lowercase()]);
                }
            }
        }
    }
    set.sort_unstable();
    set.dedup();
    if set.is_empty() || set.len() > CLASS_LIMIT { Info::nothing() } else { Info::Exact(set) }
}

fn repetition_info(repetition: &Repetition) -> Info {
    let sub = info(&repetition.sub);
    match (repetition.min, repetition.max, sub) {
        // `x?`: keeps `colou?r` exact.
        (0, Some(1), Info::Exact(mut set)) => {
            set.push(Vec::new());
            set.sort_unstable();
            set.dedup();
            Info::Exact(set)
        }
        (0, _, _) => Info::nothing(),
        // `x{n}` with a small n: exact when the product stays small.
        (min, Some(max), Info::Exact(set)) if min == max && min <= 4 => {
            let mut run: Set = vec![Vec::new()];
            for _ in 0..min {
                match cross(&run, &set) {
                    Some(product) => run = product,
                    None => return Info::Inexact(Info::Exact(set).into_groups()),
                }
            }
            Info::Exact(run)
        }
        // At least one occurrence: whatever one occurrence requires.
        (_, _, sub) => Info::Inexact(sub.into_groups()),
    }
}

fn concat_info(subs: &[Hir]) -> Info {
    let mut groups: Vec<Set> = Vec::new();
    let mut run: Set = vec![Vec::new()];
    let mut exact = true;
    for sub in subs {
        match info(sub) {
            Info::Exact(set) => match cross(&run, &set) {
                Some(product) => run = product,
                None => {
                    // Too many strings: what is known so far is required,
                    // and a new exact run starts.
                    exact = false;
                    push_group(&mut groups, std::mem::replace(&mut run, set));
                }
            },
            Info::Inexact(sub_groups) => {
                exact = false;
                push_group(&mut groups, std::mem::replace(&mut run, vec![Vec::new()]));
                groups.extend(sub_groups);
            }
        }
    }
    if exact {
        return Info::Exact(run);
    }
    push_group(&mut groups, run);
    Info::Inexact(groups)
}

fn push_group(groups: &mut Vec<Set>, set: Set) {
    if usable(&set) {
        groups.push(set);
    }
}

fn alternation_info(subs: &[Hir]) -> Info {
    let infos: Vec<Info> = subs.iter().map(info).collect();
    let all_exact = infos.iter().all(|i| matches!(i, Info::Exact(_)));
    let mut union: Set = Vec::new();
    for sub in infos {
        match sub {
            Info::Exact(set) if all_exact => union.extend(set),
            // Every branch must name a literal its matches contain: its best group.
            other => match other.into_groups().into_iter().max_by_key(score) {
                Some(best) => union.extend(best),
                None => return Info::nothing(),
            },
        }
        if union.len() > MAX_GROUP_ALTS {
            return Info::nothing();
        }
    }
    union.sort_unstable();
    union.dedup();
    if all_exact && union.len() <= EXACT_LIMIT { Info::Exact(union) } else { Info::Inexact(vec![union]) }
}

/// Every `a` followed by every `b`, or `None` beyond [`EXACT_LIMIT`] strings.
fn cross(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > EXACT_LIMIT {
        return None;
    }
    let mut out: Set = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = Vec::with_capacity(x.len() + y.len());
            s.extend_from_slice(x);
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{LogPatterns, required_groups};

    fn hits(p: &LogPatterns, text: &str) -> Vec<usize> {
        p.matches(text)
    }

    fn groups(pattern: &str) -> Vec<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(pattern).expect("valid");
        required_groups(&hir)
            .into_iter()
            .map(|g| g.into_iter().map(|l| String::from_utf8(l).expect("utf-8")).collect())
            .collect()
    }

    #[test]
    fn compiles_and_attributes() {
        let p = LogPatterns::new(&["(?i)oomkilled", r"^dial tcp \S+: i/o timeout", "x"]).expect("valid");
        assert_eq!(p.len(), 3);
        assert_eq!(hits(&p, "OOMKilled x"), vec![0, 2]);
        // The inline flag of pattern 0 must not leak into pattern 1.
        assert!(hits(&p, "DIAL TCP 1.2.3.4:443: I/O TIMEOUT").is_empty());
        assert!(hits(&p, "nothing here").is_empty());
        assert_eq!(hits(&p, "dial tcp 1.2.3.4:443: i/o timeout"), vec![1]);
    }

    #[test]
    fn rejects_bad_patterns_and_survives_odd_ones() {
        assert!(LogPatterns::new(&["ok", "(unclosed"]).is_err());
        // The syntax check here agrees with the regex crate, error text included.
        for pattern in
            [r"(?-u:\xFF)", r"x{2,1}", r"\", "a**", r"\p{Nope}", r"(?<n>x)(?<n>y)", r"\p{Greek}+", "(?i)", "x{1000}"]
        {
            let ours = LogPatterns::new(&[pattern]).err().map(|e| e.to_string());
            let theirs = regex::Regex::new(pattern).err().map(|e| e.to_string());
            assert_eq!(ours, theirs, "{pattern}");
        }
        let p = LogPatterns::new(&["(?x) oom  # comment", "b"]).expect("each pattern is valid alone");
        assert_eq!(hits(&p, "oom b"), vec![0, 1]);
        assert!(LogPatterns::empty().is_empty());
        assert!(LogPatterns::new(&[]).expect("empty list").matches("x").is_empty());
    }

    #[test]
    fn extracts_required_literals() {
        assert_eq!(groups(r"(?i)\bconnection timed out\b"), vec![vec!["connection timed out"]]);
        assert_eq!(groups(r"\bSIG(?:SEGV|BUS)\b"), vec![vec!["sigbus", "sigsegv"]]);
        // Inner literals, not only prefixes.
        assert_eq!(groups(r"^\s+at org\.postgresql\.\S+\("), vec![vec!["at org.postgresql."]]);
        // Every group is required; the longest come first.
        assert_eq!(
            groups(r"\bredis\b.*\bconnection (refused|reset)\b"),
            vec![vec!["connection refused", "connection reset"], vec!["redis"]]
        );
        // `(?i)s` also matches the long s, folded to `s`: no extra alternatives.
        assert_eq!(
            groups(r"(?i)\bredis\b.*\bconnection (refused|reset)\b"),
            vec![vec!["connection refused", "connection reset"], vec!["redis"]]
        );
        assert_eq!(groups(r#"" 50[234] \d+"#), vec![vec!["\" 502 ", "\" 503 ", "\" 504 "]]);
        assert_eq!(groups("colou?r"), vec![vec!["color", "colour"]]);
        // `(?i)k` also matches the Kelvin sign, which the automaton folds to `k`.
        assert_eq!(groups("(?i)kill"), vec![vec!["kill"]]);
        assert_eq!(groups("\u{212a}ILL"), vec![vec!["kill"]]);
        // No literal of three bytes or more.
        for none in [r"^\d{3}\s", r"\b[0-9a-f]{40}\b", r"^\s*\^+\s*$", "", r"a|bcd", r"(?:error)?\d+", ".*"] {
            assert!(groups(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn case_insensitive_literals_match_any_case() {
        let p = LogPatterns::new(&["(?i)connection refused", "Connection Reset", r"(?i)\bSIGKILL\b"]).expect("valid");
        assert_eq!(hits(&p, "dial: CONNECTION REFUSED"), vec![0]);
        assert_eq!(hits(&p, "dial: Connection refused"), vec![0]);
        // Case-sensitive patterns share the case-blind automaton but stay exact.
        assert!(hits(&p, "connection reset").is_empty());
        assert_eq!(hits(&p, "Connection Reset"), vec![1]);
        assert_eq!(hits(&p, "got sigkill"), vec![2]);
        assert_eq!(hits(&p, "got SIG\u{212a}ILL"), vec![2], "Kelvin sign folds to k");
    }

    /// `fold_char` must know every non-ASCII character that `(?i)` makes
    /// equal to an ASCII letter, or a line holding one would be skipped.
    #[test]
    fn folding_covers_every_non_ascii_variant_of_ascii_letters() {
        let letters = regex::Regex::new("(?i)^[a-z]$").expect("valid");
        let mut buf = [0u8; 4];
        let variants: Vec<char> =
            ('\u{80}'..=char::MAX).filter(|c| letters.is_match(c.encode_utf8(&mut buf))).collect();
        assert_eq!(variants, vec!['\u{17f}', '\u{212a}']);
        for c in variants {
            assert!(super::fold_char(c).is_ascii_lowercase());
        }
        let p = LogPatterns::new(&["(?i)session killed", "Session Killed"]).expect("valid");
        assert_eq!(hits(&p, "ſeſſion \u{212a}illed"), vec![0]);
        assert_eq!(hits(&p, "→ Session Killed"), vec![0, 1]);
        assert_eq!(hits(&p, "Seſſion Killed"), vec![0]);
    }

    #[test]
    fn patterns_without_literals_run_on_every_line() {
        let p = LogPatterns::new(&[r"^\d{3}\s", r"\b[0-9a-f]{8}\b", "panic: "]).expect("valid");
        assert_eq!(hits(&p, "503 Service Unavailable"), vec![0]);
        assert_eq!(hits(&p, "panic: id deadbeef"), vec![1, 2]);
        // More of them than run alone: behind one set, same answers.
        let many: Vec<String> = (0..20).map(|i| format!(r"^\d{{{}}}$", i + 1)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).chain(["timeout"]).collect();
        let p = LogPatterns::new(&refs).expect("valid");
        assert!(p.unfiltered_set.is_some());
        assert_eq!(hits(&p, "12345"), vec![4]);
        assert_eq!(hits(&p, "timeout"), vec![20]);
        assert!(hits(&p, "x").is_empty());
    }

    /// A Unicode `\b` on a non-ASCII line: the gate without it may pass,
    /// the pattern itself decides.
    #[test]
    fn unfiltered_patterns_with_unicode_word_boundaries() {
        let solo = LogPatterns::new(&[r"\b\d{4}\b", "timeout"]).expect("valid");
        assert!(solo.unfiltered[0].gate.is_some());
        let mut many: Vec<String> = (0..12).map(|i| format!(r"^x\d{{{}}}$", i + 1)).collect();
        many.push(r"\b\d{4}\b".to_string());
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let set = LogPatterns::new(&refs).expect("valid");
        assert!(set.unfiltered_set.is_some());
        for (p, id) in [(&solo, 0), (&set, 12)] {
            assert_eq!(hits(p, "code 1234 seen"), vec![id]);
            assert_eq!(hits(p, "→1234←"), vec![id], "arrows are not word characters");
            assert!(hits(p, "é1234é").is_empty(), "é is a word character");
            assert!(hits(p, "12345").is_empty());
        }
    }

    #[test]
    fn extended_mode_patterns_with_comments() {
        let p = LogPatterns::new(&[
            "(?x) missing \\s+ required \\s+ (?: env | config ) # config errors\n",
            "(?x) oom  # no trailing newline",
            "(?x)\n  dial \\s tcp  # the verb\n  .* refused   # the outcome\n",
        ])
        .expect("valid");
        assert_eq!(groups("(?x) missing \\s+ required # c\n"), vec![vec!["required"], vec!["missing"]]);
        assert_eq!(hits(&p, "missing required env HOME"), vec![0]);
        assert_eq!(hits(&p, "oom"), vec![1]);
        assert_eq!(hits(&p, "dial tcp 10.0.0.1:80: connection refused"), vec![2]);
        assert!(hits(&p, "missing  optional env").is_empty());
    }

    #[test]
    fn unicode_lines_and_patterns() {
        let p = LogPatterns::new(&[r"\bMüller\b", r"(?i)échec de connexion", r"\bfailed\b", "東京.*✓"]).expect("valid");
        assert_eq!(hits(&p, "user Jürgen Müller failed"), vec![0, 2]);
        assert_eq!(hits(&p, "ÉCHEC DE CONNEXION à la base"), vec![1]);
        assert_eq!(hits(&p, "région 東京 … ✓"), vec![3]);
        // A Unicode word boundary: `failed` inside a word of non-ASCII letters is no word.
        assert!(hits(&p, "éfailedé").is_empty());
        assert_eq!(hits(&p, "→failed←"), vec![2]);
    }

    #[test]
    fn empty_list_matches_nothing() {
        let p = LogPatterns::new(&[]).expect("empty list");
        assert!(p.is_empty());
        assert_eq!(p.len(), 0);
        assert!(hits(&p, "anything at all").is_empty());
        assert!(hits(&LogPatterns::default(), "").is_empty());
    }

    /// Brute force: every pattern's own regex on every line.
    #[test]
    fn attribution_equals_brute_force_on_a_generated_pack() {
        let pack = generated_pack();
        let refs: Vec<&str> = pack.iter().map(String::as_str).collect();
        let p = LogPatterns::new(&refs).expect("valid pack");
        // Each pattern's own regex, as compiled alone.
        let regexes = &p.patterns;
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut total = 0;
        for _ in 0..1200 {
            let line = generated_line(&mut rng);
            let want: Vec<usize> = (0..regexes.len()).filter(|&i| regexes[i].is_match(&line)).collect();
            total += want.len();
            assert_eq!(hits(&p, &line), want, "line {line:?}");
        }
        assert!(total > 1000, "the corpus must hit patterns often: {total}");
    }

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const WORDS: &[&str] = &[
        "redis",
        "Redis",
        "REDIS",
        "postgres",
        "kafka",
        "connection",
        "Connection",
        "refused",
        "reset",
        "timeout",
        "timed out",
        "error",
        "ERROR",
        "Error:",
        "failed",
        "panic:",
        "at",
        "\tat",
        "org.postgresql.util",
        "SIGSEGV",
        "sigkill",
        "SIG\u{212a}ILL",
        "ſession",
        "refuſed",
        "\u{212a}afka",
        "Müller",
        "東京",
        "é",
        "→",
        "503",
        "\" 502 ",
        "status=500",
        "level=error",
        "\"level\":\"error\"",
        "i/o",
        "oom",
        "OOMKilled",
        "missing",
        "required",
        "env",
        "deadbeef",
        "0x1f",
        "12345",
        " ",
        "  ",
        ":",
        "(",
        ")",
        "-",
    ];

    /// 500 patterns built from the same words, in the shapes of real packs.
    fn generated_pack() -> Vec<String> {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let word = |rng: &mut Rng| regex::escape(WORDS[rng.below(20)].trim());
        let mut pack = Vec::new();
        while pack.len() < 500 {
            let (a, b) = (word(&mut rng), word(&mut rng));
            let p = match rng.below(14) {
                0 => format!(r"(?i)\b{a}\b"),
                1 => format!(r"{a}.*{b}"),
                2 => format!(r"(?i)^{a}\s+{b}"),
                3 => format!(r"\b(?:{a}|{b})\b"),
                4 => format!(r"(?P<first>{a})[:\s]+(?P<second>{b})"),
                5 => format!(r"{a} \d+"),
                6 => format!(r"^\s+at {a}\S*\("),
                7 => format!("(?x) {a} \\s* # the first word\n (?: {b} )? # maybe the second\n"),
                8 => format!(r"(?i){a}[^\n]{{0,20}}\b(?:refused|reset|timed? ?out)\b"),
                9 => format!(r"\b(?:SIG(?:SEGV|KILL|BUS))\b|(?i:oom{a})"),
                10 => r"^\d{3}\s".to_string(),
                11 => format!(r"(?i)(?:status|code)[=:]\s*{}", 500 + rng.below(5)),
                12 => format!(r"[Mm]üller|{a}"),
                _ => format!(r"^(?:{a})?\s*$|^{b}$"),
            };
            pack.push(p);
        }
        pack
    }

    fn generated_line(rng: &mut Rng) -> String {
        let n = 1 + rng.below(8);
        let mut line = String::new();
        for i in 0..n {
            if i > 0 && rng.below(3) > 0 {
                line.push(' ');
            }
            line.push_str(WORDS[rng.below(WORDS.len())]);
        }
        line
    }
}
