//! Progress on standard error for runs longer than a second: the phase and,
//! while reading, the bytes read of the total.
//!
//! Ingest and the log scan count bytes into process-wide counters, because
//! they run deep inside rayon jobs and archive visitors that have no handle
//! to pass around; counting costs one relaxed atomic add per file or read
//! call. A bar thread (started only by the CLI, on a terminal, without
//! `--quiet`) draws them; library users and tests never see a bar.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

static DONE: AtomicU64 = AtomicU64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);
static PHASE: AtomicUsize = AtomicUsize::new(0);
/// `--batch`: bundles finished. With several bundles read at once, bytes
/// and phases mix, so a batch bar counts bundles instead.
static BUNDLES_DONE: AtomicU64 = AtomicU64::new(0);

/// The phases the bar names, in order.
const PHASES: [&str; 5] = ["reading", "scanning logs", "applying rules", "building the report", "rendering"];

#[derive(Clone, Copy, Debug)]
pub enum Phase {
    Reading = 0,
    ScanningLogs = 1,
    Rules = 2,
    Report = 3,
    Rendering = 4,
}

/// Bytes that will be read (a directory's files, an archive's compressed size).
pub fn expect(bytes: u64) {
    TOTAL.fetch_add(bytes, Ordering::Relaxed);
}

/// Bytes read (or located and left for later).
pub fn advance(bytes: u64) {
    DONE.fetch_add(bytes, Ordering::Relaxed);
}

pub fn phase(phase: Phase) {
    PHASE.store(phase as usize, Ordering::Relaxed);
}

/// A bundle of a batch finished (`Bar::start_batch`).
pub fn bundle_done() {
    BUNDLES_DONE.fetch_add(1, Ordering::Relaxed);
}

/// A reader that counts what passes through it: an archive's compressed bytes.
pub struct Counted<R>(pub R);

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        advance(n as u64);
        Ok(n)
    }
}

/// Zip archives seek to their central directory; a seek reads nothing.
impl<R: std::io::Seek> std::io::Seek for Counted<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(to)
    }
}

/// The bar: drawn after a second, cleared when dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Runs shorter than this show no bar at all.
const SHOW_AFTER: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

impl Bar {
    pub fn start() -> Bar {
        Bar::start_counting(0)
    }

    /// The bar of `--batch`: bundles done of `bundles`.
    pub fn start_batch(bundles: u64) -> Bar {
        Bar::start_counting(bundles)
    }

    fn start_counting(bundles: u64) -> Bar {
        DONE.store(0, Ordering::Relaxed);
        TOTAL.store(0, Ordering::Relaxed);
        PHASE.store(0, Ordering::Relaxed);
        BUNDLES_DONE.store(0, Ordering::Relaxed);
        let batch = bundles > 0;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut waited = Duration::ZERO;
            while waited < SHOW_AFTER {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(TICK);
                waited += TICK;
            }
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
            // `wide_bar` takes what the terminal has left, so the line never wraps.
            let template = if batch {
                "{spinner} bundles {pos:>6}/{len:<6} [{wide_bar}] {elapsed:>3}"
            } else {
                "{spinner} {msg:<19} {binary_bytes:>10}/{binary_total_bytes:<10} [{wide_bar}] {elapsed:>3}"
            };
            let style = indicatif::ProgressStyle::with_template(template).map(|s| s.progress_chars("=> "));
            if let Ok(style) = style {
                bar.set_style(style);
            }
            while !flag.load(Ordering::Relaxed) {
                if batch {
                    bar.set_length(bundles);
                    bar.set_position(BUNDLES_DONE.load(Ordering::Relaxed).min(bundles));
                    bar.tick();
                    std::thread::sleep(TICK);
                    continue;
                }
                let phase = PHASE.load(Ordering::Relaxed);
                bar.set_message(PHASES.get(phase).copied().unwrap_or(""));
                let total = TOTAL.load(Ordering::Relaxed);
                if total > 0 {
                    bar.set_length(total);
                    bar.set_position(DONE.load(Ordering::Relaxed).min(total));
                }
                bar.tick();
                std::thread::sleep(TICK);
            }
            bar.finish_and_clear();
        });
        Bar { stop, thread: Some(thread) }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn counted_readers_add_what_they_read() {
        let before = DONE.load(Ordering::Relaxed);
        let mut out = Vec::new();
        Counted(&b"twelve bytes"[..]).read_to_end(&mut out).expect("reads");
        assert_eq!(out.len(), 12);
        // Other tests may count concurrently: at least ours arrived.
        assert!(DONE.load(Ordering::Relaxed) >= before + 12);
    }
}
