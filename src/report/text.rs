//! The terminal report: what was read, the totals, the per-second peaks and the offenders
//! with their diagnoses.

use std::fmt::Write as _;

use super::{
    Clock, endpoint, filters, full_diagnosis, grouped, offender_name, rate, thousands,
    wireshark_filter,
};
use crate::analysis::Analysis;
use crate::decode::link_label;
use crate::engine::series::Peak;
use crate::engine::{Cause, ConnRecord, ConnState, SecondCounts};
use crate::host::state::HostReport;
use crate::pipeline::merged::covered_seconds;

/// The `dropped` line: the packets the capture recorded at their drop by the capturing host,
/// left out of every other count.
fn dropped_line(a: &Analysis) -> String {
    let (d, t) = (&a.capture.dropped, &a.snapshot.totals);
    let mut line = format!(
        "{} recorded at a drop by the capturing host (pcapng epb_verdict: a pktmon drop event \
         as etl2pcapng writes it, or an XDP or tc program's drop): {} TCP ({}, {}), counted \
         at their endpoints and not as sent or received",
        count(d.frames, "frame", "frames"),
        d.tcp,
        count(t.dropped_syn, "SYN", "SYNs"),
        count(t.dropped_rst, "reset", "resets"),
    );
    if d.earlier_records > 0 {
        line.push_str(&format!(
            "; {} of the same packets at components before the drop left out with them",
            count(d.earlier_records, "record", "records")
        ));
    }
    if d.analyzed_before > 0 {
        line.push_str(&format!(
            "; {} was analyzed as delivered before its drop was read",
            count(
                d.analyzed_before,
                "packet's earlier record",
                "packets' earlier records"
            )
        ));
    }
    line
}

/// Peak and average of one per-second count over the capture's seconds; the peak is the
/// engine's (exact also where old seconds were folded into minutes).
fn peak_avg(a: &Analysis, f: impl Fn(&SecondCounts) -> u32, peak: Peak, clock: Clock) -> String {
    let s = &a.snapshot;
    // A live capture's average is over the time it captured, quiet seconds included.
    let Some((first, last)) = a.span() else {
        return "none".into();
    };
    let span = (last.second() - first.second() + 1).max(1);
    let total: u64 = s.series.iter().map(|(_, c)| u64::from(f(c))).sum();
    let Some((sec, peak)) = peak.0 else {
        return "none".into();
    };
    let at = crate::packet::Timestamp::from_parts(sec, 0);
    // Under a second, no average per second (what a second would hold): the peak, a count
    // in one second, is the figure, as the app's headline gives its counts alone.
    if crate::report::under_a_second(first, last) {
        return format!(
            "peak {}/s at {}; no average: the capture lasted {}",
            thousands(u64::from(peak)),
            clock.time(at),
            crate::report::capture_span(first, last)
        );
    }
    // Files far apart in time, or a file with long gaps: the average over the time captured,
    // not over the gaps.
    let (over, what) = match covered_seconds(&a.capture.files) {
        Some(covered) => (
            covered,
            format!(
                "the {} {} (not the {} from first to last packet)",
                crate::report::approx_duration(covered),
                if a.capture.files.len() == 1 {
                    "captured"
                } else {
                    "the files cover"
                },
                crate::report::approx_duration(span)
            ),
        ),
        None => (span, crate::report::approx_duration(span)),
    };
    format!(
        "peak {}/s at {}, average {} over {what}",
        thousands(u64::from(peak)),
        clock.time(at),
        rate(total as f64 / over as f64),
    )
}

/// Where the lines of a sentence after its first begin, under an offender's or a scan's
/// heading: two columns right of the sentence's first, so that it reads as one paragraph,
/// apart from the counts' lines below it, which begin where it does.
const SENTENCE_HANG: usize = 7;

/// Where the lines of a labelled line's text after its first begin (`  warning     `,
/// `  note        `): under the text's first.
const LABEL_HANG: usize = 14;

/// `text` after `prefix`, in lines shorter than `width` columns where it is given (a
/// terminal's: at 80 columns the report's sentences wrapped at its edge, back to column 0, and
/// the indentation that sets them apart was lost): broken at spaces, each line after the first
/// indented by `hang` spaces. Columns are counted as the terminal shows the characters (a CJK
/// program name takes two a character). A line is kept shorter than the width, as a line that
/// fills the last column wraps on some terminals (Windows' console). Without a width (a file,
/// a pipe) it is one line, as scripts read it.
///
/// What is read or copied as one stays on one line (`units`): a time with its date and its
/// zone, `pid 4312`, a command from `sudo` on; and a word longer than a line's room (a path)
/// is put whole on a line of its own, which the terminal then wraps, so that a copy of it is
/// whole.
pub fn wrapped(prefix: &str, text: &str, hang: usize, width: Option<usize>) -> String {
    wrapped_keeping(prefix, text, hang, width, &[])
}

/// [`wrapped`], where each of `whole` found in `text` (a capture filter) stays on one line too.
pub fn wrapped_keeping(
    prefix: &str,
    text: &str,
    hang: usize,
    width: Option<usize>,
    whole: &[&str],
) -> String {
    use unicode_width::UnicodeWidthStr as _;
    let Some(width) = width else {
        return format!("{prefix}{text}");
    };
    // Room for a few words a line, however narrow the terminal (a line may then wrap).
    let limit = width.saturating_sub(1).max(hang + 20);
    let mut out = prefix.to_owned();
    let mut used = prefix.width();
    let mut placed = false;
    // A label or a number before the text (`  file        `, `  1. `), not an indent alone.
    let mut after_label = !prefix.trim().is_empty();
    let room = limit.saturating_sub(hang);
    for unit in units(text, whole)
        .into_iter()
        .flat_map(|u| apart_where_too_wide(u, room))
    {
        let w = unit.width();
        // A word too wide for the rest of the label's line (a path after `file` or `warning`)
        // begins a line of its own, as it would after another word: it overflowed the label's
        // line, which the terminal wrapped back to its first column.
        let overflows_label = std::mem::take(&mut after_label) && used + w > limit;
        if (placed && used + 1 + w > limit) || overflows_label {
            // Not a blank at the line's end: the second space of a double one (`running]  127.0.0.1`
            // in `rstscope interfaces`) was left there.
            out.truncate(out.trim_end_matches(' ').len());
            out.push('\n');
            // A connecting word that begins a line too long at the hang goes into the margin,
            // so that what it connects lines up under the text (`           to 2026-12-02
            // 22:18:37.629599 +00:00` under the time it runs from, at 50 columns).
            let margin = connective(unit)
                .map(|c| c.len() + 1)
                .filter(|&m| hang + w > limit && hang >= m + 2);
            // What is too wide for a line at the hang but not for the terminal (a path and
            // the colon after it, a filter) begins the line, which the terminal then does not
            // wrap: at the hang, the colon after `tests/fixtures/compressed/http-mix-cut.pcapng.xz`
            // at 50 columns, and the comma after capture's default filter at 80, went alone to
            // a line of their own.
            let at = match margin {
                Some(m) => hang - m,
                None if hang + w > limit && w < width => 0,
                None => hang,
            };
            out.push_str(&" ".repeat(at));
            (used, placed) = (at, false);
        }
        if placed {
            out.push(' ');
            used += 1;
        }
        out.push_str(unit);
        used += w;
        placed = true;
    }
    out
}

/// The parts of `text` that a line break may not split: its words, but for the spaces of
/// [`joined`] and those inside any of `whole`.
fn units<'a>(text: &'a str, whole: &[&str]) -> Vec<&'a str> {
    let kept: Vec<(usize, usize)> = whole
        .iter()
        .filter(|w| !w.is_empty())
        .filter_map(|w| text.find(w).map(|at| (at, at + w.len())))
        .collect();
    let mut units = Vec::new();
    let mut start = 0;
    let mut words = text.split(' ').peekable();
    let mut at = 0;
    let mut command = false;
    let mut quoted = false;
    while let Some(word) = words.next() {
        let end = at + word.len();
        command = command || COMMANDS.contains(&word);
        // A command in backquotes (`sudo rstscope agent ...`) is whole to its closing one.
        let ticks = word.matches('`').count();
        if ticks % 2 == 1 {
            quoted = !quoted;
        }
        let Some(next) = words.peek() else {
            units.push(&text[start..end]);
            break;
        };
        let inside = kept.iter().any(|&(a, b)| a <= end && end < b);
        let connecting = is_connective(word);
        if !(command || quoted || inside || connecting || joined(word, next)) {
            units.push(&text[start..end]);
            start = end + 1;
        }
        at = end + 1;
    }
    units
}

/// Words that connect what follows them to what comes before (`2026-12-02 22:18:30 +00:00
/// to 2026-12-02 22:18:37 +00:00`, `refused by 127.0.0.1`): each stays on one line with the
/// word after it, so that none is left at a line's end, or alone on a line, as `to` was
/// between the two times at 50 columns.
const CONNECTIVES: [&str; 22] = [
    "a", "after", "an", "and", "as", "at", "by", "every", "for", "from", "in", "of", "on", "or",
    "over", "than", "the", "to", "until", "via", "with", "within",
];

/// `unit` as it is, or its connecting words apart from what they connect where that is wider
/// than a line's `room` even with the word in the margin (a path, which a copy wants whole on
/// a line of its own that the terminal wraps: the word before it would have been copied too).
fn apart_where_too_wide(unit: &str, room: usize) -> Vec<&str> {
    use unicode_width::UnicodeWidthStr as _;
    let mut parts = Vec::new();
    let mut rest = unit;
    while let Some(c) = connective(rest)
        && rest.width() > room + c.len() + 1
    {
        parts.push(c);
        rest = &rest[c.len() + 1..];
    }
    parts.push(rest);
    parts
}

/// The connecting word `unit` begins with, where it is one of [`CONNECTIVES`] and more follows.
fn connective(unit: &str) -> Option<&str> {
    unit.split_once(' ')
        .map(|(first, _)| first)
        .filter(|first| is_connective(first))
}

