//! Rendering an analysis as text, JSON and CSV, and the words shared by every output: how
//! endpoints and times are written, the filters that select an endpoint's packets, and the
//! diagnosis sentence.

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset, Local, TimeZone, Utc};

use crate::analysis::{Analysis, CaptureInfo};
use crate::engine::offenders::ServiceKey;
use crate::engine::{Cause, DiagnosisKind, Dropped, Offender, Scan, ScanKind, SuspectRst};
use crate::host::clients::EndpointClients;
use crate::host::history::ListenerRecord;
use crate::host::journal::OwnerNetNs;
use crate::host::restarts::{
    self, Elsewhere, FailingKind, FailingStart, NetNsUnread, Recovered, RecoveredHow, StartLink,
};
use crate::host::state::{EndpointHost, HostReport};
use crate::packet::{DropKind, Overlay, Timestamp};

/// CSV output.
pub mod csv;
/// The packets behind one endpoint: tcpdump-like lines and pcapng evidence files.
pub mod evidence;
/// The Wireshark and BPF filters that select an endpoint's packets, per link type and encapsulation.
pub mod filters;
/// The JSON object (a stable contract, documented in docs/json.md).
pub mod json;
/// The terminal report.
pub mod text;

/// `a.b.c.d:port` or `[v6]:port` (RFC 5952 text, as Rust's `Ipv6Addr` writes it).
pub fn endpoint(addr: IpAddr, port: u16) -> String {
    let a = address(addr);
    let mut s = String::with_capacity(a.len() + 8);
    let (open, close) = if addr.is_ipv6() {
        ("[", "]:")
    } else {
        ("", ":")
    };
    s.push_str(open);
    s.push_str(&a);
    s.push_str(close);
    s.push_str(itoa::Buffer::new().format(port));
    s
}

/// Interfaces named at most in [`seen_on_words`]; the rest are counted.
pub const SEEN_ON_NAMED: usize = 3;

/// The capture's interfaces that had frames, where there are several; empty for a capture
/// of one interface (whose offenders were all seen on it: nothing to say).
pub fn capture_interfaces(cap: &CaptureInfo) -> Vec<(&str, u64)> {
    let with_frames: Vec<(&str, u64)> = (cap.interfaces.iter())
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| (name.as_str(), *n))
        .collect();
    if with_frames.len() > 1 {
        with_frames
    } else {
        Vec::new()
    }
}

/// The capture's interfaces with their frames as the Capture section lists them, where there
/// are several ([`capture_interfaces`]), or where a Linux `any` capture's frames name several
/// interface indexes: such an interface is listed by its indexes ([`CaptureInfo::index_frames`]),
/// each named as its offenders' `seen on` names it (the capturing machine's name, else `if3`),
/// and the indexes past the ones counted apart together last. Empty where there is one.
pub fn interface_frames(cap: &CaptureInfo) -> Vec<(String, u64)> {
    let mut listed = Vec::new();
    for (i, (name, frames)) in (0u32..).zip(&cap.interfaces) {
        // A file continuing an earlier one's capture (a rotated set): no frames of its own.
        if cap.continued.contains(&i) {
            continue;
        }
        let mut by_index = (cap.index_frames.iter()).filter(|((at, _), _)| *at == i);
        if by_index.clone().next().is_none() {
            if *frames > 0 {
                listed.push((name.clone(), *frames));
            }
            continue;
        }
        listed.extend(
            by_index
                .by_ref()
                .map(|(place, n)| (place_name(cap, *place), *n)),
        );
    }
    if cap.other_index_frames > 0 {
        listed.push(("other interface indexes".to_owned(), cap.other_index_frames));
    }
    if listed.len() > 1 { listed } else { Vec::new() }
}

/// The name of a place of [`Snapshot::places`](crate::engine::Snapshot::places): its capture
/// interface's, or for a Linux `any` capture's interface index, the name the capturing machine
/// gave it where the capture says ([`CaptureInfo::index_names`]), else `if3`, as its packet
/// lines name it.
fn place_name(cap: &CaptureInfo, (interface, index): (u32, u32)) -> String {
    if index == 0 {
        return (cap.interfaces.get(interface as usize)).map_or_else(
            || format!("interface {interface}"),
            |(name, _)| name.clone(),
        );
    }
    (cap.index_names.iter())
        .find(|(i, x, _)| (*i, *x) == (interface, index))
        .map_or_else(|| format!("if{index}"), |(_, _, name)| name.clone())
}

/// The names of the interfaces `o`'s attempts, resets and dropped packets were seen on, in
/// the capture's order, where the capture has several with frames ([`capture_interfaces`]) or
/// is a Linux `any` capture (whose frames say the interface each was seen on) whose attempts
/// and resets came on several; empty otherwise. Places past [`SeenOn::LATER`](crate::engine::SeenOn::LATER) are not told apart:
/// one entry says them.
pub fn seen_on(o: &Offender, a: &Analysis) -> Vec<String> {
    let several = !capture_interfaces(&a.capture).is_empty();
    seen_on_named(o, &a.snapshot.places, several, |p| {
        place_name(&a.capture, p)
    })
}

/// [`seen_on`] with the engine's `places`, whether the capture has `several` interfaces with
/// frames, and each place named by `name`: also for `--endpoint`'s own reading.
pub fn seen_on_named(
    o: &Offender,
    places: &[(u32, u32)],
    several: bool,
    name: impl Fn((u32, u32)) -> String,
) -> Vec<String> {
    // One capture interface with frames: something to say only where it is a Linux `any`
    // capture whose attempts and resets came on several of its interfaces.
    if !several && places.len() < 2 {
        return Vec::new();
    }
    let mut seen: Vec<(u32, u32)> = (o.seen_on.places())
        .filter_map(|i| places.get(i as usize).copied())
        .collect();
    seen.sort_unstable();
    let mut names: Vec<String> = seen.into_iter().map(name).collect();
    if o.seen_on.later() {
        names.push(format!(
            "interfaces past the first {}",
            crate::engine::SeenOn::LATER
        ));
    }
    names
}

/// [`seen_on`] in words, `seen on lo`, `seen on eth0 and docker0`, `seen on eth0, docker0,
/// veth1 and 2 more` (at most [`SEEN_ON_NAMED`] named); `None` where there is nothing to say.
pub fn seen_on_words(o: &Offender, a: &Analysis) -> Option<String> {
    seen_on_listed(&seen_on(o, a))
}

/// [`seen_on_words`] of a list of names.
pub fn seen_on_listed(names: &[String]) -> Option<String> {
    let (named, more) = names.split_at(names.len().min(SEEN_ON_NAMED));
    let list = match (named, more.len()) {
        ([], _) => return None,
        ([one], 0) => one.clone(),
        (named, 0) => {
            let (last, rest) = named.split_last()?;
            format!("{} and {last}", rest.join(", "))
        }
        (named, n) => format!("{} and {n} more", named.join(", ")),
    };
    Some(format!("seen on {list}"))
}

/// An endpoint's name, the one way every output writes it: [`endpoint`], then the overlay
/// network of the tunnel its packets came in where there is one (`10.42.0.2:7211 (VXLAN vni
/// 42)`): two tenants' overlays may number their machines alike.
pub fn endpoint_in(addr: IpAddr, port: u16, overlay: Overlay) -> String {
    let mut s = endpoint(addr, port);
    if !overlay.is_none() {
        s.push_str(" (");
        s.push_str(&overlay.words());
        s.push(')');
    }
    s
}

/// A machine's address with the overlay network it is in, as [`endpoint_in`] names an
/// endpoint: `10.42.0.1 (VXLAN vni 42)`; the address alone outside tunnels.
pub fn host_in(addr: IpAddr, overlay: Overlay) -> String {
    let mut s = address(addr);
    if !overlay.is_none() {
        s.push_str(" (");
        s.push_str(&overlay.words());
        s.push(')');
    }
    s
}

/// [`endpoint_in`] of an offender.
pub fn offender_name(o: &Offender) -> String {
    endpoint_in(o.addr, o.port, o.overlay)
}

/// `addr` as its `Display` writes it, at a fraction of the cost for IPv4 (the reports write
/// an address or two into every offender's fields, filters and sentence; `Display` writes an
/// IPv4 address in seven pieces, each growing the string).
pub fn address(addr: IpAddr) -> String {
    let mut s = String::with_capacity(if addr.is_ipv4() { 15 } else { 39 });
    write_address(&mut s, addr);
    s
}

/// [`address`], written at the end of `out`.
pub fn write_address(out: &mut String, addr: IpAddr) {
    match addr {
        IpAddr::V4(a) => {
            for (i, octet) in a.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(itoa::Buffer::new().format(octet));
            }
        }
        IpAddr::V6(a) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{a}");
        }
    }
}

pub use filters::{
    BpfFilter, bpf_filter, bpf_filters, bpf_lines, decode_as_words, wireshark_decode_as,
    wireshark_filter,
};

/// How times are written for people: local time with its UTC offset, or UTC; and, for a
/// capture whose packets fall on more than one day, with their date (see
/// [`Clock::for_capture`]): a time of day alone does not say which day it is then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The machine's local time zone.
    Local,
    /// UTC.
    Utc,
    /// Local time, each time written whole with its offset, as RFC 3339
    /// (`2024-05-01T15:13:13+02:00`): see [`stamped`](Self::stamped).
    LocalStamped,
    /// UTC, each time written whole, as RFC 3339 (`2024-05-01T13:13:13Z`).
    UtcStamped,
    /// Local time, every time with its date.
    LocalDated,
    /// UTC, every time with its date.
    UtcDated,
}

impl Clock {
    /// This clock's zone with each time written whole (date, time and offset, RFC 3339), for
    /// text read away from any header that names the zone: the diagnosis sentences in the JSON
    /// and CSV, which a team reads on other hosts and in other zones ("22:18:33" there says
    /// neither the day nor the zone).
    #[must_use]
    pub fn stamped(self) -> Self {
        match self.zone_only() {
            Clock::Utc => Clock::UtcStamped,
            _ => Clock::LocalStamped,
        }
    }

    /// True for the clocks that write each time whole ([`stamped`](Self::stamped)).
    fn is_stamped(self) -> bool {
        matches!(self, Clock::LocalStamped | Clock::UtcStamped)
    }

    /// This clock for a capture from `first` to `last` (its first and last packet): dated
    /// when they fall on different days in it ([`Clock::spans_days`]), so that every time the
    /// report, the sentences and the app write carries its date; else as it is. A stamped
    /// clock writes every date already.
    pub fn for_capture(self, first: Option<Timestamp>, last: Option<Timestamp>) -> Clock {
        if self.is_stamped() {
            return self;
        }
        let dated = first.zip(last).is_some_and(|(a, b)| self.spans_days(a, b));
        match (self.zone_only(), dated) {
            (Clock::Utc, true) => Clock::UtcDated,
            (_, true) => Clock::LocalDated,
            (zone, false) => zone,
        }
    }

    /// The zone alone: [`Clock::Local`] or [`Clock::Utc`], without dates or stamps.
    pub fn zone_only(self) -> Clock {
        match self {
            Clock::Local | Clock::LocalDated | Clock::LocalStamped => Clock::Local,
            Clock::Utc | Clock::UtcDated | Clock::UtcStamped => Clock::Utc,
        }
    }

    /// Every time carries its date ([`Clock::for_capture`]).
    pub fn is_dated(self) -> bool {
        matches!(self, Clock::LocalDated | Clock::UtcDated)
    }

    /// In UTC (dated, stamped or not).
    pub fn is_utc(self) -> bool {
        self.zone_only() == Clock::Utc
    }

    /// `ts` as a date and time in this clock's zone.
    pub fn datetime(self, ts: Timestamp) -> DateTime<FixedOffset> {
        let secs = ts.0.div_euclid(Timestamp::NANOS_PER_SEC);
        let nanos = ts.0.rem_euclid(Timestamp::NANOS_PER_SEC) as u32;
        let utc = Utc.timestamp_opt(secs, nanos).single().unwrap_or_default();
        if self.is_utc() {
            utc.fixed_offset()
        } else {
            utc.with_timezone(&Local).fixed_offset()
        }
    }

    /// `ts` as RFC 3339 to the second (or with `millis`), `Z` for UTC.
    fn rfc3339(self, ts: Timestamp, millis: bool) -> String {
        let digits = if millis {
            chrono::SecondsFormat::Millis
        } else {
            chrono::SecondsFormat::Secs
        };
        self.datetime(ts).to_rfc3339_opts(digits, self.is_utc())
    }

    /// `2024-05-01 15:13:13.123456 +02:00`.
    pub fn full(self, ts: Timestamp) -> String {
        self.full_to(ts, 6)
    }

    /// [`Clock::full`] to `digits` of the second ([`fraction`]): `2024-05-01 15:13:13.123
    /// +02:00` in a capture whose files record milliseconds
    /// ([`crate::analysis::CaptureInfo::time_digits`]).
    pub fn full_to(self, ts: Timestamp, digits: u8) -> String {
        let d = self.datetime(ts);
        format!(
            "{}{} {}",
            d.format("%Y-%m-%d %H:%M:%S"),
            fraction(ts, digits),
            d.format("%:z")
        )
    }

    /// `15:13:13`; `2024-05-01 15:13:13` when dated (stamped: `2024-05-01T15:13:13+02:00`).
    pub fn time(self, ts: Timestamp) -> String {
        if self.is_stamped() {
            return self.rfc3339(ts, false);
        }
        if self.is_dated() {
            return self.date_time(ts);
        }
        self.datetime(ts).format("%H:%M:%S").to_string()
    }

    /// When a listener was seen, from `first` to `last` in the words given ("from 10:01:02
    /// until 10:05:00"); "seen at 10:01:02 only" where one sample saw it: a time, not a span
    /// from it to itself.
    pub fn seen(self, first: Timestamp, last: Timestamp, from: &str, to: &str) -> String {
        if first == last {
            format!("seen at {} only", self.time(last))
        } else {
            format!("{from} {} {to} {}", self.time(first), self.time(last))
        }
    }

    /// `2024-05-01 15:13:13` (stamped: `2024-05-01T15:13:13+02:00`).
    pub fn date_time(self, ts: Timestamp) -> String {
        if self.is_stamped() {
            return self.rfc3339(ts, false);
        }
        self.datetime(ts).format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// `15:13:13.123`; `2024-05-01 15:13:13.123` when dated (stamped:
    /// `2024-05-01T15:13:13.123+02:00`).
    pub fn time_ms(self, ts: Timestamp) -> String {
        if self.is_stamped() {
            return self.rfc3339(ts, true);
        }
        let format = if self.is_dated() {
            "%Y-%m-%d %H:%M:%S%.3f"
        } else {
            "%H:%M:%S%.3f"
        };
        self.datetime(ts).format(format).to_string()
    }

    /// A range of times: `15:13:13-15:13:22`, with dates when it spans days; `15:13:13`
    /// within one second (not `15:13:13-15:13:13`). Dated, a range within one day carries
    /// its date too ([`Clock::range_in`]). Stamped: `2024-05-01T15:13:13Z to
    /// 2024-05-01T15:13:22Z` (a `-` between two dates would read as one of theirs).
    pub fn range(self, a: Timestamp, b: Timestamp) -> String {
        if self.is_dated() {
            return self.zone_only().range_in(a, b, true);
        }
        if a.second() == b.second() {
            return self.time(a);
        }
        if self.is_stamped() {
            return format!("{} to {}", self.time(a), self.time(b));
        }
        let (da, db) = (self.datetime(a), self.datetime(b));
        if da.date_naive() == db.date_naive() {
            format!("{}-{}", da.format("%H:%M:%S"), db.format("%H:%M:%S"))
        } else {
            format!(
                "{}-{}",
                da.format("%Y-%m-%d %H:%M:%S"),
                db.format("%Y-%m-%d %H:%M:%S")
            )
        }
    }

    /// True when `first` and `last` (a capture's first and last packet) fall on different days
    /// in this clock: a time of day alone does not say which day it is then.
    pub fn spans_days(self, first: Timestamp, last: Timestamp) -> bool {
        self.datetime(first).date_naive() != self.datetime(last).date_naive()
    }

    /// [`range`](Self::range) in a capture that spans days when `dated`
    /// ([`spans_days`](Self::spans_days)): a range within one day carries its date too
    /// (`2024-05-01 15:13:13-15:13:22`, `2024-05-01 15:13:13`), as one across days does.
    pub fn range_in(self, a: Timestamp, b: Timestamp, dated: bool) -> String {
        if self.is_stamped() {
            return self.range(a, b);
        }
        let (dated, clock) = (dated || self.is_dated(), self.zone_only());
        let range = clock.range(a, b);
        if dated && !clock.spans_days(a, b) {
            format!("{} {range}", self.datetime(a).format("%Y-%m-%d"))
        } else {
            range
        }
    }

    /// The UTC offset in force at `ts`, e.g. `+02:00`.
    pub fn offset(self, ts: Timestamp) -> String {
        self.datetime(ts).format("%:z").to_string()
    }

    /// The zone of a time as text read away from the app writes it: `UTC`, `UTC+02:00`.
    pub fn zone(self, ts: Timestamp) -> String {
        if self.is_utc() {
            "UTC".to_owned()
        } else {
            format!("UTC{}", self.offset(ts))
        }
    }

    /// From `a` to `b` with the date and the zone, for text read where the app's axis and
    /// header are not (a ticket): `2024-05-01 15:13:13 to 15:13:22 (UTC+02:00)`, the second
    /// date only when it differs, each time's zone when a clock change falls between them,
    /// `at 2024-05-01 15:13:13 (UTC+02:00)` within one second.
    pub fn dated_range(self, a: Timestamp, b: Timestamp) -> String {
        let (da, db) = (self.datetime(a), self.datetime(b));
        let first = da.format("%Y-%m-%d %H:%M:%S").to_string();
        if a.second() == b.second() {
            return format!("at {first} ({})", self.zone(a));
        }
        let last = if da.date_naive() == db.date_naive() {
            db.format("%H:%M:%S").to_string()
        } else {
            db.format("%Y-%m-%d %H:%M:%S").to_string()
        };
        let (za, zb) = (self.zone(a), self.zone(b));
        if za == zb {
            format!("{first} to {last} ({za})")
        } else {
            format!("{first} ({za}) to {last} ({zb})")
        }
    }
}

/// `clock` for the report of `a`: dated where its packets fall on more than one day
/// ([`Clock::for_capture`]), so that every time of the report carries its date.
pub fn clock_for(a: &crate::analysis::Analysis, clock: Clock) -> Clock {
    let t = &a.snapshot.totals;
    clock.for_capture(t.first_ts, t.last_ts)
}

/// The fraction of the second of `ts` to `digits`, at most 9 (nanoseconds, as `tcpdump
/// --nano` writes them), cut: `.234` to 3 digits, `.234567` to 6, `.234567891` to 9, nothing
/// to 0. A file that records milliseconds (Network Monitor 1.x, a pcapng `if_tsresol` of 3)
/// knows no more: its times written to the microsecond (`.234000`) said digits it does not
/// have; one that records nanoseconds, its times cut to the microsecond, hid three it has.
/// (JSON and CSV times keep microseconds: [`unix_secs`].)
pub fn fraction(ts: Timestamp, digits: u8) -> String {
    let digits = u32::from(digits.min(9));
    if digits == 0 {
        return String::new();
    }
    let nanos = ts.0.rem_euclid(Timestamp::NANOS_PER_SEC);
    let part = nanos / 10i64.pow(9 - digits);
    format!(".{part:0width$}", width = digits as usize)
}

/// Unix seconds with 6 decimals, as JSON and CSV write times: the nanoseconds cut (toward
/// zero) to microseconds, so that -0.5 s is `-0.500000` and every i64 time prints exactly.
pub fn unix_secs(ts: Timestamp) -> String {
    let (negative, secs, micros) = unix_parts(ts);
    let sign = if negative { "-" } else { "" };
    format!("{sign}{secs}.{micros:06}")
}

/// What [`unix_secs`] writes: whether a `-` comes first, the whole seconds and the
/// microseconds.
pub(crate) fn unix_parts(ts: Timestamp) -> (bool, u64, u64) {
    let nanos = ts.0.unsigned_abs();
    let per_sec = Timestamp::NANOS_PER_SEC.unsigned_abs();
    let (secs, micros) = (nanos / per_sec, nanos % per_sec / 1000);
    (ts.0 < 0 && (secs, micros) != (0, 0), secs, micros)
}

/// A rate per second for people: `2.0/s`, `0.05/s`; a rate too low to read per second is
/// given per hour or day (`12/h`, `0.5/day`) rather than as `0.00/s`.
pub fn rate(r: f64) -> String {
    // Grouped as the counts beside it ("3,000/s", not "3000/s" beside "peak 3,000/s").
    if r >= 999.5 {
        format!("{}/s", thousands(r.round() as u64))
    } else if r >= 10.0 {
        format!("{r:.0}/s")
    } else if r >= 0.1 {
        format!("{r:.1}/s")
    } else if r >= 0.01 || r <= 0.0 {
        format!("{r:.2}/s")
    } else {
        // Per hour when at least one an hour, else per day.
        let (n, unit) = [(3600.0, "h"), (86_400.0, "day")]
            .into_iter()
            .map(|(secs, unit)| (r * secs, unit))
            .find(|&(n, _)| n >= 1.0)
            .unwrap_or((r * 86_400.0, "day"));
        if n >= 10.0 {
            format!("{n:.0}/{unit}")
        } else if n >= 0.1 {
            format!("{n:.1}/{unit}")
        } else {
            format!("{n:.3}/{unit}")
        }
    }
}

/// How long a capture lasted, from `first` to `last` packet: `15.0 s` (tenths, under two
/// minutes), else as [`approx_duration`] rounds it; under a second in milliseconds (`12 ms`,
/// `2.5 ms`, up to `999 ms`: never `1.0 s`), under one in microseconds (`172 µs`, as the
/// app's connections say how long each lasted: "under 1 ms" beside a connection of "172 µs"
/// spoke two clock languages), `0 ms` for one instant ("0.0 s" read as no time at all). Its
/// span, not the seconds it touched (a capture from 22:13:20.9 to 22:13:35.9 lasted 15.0 s,
/// though it touched 16 seconds): the text report's time line and the app's headline say
/// the same.
pub fn capture_span(first: Timestamp, last: Timestamp) -> String {
    let secs = (i128::from(last.0) - i128::from(first.0)) as f64 / 1e9;
    let ms = secs * 1000.0;
    if secs <= 0.0 {
        "0 ms".to_owned()
    } else if ms < 0.9995 {
        // At least 1 µs: a file's clock tells no less (nanosecond files round up).
        format!("{:.0} µs", (ms * 1000.0).max(1.0))
    } else if ms < 9.95 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        // Under a second in milliseconds to the last (999.6 ms rounded to "1.0 s" read
        // "its 10,000 incidents all lie within 1.0 s, less than a second").
        format!("{:.0} ms", ms.min(999.0))
    } else if secs < 120.0 {
        format!("{secs:.1} s")
    } else {
        approx_duration(secs as i64)
    }
}

/// Whether a capture from `first` to `last` lasted less than a second: too short for a rate
/// per second, which would say what a second of it would hold (a 12 ms capture of one failed
/// attempt is not "1.0/s"; the counts in it are said instead).
pub fn under_a_second(first: Timestamp, last: Timestamp) -> bool {
    i128::from(last.0) - i128::from(first.0) < i128::from(Timestamp::NANOS_PER_SEC)
}

/// Whether `o`'s incidents all lie within less than a second (a single one included): no
/// average per second is made of them, as none is of a capture under a second (three refusals
/// 12 ms apart were "avg 3.0/s"); their count, peak and times say it.
pub fn incidents_within_a_second(o: &Offender) -> bool {
    under_a_second(o.first_seen, o.last_seen)
}

/// `o`'s average rate as it is shown beside its first and last incident: `1.0/s`; where
/// nothing was captured for a while between them ([`Offender::avg_over`]), with the time it is
/// over: `1.0/s over the 2 s captured` (two resets four days apart "at 1.0/s" read as wrong).
pub fn avg_rate_words(o: &Offender) -> String {
    rate_over_words(o.avg_rate, o.avg_over)
}

/// An average rate `avg` as [`avg_rate_words`] says an offender's, `over` the seconds captured
/// it is over where that is not from its first second to its last.
pub fn rate_over_words(avg: f64, over: Option<i64>) -> String {
    match over {
        Some(secs) => format!("{} over the {} captured", rate(avg), approx_duration(secs)),
        None => rate(avg),
    }
}

/// The seconds `o`'s average rate is over: its first to last second, or the seconds captured
/// between them where nothing was captured for a while ([`Offender::avg_over`]): the JSON's
/// `avg_rate_seconds` and the CSV's column of that name.
pub(crate) fn avg_rate_seconds(o: &Offender) -> i64 {
    o.avg_over.unwrap_or_else(|| {
        (o.last_seen.second().saturating_sub(o.first_seen.second())).saturating_add(1)
    })
}

/// How long `o`'s incidents lasted, first to last, as [`capture_span`] says it (`12 ms`).
pub fn incidents_span(o: &Offender) -> String {
    capture_span(o.first_seen, o.last_seen)
}

/// A span for people: `10 s`, `12 min`, `3.5 h`, `2.1 days`.
pub fn approx_duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", (s + 30) / 60),
        s if s < 172_800 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{:.1} days", s as f64 / 86400.0),
    }
}

/// A size for people, in powers of 1024 as Windows Explorer and disk quotas count them:
/// `512 B`, `19.7 KiB`, `1.1 GiB`. The one way every output and the window write sizes.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// An error with the causes under it, `: `-separated (the Windows service manager's errors
/// say "IO error in winapi call" and keep the OS's reason as their source), the OS's errors
/// among them as [`os_error`] writes them: the text goes into a sentence of rstscope's.
pub fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let text = |e: &(dyn std::error::Error + 'static)| {
        e.downcast_ref::<std::io::Error>()
            .map_or_else(|| e.to_string(), os_error)
    };
    let mut s = text(e);
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&text(c));
        cause = c.source();
    }
    s
}

/// Why a capture read to its end has no TCP packet, as the app's plot and the terminal
/// report both say it: no packets at all, other traffic only, or frames rstscope could not
/// decode (a link type it does not read), so that such a capture is not taken for one
/// without resets.
pub fn no_tcp_text(c: &crate::analysis::CaptureInfo) -> String {
    let part = if c.cancelled {
        "in the part read"
    } else {
        "in this capture"
    };
    if c.frames == 0 {
        return format!("No packets {part}.");
    }
    let frames = match c.frames {
        1 => "its only frame".to_owned(),
        n => format!("its {} frames", thousands(n)),
    };
    let not_decoded = c.not_decoded_total();
    let Some(why) = c
        .not_decoded
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(why, _)| why)
    else {
        let are = if c.frames == 1 { "is" } else { "are" };
        return format!("No TCP packets {part}: {frames} {are} other traffic (ARP, UDP, ICMP...).");
    };
    let undecoded = match (not_decoded == c.frames, c.frames) {
        (true, 1) => format!("{frames} could not be decoded"),
        (true, _) => format!("none of {frames} could be decoded"),
        (false, _) => format!(
            "{} of {frames} could not be decoded, the others are other traffic",
            thousands(not_decoded)
        ),
    };
    format!(
        "No TCP packets could be read {part}: {undecoded} ({why}), so resets and failed \
         connections in them are not counted."
    )
}

/// A count of any unsigned type as text for people writes it: thousands grouped (`307,200`).
/// Every count the text outputs show goes through it or [`thousands`] (or [`plural`]): the
/// same number was written `307,200 frames` in one line and `307200` in the next. Written
/// bare, as they are looked up or typed elsewhere: ports, PIDs, addresses, times, byte
/// offsets and sizes in bytes, sequence numbers, link type numbers, a scan's range of ports.
/// JSON and CSV write every number bare (their sentences, for people, as text does).
pub fn grouped<N: TryInto<u64>>(n: N) -> String {
    thousands(n.try_into().unwrap_or(u64::MAX))
}

/// `1234567` -> `1,234,567` (see [`grouped`]).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An OS error as a clause of rstscope's own sentence: the system's words without their full
/// stop, then the code. Windows ends its messages with one ("The system cannot find the file
/// specified. (os error 2)"), which read as a sentence ended inside rstscope's, before its
/// advice ("...; check its name"); Linux's and macOS's have none.
pub fn os_error(e: &std::io::Error) -> String {
    os_words(&e.to_string())
}

/// [`os_error`] of an error's text: `Words. (os error N)` -> `Words (os error N)`, and a
/// message of its own without a code loses its full stop too (not an ellipsis).
fn os_words(text: &str) -> String {
    let (words, code) = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text.split_at(i),
        _ => (text, ""),
    };
    let words = words.trim_end();
    let words = match words.strip_suffix('.') {
        Some(w) if !w.ends_with('.') => w,
        _ => words,
    };
    format!("{words}{code}")
}

/// Why `path` could not be written and what to do about it, for the person who chose it:
/// "the folder /proc takes no new files: choose another folder (No such file or directory
/// (os error 2))". The OS's words alone ("No such file or directory" for a folder that
/// exists but refuses new files) say neither which of the two is meant nor what to do.
pub fn write_error(path: &std::path::Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let folder = dir.display();
    let (why, todo) = match e.kind() {
        _ if crate::source::held_open(e) => (
            "another program has the file open".to_owned(),
            "close it there (Excel keeps a CSV it shows locked, Wireshark a capture), or save \
             under another name",
        ),
        ErrorKind::NotFound if dir.is_dir() => (
            format!("the folder {folder} takes no new files"),
            "choose another folder",
        ),
        ErrorKind::NotFound | ErrorKind::NotADirectory => (
            format!("the folder {folder} does not exist"),
            "choose an existing folder",
        ),
        ErrorKind::PermissionDenied => (
            format!("no permission to write in {folder}"),
            "choose a folder of your own, such as your home or Documents folder",
        ),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => (
            "the disk is full".to_owned(),
            "free some space or choose a folder on another disk",
        ),
        ErrorKind::ReadOnlyFilesystem => (
            format!("the disk of {folder} is read-only"),
            "choose a folder on another disk",
        ),
        ErrorKind::IsADirectory => ("that name is a folder".to_owned(), "choose a file name"),
        ErrorKind::InvalidFilename => (
            "the name is not allowed there".to_owned(),
            "choose another name",
        ),
        _ => (
            "the file could not be written".to_owned(),
            "choose another folder",
        ),
    };
    format!("{why}: {todo} ({})", os_error(e))
}

/// `n` with the noun that fits it, thousands grouped as the table writes them: "1 reset",
/// "2 resets", "1,234 resets".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// How many clients a sentence may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole capture: every count is the offender's own.
    Whole,
    /// A time range cut out of the capture ([`Offender::restricted`]): the counts are the
    /// range's; `clients_known` says whether `clients` is too (clients are not counted per
    /// second, so an endpoint with several clients in the capture has an unknown number in a
    /// range, and the sentence leaves it out); the connecting processes' counts are the whole
    /// capture's and are said to be.
    Range {
        /// `clients` counts the range's clients.
        clients_known: bool,
    },
}

impl Scope {
    /// What the counts of `o` cover: a time range when it was cut to one
    /// ([`Offender::restricted`]: the agent's `/report?since=`), else the whole capture.
    /// Clients are not counted per second, so a range knows them only when there is one.
    #[must_use]
    pub fn of(o: &Offender) -> Self {
        if o.rst_conns_by_cause.is_some() {
            Self::Whole
        } else {
            Self::Range {
                clients_known: o.clients <= 1,
            }
        }
    }
}

/// The clients of `o` as its sentence says them after "from" or "with": "client 127.0.0.1",
/// "clients 10.0.0.1 and 10.0.0.2" where it knows them all and they are few
/// ([`Offender::few_clients`]), else their count, "3 clients", "at least 65,536 clients"; a
/// sentence of one kind of several says the clients are counted over all the incidents.
fn clients(o: &Offender) -> String {
    let named: Vec<String> = o
        .few_clients
        .iter()
        .flatten()
        .map(|&a| address(a))
        .collect();
    let n = if !named.is_empty() && named.len() as u64 == o.clients && !o.clients_at_least {
        if named.len() == 1 {
            format!("client {}", named[0])
        } else {
            format!("clients {}", and_list(&named))
        }
    } else {
        let n = plural(o.clients, "client", "clients");
        if o.clients_at_least {
            format!("at least {n}")
        } else {
            n
        }
    };
    // Clients are counted over all the endpoint's incidents, not per kind: say so when the
    // sentence names one kind of several.
    let kinds = [
        o.failed_refused,
        o.failed_unanswered,
        o.failed_reset + o.rst_by_cause[Cause::HandshakeReset.index()],
        o.rst_by_cause[Cause::AfterClose.index()],
        o.rst_by_cause[Cause::Abort.index()],
        o.rst_by_cause[Cause::Stray.index()],
    ];
    if o.clients > 1 && kinds.iter().filter(|&&k| k > 0).count() > 1 {
        format!("{n} over all its incidents")
    } else {
        n
    }
}

/// What became of the `rest` attempts a port did not refuse, none of them accepted: "the other
/// one got no answer", "of the other 3, 2 got no answer and 1 was reset during the handshake".
fn other_attempts(o: &Offender, rest: u64) -> String {
    let pending = rest.saturating_sub(o.failed_unanswered + o.failed_reset);
    let cut = o.cut_off_attempts().min(o.failed_unanswered);
    let parts: Vec<(u64, &str, &str)> = [
        (o.failed_unanswered - cut, "got no answer", "got no answer"),
        (
            cut,
            "got no answer before the capture ended",
            "got no answer before the capture ended",
        ),
        (
            o.failed_reset,
            "was reset during the handshake",
            "were reset during the handshake",
        ),
        (pending, "is not answered yet", "are not answered yet"),
    ]
    .into_iter()
    .filter(|&(n, ..)| n > 0)
    .collect();
    match parts[..] {
        [(_, one, many)] => match rest {
            1 => format!("the other one {one}"),
            _ => format!("the other {} {many}", thousands(rest)),
        },
        _ => {
            let said: Vec<String> = parts
                .iter()
                .map(|&(n, one, many)| plural(n, one, many))
                .collect();
            match said.split_last() {
                Some((last, first)) if !first.is_empty() => {
                    format!(
                        "of the other {}, {} and {last}",
                        thousands(rest),
                        first.join(", ")
                    )
                }
                _ => format!("the other {} did not complete", thousands(rest)),
            }
        }
    }
}

