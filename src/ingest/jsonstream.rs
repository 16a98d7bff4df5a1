// TEMPORARY SHIM — replaced by the real module.
use std::io::Read;
pub struct RawItem { pub bytes: Vec<u8>, pub line: u64, pub index: usize }
#[derive(Default)] pub struct Envelope { pub kind: Option<String>, pub api_version: Option<String> }
pub enum Piece { Item(RawItem), Whole(RawItem) }
#[derive(Debug)] pub struct SplitError { pub line: u64, pub column: u64, pub message: String }
pub struct ItemSplitter<R: Read> { r: Option<R>, env: Envelope, pending: Vec<Piece> }
impl<R: Read> ItemSplitter<R> {
    pub fn new(reader: R) -> Self { ItemSplitter { r: Some(reader), env: Envelope::default(), pending: vec![] } }
    pub fn next_batch(&mut self, max: usize) -> Result<Vec<Piece>, SplitError> {
        if let Some(mut r) = self.r.take() {
            let mut b = Vec::new(); let _ = r.read_to_end(&mut b);
            let v: serde_json::Value = serde_json::from_slice(&b).map_err(|e| SplitError { line: e.line() as u64, column: e.column() as u64, message: e.to_string() })?;
            match v.get("items").and_then(|i| i.as_array()) {
                Some(items) => for (i, it) in items.iter().enumerate() { self.pending.push(Piece::Item(RawItem { bytes: serde_json::to_vec(it).unwrap_or_default(), line: 1, index: i })) },
                None => self.pending.push(Piece::Whole(RawItem { bytes: b, line: 1, index: 0 })),
            }
        }
        let n = self.pending.len().min(max);
        Ok(self.pending.drain(..n).collect())
    }
    pub fn envelope(&self) -> &Envelope { &self.env }
    pub fn trailing_line(&self) -> Option<u64> { None }
}
pub fn locate_fields(_b: &[u8], _l: u64, _d: usize) -> Vec<(String, u64)> { vec![] }