/// Whether `word` is one of [`CONNECTIVES`], after a bracket too: `(at 13:08:38):` and
/// `(with 802.1Q,` ended lines in `(at` and `(with` at every width.
fn is_connective(word: &str) -> bool {
    CONNECTIVES.contains(&word.trim_start_matches(['(', '[']))
}

/// Words that begin a command the reader copies and runs: the rest of the text stays on one
/// line with them.
const COMMANDS: [&str; 2] = ["sudo", "systemctl"];

/// Whether a line break between `word` and `next` would split what is read as one: a date
/// from its time (`2026-11-27 13:09:12`), a time from its zone (`13:09:12.250354 +00:00`),
/// a name from its number (`pid 4312`: [`NAMED_NUMBERS`]; a kernel counter's, `OutRsts 4`),
/// a number from its unit (`12.3 KiB`: [`UNITS`]).
fn joined(word: &str, next: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let starts_with_time = |s: &str| {
        let b = s.as_bytes();
        b.len() >= 5 && digits(&s[..2]) && b[2] == b':' && digits(&s[3..5])
    };
    let date = word.trim_start_matches(['(', '[', '"']);
    let is_date = date.len() == 10
        && date.split('-').map(str::len).eq([4, 2, 2])
        && date.split('-').all(digits);
    if is_date && starts_with_time(next) {
        return true;
    }
    let ends_with_time = word.len() >= 5 && {
        let clock = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        clock.ends_with(':') && word.ends_with(|c: char| c.is_ascii_digit())
    };
    let offset = next.len() >= 6
        && next.starts_with(['+', '-'])
        && digits(&next[1..3])
        && next.as_bytes()[3] == b':'
        && digits(&next[4..6]);
    if ends_with_time && offset {
        return true;
    }
    let number = word.trim_start_matches(['(', '[']);
    // A count with the word after it: its noun (`8 incidents`, `49 frames`, `5 min`, `40
    // TCP`), or what it is a count of (`4 of 4`, `1,024 of 2,048`: `of` stays with the count
    // after it, a connecting word), or `not` (`0 not decoded`). At 40-100 columns the
    // reports of the fixtures and the corpus broke between a count and its noun in dozens of
    // sentences (`31` ending a line, `incidents` beginning the next), as before between
    // `failed attempts 4` and `of 4` and between `0 not` and `decoded`. Not a count that ends its
    // item (`refused 5, handshake-reset 0`), nor one before a bracket (`resets 4 (refused`)
    // or a connecting word but `of` (`20 to 30`: the word stays with what it connects).
    if number.starts_with(|c: char| c.is_ascii_digit())
        && number.ends_with(|c: char| c.is_ascii_digit())
        && number.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && next.starts_with(char::is_alphabetic)
        && (next == "of" || !CONNECTIVES.contains(&next))
    {
        return true;
    }
    // A verb with the count it takes (`tried 3 times`, `saw 6 aborts`, `accepted 11:`,
    // `probed 10,500 ports`, `failed to start 5 times`), or with `all`/`at least` before it
    // (`refused all 20 connection attempts`, `probed at least 1,000 ports`), and those with
    // the count after them: the sweep of every capture's report at 40-100 columns ended lines
    // in `tried` and `refused all`, the count beginning the next.
    let counted = |n: &str| {
        n.trim_start_matches('(')
            .starts_with(|c: char| c.is_ascii_digit())
    };
    if (VERBS_OF_COUNTS.contains(&word) && (counted(next) || next == "all" || next == "at"))
        || (matches!(word, "all" | "least") && counted(next))
    {
        return true;
    }
    // `not` with what it negates (`not captured`).
    if word == "not" {
        return true;
    }
    // `failed attempts`, the name of a count (`failed attempts 4 of 4`), is one.
    if word == "failed" && next.starts_with("attempt") {
        return true;
    }
    let unit = next.trim_end_matches([',', ';', ':', ')']);
    if !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && UNITS.contains(&unit)
    {
        return true;
    }
    // A kernel counter's name (`OutRsts 4`, `TCPAbortOnData 0`): CamelCase; or a Zeek
    // connection state's (`RSTR 1`, `S1 5`, `REJ 20`): capitals, maybe a digit.
    let counter = number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_alphanumeric())
        && number.bytes().filter(u8::is_ascii_uppercase).count() >= 2
        && number.bytes().any(|b| b.is_ascii_lowercase());
    let state = (2..=6).contains(&number.len())
        && number.starts_with(|c: char| c.is_ascii_uppercase())
        && number
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let counter = counter || state;
    (counter || NAMED_NUMBERS.contains(&number)) && next.starts_with(|c: char| c.is_ascii_digit())
}

/// Verbs the sentences put before a count (`tried 3 times`, `refused all 20 connection
/// attempts`): each stays on one line with it (see [`joined`]).
const VERBS_OF_COUNTS: [&str; 13] = [
    "accepted", "counted", "dropped", "lost", "made", "needs", "probed", "refused", "saw", "sent",
    "shows", "start", "tried",
];

/// The units a number is read with (`12.3 KiB`, `18.6 s`).
const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "s", "ms"];

/// Words that name the number after them: `pid 4312`, `peak 4/s`, the fields of the tcpdump
/// lines of `--endpoint` (`seq 3134553372`, `ack 1`, `win 65495`, `length 0`, `TS val
/// 869084820 ecr 0`, `[mss 65495`, `wscale 10]`), the causes' counts (`after-close 0`: at 50 columns the count began the
/// next line), the times an endpoint's incidents run over (`first 2026-12-02 22:18:37...`)
/// and its failed attempts (`failed attempts 4 of 4`), and the counts of its line of counts
/// (`clients 1`, `incidents 31:`, `resets 153600`: at 80 columns a capture of 153,600
/// refusals left `clients` ending a line and `1` alone on the next), the average of a
/// rate (`average 1.0/s`, `avg 0.1/s`), a byte offset (`at byte 2928`) and a scan's counts (`targets
/// 1000:`, `open 3 (completed 0, half-open 3)`, `no answer 0`).
const NAMED_NUMBERS: [&str; 29] = [
    "pid",
    "attempts",
    "average",
    "avg",
    "byte",
    "targets",
    "open",
    "completed",
    "half-open",
    "answer",
    "clients",
    "incidents",
    "resets",
    "peak",
    "seq",
    "ack",
    "win",
    "length",
    "val",
    "ecr",
    "mss",
    "wscale",
    "refused",
    "handshake-reset",
    "after-close",
    "abort",
    "stray",
    "first",
    "last",
];

/// `text`'s lines each fitted to `width` where it is given (see [`wrapped`]): a line that is
/// as wide as the terminal or wider is broken with a hanging indent under its text (after its
/// label, as `  kernel      `, or its number, as `  1. `; else two columns in from its own
/// indentation). The filters and command lines stay whole, to be copied. Lines that fit, and
/// every line without a width (a file, a pipe), are as they were.
pub fn fitted(text: &str, width: Option<usize>) -> String {
    fitted_keeping(text, width, &[])
}

/// [`fitted`], where each of `whole` found in a line (a capture filter) stays on one line.
pub fn fitted_keeping(text: &str, width: Option<usize>, whole: &[&str]) -> String {
    let Some(cols) = width else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&fitted_line(line, cols, whole));
    }
    out
}

/// One line of [`fitted`].
fn fitted_line<'a>(line: &'a str, cols: usize, whole: &[&str]) -> std::borrow::Cow<'a, str> {
    use unicode_width::UnicodeWidthStr as _;
    let body = line.trim_start_matches(' ');
    if line.width() < cols || KEPT_WHOLE.iter().any(|k| body.starts_with(k)) {
        return line.into();
    }
    let indent = line.len() - body.len();
    // A label and the spaces that line its text up (`resets           20 (...)`).
    let labelled = body
        .find("  ")
        .filter(|&at| at > 0 && at <= 20)
        .map(|at| at + body[at..].len() - body[at..].trim_start_matches(' ').len());
    // A numbered entry (`  1. 127.0.0.1:7211`).
    let numbered = body
        .find(". ")
        .filter(|&at| at > 0 && body[..at].bytes().all(|b| b.is_ascii_digit()))
        .map(|at| at + 2);
    let start = indent + labelled.or(numbered).unwrap_or(0);
    let hang = if start > indent { start } else { indent + 2 };
    wrapped_keeping(&line[..start], &line[start..], hang, Some(cols), whole).into()
}

/// The beginnings of lines that stay whole however wide, to be copied: the filters (one, or
/// one a link type) and the command lines; not a filter's note, which is a sentence.
const KEPT_WHOLE: [&str; 4] = ["wireshark:", "bpf:", "bpf (", "command ("];

/// The first line of [`report`], which `rstscope analyze` writes as soon as the capture is
/// read (a pager that shows nothing for seconds looks hung).
pub const FIRST_LINE: &str = "Capture";

/// The full report for `rstscope analyze`, showing at most `top` offenders, as a file or a
/// pipe gets it: each line whole.
pub fn report(a: &Analysis, clock: Clock, top: usize) -> String {
    report_fitted(a, clock, top, None)
}

