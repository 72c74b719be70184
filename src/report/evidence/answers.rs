//! What a file of one endpoint's packets carries of its host's SYN-ACKs in the capture they
//! were saved from ([`HostAnswers`](crate::engine::offenders::HostAnswers)): their TTLs (hop
//! limits), which tell a closed port's reset (the host's TTL) from a firewall's on the way
//! (another). The file holds the endpoint's packets only, not the SYN-ACKs of the host's other
//! ports that the capture's analysis compared with: without the figure, the file's analysis
//! could not say what the capture's did.
//!
//! Saved in a block of rstscope's own type ([`RSTSCOPE_HOST`]), its UTF-8 JSON saying what it
//! is: `{"format": "rstscope-answers", "version": 1, "hosts": [{"address": "192.0.2.130",
//! "overlay": "vxlan:42", "ttl": [63, 63]}]}` (`overlay` absent outside an overlay network,
//! `ttl` the least and the greatest). A block rather than the host block's field: a capture
//! made by tcpdump has no host block (nothing was recorded of its machine), and its saved
//! packets need the figure all the same. A comment of the file's section says the same to a
//! person (Wireshark shows it under Capture File Properties).
//!
//! [`RSTSCOPE_HOST`]: crate::source::pcapng::RSTSCOPE_HOST

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::engine::cause::TtlRange;
use crate::packet::Overlay;
use crate::source::pcapng;

/// The `format` of the block's JSON.
pub const FORMAT: &str = "rstscope-answers";
/// The version written; a reader takes what it knows of later ones.
const VERSION: u32 = 1;
/// Hosts read from one file at most (a file rstscope writes names one).
const MOST_HOSTS: usize = 64;

/// The block's fields after its format and version ([`pcapng::own_block`]).
#[derive(Serialize, Deserialize)]
struct Block {
    #[serde(default)]
    hosts: Vec<Host>,
}

#[derive(Serialize, Deserialize)]
struct Host {
    address: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overlay: Option<String>,
    ttl: (u8, u8),
}

/// The body of the block that says `addr` (in `overlay`) answered SYNs with `ttls` in the
/// capture; `None` where it sent no SYN-ACK there (nothing to carry).
pub fn encode(addr: IpAddr, overlay: Overlay, ttls: TtlRange) -> Option<Vec<u8>> {
    let ttl = ttls.bounds()?;
    let block = Block {
        hosts: vec![Host {
            address: addr,
            overlay: (!overlay.is_none()).then(|| overlay.key()),
            ttl,
        }],
    };
    pcapng::own_block(FORMAT, VERSION, &block).ok()
}

/// The section comment that says the same to a person.
pub fn comment(addr: IpAddr, overlay: Overlay, ttls: TtlRange) -> Option<String> {
    let (least, most) = ttls.bounds()?;
    let what = if addr.is_ipv6() { "hop limit" } else { "TTL" };
    let ttl = if least == most {
        format!("{what} {least}")
    } else {
        format!("{what} {least} to {most}")
    };
    let network = if overlay.is_none() {
        String::new()
    } else {
        format!(" ({})", overlay.key())
    };
    Some(format!(
        "rstscope evidence: {addr}{network} sent its SYN-ACKs with {ttl} in the capture these \
         packets come from, on any port (those of its other ports are not in this file); an \
         analysis of this file compares the endpoint's refusals with them, as the capture's did"
    ))
}

/// What the blocks among `bodies` (those of rstscope's own type a file held) say of the
/// hosts' SYN-ACKs, one entry a host; other bodies (the host block) and bodies that cannot be
/// read are left alone: without the figure an analysis says the capture cannot tell.
pub fn read(bodies: &[Vec<u8>]) -> Vec<(IpAddr, Overlay, TtlRange)> {
    let mut hosts = Vec::new();
    for body in bodies {
        let Some(Ok(block)) = pcapng::read_own_block::<Block>(body, FORMAT) else {
            continue;
        };
        for h in block.hosts {
            let overlay = match h.overlay.as_deref() {
                None => Overlay::NONE,
                Some(key) => match Overlay::parse(key) {
                    Some(o) => o,
                    None => continue,
                },
            };
            let ttls = TtlRange::between(h.ttl.0, h.ttl.1);
            if ttls.bounds().is_some() && hosts.len() < MOST_HOSTS {
                hosts.push((h.address, overlay, ttls));
            }
        }
    }
    hosts
}

