//! CSV output: the offenders table, the scans, the connections, the per-second series.
//!
//! Two forms of the offenders table. The terminal's (`rstscope analyze --format csv`) is for
//! programs: comma-separated, bare addresses, times as Unix seconds with 6 decimals, numbers
//! with a dot; it does not change. The app's export is for a spreadsheet opened by a double
//! click (`offenders_for_spreadsheet`): Excel splits such a file at the list separator of
//! the user's regional settings and reads numbers with its decimal separator (`;` and `,` in
//! much of Europe), so that form takes both from a `Spreadsheet`, writes times as date-times
//! a spreadsheet reads, and starts with a byte-order mark.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::{Clock, full_diagnosis, scan_sentence, unix_secs};
use crate::analysis::Analysis;
use crate::engine::{Cause, ConnRecord, Offender, Scan, ScanKind};
use crate::host::state::HostReport;
use crate::packet::Timestamp;

/// Quotes a field when it needs it (RFC 4180).
fn field(s: &str) -> String {
    quoted_if(s, ",")
}

/// `s`, quoted when it holds `separator`, a quote or a line break.
fn quoted_if(s: &str, separator: &str) -> String {
    if s.contains(separator) || s.contains(['"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// How the spreadsheet that opens the app's export reads a CSV file: where fields end and how
/// a number's decimals are written (Windows: the user's regional settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spreadsheet {
    /// Between fields: `,`, or `;` where the decimal separator is a comma.
    pub separator: String,
    /// Before a number's decimals: `.` or `,`.
    pub decimal: String,
}

impl Default for Spreadsheet {
    /// Comma and dot, as RFC 4180 and the terminal's CSV write.
    fn default() -> Self {
        Spreadsheet {
            separator: ",".to_owned(),
            decimal: ".".to_owned(),
        }
    }
}

/// One value of a row, typed, so that each form writes it as its reader expects.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// Text, quoted where needed.
    Text(String),
    /// An IP address: text, never a number.
    Address(IpAddr),
    /// A count.
    Count(u64),
    /// A number written with 3 decimals (a rate).
    Decimal3(f64),
    /// A packet time.
    Time(Timestamp),
}

/// The offenders table's columns; `first_seen` and `last_seen` hold times. `scan` and
/// `scan_client` name the scan an endpoint is a target of (its kind and the client that
/// probed), so that a spreadsheet's filter shows a scan's targets or hides them.
/// `dropped` counts the endpoint's packets the capturing host dropped (a Windows pktmon drop
/// event, an XDP or tc program's drop: [`Offender::dropped`]). `overlay` names the overlay
/// network of the tunnel the endpoint's packets came in (`vxlan:42`, `geneve:7`, `gre:100`;
/// empty for TCP carried directly in IP): two tenants' endpoints may share address and port.
/// `late_answers` counts its attempts answered only after their SYNs were sent again (a full
/// listen queue's: [`Offender::answered_late`]), which are no failed attempts; last, since it
/// came after the others, so that a program that reads the columns by their place still can;
/// after it `avg_rate_seconds`, the seconds `avg_rate` is over (fewer than its first to last
/// second where nothing was captured for a while between them: the JSON's field of that name).
const OFFENDER_COLUMNS: [&str; 24] = [
    "address",
    "port",
    "rst_packets",
    "refused",
    "handshake_reset",
    "after_close",
    "abort",
    "stray",
    "suspect_injected",
    "attempts",
    "failed_attempts",
    "dropped",
    "clients",
    "incidents",
    "first_seen",
    "last_seen",
    "avg_rate",
    "peak_rate",
    "diagnosis",
    "scan",
    "scan_client",
    "overlay",
    "late_answers",
    "avg_rate_seconds",
];

/// One offender's row, in [`OFFENDER_COLUMNS`] order.
fn offender_cells(o: &Offender, host: Option<&HostReport>, clock: Clock) -> Vec<Cell> {
    let c = &o.rst_by_cause;
    vec![
        Cell::Address(o.addr),
        Cell::Count(o.port.into()),
        Cell::Count(o.rst_packets),
        Cell::Count(c[0]),
        Cell::Count(c[1]),
        Cell::Count(c[2]),
        Cell::Count(c[3]),
        Cell::Count(c[4]),
        Cell::Count(o.suspect_injected),
        Cell::Count(o.attempts),
        Cell::Count(o.failed_attempts),
        Cell::Count(o.dropped.packets),
        Cell::Count(o.clients),
        Cell::Count(o.incidents),
        Cell::Time(o.first_seen),
        Cell::Time(o.last_seen),
        Cell::Decimal3(o.avg_rate),
        Cell::Count(o.peak_rate.into()),
        // Each time whole: the sentence is read away from the header's zone.
        Cell::Text(full_diagnosis(o, host, clock.stamped())),
        Cell::Text(o.scan.as_ref().map_or("", |s| s.kind.as_str()).to_owned()),
        o.scan
            .as_ref()
            .map_or(Cell::Text(String::new()), |s| Cell::Address(s.client)),
        Cell::Text(o.overlay.key()),
        Cell::Count(o.answered_late()),
        Cell::Count(super::avg_rate_seconds(o).unsigned_abs()),
    ]
}

/// The scans table's columns (`rstscope analyze --scans --format csv`): one row per scan, with
/// the counts of the JSON's `scans` (docs/json.md). `server` is a port scan's, `port` a
/// sweep's; `lowest` and `highest` are ports in a port scan, addresses in a sweep. The columns
/// added later come last (`unanswered_at_end`, `rate_seconds`, `targets_not_kept`), so that a
/// program that reads them by their place still can.
const SCAN_COLUMNS: [&str; 23] = [
    "kind",
    "client",
    "server",
    "port",
    "targets",
    "targets_at_least",
    "lowest",
    "highest",
    "attempts",
    "failed_attempts",
    "completed",
    "half_open",
    "reset_by_client",
    "refused",
    "unanswered",
    "other",
    "first_seen",
    "last_seen",
    "rate",
    "diagnosis",
    "unanswered_at_end",
    "rate_seconds",
    "targets_not_kept",
];

/// One scan's row, in [`SCAN_COLUMNS`] order.
fn scan_cells(scan: &Scan, clock: Clock) -> Vec<Cell> {
    let none = || Cell::Text(String::new());
    let (server, port) = match scan.kind {
        ScanKind::Ports { server } => (Cell::Address(server), none()),
        ScanKind::Sweep { port } => (none(), Cell::Count(port.into())),
    };
    let target = |k: crate::engine::offenders::ServiceKey| match scan.kind {
        ScanKind::Ports { .. } => Cell::Count(k.1.into()),
        ScanKind::Sweep { .. } => Cell::Address(k.0),
    };
    let time = |t: Option<Timestamp>| t.map_or_else(none, Cell::Time);
    vec![
        Cell::Text(scan.kind.as_str().to_owned()),
        Cell::Address(scan.client),
        server,
        port,
        Cell::Count(scan.targets),
        Cell::Text(scan.targets_at_least.to_string()),
        target(scan.lowest),
        target(scan.highest),
        Cell::Count(scan.attempts),
        Cell::Count(scan.failed_attempts),
        Cell::Count(scan.completed),
        Cell::Count(scan.half_open),
        Cell::Count(scan.reset_by_client),
        Cell::Count(scan.refused),
        Cell::Count(scan.unanswered),
        Cell::Count(scan.other),
        time(scan.first_seen),
        time(scan.last_seen),
        Cell::Decimal3(scan.rate()),
        Cell::Text(scan_sentence(scan, clock.stamped())),
        Cell::Count(scan.unanswered_at_end),
        scan.first_seen
            .map_or_else(none, |_| Cell::Count(scan.rate_seconds().unsigned_abs())),
        Cell::Count(scan.not_kept),
    ]
}

/// The scans table, largest first.
pub fn scans(a: &Analysis, clock: Clock) -> String {
    let clock = crate::report::clock_for(a, clock);
    let rows = a.snapshot.scans.iter().map(|s| scan_cells(s, clock));
    program_table(&SCAN_COLUMNS, rows)
}

/// A table for programs: see the module documentation.
fn program_table(columns: &[&str], rows: impl Iterator<Item = Vec<Cell>>) -> String {
    let mut out = columns.join(",");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(for_programs).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A cell as the terminal's CSV writes it.
fn for_programs(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => field(s),
        Cell::Address(a) => a.to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Decimal3(x) => format!("{x:.3}"),
        Cell::Time(t) => unix_secs(*t),
    }
}

/// A cell as a spreadsheet in `sheet`'s locale reads it, times in `clock`'s zone.
fn for_spreadsheet(cell: &Cell, sheet: &Spreadsheet, clock: Clock) -> String {
    let text = match cell {
        Cell::Text(s) => s.clone(),
        Cell::Address(a) if reads_as_grouped_number(*a, sheet) => format!("=\"{a}\""),
        Cell::Address(a) => a.to_string(),
        Cell::Count(n) => n.to_string(),
        Cell::Decimal3(x) => format!("{x:.3}").replace('.', &sheet.decimal),
        // ISO 8601 with a space, which Excel and LibreOffice read as a date and time in any
        // locale; to the second (a fraction is read by the locale's rules, and the terminal's
        // CSV and the JSON keep the microseconds).
        Cell::Time(t) => clock.datetime(*t).format("%Y-%m-%d %H:%M:%S").to_string(),
    };
    quoted_if(&text, &sheet.separator)
}

/// Where the decimal separator is not a dot, the dot is usually the thousands separator (de,
/// it, es, nl...), and Excel reads `192.168.100.100` as the number 192168100100: such an
/// address is written as a formula that gives the text (`="192.168.100.100"`).
fn reads_as_grouped_number(a: IpAddr, sheet: &Spreadsheet) -> bool {
    match a {
        IpAddr::V4(v4) => sheet.decimal != "." && v4.octets()[1..].iter().all(|&o| o >= 100),
        IpAddr::V6(_) => false,
    }
}

/// The offenders table.
pub fn offenders(a: &Analysis, clock: Clock) -> String {
    let clock = crate::report::clock_for(a, clock);
    let rows = a
        .snapshot
        .offenders
        .iter()
        .map(|o| offender_cells(o, a.host.as_deref(), clock));
    program_table(&OFFENDER_COLUMNS, rows)
}

/// The offenders table as the app exports it, for a spreadsheet read with `sheet`'s
/// separators: a byte-order mark (Excel reads a CSV without one in the system's code page, so
/// a program or path with non-ASCII letters came out garbled), CRLF line ends as Excel writes
/// them, date-times in `clock`'s zone (named in the header), numbers with `sheet.decimal`,
/// fields quoted when they hold `sheet.separator`.
pub fn offenders_for_spreadsheet(a: &Analysis, clock: Clock, sheet: &Spreadsheet) -> String {
    let clock = crate::report::clock_for(a, clock);
    let rows = a
        .snapshot
        .offenders
        .iter()
        .map(|o| offender_cells(o, a.host.as_deref(), clock));
    spreadsheet_table(&OFFENDER_COLUMNS, rows, clock, sheet)
}

/// A table for a spreadsheet: see [`offenders_for_spreadsheet`].
fn spreadsheet_table(
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
    clock: Clock,
    sheet: &Spreadsheet,
) -> String {
    let zone = if clock.is_utc() { "UTC" } else { "local time" };
    let header: Vec<String> = columns
        .iter()
        .map(|&name| match name {
            "first_seen" | "last_seen" => quoted_if(&format!("{name} ({zone})"), &sheet.separator),
            _ => quoted_if(name, &sheet.separator),
        })
        .collect();
    let mut out = format!("\u{feff}{}\r\n", header.join(&sheet.separator));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| for_spreadsheet(c, sheet, clock))
            .collect();
        out.push_str(&cells.join(&sheet.separator));
        out.push_str("\r\n");
    }
    out
}