/// [`report`] with its sentences (diagnoses, scans, warnings, notes, and the long lines of
/// counts and times) fitted to `width` columns where it is given (a terminal's: see
/// [`wrapped`]). Filters and command lines stay whole, to be copied.
pub fn report_fitted(a: &Analysis, clock: Clock, top: usize, width: Option<usize>) -> String {
    let clock = crate::report::clock_for(a, clock);
    let mut out = String::new();
    let cap = &a.capture;
    let s = &a.snapshot;
    let t = &s.totals;
    let _ = writeln!(out, "{FIRST_LINE}");
    for (n, f) in cap.files.iter().enumerate() {
        let format = f.format.name();
        let zipped = f
            .archive
            .as_ref()
            .map_or(String::new(), |a| format!(", in a zip ({})", a.method));
        let gz = f
            .compression
            .map_or(String::new(), |c| format!(", {}", c.name()));
        // Which file holds the frames not decoded, when several are read together.
        let not_decoded = match cap.not_decoded_in(n).map(|(_, n)| n).sum::<u64>() {
            0 => String::new(),
            k => format!(", {} not decoded", thousands(k)),
        };
        // Frames its writer counted lost (pcapng statistics blocks): the file that lost them.
        let lost = match f.lost {
            0 => String::new(),
            k => format!(", {} lost while capturing", thousands(k)),
        };
        let file = format!(
            "{} ({format}{zipped}{gz}, {}, {}{not_decoded}{lost})",
            f.path.display(),
            // A pipe has no size: what was read from it is.
            super::bytes(f.size.max(f.bytes_read)),
            super::plural(f.frames, "frame", "frames")
        );
        let _ = writeln!(
            out,
            "{}",
            wrapped("  file        ", &file, LABEL_HANG, width)
        );
    }
    let links: Vec<String> = cap
        .link_types
        .iter()
        .map(|(lt, n)| format!("{}: {}", link_label(*lt), grouped(*n)))
        .collect();
    let links = if links.is_empty() {
        "none".into()
    } else {
        links.join(", ")
    };
    let _ = writeln!(
        out,
        "{}",
        wrapped("  link types  ", &links, LABEL_HANG, width)
    );
    // A capture of several interfaces (dumpcap -i lo -i eth0, pktmon's components, Linux's
    // `any`): each one's frames, as capinfos lists them, so that "seen on lo" below can be
    // weighed.
    let interfaces: Vec<String> = (super::interface_frames(cap).iter())
        .map(|(name, n)| format!("{name}: {}", grouped(*n)))
        .collect();
    if !interfaces.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            wrapped("  interfaces  ", &interfaces.join(", "), LABEL_HANG, width)
        );
    }
    // Copies left out are among the frames: said here too, so that the parts add up.
    let copies = match cap.copies.total() {
        0 => String::new(),
        n => format!(", {} left out", count(n, "copy", "copies")),
    };
    let dropped = match cap.dropped.frames + cap.dropped.earlier_records {
        0 => String::new(),
        n => format!(", {} records of packets the host dropped", grouped(n)),
    };
    let packets = format!(
        "{}: {} TCP, {} other, {} not decoded{copies}{dropped}",
        count(cap.frames, "frame", "frames"),
        grouped(t.tcp_packets),
        grouped(cap.other_frames),
        grouped(cap.not_decoded_total())
    );
    let _ = writeln!(
        out,
        "{}",
        wrapped("  packets     ", &packets, LABEL_HANG, width)
    );
    for (reason, n) in &cap.not_decoded {
        let _ = writeln!(out, "              not decoded: {} x {reason}", grouped(*n));
    }
    let tunnelled = cap.tunnelled_tcp();
    if !tunnelled.is_empty() {
        let each: Vec<String> = (tunnelled.iter())
            .map(|(t, n)| format!("{} {}", t.name(), grouped(*n)))
            .collect();
        let all: u64 = tunnelled.iter().map(|(_, n)| n).sum();
        let mut line = format!(
            "{} came inside tunnels ({}), analyzed by their inner addresses",
            count(all, "TCP packet", "TCP packets"),
            each.join(", ")
        );
        // Networks past the numbered ones: not told apart (the warnings say what it means).
        for (&kind, &n) in &cap.past_networks {
            let _ = write!(
                line,
                "; {} of them in {}",
                grouped(n),
                crate::packet::Overlay::past(kind).words().replacen(
                    ", one of the networks",
                    " networks",
                    1
                )
            );
        }
        let _ = writeln!(
            out,
            "{}",
            wrapped("  tunnels     ", &line, LABEL_HANG, width)
        );
    }
    if let (Some(c), Some((start, end))) = (cap.captured, a.span()) {
        // The capture's own time, however quiet: what its averages are over.
        let how = if c.live {
            " captured live"
        } else {
            ": the capture's start to its end, as the file records them"
        };
        let time = format!(
            "{} to {} ({}{how})",
            clock.full_to(start, cap.time_digits()),
            clock.full_to(end, cap.time_digits()),
            super::capture_span(start, end)
        );
        let _ = writeln!(
            out,
            "{}",
            wrapped("  time        ", &time, LABEL_HANG, width)
        );
    } else if let (Some(first), Some(last)) = (t.first_ts, t.last_ts) {
        let time = format!(
            "{} to {} ({})",
            clock.full_to(first, cap.time_digits()),
            clock.full_to(last, cap.time_digits()),
            super::capture_span(first, last)
        );
        let _ = writeln!(
            out,
            "{}",
            wrapped("  time        ", &time, LABEL_HANG, width)
        );
    } else if cap.frames == 0 {
        let _ = writeln!(out, "  time        none: the capture holds no packets");
    }
    if cap.copies.total() > 0 {
        let c = &cap.copies;
        let copies = format!(
            "{} left out ({}, {}): copies of packets already seen ({} by pktmon packet id, {} by identical headers on another interface, {} the same frame again on the same interface within 5 ms); each packet counted once",
            count(c.total(), "frame", "frames"),
            count(c.resets, "reset", "resets"),
            count(c.syns, "SYN", "SYNs"),
            grouped(c.by_packet_id),
            grouped(c.by_content),
            grouped(c.repeated)
        );
        let _ = writeln!(
            out,
            "{}",
            wrapped("  copies      ", &copies, LABEL_HANG, width)
        );
    }
    if cap.dropped.frames > 0 {
        let _ = writeln!(
            out,
            "{}",
            wrapped("  dropped     ", &dropped_line(a), LABEL_HANG, width)
        );
    }
    // The copies line says it all, with the counts: a file's warning of them, and a live
    // capture's (without the option that lists every copy, as nothing of it is kept).
    let copies_warnings = [cap.copies.warning(), cap.copies.note()];
    for w in cap
        .warnings_in(clock)
        .iter()
        .filter(|w| !copies_warnings.iter().any(|c| c.as_ref() == Some(*w)))
    {
        let _ = writeln!(out, "{}", wrapped("  warning     ", w, LABEL_HANG, width));
    }

    let _ = writeln!(out, "\nTotals");
    let by_cause: Vec<String> = Cause::ALL
        .iter()
        .map(|c| format!("{} {}", c.as_str(), grouped(t.rst_by_cause[c.index()])))
        .collect();
    let resets = format!("{} ({})", grouped(t.rst_packets), by_cause.join(", "));
    let _ = writeln!(
        out,
        "{}",
        wrapped("  resets           ", &resets, 19, width)
    );
    let _ = writeln!(out, "  suspect-injected {}", grouped(t.suspect_injected));
    let _ = writeln!(
        out,
        "  failed attempts  {} of {}",
        grouped(t.failed_attempts),
        count(t.attempts, "connection attempt", "connection attempts")
    );
    if t.late_answers > 0 {
        // Not failures, but each an incident (its client waited): what the `late` column of
        // `--series` counts.
        let _ = writeln!(
            out,
            "  answered late    {} of {}: only after {} sent again",
            grouped(t.late_answers),
            count(t.attempts, "connection attempt", "connection attempts"),
            if t.late_answers == 1 {
                "its SYN was"
            } else {
                "their SYNs were"
            }
        );
    }
    let _ = writeln!(
        out,
        "  SYN packets      {} (SYN-ACK {})",
        grouped(t.syn_packets),
        grouped(t.synack_packets)
    );
    if t.dropped_packets > 0 {
        let _ = writeln!(
            out,
            "  dropped by host  {} ({}, {}): in none of the counts above",
            count(t.dropped_packets, "packet", "packets"),
            count(t.dropped_syn, "SYN", "SYNs"),
            count(t.dropped_rst, "reset", "resets"),
        );
    }
    let mut states = Vec::new();
    let mut conns = 0;
    for st in ConnState::ALL {
        let n = t.conn_states[st.index()] + s.live_conn_states[st.index()];
        conns += n;
        if n > 0 {
            states.push(format!("{} {}", st.as_str(), grouped(n)));
        }
    }
    let _ = writeln!(
        out,
        "  connections      {}: {}",
        grouped(conns),
        if states.is_empty() {
            "none".into()
        } else {
            states.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "  resets/s         {}",
        peak_avg(a, SecondCounts::rst_total, a.snapshot.peak_rst, clock)
    );
    let _ = writeln!(
        out,
        "  failed/s         {}",
        peak_avg(a, |c| c.failed(), a.snapshot.peak_failed, clock)
    );

    if let Some(h) = &a.host {
        host(&mut out, h, clock, width);
    }

    scans(&mut out, s, clock, top, width);

    let _ = writeln!(
        out,
        "\nOffenders (service endpoints with resets or failed attempts)"
    );
    if s.offenders.is_empty() && a.capture.tcp_frames == 0 {
        // Not "no resets": none could have been counted.
        let _ = writeln!(out, "  {}", super::no_tcp_text(&a.capture));
    } else if s.offenders.is_empty() {
        let _ = writeln!(
            out,
            "  none: no resets and no failed connection attempts in this capture"
        );
    }
    // A scan's targets are told by the scan above, not one by one: they come last in the
    // ranking, and stay in the JSON and CSV outputs and behind `--endpoint`.
    let own: Vec<&crate::engine::Offender> =
        s.offenders.iter().filter(|o| o.scan.is_none()).collect();
    let targets = s.offenders.len() - own.len();
    let scans = if s.scans.len() == 1 { "scan" } else { "scans" };
    if own.is_empty() && targets > 0 {
        let _ = writeln!(out, "  none but the targets of the {scans} above");
    }
    for (i, o) in own.iter().take(top).enumerate() {
        let service = crate::services::name(o.port)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{:>3}. {}{service}", i + 1, offender_name(o));
        let why = full_diagnosis(o, a.host.as_deref(), clock);
        let _ = writeln!(out, "{}", wrapped("     ", &why, SENTENCE_HANG, width));
        if let Some(h) = a.host.as_deref() {
            commands(&mut out, o, h);
        }
        let causes: Vec<String> = Cause::ALL
            .iter()
            .filter(|c| o.rst_by_cause[c.index()] > 0)
            .map(|c| format!("{} {}", c.as_str(), grouped(o.rst_by_cause[c.index()])))
            .collect();
        let dropped = match o.dropped.packets {
            0 => String::new(),
            n => format!(
                "; dropped by host {} ({} SYN, {} RST)",
                grouped(n),
                grouped(o.dropped.syn),
                grouped(o.dropped.rst)
            ),
        };
        // Attempts answered only after their SYNs were sent again: no failure, but each an
        // incident (its client waited), beside the failed attempts as the app's Late column.
        let late = match o.answered_late() {
            0 => String::new(),
            n => format!(
                "; answered late {} ({} resent)",
                grouped(n),
                super::plural(u64::from(o.resends.syns), "SYN", "SYNs")
            ),
        };
        let _ = writeln!(
            out,
            "     resets {}{}; failed attempts {} of {}{late}{dropped}; clients {}{}",
            grouped(o.rst_packets),
            if causes.is_empty() {
                String::new()
            } else {
                format!(" ({})", causes.join(", "))
            },
            grouped(o.failed_attempts),
            grouped(o.attempts),
            if o.clients_at_least { ">=" } else { "" },
            grouped(o.clients)
        );
        if let Some(seen) = super::seen_on_words(o, a) {
            let _ = writeln!(out, "{}", wrapped("     ", &seen, SENTENCE_HANG, width));
        }
        if o.suspect_injected > 0 {
            let _ = writeln!(out, "     suspect-injected {}", grouped(o.suspect_injected));
            for s in o.suspects.iter() {
                let _ = writeln!(out, "       {}", super::suspect_evidence(o, s, clock));
            }
        }
        // Rates, peak, first and last count incidents, not resets: said so, or a refused
        // attempt's retries (resets after its "last") read as a miscount.
        let retries = match o.refusal_retries {
            0 => String::new(),
            1 => " (the refusal of 1 retry not counted: an attempt counts once)".to_owned(),
            n => format!(
                " (the refusals of {} retries not counted: an attempt counts once)",
                grouped(n)
            ),
        };
        // One incident has no rate: "avg 1.0/s peak 1/s; first T last T" read as a second's
        // worth of them. Its times to the digits the capture's files record.
        let digits = a.capture.time_digits();
        let incidents = if o.incidents == 1 {
            format!(
                "incidents 1{retries}: at {}",
                clock.full_to(o.first_seen, digits)
            )
        } else if super::incidents_within_a_second(o) {
            // No average per second of less than a second ("avg 3.0/s" for three 12 ms
            // apart), as the capture's own lines give none under a second.
            format!(
                "incidents {}{retries}: peak {}/s, no average (all within {}); first {} last {}",
                grouped(o.incidents),
                thousands(u64::from(o.peak_rate)),
                super::incidents_span(o),
                clock.full_to(o.first_seen, digits),
                clock.full_to(o.last_seen, digits)
            )
        } else {
            format!(
                "incidents {}{retries}: avg {}{} peak {}/s; first {} last {}",
                grouped(o.incidents),
                super::avg_rate_words(o),
                // "avg 1.0/s over the 2 s captured peak 1/s" read as one run.
                if o.avg_over.is_some() { "," } else { "" },
                thousands(u64::from(o.peak_rate)),
                clock.full_to(o.first_seen, digits),
                clock.full_to(o.last_seen, digits)
            )
        };
        let _ = writeln!(
            out,
            "{}",
            wrapped("     ", &incidents, SENTENCE_HANG, width)
        );
        for p in super::other_payloads(o) {
            let _ = writeln!(out, "     other RST payload: {}", p.quoted());
        }
        let _ = writeln!(
            out,
            "     wireshark: {}",
            wireshark_filter(o.addr, o.port, o.encaps.as_slice())
        );
        if let Some(d) = super::decode_as_words(o.encaps.as_slice()) {
            let _ = writeln!(out, "     decode as: {d}");
        }
        let (bpf, notes) = filters::bpf_lines(o);
        for (label, filter) in bpf {
            match label {
                None => {
                    let _ = writeln!(out, "     bpf:       {filter}");
                }
                Some(l) => {
                    let _ = writeln!(out, "     bpf ({l}): {filter}");
                }
            }
        }
        for n in notes {
            let _ = writeln!(out, "     bpf note:  {n}");
        }
    }
    if own.len() > top {
        let _ = writeln!(
            out,
            "  ... {} more (--top N shows more)",
            grouped(own.len() - top)
        );
    }
    if targets > 0 {
        let _ = writeln!(
            out,
            "  ... and {} that are targets of the {scans} above, not listed one by one (--format json or csv lists them; --endpoint ADDR:PORT shows one)",
            super::plural(targets as u64, "endpoint", "endpoints"),
        );
    }
    let other = &s.other_endpoints;
    if other.dropped > 0 {
        let _ = writeln!(
            out,
            "  ... and {} not kept (more than {} were seen; those with the fewest incidents made room): resets {}, failed attempts {} of {}",
            count(other.dropped, "endpoint", "endpoints"),
            grouped(crate::engine::offenders::Services::MAX_TRACKED),
            grouped(other.rst_packets()),
            grouped(other.failed_attempts),
            grouped(other.attempts)
        );
    }
    // The lines not fitted one by one above (counts, headings, the host's counters).
    fitted(&out, width)
}

