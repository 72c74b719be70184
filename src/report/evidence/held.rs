//! The endpoint's packets of one of the analysis' batches, held back from the evidence's
//! engine until the batch is read, so that a packet the capturing host dropped takes its
//! earlier record with it, as the analysis takes it.
//!
//! The analysis ([`crate::pipeline::analysis`]) reads frames in batches of
//! [`BATCH`](crate::analysis::BATCH). A frame recorded at a drop (pcapng `epb_verdict`: a
//! pktmon drop event) takes the packet's earlier record at another capture point (the same
//! `epb_packetid`: the component before the one that dropped it) out of its batch if the
//! record is still there, and the batch's drops go to the engine after its packets. The
//! evidence reads frame by frame, so it holds the endpoint's packets from the first one with a
//! packet id to the end of that batch (and the batch's drops), and hands its engine the same
//! packets in the same order. A capture without packet ids holds no packet; the buffers are
//! kept from batch to batch, so a pktmon trace costs no allocation per packet either.

use std::ops::Range;

use super::Take;
use crate::analysis::{BATCH, place_name};
use crate::engine::DropNote;
use crate::engine::offenders::RST_PAYLOAD_BYTES;
use crate::packet::{DropKind, TcpPacket};
use crate::source::{Direction, Frame, InterfaceInfo};

/// A packet of the endpoint whose analysis waits for the end of its batch.
struct Held {
    packet: TcpPacket<'static>,
    /// Its RST payload (as much as the engine looks at), in [`HoldBack::payloads`].
    payload: Range<usize>,
    direction: Option<Direction>,
    process: Option<u32>,
    /// A drop later in the batch was recorded of the same packet: it got no further.
    left_out: bool,
    /// Where it is listed among the evidence's packets, if it is.
    listed: Option<usize>,
}

/// A packet of the endpoint the capturing host dropped, handed to the engine with its batch.
struct HeldDrop {
    packet: TcpPacket<'static>,
    kind: DropKind,
    inbound: Option<bool>,
    /// Where it was recorded: an index into [`HoldBack::places`].
    place: usize,
}

/// The held packets and drops of the batch being read.
#[derive(Default)]
pub(super) struct HoldBack {
    /// The batch they belong to (frame numbers from `batch * BATCH + 1`).
    batch: u64,
    packets: Vec<Held>,
    payloads: Vec<u8>,
    drops: Vec<HeldDrop>,
    /// The names of the interfaces drops were recorded at, each named once.
    places: Vec<(u32, String)>,
}

impl HoldBack {
    fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.drops.is_empty()
    }

    fn clear(&mut self) {
        self.packets.clear();
        self.payloads.clear();
        self.drops.clear();
    }
}

/// The analysis' batch of frame `number` (1-based).
fn batch_of(number: u64) -> u64 {
    number.saturating_sub(1) / BATCH as u64
}