/// How long the attempts of `o` that the capture's end cut off (`n` of them) had waited for
/// an answer since their first SYN (a retransmission is no new start): "0.7 s after its first
/// SYN", "0.6 to 0.7 s after their first SYN", "less than 0.1 s after its first SYN" (the
/// SYN the capture ended with). Tenths are cut, not rounded: 9.96 s is short of the 10 s
/// after which an attempt is given up on, and reads "9.9 s".
fn cut_off_wait(o: &Offender, n: u64) -> String {
    let (least, most) = o.cut_off_waited_ns().unwrap_or_default();
    let tenths = |ns: i64| ns / (Timestamp::NANOS_PER_SEC / 10);
    let secs = |t: i64| format!("{}.{}", t / 10, t % 10);
    let whose = if n == 1 {
        "its first SYN"
    } else {
        "their first SYN"
    };
    match (tenths(least), tenths(most)) {
        (_, 0) => format!("less than 0.1 s after {whose}"),
        (a, b) if a == b => format!("{} s after {whose}", secs(b)),
        (0, b) => format!("up to {} s after {whose}", secs(b)),
        (a, b) => format!("{} to {} s after {whose}", secs(a), secs(b)),
    }
}

/// When the incidents of `kind` at `o` happened, "2.0/s, 22:18:38-22:18:47" or "at 22:18:38",
/// where they are not all its incidents: a sentence about 20 refusals gives their rate and
/// times, not those of the 31 incidents with the aborts of the crash before them. Failed
/// attempts in phases, the service answering between them (refused before it started, then
/// again after it stopped): the last phase's rate and times, then the earlier ones' count
/// ("19 at 2.0/s, 22:18:38-22:18:47; 1 earlier, at 22:18:30"), not a rate averaged over the time
/// it served. `None` when they are all its incidents in one phase, or its series cannot say
/// (whole minutes there, older seconds dropped to bound memory): the sentence then gives the
/// endpoint's. Attempts given up on beside others the capture's end cut off: the times of
/// those given up on, which the sentence counts (the others are told apart).
fn kind_when(o: &Offender, kind: DiagnosisKind, clock: Clock) -> Option<String> {
    let (mut total, count): (u64, fn(&crate::engine::SecondCounts) -> u32) = match kind {
        DiagnosisKind::Refused => (o.failed_refused, |c| c.failed_by[0]),
        DiagnosisKind::Unanswered => (o.failed_unanswered, |c| c.failed_by[2]),
        DiagnosisKind::HandshakeReset => (o.rst_by_cause[Cause::HandshakeReset.index()], |c| {
            c.rst[Cause::HandshakeReset.index()]
        }),
        DiagnosisKind::Abort => (o.rst_by_cause[Cause::Abort.index()], |c| {
            c.rst[Cause::Abort.index()]
        }),
        DiagnosisKind::AfterClose => (o.rst_by_cause[Cause::AfterClose.index()], |c| {
            c.rst[Cause::AfterClose.index()]
        }),
        DiagnosisKind::Stray => (o.rst_by_cause[Cause::Stray.index()], |c| {
            c.rst[Cause::Stray.index()]
        }),
        DiagnosisKind::Injected => (o.suspect_injected, |c| c.suspect),
        // Drops and late answers are not counted per second apart from the endpoint's other
        // incidents.
        DiagnosisKind::Dropped | DiagnosisKind::LateAnswer => return None,
    };
    // Per second, the cut-off attempts to leave out.
    let cut = o.cut_off_attempts().min(o.failed_unanswered);
    let leave_cut_out = kind == DiagnosisKind::Unanswered && cut > 0 && cut < total;
    if leave_cut_out {
        total -= cut;
    }
    let cut_at = |second: i64| {
        (o.cut_off.iter())
            .filter(|c| leave_cut_out && c.second == second)
            .map(|c| c.attempts)
            .sum::<u64>()
    };
    if total == 0 {
        return None;
    }
    // Attempts that fail while the service is down: a second in which it answered others,
    // and failed none, ends a phase.
    let phased = matches!(
        kind,
        DiagnosisKind::Refused | DiagnosisKind::Unanswered | DiagnosisKind::HandshakeReset
    );
    let (mut first, mut last, mut n) = (None, 0, 0u64);
    let mut earlier: Option<(i64, i64, u64)> = None;
    let mut served = false;
    for &(second, ref c) in o.series.iter() {
        let k = u64::from(count(c)).saturating_sub(cut_at(second));
        if k == 0 {
            served |= phased && first.is_some() && c.completed > 0;
            continue;
        }
        if std::mem::take(&mut served) {
            let (from, _, k) = earlier.unwrap_or((first.unwrap_or(second), 0, 0));
            earlier = Some((from, last, k + n));
            (first, n) = (None, 0);
        }
        first.get_or_insert(second);
        last = second;
        n += k;
    }
    let first = first?;
    let start = earlier.map_or(first, |(from, _, _)| from);
    let whole_minutes = o.minutes_before.is_some_and(|m| start < m);
    let before = earlier.map_or(0, |(_, _, k)| k);
    if whole_minutes || n + before != total || (earlier.is_none() && total >= o.incidents) {
        return None;
    }
    // Nothing captured for a while between the endpoint's first and last incident: the
    // seconds captured in a part of that span are not known here, so the rate of one part
    // would be over a gap. The whole's (over the time captured) is said instead.
    if o.avg_over.is_some() {
        return None;
    }
    let at = |second: i64| Timestamp::from_parts(second, 0);
    let when = |first: i64, last: i64, n: u64| {
        if first == last {
            format!("at {}", clock.time(at(last)))
        } else {
            let span = (last - first + 1) as f64;
            format!(
                "{}, {}",
                rate(n as f64 / span),
                clock.range(at(first), at(last))
            )
        }
    };
    let mut text = when(first, last, n);
    if let Some((from, to, k)) = earlier {
        // "9 at 1.8/s, 07:43:26-07:43:30; 3 earlier, ...", "2 at 07:43:26; 3 earlier, ...":
        // the count the earlier one's is beside.
        text = if first == last {
            format!("{} {text}", thousands(n))
        } else {
            format!("{} at {text}", thousands(n))
        };
        let times = if from == to {
            format!("at {}", clock.time(at(from)))
        } else {
            clock.range(at(from), at(to))
        };
        text.push_str(&format!("; {} earlier, {times}", thousands(k)));
    }
    Some(text)
}

/// The connections of `o` with a RST of `cause`, when known (not over a time range).
fn conns(o: &Offender, cause: Cause) -> Option<u64> {
    o.rst_conns_by_cause
        .map(|c| c[cause.index()])
        .filter(|&k| k > 0)
}

/// The diagnosis of one offender as it is copied out of the app into a ticket: its sentence
/// ([`full_diagnosis_in`]), when it was seen with the date and the zone, which the sentence's
/// bare times leave to the screen around it, and in which capture (`capture`, its files'
/// names; empty for a live capture), which a ticket's reader cannot see either.
pub fn diagnosis_to_copy(sentence: &str, o: &Offender, clock: Clock, capture: &str) -> String {
    let seen = clock.dated_range(o.first_seen, o.last_seen);
    if capture.is_empty() {
        format!("{sentence} Seen {seen}.")
    } else {
        format!("{sentence} Seen {seen} in {capture}.")
    }
}

/// A capture's files as a copied diagnosis names them ([`diagnosis_to_copy`]): `trace.pcap`,
/// `a.pcap and b.pcap`, `a.pcap and 3 more files`; empty for none (a live capture).
pub fn capture_files(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [first, rest @ ..] => format!("{first} and {} more files", rest.len()),
    }
}

/// The diagnosis of one offender in one plain sentence, with its evidence.
pub fn diagnosis(o: &Offender, clock: Clock) -> String {
    diagnosis_in(o, clock, Scope::Whole)
}

/// [`diagnosis`] of an offender counted over `scope`. A scan's target is told as the scan
/// first ([`scan_sentence`]): the port alone would be one arbitrary piece of it.
pub fn diagnosis_in(o: &Offender, clock: Clock, scope: Scope) -> String {
    diagnosis_knowing(o, clock, scope, Stopped::Unseen)
}

/// [`diagnosis_in`]; `stopped`: the machine saw the listener stop before the refusals, and
/// nothing listen on the port after it, so refusals among accepted connections are said to
/// follow its stop, not that it "stopped or restarted".
fn diagnosis_knowing(o: &Offender, clock: Clock, scope: Scope, stopped: Stopped) -> String {
    let own = endpoint_diagnosis(o, clock, scope, stopped);
    match &o.scan {
        Some(scan) => format!("{} {own}", scan_sentence(scan, clock)),
        None => own,
    }
}

/// A target of a scan: a port, or a server's address in a sweep.
fn target(kind: ScanKind, key: ServiceKey) -> String {
    match kind {
        ScanKind::Ports { .. } => key.1.to_string(),
        ScanKind::Sweep { .. } => key.0.to_string(),
    }
}

/// `n` targets of `kind`, each way they answered with the first of them named.
fn scan_answers(scan: &Scan) -> String {
    let named = |keys: &[ServiceKey], n: u64| {
        let list: Vec<String> = keys.iter().map(|k| target(scan.kind, *k)).collect();
        let more = n.saturating_sub(keys.len() as u64);
        if more > 0 {
            format!("{} and {} more", list.join(", "), thousands(more))
        } else {
            list.join(", ")
        }
    };
    let mut parts = Vec::new();
    if scan.open() > 0 {
        let unacknowledged = if scan.reset_by_client == scan.half_open {
            "reset by the client instead of acknowledged"
        } else {
            "never acknowledged by the client"
        };
        let how = match (scan.completed, scan.half_open) {
            (_, 0) => "the client completed the handshake: a connect scan".to_owned(),
            (0, _) => format!("answered with a SYN-ACK {unacknowledged}: a half-open SYN scan"),
            (c, h) => format!(
                "{c} where the client completed the handshake, {h} answered with a SYN-ACK {unacknowledged}"
            ),
        };
        parts.push(format!(
            "{} open ({how}): {}",
            thousands(scan.open()),
            named(&scan.open_named, scan.open())
        ));
    }
    if scan.refused > 0 {
        parts.push(format!(
            "{} refused (closed): {}",
            thousands(scan.refused),
            named(&scan.refused_named, scan.refused)
        ));
    }
    // Probes the capture's end cut off are not told filtered: nothing waited for them.
    let given_up = scan.unanswered.saturating_sub(scan.unanswered_at_end);
    if given_up > 0 {
        parts.push(format!("{} got no answer (filtered)", thousands(given_up)));
    }
    if scan.unanswered_at_end > 0 {
        parts.push(format!(
            "{} got no answer before the capture ended, {TOO_SOON}",
            thousands(scan.unanswered_at_end)
        ));
    }
    if scan.other > 0 {
        parts.push(format!(
            "{} reset by the client before any answer",
            thousands(scan.other)
        ));
    }
    let told = scan.open() + scan.refused + scan.unanswered + scan.other;
    if scan.targets > told {
        parts.push(format!(
            "{} not answered yet",
            thousands(scan.targets - told)
        ));
    }
    parts.join("; ")
}

/// One client's probes of many ports of a server (or of one port on many servers) in one
/// sentence, with its evidence: who, what, how fast, and how the targets answered.
pub fn scan_sentence(scan: &Scan, clock: Clock) -> String {
    let count = if scan.targets_at_least {
        format!("at least {}", thousands(scan.targets))
    } else {
        thousands(scan.targets)
    };
    let range = format!(
        "({} to {})",
        target(scan.kind, scan.lowest),
        target(scan.kind, scan.highest)
    );
    // A scan is found within one overlay network, which its targets carry: its client and
    // server are named in it, as the endpoints are ("10.42.0.2:7211 (VXLAN vni 42)"): two
    // tenants may number their machines alike.
    let network = scan.lowest.2;
    let (what, unit) = match scan.kind {
        ScanKind::Ports { server } => (
            format!("{count} ports {range} of {}", host_in(server, network)),
            "ports",
        ),
        ScanKind::Sweep { port } => {
            let service = crate::services::name(port)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            (
                format!("port {port}{service} on {count} hosts {range}"),
                "hosts",
            )
        }
    };
    let when = match (scan.first_seen, scan.last_seen) {
        (Some(f), Some(l)) if f.second() != l.second() => {
            // How long it took, as every span is said (a 0.43 s sweep was "in 2 s", the
            // seconds it touched); under a second, no rate per second is made of it, as none
            // is of an endpoint's incidents.
            let took = capture_span(f, l);
            if under_a_second(f, l) {
                format!(" in {took} ({})", clock.range(f, l))
            } else {
                format!(
                    " in {took} ({}, {})",
                    scan_rate_words(scan, unit),
                    clock.range(f, l)
                )
            }
        }
        (Some(f), _) => format!(" at {}", clock.time(f)),
        _ => String::new(),
    };
    let kind = match scan.kind {
        ScanKind::Ports { .. } => "a port scan",
        ScanKind::Sweep { .. } => "a sweep",
    };
    format!(
        "{} probed {what}{when}: {kind}. {}.{}{}",
        host_in(scan.client, network),
        scan_answers(scan),
        scan_retried(scan),
        scan_not_kept(scan)
    )
}

/// Which of a scan's targets the endpoint table did not keep (with a leading space), or
/// nothing: the tally counted them, but the offenders, their counts and series (the app's row
/// of the scan) hold only the others, so a row's "5,500 refused" beside the sentence's 10,498
/// says why.
fn scan_not_kept(scan: &Scan) -> String {
    if scan.not_kept == 0 {
        return String::new();
    }
    let why = "more endpoints were seen than the endpoint table keeps, and those with the fewest \
               incidents went first";
    let kept = scan.targets.saturating_sub(scan.not_kept);
    if kept == 0 {
        return format!(
            " None of its targets were kept as endpoints ({why}): the per-client tally counted \
             them."
        );
    }
    format!(
        " Of its targets, {} were not kept as endpoints ({why}): the endpoints' own counts, \
         series and lists hold the other {}.",
        thousands(scan.not_kept),
        thousands(kept)
    )
}

/// `scan`'s rate in `unit`s (`ports`, `hosts`) with the seconds it is over
/// ([`rate_span_words`]): `12 ports/s over 4 seconds`; where nothing was captured for a while
/// between its first and last incident ([`Scan::rate_over`]), the time captured, as an
/// endpoint's ([`avg_rate_words`]): `13 hosts/s over the 3 s captured` (a sweep over two
/// stretches four days apart was "10.0 hosts/day"). Regression (fix-s50's review): "27 hosts
/// in 3.0 s (6.8 hosts/s" read as a wrong division, the rate being over the 4 seconds from
/// its first to its last, both counted.
fn scan_rate_words(scan: &Scan, unit: &str) -> String {
    let r = rate(scan.rate());
    let r = match r.split_once('/') {
        Some((n, per)) => format!("{n} {unit}/{per}"),
        None => r,
    };
    format!("{r} over {}", rate_span_words(scan))
}

/// The seconds a scan's rate is over, in words: "4 seconds" (its first to its last second,
/// both counted, as every rate is: beside its exact duration, "27 hosts in 3.0 s (6.8
/// hosts/s" read as a wrong division), or "the 3 s captured" across a gap.
pub fn rate_span_words(scan: &Scan) -> String {
    match scan.rate_over {
        Some(secs) => format!("the {} captured", approx_duration(secs)),
        None => plural(scan.rate_seconds().unsigned_abs(), "second", "seconds"),
    }
}

/// A scan as one row names it: its client and server ("172.16.0.8 → 64.13.134.52", a port
/// scan) or its client and port ("10.0.0.5 → port 22", a sweep), with their overlay network.
pub fn scan_name(scan: &Scan) -> String {
    let network = scan.lowest.2;
    let client = host_in(scan.client, network);
    match scan.kind {
        ScanKind::Ports { server } => format!("{client} → {}", address(server)),
        ScanKind::Sweep { port } => format!("{client} → port {port}"),
    }
}

/// A scan's kind in words: "port scan", "sweep".
pub fn scan_kind_words(kind: ScanKind) -> &'static str {
    match kind {
        ScanKind::Ports { .. } => "port scan",
        ScanKind::Sweep { .. } => "sweep",
    }
}

/// A target of a scan as its sentence names it: a port, or a server's address in a sweep.
pub fn scan_target(kind: ScanKind, key: ServiceKey) -> String {
    target(kind, key)
}

/// [`scan_sentence`] in a few words, for a table's cell: "port scan of 1,000 ports: 3 open,
/// 4 refused, 993 no answer".
pub fn scan_gist(scan: &Scan) -> String {
    let at_least = if scan.targets_at_least { "≥" } else { "" };
    let unit = match scan.kind {
        ScanKind::Ports { .. } => "ports",
        ScanKind::Sweep { .. } => "hosts",
    };
    let mut parts = Vec::new();
    for (n, what) in [
        (scan.open(), "open"),
        (scan.refused, "refused"),
        (scan.unanswered, "no answer"),
        (scan.other, "given up"),
    ] {
        if n > 0 {
            parts.push(format!("{} {what}", thousands(n)));
        }
    }
    // Before the answers: a table's cell cuts the end off.
    let not_kept = match scan.not_kept {
        0 => String::new(),
        n => format!(" ({} not kept)", thousands(n)),
    };
    format!(
        "{} of {at_least}{} {unit}{not_kept}: {}",
        scan_kind_words(scan.kind),
        thousands(scan.targets),
        parts.join(", ")
    )
}

/// The endpoints a scan left out because its client tried them again and again (with a
/// leading space), or nothing: why a port of the scan's range is an offender of its own.
fn scan_retried(scan: &Scan) -> String {
    let Some(&(first, attempts)) = scan.retried_named.first() else {
        return String::new();
    };
    let unit = match scan.kind {
        ScanKind::Ports { .. } => "port",
        ScanKind::Sweep { .. } => "host",
    };
    let typical = match scan.typical_attempts {
        0 | 1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{} times", thousands(n)),
    };
    if scan.retried == 1 {
        return format!(
            " Not one of its targets: {}, tried {} times where the scan tried each {unit} {typical}, \
             is an offender of its own.",
            target(scan.kind, first),
            thousands(attempts)
        );
    }
    let list: Vec<String> = scan
        .retried_named
        .iter()
        .map(|&(k, n)| format!("{} ({} attempts)", target(scan.kind, k), thousands(n)))
        .collect();
    let more = scan.retried.saturating_sub(scan.retried_named.len() as u64);
    let more = if more > 0 {
        format!(" and {} more", thousands(more))
    } else {
        String::new()
    };
    format!(
        " Not among its targets: {}{more}, tried again and again where the scan tried each {unit} \
         {typical}, are offenders of their own.",
        list.join(", ")
    )
}

/// What a refusal of every attempt means: the end of its sentence, and its gist.
const NOTHING_LISTENING: &str = "nothing was listening on that port";
/// The same where the machine that captured did not tell what listened there: a firewall that
/// rejects with a reset (iptables' and nftables' `reject with tcp-reset`, a network firewall's
/// reject action) answers a SYN as a closed port does.
const NOTHING_LISTENING_UNSEEN: &str = "nothing was listening on that port, or a firewall \
     rejected with a reset (a capture shows both alike)";
/// The same where the capture holds resets and SYN-ACKs to compare, but their TTLs do not tell
/// ([`RefusedBy::Unclear`]): followed by what they were.
const NOTHING_LISTENING_UNSEEN_SHORT: &str =
    "nothing was listening on that port, or a firewall rejected with a reset";

/// What refusals mean whose resets came with another TTL than the server's host's answers.
const FIREWALL_ON_THE_WAY: &str = "a firewall on the way rejected them with a reset";
/// [`NOTHING_LISTENING_UNSEEN`] in a few words, for a table's cell: the sentence's "or" kept,
/// since nothing in the capture tells the two apart. The few words of refusals are whole in
/// the Diagnosis column's least width (some 42 characters: a window of 800 or 1024 points).
const NOTHING_LISTENING_UNSEEN_GIST: &str = "closed port or firewall: cannot tell which";
/// [`FIREWALL_ON_THE_WAY`] in a few words.
const FIREWALL_ON_THE_WAY_GIST: &str = "rejected by a firewall on the way";
/// What refusals mean, in a few words, whose resets came from farther than the SYN-ACKs of
/// their address ([`RefusedBy::Farther`]): behind what answers the SYNs there (a load
/// balancer's or SYN proxy's backend), whether a closed port or a firewall there made them.
const REFUSED_BEHIND: &str = "refused behind the address, not on the way";
/// The same of the one refusal of an endpoint.
const FIREWALL_ON_THE_WAY_ONCE: &str = "a firewall on the way rejected it with a reset";

/// [`FIREWALL_ON_THE_WAY`] of `n` refusals.
fn firewall_on_the_way(n: u64) -> &'static str {
    if n == 1 {
        FIREWALL_ON_THE_WAY_ONCE
    } else {
        FIREWALL_ON_THE_WAY
    }
}

/// Where `o`'s refusals came from, as their TTL (hop limit) tells against the TTLs of its
/// host's SYN-ACKs on any port ([`Offender::host_ttl`]). A host's TCP answers a SYN with one
/// initial TTL over one path, whether with a SYN-ACK or a closed port's reset; a firewall on
/// the way answers from elsewhere. Where either kind came with more than one TTL (ECMP paths
/// of different lengths, several hosts or a load balancer behind one address), one hop more
/// or less is no evidence: the TTL cannot tell.
enum RefusedBy {
    /// The one TTL of the host's SYN-ACKs: made on that host, by its TCP or a firewall of
    /// its own.
    TheHost { ttl: u8 },
    /// One TTL, not the one of the host's SYN-ACKs: made by something else. A router or
    /// firewall on the way sends with the same initial TTL from fewer hops (one fewer: 64
    /// where the server's come with 63), another system with another initial TTL. A
    /// difference of 1 is the usual one, where an injected reset's evidence asks 2 (a
    /// path's length can change within a connection, a host's hops to a client do not
    /// between two of its ports).
    OnTheWay { ttl: u8, host: u8 },
    /// One TTL, lower than the host's SYN-ACKs' one of the same initial TTL: made farther
    /// from the capture than what answers SYNs for that address, not on the way to it (a
    /// backend behind a load balancer or SYN proxy that answers the SYNs itself).
    Farther { ttl: u8, host: u8 },
    /// The resets or the SYN-ACKs came with more than one TTL: the TTL cannot tell.
    Unclear { resets: (u8, u8), host: (u8, u8) },
}

fn refusals_from(o: &Offender) -> Option<RefusedBy> {
    // Loopback has no way between: its resets are the host's own, which says nothing new.
    if o.addr.is_loopback() {
        return None;
    }
    let resets = o.refusal_ttl.bounds()?;
    let host = o.host_ttl.bounds()?;
    Some(match (resets, host) {
        ((ttl, most), (answer, host_most)) if ttl == most && answer == host_most => {
            if ttl == answer {
                RefusedBy::TheHost { ttl }
            } else if ttl < answer && initial_ttl(ttl) == initial_ttl(answer) {
                RefusedBy::Farther { ttl, host: answer }
            } else {
                RefusedBy::OnTheWay { ttl, host: answer }
            }
        }
        _ => RefusedBy::Unclear { resets, host },
    })
}

/// What the TTLs of `o`'s refusals tell against its host's SYN-ACKs, as the JSON's
/// `refusal_ttl.made` says it: `host`, `on-the-way`, `cannot-tell` (more than one TTL of
/// either), `None` where there is nothing to compare (no SYN-ACK of its host, loopback).
pub(crate) fn refusals_made(o: &Offender) -> Option<&'static str> {
    Some(match refusals_from(o)? {
        RefusedBy::TheHost { .. } => "host",
        RefusedBy::OnTheWay { .. } => "on-the-way",
        RefusedBy::Farther { .. } => "farther",
        RefusedBy::Unclear { .. } => "cannot-tell",
    })
}

/// The initial TTL a sender most likely used for a packet that arrived with `ttl`: the
/// nearest of the usual ones (Linux and macOS 64, Windows 128, network devices 255) at or
/// above it.
fn initial_ttl(ttl: u8) -> u8 {
    [32, 64, 128].into_iter().find(|&i| ttl <= i).unwrap_or(255)
}

/// "1 hop nearer the capture than that host" (`ttl` above `host`), as far as two TTLs of one
/// initial TTL tell (`what`: "TTL", or IPv6's "hop limit").
fn hops_apart(ttl: u8, host: u8, what: &str) -> String {
    if initial_ttl(ttl) != initial_ttl(host) {
        return format!(
            "by another system than that host (another initial {what}: {} where it sends with {})",
            initial_ttl(ttl),
            initial_ttl(host)
        );
    }
    let n = ttl.abs_diff(host);
    let hops = if n == 1 { "hop" } else { "hops" };
    format!("{n} {hops} nearer the capture than that host")
}

/// `63`, or `62 to 64`.
fn ttls((least, most): (u8, u8)) -> String {
    if least == most {
        least.to_string()
    } else {
        format!("{least} to {most}")
    }
}

/// What refusals of every attempt of `o` mean, as far as the machine that captured told
/// (`stopped`) and, where it told nothing, as the resets' TTL tells against the host's
/// SYN-ACKs: a closed port's reset comes from the server's host, with the TTL of its
/// SYN-ACKs; a firewall's on the way with another (tests/fixtures/firewall-reject.pcap). The
/// sentence says what it rests on.
fn refusals_meaning(o: &Offender, stopped: Stopped) -> String {
    if stopped != Stopped::Unseen {
        return NOTHING_LISTENING.to_owned();
    }
    // IPv6 has no TTL but a hop limit, counted the same way.
    let ttl = if o.addr.is_ipv6() { "hop limit" } else { "TTL" };
    // One refusal's reset, or several (a SYN sent again may be refused twice).
    let came = if o.rst_by_cause[Cause::Refused.index()] == 1 {
        "the reset came"
    } else {
        "the resets came"
    };
    match refusals_from(o) {
        Some(RefusedBy::TheHost { ttl: t }) => format!(
            "{NOTHING_LISTENING} ({came} with {ttl} {t}, as the server host's SYN-ACKs on any \
             port: made on that host, by its TCP or a firewall of its own, not on the way)"
        ),
        Some(RefusedBy::OnTheWay { ttl: t, host }) => format!(
            "{} ({came} with {ttl} {t}, where the server host's SYN-ACKs on any port came with \
             {host}: made {}, not by a closed port there)",
            firewall_on_the_way(o.failed_refused),
            hops_apart(t, host, ttl)
        ),
        Some(RefusedBy::Farther { ttl: t, host }) => {
            let n = host - t;
            format!(
                "{NOTHING_LISTENING_UNSEEN_SHORT} ({came} with {ttl} {t}, {n} {} \
                 farther from the capture than the server host's SYN-ACKs on any port, with \
                 {host}: made behind what answers the SYNs for that address, as a load \
                 balancer's or SYN proxy's backend, not by a firewall on the way)",
                if n == 1 { "hop" } else { "hops" }
            )
        }
        Some(RefusedBy::Unclear { resets, host }) => {
            let which = match (resets.0 != resets.1, host.0 != host.1) {
                (true, true) => "both",
                (true, false) => "the resets",
                _ => "the SYN-ACKs",
            };
            format!(
                "{NOTHING_LISTENING_UNSEEN_SHORT} ({came} with {ttl} {}, the server \
                 host's SYN-ACKs on any port with {}: with {which} of more than one {ttl}, as \
                 over paths of different lengths or from several hosts behind one address, the \
                 {ttl} cannot tell them apart)",
                ttls(resets),
                ttls(host)
            )
        }
        None => NOTHING_LISTENING_UNSEEN.to_owned(),
    }
}

/// What refusals of every attempt of `o` mean, in a few words: the conclusion of
/// [`refusals_meaning`], claiming no more than it does. Where the TTLs cannot tell a closed
/// port from a firewall, neither does this ("Nothing was listening on that port" was the
/// short form of "... or a firewall rejected with a reset ..., the TTL cannot tell them
/// apart"). Loopback's too: its resets are the host's own, but whether its TCP made them for
/// a closed port or a firewall rule of its own (`reject with tcp-reset` on `lo`) the sentence
/// cannot tell, and says so ("a capture shows both alike"). Regression (s47, the sample
/// capture in the app): its row read "Nothing was listening on that port" beside that
/// sentence.
fn refusals_gist(o: &Offender, stopped: Stopped) -> String {
    if stopped != Stopped::Unseen {
        return NOTHING_LISTENING.to_owned();
    }
    match refusals_from(o) {
        Some(RefusedBy::TheHost { .. }) => NOTHING_LISTENING.to_owned(),
        Some(RefusedBy::OnTheWay { .. }) => FIREWALL_ON_THE_WAY_GIST.to_owned(),
        Some(RefusedBy::Farther { .. }) => REFUSED_BEHIND.to_owned(),
        Some(RefusedBy::Unclear { .. }) => {
            let ttls = if o.addr.is_ipv6() {
                "hop limits"
            } else {
                "TTLs"
            };
            format!("closed port or firewall: {ttls} cannot tell")
        }
        None => NOTHING_LISTENING_UNSEEN_GIST.to_owned(),
    }
}

/// What refusals among accepted connections mean.
const PART_OF_THE_TIME: &str =
    "nothing was listening on that port part of the time (the service stopped or restarted)";
/// What they mean where the machine saw the listener go and nothing listen after it: the
/// sentence that follows names it and says until when it was seen.
const AFTER_IT_STOPPED: &str = "nothing was listening on that port after the service stopped";
/// The same where the machine also saw it start after the first refusals.
const BEFORE_AND_AFTER: &str =
    "nothing was listening on that port before the service started and after it stopped";
/// What they mean where the machine saw the listener start after the last refusal, nothing
/// listen before it, and it still listens.
const BEFORE_IT_STARTED: &str = "nothing was listening on that port before the service started";
/// What they mean where the machine saw the listener stop before the refusals and a listener
/// start after the last of them, which still listens: the service fixed.
const UNTIL_STARTED_AGAIN: &str =
    "nothing was listening on that port after the service stopped, until it was started again";
/// What attempts with no answer mean.
const NO_ANSWER: &str = "a firewall drops them, the host is down, or its listen queue is full";
/// The same of one attempt.
const NO_ANSWER_ONCE: &str = "a firewall drops it, the host is down, or its listen queue is full";

/// [`NO_ANSWER`] of `n` attempts.
fn no_answer(n: u64) -> &'static str {
    if n == 1 { NO_ANSWER_ONCE } else { NO_ANSWER }
}
/// What attempts answered right after a SYN sent again mean, in a few words.
const QUEUE_OVERFLOWED: &str = "its listen queue overflowed";
/// Why a full listen queue drops SYNs, to end its sentence.
const QUEUE_WHY: &str = "A listening socket's kernel drops SYNs while its queue of \
     connections not yet accepted is full (the program does not call accept() fast enough, or \
     its backlog is too small for the bursts); a SYN rate limit on the way drops them alike";
/// What attempts answered long after their last SYN mean.
const SLOW_ANSWER: &str = "a slow path or a slow host (the SYN-ACKs came long after the last \
     SYN, not right after a SYN sent again: the SYNs were answered slowly rather than dropped)";
/// The same of one attempt (a time range's, as the whole capture's may be many).
const SLOW_ANSWER_ONCE: &str = "a slow path or a slow host (the SYN-ACK came long after the \
     last SYN, not right after a SYN sent again: the SYN was answered slowly rather than dropped)";

/// [`SLOW_ANSWER`] of `n` attempts.
fn slow_answer(n: u64) -> &'static str {
    if n == 1 {
        SLOW_ANSWER_ONCE
    } else {
        SLOW_ANSWER
    }
}
/// What SYNs the capturing host dropped on their way in mean.
const DROPPED_SYNS: &str = "a firewall rule (Windows Defender Firewall, WFP) or a filter driver \
     drops them before any program sees them, so the clients get no answer and time out";
/// The same of one SYN.
const DROPPED_SYN: &str = "a firewall rule (Windows Defender Firewall, WFP) or a filter driver \
     drops it before any program sees it, so the client gets no answer and times out";
/// What SYNs the capturing host dropped on their way out mean.
const DROPPED_OWN_SYNS: &str = "this host's own connection attempts never left it: an outbound \
     firewall rule or a filter driver drops them";
/// The same of one SYN: one attempt.
const DROPPED_OWN_SYN: &str = "this host's own connection attempt never left the host: an \
     outbound firewall rule or a filter driver drops it";
/// What RSTs the capturing host dropped on their way out mean.
const DROPPED_RSTS: &str = "nothing listens on that port, and the refusals never left this host \
     (a firewall that drops its resets, as Windows Firewall's stealth mode does), so the clients \
     get no answer instead of a refusal and wait until they time out";
/// The same of one RST.
const DROPPED_RST: &str = "nothing listens on that port, and the refusal never left this host \
     (a firewall that drops its resets, as Windows Firewall's stealth mode does), so the client \
     gets no answer instead of a refusal and waits until it times out";
/// What RSTs the capturing host dropped on their way in mean.
const DROPPED_INCOMING_RSTS: &str = "the resets reached this host but not the program they were \
     for (a firewall or a filter driver dropped them on their way in), so it got no answer \
     instead of a refusal and waits until it times out";
/// The same of one RST.
const DROPPED_INCOMING_RST: &str = "the reset reached this host but not the program it was for \
     (a firewall or a filter driver dropped it on its way in), so the program got no answer \
     instead of a refusal and waits until it times out";
/// What SYNs to a loopback endpoint that the host dropped mean: they went from this host to
/// itself, neither in nor out.
const DROPPED_LOOPBACK_SYNS: &str = "a firewall rule (Windows Defender Firewall, WFP) or a \
     filter driver drops them on loopback before any program sees them, so the programs on this \
     host that connect get no answer and time out";
/// The same of one SYN.
const DROPPED_LOOPBACK_SYN: &str = "a firewall rule (Windows Defender Firewall, WFP) or a \
     filter driver drops it on loopback before any program sees it, so the program on this \
     host that connects gets no answer and times out";
/// What RSTs of a loopback endpoint that the host dropped mean.
const DROPPED_LOOPBACK_RSTS: &str = "nothing listens on that port, and the refusals were dropped \
     on loopback (a firewall that drops its resets, as Windows Firewall's stealth mode does), so \
     the programs on this host that connect get no answer instead of a refusal and wait until \
     they time out";
/// The same of one RST.
const DROPPED_LOOPBACK_RST: &str = "nothing listens on that port, and the refusal was dropped \
     on loopback (a firewall that drops its resets, as Windows Firewall's stealth mode does), so \
     the program on this host that connects gets no answer instead of a refusal and waits until \
     it times out";

