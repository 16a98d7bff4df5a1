//! `--timings`: the wall time of each phase, printed on standard error,
//! with the process's peak resident memory at the end of each phase where
//! the system tells it (Linux: `VmHWM` in `/proc/self/status`).
//!
//! Durations only: `Instant` measures elapsed time and never becomes a
//! timestamp in a report, so the report still never depends on the clock.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Timings {
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
    /// Peak resident set size at the end of each phase, in KiB.
    peaks: Vec<Option<u64>>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings { last: Instant::now(), phases: Vec::new(), peaks: Vec::new() }
    }
}

impl Timings {
    /// Ends the phase that ran since the previous mark.
    pub fn mark(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.phases.push((phase, now - self.last));
        self.peaks.push(peak_rss_kib());
        self.last = now;
    }

    pub fn phases(&self) -> &[(&'static str, Duration)] {
        &self.phases
    }

    /// One line per phase and the total, aligned, for a terminal.
    pub fn render(&self) -> String {
        let total: Duration = self.phases.iter().map(|(_, d)| *d).sum();
        let mut out = String::from("podmortem: timings\n");
        let peaks = self.peaks.iter().copied().chain(std::iter::once(self.peaks.last().copied().flatten()));
        for ((phase, d), peak) in self.phases.iter().chain(std::iter::once(&("total", total))).zip(peaks) {
            let share = if total.is_zero() { 0.0 } else { d.as_secs_f64() / total.as_secs_f64() * 100.0 };
            out.push_str(&format!("  {phase:<8} {:>9.3} s {share:>5.1} %", d.as_secs_f64()));
            if let Some(kib) = peak {
                out.push_str(&format!("  peak RSS {:>6} MiB", kib / 1024));
            }
            out.push('\n');
        }
        out
    }
}

/// The process's peak resident set size so far, where the system reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_add_up_to_the_total() {
        let mut t = Timings::default();
        t.mark("ingest");
        t.mark("render");
        let text = t.render();
        assert_eq!(t.phases().len(), 2);
        assert!(text.contains("ingest") && text.contains("render") && text.contains("total"), "{text}");
    }
}