/// The report's scans section alone (`analyze --scans`), or a line saying there is none.
pub fn scans_only(a: &Analysis, clock: Clock, top: usize) -> String {
    scans_only_fitted(a, clock, top, None)
}

/// [`scans_only`] fitted to `width` as [`report_fitted`].
pub fn scans_only_fitted(a: &Analysis, clock: Clock, top: usize, width: Option<usize>) -> String {
    let clock = crate::report::clock_for(a, clock);
    let mut out = String::new();
    if a.snapshot.scans.is_empty() && scans_not_held(&a.snapshot).is_none() {
        out.push_str("No port scans or sweeps in this capture\n");
    }
    scans(&mut out, &a.snapshot, clock, top, width);
    fitted(out.trim_start_matches('\n'), width)
}

/// The scans section: each scan's sentence and where to look at its packets; at most `top`.
fn scans(
    out: &mut String,
    s: &crate::engine::Snapshot,
    clock: Clock,
    top: usize,
    width: Option<usize>,
) {
    let not_held = scans_not_held(s);
    if s.scans.is_empty() && not_held.is_none() {
        return;
    }
    let _ = writeln!(
        out,
        "\nScans (one client's failed attempts over many ports of a server, or many servers on a port)"
    );
    for (i, scan) in s.scans.iter().take(top).enumerate() {
        let number = format!("{:>3}. ", i + 1);
        let sentence = super::scan_sentence(scan, clock);
        let _ = writeln!(out, "{}", wrapped(&number, &sentence, SENTENCE_HANG, width));
        let _ = writeln!(
            out,
            "     attempts {}, failed {}; targets {}: open {} (completed {}, half-open {}), refused {}, no answer {}{}{}",
            grouped(scan.attempts),
            grouped(scan.failed_attempts),
            grouped(scan.targets),
            grouped(scan.open()),
            grouped(scan.completed),
            grouped(scan.half_open),
            grouped(scan.refused),
            grouped(scan.unanswered),
            match scan.unanswered_at_end {
                0 => String::new(),
                n => format!(
                    " ({} before the capture ended: too soon to tell)",
                    grouped(n)
                ),
            },
            match scan.not_kept {
                0 => String::new(),
                n => format!("; not kept as endpoints {}", grouped(n)),
            }
        );
    }
    if s.scans.len() > top {
        let _ = writeln!(
            out,
            "  ... {} more (--top N shows more)",
            grouped(s.scans.len() - top)
        );
    }
    if let Some(line) = not_held {
        out.push_str(&line);
    }
}

/// A line saying how many scans were found in all, when that is more than the analysis holds
/// (and lists): the endpoints of the others were dropped from its table, or they stopped
/// looking like scans.
fn scans_not_held(s: &crate::engine::Snapshot) -> Option<String> {
    let found = s.scans_found;
    let all = found.port_scans + found.sweeps;
    let held = s.scans.len() as u64;
    (all > held).then(|| {
        format!(
            "  {} found in all ({} port {}, {} {}), {} of them held: the endpoints of the others were dropped (more than 10,000 seen), or they no longer look like scans\n",
            grouped(all),
            grouped(found.port_scans),
            if found.port_scans == 1 { "scan" } else { "scans" },
            grouped(found.sweeps),
            if found.sweeps == 1 { "sweep" } else { "sweeps" },
            grouped(held),
        )
    })
}

/// Longest command line shown; a longer one is cut in the middle of nothing but its end.
const COMMAND_CHARS: usize = 160;

/// The command lines of the programs the diagnosis names, one a line, where they say more
/// than the name: `python3`, `java` or `bash` (and the interpreter's path) do not tell which
/// program runs. The app shows them beside the names; the terminal showed none.
fn commands(out: &mut String, o: &crate::engine::Offender, h: &HostReport) {
    let Some(e) = h.endpoint_at(o.key()) else {
        return;
    };
    let mut shown: Vec<(&str, &crate::host::processes::ProcessInfo)> = Vec::new();
    // The listener as the diagnosis tells it: only where the socket table was read.
    if h.samples > 0 && e.local {
        if let Some(l) = &e.listener.now {
            shown.push(("listening", &l.process));
        }
        if let Some(l) = e.listener.earlier.first() {
            shown.push(("listened", &l.process));
        }
    }
    // The connecting processes the diagnosis names (the first three).
    for c in e.clients.processes.iter().take(3) {
        if let Some(d) = e.client_details.iter().find(|d| d.pid == c.pid) {
            shown.push(("connecting", d));
        }
    }
    for (role, p) in shown {
        let Some(cmd) = p
            .cmdline
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty() && *c != p.name)
        else {
            continue;
        };
        // A command line may hold newlines (`python3 -c '...'`, `sh -c`): escaped (`\n`),
        // so that it stays on its line of the report.
        let mut one_line = String::with_capacity(cmd.len());
        for c in cmd.chars() {
            if c.is_control() {
                one_line.extend(c.escape_default());
            } else {
                one_line.push(c);
            }
        }
        let cmd = one_line.as_str();
        let cmd = match cmd.char_indices().nth(COMMAND_CHARS) {
            Some((cut, _)) => format!("{}…", &cmd[..cut]),
            None => cmd.to_owned(),
        };
        let _ = writeln!(out, "     command ({role}, pid {}): {cmd}", p.pid);
    }
}