/// What the packets the capturing host dropped of `o` mean, of the kind it dropped most
/// (SYNs or RSTs), which way they went, and how many: each constant of several, and of one.
/// Regression (s47): "Windows dropped 1 SYN ...: ... drops them before any program sees
/// them, so the programs ... time out".
fn dropped_meaning(o: &Offender) -> &'static str {
    let d = &o.dropped;
    let syns = d.syn >= d.rst;
    let one = if syns { d.syn == 1 } else { d.rst == 1 };
    let (several, single) = if o.addr.is_loopback() {
        if syns {
            (DROPPED_LOOPBACK_SYNS, DROPPED_LOOPBACK_SYN)
        } else {
            (DROPPED_LOOPBACK_RSTS, DROPPED_LOOPBACK_RST)
        }
    } else if syns {
        if d.outbound > d.inbound {
            (DROPPED_OWN_SYNS, DROPPED_OWN_SYN)
        } else {
            (DROPPED_SYNS, DROPPED_SYN)
        }
    } else if d.inbound > d.outbound {
        (DROPPED_INCOMING_RSTS, DROPPED_INCOMING_RST)
    } else {
        (DROPPED_RSTS, DROPPED_RST)
    };
    if one { single } else { several }
}
/// What a pktmon trace converted by etl2pcapng does not say about its drops.
const PKTMON_REASON: &str = "The converted file does not say why (etl2pcapng keeps no drop \
     reason): pktmon etl2txt on the .etl names each drop's reason";
/// What attempts the capture's end cut off mean (see [`Offender::cut_off`]).
const TOO_SOON: &str = "too soon to tell a dropped SYN from a slow answer";
/// What resets during the handshake mean.
const GAVE_UP: &str = "a client that gave up or timed out, a scanner, or a SYN-ACK for a connection the client did not know";
/// What aborts of established connections mean.
const ABORTIVE: &str =
    "an abortive close (SO_LINGER 0 or unread data), a crash, or an idle-timeout policy";
/// What resets after the resetting side's own FIN mean.
const CLOSED: &str = "data arrived for a socket that had already closed; often benign";
/// What resets answering the peer's FIN, from a side that sent no FIN, mean: `who` (servers,
/// clients, programs) close so. The clients' said "as some servers do" (zeek's
/// https-to-http.pcap, a client's reset on the server's FIN).
fn abortive_on_close(who: &str) -> String {
    format!(
        "closed abortively on the peer's close (SO_LINGER 0 or unread data at close), as some \
         {who} do; usually benign"
    )
}
/// What resets of connections already reset mean.
const AFTER_RESET: &str = "a late answer from the other side, sent before it learned of the \
                           reset or when its own timeout fired; often benign";
/// What resets of connections whose start was not captured mean.
const MID_CONNECTION: &str = "the capture began mid-connection, or connections were left half-open by a reboot or a NAT timeout";
/// The same of one connection.
const MID_CONNECTION_ONCE: &str = "the capture began mid-connection, or the connection was left half-open by a reboot or a NAT timeout";

/// Of `n` stray resets of `o`, how many came for connections one side had already reset, and
/// the side that had reset most of them ("its client", "the server").
fn stray_after_reset(o: &Offender, n: u64) -> (u64, &'static str) {
    let [by_client, by_server] = o.stray_after_reset;
    let who = if by_client >= by_server {
        "its client"
    } else {
        "the server"
    };
    ((by_client + by_server).min(n), who)
}

/// "a connection its client had already reset", or `k` of them ("connections ...").
fn already_reset(k: u64, who: &str) -> String {
    let what = if k == 1 {
        "a connection"
    } else {
        "connections"
    };
    format!("{what} {who} had already reset")
}

/// The connections of `o`'s `n` stray resets whose start was not captured (`after` of them
/// came for connections already reset): "a connection", "3 connections", or "connections"
/// where their number is not known.
fn unseen_starts(o: &Offender, n: u64, after: u64) -> String {
    match conns(o, Cause::Stray) {
        _ if after > 0 && n - after == 1 => "a connection".to_string(),
        _ if after > 0 => "connections".to_string(),
        Some(1) => "a connection".to_string(),
        Some(k) if k < n => format!("{} connections", thousands(k)),
        _ if n == 1 => "a connection".to_string(),
        _ => "connections".to_string(),
    }
}

/// The sentence of `o`'s stray resets: of connections whose start was not captured, and of
/// connections already reset, whose start was captured (a late answer: zeek/tunnels/
/// Teredo.pcap's server resets 18 s after its client did). `with` is " with 1 client" or
/// nothing, `when` their rate and times.
fn stray_diagnosis(o: &Offender, ep: &str, with: &str, when: &str) -> String {
    let n = o.rst_by_cause[Cause::Stray.index()];
    let (after, who) = stray_after_reset(o, n);
    let already = |k: u64| already_reset(k, who);
    // `with` after the resets, which it counts the clients of: after the connections, it
    // read as theirs ("... whose start was not captured with 1 client").
    if after == n {
        return format!(
            "{ep} saw {}{with} for {} ({when}): {AFTER_RESET}.",
            plural(n, "reset", "resets"),
            already(after)
        );
    }
    let unseen = unseen_starts(o, n, after);
    let mid = if unseen == "a connection" {
        MID_CONNECTION_ONCE
    } else {
        MID_CONNECTION
    };
    if after == 0 {
        return format!(
            "{ep} saw {}{with} for {unseen} whose start was not captured ({when}): {mid}.",
            plural(n, "reset", "resets"),
        );
    }
    format!(
        "{ep} saw {}{with} ({when}): {} for {unseen} whose start was not captured ({mid}), {} \
         for {} ({AFTER_RESET}).",
        plural(n, "reset", "resets"),
        thousands(n - after),
        thousands(after),
        already(after),
    )
}

/// Who sent most of `o`'s resets of `cause`: `[clients, server]` counts, which fall back on
/// all its resets where that cause's were not counted by sender (an offender made by hand).
fn senders(o: &Offender, cause: Cause) -> [u64; 2] {
    match o.rst_senders_by_cause[cause.index()] {
        [0, 0] => [o.rst_from_client, o.rst_from_server],
        counted => counted,
    }
}

/// Who reset the handshakes of `o`, mostly.
fn handshake_resetter(o: &Offender) -> &'static str {
    let [clients, server] = senders(o, Cause::HandshakeReset);
    if clients >= server {
        "the client"
    } else {
        "the server"
    }
}

/// The resets after a FIN of `o` that its sentence tells: the kind with the most (after the
/// sender's own FIN, or on its peer's), and who sent those; `None` where they were not
/// counted (an offender made by hand).
struct AfterCloseStory {
    /// Their sender had sent a FIN itself (else it answered its peer's FIN without one).
    own_fin: bool,
    /// Of them, sent by the service endpoint and by its clients.
    by_server: u64,
    by_clients: u64,
    /// After-close resets of both kinds.
    total: u64,
}

fn after_close_story(o: &Offender) -> Option<AfterCloseStory> {
    let a = &o.after_close;
    let (own, peer) = (a.after_own_fin(), a.on_peer_fin());
    if own + peer == 0 {
        return None;
    }
    let own_fin = own >= peer;
    let (by_server, by_clients) = if own_fin {
        (a.server_after_own_fin, a.client_after_own_fin)
    } else {
        (a.server_on_peer_fin, a.client_on_peer_fin)
    };
    Some(AfterCloseStory {
        own_fin,
        by_server,
        by_clients,
        total: own + peer,
    })
}

/// Who sent the resets after a FIN of `o` and whose FIN came before them, then what that
/// means, to end its sentence: `, sent by the server right after the client's FIN, with no
/// FIN of its own: it closed abortively ...`, or `, sent by the server after its own FIN:
/// data arrived ...`.
fn after_close_meaning(o: &Offender) -> String {
    let Some(story) = after_close_story(o) else {
        return format!(": {CLOSED}");
    };
    let one_client = o.clients == 1 && !o.clients_at_least;
    let (clients, clients_own, their, they) = if one_client {
        ("the client", "the client's", "its", "it")
    } else {
        ("its clients", "its clients'", "their", "they")
    };
    // Counted over the whole capture: numbers only where the sentence counts the same.
    let whole =
        o.rst_conns_by_cause.is_some() && story.total == o.rst_by_cause[Cause::AfterClose.index()];
    let told = story.by_server + story.by_clients;
    let share = if told == story.total {
        String::new()
    } else if whole {
        format!("{told} of them ")
    } else {
        "mostly ".to_owned()
    };
    let both = if whole {
        format!(
            "the server {}, {clients} {}",
            story.by_server, story.by_clients
        )
    } else {
        format!("the server and {clients}")
    };
    match (story.own_fin, story.by_server > 0, story.by_clients > 0) {
        (true, true, false) => format!(", {share}sent by the server after its own FIN: {CLOSED}"),
        (true, false, _) => format!(", {share}sent by {clients} after {their} own FIN: {CLOSED}"),
        (true, true, true) => {
            format!(", {share}sent by the side that had sent a FIN itself ({both}): {CLOSED}")
        }
        (false, true, false) => format!(
            ", {share}sent by the server right after {clients_own} FIN, with no FIN of its own: \
             it {}",
            abortive_on_close("servers")
        ),
        (false, false, _) => format!(
            ", {share}sent by {clients} right after the server's FIN, with no FIN of {their} own: \
             {they} {}",
            abortive_on_close("clients")
        ),
        (false, true, true) => format!(
            ", {share}sent right after the peer's FIN by the side that sent no FIN ({both}): \
             it {}",
            abortive_on_close("programs")
        ),
    }
}

/// The gist of the resets after a FIN of `o` (see [`diagnosis_gist`]).
fn after_close_gist(o: &Offender) -> String {
    match after_close_story(o) {
        Some(story) if !story.own_fin => {
            let who = match (story.by_server > 0, story.by_clients > 0) {
                (true, false) => "by the server on its client's FIN",
                (false, _) => "by the client on the server's FIN",
                (true, true) => "on the peer's FIN",
            };
            format!(
                "reset {who}: an abortive close (SO_LINGER 0 or unread data at close); usually benign"
            )
        }
        _ => format!("reset after a FIN: {CLOSED}"),
    }
}

/// Of the aborts of `o` by its main aborter ([`aborter`]), how many answered as to a
/// connection unknown ([`Offender::aborts_unknown`]) and of how many, where they are most.
fn unknown_aborts(o: &Offender) -> Option<(u64, u64)> {
    let [clients, server] = senders(o, Cause::Abort);
    let side = usize::from(server >= clients);
    let (unknown, all) = (u64::from(o.aborts_unknown[side]), [clients, server][side]);
    (unknown * 2 > all).then_some((unknown, all))
}

/// What the aborts of `o` mean, after "sent by WHO" in its sentence: an abortive close, or,
/// where most answered as to a connection unknown, a side or a middlebox that lost it.
fn abort_meaning(o: &Offender) -> String {
    let Some((unknown, all)) = unknown_aborts(o) else {
        return format!(": {ABORTIVE}");
    };
    let [clients, server] = senders(o, Cause::Abort);
    let one_client = o.clients == 1 && !o.clients_at_least;
    let (peer, who, it, its, restarted) = match (server >= clients, one_client) {
        (true, true) => (
            "its client's",
            "the server",
            "it",
            "its",
            "it or its host restarted",
        ),
        (true, false) => (
            "its clients'",
            "the server",
            "it",
            "its",
            "it or its host restarted",
        ),
        (false, true) => (
            "the server's",
            "the client",
            "it",
            "its",
            "it or its host restarted",
        ),
        (false, false) => (
            "the server's",
            "the clients",
            "they",
            "their",
            "they or their hosts restarted",
        ),
    };
    let one = unknown == 1;
    let which = if unknown < all {
        format!("{unknown} of the {all} ")
    } else {
        String::new()
    };
    let (packets, conn, resets, them) = if one {
        ("packet", "a connection", "a reset", "it")
    } else {
        ("packets", "connections", "resets", "them")
    };
    format!(
        ", {which}in answer to {peer} {packets} as to {conn} {it} did not know ({resets} without \
         ACK, unlike an abortive close): {who} lost {them} ({restarted}), or a firewall or NAT \
         on the way forgot {them} (an idle timeout) and reset {them} in {its} name"
    )
}

/// Who aborted the connections of `o`, mostly.
fn aborter(o: &Offender) -> &'static str {
    let [clients, server] = senders(o, Cause::Abort);
    if server >= clients {
        "the server"
    } else if o.clients == 1 && !o.clients_at_least {
        "its client"
    } else {
        "its clients"
    }
}

/// The diagnosis of `o` in a few words, what it most likely means first: where a table has
/// room for a phrase, not for the sentence ([`diagnosis_in`], whose conclusion it is).
/// `Nothing was listening on that port`, `Aborted by the server: an abortive close ...`.
/// `host`, where the machine was read, tells a listener seen to stop (see [`full_diagnosis`]).
pub fn diagnosis_gist(o: &Offender, host: Option<&HostReport>) -> String {
    let stopped = || listener_told(o, host);
    let own = match o.diagnosis().kind {
        DiagnosisKind::Refused if o.failed_refused < o.attempts && o.completed > 0 => {
            stopped().meaning().to_owned()
        }
        DiagnosisKind::Refused => match host.and_then(|h| listening_elsewhere(o, h)) {
            Some((r, _)) => format!(
                "nothing listening at this address: port {} is served at {} only",
                o.port,
                r.addr.ip()
            ),
            None => refusals_gist(o, stopped()),
        },
        DiagnosisKind::Unanswered if o.cut_off_attempts() >= o.failed_unanswered => {
            format!("no answer before the capture ended: {TOO_SOON}")
        }
        DiagnosisKind::Unanswered => format!(
            "no answer: {}",
            no_answer(o.failed_unanswered - o.cut_off_attempts().min(o.failed_unanswered))
        ),
        DiagnosisKind::LateAnswer if queue_overflowed(o) => {
            format!("not accepting fast enough: {QUEUE_OVERFLOWED} (SYNs dropped, then resent)")
        }
        DiagnosisKind::LateAnswer => format!("answered late: {}", slow_answer(o.answered_late())),
        DiagnosisKind::Dropped => dropped_gist(o),
        DiagnosisKind::HandshakeReset => format!(
            "reset during the handshake by {}: {GAVE_UP}",
            handshake_resetter(o)
        ),
        DiagnosisKind::Abort => match unknown_aborts(o) {
            // What it likely means first: a table's cell shows some 40 characters.
            Some(_) => format!(
                "a restart of {}, or a firewall's idle timeout (resets of connections unknown)",
                aborter(o)
            ),
            None => format!("aborted by {}: {ABORTIVE}", aborter(o)),
        },
        DiagnosisKind::AfterClose => after_close_gist(o),
        DiagnosisKind::Stray
            if o.stray_after_reset.iter().sum::<u64>() >= o.rst_by_cause[Cause::Stray.index()] =>
        {
            format!("reset after the connection was reset: {AFTER_RESET}")
        }
        DiagnosisKind::Stray => {
            let n = o.rst_by_cause[Cause::Stray.index()];
            let (after, _) = stray_after_reset(o, n);
            let mid = if unseen_starts(o, n, after) == "a connection" {
                MID_CONNECTION_ONCE
            } else {
                MID_CONNECTION
            };
            format!("start not captured: {mid}")
        }
        DiagnosisKind::Injected if o.suspect_injected == 1 => {
            "reset looks injected: a middlebox or an attacker sent it, not the endpoint".to_owned()
        }
        DiagnosisKind::Injected => {
            "resets look injected: a middlebox or an attacker sent them, not the endpoint"
                .to_owned()
        }
    };
    let gist = match &o.scan {
        Some(scan) => {
            let kind = match scan.kind {
                ScanKind::Ports { .. } => "a port scan",
                ScanKind::Sweep { .. } => "a sweep",
            };
            // The client in the scan's overlay network, as the sentence names it: the row's
            // endpoint carries the network, and two tenants may number their machines alike.
            format!("{kind} by {}; {own}", host_in(scan.client, scan.lowest.2))
        }
        None => own,
    };
    let mut chars = gist.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Who dropped an endpoint's packets, as the sentence's subject.
fn dropper(d: &Dropped) -> &'static str {
    match d.kind() {
        DropKind::Pktmon => "Windows",
        DropKind::Xdp => "An XDP program on the capturing host",
        DropKind::Tc => "A tc program on the capturing host",
    }
}

/// The few words [`diagnosis_gist`] gives an endpoint whose SYNs or RSTs the host dropped.
fn dropped_gist(o: &Offender) -> String {
    let d = &o.dropped;
    let who = dropper(d).to_lowercase().replace("windows", "Windows");
    // Of one packet, its sentence's singular: "the SYN: ... drops it". What it means, as
    // the sentence says it: which way they went too (the few words of this host's own SYNs
    // dropped on their way out said "so the clients get no answer").
    let one = if d.syn >= d.rst {
        d.syn == 1
    } else {
        d.rst == 1
    };
    let what = match (d.syn >= d.rst, one) {
        (true, false) => "the SYNs",
        (true, true) => "the SYN",
        (false, false) => "the RSTs this port answered with",
        (false, true) => "the RST this port answered with",
    };
    format!("{who} dropped {what}: {}", dropped_meaning(o))
}

/// Milliseconds as seconds to a tenth, cut rather than rounded: "11.2 s".
fn tenths_of(ms: u32) -> String {
    format!("{}.{} s", ms / 1000, ms % 1000 / 100)
}

/// What an endpoint's count of attempts answered late means, with its figures: the app's
/// hover of that count (the offenders table's Late cell, the details' "answered late"). "2 of
/// 7 connection attempts were answered by a SYN-ACK only after their SYNs were sent again: not
/// failed, but their clients waited 4.1 to 5.1 s after their first SYN (13 SYNs resent in
/// all)"; of one, "its SYN was", "its client waited". In a time range the waits and the SYNs
/// resent are the whole capture's, and said to be. Empty where none was answered late.
pub fn late_words(o: &Offender, scope: Scope) -> String {
    let late = o.answered_late();
    if late == 0 {
        return String::new();
    }
    let r = &o.resends;
    let what = format!(
        "{} {}",
        attempts_of(late, o.attempts),
        if late == 1 { "was" } else { "were" }
    );
    let (syns, client, their) = if late == 1 {
        ("its SYN was", "its client", "its")
    } else {
        ("their SYNs were", "their clients", "their")
    };
    let resent = plural(u64::from(r.syns), "SYN resent", "SYNs resent");
    let (least, most) = r.late_ms;
    let waited = if least / 100 == most / 100 {
        tenths_of(most)
    } else {
        format!(
            "{} to {}",
            tenths_of(least).trim_end_matches(" s"),
            tenths_of(most)
        )
    };
    let figures = match (scope, r.late > 0) {
        (Scope::Whole, true) => format!(" {waited} after {their} first SYN ({resent} in all)"),
        (Scope::Range { .. }, true) => {
            format!(" (in the whole capture: {waited} after the first SYN, {resent})")
        }
        (Scope::Whole, false) => format!(" ({resent} in all)"),
        (Scope::Range { .. }, false) => format!(" ({resent} in the whole capture)"),
    };
    let mut s = format!(
        "{what} answered by a SYN-ACK only after {syns} sent again: not failed, but {client} \
         waited{figures}"
    );
    if let Some(c) = s.get(..1) {
        s.replace_range(..1, &c.to_uppercase());
    }
    s
}

/// `n` of an endpoint's `attempts` connection attempts, in words: "the only connection
/// attempt", "both connection attempts", "all 20 connection attempts", "2 of 7 connection
/// attempts" (`attempts` taken as at least `n`).
fn attempts_of(n: u64, attempts: u64) -> String {
    let attempts = attempts.max(n);
    match (n == attempts, n) {
        (true, 1) => "the only connection attempt".to_owned(),
        (true, 2) => "both connection attempts".to_owned(),
        (true, n) => format!("all {} connection attempts", thousands(n)),
        (false, n) => format!(
            "{} of {} connection attempts",
            thousands(n),
            thousands(attempts)
        ),
    }
}

/// What an endpoint's failed attempts were, with its figures: the app's hover of that count
/// (the offenders table's Failed cell). "3 of 7 connection attempts failed: 2 refused, 1 got
/// no answer"; "All 20 connection attempts failed: all refused"; "The only connection attempt
/// failed: refused". Empty where none failed.
pub fn failed_words(o: &Offender) -> String {
    let failed = o.failed_attempts;
    if failed == 0 {
        return String::new();
    }
    let mut what = format!("{} failed", attempts_of(failed, o.attempts));
    if let Some(c) = what.get(..1) {
        what.replace_range(..1, &c.to_uppercase());
    }
    let cut = o.cut_off_attempts().min(o.failed_unanswered);
    let parts: Vec<(u64, &str)> = [
        (o.failed_refused, "refused"),
        (o.failed_unanswered - cut, "got no answer"),
        (
            cut,
            "got no answer before the capture ended (too soon to tell)",
        ),
        (o.failed_reset, "reset during the handshake"),
    ]
    .into_iter()
    .filter(|&(n, _)| n > 0)
    .collect();
    match parts[..] {
        [] => what,
        // One kind of failure: said once ("20 refused" after "All 20 ... failed" said it twice).
        [(_, how)] => match failed {
            1 => format!("{what}: {how}"),
            2 => format!("{what}: both {how}"),
            _ => format!("{what}: all {how}"),
        },
        _ => {
            let parts: Vec<String> = parts
                .iter()
                .map(|(n, how)| format!("{} {how}", thousands(*n)))
                .collect();
            format!("{what}: {}", parts.join(", "))
        }
    }
}

/// Most of `o`'s late answers came right after a SYN sent again, and clients waited at once
/// ([`QUEUE_OVERFLOWED`]).
fn queue_overflowed(o: &Offender) -> bool {
    let r = &o.resends;
    r.late_together > 0 && r.late_at_once > 0 && r.late_at_once * 2 >= r.late
}

/// The sentence of an endpoint whose attempts were answered only after their SYNs were sent
/// again: a listen queue that overflowed, with the attempts given up on meanwhile, or a slow
/// path. `from` is " from 1 client" or nothing, `when` the rate and times of its incidents.
fn late_sentence(o: &Offender, ep: &str, from: &str, when: &str) -> String {
    let r = &o.resends;
    // The late answers of what the counts cover (a time range's, where one was cut); the
    // SYNs resent and the waits are the whole capture's, and said to be in a range.
    let late = o.answered_late();
    let attempts = o.attempts.max(late);
    let (least, most) = r.late_ms;
    let waited = if least / 100 == most / 100 {
        tenths_of(most)
    } else {
        format!(
            "{} to {}",
            tenths_of(least).trim_end_matches(" s"),
            tenths_of(most)
        )
    };
    let their_syns = if late == 1 {
        "its SYN was"
    } else {
        "their SYNs were"
    };
    let what = if late == attempts {
        match late {
            1 => "the only connection attempt".to_owned(),
            2 => "both connection attempts".to_owned(),
            n => format!("all {} connection attempts", thousands(n)),
        }
    } else {
        format!(
            "{} of {} connection attempts",
            thousands(late),
            thousands(attempts)
        )
    };
    let in_all = match Scope::of(o) {
        Scope::Whole => "in all",
        Scope::Range { .. } => "in the whole capture",
    };
    let resent = format!(
        "{} {in_all}",
        plural(u64::from(r.syns), "SYN resent", "SYNs resent")
    );
    // The waits are the whole capture's: said of its late answers.
    let (established, their_first) = if r.late <= 1 {
        ("the connection established", "its")
    } else {
        ("connections established", "their")
    };
    if !queue_overflowed(o) {
        return format!(
            "{ep} answered {what}{from} only after {their_syns} sent again ({when}): {} \
             ({resent}; {established} {waited} after {their_first} first SYN).",
            slow_answer(late)
        );
    }
    let given_up = o.failed_unanswered.saturating_sub(o.cut_off_attempts());
    let and_given_up = if given_up > 0 {
        format!(
            ", and {} no answer at all and {} given up on",
            plural(given_up, "more got", "more got"),
            if given_up == 1 { "was" } else { "were" },
        )
    } else {
        String::new()
    };
    let right_after = if r.late_at_once == r.late && r.late == 1 {
        "its SYN-ACK right after a SYN sent again"
    } else if r.late_at_once == r.late {
        "each SYN-ACK right after a SYN sent again"
    } else {
        "most SYN-ACKs right after a SYN sent again"
    };
    format!(
        "{ep} answered {what}{from} only after {their_syns} sent again ({when}){and_given_up}: \
         the service is not accepting connections fast enough, {QUEUE_OVERFLOWED} ({resent}; \
         {established} {waited} after {their_first} first SYN, {right_after}{}). {QUEUE_WHY}.",
        given_up_over(o, given_up)
    )
}

/// "; the one given up on resent over 2.0 s", "; those given up on resent over up to 2.0
/// s": how long the `given_up` attempts of `o` given up on unanswered were tried; nothing
/// where none was resent.
fn given_up_over(o: &Offender, given_up: u64) -> String {
    let r = &o.resends;
    let over = tenths_of(r.unanswered_longest_ms);
    match (r.unanswered_resent, given_up) {
        (0, _) | (_, 0) => String::new(),
        (_, 1) => format!("; the one given up on resent over {over}"),
        (1, _) => format!("; of those given up on, one resent over {over}"),
        _ => format!("; those given up on resent over up to {over}"),
    }
}

/// What the SYNs resent by `o`'s `given_up` attempts that got no answer say: " Their SYNs
/// were sent again 6 times in all, each attempt's over up to 3.0 s: its client kept retrying
/// and nothing ever came back." The client's retries are the evidence that its SYNs left it
/// and were lost on the way or at the host, not a client that gave up at once. Nothing where
/// none was resent (a client that tries once). How many times is said only where every SYN
/// resent to the endpoint was one of theirs ([`Resends::syns`](crate::engine::offenders::Resends::syns) counts those of every attempt
/// not answered yet: of attempts answered late, refused, reset or cut off by the capture's
/// end too, and the whole capture's in a time range).
fn resent_unanswered(o: &Offender, given_up: u64) -> String {
    let r = &o.resends;
    let resent = u64::from(r.unanswered_resent);
    if resent == 0 {
        return String::new();
    }
    let over = tenths_of(r.unanswered_longest_ms);
    let theirs_alone = o.rst_conns_by_cause.is_some()
        && r.late == 0
        && o.failed_refused == 0
        && o.failed_reset == 0
        && o.failed_unanswered == given_up;
    let times = plural(u64::from(r.syns), "time", "times");
    let mut s = match (resent == given_up, given_up, theirs_alone) {
        (true, 1, true) => format!(" Its SYN was sent again {times}, over {over}"),
        (true, 1, false) => format!(" Its SYN was sent again, over {over}"),
        (true, _, true) => {
            format!(" Their SYNs were sent again {times} in all, each attempt's over up to {over}")
        }
        (true, _, false) => {
            format!(" Their SYNs were sent again, each attempt's over up to {over}")
        }
        (false, _, true) if resent == 1 => {
            format!(" The SYN of 1 of them was sent again ({times}, over {over})")
        }
        (false, _, false) if resent == 1 => {
            format!(" The SYN of 1 of them was sent again (over {over})")
        }
        (false, _, true) => format!(
            " The SYNs of {} of them were sent again ({times} in all, each attempt's over up \
             to {over})",
            thousands(resent)
        ),
        (false, _, false) => format!(
            " The SYNs of {} of them were sent again (each attempt's over up to {over})",
            thousands(resent)
        ),
    };
    // Where the endpoint never answered anyone, the retries are the whole story; answers to
    // others say its SYNs were not all dropped.
    if o.completed == 0 && r.late == 0 {
        let who = if o.clients == 1 && !o.clients_at_least {
            "its client kept"
        } else {
            "the clients kept"
        };
        s.push_str(&format!(": {who} retrying and nothing ever came back"));
    }
    s.push('.');
    s
}

/// The sentence of an endpoint whose SYNs or RSTs the capturing host dropped: how many of
/// each, which way they were going, where they were recorded, and what it means.
fn dropped_sentence(o: &Offender, ep: &str, from: &str, when: &str) -> String {
    let d = &o.dropped;
    // Which way they went, where the capture says and they all went one way. Not on
    // loopback: a packet from this host to itself is both (the capture's direction is the
    // recording component's view of it).
    let loopback = o.addr.is_loopback();
    let way = match (d.inbound, d.outbound) {
        _ if loopback => "",
        (i, 0) if i == d.packets => "incoming ",
        (0, o) if o == d.packets => "outgoing ",
        _ => "",
    };
    let mut what = Vec::new();
    if d.syn > 0 {
        what.push(format!(
            "{} to {ep}{from}",
            plural(d.syn, &format!("{way}SYN"), &format!("{way}SYNs"))
        ));
    }
    if d.rst > 0 {
        // One RST went to (or came from) one client.
        let clients = if d.rst == 1 {
            "its client"
        } else {
            "its clients"
        };
        let whose = if d.from_server >= d.rst {
            format!("with which {ep} answered {clients}")
        } else {
            format!("{clients} sent")
        };
        let rsts = plural(d.rst, &format!("{way}RST"), &format!("{way}RSTs"));
        what.push(format!("{rsts} {whose}"));
    }
    let others = d.packets - d.syn - d.rst;
    if others > 0 {
        what.push(plural(others, "other packet", "other packets"));
    }
    let places: Vec<String> = d
        .places()
        .iter()
        .map(|(name, n)| {
            let name = if name.is_empty() {
                "an unnamed interface"
            } else {
                name
            };
            format!("{name} ({})", thousands(*n))
        })
        .collect();
    let mut at = places.join(", ");
    if d.other_places > 0 {
        at.push_str(&format!(", {} elsewhere", thousands(d.other_places)));
    }
    let how = match d.kind() {
        DropKind::Pktmon if d.packets == 1 => "a pktmon drop event, recorded at",
        DropKind::Pktmon => "pktmon drop events, recorded at",
        DropKind::Xdp | DropKind::Tc => "recorded at",
    };
    let meaning = dropped_meaning(o);
    let mut s = format!(
        "{} dropped {} ({when}; {how} {at}): {meaning}.",
        dropper(d),
        what.join(" and "),
    );
    if d.kind() == DropKind::Pktmon {
        s.push_str(&format!(" {PKTMON_REASON}."));
    }
    if o.failed_unanswered > 0 && d.rst > 0 {
        // Loopback has no wire.
        let wire = if loopback { "" } else { " on the wire" };
        s.push_str(&format!(
            " {} got no answer{wire}.",
            plural(
                o.failed_unanswered,
                "connection attempt",
                "connection attempts"
            )
        ));
    }
    s
}

/// The diagnosis of the endpoint itself, scan or not.
fn endpoint_diagnosis(o: &Offender, clock: Clock, scope: Scope, stopped: Stopped) -> String {
    let ep = offender_name(o);
    // " from 3 clients" / " with 3 clients", or nothing where the number is not known.
    let known = !matches!(
        scope,
        Scope::Range {
            clients_known: false
        }
    );
    let from = |word: &str| {
        if known {
            format!(" {word} {}", clients(o))
        } else {
            String::new()
        }
    };
    let all_incidents = if o.first_seen.second() == o.last_seen.second() {
        format!("at {}", clock.time(o.first_seen))
    } else if incidents_within_a_second(o) {
        // Two seconds touched, less than one apart: a rate over them would be made of
        // less than a second.
        clock.range(o.first_seen, o.last_seen)
    } else {
        format!(
            "{}, {}",
            avg_rate_words(o),
            clock.range(o.first_seen, o.last_seen)
        )
    };
    let by = |c: Cause| o.rst_by_cause[c.index()];
    let kind = o.diagnosis().kind;
    // The rate and times of what the sentence counts (the refusals, not the aborts of the
    // crash before them), where its series tells them apart.
    let when = kind_when(o, kind, clock).unwrap_or_else(|| all_incidents.clone());
    let mut s = match kind {
        DiagnosisKind::Refused => {
            let attempts = o.attempts.max(o.failed_refused);
            if o.failed_refused >= attempts {
                let all = match attempts {
                    1 => "the only connection attempt".to_string(),
                    2 => "both connection attempts".to_string(),
                    _ => format!("all {} connection attempts", thousands(attempts)),
                };
                format!(
                    "{ep} refused {all}{} ({when}): {}.",
                    from("from"),
                    refusals_meaning(o, stopped)
                )
            } else if o.completed == 0 {
                // Nothing was accepted: the port was closed all along, and the other attempts
                // failed otherwise (typically the last SYN of a capture that ended before its
                // RST) or are still waiting.
                format!(
                    "{ep} refused {} of {} connection attempts{} ({when}): {}; {}.",
                    thousands(o.failed_refused),
                    thousands(attempts),
                    from("from"),
                    refusals_meaning(o, stopped),
                    other_attempts(o, attempts - o.failed_refused)
                )
            } else {
                format!(
                    "{ep} refused {} of {} connection attempts{} ({when}) while it accepted {}: \
                     {}.",
                    thousands(o.failed_refused),
                    thousands(attempts),
                    from("from"),
                    thousands(o.completed),
                    refusals_among_accepted(o, stopped, clock)
                )
            }
        }
        DiagnosisKind::Dropped => dropped_sentence(o, &ep, &from("from"), &when),
        DiagnosisKind::LateAnswer => late_sentence(o, &ep, &from("from"), &when),
        DiagnosisKind::Unanswered => {
            let attempts = |n| plural(n, "connection attempt", "connection attempts");
            let cut = o.cut_off_attempts().min(o.failed_unanswered);
            let given_up = o.failed_unanswered - cut;
            if given_up == 0 {
                format!(
                    "{} to {ep}{} got no answer before the capture ended ({when}), {}: \
                     {TOO_SOON}.",
                    attempts(cut),
                    from("from"),
                    cut_off_wait(o, cut)
                )
            } else {
                let mut s = format!(
                    "{} to {ep}{} got no answer ({when}): {}.",
                    attempts(given_up),
                    from("from"),
                    no_answer(given_up)
                );
                s.push_str(&resent_unanswered(o, given_up));
                if cut > 0 {
                    s.push_str(&format!(
                        " {} more got none before the capture ended, {}: {TOO_SOON}.",
                        thousands(cut),
                        cut_off_wait(o, cut)
                    ));
                }
                s
            }
        }
        DiagnosisKind::HandshakeReset => {
            let who = handshake_resetter(o);
            let n = by(Cause::HandshakeReset);
            format!(
                "{} to {ep}{} ({when}) {} during the handshake, {}by {who}: {GAVE_UP}.",
                plural(n, "connection", "connections"),
                from("from"),
                if n == 1 { "was reset" } else { "were reset" },
                if n == 1 { "" } else { "mostly " }
            )
        }
        DiagnosisKind::Abort => {
            let who = aborter(o);
            let n = by(Cause::Abort);
            // Fewer connections than resets: an abort answered by a late ACK and a second RST.
            let what = match conns(o, Cause::Abort) {
                Some(k) if k < n => format!(
                    "{} aborted ({} resets)",
                    plural(k, "established connection", "established connections"),
                    thousands(n)
                ),
                _ if n == 1 => "1 abort of an established connection".to_string(),
                _ => format!("{} aborts of established connections", thousands(n)),
            };
            format!(
                "{ep} saw {what}{} ({when}), sent by {who}{}.",
                from("with"),
                abort_meaning(o)
            )
        }
        DiagnosisKind::AfterClose => format!(
            "{ep} saw {} after a FIN{} ({when}){}.",
            plural(by(Cause::AfterClose), "reset", "resets"),
            from("with"),
            after_close_meaning(o)
        ),
        DiagnosisKind::Stray => stray_diagnosis(o, &ep, &from("with"), &when),
        DiagnosisKind::Injected => {
            // More than half of the resets: one means the only one.
            let (which, look, them) = if o.suspect_injected == 1 {
                ("the only reset".to_owned(), "looks", "it")
            } else {
                (
                    format!(
                        "{} of {} resets",
                        thousands(o.suspect_injected),
                        thousands(o.rst_packets)
                    ),
                    "look",
                    "them",
                )
            };
            let mut s = format!(
                "{which} at {ep} ({when}) {look} injected (not acceptable, or another TTL or IP ID than the sender's other packets): \
                 a middlebox or an attacker sent {them}, not the endpoint."
            );
            if let Some(first) = o.suspects.first() {
                let lead = if o.suspect_injected == 1 {
                    "The evidence"
                } else {
                    "The first"
                };
                s.push_str(&format!(" {lead}: {}.", suspect_evidence(o, first, clock)));
            }
            s
        }
    };
    if let Some(rest) = other_kinds(o, kind) {
        // "It" where the sentence began with the endpoint, not where it began with its
        // connections or the host that dropped its packets.
        let subject = if s.starts_with(&ep) { "It" } else { &ep };
        s.push_str(&format!(" {subject} also saw {rest}."));
    }
    if kind != DiagnosisKind::Dropped && o.dropped.packets > 0 {
        s.push_str(&format!(
            " {}",
            dropped_sentence(o, &ep, &from("from"), &all_incidents)
        ));
    }
    if o.refusal_retries > 0 && o.failed_refused > 0 {
        let tries = (o.failed_refused + o.refusal_retries) as f64 / o.failed_refused as f64;
        let times = if (tries - tries.round()).abs() < 0.05 {
            format!("{} times", tries.round())
        } else {
            format!("{tries:.1} times on average")
        };
        let each = if o.failed_refused == 1 {
            "The attempt"
        } else {
            "Each refused attempt"
        };
        s.push_str(&format!(
            " {each} was tried {times} with the same ISN, as a Windows client retries a refused connect."
        ));
    }
    if let Some(payload) = o.rst_payloads.first() {
        let carry = if o.rst_packets == 1 {
            "The reset carries"
        } else {
            "The resets carry"
        };
        let what = if payload.binary { "" } else { "the text " };
        s.push_str(&format!(" {carry} {what}{}.", payload.quoted()));
    }
    if o.rst_payloads_not_kept > 0 {
        let n = o.rst_payloads_not_kept;
        let (resets, was) = if n == 1 {
            ("reset", "was")
        } else {
            ("resets", "were")
        };
        s.push_str(&format!(
            " The payloads of {} {resets} {was} not kept: those of all endpoints had reached \
             rstscope's memory bound.",
            thousands(n)
        ));
    }
    s
}

