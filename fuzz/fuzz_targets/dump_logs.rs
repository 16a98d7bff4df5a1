#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| podmortem::fuzzing::dump_logs(data));
