//! Fuzz target `decode`: see `rstscope::fuzzing::frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::frame(data));