/// The incidents of `o` that the sentence of its `kind` does not count, each kind with its
/// count ("2 resets for a connection its client had already reset"), or `None` where it
/// counts them all: the Teredo endpoint 75.126.203.78:80 (zeek's tunnels/Teredo.pcap) has an
/// abort and two stray resets, and its sentence told the abort alone. The kinds told apart
/// elsewhere stay there: drops (their own sentence follows) and injected resets (counted
/// among all the resets by their sentence); and so do the resets a stopped service's
/// connections got, which its refusals' sentence tells.
fn other_kinds(o: &Offender, kind: DiagnosisKind) -> Option<String> {
    if kind == DiagnosisKind::Injected {
        return None;
    }
    let by = |c: Cause| o.rst_by_cause[c.index()];
    // A service that stopped while it had connections open (it accepted some) reset them:
    // its sentence ("... while it accepted 11: nothing was listening on that port after the
    // service stopped") tells the aborts and the stray resets of its crash too.
    let stopped = o.completed > 0;
    let told = |c: Cause| match kind {
        DiagnosisKind::Refused => {
            c == Cause::Refused || (stopped && matches!(c, Cause::Abort | Cause::Stray))
        }
        DiagnosisKind::HandshakeReset => c == Cause::HandshakeReset,
        DiagnosisKind::Abort => c == Cause::Abort,
        DiagnosisKind::AfterClose => c == Cause::AfterClose,
        DiagnosisKind::Stray => c == Cause::Stray,
        DiagnosisKind::Unanswered
        | DiagnosisKind::LateAnswer
        | DiagnosisKind::Dropped
        | DiagnosisKind::Injected => false,
    };
    let mut rest = Vec::new();
    for c in Cause::ALL.into_iter().filter(|&c| by(c) > 0 && !told(c)) {
        let n = by(c);
        let mut words = match c {
            Cause::Refused => plural(
                n,
                "refusal of a connection attempt",
                "refusals of connection attempts",
            ),
            Cause::HandshakeReset => {
                format!("{} during the handshake", plural(n, "reset", "resets"))
            }
            Cause::AfterClose => format!("{} after a FIN", plural(n, "reset", "resets")),
            Cause::Abort => plural(
                n,
                "abort of an established connection",
                "aborts of established connections",
            ),
            Cause::Stray => stray_words(o, n),
        };
        words.push_str(&suspects_among(o, c, n));
        rest.push(words);
    }
    // Unanswered attempts are told by their own sentence, by a refusals' sentence where
    // nothing was accepted, and by the drops' sentence where the host dropped the answers.
    let unanswered_told = kind == DiagnosisKind::Unanswered
        || (kind == DiagnosisKind::LateAnswer && queue_overflowed(o))
        || (kind == DiagnosisKind::Refused && o.completed == 0)
        || o.dropped.rst > 0;
    if o.failed_unanswered > 0 && !unanswered_told {
        rest.push(format!(
            "{} that got no answer",
            plural(
                o.failed_unanswered,
                "connection attempt",
                "connection attempts"
            )
        ));
    }
    // Attempts answered late are told by their own sentence only.
    let late = o.answered_late();
    if late > 0 && kind != DiagnosisKind::LateAnswer {
        rest.push(format!(
            "{} only after {} sent again",
            plural(
                late,
                "connection attempt answered",
                "connection attempts answered"
            ),
            if late == 1 {
                "its SYN was"
            } else {
                "their SYNs were"
            }
        ));
    }
    (!rest.is_empty()).then(|| and_list(&rest))
}

/// Which of `o`'s `n` resets of cause `c` were flagged suspect-injected, by the suspects kept
/// with their cause: " (flagged suspect-injected)" for the one, " (2 of them flagged
/// suspect-injected)", " (at least 1 of them ...)" where more were flagged than kept
/// ([`MAX_SUSPECTS`](crate::engine::offenders::MAX_SUSPECTS)); nothing where none was.
/// Regression (zeek's rst-inject-rae.pcap, 1.2.0.3:6649): "It also saw 1 reset during the
/// handshake" did not say that it was the injected one its evidence lines tell.
fn suspects_among(o: &Offender, c: Cause, n: u64) -> String {
    let k = o.suspects.iter().filter(|s| s.cause == c).count() as u64;
    let exact = o.suspect_injected <= o.suspects.len() as u64;
    match (k, exact) {
        (0, _) => String::new(),
        (k, true) if k == n && n == 1 => " (flagged suspect-injected)".to_owned(),
        (k, true) if k == n => format!(" (all {} flagged suspect-injected)", thousands(n)),
        (k, true) => format!(" ({} of them flagged suspect-injected)", thousands(k)),
        (k, false) => format!(
            " (at least {} of them flagged suspect-injected)",
            thousands(k)
        ),
    }
}

/// `n` stray resets, as [`stray_diagnosis`] tells them apart: for connections whose start
/// was not captured, or for a connection one side had already reset.
fn stray_words(o: &Offender, n: u64) -> String {
    let (after, who) = stray_after_reset(o, n);
    let already = |k: u64| already_reset(k, who);
    let unseen = |k: u64| match k {
        1 => "a connection whose start was not captured",
        _ => "connections whose start was not captured",
    };
    let resets = |k: u64| plural(k, "reset", "resets");
    match after {
        0 => format!("{} for {}", resets(n), unseen(n)),
        _ if after == n => format!("{} for {}", resets(n), already(n)),
        _ => format!(
            "{} for {} and {} for {}",
            resets(n - after),
            unseen(n - after),
            thousands(after),
            already(after)
        ),
    }
}

/// The RST payload texts the diagnosis sentence does not quote: it quotes the first, so
/// that it is read (and copied) once, where the admin reads the diagnosis.
pub fn other_payloads(o: &Offender) -> &[crate::engine::RstPayload] {
    o.rst_payloads.get(1..).unwrap_or_default()
}

/// Which reset `s` of offender `o` was and why it looks injected: `frame 7 at 15:13:13.123,
/// from 10.0.0.1:80 to 10.0.0.2:40000: not acceptable (...); TTL 46 where the sender's other
/// packets had 49`.
pub fn suspect_evidence(o: &Offender, s: &SuspectRst, clock: Clock) -> String {
    let (server, client) = (offender_name(o), endpoint(s.client.0, s.client.1));
    let (from, to) = if s.from_server {
        (server, client)
    } else {
        (client, server)
    };
    let which = match s.frame {
        Some(frame) => format!("frame {frame} at {}", clock.time_ms(s.at)),
        // Its foreign TTL showed only in the sender's later packets.
        None => format!("a reset before {}", clock.time_ms(s.at)),
    };
    let mut why = Vec::new();
    let e = &s.suspicion;
    if e.not_acceptable {
        why.push(
            "not acceptable (its sequence or acknowledgment number does not fit the connection, \
             so the endpoint would not take it)"
                .to_owned(),
        );
    }
    if let Some((ttl, usual)) = e.ttl {
        why.push(format!(
            "TTL {ttl} where the sender's other packets had {usual}"
        ));
    }
    if let Some((id, last)) = e.ip_id {
        why.push(format!(
            "IP ID {id} where the sender's sequence was at {last}"
        ));
    }
    format!("{which}, from {from} to {to}: {}", why.join("; "))
}

/// What the diagnosis of an endpoint inside a tunnel's overlay network says where the
/// machine's processes were read: they are not that endpoint's.
pub const TENANT_NOT_LOCAL: &str = "It is inside a tunnel's overlay network: a machine behind \
     the tunnel serves it, not the one that captured, whose programs are therefore not named \
     for it.";

/// The diagnosis with what the machine adds (who listens, who connects), as every report and
/// the app show it. `host` is `None` for files and when the machine was not sampled.
pub fn full_diagnosis(o: &Offender, host: Option<&HostReport>, clock: Clock) -> String {
    full_diagnosis_in(o, host, clock, Scope::Whole)
}

/// [`full_diagnosis`] of an offender counted over `scope`.
pub fn full_diagnosis_in(
    o: &Offender,
    host: Option<&HostReport>,
    clock: Clock,
    scope: Scope,
) -> String {
    let tenant = host.is_some() && !o.overlay.is_none();
    let stopped = listener_told(o, host);
    let host = host.and_then(|h| Some((h, h.endpoint_at(o.key())?)));
    let mut s = diagnosis_knowing(o, clock, scope, stopped);
    if tenant {
        s.push(' ');
        s.push_str(TENANT_NOT_LOCAL);
    }
    if let Some((h, e)) = host {
        let facts = facts_in(o, e, h, clock, scope);
        if !facts.is_empty() {
            s.push(' ');
            s.push_str(&facts);
        }
    }
    s
}

/// The incidents `c` accounts for: tied to a process, to another machine or to none.
/// Over what an endpoint's connecting processes counted their incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientsCounted {
    /// The incidents reported.
    Here,
    /// The whole capture, of which a time range is reported: processes are tied to
    /// incidents, not counted per second.
    WholeCapture,
    /// The whole capture a file of part of it was saved from (the agent's
    /// `/evidence?since=`, the app's packets of a time range): the file carries the
    /// processes as that capture counted them.
    SavedFrom,
}

impl ClientsCounted {
    /// For `o`, reported over `scope`, with its machine's answers `e` in `h`.
    pub fn of(o: &Offender, e: &EndpointHost, h: &HostReport, scope: Scope) -> Self {
        if scope != Scope::Whole {
            Self::WholeCapture
        } else if h.recorded.is_some() && attributed(&e.clients) > o.incidents {
            Self::SavedFrom
        } else {
            Self::Here
        }
    }

    /// As the JSON report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Here => "report",
            Self::WholeCapture => "whole_capture",
            Self::SavedFrom => "whole_saved_capture",
        }
    }
}

/// The incidents `c` attributes, saturating: a capture's host block may claim any count, and
/// counts near 2^64 overflowed the sum (a file's block, fuzzing the reader).
fn attributed(c: &EndpointClients) -> u64 {
    (c.processes.iter().map(|p| p.connections))
        .chain([c.more, c.not_observed, c.remote])
        .fold(0, u64::saturating_add)
}

/// What the machine that captured told of `o`'s listener, the sentence's and the gist's
/// alike: [`Stopped::Unseen`] where it was not read or its sockets say nothing of the
/// endpoint (another machine's, which this one connected to: what refused there, a closed
/// port or a firewall on the way, only the capture tells), else [`listener_around`].
fn listener_told(o: &Offender, host: Option<&HostReport>) -> Stopped {
    host.and_then(|h| Some((h, h.endpoint_at(o.key())?)))
        .filter(|(_, e)| e.local)
        .map_or(Stopped::Unseen, |(h, e)| listener_around(o, e, h))
}

/// The machine saw `o`'s listener stop no later than the last refusal, and nothing listen on
/// the port after it (up to now, or to the capture's end): what the refusals follow. Or it
/// saw the listener start after the last refusal, with nothing listening before it, and it
/// listens still: what the refusals came before.
fn listener_around(o: &Offender, e: &EndpointHost, h: &HostReport) -> Stopped {
    let sampled_from = h.sampled.map(|(first, _)| first);
    let started_during =
        |r: &ListenerRecord| sampled_from.is_some_and(|first| r.first_seen > first);
    let gone = gone_during(e, sampled_from);
    if let Some(now) = &e.listener.now
        && h.samples > 0
        && e.local
        && now.first_seen > o.last_seen
        && started_during(now)
    {
        match gone.as_slice() {
            [] => return Stopped::Before,
            // The one before it stopped no later than the last refusal, and did not start
            // after the first (that would be a start, a stop and a start again).
            [was]
                if was.last_seen <= o.last_seen
                    && !(first_refusal(o) < was.first_seen && started_during(was)) =>
            {
                return Stopped::Between;
            }
            _ => {}
        }
    }
    let was = e.listener.earlier.first().filter(|was| {
        h.samples > 0 && e.local && e.listener.now.is_none() && was.last_seen <= o.last_seen
    });
    match was {
        None => Stopped::Unknown,
        // Started and stopped again and again: "before it started and after it stopped" is
        // the least of it (the sentence on the listeners counts them).
        Some(_) if gone.len() >= RESTARTS => Stopped::Unknown,
        // Started during the capture, after the first refusals (a client retrying before
        // its service was up): not only after its stop.
        Some(was)
            if first_refusal(o) < was.first_seen
                && h.sampled.is_some_and(|(first, _)| was.first_seen > first) =>
        {
            Stopped::BeforeAndAfter
        }
        Some(_) => Stopped::After,
    }
}

/// When `o`'s first refusal came, to the second (its series' first second with one), for
/// "refused before the service started": its first incident may be no refusal. Regression
/// (real-window trial): a service started a second after the capture, whose first
/// connection was aborted before the host's first sample saw it listen, and refused only
/// after it stopped, was said to refuse "before the service started and after it stopped".
/// Where the endpoint's older seconds were dropped ([`Offender::series_from`]), its first
/// incident.
fn first_refusal(o: &Offender) -> Timestamp {
    let refused = |c: &crate::engine::SecondCounts| {
        c.rst[Cause::Refused.index()] > 0
            || c.failed_by[crate::engine::Failure::Refused.index()] > 0
    };
    match o.series.iter().find(|(_, c)| refused(c)) {
        Some(&(second, _)) if o.series_from.is_none() => {
            Timestamp::from_parts(second, 0).max(o.first_seen)
        }
        _ => o.first_seen,
    }
}

/// What refusals among accepted connections mean. Where the machine that captured did not
/// see the listener come or go, the capture's own order tells where it does: every accepted
/// connection before the first refusal (a crash, a service stopped) or every refusal before
/// the first accepted one (a service started late), each second apart; refusals and
/// acceptances that alternate stay "stopped or restarted".
fn refusals_among_accepted(o: &Offender, stopped: Stopped, clock: Clock) -> String {
    if !matches!(stopped, Stopped::Unknown | Stopped::Unseen) || o.series_from.is_some() {
        return stopped.meaning().to_owned();
    }
    let refused = |c: &crate::engine::SecondCounts| {
        c.rst[Cause::Refused.index()] > 0
            || c.failed_by[crate::engine::Failure::Refused.index()] > 0
    };
    let seconds = |pick: &dyn Fn(&crate::engine::SecondCounts) -> bool| {
        let mut it = o.series.iter().filter(|(_, c)| pick(c)).map(|&(s, _)| s);
        let first = it.next()?;
        Some((first, it.last().unwrap_or(first)))
    };
    let (Some((first_refused, last_refused)), Some((first_accepted, last_accepted))) =
        (seconds(&refused), seconds(&|c| c.completed > 0))
    else {
        return stopped.meaning().to_owned();
    };
    let at = |second: i64| clock.time(Timestamp::from_parts(second, 0));
    if last_accepted < first_refused {
        format!(
            "{AFTER_IT_STOPPED} (connections accepted until {}, refused from {})",
            at(last_accepted),
            at(first_refused)
        )
    } else if last_refused < first_accepted {
        format!(
            "{BEFORE_IT_STARTED} (connections refused until {}, accepted from {})",
            at(last_refused),
            at(first_accepted)
        )
    } else {
        stopped.meaning().to_owned()
    }
}

/// What the machine saw of the listener around an endpoint's refusals among accepted
/// connections ([`listener_around`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    /// Not seen to stop for good: "the service stopped or restarted".
    Unknown,
    /// The machine that captured was not read, or its sockets say nothing of the endpoint
    /// (another machine's): "the service stopped or restarted", and refusals of every attempt
    /// may be a firewall's as well.
    Unseen,
    /// Seen to stop before the refusals, nothing listening after.
    After,
    /// Seen to start after the first refusals, and to stop before the last.
    BeforeAndAfter,
    /// Seen to start after the last refusal, nothing listening before it, listening still.
    Before,
    /// Seen to stop before the refusals, and a listener seen to start after the last of
    /// them, listening still.
    Between,
}

impl Stopped {
    /// What the refusals among accepted connections mean.
    fn meaning(self) -> &'static str {
        match self {
            Self::Unknown | Self::Unseen => PART_OF_THE_TIME,
            Self::After => AFTER_IT_STOPPED,
            Self::BeforeAndAfter => BEFORE_AND_AFTER,
            Self::Before => BEFORE_IT_STARTED,
            Self::Between => UNTIL_STARTED_AGAIN,
        }
    }
}

/// The moment the listener sentences speak of. A capture still running says who listens
/// now; one that is over (the report printed when it ends, a saved capture read later, maybe
/// days later on another machine) says who listened when it ended: "now" would be false there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// The capture runs: the last sample is about a second old.
    Now,
    /// The capture is over; its last sample of the machine, where known.
    End(Option<Timestamp>),
    /// A file saved while its capture went on (the agent's `/evidence`, packets saved from a
    /// running capture); its last sample of the machine before the saving, where known.
    Saved(Option<Timestamp>),
}

impl AsOf {
    /// The moment `h` speaks of (see [`HostReport::over`]).
    #[must_use]
    pub fn of(h: &HostReport) -> Self {
        let last = h.sampled.map(|(_, last)| last);
        if h.recorded.as_ref().is_some_and(|r| r.while_capturing) {
            Self::Saved(last)
        } else if h.over() {
            Self::End(h.ended_at())
        } else {
            Self::Now
        }
    }

    /// [`AsOf::of`] for the endpoint `e` of `h`: in a capture of several machines, as of
    /// the last sample of the one machine whose endpoint it is (its capture's end, not the
    /// last machine's).
    #[must_use]
    pub fn of_endpoint(h: &HostReport, e: &EndpointHost) -> Self {
        match (Self::of(h), &e.machine) {
            (Self::End(_), Some(m)) => Self::End(m.last_sample),
            (Self::Saved(_), Some(m)) => Self::Saved(m.last_sample),
            (as_of, _) => as_of,
        }
    }

    /// "now", or "when the capture ended (15:08:20)", "when this file was saved (15:08:20)".
    fn when(self, clock: Clock) -> String {
        let (what, at) = match self {
            Self::Now => return "now".to_owned(),
            Self::End(at) => ("the capture ended", at),
            Self::Saved(at) => ("this file was saved", at),
        };
        match at {
            Some(t) => format!("when {what} ({})", clock.time(t)),
            None => format!("when {what}"),
        }
    }

    /// [`Self::when`] to follow "listens on 7211" (or "listened": see [`Self::listens`]).
    fn words(self, clock: Clock) -> String {
        format!(" {}", self.when(clock))
    }

    /// "listens" while the capture runs, "listened" once it is over or saved.
    fn listens(self) -> &'static str {
        match self {
            Self::Now => "listens",
            Self::End(_) | Self::Saved(_) => "listened",
        }
    }
}

/// What the details of a capture file's endpoint say where no connecting program is named for
/// its incidents, `e` its entry in the machine's answers: why, where rstscope knows it (a
/// loopback endpoint of two machines whose captures are in one file: each machine's answers
/// are another endpoint's), else that the capture's process information names none.
pub fn no_program_named(e: Option<&EndpointHost>) -> String {
    match e.and_then(|e| e.untold.as_deref()) {
        Some(why) => format!("No program is named for this endpoint's incidents: {why}."),
        None => "The capture's process information names no process for this endpoint's incidents."
            .to_owned(),
    }
}

/// Listener and connecting-process sentences for one offender, `e` its entry in `h`. The
/// listener is told where the socket table of the machine that captured was read during the
/// capture (a live capture, or one that saved its answers in the file), as of [`AsOf::of`].
pub fn host_facts(o: &Offender, e: &EndpointHost, h: &HostReport, clock: Clock) -> String {
    facts_in(o, e, h, clock, Scope::Whole)
}

/// [`host_facts`]; in a time range the connecting processes' counts are the whole capture's
/// (processes are tied to incidents, not counted per second), and the sentence says so.
fn facts_in(o: &Offender, e: &EndpointHost, h: &HostReport, clock: Clock, scope: Scope) -> String {
    let sampled = (h.samples > 0).then(|| AsOf::of_endpoint(h, e));
    let mut out = Vec::new();
    if sampled.is_some()
        && let Some(why) = &e.untold
    {
        out.push(format!("Who listened cannot be told: {why}."));
    }
    if let Some(as_of) = sampled
        && e.local
    {
        // In a capture of several machines, whose listener this is.
        if let Some(name) = e.machine.as_ref().and_then(|m| m.name.as_deref()) {
            out.push(format!("On {name}:"));
        }
        let elsewhere = listening_elsewhere(o, h).filter(|_| e.listener.now.is_none());
        let first_sample = h.sampled.map(|(first, _)| first);
        let place = Place {
            elsewhere: elsewhere.is_some(),
            first_sample,
            overflows: h
                .counter(crate::host::state::LISTEN_OVERFLOWS)
                .map_or(0, |k| k.total),
        };
        out.push(listener_sentence(o, e, place, clock, as_of));
        if let Some((r, gone)) = elsewhere {
            out.push(elsewhere_sentence(o, r, gone, clock, as_of));
        }
        out.extend(
            e.failing_starts
                .iter()
                .map(|f| failing_start_sentence(o.port, f, clock)),
        );
    }
    let c = &e.clients;
    let remote = if c.remote > 0 {
        // Seen from here only in a live capture: a file's processes are what the machine
        // that captured saw (rstscope's saved answers, the capture's own process blocks).
        let unseen = if h.of_this_machine() {
            "cannot be seen from here"
        } else {
            "the capturing machine could not see"
        };
        format!(
            "{} from other machines, whose processes {unseen}",
            plural(c.remote, "incident", "incidents")
        )
    } else {
        String::new()
    };
    if !c.processes.is_empty() {
        let named: Vec<String> = c
            .processes
            .iter()
            .take(3)
            .map(|p| {
                let label = e.client(p).label();
                // The one named is the latest seen; the others may have run before it or
                // beside it.
                let others = match p.processes {
                    0 | 1 => String::new(),
                    n => format!(
                        " and {} of that name",
                        plural(n - 1, "other process", "other processes")
                    ),
                };
                format!(
                    "{label}{others}, {} ({})",
                    plural(p.connections, "incident", "incidents"),
                    p.seen_by()
                )
            })
            .collect();
        let more = c.processes.len().saturating_sub(3);
        let over = match ClientsCounted::of(o, e, h, scope) {
            ClientsCounted::Here => "",
            ClientsCounted::WholeCapture => ", over the whole capture",
            ClientsCounted::SavedFrom => ", over the whole capture this file was saved from",
        };
        let mut text = format!("Connecting{over}: {}", named.join("; "));
        if more > 0 {
            text.push_str(&format!("; {} more", thousands(more as u64)));
        }
        if c.more > 0 {
            text.push_str(&format!(
                "; {} of other processes",
                plural(c.more, "incident", "incidents")
            ));
        }
        if c.not_observed > 0 {
            // "not observed for 693" read as a length of time.
            text.push_str(&format!(
                "; {} whose process was not observed",
                plural(c.not_observed, "incident", "incidents")
            ));
        }
        if !remote.is_empty() {
            text.push_str(&format!("; {remote}"));
        }
        text.push('.');
        out.push(text);
    } else if sampled.is_some() && c.not_observed > 0 {
        let mut text = "The connecting process was not observed".to_owned();
        if !remote.is_empty() {
            text.push_str(&format!(" ({remote})"));
        }
        text.push('.');
        out.push(text);
    } else if sampled.is_some() && !remote.is_empty() {
        let mut chars = remote.chars();
        let first = chars
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default();
        out.push(format!("{first}{}.", chars.as_str()));
    }
    out.join(" ")
}

/// A listener on the offender's port bound where its clients do not connect (an IPv4-only
/// socket while they connect to `::1`, a socket on another address): now, else the last one
/// seen going during the capture; and whether it went.
fn listening_elsewhere<'a>(o: &Offender, h: &'a HostReport) -> Option<(&'a ListenerRecord, bool)> {
    let elsewhere = |r: &&ListenerRecord| {
        r.addr.port() == o.port && !crate::host::history::serves(r.addr, o.addr, o.port)
    };
    let e = h.endpoint_at(o.key())?;
    if h.samples == 0 || !e.local || e.listener.now.is_some() {
        return None;
    }
    (h.listening.iter().find(elsewhere).map(|r| (r, false)))
        .or_else(|| h.gone.iter().find(elsewhere).map(|r| (r, true)))
}

/// Says that the listener `r` ([`listening_elsewhere`]) is bound where the clients of `o`
/// do not connect, why that refuses them, and what to do.
fn elsewhere_sentence(
    o: &Offender,
    r: &ListenerRecord,
    gone: bool,
    clock: Clock,
    as_of: AsOf,
) -> String {
    let (bound, port) = (r.addr.ip(), o.port);
    let at = if bound.is_unspecified() {
        format!("{bound} (every IPv4 address, no IPv6)")
    } else {
        format!("{bound} only")
    };
    let listened = if gone {
        format!(
            "listened on port {port} at {at} until {}",
            clock.time(r.last_seen)
        )
    } else {
        format!("{} on port {port} at {at}", as_of.listens())
    };
    let localhost = if o.addr.is_loopback() {
        " (127.0.0.1 rather than localhost, which can resolve to ::1 first)"
    } else {
        ""
    };
    let (why, fix) = match (bound, o.addr) {
        (IpAddr::V4(_), IpAddr::V6(_)) => (
            "the clients connect over IPv6, where it does not listen".to_owned(),
            format!("make it listen on :: too, or the clients connect over IPv4{localhost}"),
        ),
        (IpAddr::V6(_), IpAddr::V4(_)) => (
            "the clients connect over IPv4, where it does not listen".to_owned(),
            format!(
                "make it listen on {} too, or the clients connect to {bound}",
                o.addr
            ),
        ),
        _ => (
            "the clients connect to an address it is not bound to".to_owned(),
            format!(
                "make it listen on {} too, or the clients connect to {bound}",
                o.addr
            ),
        ),
    };
    format!(
        "But {} {listened}, not at {}: {why}; {fix}.",
        r.process.label(),
        o.addr
    )
}

/// What the listener sentence needs of the machine's report besides the endpoint's entry.
#[derive(Debug, Clone, Copy)]
struct Place {
    /// A listener on the port at another address: the sentence names the endpoint's address
    /// with its port, where the port alone would read as nothing on it at all.
    elsewhere: bool,
    /// The first sample of the machine: a listener first seen after it started during the
    /// capture.
    first_sample: Option<Timestamp>,
    /// How much the kernel's ListenOverflows rose during the capture.
    overflows: u64,
}

/// The listener sentence.
/// Listeners of one endpoint gone during a capture from which on it is told as a service that
/// keeps stopping and starting.
const RESTARTS: usize = 2;

/// The listeners of `e` gone during this capture, most recent first: those last seen by one of
/// its samples, from `first_sample` on. A restarted agent carries the listeners its earlier
/// run saw go (README, `listeners.json`), before this capture began. Regression (a trial of
/// the 7211 story, the agent restarted between two crashes): its `/report` said "2 listeners
/// came and went on it during this capture, the first from 05:50:00 to 05:50:01", the first
/// seen by the earlier run, gone before this run started at 05:50:05.
fn gone_during(e: &EndpointHost, first_sample: Option<Timestamp>) -> Vec<&ListenerRecord> {
    (e.listener.earlier.iter())
        .filter(|r| first_sample.is_none_or(|first| r.last_seen >= first))
        .collect()
}

/// The listener sentence ([`listener_alone`]) and, where listeners came and went again and
/// again, how many. Regression (a trial as the on-call): a service crashing and restarted
/// every few seconds, refused in between, was told by its last run only ("it was served by
/// collector.py from 20:05:21 until 20:05:23"), and as "nothing was listening on that port
/// before the service started and after it stopped".
fn listener_sentence(
    o: &Offender,
    e: &EndpointHost,
    place: Place,
    clock: Clock,
    as_of: AsOf,
) -> String {
    let sentence = listener_alone(o, e, place, clock, as_of);
    let gone = gone_during(e, place.first_sample);
    let refused = o.failed_refused > 0 || o.rst_by_cause[Cause::Refused.index()] > 0;
    match gone.last() {
        Some(first) if refused && e.local && gone.len() >= RESTARTS => format!(
            "{sentence} {} listeners came and went on it during this capture, the first {}: a \
             service that keeps stopping and being started again (a crash and a restart?), \
             refused while it is down.",
            gone.len(),
            clock.seen(first.first_seen, first.last_seen, "from", "to")
        ),
        _ => sentence,
    }
}

/// When a listener gone during the capture was seen, for "it was served by X…": ` until T`;
/// ` from S until T` where it `started` during the capture (a client retrying before its
/// service was up); `, seen listening from S until T` where it started during the capture
/// but incidents came before the first sample that saw it and none was refused (aborts,
/// resets after a close: it served them, so it listened before that sample); `, seen listening by one sample only, at T`
/// where one sample saw it. Regression (a terminal trial): a listener in one sample, after the aborts
/// it made a second earlier, was "served by X from 01:39:52 until 01:39:52", which read as
/// a span and as a start after the aborts.
fn seen_listening(o: &Offender, was: &ListenerRecord, started: bool, clock: Clock) -> String {
    let (first, last) = (clock.time(was.first_seen), clock.time(was.last_seen));
    if was.first_seen == was.last_seen {
        return format!(
            ", seen listening by one sample only, at {last} (samples are a second apart)"
        );
    }
    // Incidents before its first sample and no refusal among them: it served them.
    let refused = o.failed_refused > 0 || o.rst_by_cause[Cause::Refused.index()] > 0;
    let listened_before = o.first_seen < was.first_seen && !refused;
    match (started, listened_before) {
        (true, false) => format!(" from {first} until {last}"),
        (true, true) => format!(", seen listening from {first} until {last}"),
        (false, _) => format!(" until {last}"),
    }
}

