//! One count per packet, however many interfaces or capture points it crossed.
//!
//! On Linux the `any` device sees a packet once per interface it passes: a bridged packet on
//! the bridge and on its port, a forwarded one on the way in and on the way out (with the TTL
//! one lower), a container's on its veth and on the bridge. Loopback traffic is seen once
//! (libpcap drops the outgoing copy on `lo`). Windows' pktmon goes further: its trace, once
//! converted to pcapng, holds a packet once per networking component it passed (NIC, filter
//! drivers, vSwitch ports), each component an interface of the file. Counting such a packet
//! several times would multiply its resets and make retransmissions out of its SYN.
//!
//! Two rules, the first that applies:
//! - **Packet id**: a frame that carries the pcapng `epb_packetid` option (etl2pcapng writes
//!   pktmon's PktGroupId there, the same for every appearance of one packet) is a copy when a
//!   frame with the same id was seen on a *different* interface less than [`WINDOW`](crate::source::dedupe::WINDOW) before.
//! - **Content**: a frame whose network-layer bytes (TTL / hop limit and IPv4 header checksum
//!   left out, first [`HASHED_BYTES`](crate::source::dedupe::HASHED_BYTES) bytes) equal those of a frame seen on a *different*
//!   interface less than [`WINDOW`](crate::source::dedupe::WINDOW) before is a copy.
//!
//! And one rule for a single interface, [`Repeats`](crate::source::dedupe::Repeats): a TCP
//! frame identical (its bytes around and in its TCP header, its lengths) to one seen on the
//! same interface less than [`WINDOW`](crate::source::dedupe::WINDOW) before, with no packet
//! of the other direction of its connection in between, is a copy (a mirror port that sends
//! both the way in and the way out of a packet, NFLOG logging it at two rules). A real retransmission answers something (duplicate ACKs, a timeout of 200 ms or
//! more), and a host that resets twice does so answering two segments: the other side's
//! packets lie between them, and both are kept.
//!
//! The first copy is the one kept, so what is analyzed and what is saved are the same
//! packets. Where IP starts is found by the decoder's own link-layer walk
//! ([`network_layer`](crate::decode::network_layer)), so every link type it decodes (VLAN
//! stacks, MPLS, PPPoE, 802.11, ...) is compared the same way; a tunnel's packet by the packet
//! inside ([`innermost_network_layer`](crate::decode::innermost_network_layer)), as its TCP is
//! analyzed: a node's `any` capture holds it inside VXLAN on the underlay's interface and
//! again unwrapped on the overlay's.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::decode::innermost_network_layer;
use crate::packet::{TcpPacket, Timestamp};
use crate::source::Frame;

/// Two copies of one packet on two interfaces are at most this far apart (forwarding and
/// bridging take microseconds; this leaves room for a busy host).
pub const WINDOW: Duration = Duration::from_millis(5);
/// Network-layer bytes compared: IPv6 + TCP headers with options, enough to tell packets
/// apart (addresses, ports, sequence and acknowledgment numbers, IP ID, TCP checksum).
pub const HASHED_BYTES: usize = 80;
/// How long a packet is remembered, behind the newest time seen, where the interfaces' packets
/// come in turns ([`Dedupe::remember_for`]): for a copy that comes later in the capture but with
/// an earlier time. dumpcap (and Wireshark, tshark) reads each interface of a capture on a thread
/// of its own and writes the packets of one interface a kernel buffer at a time, so a packet's
/// copy on the other interface can follow it tens or hundreds of milliseconds of packets later;
/// so can a live capture's batch from another interface's thread (Windows, macOS). Copies are
/// still those less than [`WINDOW`] apart in time.
pub const RETAIN: Duration = Duration::from_secs(2);
/// Most packets remembered: memory stays bounded (a few MB) however busy the capture; past it
/// the oldest are forgotten first, so at very high rates less than [`RETAIN`] is kept.
pub const RETAIN_MAX: usize = 1 << 17;

const LINKTYPE_LINUX_SLL2: u32 = 276;

/// Recently seen packets, by content hash or packet id. Memory is bounded by the packets of
/// one window, or of [`RETAIN`] ([`Dedupe::remember_for`]), at most [`RETAIN_MAX`] of them.
#[derive(Debug)]
pub struct Dedupe {
    window: i64,
    /// How long before the newest time a packet is remembered: the window where packets come
    /// in time order (Linux `any`: one socket sees every interface).
    retain: i64,
    recent: HashMap<u64, (Timestamp, u32)>,
    /// In the order seen, which is not time order where interfaces are written in turns.
    order: VecDeque<(Timestamp, u64)>,
    /// The newest time seen: what is remembered is measured back from it, not from the
    /// current frame's time, which may be older.
    newest: i64,
}

impl Dedupe {
    /// Copies less than `window` apart are removed.
    pub fn new(window: Duration) -> Self {
        let window = i64::try_from(window.as_nanos()).unwrap_or(i64::MAX);
        Self {
            window,
            retain: window,
            recent: HashMap::new(),
            order: VecDeque::new(),
            newest: i64::MIN,
        }
    }

    /// Remembers packets for `retain` behind the newest time seen (not less than the window):
    /// for captures whose interfaces come in turns, not in time order (see [`RETAIN`]).
    pub fn remember_for(&mut self, retain: Duration) {
        self.retain = i64::try_from(retain.as_nanos())
            .unwrap_or(i64::MAX)
            .max(self.window);
    }

    /// True when `frame` is a copy of a packet already seen on another interface, by its
    /// content.
    pub fn is_duplicate(&mut self, frame: &Frame<'_>) -> bool {
        self.is_duplicate_in(frame, 0)
    }

