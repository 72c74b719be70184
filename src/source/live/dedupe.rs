//! One count per packet, however many captured interfaces it crossed.
//!
//! On Linux the `any` device sees a packet once per interface it passes: a bridged packet on
//! the bridge and on its port, a forwarded one on the way in and on the way out (with the TTL
//! one lower), a container's on its veth and on the bridge. Loopback traffic is seen once
//! (libpcap drops the outgoing copy on `lo`). Counting such a packet twice would double its
//! resets and make a retransmission out of its SYN.
//!
//! The rule: a frame whose network-layer bytes (TTL / hop limit and IPv4 header checksum left
//! out, first [`HASHED_BYTES`](crate::source::live::dedupe::HASHED_BYTES) bytes) equal those of a frame seen on a *different* interface
//! less than [`WINDOW`](crate::source::live::dedupe::WINDOW) before is a copy, and is removed. Identical frames on the same
//! interface are kept: they are real retransmissions or duplicates on that wire. The first copy
//! is the one kept, so what is analyzed and what is saved are the same packets.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::packet::Timestamp;
use crate::source::Frame;

/// Two copies of one packet on two interfaces are at most this far apart (forwarding and
/// bridging take microseconds; this leaves room for a busy host).
pub const WINDOW: Duration = Duration::from_millis(5);
/// Network-layer bytes compared: IPv6 + TCP headers with options, enough to tell packets
/// apart (addresses, ports, sequence and acknowledgment numbers, IP ID, TCP checksum).
pub const HASHED_BYTES: usize = 80;

const LINKTYPE_NULL: u32 = 0;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LOOP: u32 = 108;
const LINKTYPE_LINUX_SLL: u32 = 113;
const LINKTYPE_IPV4: u32 = 228;
const LINKTYPE_IPV6: u32 = 229;
const LINKTYPE_LINUX_SLL2: u32 = 276;

/// Recently seen packets, by content hash. Memory is bounded by the packets of one window.
#[derive(Debug)]
pub struct Dedupe {
    window: i64,
    recent: HashMap<u64, (Timestamp, u32)>,
    order: VecDeque<(Timestamp, u64)>,
}

