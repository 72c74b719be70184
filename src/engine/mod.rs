//! The pure analysis. No I/O, no threads, no wall clock: time is packet time.