/// The programs failing again and again the machine's section lists at most.
const MAX_FAILING_LINES: usize = 5;

/// The machine's section: kernel counters, how they compare, listeners that went away, the
/// programs failing again and again that no endpoint's diagnosis told.
pub(crate) fn host(out: &mut String, h: &HostReport, clock: Clock, width: Option<usize>) {
    if h.samples == 0 {
        // Not sampled: process information came with the capture file.
        let _ = writeln!(out, "\nProcesses");
        for n in &h.notes {
            let _ = writeln!(out, "{}", wrapped("  note        ", n, LABEL_HANG, width));
        }
        return;
    }
    match &h.recorded {
        // Saved in the file by the live capture: the machine that captured, not this one.
        Some(r) => {
            let (heading, label) = match r.listening_of {
                Some(_) => (
                    "The machines that captured (as rstscope recorded them in the file)",
                    "machines   ",
                ),
                None => (
                    "The machine that captured (as rstscope recorded it in the file)",
                    "machine    ",
                ),
            };
            let _ = writeln!(out, "\n{heading}");
            if let Some(m) = &r.machine {
                let _ = writeln!(out, "  {label} {m}");
            }
        }
        None => {
            let _ = writeln!(out, "\nThis machine");
        }
    }
    if let Some((first, last)) = h.sampled {
        let _ = writeln!(
            out,
            "  sampled     {}, {} to {}",
            count(h.samples, "time", "times"),
            clock.time(first),
            clock.time(last)
        );
    }
    if !h.kernel.is_empty() {
        let counters: Vec<String> = h
            .kernel
            .iter()
            .map(|k| {
                let peak = k.per_second.iter().map(|&(_, n)| n).max().unwrap_or(0);
                if peak > 0 {
                    format!(
                        "{} {} (peak {}/s)",
                        k.name,
                        thousands(k.total),
                        thousands(peak)
                    )
                } else {
                    format!("{} {}", k.name, thousands(k.total))
                }
            })
            .collect();
        let _ = writeln!(out, "  kernel      {}", counters.join(", "));
    }
    if let Some(c) = &h.coverage {
        let _ = writeln!(
            out,
            "{}",
            wrapped("  coverage    ", &c.note, LABEL_HANG, width)
        );
    }
    let listening = super::plural(h.listening.len() as u64, "socket", "sockets");
    // A file of one endpoint's packets keeps its port's listeners alone: "0 sockets" of the
    // whole machine would be false.
    let on_port = h
        .listening_port
        .map(|p| format!(" on port {p}"))
        .unwrap_or_default();
    // "now" only while the capture runs: its final report, and a saved capture read later,
    // say when the listeners were read.
    let when = super::AsOf::of(h).when(clock);
    // Of several machines, the last one's listeners (see `Recorded::listening_of`).
    let of = match h.recorded.as_ref().and_then(|r| r.listening_of.as_deref()) {
        Some(m) => format!(" on {m} (loopback sockets aside: each is its own machine's)"),
        None => String::new(),
    };
    let when = match &of {
        o if !o.is_empty() => when.replacen("the capture ended", "its capture ended", 1),
        _ => when,
    };
    let _ = writeln!(out, "  listening   {listening}{on_port}{of} {when}");
    for g in h.gone.iter().take(10) {
        let seen = clock.seen(g.first_seen, g.last_seen, "seen", "to");
        let gone = format!(
            "{} on {} ({seen})",
            g.process.label(),
            endpoint(g.addr.ip(), g.addr.port()),
        );
        let _ = writeln!(
            out,
            "{}",
            wrapped("  gone        ", &gone, LABEL_HANG, width)
        );
    }
    if h.gone.len() > 10 {
        let _ = writeln!(
            out,
            "              ... {} more gone",
            grouped(h.gone.len() - 10)
        );
    }
    // The programs failing again and again that no endpoint's diagnosis told: a service
    // nobody connects to yet, a client whose connects are refused (its endpoint's diagnosis
    // leaves it out, as its client). Regression (a `bash -c 'exec 3<>/dev/tcp/...'` loop in
    // the terminal): the app's This machine listed it, the terminal nothing.
    let told: Vec<&str> = (h.endpoints.iter())
        .flat_map(|e| e.failing_starts.iter().map(|f| f.program.as_str()))
        .collect();
    let untold: Vec<_> = (h.failing_starts.iter())
        .filter(|f| !told.contains(&f.program.as_str()))
        .collect();
    for f in untold.iter().take(MAX_FAILING_LINES) {
        let line = super::failing_start_line_of(h, f, clock);
        let _ = writeln!(
            out,
            "{}",
            wrapped("  failing     ", &line, LABEL_HANG, width)
        );
    }
    if untold.len() > MAX_FAILING_LINES {
        let _ = writeln!(
            out,
            "              ... {} more failing",
            grouped(untold.len() - MAX_FAILING_LINES)
        );
    }
    for n in &h.notes {
        let _ = writeln!(out, "{}", wrapped("  note        ", n, LABEL_HANG, width));
    }
}

/// One `--connections` row for people; ` overlay=vxlan:42` at its end where it came in a
/// tunnel that names its network (two tenants' overlays may number their machines alike).
pub fn connection_line(c: &ConnRecord, clock: Clock) -> String {
    connection_line_to(c, clock, 6)
}

/// [`connection_line`] with its start to `digits` of the second, those its capture's files
/// record ([`Clock::full_to`]): `06:22:10.100` of a Network Monitor 1.x file, not
/// `06:22:10.100000`.
pub fn connection_line_to(c: &ConnRecord, clock: Clock, digits: u8) -> String {
    let mut line = format!(
        "{} {} -> {} {} {} rst={} cause={} suspect={} {}",
        clock.full_to(c.start, digits),
        endpoint(c.orig.0, c.orig.1),
        endpoint(c.resp.0, c.resp.1),
        c.state.as_str(),
        c.history,
        c.rst_count,
        c.rst_cause.map_or("-", Cause::as_str),
        c.suspect_injected,
        // One packet lasted no time: `-`, as Zeek's conn.log leaves it ("0.000s" read as a
        // measured time).
        if c.packets <= 1 {
            "-".to_owned()
        } else {
            format!("{:.3}s", c.duration_ns as f64 / 1e9)
        }
    );
    if !c.overlay.is_none() {
        line.push_str(" overlay=");
        line.push_str(&c.overlay.key());
    }
    line
}

/// The `--series` table for people, as a file or a pipe gets it.
pub fn series(a: &Analysis, clock: Clock) -> String {
    series_fitted(a, clock, None)
}

/// The `--series` table's columns: heading and width as a file or a pipe gets them.
const SERIES_COLUMNS: [(&str, usize); 10] = [
    ("resets", 8),
    ("refused", 8),
    ("handshake", 10),
    ("after", 8),
    ("abort", 6),
    ("stray", 6),
    ("failed", 7),
    ("suspect", 8),
    ("late", 5),
    ("dropped", 8),
];

/// The column of [`SERIES_COLUMNS`] of attempts answered only after their SYNs were sent
/// again: only in a capture that has any (a listen queue that overflowed, whose seconds had
/// nothing in the other columns).
const LATE_COLUMN: usize = 8;

/// The column of [`SERIES_COLUMNS`] of TCP packets the capturing host dropped (a pktmon
/// trace's drop events, an XDP or tc program's): only in a capture that has any, whose
/// seconds of drops had nothing in the other columns.
const DROPPED_COLUMN: usize = 9;