/// Who listens on the endpoint, and who did, in one sentence.
fn listener_alone(
    o: &Offender,
    e: &EndpointHost,
    place: Place,
    clock: Clock,
    as_of: AsOf,
) -> String {
    let started = |r: &ListenerRecord| place.first_sample.is_some_and(|f| r.first_seen > f);
    let port = if place.elsewhere {
        offender_name(o)
    } else {
        o.port.to_string()
    };
    let refused = o.failed_refused > 0 || o.rst_by_cause[Cause::Refused.index()] > 0;
    // One refusal (one attempt refused once), or several.
    let (the_refusals, have) = if o.failed_refused.max(o.rst_by_cause[Cause::Refused.index()]) == 1
    {
        ("the refusal", "has")
    } else {
        ("the refusals", "have")
    };
    let (when, listens) = (as_of.words(clock), as_of.listens());
    // "collector (pid 4312, ...) until 15:08:12", with how it ended where the journal told.
    let served_by = |was: &ListenerRecord| {
        format!(
            "{}{}{}",
            was.process.label(),
            seen_listening(o, was, started(was), clock),
            e.listener_end
                .as_ref()
                .filter(|end| end.pid == was.process.pid)
                .map(|end| end.words(|t| clock.time(t)))
                .unwrap_or_default()
        )
    };
    match (&e.listener.now, e.listener.earlier.first()) {
        (None, Some(was)) => format!(
            "Nothing {listens} on {port}{when}; it was served by {}.",
            served_by(was)
        ),
        (None, None) => {
            // The samples are a second apart: a listener that lived between two of them
            // accepted connections the capture shows, and no sample saw it.
            let during = if o.completed > 0 {
                format!(
                    ", and no sample (once a second) saw a listener during this capture, though \
                     it accepted {}: one listened between two samples",
                    plural(o.completed, "connection", "connections")
                )
            } else {
                " and nothing did during this capture".to_owned()
            };
            match &e.former_owner {
                Some(f) => format!(
                    "Nothing {listens} on {port}{when}{during}; the system journal shows {} \
                     listening there last ({}: \"{}\"){}.{}",
                    f.label(),
                    clock.date_time(f.said_at),
                    f.said,
                    f.state_words(|t| clock.date_time(t)),
                    if f.net_ns == Some(OwnerNetNs::Unknown) {
                        format!(
                            " The journal does not tell which network namespace's port {port} \
                             it named, and this capture's is not the one the machine's services \
                             run in: it may have been another namespace's."
                        )
                    } else {
                        String::new()
                    }
                ),
                None => format!("Nothing {listens} on {port}{when}{during}."),
            }
        }
        // First seen after the refusals, and no listener before it: not "again".
        (Some(now), None) if refused && now.first_seen > o.last_seen && started(now) => match as_of
        {
            // Not "since" the sample that first saw it: under `capture`'s line of the second
            // before that sample (the one whose refusals and accepted connection the
            // diagnosis tells), "since 05:15:04" said it listened only after that line.
            AsOf::Now => format!(
                "{} listens on {port}, first seen there at {} (samples are a second apart): it \
                 started after {the_refusals}.",
                now.process.label(),
                clock.time(now.first_seen)
            ),
            // Only the last sample saw it: one time, said once.
            AsOf::End(_) | AsOf::Saved(_) if now.first_seen == now.last_seen => format!(
                "{} {listens} on {port}{when}, and only the last sample (once a second) saw \
                 it: it started after {the_refusals}.",
                now.process.label(),
            ),
            AsOf::End(_) | AsOf::Saved(_) => format!(
                "{} started listening on {port} at {}, after {the_refusals}, and still \
                     {listens}{when}.",
                now.process.label(),
                clock.time(now.first_seen)
            ),
        },
        // Listening again after the refusals: the one before it first, whose stop they
        // followed. Regression (a trial of the 7211 story to its fix): "collector (pid 28702)
        // listens on 7211 again since 05:16:50." said nothing of the collector that served it
        // until 05:13:32, before the 394 refusals.
        (Some(now), was) if refused && now.first_seen > o.last_seen => {
            let again = listening_again(now, &port, clock, as_of);
            match was.filter(|was| was.last_seen < now.first_seen) {
                Some(was) => format!("It was served by {}; {again}", served_by(was)),
                None => again,
            }
        }
        (Some(now), _) if refused => format!(
            "{} {listens} on {port}{}, so {the_refusals} {have} another cause (a full or closing \
             listen queue, a firewall REJECT rule, or a connect to another address).",
            now.process.label(),
            if as_of == AsOf::Now {
                ""
            } else {
                when.as_str()
            }
        ),
        // Unanswered while a process listens and the kernel counted listen queue overflows:
        // the queue, not a firewall or a host down (the machine's section names the listener
        // most likely behind the overflows too).
        (Some(now), _) if o.failed_unanswered > 0 && place.overflows > 0 => format!(
            "Served by {}, and the kernel's ListenOverflows rose by {} during the capture: its \
             listen queue is full, so SYNs are dropped (the program does not accept connections \
             fast enough, or its backlog is too small).",
            now.process.label(),
            thousands(place.overflows)
        ),
        // Answered only after SYNs were resent while the kernel counted overflows: the
        // machine's own count confirms what the capture's resends suggest.
        (Some(now), _) if o.resends.late > 0 && place.overflows > 0 => format!(
            "Served by {}, and the kernel's ListenOverflows rose by {} during the capture: its \
             listen queue overflowed, and the SYNs that found it full were dropped until the \
             program accepted the connections before them (it does not accept connections fast \
             enough, or its backlog is too small).",
            now.process.label(),
            thousands(place.overflows)
        ),
        (Some(now), _) => format!("Served by {}.", now.process.label()),
    }
}

/// A program that failed to start again and again while `o` was refused (see
/// [`restarts`]), with what links it to the endpoint: "The program that
/// listened on 7211, /opt/collector/bin/collector, failed to start 5 times from 08:22:31 to
/// 08:22:39 (every 2.0 s): each run ended within 1 ms with exit status 127, and it needs
/// libzmq.so.5, which the loader cannot find." How its runs ended: with an exit status, or
/// "killed by signal 11 (SIGSEGV)", "killed by signal 9 (SIGKILL) by the OOM killer". Where
/// only the timing links them, it says so: its runs were not seen listening, so nothing shows
/// which port it would serve; a program seen connecting elsewhere, that it was seen only as a
/// client there ([`not_seen_listening`]). Regression (a trial of the 7211 story without a
/// journal, the capture begun after the crash): the report said only "nothing did during this
/// capture", while the collector's restarts failed every 2 s.
///
/// One whose every run ended after a connect of its own failed (a service giving up on its
/// database) is told as the machine-wide list tells it ([`failing_start_line`]): "... ran 4
/// times from ..., each run exiting with status 1 within 3.1 s, after its connect to
/// 127.0.0.1:5432 was refused (its connects failed, not its start)". Regression (terminal
/// trial, the story live): `capture`'s lines said such a program "failed to start" where the
/// final report's list said its connects failed, not its start.
pub fn failing_start_sentence(port: u16, f: &FailingStart, clock: Clock) -> String {
    let what = match f.kind() {
        FailingKind::ConnectsFailed => connects_failed_words(f, clock),
        FailingKind::FailedStart => {
            let (runs, ended) = failing_runs_words(f, clock);
            format!("failed to start {runs}: {ended}")
        }
    };
    let told = match f.link {
        StartLink::SameProgram => format!(
            "The program that listened on {port}, {}, {what}.",
            program_words(f)
        ),
        StartLink::Timing => format!(
            "While {port} was refused, {} {what}. Whether it would serve {port} cannot be \
             seen ({}): only the timing links them.",
            program_words(f),
            not_seen_listening(f)
        ),
    };
    match f.net_ns_unread {
        Some(why) => format!("{told} {}", net_ns_untold_words(why, Some(port))),
        None => told,
    }
}

/// Why a program failing to start, linked to a refused port by the timing alone, is not known
/// to serve it: "no run was seen listening", "no run lived long enough to listen" (one that
/// cannot load), or, for a program seen connecting elsewhere (a service whose database refuses
/// it, a `curl` in a loop refused by another port at the same time), "it was seen only as a
/// client of 127.0.0.1:5432, never listening": a client there, and no more than the timing
/// links it to this port. Regression: such a program, linked again since 2026-12-08, read
/// "Whether it would serve 7211 cannot be seen (no run was seen listening)", as if nothing
/// but its starts had been seen.
pub fn not_seen_listening(f: &FailingStart) -> String {
    if !f.missing.is_empty() {
        return "no run lived long enough to listen".to_owned();
    }
    match f.client_of().as_slice() {
        [] => "no run was seen listening".to_owned(),
        to => format!(
            "it was seen only as a client of {}, never listening",
            and_list(to)
        ),
    }
}

/// What a program failing to start whose runs' network namespace was not read says of it
/// ([`FailingStart::net_ns_unread`]), told with refused `port` or in the machine's list: a
/// program of another namespace (another container, `ip netns exec`) cannot have served a
/// port of the capture's, and which it was is not known.
fn net_ns_untold_words(why: NetNsUnread, port: Option<u16>) -> String {
    format!(
        "It may have run in another network namespace than the capture's{}: {}.",
        port.map(|p| format!(", where it could not have served {p}"))
            .unwrap_or_default(),
        why.words()
    )
}

/// [`failing_start_line`] as the machine-wide list of a capture tells it (`h`, "This machine"
/// in the app, the terminal's report): with "It ran in another network namespace ..." where
/// all its runs were in other namespaces than the capture's (another container, another test
/// run's `ip netns exec`), so that a program the diagnoses leave out says why, rather than
/// reading as a failure beside the capture's refused ports.
pub fn failing_start_line_of(h: &HostReport, f: &FailingStart, clock: Clock) -> String {
    let line = failing_start_line(f, clock);
    if h.failing_elsewhere(f) {
        format!(
            "{line} It ran in another network namespace than the capture's: none of the ports \
             captured was its to serve."
        )
    } else if let Some(why) = f.net_ns_unread {
        format!("{line} {}", net_ns_untold_words(why, None))
    } else {
        line
    }
}

/// A program that failed to start again and again on this machine, told on its own (the
/// machine-wide list, "This machine" in the app): "/opt/collector/bin/collector failed to
/// start 12 times from 10:02:11 to 10:02:33 (every 2.0 s): each run ended within 40 ms,
/// killed by signal 11 (SIGSEGV); then it started at 10:05:00 and kept running." One whose
/// every run ended after a connect of its own failed is told so, not as failing to start:
/// "/usr/bin/bash ran 30 times from 10:02:11 to 10:02:26 (every 0.5 s), each run exiting with
/// status 1 within 3 ms, after its connect to 127.0.0.1:7211 was refused (its connects
/// failed, not its start)." Regression (a `bash -c 'exec 3<>/dev/tcp/...'` loop to a closed port):
/// "/usr/bin/bash failed to start 30 times ... with exit status 1".
pub fn failing_start_line(f: &FailingStart, clock: Clock) -> String {
    if f.kind() == FailingKind::ConnectsFailed {
        return format!("{} {}.", program_words(f), connects_failed_words(f, clock));
    }
    let (runs, ended) = failing_runs_words(f, clock);
    format!("{} failed to start {runs}: {ended}.", program_words(f))
}

/// What the runs of a program whose every run ended after a connect of its own failed were,
/// after its name: "ran 30 times from 10:02:11 to 10:02:26 (every 0.5 s), each run exiting
/// with status 1 within 3 ms, after its connect to 127.0.0.1:7211 was refused (its connects
/// failed, not its start)", and how its loop ended where it did.
fn connects_failed_words(f: &FailingStart, clock: Clock) -> String {
    let ending = match (f.exit_status, f.signal) {
        (Some(status), _) => format!("exiting with status {status}"),
        (None, Some(_)) => ended_how(f).trim_start_matches(", ").to_owned(),
        (None, None) => format!("ending{}", ended_how(f)),
    };
    let each = if f.starts == 1 { "" } else { "each run " };
    format!(
        "ran {}, {each}{ending} within {}, after {} (its connects failed, not its start){}",
        runs_when(f, clock),
        within_words(f.longest_ns),
        connects_words(f).unwrap_or_default(),
        runs_rest(f, clock)
    )
}

/// Where a failing program's runs' own connects failed: "its connect to 127.0.0.1:7211 was
/// refused", "its connect to 127.0.0.1:5432 or 127.0.0.1:5433 failed" (refused where one went
/// to an endpoint of the report that refused), with how many of its runs where not all:
/// "... was refused (12 of the 30 runs)"; `None` where none failed.
fn connects_words(f: &FailingStart) -> Option<String> {
    let c = f.failed_connects.as_ref()?;
    let to = match c.to.as_slice() {
        [] => "an address".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let was = if c.refused { "was refused" } else { "failed" };
    let of = if c.runs < f.starts {
        format!(
            " ({} of the {} runs)",
            thousands(u64::from(c.runs)),
            thousands(u64::from(f.starts))
        )
    } else {
        String::new()
    };
    Some(format!("its connect to {to} {was}{of}"))
}

/// A failing program's path, with where it ran when not on the host's file system (its path
/// is that file system's): "/opt/x/collector in container 3f2a9c1e0b7d", "/opt/x/collector in
/// another root (a container or chroot)".
fn program_words(f: &FailingStart) -> String {
    match &f.elsewhere {
        None => f.program.clone(),
        Some(Elsewhere {
            container: Some(c), ..
        }) => format!("{} in {}", f.program, c.label()),
        Some(Elsewhere {
            container: None, ..
        }) => format!("{} in another root (a container or chroot)", f.program),
    }
}

/// [`failing_start_sentence`]'s facts, for a row under the diagnosis that tells the sentence
/// itself, the reason first, so that a row cut at the panel's edge keeps it:
/// "/opt/collector/bin/collector — needs libzmq.so.5 (not found); 5 runs from 08:22:31 to
/// 08:22:39 (every 2.0 s), each ended within 1 ms with exit status 127". Regression (the 7211
/// story live in the window): the details told the whole sentence twice, in the diagnosis and
/// again on the row under it, two lines of a small window for nothing new.
pub fn failing_start_facts(f: &FailingStart, clock: Clock) -> String {
    let needs = if !f.missing.is_empty() {
        let (now, then) = (missing_names(f, false), missing_names(f, true));
        let mut needs = Vec::new();
        if !now.is_empty() {
            needs.push(format!("needs {} (not found)", and_list(&now)));
        }
        if !then.is_empty() {
            needs.push(format!(
                "needed {} (not found then, found later)",
                and_list(&then)
            ));
        }
        format!("{}; ", needs.join(", "))
    } else if let Some(connect) = connects_words(f) {
        // What each run did before it ended: the reason as far as seen.
        format!("after {connect}; ")
    } else if f.elsewhere.as_ref().is_some_and(|e| !e.file_read) {
        // The reason is not known: say why, not nothing.
        "its file not read (nothing of its root left running); ".to_owned()
    } else {
        String::new()
    };
    let (runs, each) = match f.starts {
        1 => (format!("1 run at {}", clock.time(f.first)), "it ended"),
        n => (
            format!(
                "{} runs from {} to {}{}",
                thousands(u64::from(n)),
                clock.time(f.first),
                clock.time(f.last),
                f.every_ns()
                    .map(|ns| format!(" (every {:.1} s)", ns as f64 / 1e9))
                    .unwrap_or_default()
            ),
            "each ended",
        ),
    };
    format!(
        "{} — {needs}{runs}, {each} within {}{}{}",
        program_words(f),
        within_words(f.longest_ns),
        ended_how(f),
        recovered_words(f, clock)
    )
}

/// How long the longest of a program's failed runs lived: "1 ms", "2.5 s".
fn within_words(longest_ns: i64) -> String {
    if longest_ns < Timestamp::NANOS_PER_SEC {
        format!("{} ms", (longest_ns.max(1) + 999_999) / 1_000_000)
    } else {
        format!("{:.1} s", longest_ns as f64 / 1e9)
    }
}

/// The words of [`failing_start_sentence`] that tell the runs: when ("5 times from 08:22:31
/// to 08:22:39 (every 2.0 s)"), and how they ended, with the connects of theirs that failed
/// first, the libraries missing, the other endpoints connected to, and a later start that
/// went well.
fn failing_runs_words(f: &FailingStart, clock: Clock) -> (String, String) {
    let within = format!("within {}", within_words(f.longest_ns));
    let each = if f.starts == 1 {
        "it ended"
    } else {
        "each run ended"
    };
    let mut ended = format!("{each} {within}{}", ended_how(f));
    if let Some(connect) = connects_words(f) {
        ended.push_str(&format!(" after {connect}"));
    }
    (
        runs_when(f, clock),
        format!("{ended}{}", runs_rest(f, clock)),
    )
}

/// When a failing program's runs were: "5 times from 08:22:31 to 08:22:39 (every 2.0 s)",
/// "once, at 08:22:31".
fn runs_when(f: &FailingStart, clock: Clock) -> String {
    match f.starts {
        1 => format!("once, at {}", clock.time(f.first)),
        n => format!(
            "{n} times from {} to {}{}",
            clock.time(f.first),
            clock.time(f.last),
            f.every_ns()
                .map(|ns| format!(" (every {:.1} s)", ns as f64 / 1e9))
                .unwrap_or_default()
        ),
    }
}

/// What else is known of a failing program's runs, after how they ended: the libraries
/// missing, the other endpoints of the report it was seen connecting to, a file not read in
/// its container, a later start that went well.
fn runs_rest(f: &FailingStart, clock: Clock) -> String {
    let mut libs = if f.missing.is_empty() {
        String::new()
    } else {
        format!(", and {}", missing_words(f))
    };
    if !f.connected_to.is_empty() {
        libs.push_str(&format!(
            ", and its processes were seen connecting to {}, {} with incidents of {} own",
            and_list(&f.connected_to),
            if f.connected_to.len() == 1 {
                "an endpoint"
            } else {
                "endpoints"
            },
            if f.connected_to.len() == 1 {
                "its"
            } else {
                "their"
            },
        ));
    }
    if f.elsewhere.as_ref().is_some_and(|e| !e.file_read) {
        libs.push_str(&format!(
            "; its file is inside the {} and was not read, as no process of it was left \
             running to read it through (a file of that path on the host is not it)",
            match f.elsewhere.as_ref().and_then(|e| e.container.as_ref()) {
                Some(_) => "container",
                None => "other root",
            }
        ));
    }
    libs.push_str(&recovered_words(f, clock));
    libs
}

/// How a program's failing starts ended, where a later start went well: "; then it started
/// at 10:05:00 and kept running", "; then a run started at 10:05:00 ended with exit status
/// 0"; nothing while they go on.
pub fn recovered_words(f: &FailingStart, clock: Clock) -> String {
    match f.recovered {
        None => String::new(),
        Some(Recovered {
            at,
            how: RecoveredHow::KeptRunning,
        }) => format!("; then it started at {} and kept running", clock.time(at)),
        Some(Recovered {
            at,
            how: RecoveredHow::EndedWell,
        }) => format!(
            "; then a run started at {} ended with exit status 0",
            clock.time(at)
        ),
    }
}

/// How a failing program's runs ended: " with exit status 1", ", killed by signal 11
/// (SIGSEGV)", ", killed by signal 9 (SIGKILL) by the OOM killer", or how many a signal
/// killed where they ended differently; nothing where the kernel told none.
fn ended_how(f: &FailingStart) -> String {
    let oom = match f.oom_killed {
        0 => String::new(),
        n if n == f.starts => " by the OOM killer".to_owned(),
        n => format!(" ({n} of them by the OOM killer)"),
    };
    if let Some(sig) = f.signal {
        let name = restarts::signal_name(sig)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        return format!(", killed by signal {sig}{name}{oom}");
    }
    if let Some(status) = f.exit_status {
        return format!(" with exit status {status}");
    }
    match f.killed {
        0 => String::new(),
        n => format!(
            ", not all the same way: {} killed by a signal{oom}",
            if n == 1 {
                "1 was".to_owned()
            } else {
                format!("{n} were")
            }
        ),
    }
}

/// "it needs libzmq.so.5, which the loader cannot find", its libraries' own needs named with
/// the library that needs them; "it needed libzmq.so.5, which the loader could not find then
/// (found later)" for those a later read found ([`MissingLibrary::found_since`]: installed
/// since, the fix).
fn missing_words(f: &FailingStart) -> String {
    let (now, then) = (missing_names(f, false), missing_names(f, true));
    let mut words = Vec::new();
    if !now.is_empty() {
        words.push(format!(
            "it needs {}, which the loader cannot find",
            and_list(&now)
        ));
    }
    if !then.is_empty() {
        words.push(format!(
            "it needed {}, which the loader could not find then (found later)",
            and_list(&then)
        ));
    }
    words.join(", and ")
}

/// The libraries a failing program needs and the loader cannot find (`found_since` false),
/// or could not while it failed and finds now (true), each library's own needs with the
/// library that needs them: "libzmq.so.5", "libsodium.so.23 (for /usr/lib/libzmq.so.5)".
fn missing_names(f: &FailingStart, found_since: bool) -> Vec<String> {
    f.missing
        .iter()
        .filter(|m| m.found_since == found_since)
        .map(|m| {
            if m.needed_by == f.program {
                m.name.clone()
            } else {
                format!("{} (for {})", m.name, m.needed_by)
            }
        })
        .collect()
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "collector (pid 4312) listens on 7211 again, first seen there at 15:09:02 (samples are a
/// second apart).", or as of the capture's end or of a saved file, for a listener that started
/// after the refusals. Not "since" that sample: it listened before it, maybe a second earlier,
/// within the second of `capture`'s line the diagnosis is told under.
fn listening_again(now: &ListenerRecord, port: &str, clock: Clock, as_of: AsOf) -> String {
    let (when, listens) = (as_of.words(clock), as_of.listens());
    match as_of {
        AsOf::Now => format!(
            "{} listens on {port} again, first seen there at {} (samples are a second apart).",
            now.process.label(),
            clock.time(now.first_seen)
        ),
        AsOf::End(_) | AsOf::Saved(_) if now.first_seen == now.last_seen => format!(
            "{} {listens} on {port} again{when}, and only the last sample (once a second) \
             saw it.",
            now.process.label(),
        ),
        AsOf::End(end) => format!(
            "{} listened on {port} again from {} until the capture ended{}.",
            now.process.label(),
            clock.time(now.first_seen),
            end.map(|t| format!(" ({})", clock.time(t)))
                .unwrap_or_default()
        ),
        AsOf::Saved(_) => format!(
            "{} listened on {port} again from {}, still{when}.",
            now.process.label(),
            clock.time(now.first_seen),
        ),
    }
}

#[cfg(test)]
mod dated_range_tests {
    use super::Clock;
    use crate::packet::Timestamp;

    /// 2026-11-27 13:09:12 UTC plus `ms` milliseconds.
    fn at(ms: i64) -> Timestamp {
        Timestamp((1_795_784_952_000 + ms) * 1_000_000)
    }

    #[test]
    fn a_range_is_written_with_its_date_and_zone() {
        let utc = Clock::Utc;
        assert_eq!(
            utc.dated_range(at(250), at(900)),
            "at 2026-11-27 13:09:12 (UTC)"
        );
        assert_eq!(
            utc.dated_range(at(250), at(9_500)),
            "2026-11-27 13:09:12 to 13:09:21 (UTC)"
        );
        assert_eq!(
            utc.dated_range(at(0), at(40_000_000)),
            "2026-11-27 13:09:12 to 2026-11-28 00:15:52 (UTC)"
        );
        let local = Clock::Local.dated_range(at(0), at(1_000));
        let zone = format!("(UTC{})", Clock::Local.offset(at(0)));
        assert!(local.ends_with(&zone), "{local} ends with {zone}");
    }

    #[test]
    fn a_dated_clock_writes_every_time_with_its_date() {
        let at = |s: i64| Timestamp::from_parts(1_764_248_952 + s, 0);
        let utc = Clock::Utc;
        assert_eq!(utc.for_capture(Some(at(0)), Some(at(9_000))), Clock::Utc);
        let dated = utc.for_capture(Some(at(0)), Some(at(40_000_000)));
        assert_eq!(dated, Clock::UtcDated);
        assert_eq!(dated.time(at(0)), "2025-11-27 13:09:12");
        assert_eq!(dated.range(at(0), at(0)), "2025-11-27 13:09:12");
        assert_eq!(dated.range(at(0), at(9)), "2025-11-27 13:09:12-13:09:21");
        assert_eq!(
            dated.range_in(at(0), at(9), true),
            "2025-11-27 13:09:12-13:09:21"
        );
        assert_eq!(dated.zone(at(0)), "UTC");
        assert_eq!(Clock::Local.for_capture(None, None), Clock::Local);
    }

    #[test]
    fn a_range_in_a_capture_of_days_carries_its_date() {
        let utc = Clock::Utc;
        assert!(utc.spans_days(at(0), at(40_000_000)));
        assert!(!utc.spans_days(at(0), at(9_500)));
        assert_eq!(utc.range_in(at(0), at(9_000), false), "13:09:12-13:09:21");
        assert_eq!(
            utc.range_in(at(0), at(9_000), true),
            "2026-11-27 13:09:12-13:09:21"
        );
        assert_eq!(utc.range_in(at(0), at(500), true), "2026-11-27 13:09:12");
        // Across midnight the range has its dates already, once.
        assert_eq!(
            utc.range_in(at(0), at(40_000_000), true),
            "2026-11-27 13:09:12-2026-11-28 00:15:52"
        );
    }
}

/// Checks shared by the tests of the outputs that write times.
#[cfg(test)]
pub(crate) mod tests {
    use super::Clock;
    use crate::packet::Timestamp;

    /// Regression (a real-failure trial): "from 1 client" never said which client, which an
    /// admin then looked up in the capture. A few clients, all known, are named, lowest first;
    /// more, or a count that is a lower bound, are counted as before.
    #[test]
    fn a_few_clients_are_named() {
        use crate::engine::offenders::Offender;
        let addr = |a: &str| Some(a.parse().expect("an address"));
        let refused = |clients: u64, few| Offender {
            failed_refused: 4,
            failed_attempts: 4,
            attempts: 4,
            rst_packets: 4,
            rst_by_cause: [4, 0, 0, 0, 0],
            incidents: 4,
            clients,
            few_clients: few,
            ..Offender::blank("10.0.0.9", 80)
        };
        let said = |o: &Offender| super::diagnosis(o, Clock::Utc);
        let one = refused(1, [addr("10.0.0.1"), None, None]);
        assert!(
            said(&one).starts_with(
                "10.0.0.9:80 refused all 4 connection attempts from client 10.0.0.1 ("
            ),
            "{}",
            said(&one)
        );
        let three = refused(3, [addr("10.0.0.1"), addr("10.0.0.2"), addr("::1")]);
        assert!(
            said(&three).contains("from clients 10.0.0.1, 10.0.0.2 and ::1 ("),
            "{}",
            said(&three)
        );
        let four = refused(4, [None; 3]);
        assert!(said(&four).contains("from 4 clients ("), "{}", said(&four));
        let mut many = refused(3, [addr("10.0.0.1"), addr("10.0.0.2"), addr("10.0.0.3")]);
        many.clients_at_least = true;
        assert!(
            said(&many).contains("from at least 3 clients ("),
            "{}",
            said(&many)
        );
    }

    /// A time's fraction is written to the digits its file records, nine of a nanosecond
    /// file's, cut (not rounded: .2349 of a millisecond file is still .234), before 1970 too.
    #[test]
    fn fractions_to_the_digits_recorded() {
        let ts = Timestamp::from_parts(1_700_000_000, 234_567_891);
        let said: Vec<String> = [0, 1, 3, 6, 9, 12]
            .iter()
            .map(|&d| super::fraction(ts, d))
            .collect();
        assert_eq!(
            said,
            ["", ".2", ".234", ".234567", ".234567891", ".234567891"]
        );
        assert_eq!(super::fraction(Timestamp(-1), 3), ".999");
        assert_eq!(super::fraction(Timestamp(-1), 9), ".999999999");
        assert_eq!(Clock::Utc.full_to(ts, 3), "2023-11-14 22:13:20.234 +00:00");
        assert_eq!(
            Clock::Utc.full_to(ts, 9),
            "2023-11-14 22:13:20.234567891 +00:00"
        );
        assert_eq!(Clock::Utc.full(ts), "2023-11-14 22:13:20.234567 +00:00");
    }

    #[test]
    fn addresses_and_endpoints_are_written_as_display_writes_them() {
        use super::{address, endpoint};
        use std::net::{IpAddr, SocketAddr};
        let addrs = [
            "0.0.0.0",
            "1.2.3.4",
            "10.0.100.255",
            "255.255.255.255",
            "198.51.100.14",
            "::",
            "::1",
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "fe80::1:2:3:4",
            "2001:db8:0:1:1:1:1:1",
        ];
        for a in addrs {
            let addr: IpAddr = a.parse().expect("address");
            assert_eq!(address(addr), addr.to_string());
            for port in [0, 7, 80, 65_535] {
                assert_eq!(
                    endpoint(addr, port),
                    SocketAddr::new(addr, port).to_string()
                );
            }
        }
        for octet in 0..=255u8 {
            let addr = IpAddr::from([octet, 255 - octet, octet / 3, 9]);
            assert_eq!(address(addr), addr.to_string());
        }
    }

    /// The first time of day in `s` written without its date and zone (`13:09:12`, not
    /// `2026-11-27T13:09:12Z`), if any.
    pub(crate) fn bare_time(s: &str) -> Option<&str> {
        let b = s.as_bytes();
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        (0..b.len()).find_map(|i| {
            let hms = [0, 1, 3, 4, 6, 7].iter().all(|&k| digit(i + k))
                && b.get(i + 2) == Some(&b':')
                && b.get(i + 5) == Some(&b':');
            let stamped = i > 0 && b[i - 1] == b'T';
            (hms && !stamped).then(|| &s[i..i + 8])
        })
    }

    /// 2026-11-27 13:09:12 UTC plus `ms` milliseconds.
    fn at(ms: i64) -> Timestamp {
        Timestamp((1_795_784_952_000 + ms) * 1_000_000)
    }

    #[test]
    fn a_stamped_clock_writes_each_time_whole() {
        let utc = Clock::Utc.stamped();
        assert_eq!(utc.time(at(250)), "2026-11-27T13:09:12Z");
        assert_eq!(utc.time_ms(at(250)), "2026-11-27T13:09:12.250Z");
        assert_eq!(utc.date_time(at(250)), "2026-11-27T13:09:12Z");
        assert_eq!(utc.range(at(0), at(900)), "2026-11-27T13:09:12Z");
        assert_eq!(
            utc.range(at(0), at(9_000)),
            "2026-11-27T13:09:12Z to 2026-11-27T13:09:21Z"
        );
        assert_eq!(
            utc.range_in(at(0), at(9_000), true),
            utc.range(at(0), at(9_000))
        );
        assert_eq!(bare_time(&utc.range(at(0), at(9_000))), None);
        assert_eq!(bare_time("at 13:09:12"), Some("13:09:12"));
        let local = Clock::Local.stamped().time(at(0));
        assert!(
            local.ends_with(&Clock::Local.offset(at(0))) || local.ends_with('Z'),
            "{local}"
        );
        assert_eq!(Clock::Local.stamped().zone(at(0)), Clock::Local.zone(at(0)));
    }
}

#[cfg(test)]
mod failing_start_tests {
    use super::{Clock, failing_start_sentence};
    use crate::host::restarts::{FailingStart, Recovered, RecoveredHow, StartLink, failing_start};
    use crate::packet::Timestamp;

    fn killed(starts: u32, signal: Option<u8>, killed: u32, oom: u32) -> FailingStart {
        FailingStart {
            starts,
            longest_ns: 3_140_000_000,
            exit_status: None,
            signal,
            killed,
            oom_killed: oom,
            link: StartLink::SameProgram,
            ..failing_start("/opt/x/bin/collector", 0, i64::from(starts - 1) * 2)
        }
    }

    /// The machine-wide list marks a program whose runs were all in other network namespaces
    /// than the capture's (the diagnoses leave it out), and only where both are known: a
    /// program of the capture's namespace, of several with the capture's among them, of
    /// unknown namespaces or beside a capture whose namespace is unknown is told as before.
    #[test]
    fn a_program_failing_only_in_another_network_namespace_says_so_in_the_machines_list() {
        let mark = "It ran in another network namespace than the capture's";
        let line = |capture: Option<u64>, runs: &[u64]| {
            let f = FailingStart {
                net_ns: runs.to_vec(),
                ..killed(3, Some(11), 3, 0)
            };
            let h = super::HostReport::default();
            super::failing_start_line_of(&h, &f.told_against(capture), Clock::Utc)
        };
        let elsewhere = line(Some(4_026_531_840), &[4_026_532_001]);
        assert!(
            elsewhere.starts_with(&super::failing_start_line(
                &killed(3, Some(11), 3, 0),
                Clock::Utc
            )) && elsewhere.ends_with(&format!(
                " {mark}: none of the ports captured was its to serve."
            )),
            "{elsewhere}"
        );
        for (capture, runs) in [
            (Some(4_026_531_840), &[4_026_531_840][..]),
            (Some(4_026_531_840), &[4_026_532_001, 4_026_531_840][..]),
            (Some(4_026_531_840), &[][..]),
            (None, &[4_026_532_001][..]),
        ] {
            assert!(!line(capture, runs).contains(mark), "{capture:?} {runs:?}");
        }
    }

    /// A program whose runs' network namespace was not read (they ended within milliseconds,
    /// started into their namespace by `ip netns exec`, and nothing of that namespace left to
    /// read it through; or the read was refused) says so with the refused port and in the
    /// machine's list, rather than read as one of the capture's namespace. Regression (three
    /// namespaces): such a program, failing in another, was told with the capture's refused
    /// port as if it could have served it.
    #[test]
    fn a_program_whose_network_namespace_was_not_read_says_so() {
        use crate::host::restarts::NetNsUnread::{Gone, NotPermitted};
        let f = |runs: &[u64], unread| FailingStart {
            link: StartLink::Timing,
            net_ns: runs.to_vec(),
            net_ns_unread: unread,
            net_ns_relation: None,
            ..killed(3, Some(11), 3, 0)
        };
        let said = failing_start_sentence(7312, &f(&[], Some(Gone)), Clock::Utc);
        assert!(
            said.starts_with(&failing_start_sentence(7312, &f(&[], None), Clock::Utc))
                && said.ends_with(
                    " It may have run in another network namespace than the capture's, where \
                     it could not have served 7312: its runs had ended before their namespace \
                     could be read, as had the processes that started them there."
                ),
            "{said}"
        );
        let refused = failing_start_sentence(7312, &f(&[], Some(NotPermitted)), Clock::Utc);
        assert!(refused.contains("CAP_SYS_PTRACE"), "{refused}");
        // The machine's list, against the capture's namespace.
        let line = |capture: Option<u64>, runs: &[u64], unread| {
            let h = super::HostReport::default();
            super::failing_start_line_of(&h, &f(runs, unread).told_against(capture), Clock::Utc)
        };
        let mark = "It may have run in another network namespace than the capture's: ";
        let ours = 4_026_531_840;
        assert!(line(Some(ours), &[], Some(Gone)).contains(mark));
        assert!(line(Some(ours), &[4_026_532_001], Some(NotPermitted)).contains(mark));
        // A run read in the capture's, or the capture's not known: nothing to say.
        assert!(!line(Some(ours), &[ours], Some(Gone)).contains(mark));
        assert!(!line(None, &[], Some(Gone)).contains(mark));
        assert!(!line(Some(ours), &[4_026_532_001], None).contains(mark));
    }

    /// How the runs ended, as the kernel told it: the OOM killer's SIGKILL, runs that ended
    /// differently; a run of seconds said in seconds.
    #[test]
    fn the_sentence_says_how_the_runs_ended() {
        let said = |f: &FailingStart| failing_start_sentence(7211, f, Clock::Utc);
        assert_eq!(
            said(&killed(3, Some(9), 3, 3)),
            "The program that listened on 7211, /opt/x/bin/collector, failed to start 3 times \
             from 00:00:00 to 00:00:04 (every 2.0 s): each run ended within 3.1 s, killed by \
             signal 9 (SIGKILL) by the OOM killer."
        );
        assert!(
            said(&killed(5, None, 4, 1)).ends_with(
                "each run ended within 3.1 s, not all the same way: 4 were killed by a signal \
                 (1 of them by the OOM killer)."
            ),
            "{}",
            said(&killed(5, None, 4, 1))
        );
        assert!(
            said(&killed(3, Some(40), 3, 0)).ends_with("killed by signal 40."),
            "a real-time signal has no name"
        );
    }

    /// Runs that ended after their connects failed: with the endpoint, each run's end and
    /// where its connect failed (refused there, or only failed where nothing of the report
    /// refused it; how many where not every run's did), that it was seen only as a client
    /// there, never listening, and the facts row with it; on their
    /// own, where every run's did, what they were: a program that ran, not one that cannot
    /// start, killed by a signal here.
    #[test]
    fn runs_ended_after_failed_connects_are_told_so() {
        use crate::host::restarts::FailedConnects;
        let gave_up = |runs: u32, refused: bool| FailingStart {
            exit_status: Some(1),
            signal: None,
            killed: 0,
            link: StartLink::Timing,
            failed_connects: Some(FailedConnects {
                runs,
                to: vec!["127.0.0.1:5432".into(), "[::1]:5432".into()],
                refused,
            }),
            ..killed(4, None, 0, 0)
        };
        // The endpoint's sentence tells them as the machine-wide list does: a program that
        // ran, its connects failing, not one that cannot start.
        let said = failing_start_sentence(7211, &gave_up(4, true), Clock::Utc);
        assert_eq!(
            said,
            "While 7211 was refused, /opt/x/bin/collector ran 4 times from 00:00:00 to \
             00:00:06 (every 2.0 s), each run exiting with status 1 within 3.1 s, after its \
             connect to 127.0.0.1:5432 or [::1]:5432 was refused (its connects failed, not \
             its start). Whether it would serve 7211 cannot be seen (it was seen only as a \
             client of 127.0.0.1:5432 and [::1]:5432, never listening): only the timing links \
             them."
        );
        assert!(
            said.contains(
                &super::failing_start_line(&gave_up(4, true), Clock::Utc)
                    .trim_end_matches('.')
                    .replacen("/opt/x/bin/collector ", "", 1)
            ),
            "the same words as the list's: {said}"
        );
        assert!(
            failing_start_sentence(7211, &gave_up(2, false), Clock::Utc).contains(
                "after its connect to 127.0.0.1:5432 or [::1]:5432 failed (2 of the 4 runs). "
            ),
            "only failed where no endpoint of the report refused it"
        );
        assert!(
            super::failing_start_facts(&gave_up(4, true), Clock::Utc).starts_with(
                "/opt/x/bin/collector — after its connect to 127.0.0.1:5432 or [::1]:5432 was \
                 refused; 4 runs from"
            ),
            "{}",
            super::failing_start_facts(&gave_up(4, true), Clock::Utc)
        );
        // Every run killed by SIGSEGV after its connect failed: a program that cannot start
        // (a server crashing when its database refuses it), a client there too.
        let crashed = FailingStart {
            exit_status: None,
            signal: Some(11),
            killed: 4,
            ..gave_up(4, true)
        };
        assert_eq!(
            failing_start_sentence(7211, &crashed, Clock::Utc),
            "While 7211 was refused, /opt/x/bin/collector failed to start 4 times from 00:00:00 \
             to 00:00:06 (every 2.0 s): each run ended within 3.1 s, killed by signal 11 \
             (SIGSEGV) after its connect to 127.0.0.1:5432 or [::1]:5432 was refused. Whether \
             it would serve 7211 cannot be seen (it was seen only as a client of 127.0.0.1:5432 \
             and [::1]:5432, never listening): only the timing links them."
        );
        let piped = FailingStart {
            exit_status: None,
            signal: Some(13),
            killed: 4,
            ..gave_up(4, true)
        };
        assert_eq!(
            super::failing_start_line(&piped, Clock::Utc),
            "/opt/x/bin/collector ran 4 times from 00:00:00 to 00:00:06 (every 2.0 s), each \
             run killed by signal 13 (SIGPIPE) within 3.1 s, after its connect to \
             127.0.0.1:5432 or [::1]:5432 was refused (its connects failed, not its start)."
        );
    }

    /// A loop over: the start that went well is told after the failed ones.
    /// The machine-wide list, told without a port.
    #[test]
    fn a_failing_start_is_told_on_its_own() {
        assert_eq!(
            super::failing_start_line(&killed(3, Some(11), 3, 0), Clock::Utc),
            "/opt/x/bin/collector failed to start 3 times from 00:00:00 to 00:00:04 (every \
             2.0 s): each run ended within 3.1 s, killed by signal 11 (SIGSEGV)."
        );
    }

    /// Regression (the 7211 story in a container): the program's path is the container's,
    /// and its file was read from the host's of the same path, or told nothing. It is named
    /// with its container, and a file not read says so.
    #[test]
    fn a_program_failing_in_a_container_is_named_with_it() {
        use crate::host::container::Container;
        use crate::host::loader::MissingLibrary;
        use crate::host::restarts::Elsewhere;
        let mut f = killed(5, None, 0, 0);
        f.program = "/opt/x/collector".into();
        f.exit_status = Some(127);
        f.longest_ns = 1_000_000;
        f.link = StartLink::Timing;
        f.elsewhere = Some(Elsewhere {
            container: Some(Container {
                runtime: "podman".into(),
                id: "3f2a9c1e0b7d".into(),
                pod: None,
            }),
            cgroup: None,
            file_read: false,
        });
        assert_eq!(
            super::failing_start_line(&f, Clock::Utc),
            "/opt/x/collector in container 3f2a9c1e0b7d failed to start 5 times from 00:00:00 \
             to 00:00:08 (every 2.0 s): each run ended within 1 ms with exit status 127; its \
             file is inside the container and was not read, as no process of it was left \
             running to read it through (a file of that path on the host is not it)."
        );
        assert_eq!(
            super::failing_start_facts(&f, Clock::Utc),
            "/opt/x/collector in container 3f2a9c1e0b7d — its file not read (nothing of its \
             root left running); 5 runs from 00:00:00 to 00:00:08 (every 2.0 s), each ended \
             within 1 ms with exit status 127"
        );
        f.elsewhere = Some(Elsewhere {
            container: None,
            cgroup: None,
            file_read: true,
        });
        f.missing = vec![MissingLibrary {
            name: "libzmqfake.so.5".into(),
            needed_by: "/opt/x/collector".into(),
            found_since: false,
        }];
        assert!(
            failing_start_sentence(7211, &f, Clock::Utc).starts_with(
                "While 7211 was refused, /opt/x/collector in another root (a container or \
                 chroot) failed to start 5 times"
            ),
            "{}",
            failing_start_sentence(7211, &f, Clock::Utc)
        );
        assert!(
            failing_start_sentence(7211, &f, Clock::Utc)
                .contains("with exit status 127, and it needs libzmqfake.so.5, which"),
            "{}",
            failing_start_sentence(7211, &f, Clock::Utc)
        );
    }

    #[test]
    fn the_sentence_says_when_a_later_start_went_well() {
        let said = |f: &FailingStart| failing_start_sentence(7211, f, Clock::Utc);
        let mut f = killed(3, Some(11), 3, 0);
        f.recovered = Some(Recovered {
            at: Timestamp(3_725_000_000_000),
            how: RecoveredHow::KeptRunning,
        });
        assert!(
            said(&f).ends_with(
                "killed by signal 11 (SIGSEGV); then it started at 01:02:05 and kept running."
            ),
            "{}",
            said(&f)
        );
        f.recovered = Some(Recovered {
            at: Timestamp(3_725_000_000_000),
            how: RecoveredHow::EndedWell,
        });
        assert!(
            said(&f).ends_with("; then a run started at 01:02:05 ended with exit status 0."),
            "{}",
            said(&f)
        );
    }

    /// Regression (terminal trial, the story live to its fix): once the missing library was
    /// back and the collector kept running, its sentence said the status 127 and no more. The
    /// library a later read found is told as the runs' cause, in the past; one still missing
    /// as before.
    #[test]
    fn regression_a_library_found_later_is_still_told_as_the_runs_cause() {
        let lib = |name: &str, found_since| crate::host::loader::MissingLibrary {
            name: name.into(),
            needed_by: "/opt/x/bin/collector".into(),
            found_since,
        };
        let mut f = killed(9, None, 0, 0);
        (f.exit_status, f.longest_ns) = (Some(127), 1_000_000);
        f.missing = vec![lib("libtrialq.so.1", true)];
        f.recovered = Some(Recovered {
            at: Timestamp(20_000_000_000),
            how: RecoveredHow::KeptRunning,
        });
        assert_eq!(
            failing_start_sentence(7311, &f, Clock::Utc),
            "The program that listened on 7311, /opt/x/bin/collector, failed to start 9 times \
             from 00:00:00 to 00:00:16 (every 2.0 s): each run ended within 1 ms with exit \
             status 127, and it needed libtrialq.so.1, which the loader could not find then \
             (found later); then it started at 00:00:20 and kept running."
        );
        assert!(
            super::failing_start_facts(&f, Clock::Utc)
                .contains("— needed libtrialq.so.1 (not found then, found later); 9 runs"),
            "{}",
            super::failing_start_facts(&f, Clock::Utc)
        );
        f.missing.push(lib("libcfg.so.1", false));
        assert!(
            failing_start_sentence(7311, &f, Clock::Utc).contains(
                "and it needs libcfg.so.1, which the loader cannot find, and it needed \
                 libtrialq.so.1, which the loader could not find then (found later);"
            ),
            "{}",
            failing_start_sentence(7311, &f, Clock::Utc)
        );
    }
}

#[cfg(test)]
mod unix_secs_tests {
    use super::unix_secs;
    use crate::packet::Timestamp;

    #[test]
    fn negative_times_print_with_their_sign_and_extremes_print_exactly() {
        let at = |ns: i64| unix_secs(Timestamp(ns));
        assert_eq!(at(-500_000_000), "-0.500000");
        assert_eq!(at(-1_500_000_000), "-1.500000");
        assert_eq!(at(-999), "0.000000");
        assert_eq!(at(1_700_000_000_123_456_789), "1700000000.123456");
        assert_eq!(at(i64::MAX), "9223372036.854775");
        assert_eq!(at(i64::MIN), "-9223372036.854775");
    }
}

#[cfg(test)]
mod causes_tests {
    use super::with_causes;

    #[derive(Debug)]
    struct Winapi(std::io::Error);

    impl std::fmt::Display for Winapi {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("IO error in winapi call")
        }
    }

    impl std::error::Error for Winapi {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_error_is_told_with_the_reason_under_it() {
        let e = Winapi(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "Access is denied.",
        ));
        // Its full stop goes: the text is put into a sentence ("cannot open the service
        // manager (...); run this from an administrator's command prompt").
        assert_eq!(with_causes(&e), "IO error in winapi call: Access is denied");
        let plain = std::io::Error::other("plain");
        assert_eq!(with_causes(&plain), "plain");
    }
}

#[cfg(test)]
mod bytes_tests {
    use super::bytes;

    #[test]
    fn sizes_are_written_in_powers_of_1024() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(20_208), "19.7 KiB");
        assert_eq!(bytes(1000 << 20), "1000.0 MiB");
        assert_eq!(bytes(1_181_116_006), "1.1 GiB");
    }
}

