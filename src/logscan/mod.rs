// TEMPORARY SHIM — replaced by the real module.
#[derive(Clone, Debug)] pub struct LogLine { pub number: u64, pub text: String }
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)] pub enum CrashKind { GoPanic, GoFatal, PythonTraceback, JavaException, NodeError, RustPanic, Signal }
pub struct Crash { pub kind: CrashKind, pub line: LogLine, pub context: Vec<LogLine> }
pub struct PatternHit { pub pattern: usize, pub line: LogLine }
#[derive(Default)] pub struct LogDigest { pub lossy: bool, pub truncated_lines: u64, pub lines: u64, pub tail: Vec<LogLine>, pub error_lines: u64, pub fatal_lines: u64, pub crashes: Vec<Crash>, pub hits: Vec<PatternHit> }
impl LogDigest { pub fn decisive(&self, max: usize) -> Vec<&LogLine> { self.tail.iter().rev().take(max).collect() } }
pub struct LogPatterns { set: Vec<regex::Regex> }
impl LogPatterns { pub fn new(p: &[&str]) -> Result<Self, regex::Error> { Ok(LogPatterns { set: p.iter().map(|p| regex::Regex::new(p)).collect::<Result<_,_>>()? }) } pub fn empty() -> Self { LogPatterns { set: vec![] } } pub fn len(&self) -> usize { self.set.len() } }
pub fn scan<R: std::io::BufRead>(r: R, p: &LogPatterns) -> std::io::Result<LogDigest> {
    let mut d = LogDigest::default();
    for (i, l) in r.split(b'\n').enumerate() { let l = String::from_utf8_lossy(&l?).to_string(); d.lines += 1;
        let ll = LogLine { number: i as u64 + 1, text: l.clone() };
        if l.contains("ERROR") { d.error_lines += 1; }
        for (pi, re) in p.set.iter().enumerate() { if re.is_match(&l) { d.hits.push(PatternHit { pattern: pi, line: ll.clone() }); } }
        d.tail.push(ll); if d.tail.len() > 10 { d.tail.remove(0); } }
    Ok(d)
}
pub fn split_timestamp(line: &str) -> (Option<&str>, &str) { (None, line) }