/// [`series`] fitted to `width` columns where it is given (a terminal's) and the table is as
/// wide or wider (a dated capture's rows are 88 columns; at 50 columns every row wrapped,
/// its numbers under the wrong headings): the columns that are 0 in every second are left out,
/// and named in a line of their own, and each column is as wide as its heading or its widest
/// number. Its other lines are broken as the report's are ([`fitted`]).
pub fn series_fitted(a: &Analysis, clock: Clock, width: Option<usize>) -> String {
    let mut out = String::new();
    // In a capture of one day the rows carry the time of day only: the date and the zone come
    // first, as the report's own times carry them. In a capture of days each row is dated.
    let clock = super::clock_for(a, clock);
    let time_width = if clock.is_dated() { 19 } else { 10 };
    if let (Some(first), Some(last)) = (a.snapshot.series.first(), a.snapshot.series.last()) {
        let at = |sec: i64| crate::packet::Timestamp::from_parts(sec, 0);
        let t = &a.snapshot.totals;
        let what = match (t.late_answers > 0, t.dropped_packets > 0) {
            (true, true) => {
                "Resets, failed attempts, attempts answered late and packets the host dropped per second"
            }
            (true, false) => "Resets, failed attempts and attempts answered late per second",
            (false, true) => "Resets, failed attempts and packets the host dropped per second",
            (false, false) => "Resets and failed attempts per second",
        };
        let title = format!("{what}, {}", clock.dated_range(at(first.0), at(last.0)));
        let _ = writeln!(out, "{}", fitted(&title, width));
    }
    let minutes_before = a.snapshot.minutes_before;
    let rows: Vec<(String, [u64; 10])> = a
        .snapshot
        .series
        .iter()
        .map(|(sec, c)| {
            let ts = crate::packet::Timestamp::from_parts(*sec, 0);
            let time = if minutes_before.is_some_and(|b| *sec < b) {
                let minute = if clock.is_dated() {
                    "%Y-%m-%d %H:%M"
                } else {
                    "%H:%M"
                };
                format!("{} 1m", clock.datetime(ts).format(minute))
            } else {
                clock.time(ts)
            };
            let counts = [
                u64::from(c.rst_total()),
                u64::from(c.rst[0]),
                u64::from(c.rst[1]),
                u64::from(c.rst[2]),
                u64::from(c.rst[3]),
                u64::from(c.rst[4]),
                u64::from(c.failed()),
                u64::from(c.suspect),
                u64::from(c.late),
                u64::from(c.dropped),
            ];
            (time, counts)
        })
        .collect();
    // Each column: shown, and how wide. The resets and failed attempts always; the late
    // answers and the drops where the capture has any.
    let any = |column: usize| rows.iter().any(|(_, c)| c[column] > 0);
    let (late, dropped) = (any(LATE_COLUMN), any(DROPPED_COLUMN));
    let mut columns: Vec<(usize, usize)> = SERIES_COLUMNS
        .iter()
        .enumerate()
        .filter(|&(i, _)| (i != LATE_COLUMN || late) && (i != DROPPED_COLUMN || dropped))
        .map(|(i, &(_, w))| (i, w))
        .collect();
    let mut time_column = time_width;
    let mut gap = " ";
    let mut left_out = Vec::new();
    let full = time_width + columns.iter().map(|&(_, w)| w + 1).sum::<usize>();
    if let Some(cols) = width.filter(|&cols| full >= cols) {
        columns.retain(|&(i, _)| {
            let always = matches!(SERIES_COLUMNS[i].0, "resets" | "failed");
            let kept = always || rows.iter().any(|(_, c)| c[i] > 0);
            if !kept {
                left_out.push(SERIES_COLUMNS[i].0);
            }
            kept
        });
        time_column = rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0).max(4);
        for (i, w) in &mut columns {
            let widest = rows.iter().map(|(_, c)| grouped(c[*i]).len()).max();
            *w = widest.unwrap_or(0).max(SERIES_COLUMNS[*i].0.len());
        }
        let narrow = time_column + columns.iter().map(|&(_, w)| w + 2).sum::<usize>();
        if narrow < cols {
            gap = "  ";
        }
    }
    // Above the table's heading, which stays over its rows (between them, the note read as
    // one of them).
    if !left_out.is_empty() {
        let note = format!(
            "({}: 0 in every second, left out to fit the terminal)",
            left_out.join(", ")
        );
        let _ = writeln!(out, "{}", fitted(&note, width));
    }
    let mut header = format!("{:<time_column$}", "time");
    for &(i, w) in &columns {
        let _ = write!(header, "{gap}{:>w$}", SERIES_COLUMNS[i].0);
    }
    let _ = writeln!(out, "{header}");
    if let Some(b) = minutes_before {
        let at = crate::packet::Timestamp::from_parts(b, 0);
        let note = format!(
            "(before {} the counts are per minute, marked 1m: a capture with this many seconds keeps its last hour per second)",
            clock.full(at)
        );
        let _ = writeln!(out, "{}", fitted(&note, width));
    }
    for (time, counts) in &rows {
        let mut line = format!("{time:<time_column$}");
        for &(i, w) in &columns {
            let _ = write!(line, "{gap}{:>w$}", grouped(counts[i]));
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// `n` and the word for it, grouped as every count of the report ([`grouped`]): "1 frames left
/// out (0 resets, 1 SYNs)" read as a slip.
fn count(n: u64, one: &str, many: &str) -> String {
    super::plural(n, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::history::ListenerRecord;
    use crate::host::processes::ProcessInfo;
    use crate::packet::Timestamp;

    /// Regression: the terminal named a connecting or listening interpreter by its name and
    /// path only ("python3 (pid 13864, /usr/bin/python3.11)"), never by the script it ran,
    /// which the app shows as its command line.
    #[test]
    fn the_command_lines_of_the_programs_named_are_shown() {
        use crate::host::SightingSource;
        use crate::host::clients::{ClientProcess, EndpointClients};
        use crate::host::history::ListenerStatus;
        use crate::host::state::EndpointHost;
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a = crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample");
        let o = &a.snapshot.offenders[0];
        let at = Timestamp::from_parts(1_700_000_000, 0);
        let process = |pid: u32, name: &str, cmdline: &str| ProcessInfo {
            pid,
            name: name.into(),
            exe: Some("/usr/bin/python3.11".into()),
            cmdline: Some(cmdline.into()),
            user: None,
            started: None,
            services: Vec::new(),
            script: None,
            restricted: false,
        };
        let long = format!("python3 /opt/reporter/send.py {}", "x".repeat(300));
        a.host = Some(std::sync::Arc::new(HostReport {
            sampled: Some((at, at)),
            samples: 5,
            endpoints: vec![EndpointHost {
                listener: ListenerStatus {
                    now: None,
                    earlier: vec![ListenerRecord {
                        addr: std::net::SocketAddr::new(o.addr, o.port),
                        process: process(4312, "python3", "python3 /opt/collector/serve.py 7211"),
                        first_seen: at,
                        last_seen: at,
                    }],
                },
                clients: EndpointClients {
                    processes: vec![ClientProcess {
                        pid: 5001,
                        name: "python3".into(),
                        script: None,
                        source: SightingSource::ConnectTrace,
                        sources: Vec::new(),
                        connections: 20,
                        processes: 1,
                    }],
                    ..EndpointClients::default()
                },
                client_details: vec![process(5001, "python3", &long)],
                local: true,
                ..EndpointHost::empty(o.addr, o.port)
            }],
            ..HostReport::default()
        }));
        let text = report(&a, Clock::Utc, 10);
        assert!(
            text.contains(
                "\n     command (listened, pid 4312): python3 /opt/collector/serve.py 7211\n"
            ),
            "{text}"
        );
        let cut = format!("{}…", &long[..COMMAND_CHARS]);
        assert!(
            text.contains(&format!("\n     command (connecting, pid 5001): {cut}\n")),
            "{text}"
        );
        // A command line that is the bare name says nothing more.
        let mut h = (**a.host.as_ref().expect("host")).clone();
        h.endpoints[0].client_details[0].cmdline = Some("python3".into());
        a.host = Some(std::sync::Arc::new(h));
        assert!(!report(&a, Clock::Utc, 10).contains("command (connecting"));
        // Regression: a script given on the command line (`python3 -c`) broke the report
        // over several lines, its own unindented, at each of its newlines.
        let mut h = (**a.host.as_ref().expect("host")).clone();
        h.endpoints[0].client_details[0].cmdline =
            Some("python3 -c \nimport socket\n\tsocket.create_connection(('::1', 7211))".into());
        a.host = Some(std::sync::Arc::new(h));
        let text = report(&a, Clock::Utc, 10);
        assert!(
            text.contains(
                "\n     command (connecting, pid 5001): python3 -c \\nimport socket\\n\\tsocket.\
                 create_connection(('::1', 7211))\n"
            ),
            "{text}"
        );
        assert!(!text.contains("\nimport"), "{text}");
    }

    /// Regression: the live capture's "This machine" section said "listening   1 sockets now".
    #[test]
    fn one_listening_socket_is_counted_in_the_singular() {
        let at = Timestamp::from_parts(1_700_000_000, 0);
        let listener = ListenerRecord {
            addr: "127.0.0.1:7211".parse().expect("address"),
            process: ProcessInfo {
                pid: 4312,
                name: "collector".into(),
                exe: None,
                cmdline: None,
                user: None,
                started: None,
                services: Vec::new(),
                script: None,
                restricted: false,
            },
            first_seen: at,
            last_seen: at,
        };
        let mut h = HostReport {
            sampled: Some((at, at)),
            samples: 1,
            listening: vec![listener.clone()],
            ..HostReport::default()
        };
        let mut out = String::new();
        host(&mut out, &h, Clock::Utc, None);
        assert!(out.contains("  listening   1 socket now\n"), "{out}");
        // Nor "sampled     1 times".
        assert!(out.contains("  sampled     1 time, "), "{out}");
        h.listening.push(listener);
        let mut out = String::new();
        host(&mut out, &h, Clock::Utc, None);
        assert!(out.contains("  listening   2 sockets now\n"), "{out}");
    }

    /// Regression: a capture's final report, and its saved file analyzed days later on
    /// another machine, said "listening   1 socket now" of the machine that captured, as it
    /// was when the capture ended.
    #[test]
    fn an_ended_capture_counts_its_listeners_when_it_ended_not_now() {
        let at = Timestamp::from_parts(1_700_000_000, 0);
        let end = Timestamp::from_parts(1_700_000_042, 0);
        let mut h = HostReport {
            sampled: Some((at, end)),
            samples: 43,
            ended: true,
            ..HostReport::default()
        };
        let mut out = String::new();
        host(&mut out, &h, Clock::Utc, None);
        assert!(
            out.contains("  listening   0 sockets when the capture ended (22:14:02)\n"),
            "{out}"
        );
        h.ended = false;
        h.recorded = Some(crate::host::recorded::Recorded::default());
        let mut out = String::new();
        host(&mut out, &h, Clock::Utc, None);
        assert!(!out.contains(" now"), "{out}");
    }

    /// Regression: the totals said "failed attempts  0 of 1 connection attempts".
    #[test]
    fn one_connection_attempt_is_counted_in_the_singular() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a = crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample");
        a.snapshot.totals.attempts = 1;
        a.snapshot.totals.failed_attempts = 0;
        let text = report(&a, Clock::Utc, 10);
        assert!(
            text.contains("\n  failed attempts  0 of 1 connection attempt\n"),
            "{text}"
        );
        a.snapshot.totals.attempts = 2;
        let text = report(&a, Clock::Utc, 10);
        assert!(
            text.contains("\n  failed attempts  0 of 2 connection attempts\n"),
            "{text}"
        );
    }
    /// Regression: the packets line grouped its first count alone, "297,687 frames: 297687
    /// TCP, 0 other", as if the two were different numbers; every count is grouped now.
    #[test]
    fn the_packets_line_writes_its_counts_alike() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a = crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample");
        a.capture.frames = 297_687;
        a.snapshot.totals.tcp_packets = 297_687;
        let text = report(&a, Clock::Utc, 10);
        assert!(
            text.contains("\n  packets     297,687 frames: 297,687 TCP, 0 other, 0 not decoded\n"),
            "{text}"
        );
    }

    /// Scans found but no longer held (their endpoints dropped from the table) are told in a
    /// line of their own: `--scans` does not say "no scans" of a capture that had a hundred.
    #[test]
    fn scans_found_beyond_those_held_are_told() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a = crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample");
        assert!(a.snapshot.scans.is_empty());
        assert_eq!(
            scans_only(&a, Clock::Utc, 10),
            "No port scans or sweeps in this capture\n"
        );
        assert!(!report(&a, Clock::Utc, 10).contains("\nScans ("));
        a.snapshot.scans_found = crate::engine::ScansFound {
            port_scans: 100,
            sweeps: 1,
        };
        let line = "  101 found in all (100 port scans, 1 sweep), 0 of them held: the endpoints of \
                    the others were dropped (more than 10,000 seen), or they no longer look like \
                    scans\n";
        let only = scans_only(&a, Clock::Utc, 10);
        assert!(only.starts_with("Scans ("), "{only}");
        assert!(only.ends_with(line), "{only}");
        let text = report(&a, Clock::Utc, 10);
        assert!(text.contains(line), "{text}");
    }

    /// Regression (terminal trial): at 80 columns the report's sentences wrapped at the
    /// terminal's edge, back to column 0. On a terminal they are broken at spaces, each line
    /// shorter than its width, the lines after the first indented further; piped, one line.
    #[test]
    fn regression_a_sentence_fits_the_terminal_with_a_hanging_indent() {
        let sentence = "127.0.0.1:7211 refused 20 of 31 connection attempts from 1 client \
                        (2.0/s, 22:18:38-22:18:47) while it accepted 11: nothing was listening \
                        on that port after the service stopped.";
        assert_eq!(
            wrapped("     ", sentence, 7, None),
            format!("     {sentence}")
        );
        let lines = wrapped("     ", sentence, 7, Some(80));
        assert_eq!(
            lines,
            "     127.0.0.1:7211 refused 20 of 31 connection attempts from 1 client (2.0/s,\n       \
             22:18:38-22:18:47) while it accepted 11: nothing was listening on that\n       \
             port after the service stopped."
        );
        // Columns as the terminal shows them: a CJK name takes two a character.
        let cjk =
            "Served by 收集器收集器收集器 (pid 4312) until 15:08:12, then 收集器收集器收集器.";
        for line in wrapped("  note        ", cjk, 14, Some(40)).lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) < 40, "{line:?}");
        }
        // A word longer than a line's room (a path) is put whole on a line of its own, for the
        // terminal to wrap: cut, with a newline and an indent inside, a copy of it was broken.
        let path = format!("/{}", "x".repeat(100));
        let lines = wrapped("  ", &format!("at {path} now"), 4, Some(50));
        assert_eq!(lines, format!("  at\n    {path}\n    now"));
    }

    /// Regression (terminal trial): a time was broken from its zone at the end of a line
    /// (`2026-11-27 13:09:23.276740` then `+00:00` on the next), and from its date. A time
    /// stays whole with its date and zone, `pid` with its number, a command from `sudo` or in
    /// backquotes whole, and a filter given whole.
    #[test]
    fn regression_a_time_its_date_and_zone_stay_on_one_line() {
        let time = "2026-11-27 13:09:11.138654 +00:00 to 2026-11-27 13:09:23.276740 +00:00 \
                    (12.1 s: the capture's start to its end, as the file records them)";
        for width in [40, 50, 60, 70, 80] {
            let lines = wrapped("  time        ", time, LABEL_HANG, Some(width));
            for stamp in [
                "2026-11-27 13:09:11.138654 +00:00",
                "2026-11-27 13:09:23.276740 +00:00",
            ] {
                assert!(lines.contains(stamp), "{width}: {lines}");
            }
        }
        assert!(joined("2026-12-02", "22:18:37-22:18:47)"));
        assert!(joined("(2026-12-02", "22:18:37"));
        assert!(joined("22:18:37", "+02:00"));
        assert!(joined("08:24:05.111731", "-05:30,"));
        assert!(joined("(pid", "4312)"));
        assert!(joined("(peak", "4/s),"));
        assert!(joined("ack", "3134553373,"));
        assert!(joined("12.3", "KiB,"));
        assert!(joined("(18.6", "s:"));
        assert!(joined("after-close", "0,"));
        assert!(joined("first", "2026-12-02"));
        assert!(joined("OutRsts", "4"));
        assert!(joined("[mss", "65495,sackOK,TS"));
        assert!(joined("TCPAbortOnData", "0,"));
        assert!(!joined("Nothing", "4"));
        assert!(joined("20", "of"));
        assert!(joined("1,024", "of"));
        assert!(joined("failed", "attempts"));
        assert!(joined("attempts", "4"));
        assert!(joined("0", "not"));
        assert!(joined("not", "decoded"));
        assert!(!joined("20", "to"));
        assert!(!joined("2026-12-02", "of"));
        assert!(!joined("at", "22:18:37"));
        assert!(!joined("port", "7211"));
        let sudo = "allow this program to capture: sudo setcap cap_net_raw,cap_net_admin=eip \
                    /usr/local/bin/rstscope";
        let lines = wrapped("rstscope: ", sudo, 2, Some(50));
        assert!(
            lines
                .ends_with("\n  sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/rstscope"),
            "{lines}"
        );
        let ticks =
            "as root instead of by that unit (`sudo rstscope agent ...`: it opens the trace)";
        assert!(wrapped("", ticks, 2, Some(40)).contains("`sudo rstscope agent ...`:"));
        let filter = "tcp or (ip6 and (ip6[6] == 0 or ip6[6] == 43))";
        let header = format!("rstscope: capturing on any, filter: {filter}, snaplen 128");
        let lines = wrapped_keeping("", &header, 2, Some(40), &[filter]);
        assert!(lines.contains(filter), "{lines}");
        assert_eq!(wrapped_keeping("", &header, 2, None, &[filter]), header);
    }

    /// Regression (terminal trial): at 50 columns the report's time line left `to` alone on a
    /// line of its own, between the two times it connects. A connecting word stays with what
    /// follows it; where that is too long for a line at the hang, the word goes into the
    /// margin, the two times under each other. Every line is shorter than the width.
    #[test]
    fn regression_a_connecting_word_stays_with_what_follows() {
        let time = "2026-12-02 22:18:30.632117 +00:00 to 2026-12-02 22:18:37.629599 +00:00 \
                    (7.0 s: the capture's start to its end, as the file records them)";
        assert_eq!(
            wrapped("  time        ", time, LABEL_HANG, Some(50)),
            "  time        2026-12-02 22:18:30.632117 +00:00\n\
             \x20          to 2026-12-02 22:18:37.629599 +00:00\n\
             \x20             (7.0 s: the capture's start to its\n\
             \x20             end, as the file records them)"
        );
        assert_eq!(
            wrapped("  time        ", time, LABEL_HANG, Some(80)),
            "  time        2026-12-02 22:18:30.632117 +00:00\n\
             \x20             to 2026-12-02 22:18:37.629599 +00:00 (7.0 s: the capture's start\n\
             \x20             to its end, as the file records them)"
        );
        for width in [50, 60, 70, 80, 100] {
            let lines = wrapped("  time        ", time, LABEL_HANG, Some(width));
            for line in lines.lines() {
                assert!(line.len() < width, "{width}: {lines}");
                let last = line.rsplit(' ').next().unwrap_or_default();
                assert!(!CONNECTIVES.contains(&last), "{width}: {lines}");
            }
        }
        // A path too long for a line is whole on a line of its own, without the word before.
        let path = "saved to /var/lib/rstscope/evidence/2026-12-02/127.0.0.1-7211.pcapng";
        assert_eq!(
            wrapped("  note        ", path, LABEL_HANG, Some(50)),
            "  note        saved to\n\
             \x20             /var/lib/rstscope/evidence/2026-12-02/127.0.0.1-7211.pcapng"
        );
    }

    /// Regression (terminal trial): a path too wide for a line at the hang but not for the
    /// terminal stayed at the hang, and the terminal wrapped what followed it: at 50 columns
    /// the colon after `tests/fixtures/compressed/http-mix-cut.pcapng.xz` in a warning, at 80
    /// the comma after capture's default filter, each alone on a line. Such a word begins its
    /// line, whole with what follows it; one wider than the terminal stays at the hang.
    #[test]
    fn regression_a_word_too_wide_for_the_hang_begins_its_line() {
        let warning = "warning: tests/fixtures/compressed/http-mix-cut.pcapng.xz: its \
                       xz-compressed data ends early";
        assert_eq!(
            wrapped("rstscope: ", warning, 2, Some(50)),
            "rstscope: warning:\ntests/fixtures/compressed/http-mix-cut.pcapng.xz:\n  its \
             xz-compressed data ends early"
        );
        let filter =
            "tcp or (ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
        let line = format!("rstscope: capturing on lo, filter: {filter}, snaplen 128");
        let lines = wrapped_keeping("", &line, 2, Some(80), &[filter]);
        assert_eq!(
            lines,
            format!("rstscope: capturing on lo, filter:\n{filter},\n  snaplen 128")
        );
        for line in lines.lines() {
            assert!(line.len() < 80, "{lines}");
        }
    }

    /// Regression (terminal trial): a path too wide for the rest of its label's line stayed
    /// on it (`  file        /tmp/term/a-rather-long-folder-n` at 50 columns), and the
    /// terminal wrapped it back to column 0 mid-name. It begins its own line, as it would
    /// after another word: at the first column where it fits the terminal, at the hang where
    /// it does not (the terminal wraps it whole); a word that fits stays beside its label.
    #[test]
    fn regression_a_path_too_wide_after_a_label_begins_its_line() {
        let long = "/tmp/term/a-rather-long-folder-name-for-captures/cut.pcapng";
        let file = format!("  file        {long} (pcapng, 2.9 KiB, 27 frames)");
        assert_eq!(
            fitted(&file, Some(50)),
            format!("  file\n              {long}\n              (pcapng, 2.9 KiB, 27 frames)")
        );
        let short = "/tmp/term/folder/captures/story-cut-short.pcapng";
        let warning = format!("  warning     {short}: file ends inside a record");
        assert_eq!(
            fitted(&warning, Some(50)),
            format!("  warning\n{short}:\n              file ends inside a record")
        );
        let fits = "  file        /tmp/cut.pcapng (pcapng, 2.9 KiB, 27 frames)";
        assert_eq!(
            fitted(fits, Some(50)),
            "  file        /tmp/cut.pcapng (pcapng, 2.9 KiB,\n              27 frames)"
        );
        // An indent alone is no label: the word stays where the line begins.
        assert_eq!(wrapped("     ", long, 7, Some(50)), format!("     {long}"));
    }

    /// Regression (terminal trial): at 50 columns nearly every report's packets line ended
    /// in `0 not`, `decoded` alone under it. A count stays with `not`, and `not` with what it
    /// negates.
    #[test]
    fn regression_0_not_decoded_stays_on_one_line() {
        let packets = "10 frames: 10 TCP, 0 other, 0 not decoded";
        for width in 30..=80 {
            let lines = wrapped("  packets     ", packets, LABEL_HANG, Some(width));
            assert!(lines.contains("0 not decoded"), "{width}: {lines}");
        }
    }

    /// Regression (a sweep of the reports of every fixture and corpus capture at 40-100
    /// columns): a count and its noun were split in dozens of sentences (`Connecting: reporter (pid
    /// 27965, /opt/rstscope-sample/bin/reporter), 31` ending a line, `incidents` beginning
    /// the next; `49` / `frames`, `5` / `min`, `40` / `TCP`). A count stays with the word
    /// after it at every width; a count that ends its item (`refused 5,`) or is followed by a
    /// bracket does not hold on to what follows.
    #[test]
    fn regression_a_count_stays_with_its_noun() {
        let sentence = "Connecting: reporter (pid 27965, /opt/rstscope-sample/bin/reporter), \
                        31 incidents (connect-trace). packets 48 frames: 40 TCP, 8 other, 0 not \
                        decoded, 1,024 copies left out; average 24/h over the 5 min captured";
        for width in 30..=100 {
            let lines = wrapped("     ", sentence, 7, Some(width));
            for whole in [
                "31 incidents",
                "48 frames:",
                "40 TCP,",
                "8 other,",
                "1,024 copies",
                "5 min",
            ] {
                assert!(lines.contains(whole), "{width}: {whole}: {lines}");
            }
        }
        let causes = "resets 9 (refused 5, handshake-reset 0, after-close 0, abort 4, stray 0)";
        assert_eq!(
            wrapped("  ", causes, 4, Some(40)),
            "  resets 9 (refused 5,\n    handshake-reset 0, after-close 0,\n    abort 4, stray 0)"
        );
        assert!(joined("31", "incidents"));
        assert!(!joined("20", "and"));
    }

    /// Regression (a sweep of every capture's report at 40-100 columns): a verb was split
    /// from the count it takes (`tried` ending a line, `3 times` beginning the next;
    /// `refused all` / `20 connection attempts`). A verb stays with its count, `all` and `at
    /// least` between them, at every width; a verb before anything else may end a line.
    #[test]
    fn regression_a_verb_stays_with_its_count() {
        let sentence = "127.0.0.1:7211 refused all 20 connection attempts from 1 client \
                        (2.0/s, 22:18:38-22:18:47) while it accepted 11: nothing was listening. \
                        Not one of its targets: 113, tried 3 times where the scan tried each \
                        port once; 10.0.0.1 probed at least 1,000 ports and saw 6 aborts; \
                        ./collector failed to start 5 times";
        for width in 30..=100 {
            let lines = wrapped("     ", sentence, 7, Some(width));
            for whole in [
                "refused all 20 connection",
                "accepted 11:",
                "tried 3 times",
                "probed at least 1,000 ports",
                "saw 6 aborts",
                "start 5 times",
            ] {
                assert!(lines.contains(whole), "{width}: {whole}: {lines}");
            }
        }
        assert!(joined("tried", "3"));
        assert!(joined("refused", "all"));
        assert!(joined("all", "20"));
        assert!(!joined("tried", "each"));
        assert!(!joined("all", "its"));
    }

    /// Regression (terminal trial): `rstscope interfaces` at 50 columns ended the line of `lo`
    /// with a blank (`[loopback, up, running] `): the second of the two spaces before its
    /// addresses stayed where the line broke. No line ends in a blank; within a line the two
    /// spaces stay.
    #[test]
    fn regression_no_line_ends_in_a_blank() {
        let lo = "[loopback, up, running]  127.0.0.1 ::1";
        let prefix = "lo                 ";
        for width in 20..=80 {
            let lines = wrapped(prefix, lo, 19, Some(width));
            assert!(
                lines.lines().all(|l| !l.ends_with(' ')),
                "{width}: {lines:?}"
            );
        }
        assert_eq!(wrapped(prefix, lo, 19, Some(80)), format!("{prefix}{lo}"));
        assert_eq!(
            wrapped(prefix, lo, 19, Some(50)),
            "lo                 [loopback, up, running]\n                   127.0.0.1 ::1"
        );
    }

    /// Regression (terminal trial): at some widths an offender's counts broke between the
    /// two counts of its failed attempts (`failed attempts 4` ending a line, `of 4` beginning
    /// the next), as the rule that keeps a connecting word with what follows allowed. They
    /// stay together, with their name, at every width.
    #[test]
    fn regression_failed_attempts_4_of_4_stay_on_one_line() {
        let counts = "     resets 4 (refused 4); failed attempts 4 of 4; clients 1";
        let totals = "  failed attempts  1,024 of 2,048 connection attempts";
        for width in 30..=80 {
            let lines = fitted(&format!("{counts}\n{totals}"), Some(width));
            for whole in ["failed attempts 4 of 4;", "1,024 of 2,048"] {
                assert!(lines.contains(whole), "{width}: {lines}");
            }
        }
    }

    /// Regression (terminal trial: Ctrl+C in a 200 MB capture of 153,600 refusals at 80
    /// columns): the line of an offender's counts ended in `clients` and put its `1` alone on
    /// the next line. Each count stays with its name; `within` stays with what it connects
    /// (`each run ended within 33 ms`).
    #[test]
    fn regression_a_count_stays_with_its_name() {
        let counts = "     resets 153600 (refused 153600); failed attempts 153600 of 153600; \
                      clients 1";
        for width in 40..=100 {
            let lines = fitted(counts, Some(width));
            assert!(lines.contains("clients 1"), "{width}: {lines}");
        }
        assert!(joined("incidents", "31:"));
        assert!(joined("resets", "153600"));
        assert!(joined("average", "1.0/s"));
        assert!(joined("RSTR", "1"));
        assert!(joined("half-open", "3),"));
        assert!(joined("byte", "2928"));
        assert!(is_connective("(after"));
        assert!(joined("S1", "5,"));
        assert!(!joined("S1", "of"));
        let averages = "peak 1/s at 19:05:49, average 1.0/s over 1 s; connections 9: REJ 6, \
                        RSTR 1, S1 2 (at 13:08:38): nothing";
        for width in 30..=70 {
            let lines = wrapped("  ", averages, 4, Some(width));
            for whole in [
                "average 1.0/s",
                "over 1 s",
                "RSTR 1,",
                "S1 2",
                "(at 13:08:38):",
            ] {
                assert!(lines.contains(whole), "{width}: {whole}: {lines}");
            }
        }
        let run = "each run ended within 33 ms, killed by signal 11";
        for width in 30..=60 {
            assert!(
                wrapped("  ", run, 4, Some(width)).contains("within 33 ms"),
                "{width}"
            );
        }
    }

    /// Regression (terminal trial): at 50 columns the report's lines of counts (`resets/s
    /// peak 4/s at 08:24:05, average 3.2/s over 5 s`), its headings and the host's kernel
    /// counters (200 columns) wrapped back to column 0. Each line is broken under its text
    /// (after a label, a number, else two columns in); the filters and command lines stay
    /// whole; lines that fit, and every line piped, are as they were.
    #[test]
    fn regression_every_line_of_a_report_fits_under_its_label() {
        let report = "Totals\n  resets/s         peak 4/s at 08:24:05, average 3.2/s over 5 s\n\
                      Offenders (service endpoints with resets or failed attempts)\n  \
                      1. 127.0.0.1:7211 (a service with a very long name indeed, longer than this)\n     \
                      resets 16 (refused 16); failed attempts 16 of 16; clients 1\n     \
                      wireshark: ip.proto#1 == 6 && ((ip.src#1 == 127.0.0.1 && tcp.srcport#1 == 7211))\n     \
                      bpf (Ethernet): tcp and ((src host 127.0.0.1 and src port 7211) or (dst host 127.0.0.1))\n     \
                      bpf note:  frames of PPI carrying Ethernet cannot be selected by a BPF filter\n";
        assert_eq!(fitted(report, None), report);
        let lines = fitted(report, Some(50));
        assert_eq!(
            lines,
            "Totals\n  resets/s         peak 4/s at 08:24:05,\n                   \
             average 3.2/s over 5 s\nOffenders (service endpoints with resets\n  \
             or failed attempts)\n  1. 127.0.0.1:7211 (a service with a very long\n     \
             name indeed, longer than this)\n     resets 16 (refused 16);\n       \
             failed attempts 16 of 16; clients 1\n     \
             wireshark: ip.proto#1 == 6 && ((ip.src#1 == 127.0.0.1 && tcp.srcport#1 == 7211))\n     \
             bpf (Ethernet): tcp and ((src host 127.0.0.1 and src port 7211) or (dst host 127.0.0.1))\n     \
             bpf note:  frames of PPI carrying Ethernet\n                \
             cannot be selected by a BPF\n                filter\n"
        );
    }
}