    /// [`Dedupe::is_duplicate`] among the frames of one `scope` only (a file of several:
    /// copies are looked for within one capture, not across captures merged by the user).
    pub fn is_duplicate_in(&mut self, frame: &Frame<'_>, scope: u32) -> bool {
        let Some(l3) = innermost_network_layer(frame).map(|n| n.bytes()) else {
            return false;
        };
        let l3 = &l3[..l3.len().min(HASHED_BYTES)];
        self.seen(frame, hash(l3) ^ salt(scope))
    }

    /// True when `frame`, which carries the packet id `id`, is a copy of a packet already seen
    /// on another interface of the same `scope`.
    pub fn is_copy_of_id(&mut self, frame: &Frame<'_>, id: u64, scope: u32) -> bool {
        // Ids and content hashes share the table; mixing the id keeps them apart.
        self.seen(
            frame,
            id ^ 0x9e37_79b9_7f4a_7c15 ^ salt(scope).rotate_left(17),
        )
    }

    fn seen(&mut self, frame: &Frame<'_>, key: u64) -> bool {
        let origin = origin(frame);
        self.expire(frame.ts);
        if let Some(&(ts, seen_on)) = self.recent.get(&key)
            && seen_on != origin
            && (frame.ts.0.saturating_sub(ts.0)).saturating_abs() < self.window
        {
            return true;
        }
        self.recent.insert(key, (frame.ts, origin));
        self.order.push_back((frame.ts, key));
        false
    }

    fn expire(&mut self, now: Timestamp) {
        self.newest = self.newest.max(now.0);
        while let Some(&(ts, key)) = self.order.front() {
            if self.newest.saturating_sub(ts.0) < self.retain && self.order.len() < RETAIN_MAX {
                break;
            }
            self.order.pop_front();
            if self.recent.get(&key).is_some_and(|&(t, _)| t == ts) {
                self.recent.remove(&key);
            }
        }
    }
}

/// The interface a frame was seen on: with SLL2 (Linux `any`) the kernel's index in the frame
/// itself, else the capture's interface. The SLL2 case out of line: as one expression for
/// both, the compiler read and swapped the index's bytes for every frame and chose between
/// them, 8 instructions a frame of the reading thread's where the test alone is 2 (a Linux
/// `any` capture's frames pay a call, beside their comparison by content).
#[inline(always)]
fn origin(frame: &Frame<'_>) -> u32 {
    if frame.link_type.0 == LINKTYPE_LINUX_SLL2 {
        return sll2_origin(frame.data, frame.interface);
    }
    frame.interface
}

/// [`origin`] of a Linux `any` frame `data` captured on `interface`.
#[cold]
#[inline(never)]
fn sll2_origin(data: &[u8], interface: u32) -> u32 {
    match data.get(4..8) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => interface,
    }
}

