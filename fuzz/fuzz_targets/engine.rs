//! Fuzz target `engine`: see `rstscope::fuzzing::packet_sequence`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::packet_sequence(data));