#[cfg(test)]
mod rate_tests {
    use super::{Timestamp, approx_duration, capture_span, rate, under_a_second};

    #[test]
    fn spans_are_given_in_the_unit_that_reads_best() {
        assert_eq!(approx_duration(10), "10 s");
        assert_eq!(approx_duration(3700), "62 min");
        assert_eq!(approx_duration(9000), "2.5 h");
        assert_eq!(approx_duration(345_066), "4.0 days");
    }

    /// Regression (real-window trial): a capture of 12 ms lasted "0.0 s", as one of a
    /// single packet did; and one of 172 µs was "under 1 ms" beside its connection's "172
    /// µs".
    #[test]
    fn a_capture_under_a_second_lasted_milliseconds() {
        let t0 = Timestamp::from_parts(1_700_000_000, 200_000_000);
        let after = |ns: i64| capture_span(t0, Timestamp(t0.0 + ns));
        assert_eq!(after(0), "0 ms");
        assert_eq!(after(400_000), "400 µs");
        assert_eq!(after(172_400), "172 µs");
        assert_eq!(after(999_400), "999 µs");
        assert_eq!(after(999_600), "1.0 ms");
        assert_eq!(after(300), "1 µs");
        assert_eq!(after(2_500_000), "2.5 ms");
        assert_eq!(after(12_050_000), "12 ms");
        assert_eq!(after(999_000_000), "999 ms");
        // Regression (real window, a 10,000-port scan 100 µs a port): 999.9 ms was "1.0 s"
        // in "all lie within 1.0 s, less than a second".
        assert_eq!(after(999_900_000), "999 ms");
        assert_eq!(after(999_999_999), "999 ms");
        assert_eq!(after(1_000_000_000), "1.0 s");
        assert_eq!(after(15_000_000_000), "15.0 s");
        assert!(under_a_second(t0, Timestamp(t0.0 + 999_999_999)));
        assert!(!under_a_second(t0, Timestamp(t0.0 + 1_000_000_000)));
    }

    #[test]
    fn low_rates_are_given_per_hour_or_day() {
        assert_eq!(rate(25.0), "25/s");
        assert_eq!(rate(3000.0), "3,000/s", "grouped as the counts beside it");
        assert_eq!(rate(999.4), "999/s");
        assert_eq!(rate(2.0), "2.0/s");
        assert_eq!(rate(0.05), "0.05/s");
        assert_eq!(rate(0.0), "0.00/s");
        // 7 resets over six and a half minutes.
        assert_eq!(rate(7.0 / 389.0), "0.02/s");
        // 1 over 5 minutes, 2 over 40 minutes, 3 over a day, 2 over four days, 2 over a year.
        assert_eq!(rate(1.0 / 300.0), "12/h");
        assert_eq!(rate(0.009), "32/h");
        assert_eq!(rate(0.02), "0.02/s");
        assert_eq!(rate(2.0 / 2400.0), "3.0/h");
        assert_eq!(rate(3.0 / 86_400.0), "3.0/day");
        assert_eq!(rate(2.0 / (4.0 * 86_400.0)), "0.5/day");
        assert_eq!(rate(2.0 / (365.0 * 86_400.0)), "0.005/day");
    }
}

#[cfg(test)]
mod diagnosis_tests {
    use super::{Clock, diagnosis};
    use crate::engine::{Cause, Offender};
    use crate::packet::Timestamp;

    /// A Windows client's retries of a refused connect (same ISN) are told apart from new
    /// attempts, in the singular when there was one attempt.
    #[test]
    fn retried_refusals_are_said_per_attempt() {
        let refused = |attempts: u64, retries: u64| Offender {
            failed_refused: attempts,
            failed_attempts: attempts,
            refusal_retries: retries,
            attempts,
            ..offender(Cause::Refused, attempts + retries, 0)
        };
        let one = diagnosis(&refused(1, 2), Clock::Utc);
        assert!(one.contains("refused the only connection attempt"), "{one}");
        assert!(
            one.contains(" The attempt was tried 3 times with the same ISN"),
            "{one}"
        );
        let four = diagnosis(&refused(4, 8), Clock::Utc);
        assert!(
            four.contains(" Each refused attempt was tried 3 times with the same ISN"),
            "{four}"
        );
        let uneven = diagnosis(&refused(2, 3), Clock::Utc);
        assert!(
            uneven.contains("was tried 2.5 times on average"),
            "{uneven}"
        );
    }

