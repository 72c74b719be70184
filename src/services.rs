//! TCP service names by port, from a subset of the IANA Service Name and Transport Protocol
//! Port Number Registry (`resources/services.tsv`, whose header says where it comes from).
//!
//! The table is compiled into the binary and parsed once, on first use, into a vector sorted
//! by port; a lookup is a binary search that borrows from the embedded text, so it never
//! allocates. A name says what IANA registered the port for, not what listens on it; except on
//! a few ports whose registration is a relic and where one server program is what admins find
//! (9200 `elasticsearch`, not IANA's `wap-wsp`): the table's header lists them.

use std::sync::OnceLock;

/// The table as shipped: `port<TAB>name<TAB>description`, `#` comments.
const TABLE: &str = include_str!("../resources/services.tsv");

/// One registered service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Service {
    port: u16,
    name: &'static str,
    description: &'static str,
}

/// The table, parsed on first use and sorted by port.
fn table() -> &'static [Service] {
    static PARSED: OnceLock<Vec<Service>> = OnceLock::new();
    PARSED.get_or_init(|| parse(TABLE))
}

/// Parses the table's text; lines that are not `port<TAB>name[<TAB>description]` with a port
/// number and a name are skipped (the test below checks that none is). The first line for a
/// port wins.
fn parse(text: &'static str) -> Vec<Service> {
    let mut out: Vec<Service> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let port = fields.next()?.trim().parse().ok()?;
            let name = fields.next()?.trim();
            let description = fields.next().map_or("", str::trim);
            let description = if description == "-" { "" } else { description };
            (!name.is_empty()).then_some(Service {
                port,
                name,
                description,
            })
        })
        .collect();
    out.sort_by_key(|s| s.port);
    out.dedup_by_key(|s| s.port);
    out
}

fn find(port: u16) -> Option<&'static Service> {
    let t = table();
    t.binary_search_by_key(&port, |s| s.port)
        .ok()
        .and_then(|i| t.get(i))
}

/// The service name of TCP `port`, e.g. `pop3` for 110, if the table has one: IANA's, or the
/// server program's on the few ports the table names after one (`elasticsearch` for 9200).
pub fn name(port: u16) -> Option<&'static str> {
    find(port).map(|s| s.name)
}

/// IANA's description of the service on TCP `port`, e.g. `Post Office Protocol - Version 3`
/// for 110, when the table has one and the registry gives a description.
pub fn description(port: u16) -> Option<&'static str> {
    find(port).map(|s| s.description).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ports_have_their_iana_names() {
        for (port, want) in [
            (21, "ftp"),
            (22, "ssh"),
            (25, "smtp"),
            (53, "domain"),
            (80, "http"),
            (110, "pop3"),
            (443, "https"),
            (631, "ipp"),
            (3306, "mysql"),
            (5432, "postgresql"),
            (6379, "redis"),
        ] {
            assert_eq!(name(port), Some(want), "port {port}");
        }
        assert_eq!(description(110), Some("Post Office Protocol - Version 3"));
    }

    /// Regression: 9200 was named `wap-wsp` (IANA's relic) where admins look for
    /// Elasticsearch; so were Kafka's, ZooKeeper's and InfluxDB's ports. IANA's registration
    /// stays in the description.
    #[test]
    fn server_programs_ports_are_named_as_admins_know_them() {
        for (port, want) in [
            (2181, "zookeeper"),
            // Unassigned at IANA; Wireshark's androiddump connects to it at each start.
            (5037, "adb"),
            (5601, "kibana"),
            (8086, "influxdb"),
            (9092, "kafka"),
            (9200, "elasticsearch"),
            (9300, "elasticsearch-transport"),
            (15672, "rabbitmq-management"),
            // IANA's own names already say it.
            (5672, "amqp"),
            (6379, "redis"),
            (11211, "memcache"),
            (27017, "mongodb"),
        ] {
            assert_eq!(name(port), Some(want), "port {port}");
        }
        assert_eq!(
            description(9200),
            Some(
                "Elasticsearch and OpenSearch HTTP API (IANA: wap-wsp, WAP connectionless session service)"
            )
        );
        // Several programs are common there: IANA's name, no guess.
        for (port, iana) in [
            (3000, "remoteware-cl"),
            (9090, "websm"),
            (9100, "pdl-datastream"),
        ] {
            assert_eq!(name(port), Some(iana), "port {port}");
        }
    }

    #[test]
    fn unassigned_and_unlisted_ports_have_no_name() {
        // 7211 (the sample's collector port) has no IANA assignment.
        for port in [0, 4, 7211, 65535] {
            assert_eq!(name(port), None, "port {port}");
        }
    }

    #[test]
    fn every_data_line_of_the_shipped_table_parses() {
        let data_lines: Vec<&str> = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        let parsed = parse(TABLE);
        assert_eq!(
            parsed.len(),
            data_lines.len(),
            "a line did not parse or repeats a port"
        );
        assert!(parsed.len() >= 200, "{} entries", parsed.len());
        for line in data_lines {
            assert_eq!(line.split('\t').count(), 3, "{line:?}");
        }
        for s in &parsed {
            assert!(
                s.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{s:?}"
            );
        }
        // Sorted in the file too, so that a reader can find a port.
        let ports: Vec<u16> = TABLE
            .lines()
            .filter_map(|l| l.split('\t').next()?.parse::<u16>().ok())
            .collect();
        assert!(ports.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parse_skips_comments_and_keeps_the_first_line_per_port() {
        let parsed = parse("# c\n\n80\thttp\tWeb\n80\twww\t-\nx\tbad\n9\tdiscard\t-\n");
        assert_eq!(
            parsed,
            vec![
                Service {
                    port: 9,
                    name: "discard",
                    description: "",
                },
                Service {
                    port: 80,
                    name: "http",
                    description: "Web",
                },
            ]
        );
    }
}
