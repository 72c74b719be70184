//! Fuzz target `file`: see `rstscope::fuzzing::capture_on_disk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::capture_on_disk(data));
