//! Linux: the kernel's TCP counters from `/proc/net/snmp` and `/proc/net/netstat`.
//!
//! Both files hold pairs of lines per section, a header line of names and a line of values,
//! each starting with the section name (`Tcp: ActiveOpens ...` then `Tcp: 1 200 ...`). The
//! files belong to the reading process's network namespace.

use super::{HostError, TcpCounters};

const SNMP: &str = "/proc/net/snmp";
const NETSTAT: &str = "/proc/net/netstat";

/// The counters read from `/proc/net/snmp`'s `Tcp` section.
const SNMP_TCP: [&str; 5] = [
    "ActiveOpens",
    "PassiveOpens",
    "AttemptFails",
    "EstabResets",
    "OutRsts",
];

/// The counters read from `/proc/net/netstat`'s `TcpExt` section.
const NETSTAT_TCP_EXT: [&str; 5] = [
    "ListenOverflows",
    "ListenDrops",
    "TCPAbortOnData",
    "TCPAbortOnClose",
    "TCPAbortOnTimeout",
];

/// Reads both files now.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    let read = |path: &str| {
        std::fs::read_to_string(path).map_err(|source| HostError::Read {
            path: path.to_owned(),
            source,
        })
    };
    parse(&read(SNMP)?, SNMP, &read(NETSTAT)?, NETSTAT)
}

/// The counters rstscope uses, from the texts of both files; the paths only label errors.
pub(super) fn parse(
    snmp: &str,
    snmp_path: &str,
    netstat: &str,
    netstat_path: &str,
) -> Result<TcpCounters, HostError> {
    let mut values = pick(snmp, snmp_path, "Tcp", &SNMP_TCP)?;
    values.extend(pick(netstat, netstat_path, "TcpExt", &NETSTAT_TCP_EXT)?);
    Ok(TcpCounters::new(values))
}

/// The values of `names` in `section` of one file.
fn pick(
    text: &str,
    path: &str,
    section: &'static str,
    names: &[&'static str],
) -> Result<Vec<(&'static str, u64)>, HostError> {
    let fields = section_fields(text, path, section)?;
    names
        .iter()
        .map(|&name| {
            let Some(field) = fields.iter().find(|f| f.name == name) else {
                return Err(HostError::MissingCounter {
                    path: path.to_owned(),
                    section,
                    name,
                });
            };
            let value = field.value.parse::<u64>().map_err(|_| HostError::Parse {
                path: path.to_owned(),
                line: field.line,
                problem: format!("{section} counter {name} is {:?}, not a count", field.value),
            })?;
            Ok((name, value))
        })
        .collect()
}

/// One counter as the file has it, before it is checked to be a number.
struct Field<'a> {
    name: &'a str,
    value: &'a str,
    /// 1-based number of the value line, for errors.
    line: usize,
}