    /// Regression: the sentence said "refused 12000 of 12345 connection attempts from 1234
    /// clients" beside a table and details that write "12,345" and "1,234"; and a scan's
    /// "1000 ports" beside its "1,000" in the headline.
    #[test]
    fn counts_in_the_sentence_are_grouped_by_thousands_as_the_table_writes_them() {
        let o = Offender {
            failed_refused: 12_000,
            failed_attempts: 12_000,
            attempts: 12_345,
            completed: 345,
            clients: 1_234,
            ..offender(Cause::Refused, 12_000, 0)
        };
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("refused 12,000 of 12,345 connection attempts from 1,234 clients"),
            "{s}"
        );
        assert!(s.contains("while it accepted 345:"), "{s}");
        let aborts = diagnosis(&offender(Cause::Abort, 4_321, 0), Clock::Utc);
        assert!(
            aborts.contains("saw 4,321 aborts of established connections"),
            "{aborts}"
        );
        let resets = diagnosis(&offender(Cause::Stray, 1_000, 0), Clock::Utc);
        assert!(
            resets.contains("saw 1,000 resets with 1 client for connections"),
            "{resets}"
        );
        let injected = Offender {
            rst_packets: 2_000,
            ..offender(Cause::HandshakeReset, 2_000, 1_500)
        };
        let injected = diagnosis(&injected, Clock::Utc);
        assert!(
            injected.starts_with("1,500 of 2,000 resets at "),
            "{injected}"
        );
        let scan = crate::engine::Scan {
            kind: crate::engine::ScanKind::Ports {
                server: "10.0.0.1".parse().expect("ip"),
            },
            client: "10.0.0.9".parse().expect("ip"),
            targets: 1_000,
            refused: 1_000,
            lowest: (
                "10.0.0.1".parse().expect("ip"),
                1,
                crate::packet::Overlay::NONE,
            ),
            highest: (
                "10.0.0.1".parse().expect("ip"),
                1_000,
                crate::packet::Overlay::NONE,
            ),
            attempts: 1_000,
            failed_attempts: 1_000,
            targets_at_least: false,
            completed: 0,
            half_open: 0,
            reset_by_client: 0,
            unanswered: 0,
            unanswered_at_end: 0,
            other: 0,
            open_named: Vec::new(),
            refused_named: vec![(
                "10.0.0.1".parse().expect("ip"),
                1,
                crate::packet::Overlay::NONE,
            )],
            open_targets: Vec::new(),
            first_seen: None,
            last_seen: None,
            rate_over: None,
            typical_attempts: 1,
            retried_named: Vec::new(),
            retried: 0,
            not_kept: 0,
        };
        let scan = super::scan_sentence(&scan, Clock::Utc);
        assert!(scan.contains("probed 1,000 ports (1 to 1000)"), "{scan}");
        assert!(
            scan.contains("1,000 refused (closed): 1 and 999 more"),
            "{scan}"
        );
    }

    /// Regression: the machine's listener on an address and port was named for an endpoint
    /// numbered alike inside a tunnel's overlay network (a tenant's machine behind the tunnel,
    /// which no local process serves). The diagnosis says whose it is and names no program.
    #[test]
    fn an_endpoint_in_an_overlay_network_is_not_served_by_a_local_process() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;
        use crate::packet::{Overlay, OverlayKind};

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let local = Offender {
            failed_refused: 6,
            failed_attempts: 6,
            attempts: 8,
            completed: 2,
            first_seen: at(2),
            last_seen: at(5),
            ..offender(Cause::Refused, 6, 0)
        };
        let was = ListenerRecord {
            addr: std::net::SocketAddr::new(local.addr, local.port),
            process: ProcessInfo::bare(4312, "collector"),
            first_seen: at(0),
            last_seen: at(1),
        };
        let h = sampled_host(
            &local,
            ListenerStatus {
                now: None,
                earlier: vec![was],
            },
            at(0),
            at(8),
        );
        assert!(super::full_diagnosis(&local, Some(&h), Clock::Utc).contains("collector"));
        for overlay in [
            Overlay::of(OverlayKind::Vxlan, 42),
            Overlay::past(OverlayKind::Vxlan),
        ] {
            let tenant = Offender {
                overlay,
                ..local.clone()
            };
            assert!(h.endpoint_at(tenant.key()).is_none());
            let d = super::full_diagnosis(&tenant, Some(&h), Clock::Utc);
            assert!(!d.contains("collector"), "{d}");
            assert!(d.ends_with(super::TENANT_NOT_LOCAL), "{d}");
            // Without the machine's processes, nothing to say of them.
            let bare = super::full_diagnosis(&tenant, None, Clock::Utc);
            assert!(!bare.contains(super::TENANT_NOT_LOCAL), "{bare}");
        }
    }

    /// One client's resets of one cause at 10.0.0.1:80, all in one second.
    /// Refusals among accepted connections: "the service stopped or restarted" where nothing
    /// more is known; where the machine saw its listener stop before them and nothing listen
    /// after, the refusals are said to follow its stop, the next sentence naming it.
    #[test]
    fn refusals_after_a_listener_seen_to_stop_say_it_stopped() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let o = Offender {
            failed_refused: 6,
            failed_attempts: 6,
            attempts: 8,
            completed: 2,
            first_seen: at(2),
            last_seen: at(5),
            ..offender(Cause::Refused, 6, 0)
        };
        let addr = std::net::SocketAddr::new(o.addr, o.port);
        let was = ListenerRecord {
            addr,
            process: ProcessInfo::bare(4312, "collector"),
            first_seen: at(0),
            last_seen: at(1),
        };
        let mut h = sampled_host(
            &o,
            ListenerStatus {
                now: None,
                earlier: vec![was.clone()],
            },
            at(0),
            at(8),
        );
        let bare = diagnosis(&o, Clock::Utc);
        assert!(
            bare.contains("(the service stopped or restarted)"),
            "{bare}"
        );
        let known = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            known.contains(
                "while it accepted 2: nothing was listening on that port after the service \
                 stopped. Nothing listened on 80 when the capture ended (22:13:28); it was \
                 served by collector (pid 4312) until 22:13:21."
            ),
            "{known}"
        );
        // The table's few words say it too.
        assert_eq!(
            super::diagnosis_gist(&o, Some(&h)),
            "Nothing was listening on that port after the service stopped"
        );
        // Listening again at the end, after the last refusal: it did not stop for good, and
        // the refusals came in between (regression, a trial of the story to its fix: "the
        // service stopped or restarted", and only the listener of the end named).
        h.endpoints[0].listener.now = Some(ListenerRecord {
            first_seen: at(7),
            last_seen: at(8),
            ..was
        });
        let back = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            back.contains(
                "while it accepted 2: nothing was listening on that port after the service \
                 stopped, until it was started again. It was served by collector (pid 4312) \
                 until 22:13:21; collector (pid 4312) listened on 80 again from 22:13:27 until \
                 the capture ended (22:13:28)."
            ),
            "{back}"
        );
        assert!(
            super::diagnosis_gist(&o, Some(&h)).ends_with("until it was started again"),
            "{}",
            super::diagnosis_gist(&o, Some(&h))
        );
        // Listening again before the last refusal: not known to be between them.
        h.endpoints[0].listener.now = Some(ListenerRecord {
            first_seen: at(4),
            last_seen: at(8),
            ..h.endpoints[0].listener.now.clone().expect("now")
        });
        assert!(
            super::diagnosis_gist(&o, Some(&h)).ends_with("(the service stopped or restarted)")
        );
        // Regression (real-window trial): a listener that lived 0.2 s, between two samples,
        // accepted 2 connections, and the sentence said "nothing did during this capture".
        h.endpoints[0].listener = ListenerStatus::default();
        let unseen = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            unseen.contains(
                "Nothing listened on 80 when the capture ended (22:13:28), and no sample (once a \
                 second) saw a listener during this capture, though it accepted 2 connections: \
                 one listened between two samples."
            ),
            "{unseen}"
        );
    }

    /// Regression (terminal trial): under `capture`'s line of 05:15:03, which told 19 refusals
    /// and 1 accepted connection, a running capture's diagnosis said the listener "listens on
    /// 7311 since 05:15:04", the time of the sample after that second, as if it listened only
    /// after the line's second. It says when the samples first saw it; so does a listener back
    /// after an earlier one.
    #[test]
    fn regression_a_running_capture_tells_a_new_listener_as_first_seen_not_since() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let o = Offender {
            failed_refused: 19,
            failed_attempts: 19,
            attempts: 20,
            completed: 1,
            first_seen: at(0),
            last_seen: at(9),
            ..offender(Cause::Refused, 19, 0)
        };
        let now = ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(4420, "collector"),
            first_seen: at(10),
            last_seen: at(10),
        };
        let running = |listener| crate::host::state::HostReport {
            ended: false,
            ..sampled_host(&o, listener, at(0), at(10))
        };
        let h = running(ListenerStatus {
            now: Some(now.clone()),
            earlier: Vec::new(),
        });
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "collector (pid 4420) listens on 80, first seen there at 22:13:30 (samples are a \
                 second apart): it started after the refusals."
            ),
            "{text}"
        );
        assert!(!text.contains(" since "), "{text}");
        let was = ListenerRecord {
            process: ProcessInfo::bare(4312, "collector"),
            first_seen: at(-5),
            last_seen: at(-1),
            ..now.clone()
        };
        let h = running(ListenerStatus {
            now: Some(now),
            earlier: vec![was],
        });
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "collector (pid 4420) listens on 80 again, first seen there at 22:13:30 \
                 (samples are a second apart)."
            ),
            "{text}"
        );
        assert!(!text.contains(" since "), "{text}");
    }

    /// Regression (terminal trial, as an ordinary user): 3 aborts at 01:39:51 from a listener
    /// one sample saw, at 01:39:52: "served by a process rstscope cannot see from 01:39:52
    /// until 01:39:52", a span of one sighting that also read as a start after the aborts. One
    /// sighting is said as one time; a listener seen in several samples, first after aborts it
    /// made, is "seen listening" from then, not said to have started then.
    #[test]
    fn regression_a_listener_seen_once_after_its_aborts_is_not_a_span_or_a_start() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;
        use crate::host::sockets::UNSEEN_PID;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let o = Offender {
            completed: 3,
            attempts: 3,
            first_seen: at(5),
            last_seen: at(5),
            ..offender(Cause::Abort, 3, 0)
        };
        let was = ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(UNSEEN_PID, ""),
            first_seen: at(6),
            last_seen: at(6),
        };
        let status = |was: &ListenerRecord| ListenerStatus {
            now: None,
            earlier: vec![was.clone()],
        };
        let h = sampled_host(&o, status(&was), at(0), at(9));
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(&format!(
                "Nothing listened on 80 when the capture ended (22:13:29); it was served by {}, \
                 seen listening by one sample only, at 22:13:26 (samples are a second apart).",
                crate::host::processes::unseen_label(cfg!(windows))
            )),
            "{text}"
        );
        assert!(!text.contains("from 22:13:26"), "{text}");
        // Seen by several samples, first after the aborts: it listened before that sample.
        let longer = ListenerRecord {
            last_seen: at(8),
            ..was.clone()
        };
        let h = sampled_host(&o, status(&longer), at(0), at(9));
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(", seen listening from 22:13:26 until 22:13:28."),
            "{text}"
        );
        // Refusals only before it: it was not listening then, so it is said to start.
        let refused = Offender {
            failed_refused: 3,
            failed_attempts: 3,
            completed: 0,
            ..offender(Cause::Refused, 3, 0)
        };
        let refused = Offender {
            first_seen: at(5),
            last_seen: at(5),
            ..refused
        };
        let h = sampled_host(&refused, status(&longer), at(0), at(9));
        let text = super::full_diagnosis(&refused, Some(&h), Clock::Utc);
        assert!(text.contains(" from 22:13:26 until 22:13:28."), "{text}");
        assert!(!text.contains("seen listening"), "{text}");
        // Listening at the end, seen by the last sample only: one time, said once.
        let last = ListenerRecord {
            first_seen: at(9),
            last_seen: at(9),
            ..was.clone()
        };
        let listening = ListenerStatus {
            now: Some(last.clone()),
            earlier: Vec::new(),
        };
        let h = sampled_host(&refused, listening, at(0), at(9));
        let text = super::full_diagnosis(&refused, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "listened on 80 when the capture ended (22:13:29), and only the last sample \
                 (once a second) saw it: it started after the refusals."
            ),
            "{text}"
        );
        // One refusal (s47: "it started after the refusals", "so the refusals have"). The
        // listener seen by the last sample only, then one seen all along.
        let mut once = Offender {
            failed_refused: 1,
            failed_attempts: 1,
            attempts: 1,
            ..refused.clone()
        };
        once.rst_by_cause[Cause::Refused.index()] = 1;
        let listening = |r: &ListenerRecord| ListenerStatus {
            now: Some(r.clone()),
            earlier: Vec::new(),
        };
        let h = sampled_host(&once, listening(&last), at(0), at(9));
        let text = super::full_diagnosis(&once, Some(&h), Clock::Utc);
        assert!(
            text.ends_with("saw it: it started after the refusal."),
            "{text}"
        );
        let all_along = ListenerRecord {
            first_seen: at(0),
            last_seen: at(9),
            ..last.clone()
        };
        let h = sampled_host(&once, listening(&all_along), at(0), at(9));
        let text = super::full_diagnosis(&once, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "listened on 80 when the capture ended (22:13:29), so the refusal has another \
                 cause (a full or closing listen queue"
            ),
            "{text}"
        );
        let h = sampled_host(&refused, listening(&all_along), at(0), at(9));
        let text = super::full_diagnosis(&refused, Some(&h), Clock::Utc);
        assert!(
            text.contains(", so the refusals have another cause ("),
            "{text}"
        );
        let again = ListenerStatus {
            now: Some(last),
            earlier: vec![ListenerRecord {
                first_seen: at(1),
                last_seen: at(2),
                ..was
            }],
        };
        let h = sampled_host(&refused, again, at(0), at(9));
        let text = super::full_diagnosis(&refused, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "listened on 80 again when the capture ended (22:13:29), and only the last \
                 sample (once a second) saw it."
            ),
            "{text}"
        );
        assert!(!text.contains("from 22:13:29"), "{text}");
    }

    /// Regression (terminal trial): attempts unanswered while a process listened and the
    /// kernel's ListenOverflows rose gave "a firewall drops them, the host is down, or its
    /// listen queue is full. Served by fullq.py": the listen queue is named as the cause.
    #[test]
    fn unanswered_attempts_beside_listen_overflows_name_the_full_queue() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;
        use crate::host::state::{HostReport, KernelCounter, LISTEN_OVERFLOWS};

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let o = Offender {
            failed_unanswered: 11,
            failed_attempts: 11,
            attempts: 12,
            completed: 1,
            first_seen: at(2),
            last_seen: at(9),
            ..Offender::blank("127.0.0.1", 7500)
        };
        let listener = ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(4312, "fullq.py"),
            first_seen: at(0),
            last_seen: at(10),
        };
        let mut h = HostReport {
            kernel: vec![KernelCounter {
                name: LISTEN_OVERFLOWS,
                total: 11,
                per_second: Vec::new().into(),
            }],
            ..sampled_host(
                &o,
                ListenerStatus {
                    now: Some(listener),
                    earlier: Vec::new(),
                },
                at(0),
                at(10),
            )
        };
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "Served by fullq.py (pid 4312), and the kernel's ListenOverflows rose by 11 \
                 during the capture: its listen queue is full"
            ),
            "{text}"
        );
        h.kernel.clear();
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(text.contains("Served by fullq.py (pid 4312)."), "{text}");
        // Answered late, none given up: the kernel's count confirms the full queue. Before,
        // only "Served by fullq.py (pid 4312)." followed the late answers' sentence.
        let late = Offender {
            failed_unanswered: 0,
            failed_attempts: 0,
            completed: 12,
            resends: crate::engine::offenders::Resends {
                syns: 14,
                late: 7,
                late_ms: (1000, 3100),
                ..Default::default()
            },
            ..o.clone()
        };
        h.kernel.push(KernelCounter {
            name: LISTEN_OVERFLOWS,
            total: 14,
            per_second: Vec::new().into(),
        });
        let text = super::full_diagnosis(&late, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "Served by fullq.py (pid 4312), and the kernel's ListenOverflows rose by 14 \
                 during the capture: its listen queue overflowed"
            ),
            "{text}"
        );
        h.kernel.clear();
        let text = super::full_diagnosis(&late, Some(&h), Clock::Utc);
        assert!(text.contains("Served by fullq.py (pid 4312)."), "{text}");
    }

    /// Regression (terminal trial): a client that began before its service listened, then
    /// the service stopped: "nothing was listening on that port after the service stopped",
    /// though most refusals came before it started; and a service started after the
    /// refusals was said to listen "again". The sentences say when it started.
    #[test]
    fn refusals_before_a_service_started_say_so() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        // Refused from 1 to 9; served from 4 to 6; the machine sampled from 0 to 10.
        let o = Offender {
            failed_refused: 10,
            failed_attempts: 10,
            attempts: 12,
            completed: 2,
            first_seen: at(1),
            last_seen: at(9),
            ..offender(Cause::Refused, 10, 0)
        };
        let served = ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(4312, "collector"),
            first_seen: at(4),
            last_seen: at(6),
        };
        let mut h = sampled_host(
            &o,
            ListenerStatus {
                now: None,
                earlier: vec![served.clone()],
            },
            at(0),
            at(10),
        );
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "while it accepted 2: nothing was listening on that port before the service \
                 started and after it stopped. Nothing listened on 80 when the capture ended \
                 (22:13:30); it was served by collector (pid 4312) from 22:13:24 until 22:13:26."
            ),
            "{text}"
        );
        // Refused from 1 to 3, then started at 4 and listening at the end: not "again".
        let before = Offender {
            completed: 0,
            attempts: 10,
            last_seen: at(3),
            ..o
        };
        h.endpoints[0].listener = ListenerStatus {
            now: Some(ListenerRecord {
                last_seen: at(10),
                ..served
            }),
            earlier: Vec::new(),
        };
        let text = super::full_diagnosis(&before, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "collector (pid 4312) started listening on 80 at 22:13:24, after the refusals, \
                 and still listened when the capture ended (22:13:30)."
            ) && !text.contains("again"),
            "{text}"
        );
        // Regression (real-window trial): the same service accepting the client's next
        // connections once it started was said to have "stopped or restarted".
        let accepted = Offender {
            completed: 4,
            attempts: 14,
            ..before
        };
        let text = super::full_diagnosis(&accepted, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "while it accepted 4: nothing was listening on that port before the service \
                 started. collector (pid 4312) started listening on 80 at 22:13:24, after the \
                 refusals"
            ),
            "{text}"
        );
        assert_eq!(
            super::diagnosis_gist(&accepted, Some(&h)),
            "Nothing was listening on that port before the service started"
        );
    }

    /// Regression (real-window trial): a web server started a second after the capture, its
    /// client's first connection aborted before the host's first sample saw the server
    /// listen, the server stopped and its client refused from then on: "nothing was
    /// listening on that port before the service started and after it stopped", where no
    /// refusal came before it started.
    #[test]
    fn an_incident_before_the_first_sample_is_no_refusal_before_the_service_started() {
        use crate::engine::SecondCounts;
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;

        let t0 = 1_700_000_000;
        let at = |s: i64| Timestamp::from_parts(t0 + s, 500_000_000);
        // An abort at 1; served, seen from 2 to 6; refused from 7 to 9; sampled 0 to 10.
        let second = |s: i64, abort: u32, refused: u32| {
            let mut c = SecondCounts {
                incidents: abort + refused,
                failed_by: [refused, 0, 0],
                ..SecondCounts::default()
            };
            c.rst[Cause::Abort.index()] = abort;
            c.rst[Cause::Refused.index()] = refused;
            c.failed_by[crate::engine::Failure::Refused.index()] = refused;
            (t0 + s, c)
        };
        let o = Offender {
            failed_refused: 3,
            failed_attempts: 3,
            attempts: 8,
            completed: 5,
            first_seen: at(1),
            last_seen: at(9),
            series: vec![
                second(1, 1, 0),
                second(7, 0, 1),
                second(8, 0, 1),
                second(9, 0, 1),
            ]
            .into(),
            ..offender(Cause::Refused, 3, 0)
        };
        let served = ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(4312, "webserve"),
            first_seen: at(2),
            last_seen: at(6),
        };
        let h = sampled_host(
            &o,
            ListenerStatus {
                now: None,
                earlier: vec![served],
            },
            at(0),
            at(10),
        );
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "while it accepted 5: nothing was listening on that port after the service \
                 stopped."
            ),
            "{text}"
        );
        // A refusal in the second before the first sample saw it listen: before it started.
        let early = Offender {
            series: vec![second(1, 0, 1), second(7, 0, 1), second(8, 0, 1)].into(),
            ..o
        };
        let text = super::full_diagnosis(&early, Some(&h), Clock::Utc);
        assert!(
            text.contains("before the service started and after it stopped"),
            "{text}"
        );
    }

    /// Regression (terminal trial): a service bound to 0.0.0.0 (IPv4 only) while its clients
    /// connect to `::1` (as `localhost` can resolve), or bound to another address of the
    /// machine: "Nothing listened on 7211 ... and nothing did during this capture", while a
    /// process listened on port 7211 the whole time. The sentences name the endpoint, the
    /// listener, where it is bound, why that refuses the clients and what to do.
    #[test]
    fn refusals_beside_a_listener_bound_elsewhere_name_it_and_why() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;
        use crate::host::state::HostReport;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        let story = |client: &str, bound: &str| {
            let o = Offender {
                failed_refused: 6,
                failed_attempts: 6,
                attempts: 6,
                first_seen: at(2),
                last_seen: at(5),
                ..offender(Cause::Refused, 6, 0)
            };
            let o = Offender {
                addr: client.parse().expect("address"),
                port: 7211,
                ..o
            };
            let listener = ListenerRecord {
                addr: bound.parse().expect("socket address"),
                process: ProcessInfo::bare(4312, "collector"),
                first_seen: at(0),
                last_seen: at(8),
            };
            let h = HostReport {
                listening: vec![listener],
                ..sampled_host(&o, ListenerStatus::default(), at(0), at(8))
            };
            let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
            (text, super::diagnosis_gist(&o, Some(&h)))
        };
        let (v6, gist) = story("::1", "0.0.0.0:7211");
        assert!(
            v6.contains(
                "Nothing listened on [::1]:7211 when the capture ended (22:13:28) and nothing \
                 did during this capture. But collector (pid 4312) listened on port 7211 at \
                 0.0.0.0 (every IPv4 address, no IPv6), not at ::1: the clients connect over \
                 IPv6, where it does not listen; make it listen on :: too, or the clients \
                 connect over IPv4 (127.0.0.1 rather than localhost, which can resolve to ::1 \
                 first)."
            ),
            "{v6}"
        );
        assert_eq!(
            gist,
            "Nothing listening at this address: port 7211 is served at 0.0.0.0 only"
        );
        let (other, _) = story("127.0.0.1", "10.99.0.1:7211");
        assert!(
            other.contains(
                "Nothing listened on 127.0.0.1:7211 when the capture ended (22:13:28) and \
                 nothing did during this capture. But collector (pid 4312) listened on port \
                 7211 at 10.99.0.1 only, not at 127.0.0.1: the clients connect to an address \
                 it is not bound to; make it listen on 127.0.0.1 too, or the clients connect \
                 to 10.99.0.1."
            ),
            "{other}"
        );
        // A listener that serves the endpoint (every address, dual-stack) is no such case.
        let (served, _) = story("::1", "[::]:7211");
        assert!(!served.contains("But collector"), "{served}");
    }

    /// Regression: attempts still waiting when the capture ended (their SYN less than 10 s
    /// before its end) were blamed on "a firewall drops them, the host is down, or its listen
    /// queue is full", even a SYN that was the capture's last packet. They are told apart,
    /// with how long they waited; attempts given up on after 10 s are still blamed.
    #[test]
    fn attempts_the_capture_ended_on_are_too_soon_to_tell() {
        use crate::engine::CutOff;
        let cut = |attempts, (least, most): (i64, i64)| {
            vec![CutOff {
                second: 100,
                attempts,
                waited_ns: (least * 1_000_000, most * 1_000_000),
            }]
        };
        let unanswered = |n, cut_off| Offender {
            attempts: n,
            failed_attempts: n,
            failed_unanswered: n,
            incidents: n,
            cut_off,
            ..Offender::blank("10.0.0.1", 443)
        };
        // nmap-vsn.pcap's two SYNs to 192.168.1.63:443, 0.71 and 0.61 s before its end.
        let o = unanswered(2, cut(2, (611, 711)));
        assert_eq!(
            diagnosis(&o, Clock::Utc),
            "2 connection attempts to 10.0.0.1:443 from 1 client got no answer before the \
             capture ended (at 00:01:40), 0.6 to 0.7 s after their first SYN: too soon to tell \
             a dropped SYN from a slow answer."
        );
        assert_eq!(
            super::diagnosis_gist(&o, None),
            "No answer before the capture ended: too soon to tell a dropped SYN from a slow \
             answer"
        );
        // The SYN the capture ended with.
        let last = diagnosis(&unanswered(1, cut(1, (0, 0))), Clock::Utc);
        assert!(
            last.contains(
                "1 connection attempt to 10.0.0.1:443 from 1 client got no answer before the \
                 capture ended (at 00:01:40), less than 0.1 s after its first SYN: too soon"
            ),
            "{last}"
        );
        // 9.96 s is short of the 10 s after which an attempt is given up on.
        let late = diagnosis(&unanswered(1, cut(1, (9_960, 9_960))), Clock::Utc);
        assert!(
            late.contains(", 9.9 s after its first SYN: too soon"),
            "{late}"
        );
        // Three given up on after 10 s, two cut off.
        let o = unanswered(5, cut(2, (50, 2_300)));
        assert_eq!(
            diagnosis(&o, Clock::Utc),
            "3 connection attempts to 10.0.0.1:443 from 1 client got no answer (at 00:01:40): a \
             firewall drops them, the host is down, or its listen queue is full. 2 more got \
             none before the capture ended, up to 2.3 s after their first SYN: too soon to tell \
             a dropped SYN from a slow answer."
        );
        assert!(super::diagnosis_gist(&o, None).starts_with("No answer: a firewall drops them"));
        // One refusal outweighs two attempts cut off: nothing listens there.
        let o = Offender {
            attempts: 3,
            failed_attempts: 3,
            failed_refused: 1,
            failed_unanswered: 2,
            cut_off: cut(2, (100, 400)),
            ..offender(Cause::Refused, 1, 0)
        };
        assert_eq!(o.diagnosis().kind, super::DiagnosisKind::Refused);
        let d = diagnosis(&o, Clock::Utc);
        assert!(
            d.contains(
                "refused 1 of 3 connection attempts from 1 client (at 00:01:40): nothing was \
                 listening on that port, or a firewall rejected with a reset \
                 (a capture shows both alike); the other 2 got no answer before the capture ended."
            ),
            "{d}"
        );
    }

    /// Regression (terminal trial): "saw 1 reset for a connection whose start was not
    /// captured with 1 client" read as if the start had been captured with a client. The
    /// clients come with the resets they count, before what the resets were for.
    #[test]
    fn regression_the_clients_of_stray_resets_come_with_the_resets() {
        let d = diagnosis(&offender(Cause::Stray, 1, 0), Clock::Utc);
        assert!(
            d.starts_with(
                "10.0.0.1:80 saw 1 reset with 1 client for a connection whose start was not \
                 captured (at 00:01:40): the capture began mid-connection"
            ),
            "{d}"
        );
        let o = Offender {
            stray_after_reset: [1, 0],
            ..offender(Cause::Stray, 1, 0)
        };
        let d = diagnosis(&o, Clock::Utc);
        assert!(
            d.starts_with(
                "10.0.0.1:80 saw 1 reset with 1 client for a connection its client had already \
                 reset (at 00:01:40)"
            ),
            "{d}"
        );
    }

    /// Resets of connections already reset are told apart from those of connections whose
    /// start was not captured, alone or beside them.
    #[test]
    fn resets_after_a_reset_are_not_of_connections_begun_before_the_capture() {
        let o = Offender {
            stray_after_reset: [2, 0],
            ..offender(Cause::Stray, 2, 0)
        };
        let d = diagnosis(&o, Clock::Utc);
        assert!(
            d.starts_with(
                "10.0.0.1:80 saw 2 resets with 1 client for connections its client had \
                 already reset (at 00:01:40): a late answer from the other side"
            ),
            "{d}"
        );
        assert!(!d.contains("not captured"), "{d}");
        assert!(
            super::diagnosis_gist(&o, None).starts_with("Reset after the connection was reset")
        );
        let o = Offender {
            stray_after_reset: [0, 1],
            ..offender(Cause::Stray, 3, 0)
        };
        let d = diagnosis(&o, Clock::Utc);
        assert!(
            d.contains(
                "saw 3 resets with 1 client (at 00:01:40): 2 for connections whose start was not \
                 captured (the capture began mid-connection"
            ),
            "{d}"
        );
        assert!(
            d.contains("), 1 for a connection the server had already reset (a late"),
            "{d}"
        );
        assert!(super::diagnosis_gist(&o, None).starts_with("Start not captured"));
    }

    /// Who aborted is who sent the aborts, not who sent most of the endpoint's resets: a
    /// client's abort beside the server's two stray resets (zeek/tunnels/Teredo.pcap) was
    /// "sent by the server".
    #[test]
    fn an_abort_is_told_by_its_own_sender() {
        let mut o = offender(Cause::Abort, 1, 0);
        o.rst_packets = 3;
        o.rst_by_cause[Cause::Stray.index()] = 2;
        o.rst_from_server = 2;
        o.rst_from_client = 1;
        o.rst_senders_by_cause[Cause::Abort.index()] = [1, 0];
        o.rst_senders_by_cause[Cause::Stray.index()] = [0, 2];
        let d = diagnosis(&o, Clock::Utc);
        assert!(
            d.contains("), sent by its client: an abortive close"),
            "{d}"
        );
        assert!(super::diagnosis_gist(&o, None).starts_with("Aborted by its client"));
        o.clients = 3;
        assert!(diagnosis(&o, Clock::Utc).contains("sent by its clients"));
        // Counted by the server: the server.
        o.rst_senders_by_cause[Cause::Abort.index()] = [0, 1];
        o.rst_senders_by_cause[Cause::Stray.index()] = [2, 0];
        o.rst_from_server = 1;
        o.rst_from_client = 2;
        assert!(diagnosis(&o, Clock::Utc).contains("), sent by the server: "));
    }

    /// Regression: "6 connection attempts ... got no answer (0.1/s, 20:59:34-21:00:50)" gave
    /// the rate and times of all 9 unanswered attempts, the 3 the capture's end cut off
    /// included; the 6 were at 20:59:34-35. The sentence's times are those of what it counts.
    #[test]
    fn attempts_given_up_on_have_their_own_times_beside_those_cut_off() {
        use crate::engine::{CutOff, SecondCounts};
        let unanswered = |n: u32| SecondCounts {
            failed_by: [0, 0, n],
            incidents: n,
            ..SecondCounts::default()
        };
        let o = Offender {
            attempts: 9,
            failed_attempts: 9,
            failed_unanswered: 9,
            incidents: 9,
            cut_off: vec![CutOff {
                second: 176,
                attempts: 3,
                waited_ns: (5_000_000_000, 5_100_000_000),
            }],
            last_seen: Timestamp::from_parts(176, 0),
            avg_rate: 9.0 / 77.0,
            series: vec![
                (100, unanswered(5)),
                (101, unanswered(1)),
                (176, unanswered(3)),
            ]
            .into(),
            ..Offender::blank("10.0.0.1", 80)
        };
        assert_eq!(
            diagnosis(&o, Clock::Utc),
            "6 connection attempts to 10.0.0.1:80 from 1 client got no answer (3.0/s, \
             00:01:40-00:01:41): a firewall drops them, the host is down, or its listen queue \
             is full. 3 more got none before the capture ended, 5.0 to 5.1 s after their first \
             SYN: too soon to tell a dropped SYN from a slow answer."
        );
    }

    /// Regression (words trial): an endpoint whose attempts went unanswered while another was
    /// answered late said "Their SYNs were sent again 6 times in all" of the 2 given up on,
    /// which had resent 2: the count is of every attempt's SYNs sent again, the late one's
    /// too. It is said only where every SYN resent was one of those given up on.
    #[test]
    fn syns_resent_are_counted_only_where_all_were_the_given_up_attempts() {
        use crate::engine::offenders::Resends;
        let whole = |late: u32| Offender {
            attempts: 3,
            failed_attempts: 2,
            failed_unanswered: 2,
            incidents: 2,
            rst_conns_by_cause: Some([0; 5]),
            resends: Resends {
                syns: 6,
                late,
                unanswered_resent: 2,
                unanswered_longest_ms: 2_000,
                ..Resends::default()
            },
            ..Offender::blank("10.0.0.1", 80)
        };
        let told = |o: &Offender| super::resent_unanswered(o, 2);
        assert_eq!(
            told(&whole(0)),
            " Their SYNs were sent again 6 times in all, each attempt's over up to 2.0 s: its \
             client kept retrying and nothing ever came back."
        );
        assert_eq!(
            told(&whole(1)),
            " Their SYNs were sent again, each attempt's over up to 2.0 s."
        );
        // A time range's counts, the resends the whole capture's.
        let range = Offender {
            rst_conns_by_cause: None,
            ..whole(0)
        };
        assert!(!told(&range).contains("6 times"), "{}", told(&range));
        let refused_too = Offender {
            failed_refused: 1,
            ..whole(0)
        };
        assert!(!told(&refused_too).contains("6 times"));
    }

    /// The report of a machine sampled once a second from `first` to `last`, the capture
    /// over, where `o`'s endpoint is local and `listener` listens (or listened) on it.
    fn sampled_host(
        o: &Offender,
        listener: crate::host::history::ListenerStatus,
        first: Timestamp,
        last: Timestamp,
    ) -> crate::host::state::HostReport {
        crate::host::state::HostReport {
            sampled: Some((first, last)),
            samples: u64::try_from((last.0 - first.0) / Timestamp::NANOS_PER_SEC + 1).unwrap_or(0),
            ended: true,
            endpoints: vec![crate::host::state::EndpointHost {
                listener,
                local: true,
                ..crate::host::state::EndpointHost::empty(o.addr, o.port)
            }],
            ..crate::host::state::HostReport::default()
        }
    }

    /// An endpoint whose every attempt was refused with resets of TTLs `resets`, its host's
    /// SYN-ACKs on any port of TTLs `host` (None: none in the capture).
    fn refused_with(addr: &str, resets: (u8, u8), host: Option<(u8, u8)>) -> Offender {
        use crate::engine::cause::TtlRange;
        Offender {
            failed_refused: 2,
            failed_attempts: 2,
            refusal_ttl: TtlRange::between(resets.0, resets.1),
            host_ttl: host.map_or_else(TtlRange::default, |(a, b)| TtlRange::between(a, b)),
            addr: addr.parse().expect("address"),
            ..offender(Cause::Refused, 2, 0)
        }
    }

    /// A closed port's reset has its host's TTL, a firewall's on the way another; where either
    /// kind came with more than one TTL (ECMP, several hosts behind one address), one hop is
    /// no evidence and the sentence says the capture cannot tell, with the figures; IPv6 says
    /// hop limit; a device with another initial TTL is said so.
    #[test]
    fn refusals_are_told_by_their_ttl_only_where_the_host_answers_with_one() {
        let said = |o: &Offender| diagnosis(o, Clock::Utc);
        let closed = said(&refused_with("192.0.2.130", (63, 63), Some((63, 63))));
        assert!(
            closed.ends_with(
                ": nothing was listening on that port (the resets came with TTL 63, as the server \
                 host's SYN-ACKs on any port: made on that host, by its TCP or a firewall of its \
                 own, not on the way)."
            ),
            "{closed}"
        );
        let firewall = said(&refused_with("192.0.2.130", (64, 64), Some((63, 63))));
        assert!(
            firewall.ends_with(
                ": a firewall on the way rejected them with a reset (the resets came with TTL 64, \
                 where the server host's SYN-ACKs on any port came with 63: made 1 hop nearer the \
                 capture than that host, not by a closed port there)."
            ),
            "{firewall}"
        );
        let device = said(&refused_with("192.0.2.130", (250, 250), Some((57, 57))));
        assert!(
            device.contains(
                "made by another system than that host (another initial TTL: 255 where it sends \
                 with 64)"
            ),
            "{device}"
        );
        let behind = said(&refused_with("192.0.2.130", (61, 61), Some((63, 63))));
        assert!(
            behind.ends_with(
                ": nothing was listening on that port, or a firewall rejected with a reset (the \
                 resets came with TTL 61, 2 hops farther from the capture than the server host's SYN-ACKs on any port, with 63: made behind what \
                 answers the SYNs for that address, as a load balancer's or SYN proxy's backend, \
                 not by a firewall on the way)."
            ),
            "{behind}"
        );
        let varied = said(&refused_with("192.0.2.130", (64, 64), Some((62, 64))));
        assert!(
            varied.ends_with(
                ": nothing was listening on that port, or a firewall rejected with a reset (the \
                 resets came with TTL 64, the server host's SYN-ACKs on any port with 62 to 64: \
                 with the SYN-ACKs of more than one TTL, as over paths of different lengths or \
                 from several hosts behind one address, the TTL cannot tell them apart)."
            ),
            "{varied}"
        );
        let mixed = said(&refused_with("2001:db8::2", (63, 64), Some((63, 63))));
        assert!(
            mixed.contains(
                "(the resets came with hop limit 63 to 64, the server host's SYN-ACKs on any port \
                 with 63: with the resets of more than one hop limit,"
            ),
            "{mixed}"
        );
        let unseen = said(&refused_with("192.0.2.130", (64, 64), None));
        assert!(
            unseen.ends_with("(a capture shows both alike)."),
            "{unseen}"
        );
        // Loopback's resets are its host's own: nothing to compare.
        let lo = said(&refused_with("127.0.0.1", (64, 64), Some((64, 64))));
        assert!(lo.ends_with("(a capture shows both alike)."), "{lo}");
    }

    /// Regression (s46, a real-window walk): a sentence about one refused attempt said "a
    /// firewall on the way rejected them" and "the resets came with TTL 64", and one attempt
    /// with no answer "a firewall drops them" (a time range of one attempt, a file with one).
    /// Each says "it" and "the reset" of one, in the sentence and in the table's few words;
    /// one refusal of several attempts too.
    #[test]
    fn one_attempt_is_told_in_the_singular() {
        use super::diagnosis_gist;
        let one = |resets, host| Offender {
            attempts: 1,
            failed_attempts: 1,
            failed_refused: 1,
            incidents: 1,
            ..refused_with("192.0.2.130", resets, host)
        };
        let one = |resets, host| {
            let mut o = one(resets, host);
            o.rst_by_cause[Cause::Refused.index()] = 1;
            o.rst_packets = 1;
            o
        };
        let firewall = one((64, 64), Some((63, 63)));
        assert_eq!(
            diagnosis(&firewall, Clock::Utc),
            "192.0.2.130:80 refused the only connection attempt from 1 client (at 00:01:40): \
             a firewall on the way rejected it with a reset (the reset came with TTL 64, where \
             the server host's SYN-ACKs on any port came with 63: made 1 hop nearer the capture \
             than that host, not by a closed port there)."
        );
        assert_eq!(
            diagnosis_gist(&firewall, None),
            "Rejected by a firewall on the way"
        );
        let closed = diagnosis(&one((63, 63), Some((63, 63))), Clock::Utc);
        assert!(
            closed.ends_with(
                ": nothing was listening on that port (the reset came with TTL 63, as the server \
                 host's SYN-ACKs on any port: made on that host, by its TCP or a firewall of its \
                 own, not on the way)."
            ),
            "{closed}"
        );
        let behind = diagnosis(&one((61, 61), Some((63, 63))), Clock::Utc);
        assert!(
            behind.contains("(the reset came with TTL 61, 2 hops farther"),
            "{behind}"
        );
        let varied = diagnosis(&one((64, 64), Some((62, 64))), Clock::Utc);
        assert!(
            varied.contains("(the reset came with TTL 64, the server host's"),
            "{varied}"
        );
        // One attempt refused twice (its SYN sent again and refused again): two resets.
        let mut twice = one((64, 64), Some((63, 63)));
        twice.rst_by_cause[Cause::Refused.index()] = 2;
        let said = diagnosis(&twice, Clock::Utc);
        assert!(
            said.contains("rejected it with a reset (the resets came with TTL 64,"),
            "{said}"
        );
        // One refused of two attempts, the other not completed.
        let some = Offender {
            attempts: 2,
            ..firewall.clone()
        };
        let said = diagnosis(&some, Clock::Utc);
        assert!(
            said.contains("refused 1 of 2 connection attempts")
                && said
                    .contains(": a firewall on the way rejected it with a reset (the reset came"),
            "{said}"
        );
        // One attempt with no answer, in its sentence and its few words.
        let silent = Offender {
            attempts: 1,
            failed_attempts: 1,
            failed_unanswered: 1,
            incidents: 1,
            ..Offender::blank("10.0.0.1", 443)
        };
        assert_eq!(
            diagnosis(&silent, Clock::Utc),
            "1 connection attempt to 10.0.0.1:443 from 1 client got no answer (at 00:01:40): a \
             firewall drops it, the host is down, or its listen queue is full."
        );
        assert_eq!(
            diagnosis_gist(&silent, None),
            "No answer: a firewall drops it, the host is down, or its listen queue is full"
        );
    }

    /// Regression (s47): of one SYN or one RST the capturing host dropped, its sentence said
    /// "... drops them before any program sees them, so the programs ... time out" and its
    /// few words "dropped the SYNs"; one attempt answered late "only after its SYNs were sent
    /// again: ... (the SYN-ACKs came long after ...)"; one stray reset "connections were left
    /// half-open"; one injected reset's few words "resets look injected". Each now agrees with
    /// its count, and every sentence of several is as it was.
    #[test]
    fn one_packet_dropped_late_stray_or_injected_is_told_in_the_singular() {
        use super::diagnosis_gist;
        let dropped = |addr: &str, syn: u64, rst: u64, inbound: bool| {
            let packets = syn + rst;
            let (inbound, outbound) = if inbound { (packets, 0) } else { (0, packets) };
            Offender {
                incidents: packets,
                clients: 1,
                dropped: crate::engine::Dropped {
                    packets,
                    syn,
                    rst,
                    from_server: rst,
                    inbound,
                    outbound,
                    by_kind: [packets, 0, 0],
                    places: vec![("TCPIP".into(), packets)],
                    clients: 1,
                    ..crate::engine::Dropped::default()
                }
                .into(),
                ..Offender::blank(addr, 445)
            }
        };
        // (addr, SYNs, RSTs, inbound): the sentence's meaning of one, of two, the few words.
        let cases = [
            (
                "10.0.0.5",
                1,
                0,
                true,
                super::DROPPED_SYN,
                super::DROPPED_SYNS,
                "the SYN:",
            ),
            (
                "10.0.0.5",
                1,
                0,
                false,
                super::DROPPED_OWN_SYN,
                super::DROPPED_OWN_SYNS,
                "",
            ),
            (
                "10.0.0.5",
                0,
                1,
                false,
                super::DROPPED_RST,
                super::DROPPED_RSTS,
                "the RST this",
            ),
            (
                "10.0.0.5",
                0,
                1,
                true,
                super::DROPPED_INCOMING_RST,
                super::DROPPED_INCOMING_RSTS,
                "",
            ),
            (
                "127.0.0.1",
                1,
                0,
                true,
                super::DROPPED_LOOPBACK_SYN,
                super::DROPPED_LOOPBACK_SYNS,
                "the SYN:",
            ),
            (
                "127.0.0.1",
                0,
                1,
                false,
                super::DROPPED_LOOPBACK_RST,
                super::DROPPED_LOOPBACK_RSTS,
                "the RST this",
            ),
        ];
        for (addr, syn, rst, inbound, one, several, gist) in cases {
            let o = dropped(addr, syn, rst, inbound);
            let said = diagnosis(&o, Clock::Utc);
            assert!(said.contains(&format!(": {one}.")), "{said}");
            let few = diagnosis_gist(&o, None);
            assert!(few.contains(gist) && few.ends_with(one), "{few}");
            let two = dropped(addr, syn * 2, rst * 2, inbound);
            let said = diagnosis(&two, Clock::Utc);
            assert!(said.contains(&format!(": {several}.")), "{said}");
            assert!(!said.contains(one), "{said}");
            // The few words say what the sentence says (this host's own SYNs' said "so the
            // clients get no answer").
            let few = diagnosis_gist(&two, None);
            assert!(few.ends_with(several), "{few}");
        }
        assert!(
            diagnosis(&dropped("10.0.0.5", 0, 1, false), Clock::Utc).starts_with(
                "Windows dropped 1 outgoing RST with which 10.0.0.5:445 answered its client ("
            ),
        );
        assert_eq!(
            diagnosis_gist(&dropped("127.0.0.1", 1, 0, true), None),
            "Windows dropped the SYN: a firewall rule (Windows Defender Firewall, WFP) or a \
             filter driver drops it on loopback before any program sees it, so the program on \
             this host that connects gets no answer and times out"
        );

        // One attempt answered late of four (a time range's, the queue the whole capture's),
        // and one of a slow path.
        let late = |late: u32, at_once: u32| Offender {
            attempts: 4,
            completed: 4,
            incidents: u64::from(late),
            rst_conns_by_cause: Some([0; 5]),
            resends: crate::engine::offenders::Resends {
                syns: 3,
                late,
                late_at_once: at_once,
                late_together: 1,
                late_ms: (3000, 3000),
                ..Default::default()
            },
            ..Offender::blank("10.0.0.1", 80)
        };
        let queue = diagnosis(&late(1, 1), Clock::Utc);
        assert!(
            queue.starts_with(
                "10.0.0.1:80 answered 1 of 4 connection attempts from 1 client only after its \
                 SYN was sent again (at 00:01:40): the service is not accepting"
            ),
            "{queue}"
        );
        let slow = diagnosis(&late(1, 0), Clock::Utc);
        assert!(
            slow.contains(
                "only after its SYN was sent again (at 00:01:40): a slow path or a slow host (the \
                 SYN-ACK came long after the last SYN, not right after a SYN sent again: the SYN \
                 was answered slowly rather than dropped) (3 SYNs resent in all;"
            ),
            "{slow}"
        );
        assert_eq!(
            diagnosis_gist(&late(1, 0), None),
            format!("Answered late: {}", super::SLOW_ANSWER_ONCE)
        );
        let slow = diagnosis(&late(2, 0), Clock::Utc);
        assert!(
            slow.contains(&format!(
                "only after their SYNs were sent again (at 00:01:40): {} (3 SYNs",
                super::SLOW_ANSWER
            )),
            "{slow}"
        );

        // One stray reset, in its sentence and its few words; two as before.
        let stray = |n: u64| {
            let mut o = offender(Cause::Stray, n, 0);
            o.rst_conns_by_cause = Some([0, 0, 0, 0, n]);
            o
        };
        let said = diagnosis(&stray(1), Clock::Utc);
        assert!(
            said.ends_with(&format!(
                "for a connection whose start was not captured (at 00:01:40): {}.",
                super::MID_CONNECTION_ONCE
            )),
            "{said}"
        );
        assert_eq!(
            diagnosis_gist(&stray(1), None),
            "Start not captured: the capture began mid-connection, or the connection was left \
             half-open by a reboot or a NAT timeout"
        );
        let said = diagnosis(&stray(2), Clock::Utc);
        assert!(
            said.ends_with(&format!(": {}.", super::MID_CONNECTION)),
            "{said}"
        );

        // One injected reset's few words.
        assert_eq!(
            diagnosis_gist(&offender(Cause::HandshakeReset, 1, 1), None),
            "Reset looks injected: a middlebox or an attacker sent it, not the endpoint"
        );
        assert_eq!(
            diagnosis_gist(&offender(Cause::HandshakeReset, 3, 2), None),
            "Resets look injected: a middlebox or an attacker sent them, not the endpoint"
        );
    }

    /// The hovers of the offenders table's Failed and Late counts (and the details' count of
    /// late answers): what the count was made of, with the endpoint's figures, of one in the
    /// singular.
    #[test]
    fn failed_and_late_counts_say_what_they_were() {
        use super::{Scope, failed_words, late_words};
        let mut o = Offender {
            attempts: 7,
            completed: 4,
            failed_attempts: 3,
            failed_refused: 2,
            failed_unanswered: 1,
            rst_conns_by_cause: Some([0; 5]),
            resends: crate::engine::offenders::Resends {
                syns: 13,
                late: 2,
                late_at_once: 2,
                late_together: 1,
                late_ms: (4100, 5150),
                ..Default::default()
            },
            ..Offender::blank("192.0.2.2", 7420)
        };
        assert_eq!(
            failed_words(&o),
            "3 of 7 connection attempts failed: 2 refused, 1 got no answer"
        );
        assert_eq!(
            late_words(&o, Scope::Whole),
            "2 of 7 connection attempts were answered by a SYN-ACK only after their SYNs were \
             sent again: not failed, but their clients waited 4.1 to 5.1 s after their first \
             SYN (13 SYNs resent in all)"
        );
        o.resends.late = 1;
        o.resends.late_ms = (4100, 4100);
        assert_eq!(
            late_words(
                &o,
                Scope::Range {
                    clients_known: true
                }
            ),
            "1 of 7 connection attempts was answered by a SYN-ACK only after its SYN was sent \
             again: not failed, but its client waited (in the whole capture: 4.1 s after the \
             first SYN, 13 SYNs resent)"
        );
        (
            o.attempts,
            o.failed_attempts,
            o.failed_refused,
            o.failed_unanswered,
        ) = (1, 1, 1, 0);
        assert_eq!(
            failed_words(&o),
            "The only connection attempt failed: refused"
        );
        (o.attempts, o.failed_attempts, o.failed_refused) = (20, 20, 20);
        assert_eq!(
            failed_words(&o),
            "All 20 connection attempts failed: all refused"
        );
        (o.attempts, o.failed_attempts, o.failed_refused) = (1, 1, 1);
        assert_eq!(
            late_words(&o, Scope::Whole),
            "The only connection attempt was answered by a SYN-ACK only after its SYN was sent \
             again: not failed, but its client waited 4.1 s after its first SYN (13 SYNs resent in \
             all)"
        );
        o.resends.late = 0;
        o.failed_attempts = 0;
        assert_eq!(
            (failed_words(&o), late_words(&o, Scope::Whole)),
            (String::new(), String::new())
        );
    }

    /// Regression (s46, a live trial of firewall-reject.pcap's frames): with the machine that
    /// captured sampled (live, `/report`, a capture saved with its host block), a refusing
    /// endpoint of another machine read "nothing was listening on that port", its resets'
    /// TTL not compared: the endpoint was taken as seen by this machine's sockets, which say
    /// nothing of another's. It is told as a capture file tells it; a local endpoint where
    /// nothing was seen listening still reads "nothing was listening on that port".
    #[test]
    fn refusals_of_another_machine_are_told_by_ttl_where_this_one_was_sampled() {
        use crate::report::full_diagnosis;
        let at = |s: i64| Timestamp::from_parts(1_000 + s, 0);
        let o = refused_with("192.0.2.130", (64, 64), Some((63, 63)));
        let mut h = sampled_host(&o, Default::default(), at(0), at(9));
        h.endpoints[0].local = false;
        let firewall = "a firewall on the way rejected them with a reset (the resets came with \
                        TTL 64, where the server host's SYN-ACKs on any port came with 63: made \
                        1 hop nearer the capture than that host, not by a closed port there).";
        let said = full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(said.contains(firewall), "{said}");
        assert_eq!(said, full_diagnosis(&o, None, Clock::Utc));
        let unseen = refused_with("192.0.2.130", (64, 64), None);
        let said = full_diagnosis(&unseen, Some(&h), Clock::Utc);
        assert!(said.ends_with("(a capture shows both alike)."), "{said}");
        // This machine's own port with nothing seen listening: its sockets tell.
        h.endpoints[0].local = true;
        let said = full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            said.contains("): nothing was listening on that port."),
            "{said}"
        );
    }

    /// Regression: the table's few words for refusals the TTLs cannot tell ("the resets came
    /// with TTL 64, the server host's SYN-ACKs on any port with 62 to 64: ... the TTL cannot
    /// tell them apart") read "Nothing was listening on that port", claiming what the
    /// sentence does not; so did those from farther than the SYN-ACKs (a backend's) and
    /// those with no SYN-ACK of their host to compare ("... or a firewall rejected with a
    /// reset (a capture shows both alike)"). Each gist now says no more than its sentence.
    #[test]
    fn a_refusals_gist_claims_no_more_than_its_ttls_tell() {
        let gist = |addr: &str, resets, host| {
            super::diagnosis_gist(&refused_with(addr, resets, host), None)
        };
        assert_eq!(
            gist("192.0.2.130", (63, 63), Some((63, 63))),
            "Nothing was listening on that port"
        );
        assert_eq!(
            gist("192.0.2.130", (64, 64), Some((63, 63))),
            "Rejected by a firewall on the way"
        );
        assert_eq!(
            gist("192.0.2.130", (61, 61), Some((63, 63))),
            "Refused behind the address, not on the way"
        );
        assert_eq!(
            gist("192.0.2.130", (64, 64), Some((62, 64))),
            "Closed port or firewall: TTLs cannot tell"
        );
        assert_eq!(
            gist("2001:db8::2", (63, 64), Some((63, 63))),
            "Closed port or firewall: hop limits cannot tell"
        );
        assert_eq!(
            gist("192.0.2.130", (64, 64), None),
            "Closed port or firewall: cannot tell which"
        );
        // Loopback's resets are its host's own, but its sentence cannot tell a closed port
        // from a firewall rule of that host (s47: the sample capture's row said "Nothing was
        // listening on that port" beside "... (a capture shows both alike)").
        let lo = refused_with("127.0.0.1", (64, 64), Some((64, 64)));
        assert!(
            super::diagnosis(&lo, Clock::Utc).ends_with("(a capture shows both alike)."),
            "{}",
            super::diagnosis(&lo, Clock::Utc)
        );
        assert_eq!(
            gist("127.0.0.1", (64, 64), Some((64, 64))),
            "Closed port or firewall: cannot tell which"
        );
        // Whole in the Diagnosis column's least width (an IPv6 endpoint's hop limits aside).
        for (resets, host) in [
            ((61, 61), Some((63, 63))),
            ((64, 64), Some((62, 64))),
            ((64, 64), Some((63, 63))),
            ((64, 64), None),
        ] {
            let g = gist("192.0.2.130", resets, host);
            assert!(g.chars().count() <= 42, "{g}");
        }
    }

    /// Regression: where the machine that captured was read, an endpoint of another machine
    /// (one this machine connected to, whose sockets it cannot see) was said to refuse
    /// because "nothing was listening on that port", its resets' TTL not looked at, though a
    /// firewall on the way made them; its gist said the firewall. The machine tells nothing
    /// of another's listener: the TTLs tell, in the sentence and its gist alike.
    #[test]
    fn another_machines_refusals_are_told_by_their_ttl_where_this_one_was_read() {
        let o = refused_with("192.0.2.130", (64, 64), Some((63, 63)));
        let first = Timestamp::from_parts(100, 0);
        let mut h = sampled_host(&o, Default::default(), first, o.last_seen);
        h.endpoints[0].local = false;
        let sentence = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            sentence.contains(": a firewall on the way rejected them with a reset (the resets"),
            "{sentence}"
        );
        assert_eq!(
            super::diagnosis_gist(&o, Some(&h)),
            "Rejected by a firewall on the way"
        );
        // This machine's own endpoint: its sockets tell that nothing listened there.
        h.endpoints[0].local = true;
        let sentence = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            sentence.contains(": nothing was listening on that port."),
            "{sentence}"
        );
        assert_eq!(
            super::diagnosis_gist(&o, Some(&h)),
            "Nothing was listening on that port"
        );
    }

    fn offender(cause: Cause, resets: u64, suspect: u64) -> Offender {
        let mut rst_by_cause = [0; 5];
        rst_by_cause[cause.index()] = resets;
        Offender {
            rst_packets: resets,
            rst_by_cause,
            rst_from_client: resets,
            suspect_injected: suspect,
            attempts: resets,
            incidents: resets,
            avg_rate: resets as f64,
            peak_rate: resets as u32,
            ..Offender::blank("10.0.0.1", 80)
        }
    }

    /// Regression (s41): zeek's tunnels/Teredo.pcap's 75.126.203.78:80 had an abort and two
    /// stray resets, and its sentence told the abort alone. A sentence says the kinds its own
    /// words leave out, each with its count; one whose words count every incident says no more.
    #[test]
    fn the_diagnosis_accounts_for_every_kind_of_incident_the_endpoint_has() {
        let mut teredo = offender(Cause::Abort, 1, 0);
        teredo.rst_by_cause[Cause::Stray.index()] = 2;
        teredo.rst_packets = 3;
        // One of them after its client had reset the connection.
        teredo.stray_after_reset = [1, 0];
        let said = diagnosis(&teredo, Clock::Utc);
        assert!(
            said.ends_with(
                "an idle-timeout policy. It also saw 1 reset for a connection whose start was \
                 not captured and 1 for a connection its client had already reset."
            ),
            "{said}"
        );
        // Led by its connections: the endpoint named again, with attempts unanswered too.
        let mut mixed = offender(Cause::HandshakeReset, 2, 0);
        mixed.rst_by_cause[Cause::AfterClose.index()] = 1;
        mixed.rst_by_cause[Cause::Abort.index()] = 1;
        mixed.failed_unanswered = 1;
        let said = diagnosis(&mixed, Clock::Utc);
        assert!(
            said.ends_with(
                " 10.0.0.1:80 also saw 1 reset after a FIN, 1 abort of an established \
                 connection and 1 connection attempt that got no answer."
            ),
            "{said}"
        );
        // A service that stopped with connections open: its sentence tells their aborts and
        // stray resets (the sample's collector crashed), not a reset after a FIN.
        let mut stopped = offender(Cause::Refused, 20, 0);
        stopped.rst_by_cause[Cause::Abort.index()] = 11;
        stopped.rst_by_cause[Cause::Stray.index()] = 4;
        (stopped.failed_refused, stopped.attempts, stopped.completed) = (20, 31, 11);
        let said = diagnosis(&stopped, Clock::Utc);
        assert!(!said.contains("also saw"), "{said}");
        stopped.rst_by_cause[Cause::AfterClose.index()] = 1;
        let said = diagnosis(&stopped, Clock::Utc);
        assert!(
            said.ends_with("(the service stopped or restarted). It also saw 1 reset after a FIN."),
            "{said}"
        );
        // One kind alone: nothing more.
        for cause in Cause::ALL {
            let said = diagnosis(&offender(cause, 2, 0), Clock::Utc);
            assert!(!said.contains("also saw"), "{said}");
        }
    }

    /// The SYNs a firewall dropped on their way in: "incoming" on a host's own address; not
    /// on loopback, where a packet goes from this host to itself (pktmon still records a
    /// direction for it: the recording component's view).
    #[test]
    fn dropped_syns_are_incoming_except_on_loopback() {
        let said = |addr: &str| {
            let o = Offender {
                incidents: 8,
                clients: 3,
                dropped: crate::engine::Dropped {
                    packets: 8,
                    syn: 8,
                    inbound: 8,
                    by_kind: [8, 0, 0],
                    places: vec![("TCPIP".into(), 8)],
                    clients: 3,
                    ..crate::engine::Dropped::default()
                }
                .into(),
                ..Offender::blank(addr, 445)
            };
            diagnosis(&o, Clock::Utc)
        };
        let lan = said("10.0.0.5");
        assert!(
            lan.starts_with("Windows dropped 8 incoming SYNs to 10.0.0.5:445 from 3 clients"),
            "{lan}"
        );
        assert!(lan.contains(super::DROPPED_SYNS), "{lan}");
        let lo = said("127.0.0.1");
        assert!(
            lo.starts_with("Windows dropped 8 SYNs to 127.0.0.1:445 from 3 clients"),
            "{lo}"
        );
        assert!(lo.contains(super::DROPPED_LOOPBACK_SYNS), "{lo}");
        assert!(said("::1").starts_with("Windows dropped 8 SYNs to [::1]:445"));
    }

    /// A reset judged injected says which packet it was and why (DESIGN: "a flag, with its
    /// evidence"), in the diagnosis as in the text report.
    #[test]
    fn an_injected_reset_names_its_frame_and_its_evidence() {
        let mut o = offender(Cause::HandshakeReset, 1, 1);
        o.suspects = vec![crate::engine::SuspectRst {
            at: Timestamp::from_parts(100, 10_000_000),
            frame: Some(2),
            client: ("10.0.0.2".parse().expect("address"), 40000),
            from_server: true,
            cause: Cause::HandshakeReset,
            suspicion: crate::engine::cause::Suspicion {
                not_acceptable: true,
                ttl: Some((46, 49)),
                ip_id: None,
            },
        }]
        .into();
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.ends_with(
                " The evidence: frame 2 at 00:01:40.010, from 10.0.0.1:80 to 10.0.0.2:40000: \
                 not acceptable (its sequence or acknowledgment number does not fit the \
                 connection, so the endpoint would not take it); TTL 46 where the sender's \
                 other packets had 49."
            ),
            "{s}"
        );
        // Found only from the sender's later packets: no frame, the time of the finding.
        std::sync::Arc::make_mut(&mut o.suspects)[0].frame = None;
        std::sync::Arc::make_mut(&mut o.suspects)[0]
            .suspicion
            .not_acceptable = false;
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.ends_with(
                " The evidence: a reset before 00:01:40.010, from 10.0.0.1:80 to \
                 10.0.0.2:40000: TTL 46 where the sender's other packets had 49."
            ),
            "{s}"
        );
    }

    /// The kinds a sentence leaves out say which of their resets were flagged suspect-injected
    /// (zeek's rst-inject-rae.pcap, 1.2.0.3:6649: its aborts' sentence, then "It also saw 1
    /// reset during the handshake", the injected one unsaid).
    #[test]
    fn the_other_kinds_say_their_suspect_resets() {
        let mut o = offender(Cause::Abort, 2, 1);
        o.rst_by_cause[Cause::HandshakeReset.index()] = 1;
        o.rst_packets = 3;
        o.suspect_injected = 1;
        let suspect = |cause| crate::engine::SuspectRst {
            at: Timestamp::from_parts(100, 10_000_000),
            frame: Some(2),
            client: ("10.0.0.2".parse().expect("address"), 40000),
            from_server: true,
            cause,
            suspicion: crate::engine::cause::Suspicion {
                not_acceptable: true,
                ttl: None,
                ip_id: None,
            },
        };
        o.suspects = vec![suspect(Cause::HandshakeReset)].into();
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("It also saw 1 reset during the handshake (flagged suspect-injected)."),
            "{s}"
        );
        // Of several, how many; more flagged than kept: at least those kept.
        o.rst_by_cause[Cause::Abort.index()] = 5;
        o.rst_by_cause[Cause::HandshakeReset.index()] = 3;
        o.rst_packets = 8;
        o.suspect_injected = 2;
        o.suspects = vec![suspect(Cause::HandshakeReset), suspect(Cause::Abort)].into();
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("3 resets during the handshake (1 of them flagged suspect-injected)"),
            "{s}"
        );
        o.suspects = vec![suspect(Cause::HandshakeReset)].into();
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("(at least 1 of them flagged suspect-injected)"),
            "{s}"
        );
        // None of them: nothing said.
        o.suspects = vec![suspect(Cause::Abort)].into();
        o.suspect_injected = 1;
        let s = diagnosis(&o, Clock::Utc);
        assert!(s.contains("3 resets during the handshake."), "{s}");
    }

    /// A sentence about refusals gives their rate and times, not the endpoint's: the story's
    /// 20 refusals twice a second after 11 aborts of the crash the second before said "2.8/s"
    /// and the crash's second, the rate of all 31 incidents. Where the series cannot tell
    /// them apart (older seconds folded into minutes) it says the endpoint's.
    #[test]
    fn the_rate_and_times_are_those_of_what_the_sentence_counts() {
        use crate::engine::SecondCounts;
        let base = 1_700_000_000;
        let mut series = vec![(
            base,
            SecondCounts {
                rst: [0, 0, 0, 11, 0],
                incidents: 11,
                ..SecondCounts::default()
            },
        )];
        series.extend((1..=10).map(|s| {
            (
                base + s,
                SecondCounts {
                    rst: [2, 0, 0, 0, 0],
                    failed_by: [2, 0, 0],
                    incidents: 2,
                    ..SecondCounts::default()
                },
            )
        }));
        let mut o = Offender {
            rst_packets: 31,
            rst_by_cause: [20, 0, 0, 11, 0],
            rst_from_server: 31,
            attempts: 31,
            completed: 11,
            failed_attempts: 20,
            failed_refused: 20,
            incidents: 31,
            first_seen: Timestamp::from_parts(base, 500_000_000),
            last_seen: Timestamp::from_parts(base + 10, 0),
            avg_rate: 31.0 / 11.0,
            series: series.into(),
            ..Offender::blank("127.0.0.1", 7211)
        };
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("refused 20 of 31 connection attempts from 1 client (2.0/s, 22:13:21-22:13:30) while"),
            "{s}"
        );
        // The minutes before the last hour's seconds: only the endpoint's figures are known.
        o.minutes_before = Some(base + 5);
        let s = diagnosis(&o, Clock::Utc);
        assert!(s.contains("(2.8/s, 22:13:20-22:13:30)"), "{s}");
        // Refusals all in one second: "at".
        o.minutes_before = None;
        o.failed_refused = 2;
        o.failed_attempts = 2;
        o.rst_by_cause = [2, 0, 0, 1, 0];
        o.incidents = 3;
        let mut two: Vec<_> = o.series.range(..2).copied().collect();
        two[0].1.rst[Cause::Abort.index()] = 1;
        o.series = two.into();
        let s = diagnosis(&o, Clock::Utc);
        assert!(s.contains("(at 22:13:21)"), "{s}");
    }

    /// Regression (terminal trial): one refusal before the service started, then ten seconds
    /// of it serving, then refusals twice a second after it stopped, said "1.6/s" over the
    /// whole span, the serving time included. The last phase gives the rate and times, the
    /// earlier refusal its own count and time.
    #[test]
    fn refusals_either_side_of_a_service_are_told_apart() {
        use crate::engine::SecondCounts;
        let base = 1_700_000_000;
        let refused = |n: u32| SecondCounts {
            rst: [n, 0, 0, 0, 0],
            failed_by: [n, 0, 0],
            incidents: n,
            ..SecondCounts::default()
        };
        let served = SecondCounts {
            completed: 3,
            ..SecondCounts::default()
        };
        let mut series = vec![(base, refused(1))];
        series.extend((1..=10).map(|s| (base + s, served)));
        series.extend((11..=15).map(|s| (base + s, refused(2))));
        let o = Offender {
            rst_packets: 11,
            rst_by_cause: [11, 0, 0, 0, 0],
            rst_from_server: 11,
            attempts: 41,
            completed: 30,
            failed_attempts: 11,
            failed_refused: 11,
            incidents: 11,
            first_seen: Timestamp::from_parts(base, 0),
            last_seen: Timestamp::from_parts(base + 15, 0),
            avg_rate: 11.0 / 16.0,
            series: series.clone().into(),
            ..Offender::blank("127.0.0.1", 7211)
        };
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("refused 11 of 41 connection attempts from 1 client (10 at 2.0/s, 22:13:31-22:13:35; 1 earlier, at 22:13:20) while"),
            "{s}"
        );
        // Quiet seconds without answers do not split: one phase, the endpoint's own figures.
        let quiet: Vec<_> = series
            .iter()
            .map(|&(t, c)| {
                (
                    t,
                    if c.completed > 0 {
                        SecondCounts::default()
                    } else {
                        c
                    },
                )
            })
            .collect();
        let o = Offender {
            attempts: 11,
            completed: 0,
            series: quiet.into(),
            ..o
        };
        let s = diagnosis(&o, Clock::Utc);
        assert!(s.contains("(0.7/s, 22:13:20-22:13:35)"), "{s}");
    }

    /// Regression (s49): an endpoint's incidents four days apart with nothing captured between
    /// them (a capture with a gap) took its average over the 2 s captured, but the sentence
    /// said "(1.0/s, 00:08:34-23:59:39)": two resets days apart "at 1.0/s" read as wrong. It
    /// now says what the rate is over; and a phase of it (the refusals after a service
    /// stopped), whose seconds captured are not known here, gives no rate over the gap: the
    /// whole's is said.
    #[test]
    fn a_rate_across_a_gap_says_what_it_is_over() {
        use crate::engine::SecondCounts;
        let base = 1_700_000_000;
        let days = 4 * 86_400;
        let o = Offender {
            rst_packets: 2,
            rst_by_cause: [0, 0, 2, 0, 0],
            incidents: 2,
            first_seen: Timestamp::from_parts(base, 0),
            last_seen: Timestamp::from_parts(base + days, 0),
            avg_rate: 1.0,
            avg_over: Some(2),
            ..Offender::blank("10.0.0.8", 389)
        };
        assert_eq!(super::avg_rate_words(&o), "1.0/s over the 2 s captured");
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("(1.0/s over the 2 s captured, 2023-11-14 22:13:20-2023-11-18 22:13:20)"),
            "{s}"
        );
        // Without a gap, the bare rate.
        let plain = Offender {
            avg_over: None,
            ..o.clone()
        };
        assert_eq!(super::avg_rate_words(&plain), "1.0/s");
        // Refusals either side of a service, a gap between: no phase rate made over it.
        let refused = |n: u32| SecondCounts {
            rst: [n, 0, 0, 0, 0],
            failed_by: [n, 0, 0],
            incidents: n,
            ..SecondCounts::default()
        };
        let served = SecondCounts {
            completed: 3,
            ..SecondCounts::default()
        };
        let series = vec![
            (base, refused(1)),
            (base + 1, served),
            (base + days, refused(2)),
            (base + days + 1, refused(2)),
        ];
        let o = Offender {
            rst_packets: 5,
            rst_by_cause: [5, 0, 0, 0, 0],
            rst_from_server: 5,
            attempts: 8,
            completed: 3,
            failed_attempts: 5,
            failed_refused: 5,
            incidents: 5,
            first_seen: Timestamp::from_parts(base, 0),
            last_seen: Timestamp::from_parts(base + days + 1, 0),
            avg_rate: 5.0 / 3.0,
            avg_over: Some(3),
            series: series.into(),
            ..Offender::blank("127.0.0.1", 7211)
        };
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains("(1.7/s over the 3 s captured, 2023-11-14 22:13:20-"),
            "{s}"
        );
        assert!(!s.contains("earlier"), "{s}");
    }

    /// Regression (real-failure trial: a server killed under its clients, captured with
    /// tcpdump on the client's side): connections accepted, then every later attempt refused,
    /// said "nothing was listening on that port part of the time (the service stopped or
    /// restarted)" where the capture's own order tells which: accepted until a second, refused
    /// from a later one. Refused before the first accepted one is a service started late; the
    /// two alternating stay "stopped or restarted".
    #[test]
    fn refusals_after_or_before_every_accepted_connection_say_so() {
        use crate::engine::SecondCounts;
        let base = 1_700_000_000;
        let refused = SecondCounts {
            rst: [2, 0, 0, 0, 0],
            failed_by: [2, 0, 0],
            incidents: 2,
            ..SecondCounts::default()
        };
        let served = SecondCounts {
            completed: 2,
            ..SecondCounts::default()
        };
        let at = |seconds: &[(i64, SecondCounts)]| {
            let o = Offender {
                rst_packets: 4,
                rst_by_cause: [4, 0, 0, 0, 0],
                rst_from_server: 4,
                attempts: 8,
                completed: 4,
                failed_attempts: 4,
                failed_refused: 4,
                incidents: 4,
                first_seen: Timestamp::from_parts(base, 0),
                last_seen: Timestamp::from_parts(base + 5, 0),
                avg_rate: 1.0,
                series: seconds.to_vec().into(),
                ..Offender::blank("10.43.2.1", 7005)
            };
            diagnosis(&o, Clock::Utc)
        };
        let crashed = at(&[
            (base, served),
            (base + 1, served),
            (base + 3, refused),
            (base + 4, refused),
        ]);
        assert!(
            crashed.ends_with(
                "while it accepted 4: nothing was listening on that port after the service \
                 stopped (connections accepted until 22:13:21, refused from 22:13:23)."
            ),
            "{crashed}"
        );
        let started = at(&[
            (base, refused),
            (base + 1, refused),
            (base + 2, served),
            (base + 3, served),
        ]);
        assert!(
            started.ends_with(
                "nothing was listening on that port before the service started (connections \
                 refused until 22:13:21, accepted from 22:13:22)."
            ),
            "{started}"
        );
        let alternating = at(&[
            (base, served),
            (base + 1, refused),
            (base + 2, served),
            (base + 3, refused),
        ]);
        assert!(
            alternating.ends_with(
                "nothing was listening on that port part of the time (the service stopped or \
                 restarted)."
            ),
            "{alternating}"
        );
    }

    /// Aborts answered as to connections unknown (see [`Offender::aborts_unknown`]) are told
    /// so where they are most of their sender's, with how many where not all, and of the
    /// side that sent them; fewer than half keep the abortive close's words.
    #[test]
    fn aborts_of_connections_unknown_name_their_sender_and_count() {
        let mut o = offender(Cause::Abort, 3, 0);
        o.clients = 1;
        o.rst_senders_by_cause[Cause::Abort.index()] = [3, 0];
        o.aborts_unknown = [2, 0];
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.contains(
                "sent by its client, 2 of the 3 in answer to the server's packets as to \
                 connections it did not know (resets without ACK, unlike an abortive close): the \
                 client lost them (it or its host restarted), or a firewall or NAT on the way \
                 forgot them (an idle timeout) and reset them in its name."
            ),
            "{s}"
        );
        assert_eq!(
            super::diagnosis_gist(&o, None),
            "A restart of its client, or a firewall's idle timeout (resets of connections unknown)"
        );
        o.aborts_unknown = [1, 0];
        let s = diagnosis(&o, Clock::Utc);
        assert!(
            s.ends_with(&format!("sent by its client: {}.", super::ABORTIVE)),
            "{s}"
        );
    }

    /// A copied diagnosis names its capture's files, none for a live capture.
    #[test]
    fn a_copied_diagnosis_names_the_capture() {
        let o = offender(Cause::Refused, 1, 0);
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let copy = |files: &[&str]| {
            super::diagnosis_to_copy("S.", &o, Clock::Utc, &super::capture_files(&names(files)))
        };
        assert_eq!(copy(&[]), "S. Seen at 1970-01-01 00:01:40 (UTC).");
        assert!(copy(&["a.pcap"]).ends_with("(UTC) in a.pcap."));
        assert!(copy(&["a.pcap", "b.pcap"]).ends_with("(UTC) in a.pcap and b.pcap."));
        assert!(copy(&["a.pcap", "b", "c", "d"]).ends_with("(UTC) in a.pcap and 3 more files."));
    }

    /// Two refused attempts are "both", not "all 2" (seen on corpus captures).
    #[test]
    fn two_refused_attempts_are_both() {
        let refused = |n: u64| {
            let mut rst_by_cause = [0; 5];
            rst_by_cause[Cause::Refused.index()] = n;
            Offender {
                rst_packets: n,
                rst_by_cause,
                rst_from_server: n,
                attempts: n,
                failed_attempts: n,
                failed_refused: n,
                incidents: n,
                ..Offender::blank("10.0.0.1", 80)
            }
        };
        let s = diagnosis(&refused(2), Clock::Utc);
        assert!(
            s.starts_with("10.0.0.1:80 refused both connection attempts from 1 client"),
            "{s}"
        );
        let s = diagnosis(&refused(3), Clock::Utc);
        assert!(
            s.starts_with("10.0.0.1:80 refused all 3 connection attempts"),
            "{s}"
        );
    }

    /// Regression: one reset was told in the plural: "1 connection to 1.1.1.2:31313 ... were
    /// reset during the handshake, mostly by the client" (zeek/tcp/syn-then-rst.pcap), "1 of 1
    /// resets at 192.168.1.69:80 ... look injected" (zeek/nmap-vsn.pcap), "saw 1 abort of
    /// established connections", "saw 1 reset for connections whose start was not captured"
    /// (tcpdump/tcp_rst_data.pcap; the clients now come before what the resets were for).
    #[test]
    fn one_reset_is_told_in_the_singular() {
        let one = |cause, suspect| diagnosis(&offender(cause, 1, suspect), Clock::Utc);
        let s = one(Cause::HandshakeReset, 0);
        assert!(
            s.starts_with("1 connection to 10.0.0.1:80 from 1 client (at 00:01:40) was reset during the handshake, by the client:"),
            "{s}"
        );
        let s = one(Cause::Abort, 0);
        assert!(
            s.contains("saw 1 abort of an established connection with 1 client"),
            "{s}"
        );
        let mut stray = offender(Cause::Stray, 1, 0);
        stray.rst_payloads = vec!["BIG-IP: TCP RST from remote system".into()].into();
        let s = diagnosis(&stray, Clock::Utc);
        assert!(
            s.ends_with(" The reset carries the text \"BIG-IP: TCP RST from remote system\"."),
            "{s}"
        );
        let s = one(Cause::Stray, 0);
        assert!(
            s.contains(
                "saw 1 reset with 1 client for a connection whose start was not captured (at"
            ),
            "{s}"
        );
        let s = one(Cause::Abort, 1);
        assert!(s.starts_with("the only reset at 10.0.0.1:80"), "{s}");
        assert!(
            s.contains(" looks injected ") && s.contains("sent it, not the endpoint"),
            "{s}"
        );
        // Several stay plural.
        let s = diagnosis(&offender(Cause::HandshakeReset, 3, 0), Clock::Utc);
        assert!(
            s.contains("3 connections to")
                && s.contains("were reset during the handshake, mostly by the client"),
            "{s}"
        );
        let s = diagnosis(&offender(Cause::Abort, 3, 2), Clock::Utc);
        assert!(
            s.starts_with("2 of 3 resets at 10.0.0.1:80") && s.contains(" look injected "),
            "{s}"
        );
    }

    /// Regression (a trial as the on-call): a service crashing and restarted every few
    /// seconds, a client refused while it is down, was told by its last run only, and as
    /// "nothing was listening on that port before the service started and after it stopped".
    #[test]
    fn a_listener_that_comes_and_goes_is_told_as_one_that_keeps_restarting() {
        use crate::host::history::{ListenerRecord, ListenerStatus};
        use crate::host::processes::ProcessInfo;

        let at = |s: i64| Timestamp::from_parts(1_700_000_000 + s, 0);
        // Refused from 1 to 19; collector up 3 s of every 8 (three runs); sampled 0 to 20.
        let o = Offender {
            failed_refused: 24,
            failed_attempts: 24,
            attempts: 36,
            completed: 12,
            first_seen: at(1),
            last_seen: at(19),
            ..offender(Cause::Refused, 24, 0)
        };
        let run = |pid: u32, from: i64| ListenerRecord {
            addr: std::net::SocketAddr::new(o.addr, o.port),
            process: ProcessInfo::bare(pid, "collector"),
            first_seen: at(from),
            last_seen: at(from + 2),
        };
        let h = sampled_host(
            &o,
            ListenerStatus {
                now: None,
                earlier: vec![run(4330, 16), run(4320, 8), run(4310, 0)],
            },
            at(0),
            at(20),
        );
        let text = super::full_diagnosis(&o, Some(&h), Clock::Utc);
        assert!(
            text.contains(
                "while it accepted 12: nothing was listening on that port part of the time (the \
                 service stopped or restarted). Nothing listened on 80 when the capture ended \
                 (22:13:40); it was served by collector (pid 4330) from 22:13:36 until 22:13:38. \
                 3 listeners came and went on it during this capture, the first from 22:13:20 to \
                 22:13:22: a service that keeps stopping and being started again (a crash and a \
                 restart?), refused while it is down."
            ),
            "{text}"
        );
        // One run that ended is no crash loop.
        let once = sampled_host(
            &o,
            ListenerStatus {
                now: None,
                earlier: vec![run(4330, 16)],
            },
            at(0),
            at(20),
        );
        let text = super::full_diagnosis(&o, Some(&once), Clock::Utc);
        assert!(!text.contains("came and went"), "{text}");
    }
}

