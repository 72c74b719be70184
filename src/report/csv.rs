//! CSV output: the offenders table, the connections, the per-second series. Address columns
//! are bare addresses; times are Unix seconds with 6 decimals.

use std::fmt::Write as _;

use super::{Clock, full_diagnosis, unix_secs};
use crate::analysis::Analysis;
use crate::engine::{Cause, ConnRecord};

/// Quotes a field when it needs it (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The offenders table.
pub fn offenders(a: &Analysis, clock: Clock) -> String {
    let mut out = String::from(
        "address,port,rst_packets,refused,handshake_reset,after_close,abort,stray,suspect_injected,\
         attempts,failed_attempts,clients,incidents,first_seen,last_seen,avg_rate,peak_rate,diagnosis\n",
    );
    for o in &a.snapshot.offenders {
        let c = &o.rst_by_cause;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3},{},{}",
            o.addr,
            o.port,
            o.rst_packets,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            o.suspect_injected,
            o.attempts,
            o.failed_attempts,
            o.clients,
            o.incidents,
            unix_secs(o.first_seen),
            unix_secs(o.last_seen),
            o.avg_rate,
            o.peak_rate,
            field(&full_diagnosis(o, a.host.as_deref(), clock))
        );
    }
    out
}

/// The header of the connections table.
pub const CONNECTIONS_HEADER: &str = "orig_h,orig_p,resp_h,resp_p,conn_state,history,rst_count,rst_cause,suspect_injected,start,duration,packets,first_frame";

/// One connection row.
pub fn connection(c: &ConnRecord) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{:.6},{},{}",
        c.orig.0,
        c.orig.1,
        c.resp.0,
        c.resp.1,
        c.state.as_str(),
        field(&c.history),
        c.rst_count,
        c.rst_cause.map_or("", Cause::as_str),
        c.suspect_injected,
        unix_secs(c.start),
        c.duration_ns as f64 / 1e9,
        c.packets,
        c.first_frame
    )
}

/// The per-second series; `seconds` is 60 for a row that sums a minute (rows older than the
/// last hour of packet time in a capture with more than 7,200 seconds of incidents).
pub fn series(a: &Analysis) -> String {
    let mut out = String::from(
        "second,refused,handshake_reset,after_close,abort,stray,rst_total,failed_attempts,suspect_injected,seconds\n",
    );
    let minutes_before = a.snapshot.minutes_before;
    for (sec, c) in &a.snapshot.series {
        let seconds = if minutes_before.is_some_and(|b| *sec < b) {
            60
        } else {
            1
        };
        let _ = writeln!(
            out,
            "{sec},{},{},{},{},{},{},{},{},{seconds}",
            c.rst[0],
            c.rst[1],
            c.rst[2],
            c.rst[3],
            c.rst[4],
            c.rst_total(),
            c.failed,
            c.suspect
        );
    }
    out
}
