//! `--timings`: the wall time of each phase, printed on standard error.
//!
//! Durations only: `Instant` measures elapsed time and never becomes a
//! timestamp in a report, so the report still never depends on the clock.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Timings {
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings { last: Instant::now(), phases: Vec::new() }
    }
}

impl Timings {
    /// Ends the phase that ran since the previous mark.
    pub fn mark(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.phases.push((phase, now - self.last));
        self.last = now;
    }

    pub fn phases(&self) -> &[(&'static str, Duration)] {
        &self.phases
    }

    /// One line per phase and the total, aligned, for a terminal.
    pub fn render(&self) -> String {
        let total: Duration = self.phases.iter().map(|(_, d)| *d).sum();
        let mut out = String::from("podmortem: timings\n");
        for (phase, d) in self.phases.iter().chain(std::iter::once(&("total", total))) {
            let share = if total.is_zero() { 0.0 } else { d.as_secs_f64() / total.as_secs_f64() * 100.0 };
            out.push_str(&format!("  {phase:<8} {:>9.3} s {share:>5.1} %\n", d.as_secs_f64()));
        }
        out
    }
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
