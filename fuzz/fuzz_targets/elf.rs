//! Fuzz target `elf`: see `rstscope::fuzzing::elf`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::elf(data));