/// `p` without its payload, to be kept past its frame.
fn detached(p: &TcpPacket<'_>) -> TcpPacket<'static> {
    TcpPacket {
        ts: p.ts,
        frame: p.frame,
        interface: p.interface,
        src: p.src,
        dst: p.dst,
        sport: p.sport,
        dport: p.dport,
        seq: p.seq,
        ack: p.ack,
        flags: p.flags,
        window: p.window,
        window_scale: p.window_scale,
        payload_len: p.payload_len,
        payload: &[],
        ttl: p.ttl,
        ip_id: p.ip_id,
        overlay: crate::packet::Overlay::NONE,
    }
}

impl Take<'_> {
    /// Hands `p` (not a copy) to the engine, or holds it to the end of its batch: from the
    /// batch's first packet with a packet id on, a drop later in the batch may take it out.
    pub(super) fn analyze_or_hold(&mut self, frame: &Frame<'_>, p: &TcpPacket<'_>) {
        self.release_before(frame.number);
        let hold = &mut *self.hold;
        if frame.packet_id.is_none() && hold.packets.is_empty() {
            // Where its attempt or reset was seen: a Linux `any` capture's interface index.
            self.engine
                .set_link_index(crate::decode::linux_any_index(frame));
            self.analyze(p, frame.direction, frame.process);
            return;
        }
        hold.batch = batch_of(frame.number);
        let start = hold.payloads.len();
        if p.flags.rst() {
            let kept = p.payload.get(..RST_PAYLOAD_BYTES).unwrap_or(p.payload);
            hold.payloads.extend_from_slice(kept);
        }
        hold.packets.push(Held {
            packet: detached(p),
            payload: start..hold.payloads.len(),
            direction: frame.direction,
            process: frame.process,
            left_out: false,
            listed: None,
        });
    }

    /// Frame `number`, just handed to [`Take::analyze_or_hold`], is listed at `at` among the
    /// evidence's packets: a drop that takes it out marks it there.
    pub(super) fn listed_at(&mut self, number: u64, at: usize) {
        if let Some(h) = self.hold.packets.last_mut()
            && h.packet.frame == number
        {
            h.listed = Some(at);
        }
    }

    /// A packet of the endpoint recorded at its drop: handed to the engine as dropped with
    /// its batch, and its earlier record `earlier` (the frame kept for its packet id) left
    /// out if that is held in the same batch.
    pub(super) fn dropped(
        &mut self,
        frame: &Frame<'_>,
        p: &TcpPacket<'_>,
        kind: DropKind,
        earlier: Option<u64>,
        interfaces: &[InterfaceInfo],
    ) {
        self.release_before(frame.number);
        let hold = &mut *self.hold;
        hold.batch = batch_of(frame.number);
        if let Some(n) = earlier
            && let Some(h) = hold.packets.iter_mut().rev().find(|h| h.packet.frame == n)
        {
            h.left_out = true;
            // Listed, it says why the counts leave it out (the list of the packets kept last
            // may have put a later packet in its place).
            if let Some(p) = (h.listed)
                .and_then(|at| self.ev.packets.get_mut(at))
                .filter(|p| p.frame == n)
            {
                p.before_drop = true;
            }
        }
        let place = match hold.places.iter().position(|(i, _)| *i == frame.interface) {
            Some(at) => at,
            None => {
                let name = place_name(interfaces, frame.interface);
                hold.places.push((frame.interface, name));
                hold.places.len() - 1
            }
        };
        hold.drops.push(HeldDrop {
            packet: detached(p),
            kind,
            inbound: frame.direction.map(|d| d == Direction::Inbound),
            place,
        });
    }

    /// Releases what an earlier batch than frame `number`'s holds.
    fn release_before(&mut self, number: u64) {
        if !self.hold.is_empty() && self.hold.batch != batch_of(number) {
            self.release();
        }
    }

    /// Hands the engine what is held: the packets that went on, then the drops, as the
    /// analysis hands it a batch. Called once the batch is read (at the endpoint's next
    /// packet of a later batch, or at the end of the capture): the evidence's engine sees
    /// no other packet in between.
    pub(super) fn release(&mut self) {
        let mut hold = std::mem::take(&mut *self.hold);
        // Held: frames with packet ids (pktmon's), none of Linux `any`.
        self.engine.set_link_index(0);
        for h in hold.packets.iter().filter(|h| !h.left_out) {
            let p = TcpPacket {
                payload: hold.payloads.get(h.payload.clone()).unwrap_or_default(),
                ..h.packet
            };
            self.analyze(&p, h.direction, h.process);
        }
        for d in &hold.drops {
            let p = &d.packet;
            self.engine.dropped(
                p,
                &DropNote {
                    kind: d.kind,
                    place: hold.places.get(d.place).map_or("", |(_, name)| name),
                    inbound: d.inbound,
                    syn: p.flags.syn() && !p.flags.ack(),
                    rst: p.flags.rst(),
                },
            );
        }
        hold.clear();
        *self.hold = hold;
    }
}