fn salt(scope: u32) -> u64 {
    u64::from(scope).wrapping_mul(0xff51_afd7_ed55_8ccd)
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

/// Frames repeated on one interface: the same TCP frame twice within [`WINDOW`], as a mirror
/// (SPAN) port that copies both a packet's way in and its way out sends it, or a capture that
/// records each packet at two points of the same interface. The second is a copy unless a
/// packet of the other direction of its connection came in between: what answers a packet
/// (a reset for each segment of a burst, a fast retransmission after duplicate ACKs) is a new
/// packet, even with the same bytes.
///
/// Two frames are the same when their IP and TCP headers say the same (ports, sequence and
/// acknowledgment numbers, flags, window, IPv4 ID, TTL, lengths) and the last 16 bytes of the
/// TCP header (its checksum, which covers the payload, or its options) and the first 8 of the
/// payload are the same. The link header is not compared: a capture's own metadata there
/// (NFLOG's hook, an SLL packet type) is not the packet. The addresses are not compared
/// either: the sequence and acknowledgment numbers and ports tell connections apart, and the
/// checksum covers the addresses.
///
/// It runs on every TCP frame of a file, so it costs little: the last [`REPEAT_RING`] TCP
/// frames are kept as they are (no hash is computed), and a table by a mix of their sequence
/// and acknowledgment numbers, ports, flags, window and length holds the newest frame of
/// each bucket: a frame whose bucket has no frame among the last ones repeats none of them
/// (one look-up), and only on a match is the rest compared. A file's frames are decoded
/// into the slots of a batch
/// ([`Repeats::is_repeat_in`]): what the decoded packet holds is read there when a bucket
/// matches, and only what it lacks (lengths, interface, the bytes around the payload) is
/// kept for each frame; the last ones' packets are copied out when the batch is handed on
/// ([`Repeats::hand_on`]). In a run of records, which stay in the reader's buffer until
/// it ends, even the bytes around the payload are left there (`Later`) and read only when
/// a walk back compares them, or the run ends ([`Repeats::run_end`]). Frame by frame ([`Repeats::is_repeat`]: live capture, evidence)
/// all of it is kept. Both compare the same, so both find the same repeats.
#[derive(Debug, Clone)]
#[cfg_attr(test, derive(PartialEq))]
pub struct Repeats {
    /// By [`bucket`], the number of the newest frame kept with it (the count of frames kept
    /// before it, cut to 16 bits: a bucket last used 65,536 frames ago may look recent, which
    /// costs a walk back for nothing, never a repeat missed).
    newest: [u16; BUCKETS],
    /// What each kept frame's decoded packet does not hold, by ring place.
    extra: [Extra; REPEAT_RING],
    /// What the decoded packet holds, by ring place, of the frames not in the caller's slots.
    fields: [Fields; REPEAT_RING],
    /// By ring place, where a frame kept from a run of records lies in the run's buffer
    /// while its [`Extra::bytes`] are not read yet ([`Repeats::is_repeat_in`]).
    later: [Option<Later>; REPEAT_RING],
    /// Frames kept so far: the newest is at ring place `(kept - 1) % REPEAT_RING`.
    kept: usize,
}

/// Where a kept frame's bytes lie in the buffer of the run of records it came in, until the
/// run ends: its [`Extra::bytes`] are read there only when a later frame's bucket sends the
/// walk back to it, or the run ends with it among the last ones. Addresses, not references:
/// the buffer is the reader's, and each use finds the bytes in the run's `records` slice
/// by their offset there (bounds-checked), while the run lasts.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(test, derive(PartialEq))]
struct Later {
    /// The address of the frame's first byte.
    data: usize,
    /// The frame's captured length.
    len: usize,
    /// Where its payload starts, from its first byte ([`extra`]).
    offset: usize,
}

impl Later {
    /// The frame's [`Extra::bytes`], read in `records`.
    #[cold]
    fn bytes(self, records: &[u8]) -> [u64; 3] {
        let at = self.data.wrapping_sub(records.as_ptr() as usize);
        let data = records.get(at..at.wrapping_add(self.len));
        debug_assert!(
            data.is_some(),
            "a frame kept later lies in its run's records"
        );
        extra_bytes(data.unwrap_or_default(), self.offset)
    }
}

impl Default for Repeats {
    fn default() -> Self {
        Self {
            newest: [0; BUCKETS],
            extra: [Extra::default(); REPEAT_RING],
            fields: [Fields::default(); REPEAT_RING],
            later: [None; REPEAT_RING],
            kept: 0,
        }
    }
}

/// TCP frames a repeat is looked for among: a mirror port interleaves a few other packets
/// between the two copies of one.
pub const REPEAT_RING: usize = 16;

/// Buckets of [`Repeats::newest`]: a frame that repeats none of the last [`REPEAT_RING`] shares
/// its bucket with one of them about once in 256 frames (a walk back for nothing), and the
/// table (8 KiB) stays in the first-level cache.
const BUCKETS: usize = 4096;

/// What a frame is compared by, of what its decoded packet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    /// [`i64::MIN`]: never filled (no frame is within the window of it).
    ts: i64,
    /// Its ports, source then destination: the other direction of its connection has them
    /// the other way round (another connection with those ports the other way round between
    /// two copies only makes the second be kept).
    ports: u32,
    /// Payload length as IP states it.
    payload_len: u32,
    /// Sequence and acknowledgment numbers.
    numbers: u64,
    /// Flags, window, IPv4 ID (and whether there is one), TTL.
    header: u64,
    /// The interface.
    interface: u32,
}

impl Default for Fields {
    fn default() -> Self {
        Self {
            ts: i64::MIN,
            ports: 0,
            payload_len: 0,
            numbers: 0,
            header: 0,
            interface: 0,
        }
    }
}

/// What a frame is compared by, of what its decoded packet does not hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Extra {
    /// The 16 bytes before the payload and the first 8 of it, 0 past the frame's end.
    bytes: [u64; 3],
    /// Captured and original frame lengths.
    lengths: [u32; 2],
    /// The interface the frame itself names (Linux `any`), else its interface.
    origin: u32,
}

/// Two frames are the same, their time aside.
fn same(a: (&Fields, &Extra), b: (&Fields, &Extra)) -> bool {
    Fields { ts: 0, ..*a.0 } == Fields { ts: 0, ..*b.0 } && a.1 == b.1
}

/// A frame as [`Repeats`] compared it, and what it decided: what a reader that began inside
/// a capture (a chunk of a file read on its own) hands on of its first frames, for the
/// decisions of the state the capture's earlier frames left ([`Repeats::replay`]).
#[derive(Debug, Clone, Copy)]
pub struct Checked {
    fields: Fields,
    extra: Extra,
    /// It was found a repeat.
    pub repeat: bool,
}

impl Checked {
    /// `frame`, whose TCP packet is `p` with the captured payload `payload` (a slice of the
    /// frame), found a repeat or not.
    pub fn of(frame: &Frame<'_>, p: &TcpPacket<'_>, payload: &[u8], repeat: bool) -> Self {
        Self {
            fields: frame_fields(frame, p),
            extra: extra(frame, payload),
            repeat,
        }
    }
}

impl Repeats {
    /// As new ([`Repeats::default`]), in place: no 10 KiB state built and moved in.
    pub fn restart(&mut self) {
        let Self {
            newest,
            extra,
            fields,
            later,
            kept,
        } = self;
        newest.fill(0);
        extra.fill(Extra::default());
        fields.fill(Fields::default());
        later.fill(None);
        *kept = 0;
    }

    /// Frames kept so far.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Decides `frame` as [`Repeats::is_repeat`] would have in this state (true: a repeat),
    /// remembering it if it is not. A decision depends only on the last [`REPEAT_RING`]
    /// frames kept: once a reader that began inside the capture has kept that many frames
    /// whose decisions this state's replay shares, its state decides as this one would.
    pub fn replay(&mut self, frame: &Checked) -> bool {
        let bucket = bucket_of(&frame.fields);
        let back = usize::from((self.kept as u16).wrapping_sub(self.newest[bucket]));
        if (1..=REPEAT_RING).contains(&back)
            && self.repeats((&frame.fields, &frame.extra), &[], None)
        {
            return true;
        }
        let place = self.kept % REPEAT_RING;
        self.newest[bucket] = self.kept as u16;
        self.fields[place] = frame.fields;
        self.extra[place] = frame.extra;
        self.later[place] = None;
        self.kept = self.kept.wrapping_add(1);
        false
    }

