//! Fuzz target `chunks`: see `rstscope::fuzzing::chunked_pcap`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rstscope::fuzzing::chunked_pcap(data));
