//! Fuzz target `reader`: see `rstscope::fuzzing::capture_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::capture_file(data));