/// What `bodies` say of `addr` in `overlay` (empty where nothing).
pub fn of(bodies: &[Vec<u8>], addr: IpAddr, overlay: Overlay) -> TtlRange {
    let mut ttls = TtlRange::default();
    for (a, o, t) in read(bodies) {
        if a == addr && o == overlay {
            ttls.merge(t);
        }
    }
    ttls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn a_hosts_answers_read_back_as_written() {
        let vxlan = Overlay::parse("vxlan:42").expect("overlay");
        let a = encode(addr("192.0.2.130"), Overlay::NONE, TtlRange::of(63)).expect("body");
        let mut b = encode(addr("2001:db8::2"), vxlan, TtlRange::between(60, 64)).expect("body");
        // Padded to 32 bits as a block body is.
        b.extend([0, 0, 0]);
        let other = br#"{"format": "rstscope-host", "version": 1, "report": {}}"#.to_vec();
        let bodies = [a, other, b, b"not json".to_vec()];
        assert_eq!(
            read(&bodies),
            vec![
                (addr("192.0.2.130"), Overlay::NONE, TtlRange::of(63)),
                (addr("2001:db8::2"), vxlan, TtlRange::between(60, 64)),
            ]
        );
        assert_eq!(
            of(&bodies, addr("192.0.2.130"), Overlay::NONE),
            TtlRange::of(63)
        );
        // Another network's host of the same address is another host.
        assert_eq!(
            of(&bodies, addr("2001:db8::2"), Overlay::NONE).bounds(),
            None
        );
        // Nothing to carry where the host sent no SYN-ACK.
        assert!(encode(addr("192.0.2.130"), Overlay::NONE, TtlRange::default()).is_none());
    }

    /// The body's bytes, as every rstscope since the block's version 1 wrote them (the order
    /// of the fields included).
    #[test]
    fn the_body_is_written_as_version_1_wrote_it() {
        let vxlan = Overlay::parse("vxlan:42").expect("overlay");
        let body = |addr: &str, overlay, ttls| {
            String::from_utf8(encode(self::addr(addr), overlay, ttls).expect("body"))
                .expect("UTF-8")
        };
        assert_eq!(
            body("192.0.2.130", Overlay::NONE, TtlRange::of(63)),
            r#"{"format":"rstscope-answers","version":1,"hosts":[{"address":"192.0.2.130","ttl":[63,63]}]}"#
        );
        assert_eq!(
            body("2001:db8::2", vxlan, TtlRange::between(60, 64)),
            r#"{"format":"rstscope-answers","version":1,"hosts":[{"address":"2001:db8::2","overlay":"vxlan:42","ttl":[60,64]}]}"#
        );
    }

    #[test]
    fn an_unsound_range_is_left_out() {
        let body = br#"{"format": "rstscope-answers", "hosts": [{"address": "192.0.2.1", "ttl": [64, 63]}]}"#;
        assert!(read(&[body.to_vec()]).is_empty());
    }

    #[test]
    fn the_comment_says_the_figure_to_a_person() {
        let v4 = comment(addr("192.0.2.130"), Overlay::NONE, TtlRange::of(63));
        assert!(
            v4.as_deref()
                .is_some_and(|c| c.contains("192.0.2.130 sent its SYN-ACKs with TTL 63 ")),
            "{v4:?}"
        );
        let v6 = comment(
            addr("2001:db8::2"),
            Overlay::NONE,
            TtlRange::between(63, 64),
        );
        assert!(
            v6.as_deref()
                .is_some_and(|c| c.contains("with hop limit 63 to 64 ")),
            "{v6:?}"
        );
    }
}