#[cfg(test)]
mod write_error_tests {
    use std::io::{Error, ErrorKind};
    use std::path::Path;

    use super::write_error;

    /// Regression: a failed save said only the OS's words ("cannot save /proc/nope.csv: No
    /// such file or directory (os error 2)"): neither whether the folder is missing nor what
    /// to do.
    #[test]
    fn a_failed_write_says_why_and_what_to_do() {
        let gone = std::env::temp_dir().join(format!("rstscope-gone-{}", std::process::id()));
        let missing = gone.join("x.csv");
        let e = std::fs::write(&missing, "x").expect_err("no such folder");
        let said = write_error(&missing, &e);
        assert!(
            said.starts_with(&format!(
                "the folder {} does not exist: choose an existing folder (",
                gone.display()
            )),
            "{said}"
        );
        let file = Path::new("/d/x.csv");
        for (kind, want) in [
            (
                ErrorKind::PermissionDenied,
                "no permission to write in /d: choose a folder of your own",
            ),
            (
                ErrorKind::StorageFull,
                "the disk is full: free some space or choose a folder on another disk",
            ),
            (
                ErrorKind::ReadOnlyFilesystem,
                "the disk of /d is read-only: choose a folder on another disk",
            ),
        ] {
            let said = write_error(file, &Error::from(kind));
            assert!(said.starts_with(want), "{kind:?}: {said}");
        }
    }

    /// Regression (found trying the Windows app under wine): saving over a file another
    /// program holds open (an exported CSV that Excel shows, to export it again) said "the file
    /// could not be written: choose another folder", where the folder was not the problem.
    #[cfg(windows)]
    #[test]
    fn a_file_held_open_by_another_program_is_said_so() {
        use std::os::windows::fs::OpenOptionsExt;
        let path = std::env::temp_dir().join(format!("rstscope-held-{}.csv", std::process::id()));
        let held = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .share_mode(0)
            .open(&path)
            .expect("open without sharing");
        let e = std::fs::write(&path, "x").expect_err("held open");
        let said = write_error(&path, &e);
        drop(held);
        let _ = std::fs::remove_file(&path);
        assert!(
            said.starts_with("another program has the file open: close it there"),
            "{said}"
        );
    }

    /// A folder that exists but takes no files (Linux's /proc answers "No such file or
    /// directory") is not said to be missing.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_takes_no_files_is_not_called_missing() {
        let path = Path::new("/proc/rstscope-nope.csv");
        let e = std::fs::write(path, "x").expect_err("/proc takes no files");
        let said = write_error(path, &e);
        assert!(
            said.starts_with("the folder /proc takes no new files: choose another folder ("),
            "{said}"
        );
    }
}

#[cfg(test)]
mod os_error_tests {
    use super::{os_error, os_words};

    /// Regression (terminal trial, Windows): "cannot read: The system cannot find the file
    /// specified. (os error 2); check its name": the system's full stop ended a sentence
    /// inside rstscope's.
    #[test]
    fn regression_the_system_s_full_stop_goes_before_the_code() {
        assert_eq!(
            os_words("The system cannot find the file specified. (os error 2)"),
            "The system cannot find the file specified (os error 2)"
        );
        assert_eq!(
            os_words("Access is denied.\r\n (os error 5)"),
            "Access is denied (os error 5)"
        );
        assert_eq!(os_words("Access is denied."), "Access is denied");
        // Linux's words have none; an ellipsis is kept.
        assert_eq!(
            os_words("No such file or directory (os error 2)"),
            "No such file or directory (os error 2)"
        );
        assert_eq!(os_words("waiting..."), "waiting...");
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(os_error(&e), e.to_string().replace(". (os", " (os"));
    }

    /// Each message that puts an OS error into a sentence of its own writes it so.
    #[test]
    fn messages_put_the_os_error_without_its_full_stop() {
        let windows = || {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "The system cannot find the file specified.",
            )
        };
        let read = crate::source::SourceError::Io {
            path: "C:\\captures\\gone.pcap".into(),
            source: windows(),
        }
        .to_string();
        assert!(
            read.contains(": cannot read: The system cannot find the file specified; "),
            "{read}"
        );
        let written = super::write_error(std::path::Path::new("out.csv"), &windows());
        assert!(
            written.ends_with("(The system cannot find the file specified)"),
            "{written}"
        );
    }
}

#[cfg(test)]
mod seen_on_tests {
    use super::{Analysis, CaptureInfo, seen_on, seen_on_words};
    use crate::engine::{Offender, SeenOn, Snapshot};

    /// A capture of `n` interfaces, `eth0`, `eth1`, ..., each with `frames` frames, whose
    /// engine met them in that order (place `i` is interface `i`).
    fn capture(n: u32, frames: u64) -> Analysis {
        Analysis {
            capture: CaptureInfo {
                interfaces: (0..n).map(|i| (format!("eth{i}"), frames)).collect(),
                ..CaptureInfo::default()
            },
            snapshot: Snapshot {
                places: (0..n.min(SeenOn::LATER)).map(|i| (i, 0)).collect(),
                ..Snapshot::default()
            },
            host: None,
        }
    }

    fn seen(places: &[u32]) -> Offender {
        let mut o = Offender::blank("10.0.0.1", 80);
        o.seen_on = SeenOn::default();
        for &i in places {
            o.seen_on.note(i);
        }
        o
    }

    #[test]
    fn one_two_and_many_interfaces_in_words() {
        let a = capture(70, 5);
        assert_eq!(
            seen_on_words(&seen(&[3]), &a).as_deref(),
            Some("seen on eth3")
        );
        assert_eq!(
            seen_on_words(&seen(&[4, 1]), &a).as_deref(),
            Some("seen on eth1 and eth4")
        );
        assert_eq!(
            seen_on_words(&seen(&[0, 1, 2]), &a).as_deref(),
            Some("seen on eth0, eth1 and eth2")
        );
        assert_eq!(
            seen_on_words(&seen(&[0, 1, 2, 5, 9]), &a).as_deref(),
            Some("seen on eth0, eth1, eth2 and 2 more")
        );
        // Places past the bit set's are one entry, not told apart.
        let late = seen(&[2, 31, 69]);
        assert_eq!(seen_on(&late, &a), ["eth2", "interfaces past the first 31"]);
        assert_eq!(
            seen_on_words(&seen(&[30]), &a).as_deref(),
            Some("seen on eth30")
        );
    }

    /// In the capture's order, whatever order the engine met them in.
    #[test]
    fn in_the_captures_order() {
        let mut a = capture(3, 5);
        a.snapshot.places = vec![(2, 0), (0, 0), (1, 0)];
        assert_eq!(seen_on(&seen(&[0, 1]), &a), ["eth0", "eth2"]);
    }

    /// A Linux `any` capture is one capture interface; its frames' interface indexes are
    /// named as the capturing machine named them, else as its packet lines do (`if3`).
    #[test]
    fn a_linux_any_captures_interfaces_by_their_index() {
        let mut a = capture(1, 100);
        a.capture.index_names = vec![(0, 1, "lo".into())];
        a.snapshot.places = vec![(0, 3), (0, 1)];
        assert_eq!(
            seen_on_words(&seen(&[0, 1]), &a).as_deref(),
            Some("seen on lo and if3")
        );
        // All on one of them: as a capture of one interface, nothing to say.
        a.snapshot.places = vec![(0, 1)];
        assert_eq!(seen_on_words(&seen(&[0]), &a), None);
    }

    /// One interface with frames (a file's others empty, as a pktmon trace's unused
    /// components): nothing to say, nor for an offender seen nowhere yet.
    #[test]
    fn a_capture_of_one_interface_says_nothing() {
        let mut a = capture(3, 0);
        a.capture.interfaces[1].1 = 40;
        a.snapshot.places = vec![(1, 0)];
        assert_eq!(seen_on_words(&seen(&[0]), &a), None);
        assert!(seen_on(&seen(&[0]), &a).is_empty());
        assert_eq!(seen_on_words(&seen(&[]), &capture(2, 1)), None);
    }
}

#[cfg(test)]
mod clients_counted_tests {
    use super::attributed;
    use crate::host::clients::EndpointClients;

    /// Regression (fuzzing the reader with the story sample's host block): a block whose
    /// endpoint claims counts near 2^64 overflowed the sum of the clients it attributes.
    #[test]
    fn a_blocks_client_counts_near_2_64_saturate_rather_than_overflow() {
        let mut c = EndpointClients {
            not_observed: 2,
            remote: 3,
            more: 4,
            ..EndpointClients::default()
        };
        assert_eq!(attributed(&c), 9);
        c.remote = u64::MAX;
        assert_eq!(attributed(&c), u64::MAX);
    }
}
