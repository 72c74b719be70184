//! rstscope: finds failed TCP connections and TCP resets, says why they happen and which
//! program is involved.
//!
//! `source` (file | live) yields frames, `decode` turns them into [`packet::TcpPacket`]s, the
//! pure `engine` classifies them, and `report` renders what it found.

/// `rstscope agent`: live capture for a monitoring system (Prometheus metrics, reports and
/// evidence over HTTP).
pub mod agent;
/// One capture analyzed end to end: source -> decode -> engine (the file pipeline, kept in
/// `pipeline` beside the jobs that run it; named here for the terminal commands and tests).
pub use pipeline::analysis;
/// Decoding link, IP and TCP headers into a `TcpPacket`; no state.
pub mod decode;
/// The pure analysis: connections, causes, attempts, series and offenders.
pub mod engine;
/// The fuzz targets' bodies, shared with the stable replay of their corpus.
pub mod fuzzing;
/// The machine itself: the kernel's TCP counters and who made each connect, one module per OS.
pub mod host;
/// Packet time and the decoded TCP segment shared by decode and engine.
pub mod packet;
/// Background jobs on named threads, bounded channels, updates to the UI.
pub mod pipeline;
/// Text, JSON and CSV output of an analysis.
pub mod report;
/// What a collection holds at most for a number of entries, for the sums of the caps.
pub mod room;
/// TCP service names by port, from the IANA registry.
pub mod services;
/// Where frames come from: capture files (pure Rust, no libpcap).
pub mod source;
/// Ctrl+C, SIGTERM and SIGHUP for `capture`, `agent` and the app: stop cleanly, or quit at once.
pub mod stop_signals;
/// The desktop app (eframe/egui): plot, offenders table, details, status bar.
#[cfg(feature = "gui")]
pub mod ui;
