//! Same input, byte-identical report, whatever the thread count.

mod common;

use podmortem::analyze::{Options, analyze};
use podmortem::ingest::Input;
use podmortem::render::{Format, render};

fn rendered(threads: usize, format: Format) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    pool.install(|| {
        let inputs = vec![Input::Path(common::fixture("demo-bundle")), Input::Path(common::fixture("inputs"))];
        let report = analyze(&inputs, &Options::default()).expect("analysis");
        render(&report, format, false).expect("renders")
    })
}

#[test]
fn reports_are_identical_with_one_and_two_threads() {
    for format in [Format::Json, Format::Markdown, Format::Html, Format::Text] {
        let one = rendered(1, format);
        let two = rendered(2, format);
        assert_eq!(one, two, "{format:?} report differs between 1 and 2 threads");
        assert_eq!(two, rendered(2, format), "{format:?} report differs between two runs");
    }
}

/// Grouping, triggers, timelines and the chart must not depend on thread
/// scheduling either: every incident fixture, every format, 1 and 4 threads.
#[test]
fn incident_reports_are_identical_across_thread_counts() {
    let dir = common::fixture("incidents");
    let mut cases: Vec<_> = std::fs::read_dir(&dir).expect("incidents dir").flatten().map(|e| e.path()).collect();
    cases.sort();
    assert!(cases.len() >= 8, "{cases:?}");
    for case in cases {
        let run = |threads: usize, format: Format| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            pool.install(|| {
                let report = analyze(&[Input::Path(case.clone())], &Options::default()).expect("analysis");
                render(&report, format, false).expect("renders")
            })
        };
        for format in [Format::Json, Format::Html] {
            assert_eq!(run(1, format), run(4, format), "{} {format:?} differs with the thread count", case.display());
        }
    }
}