    /// True when `frame`, whose TCP packet is `p` with the captured payload `payload` (a slice
    /// of the frame), repeats a frame seen just before it on the same interface (see
    /// [`Repeats`]). A frame that is not a repeat is remembered, all of it.
    #[inline]
    pub fn is_repeat(&mut self, frame: &Frame<'_>, p: &TcpPacket<'_>, payload: &[u8]) -> bool {
        let bucket = bucket(p);
        if self.check(bucket, frame, p, payload, &[], None) {
            return true;
        }
        self.fields[self.kept % REPEAT_RING] = frame_fields(frame, p);
        self.keep(bucket, frame, payload, None);
        false
    }

    /// [`Repeats::is_repeat`] for a frame decoded into `slots[at]`, after the frames kept
    /// since the last [`Repeats::hand_on`] (`slots[..at]`, in order): a frame that is not a
    /// repeat is remembered, its decoded packet left in its slot, and must be kept there.
    ///
    /// `records`: the buffer of the run of records the frame lies in, where the frames kept
    /// from it stay until [`Repeats::run_end`] (which must come before the buffer changes):
    /// their bytes around the payload are read there only if needed. Read for every frame,
    /// they cost a fifth of the reading thread's wall time that the check cost: past the
    /// headers the decoder reads, often in the frame's next cache line (docs/benchmarks.md,
    /// s42). `None`: read now.
    #[inline(always)]
    pub fn is_repeat_in(
        &mut self,
        frame: &Frame<'_>,
        slots: &[TcpPacket<'_>],
        at: usize,
        payload: &[u8],
        records: Option<&[u8]>,
    ) -> bool {
        let p = &slots[at];
        let (bucket, earlier) = (bucket(p), slots.get(..at).unwrap_or_default());
        if self.check(bucket, frame, p, payload, earlier, records) {
            return true;
        }
        self.keep(bucket, frame, payload, records);
        false
    }

    /// The run of records [`Repeats::is_repeat_in`] was given ends: the bytes of its frames
    /// among the last [`REPEAT_RING`] kept are read from `records` before they go.
    pub fn run_end(&mut self, records: &[u8]) {
        for back in 1..=REPEAT_RING.min(self.kept) {
            let place = (self.kept - back) % REPEAT_RING;
            if let Some(later) = self.later[place].take() {
                self.extra[place].bytes = later.bytes(records);
            }
        }
    }

    /// The slots of [`Repeats::is_repeat_in`], all of the frames kept since the last call, are
    /// handed on (and will be reused): their last ones' packets are copied out.
    pub fn hand_on(&mut self, slots: &[TcpPacket<'_>]) {
        for (back, p) in (1..=REPEAT_RING.min(self.kept)).zip(slots.iter().rev()) {
            self.fields[(self.kept - back) % REPEAT_RING] = fields(p);
        }
    }

    /// The bucket test, then, on a match, the walk back.
    #[inline(always)]
    fn check(
        &self,
        bucket: usize,
        frame: &Frame<'_>,
        p: &TcpPacket<'_>,
        payload: &[u8],
        slots: &[TcpPacket<'_>],
        records: Option<&[u8]>,
    ) -> bool {
        // How many frames back the newest of this bucket was kept: 1 for the last one.
        let back = usize::from((self.kept as u16).wrapping_sub(self.newest[bucket]));
        (1..=REPEAT_RING).contains(&back)
            && self.repeats(
                (&frame_fields(frame, p), &extra(frame, payload)),
                slots,
                records,
            )
    }

    /// Remembers a frame that is no repeat (its fields are kept by the caller).
    #[inline(always)]
    fn keep(&mut self, bucket: usize, frame: &Frame<'_>, payload: &[u8], records: Option<&[u8]>) {
        let place = self.kept % REPEAT_RING;
        // Cut to 16 bits, as the field says.
        self.newest[bucket] = self.kept as u16;
        if records.is_some() {
            let (data, lengths) = (frame.data, [frame.data.len() as u32, frame.orig_len]);
            // The bytes stay where they are until needed: `Extra::bytes` is read from
            // `later` meanwhile.
            self.extra[place].lengths = lengths;
            self.extra[place].origin = origin(frame);
            self.later[place] = Some(Later {
                data: data.as_ptr() as usize,
                len: data.len(),
                offset: payload_offset(data, payload),
            });
        } else {
            // Built in its slot, not moved there.
            self.extra[place] = extra(frame, payload);
            self.later[place] = None;
        }
        self.kept = self.kept.wrapping_add(1);
    }

    /// The walk back from the newest frame, once some frame has the same bucket. `slots`: the
    /// newest frames kept, whose fields are read there.
    #[cold]
    fn repeats(
        &self,
        frame: (&Fields, &Extra),
        slots: &[TcpPacket<'_>],
        records: Option<&[u8]>,
    ) -> bool {
        let window = i64::try_from(WINDOW.as_nanos()).unwrap_or(i64::MAX);
        let back = frame.0.ports.rotate_left(16);
        for n in 1..=REPEAT_RING {
            let place = self.kept.wrapping_sub(n) % REPEAT_RING;
            let from_slot;
            let seen = if n <= slots.len() {
                from_slot = fields(&slots[slots.len() - n]);
                &from_slot
            } else if n <= self.kept {
                &self.fields[place]
            } else {
                return false;
            };
            if frame.0.ts.saturating_sub(seen.ts).saturating_abs() >= window {
                return false;
            }
            let mut extra = self.extra[place];
            if let Some(later) = self.later[place] {
                debug_assert!(
                    records.is_some(),
                    "bytes left for later are read in their run"
                );
                extra.bytes = later.bytes(records.unwrap_or_default());
            }
            if same((seen, &extra), frame) {
                return true;
            }
            if seen.ports == back && back != frame.0.ports {
                // The other side spoke since: what follows is an answer, not a copy.
                return false;
            }
        }
        false
    }
}

/// A frame's bucket in [`Repeats::newest`]: its sequence and acknowledgment numbers, ports,
/// flags, window and length (all compared by [`same`], so that a repeat shares its original's
/// bucket), mixed so that frames of one connection (one number moving, the other still;
/// duplicate ACKs with another window; a pure ACK and the data after it) and of many (ports
/// moving) differ: a bucket shared by frames that are not repeats costs a walk back.
///
/// It reads the packet just decoded into its slot, whose fields the decoder stored one by one:
/// each is read at its own width. Where two neighbouring fields (`seq` and `ack`, the ports)
/// were combined in the order they lie in memory, or a field shifted to the top of the word
/// (the window), the compiler read them with one wider load, which the processor cannot take
/// from the separate stores still in flight: it waited for them to reach the cache, and so
/// for the slot's lines to come from the other core, on every frame (docs/benchmarks.md, s39).
#[inline(always)]
fn bucket(p: &TcpPacket<'_>) -> usize {
    let numbers = u64::from(p.ack) | u64::from(p.seq) << 32;
    let small = u64::from(p.dport)
        | u64::from(p.sport) << 16
        | u64::from(p.window) << 32
        | u64::from(p.flags.0) << 48;
    let mixed = numbers ^ small.rotate_left(29) ^ u64::from(p.payload_len) << 7;
    // The top bits of a multiplication by an odd constant depend on every bit of `mixed`.
    (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKETS.trailing_zeros())) as usize
}

/// [`bucket`] of a frame by what [`Repeats`] kept of it: the same numbers, mixed the same way.
fn bucket_of(f: &Fields) -> usize {
    let numbers = f.numbers.rotate_left(32);
    let small = u64::from(f.ports & 0xffff)
        | u64::from(f.ports >> 16) << 16
        | (f.header >> 16 & 0xffff) << 32
        | (f.header & 0xffff) << 48;
    let mixed = numbers ^ small.rotate_left(29) ^ u64::from(f.payload_len) << 7;
    (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKETS.trailing_zeros())) as usize
}

/// What [`Repeats`] compares of a frame, of what its decoded packet `p` holds.
#[inline]
fn fields(p: &TcpPacket<'_>) -> Fields {
    Fields {
        ts: p.ts.0,
        ports: u32::from(p.sport) << 16 | u32::from(p.dport),
        payload_len: p.payload_len,
        numbers: u64::from(p.seq) | u64::from(p.ack) << 32,
        header: u64::from(p.flags.0)
            | u64::from(p.window) << 16
            | u64::from(p.ip_id.unwrap_or(0)) << 32
            | u64::from(p.ttl) << 48
            | u64::from(p.ip_id.is_some()) << 56,
        interface: p.interface,
    }
}

/// [`fields`] with the time and interface of `frame` (the decoder copies them into `p`).
#[inline]
fn frame_fields(frame: &Frame<'_>, p: &TcpPacket<'_>) -> Fields {
    Fields {
        ts: frame.ts.0,
        interface: frame.interface,
        ..fields(p)
    }
}

/// What [`Repeats`] compares of a frame, of what its decoded packet does not hold
/// (`payload`: its captured payload, a slice of it).
#[inline(always)]
fn extra(frame: &Frame<'_>, payload: &[u8]) -> Extra {
    let data = frame.data;
    Extra {
        bytes: extra_bytes(data, payload_offset(data, payload)),
        lengths: [data.len() as u32, frame.orig_len],
        origin: origin(frame),
    }
}

/// Where `payload` starts in `data`, the frame it is a slice of: past its end for an empty
/// payload that is no slice of it.
#[inline(always)]
fn payload_offset(data: &[u8], payload: &[u8]) -> usize {
    (payload.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize)
}

/// [`Extra::bytes`] of the frame `data`, whose payload starts at `offset` ([`payload_offset`]).
#[inline(always)]
fn extra_bytes(data: &[u8], offset: usize) -> [u64; 3] {
    let start = offset.min(data.len());
    // Most frames have the 16 bytes before the payload (a start below 16 wraps and fails
    // the check); the 8 after it are missing where the payload is shorter (a pure ACK).
    match data.get(start.wrapping_sub(16)..start) {
        Some(before) => {
            let at = |i: usize| {
                u64::from_le_bytes([
                    before[i],
                    before[i + 1],
                    before[i + 2],
                    before[i + 3],
                    before[i + 4],
                    before[i + 5],
                    before[i + 6],
                    before[i + 7],
                ])
            };
            [at(0), at(8), word(data, start)]
        }
        None => short_start(data, start),
    }
}

/// Eight bytes of `data` from `at`, or none (0) past its end.
#[inline(always)]
fn word(data: &[u8], at: usize) -> u64 {
    data.get(at..at.wrapping_add(8))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes)
}

/// [`Extra::bytes`] of a frame whose payload starts in its first 16 bytes.
#[cold]
fn short_start(data: &[u8], start: usize) -> [u64; 3] {
    [
        word(data, start.saturating_sub(16)),
        word(data, start.saturating_sub(8)),
        word(data, start),
    ]
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
        Frame::plain(
            Timestamp(1_700_000_000_000_000_000 + ms * 1_000_000),
            0,
            LinkType(LINKTYPE_LINUX_SLL2),
            0,
            data,
            data.len() as u32,
        )
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

    /// Regression: a capture of a bridge and its port by dumpcap (`-i br0 -i veth0`) is
    /// written an interface's buffer at a time, so the port's copy of a packet came 25 ms of
    /// the bridge's packets later; the packet had been forgotten by then (only the last 5 ms
    /// before the newest frame were kept), and each copy was counted again: its resets twice,
    /// its SYN as a retry.
    #[test]
    fn copies_written_an_interface_batch_later_count_once() {
        let mut d = Dedupe::new(WINDOW);
        d.remember_for(RETAIN);
        let bridge: Vec<_> = (0..4u8).map(|seq| sll2(5, &v4(64, seq))).collect();
        let port: Vec<_> = (0..4u8).map(|seq| sll2(2, &v4(64, seq))).collect();
        // The bridge's batch, 10 ms apart, then the port's, the same times.
        for (i, f) in bridge.iter().enumerate() {
            assert!(!d.is_duplicate(&frame(f, 10 * i as i64)));
        }
        for (i, f) in port.iter().enumerate() {
            assert!(d.is_duplicate(&frame(f, 10 * i as i64)), "copy {i}");
        }
        // Still copies only within the window: the same bytes 6 ms off are another packet.
        let late = sll2(7, &v4(64, 0));
        assert!(!d.is_duplicate(&frame(&late, 6)));
        // What is remembered stays bounded.
        let mut d = Dedupe::new(WINDOW);
        d.remember_for(RETAIN);
        for i in 0..RETAIN_MAX as u32 + 10 {
            let mut p = v4(64, 0);
            p[24..28].copy_from_slice(&i.to_be_bytes());
            assert!(!d.is_duplicate(&frame(&sll2(1, &p), 0)));
        }
        assert!(d.order.len() <= RETAIN_MAX && d.recent.len() <= RETAIN_MAX);
    }

    fn ethernet_qinq_9100(l3: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x91, 0x00, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00]);
        f.extend_from_slice(l3);
        f
    }

    fn on(data: &[u8], link: u32, interface: u32, ms: i64) -> Frame<'_> {
        Frame {
            link_type: LinkType(link),
            interface,
            ..frame(data, ms)
        }
    }

    /// Regression: the live dedupe had its own link-layer walk, which knew 0x8100 and 0x88a8
    /// tags but not the old 0x9100 QinQ tag, so it compared the wrong bytes (TTL not masked)
    /// and counted a forwarded copy twice. It now uses the decoder's walk.
    #[test]
    fn a_forwarded_copy_behind_a_9100_tag_counts_once() {
        let mut d = Dedupe::new(WINDOW);
        let (a, b) = (
            ethernet_qinq_9100(&v4(64, 1)),
            ethernet_qinq_9100(&v4(63, 1)),
        );
        assert!(!d.is_duplicate(&on(&a, 1, 0, 0)));
        assert!(d.is_duplicate(&on(&b, 1, 1, 0)));
    }

    #[test]
    fn copies_with_one_packet_id_on_other_interfaces_count_once() {
        let mut d = Dedupe::new(WINDOW);
        // pktmon: the same packet as an Ethernet frame at the NIC and as raw IP at TCP/IP.
        let eth = ethernet_qinq_9100(&v4(64, 1));
        let ip = v4(64, 1);
        assert!(!d.is_copy_of_id(&on(&eth, 1, 0, 0), 77, 0));
        assert!(d.is_copy_of_id(&on(&ip, 101, 2, 0), 77, 0));
        // Another packet id is another packet, whatever its bytes.
        assert!(!d.is_copy_of_id(&on(&ip, 101, 1, 0), 78, 0));
        // The same id in another capture (scope) is another packet.
        assert!(!d.is_copy_of_id(&on(&ip, 101, 2, 0), 77, 1));
        // The same id on the same interface again is kept (a retransmission in the trace).
        assert!(!d.is_copy_of_id(&on(&eth, 1, 0, 1), 79, 0));
        assert!(!d.is_copy_of_id(&on(&eth, 1, 0, 2), 79, 0));
    }

    fn tcp(data: &[u8]) -> TcpPacket<'_> {
        match crate::decode::decode(&frame(data, 0)) {
            crate::decode::Decoded::Tcp(p) => p,
            other => panic!("not TCP: {other:?}"),
        }
    }

    /// `v4` from port `sport` to port `dport`.
    fn v4_ports(seq: u8, sport: u16, dport: u16) -> Vec<u8> {
        let mut p = v4(64, seq);
        p[20..22].copy_from_slice(&sport.to_be_bytes());
        p[22..24].copy_from_slice(&dport.to_be_bytes());
        p
    }

    #[test]
    fn a_frame_twice_on_one_interface_within_the_window_counts_once() {
        let mut r = Repeats::default();
        let f = sll2(1, &v4(64, 1));
        let p = tcp(&f);
        assert!(!r.is_repeat(&frame(&f, 0), &p, p.payload));
        assert!(
            r.is_repeat(&frame(&f, 0), &p, p.payload),
            "the mirror port's second copy"
        );
        // A third copy (NFLOG logging one packet at three rules) too.
        assert!(r.is_repeat(&frame(&f, 1), &p, p.payload));
        // Past the window it is another packet.
        assert!(!r.is_repeat(&frame(&f, 10), &p, p.payload));
    }

    #[test]
    fn copies_interleaved_with_other_packets_count_once() {
        let mut r = Repeats::default();
        let a = sll2(1, &v4_ports(1, 40000, 7211));
        let b = sll2(1, &v4_ports(2, 40000, 7211));
        let (pa, pb) = (tcp(&a), tcp(&b));
        assert!(!r.is_repeat(&frame(&a, 0), &pa, pa.payload));
        assert!(!r.is_repeat(&frame(&b, 0), &pb, pb.payload));
        assert!(r.is_repeat(&frame(&a, 0), &pa, pa.payload));
        assert!(r.is_repeat(&frame(&b, 0), &pb, pb.payload));
    }

    #[test]
    fn a_frame_that_differs_in_its_flags_alone_is_another_packet() {
        let mut r = Repeats::default();
        let ack = sll2(1, &v4_ports(1, 40000, 7211));
        let mut fin = ack.clone();
        fin[20 + 20 + 13] |= 0x01;
        let (p, q) = (tcp(&ack), tcp(&fin));
        assert!(!r.is_repeat(&frame(&ack, 0), &p, p.payload));
        assert!(!r.is_repeat(&frame(&fin, 0), &q, q.payload));
    }

    #[test]
    fn a_frame_that_differs_in_its_payload_alone_is_another_packet() {
        let mut r = Repeats::default();
        let mut a = v4_ports(1, 40000, 7211);
        a[3] = 48;
        a.extend_from_slice(b"GET /a\r\n");
        let mut b = a.clone();
        b[40 + 5] = b'b';
        let (a, b) = (sll2(1, &a), sll2(1, &b));
        let (p, q) = (tcp(&a), tcp(&b));
        assert_eq!(p.payload_len, 8);
        assert!(!r.is_repeat(&frame(&a, 0), &p, p.payload));
        assert!(!r.is_repeat(&frame(&b, 0), &q, q.payload));
        assert!(r.is_repeat(&frame(&b, 0), &q, q.payload));
    }

    /// Two frames that are not repeats may share a bucket: the newer then holds it, and a
    /// repeat of the older one is still found (the bucket test only ever sends to the walk).
    #[test]
    fn a_repeat_is_found_when_another_frame_took_its_bucket() {
        let a = sll2(1, &v4_ports(1, 40000, 7211));
        let pa = tcp(&a);
        let other = (2..=u8::MAX)
            .flat_map(|seq| (1..2000u16).map(move |port| (seq, port)))
            .map(|(seq, port)| sll2(1, &v4_ports(seq, port, 7211)))
            .find(|b| bucket(&tcp(b)) == bucket(&pa))
            .expect("some frame shares the bucket");
        let pb = tcp(&other);
        let mut r = Repeats::default();
        assert!(!r.is_repeat(&frame(&a, 0), &pa, pa.payload));
        assert!(!r.is_repeat(&frame(&other, 0), &pb, pb.payload));
        assert!(r.is_repeat(&frame(&a, 1), &pa, pa.payload));
    }

    /// zeek/ftp/ipv6-violation.pcap: a client resets the data the server sent, then its FIN,
    /// 9 µs later: two RSTs, the same bytes, with the server's FIN between them. Both count.
    #[test]
    fn the_same_reset_answering_two_segments_counts_twice() {
        let mut r = Repeats::default();
        let rst = sll2(1, &v4_ports(1, 40000, 7211));
        let fin = sll2(1, &v4_ports(9, 7211, 40000));
        let (p, q) = (tcp(&rst), tcp(&fin));
        assert!(!r.is_repeat(&frame(&rst, 0), &p, p.payload));
        assert!(!r.is_repeat(&frame(&fin, 0), &q, q.payload));
        assert!(!r.is_repeat(&frame(&rst, 0), &p, p.payload));
    }

    #[test]
    fn the_same_frame_on_two_interfaces_is_no_repeat() {
        let mut r = Repeats::default();
        let (a, b) = (sll2(1, &v4(64, 1)), sll2(2, &v4(64, 1)));
        let p = tcp(&a);
        assert!(!r.is_repeat(&frame(&a, 0), &p, p.payload));
        assert!(!r.is_repeat(&frame(&b, 0), &p, p.payload));
        let other_file = Frame {
            interface: 3,
            ..frame(&a, 0)
        };
        assert!(!r.is_repeat(&other_file, &p, p.payload));
    }

    /// The file pipeline's way (packets in a batch's slots, the batch handed on now and then)
    /// finds the same repeats as the frame-by-frame one, wherever the batches end.
    #[test]
    fn a_replay_decides_as_the_check_from_the_state_before() {
        // Two connections both ways, repeated at all distances, a little apart in time.
        let packets: Vec<Vec<u8>> = (0..12u8)
            .map(|i| {
                let (sport, dport) = match i % 4 {
                    0 | 1 => (40000, 7211),
                    2 => (7211, 40000),
                    _ => (40001, 80),
                };
                sll2(1, &v4_ports(i / 3, sport, dport))
            })
            .collect();
        let mut x = 11u32;
        let order: Vec<(usize, i64)> = (0..300)
            .map(|k| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((x >> 16) as usize % packets.len(), k / 3)
            })
            .collect();
        let frames: Vec<Frame<'_>> = order
            .iter()
            .map(|&(i, ms)| frame(&packets[i], ms))
            .collect();
        let decoded: Vec<TcpPacket<'_>> = frames
            .iter()
            .map(|f| match crate::decode::decode(f) {
                crate::decode::Decoded::Tcp(p) => p,
                other => panic!("not TCP: {other:?}"),
            })
            .collect();
        for p in &decoded {
            assert_eq!(
                bucket_of(&fields(p)),
                bucket(p),
                "the bucket from the fields kept"
            );
        }
        let mut one = Repeats::default();
        let expected: Vec<bool> = (frames.iter().zip(&decoded))
            .map(|(f, p)| one.is_repeat(f, p, p.payload))
            .collect();
        let checked: Vec<Checked> = (frames.iter().zip(&decoded).zip(&expected))
            .map(|((f, p), &repeat)| Checked::of(f, p, p.payload, repeat))
            .collect();
        // From every point, the state the frames before it left replays the rest as the check
        // decided them; a state that knows nothing of them decides some differently.
        let mut fresh_differs = 0;
        for split in 0..frames.len() {
            let mut before = Repeats::default();
            for (f, p) in frames.iter().zip(&decoded).take(split) {
                before.is_repeat(f, p, p.payload);
            }
            for (n, c) in checked.iter().enumerate().skip(split) {
                assert_eq!(
                    before.replay(c),
                    expected[n],
                    "frame {n} replayed from {split}"
                );
            }
            let mut fresh = Repeats::default();
            let differs = checked
                .iter()
                .skip(split)
                .any(|c| fresh.replay(c) != c.repeat);
            fresh_differs += usize::from(differs);
        }
        assert!(
            fresh_differs > 50,
            "{fresh_differs} starts where a fresh state differs"
        );
    }

    #[test]
    fn repeats_found_in_batches_are_those_found_frame_by_frame() {
        // Packets of two connections, both ways, some on another interface.
        let packets: Vec<(Vec<u8>, u32)> = (0..12u8)
            .map(|i| {
                let (sport, dport) = match i % 4 {
                    0 | 1 => (40000, 7211),
                    2 => (7211, 40000),
                    _ => (40001, 80),
                };
                (
                    sll2(1, &v4_ports(i / 3, sport, dport)),
                    u32::from(i % 5 == 4),
                )
            })
            .collect();
        // A sequence that repeats them at all distances, a little apart in time.
        let mut x = 7u32;
        let order: Vec<(usize, i64)> = (0..400)
            .map(|k| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((x >> 16) as usize % packets.len(), k / 3)
            })
            .collect();
        // The frames lie one after the other in one buffer, as a run of records does.
        let records: Vec<u8> = order
            .iter()
            .flat_map(|&(i, _)| packets[i].0.clone())
            .collect();
        let mut start = 0;
        let mut places = Vec::new();
        let frames: Vec<Frame<'_>> = order
            .iter()
            .map(|&(i, ms)| {
                let len = packets[i].0.len();
                places.push(start..start + len);
                start += len;
                Frame {
                    interface: packets[i].1,
                    ..frame(&records[start - len..start], ms)
                }
            })
            .collect();
        let decoded: Vec<TcpPacket<'_>> = frames
            .iter()
            .map(|f| match crate::decode::decode(f) {
                crate::decode::Decoded::Tcp(p) => p,
                other => panic!("not TCP: {other:?}"),
            })
            .collect();
        let mut one = Repeats::default();
        let expected: Vec<bool> = (frames.iter().zip(&decoded))
            .map(|(f, p)| one.is_repeat(f, p, p.payload))
            .collect();
        assert!(expected.iter().any(|&r| r) && expected.iter().any(|&r| !r));
        // Runs of records (their bytes read only where needed, each run given its own part
        // of the buffer: a frame of an earlier run is read from what the run's end kept), or
        // none (every frame's bytes read at once).
        let runs = [
            None,
            Some(1),
            Some(3),
            Some(16),
            Some(17),
            Some(50),
            Some(1000),
        ];
        for (batch, run) in [1, 2, 5, 15, 16, 17, 40, 1000]
            .into_iter()
            .flat_map(|batch| runs.map(|run| (batch, run)))
        {
            let mut r = Repeats::default();
            let mut slots: Vec<TcpPacket<'_>> = Vec::new();
            let mut in_batch = 0;
            let run_of = |n: usize| {
                run.map(|run: usize| {
                    let (first, last) = (n / run * run, ((n / run + 1) * run).min(frames.len()));
                    &records[places[first].start..places[last - 1].end]
                })
            };
            for (n, (f, p)) in frames.iter().zip(&decoded).enumerate() {
                slots.truncate(in_batch);
                slots.push(*p);
                let repeat = r.is_repeat_in(f, &slots, in_batch, p.payload, run_of(n));
                assert_eq!(
                    repeat, expected[n],
                    "frame {n}, batches of {batch}, runs {run:?}"
                );
                in_batch += usize::from(!repeat);
                if let (Some(run), Some(records)) = (run, run_of(n))
                    && ((n + 1) % run == 0 || n + 1 == frames.len())
                {
                    r.run_end(records);
                }
                if (n + 1) % batch == 0 {
                    // Handed on: the next batch's slots hold none of these packets.
                    r.hand_on(&slots[..in_batch]);
                    in_batch = 0;
                }
            }
        }
    }

    #[test]
    fn different_packets_on_two_interfaces_are_both_kept() {
        let mut d = Dedupe::new(WINDOW);
        let (a, b) = (sll2(2, &v4(64, 1)), sll2(5, &v4(64, 2)));
        assert!(!d.is_duplicate(&frame(&a, 0)));
        assert!(!d.is_duplicate(&frame(&b, 0)));
    }
}