impl Dedupe {
    /// Copies less than `window` apart are removed.
    pub fn new(window: Duration) -> Self {
        Self {
            window: i64::try_from(window.as_nanos()).unwrap_or(i64::MAX),
            recent: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// True when `frame` is a copy of a packet already seen on another interface.
    pub fn is_duplicate(&mut self, frame: &Frame<'_>) -> bool {
        let Some((origin, l3)) = locate(frame) else {
            return false;
        };
        self.expire(frame.ts);
        let key = hash(l3);
        if let Some(&(ts, seen_on)) = self.recent.get(&key)
            && seen_on != origin
            && (frame.ts.0 - ts.0).abs() < self.window
        {
            return true;
        }
        self.recent.insert(key, (frame.ts, origin));
        self.order.push_back((frame.ts, key));
        false
    }

    fn expire(&mut self, now: Timestamp) {
        while let Some(&(ts, key)) = self.order.front() {
            if now.0 - ts.0 < self.window {
                break;
            }
            self.order.pop_front();
            if self.recent.get(&key).is_some_and(|&(t, _)| t == ts) {
                self.recent.remove(&key);
            }
        }
    }
}

/// The interface a frame was seen on and its network-layer bytes, for link types whose
/// header length is known. With SLL2 the interface is the kernel's index in the frame itself.
fn locate<'a>(frame: &Frame<'a>) -> Option<(u32, &'a [u8])> {
    let d = frame.data;
    let (origin, offset) = match frame.link_type.0 {
        LINKTYPE_LINUX_SLL2 => {
            let index = d.get(4..8)?;
            (u32::from_be_bytes(index.try_into().ok()?), 20)
        }
        LINKTYPE_LINUX_SLL => (frame.interface, 16),
        LINKTYPE_ETHERNET => {
            let mut off = 14;
            // 802.1Q / 802.1ad tags.
            while matches!(d.get(off - 2..off), Some([0x81, 0x00] | [0x88, 0xa8])) {
                off += 4;
            }
            (frame.interface, off)
        }
        LINKTYPE_NULL | LINKTYPE_LOOP => (frame.interface, 4),
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => (frame.interface, 0),
        _ => return None,
    };
    let l3 = d.get(offset..)?;
    Some((origin, &l3[..l3.len().min(HASHED_BYTES)]))
}

/// FNV-1a over the bytes, with the fields a router changes left out.
fn hash(l3: &[u8]) -> u64 {
    let masked = |i: usize| -> bool {
        match l3.first().map(|b| b >> 4) {
            // IPv4: TTL (8) and header checksum (10, 11).
            Some(4) => matches!(i, 8 | 10 | 11),
            // IPv6: hop limit (7).
            Some(6) => i == 7,
            _ => false,
        }
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, &b) in l3.iter().enumerate() {
        let b = if masked(i) { 0 } else { b };
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ l3.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::LinkType;

    fn sll2(ifindex: u32, l3: &[u8]) -> Vec<u8> {
        let mut f = vec![0x08, 0x00, 0, 0];
        f.extend_from_slice(&ifindex.to_be_bytes());
        f.extend_from_slice(&[0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
        f.extend_from_slice(l3);
        f
    }

    fn v4(ttl: u8, seq: u8) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, ttl, 6, 0xaa, 0xbb];
        p.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        p.extend_from_slice(&[0x1c, 0x2b, 0x1c, 0x2b, 0, 0, 0, seq, 0, 0, 0, 0, 0x50, 0x04]);
        p.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        p
    }

    fn frame(data: &[u8], ms: i64) -> Frame<'_> {
        Frame {
            ts: Timestamp(1_700_000_000_000_000_000 + ms * 1_000_000),
            number: 0,
            link_type: LinkType(LINKTYPE_LINUX_SLL2),
            interface: 0,
            data,
            orig_len: data.len() as u32,
            direction: None,
            process: None,
            effective_process: None,
        }
    }

    #[test]
    fn a_packet_on_a_bridge_and_its_port_counts_once() {
        let mut d = Dedupe::new(WINDOW);
        let (port, bridge) = (sll2(2, &v4(64, 1)), sll2(5, &v4(64, 1)));
        assert!(!d.is_duplicate(&frame(&port, 0)));
        assert!(d.is_duplicate(&frame(&bridge, 0)));
    }

    #[test]
    fn a_forwarded_packet_with_its_ttl_lowered_counts_once() {
        let mut d = Dedupe::new(WINDOW);
        let (inbound, outbound) = (sll2(2, &v4(64, 1)), sll2(3, &v4(63, 1)));
        assert!(!d.is_duplicate(&frame(&inbound, 0)));
        assert!(d.is_duplicate(&frame(&outbound, 1)));
    }

    #[test]
    fn a_retransmission_on_the_same_interface_is_kept() {
        let mut d = Dedupe::new(WINDOW);
        let f = sll2(1, &v4(64, 1));
        assert!(!d.is_duplicate(&frame(&f, 0)));
        assert!(!d.is_duplicate(&frame(&f, 1)));
    }

    #[test]
    fn copies_further_apart_than_the_window_are_both_kept() {
        let mut d = Dedupe::new(WINDOW);
        let (a, b) = (sll2(2, &v4(64, 1)), sll2(5, &v4(64, 1)));
        assert!(!d.is_duplicate(&frame(&a, 0)));
        assert!(!d.is_duplicate(&frame(&b, 6)));
        assert!(d.recent.len() <= 2, "expired entries are forgotten");
    }

    #[test]
    fn different_packets_on_two_interfaces_are_both_kept() {
        let mut d = Dedupe::new(WINDOW);
        let (a, b) = (sll2(2, &v4(64, 1)), sll2(5, &v4(64, 2)));
        assert!(!d.is_duplicate(&frame(&a, 0)));
        assert!(!d.is_duplicate(&frame(&b, 0)));
    }
}