/// Every counter in `section`: the first header line starting with `section:` and the line
/// right after it.
fn section_fields<'a>(
    text: &'a str,
    path: &str,
    section: &'static str,
) -> Result<Vec<Field<'a>>, HostError> {
    let tag = format!("{section}:");
    let mut lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
    let Some((header_line, header)) =
        lines.find(|(_, line)| line.split_whitespace().next() == Some(&tag))
    else {
        return Err(HostError::Parse {
            path: path.to_owned(),
            line: text.lines().count(),
            problem: format!("no {tag} lines"),
        });
    };
    let value_line = header_line + 1;
    let values = match lines.next() {
        Some((_, line)) if line.split_whitespace().next() == Some(&tag) => line,
        _ => {
            return Err(HostError::Parse {
                path: path.to_owned(),
                line: value_line,
                problem: format!(
                    "the {tag} header on line {header_line} has no {tag} value line after it"
                ),
            });
        }
    };
    let names: Vec<&str> = header.split_whitespace().skip(1).collect();
    let values: Vec<&str> = values.split_whitespace().skip(1).collect();
    if names.len() != values.len() {
        return Err(HostError::Parse {
            path: path.to_owned(),
            line: value_line,
            problem: format!(
                "{} {tag} values for {} names on line {header_line}",
                values.len(),
                names.len()
            ),
        });
    }
    Ok(names
        .into_iter()
        .zip(values)
        .map(|(name, value)| Field {
            name,
            value,
            line: value_line,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNMP_FIXTURE: &str = include_str!("../../tests/fixtures/proc/snmp");
    const NETSTAT_FIXTURE: &str = include_str!("../../tests/fixtures/proc/netstat");

    fn fixture() -> TcpCounters {
        parse(SNMP_FIXTURE, "snmp", NETSTAT_FIXTURE, "netstat").expect("fixtures parse")
    }

    #[test]
    fn real_proc_files_give_the_values_in_them() {
        let counters = fixture();
        // Read by hand from tests/fixtures/proc/{snmp,netstat}.
        assert_eq!(counters.get("ActiveOpens"), Some(1_513_599));
        assert_eq!(counters.get("PassiveOpens"), Some(70));
        assert_eq!(counters.get("AttemptFails"), Some(1_513_474));
        assert_eq!(counters.get("EstabResets"), Some(137));
        assert_eq!(counters.get("OutRsts"), Some(1_513_504));
        assert_eq!(counters.get("ListenOverflows"), Some(0));
        assert_eq!(counters.get("TCPAbortOnData"), Some(40));
        assert_eq!(counters.get("TCPAbortOnClose"), Some(53));
        assert_eq!(counters.get("TCPAbortOnTimeout"), Some(0));
        let names: Vec<&str> = counters.iter().map(|(name, _)| name).collect();
        assert_eq!(names, [SNMP_TCP, NETSTAT_TCP_EXT].concat());
    }

    #[test]
    fn tcp_ext_is_not_taken_for_tcp() {
        // TcpExt lines come after Tcp lines in netstat, but a file with only TcpExt must not
        // satisfy a Tcp lookup.
        let err = parse(
            NETSTAT_FIXTURE,
            "netstat-as-snmp",
            NETSTAT_FIXTURE,
            "netstat",
        )
        .expect_err("no Tcp: section in netstat");
        assert!(err.to_string().contains("no Tcp: lines"), "{err}");
    }

    #[test]
    fn short_value_line_names_file_and_line() {
        let snmp = "Ip: Forwarding\nIp: 2\nTcp: ActiveOpens AttemptFails\nTcp: 5\n";
        let err = parse(snmp, "/proc/net/snmp", NETSTAT_FIXTURE, "netstat").expect_err("short");
        let text = err.to_string();
        assert!(
            text.starts_with("/proc/net/snmp, line 4: 1 Tcp: values for 2 names"),
            "{text}"
        );
    }

    #[test]
    fn missing_counter_is_named() {
        let snmp = "Tcp: ActiveOpens PassiveOpens\nTcp: 1 2\n";
        let err = parse(snmp, "snmp", NETSTAT_FIXTURE, "netstat").expect_err("missing");
        assert!(
            matches!(
                err,
                HostError::MissingCounter {
                    name: "AttemptFails",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn non_numeric_value_is_reported() {
        let snmp = "Tcp: ActiveOpens PassiveOpens AttemptFails EstabResets OutRsts\n\
                    Tcp: 1 2 x 4 5\n";
        let err = parse(snmp, "snmp", NETSTAT_FIXTURE, "netstat").expect_err("not a count");
        assert!(
            err.to_string()
                .contains("line 2: Tcp counter AttemptFails is \"x\""),
            "{err}"
        );
    }

    #[test]
    fn header_without_value_line_is_reported() {
        let snmp = "Tcp: ActiveOpens\nUdp: InDatagrams\n";
        let err = parse(snmp, "snmp", NETSTAT_FIXTURE, "netstat").expect_err("no values");
        assert!(
            err.to_string()
                .contains("line 2: the Tcp: header on line 1"),
            "{err}"
        );
    }
}