/// The header of the connections table.
pub const CONNECTIONS_HEADER: &str = "orig_h,orig_p,resp_h,resp_p,conn_state,history,rst_count,rst_cause,suspect_injected,start,duration,packets,first_frame,overlay";

/// One connection row; `overlay` (`vxlan:42`) empty where it came in no tunnel that names its
/// network.
pub fn connection(c: &ConnRecord) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
        // Empty for one packet, which lasted no time, as Zeek's conn.log leaves its duration
        // unset (`-`); an empty cell, as `rst_cause` is where there is none.
        if c.packets <= 1 {
            String::new()
        } else {
            format!("{:.6}", c.duration_ns as f64 / 1e9)
        },
        c.packets,
        c.first_frame,
        c.overlay.key()
    )
}

/// The per-second series; `seconds` is 60 for a row that sums a minute (rows older than the
/// last hour of packet time in a capture with more than 7,200 seconds of incidents);
/// `late_answers` (attempts answered only after their SYNs were sent again) comes after
/// `seconds`, and `dropped` (TCP packets the capturing host dropped: a pktmon trace's drop
/// events, an XDP or tc program's, the JSON's `dropped_per_second`) last, so that the columns
/// a reader already takes by their place keep it. A live capture's losses (the kernel's,
/// the interface's, rstscope's queue's) are counts without a time, in no second.
pub fn series(a: &Analysis) -> String {
    let mut out = String::from(
        "second,refused,handshake_reset,after_close,abort,stray,rst_total,failed_attempts,suspect_injected,seconds,late_answers,dropped\n",
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
            "{sec},{},{},{},{},{},{},{},{},{seconds},{},{}",
            c.rst[0],
            c.rst[1],
            c.rst[2],
            c.rst[3],
            c.rst[4],
            c.rst_total(),
            c.failed(),
            c.suspect,
            c.late,
            c.dropped
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row with a count, a rate, a time and a program name that holds both separators, as
    /// the diagnosis names a service host's process.
    fn row(addr: &str) -> Vec<Cell> {
        vec![
            Cell::Address(addr.parse().expect("an address")),
            Cell::Count(7211),
            Cell::Decimal3(2.4),
            // 2024-05-01 13:13:13.75 UTC
            Cell::Time(Timestamp(1_714_569_193_750_000_000)),
            Cell::Text(
                "svchost.exe (pid 1044, C:\\Windows\\System32\\svchost.exe; services Dnscache, \
                 NlaSvc) said \"no\""
                    .to_owned(),
            ),
        ]
    }

    const COLUMNS: [&str; 5] = ["address", "port", "avg_rate", "first_seen", "diagnosis"];

    fn sheet(separator: &str, decimal: &str) -> Spreadsheet {
        Spreadsheet {
            separator: separator.to_owned(),
            decimal: decimal.to_owned(),
        }
    }

    #[test]
    fn a_european_locale_gets_semicolons_decimal_commas_and_date_times() {
        let out = spreadsheet_table(
            &COLUMNS,
            [row("10.0.0.5"), row("2001:db8::1")].into_iter(),
            Clock::Utc,
            &sheet(";", ","),
        );
        assert_eq!(
            out,
            "\u{feff}address;port;avg_rate;first_seen (UTC);diagnosis\r\n\
             10.0.0.5;7211;2,400;2024-05-01 13:13:13;svchost.exe (pid 1044, \
             C:\\Windows\\System32\\svchost.exe; services Dnscache, NlaSvc) said \"no\"\r\n\
             2001:db8::1;7211;2,400;2024-05-01 13:13:13;svchost.exe (pid 1044, \
             C:\\Windows\\System32\\svchost.exe; services Dnscache, NlaSvc) said \"no\"\r\n"
                .replace("svchost.exe (pid", "\"svchost.exe (pid")
                .replace("said \"no\"", "said \"\"no\"\"\"")
        );
    }

    #[test]
    fn comma_and_dot_quote_the_program_name_at_its_commas() {
        let out = spreadsheet_table(
            &COLUMNS,
            [row("10.0.0.5")].into_iter(),
            Clock::Utc,
            &Spreadsheet::default(),
        );
        assert_eq!(
            out,
            "\u{feff}address,port,avg_rate,first_seen (UTC),diagnosis\r\n\
             10.0.0.5,7211,2.400,2024-05-01 13:13:13,\"svchost.exe (pid 1044, \
             C:\\Windows\\System32\\svchost.exe; services Dnscache, NlaSvc) said \"\"no\"\"\"\r\n"
        );
    }

    #[test]
    fn a_program_name_is_quoted_where_it_holds_the_separator() {
        let name = Cell::Text("collector;v2.exe".to_owned());
        assert_eq!(
            for_spreadsheet(&name, &sheet(";", ","), Clock::Utc),
            "\"collector;v2.exe\""
        );
        assert_eq!(
            for_spreadsheet(&name, &Spreadsheet::default(), Clock::Utc),
            "collector;v2.exe"
        );
    }

    #[test]
    fn a_decimal_comma_as_the_separator_quotes_the_numbers() {
        let out = spreadsheet_table(
            &["avg_rate"],
            [vec![Cell::Decimal3(0.5)]].into_iter(),
            Clock::Utc,
            &sheet(",", ","),
        );
        assert_eq!(out, "\u{feff}avg_rate\r\n\"0,500\"\r\n");
    }

    /// Regression: with a dot as thousands separator, Excel reads 192.168.100.100 as the
    /// number 192168100100.
    #[test]
    fn an_address_that_reads_as_a_grouped_number_is_written_as_text() {
        let cell = |a: &str, s: &Spreadsheet| {
            for_spreadsheet(
                &Cell::Address(a.parse().expect("an address")),
                s,
                Clock::Utc,
            )
        };
        let de = sheet(";", ",");
        assert_eq!(cell("192.168.100.100", &de), "\"=\"\"192.168.100.100\"\"\"");
        assert_eq!(cell("192.168.1.100", &de), "192.168.1.100");
        assert_eq!(
            cell("192.168.100.100", &Spreadsheet::default()),
            "192.168.100.100"
        );
    }

    /// Regression: the CSV's diagnosis said "(2.0/s, 13:09:12-13:09:21)", times with no date
    /// and no zone beside `first_seen` in Unix seconds; the spreadsheet's form too.
    #[test]
    fn times_in_the_diagnosis_carry_their_date_and_zone() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let a = crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample");
        for out in [
            offenders(&a, Clock::Utc),
            offenders_for_spreadsheet(&a, Clock::Utc, &Spreadsheet::default()),
        ] {
            let diagnosis = out
                .lines()
                .nth(1)
                .and_then(|row| row.split_once(",\""))
                .map(|x| x.1);
            let diagnosis = diagnosis.expect("a quoted diagnosis");
            assert!(diagnosis.contains("T13:09:12Z to "), "{diagnosis}");
            assert_eq!(
                crate::report::tests::bare_time(diagnosis),
                None,
                "{diagnosis}"
            );
        }
    }

    #[test]
    fn the_terminal_form_keeps_unix_seconds_and_commas() {
        let cells: Vec<String> = row("10.0.0.5").iter().map(for_programs).collect();
        assert_eq!(
            cells.join(","),
            "10.0.0.5,7211,2.400,1714569193.750000,\"svchost.exe (pid 1044, \
             C:\\Windows\\System32\\svchost.exe; services Dnscache, NlaSvc) said \"\"no\"\"\""
        );
    }
}
