//! Process information carried by pcapng files: Apple's Darwin Process Event Blocks and the
//! Enhanced Packet Block options that point at them, and packet comments in the form ptcpdump
//! writes. Packets without any of it cost one pass over their (usually empty) option list.
//!
//! Sources of the codes and layouts (no public standard describes Apple's additions):
//! - Apple's libpcap (the macOS libpcap sources Apple publishes), `libpcap/pcap/pcap-ng.h`:
//!   block type `PCAPNG_BT_PIB` 0x80000001 with a 32-bit `process_id` then options
//!   `PCAPNG_PIB_NAME` 2 (UTF-8 name), `PCAPNG_PIB_PATH` 3 (UTF-8 path), `PCAPNG_PIB_UUID` 4
//!   (16 bytes); Enhanced Packet Block options `PCAPNG_EPB_PIB_INDEX` 0x8001 (32-bit "number of
//!   process information block within the section"), `PCAPNG_EPB_SVC` 0x8002 (32-bit service
//!   class), `PCAPNG_EPB_E_PIB_INDEX` 0x8003 (32-bit index of the effective process's block).
//!   `libpcap/pcap-darwin.c` (`pcap_ng_dump_pktap_comment`) writes one such block per new
//!   process, numbering them from 0 in the order written, and sets `epb_flags` to inbound or
//!   outbound from the PKTAP header's direction.
//! - Wireshark, `wiretap/pcapng-darwin-custom.c`: reads the same block as the "legacy Darwin
//!   Process Event Block" with options `dpeb_process_name` (2) and `dpeb_process_uuid` (4), and
//!   the packet options 0x8001/0x8002/0x8003 as 32-bit values whose length must be 4.
//! - pcapng (draft-ietf-opsawg-pcapng), `epb_flags` (code 2, 32 bits): bits 0-1 are 00
//!   unknown, 01 inbound, 10 outbound; `opt_comment` (code 1), UTF-8.
//! - ptcpdump (github.com/mozillazg/ptcpdump, `internal/writer/pcapng.go`): the first comment of
//!   a packet whose process is known is `fmt.Sprintf("PID: %d\nCmd: %s\nArgs: %s", ...)`;
//!   further comments (`ThreadId:`, `ParentPID:`, `ContainerName:` ...) follow it and are not
//!   read here.
//! - rstscope's own comment naming an interface index of Linux's `any` device
//!   ([`index_comment`](crate::source::pcapng::index_comment)), written on the first packet of
//!   an interface made after its capture began: taken back for the packet's interface.

use std::hash::BuildHasher;

use super::framing::{u16_at, u32_at};
use crate::source::{CapturedProcess, CapturedProcessKind, Direction, DropKind};

/// Distinct processes kept over the whole input. A capture names a few hundred at most; more
/// than this is taken as a hostile or broken file, and the rest are counted, not kept.
pub const MAX_PROCESSES: usize = 4096;
/// Process blocks remembered per pcapng section (their indices are what packets refer to).
const MAX_SECTION_BLOCKS: usize = 1 << 16;
/// Names, commands and arguments longer than this (in characters) are cut.
const MAX_TEXT_CHARS: usize = 1024;
/// Bytes of rstscope's host blocks kept over the whole input (a capture holds one, of a few
/// kilobytes to a few megabytes); past this they are left out with a warning.
const MAX_RECORDED_BYTES: usize = 64 << 20;
/// Bad-option warnings listed per file; the rest are left out, with a note saying so.
const MAX_WARNINGS: u32 = 16;

/// pcapng option codes used here (see the module documentation for their sources).
use crate::source::pcapng::option::{
    COMMENT as OPT_COMMENT,
    END as OPT_ENDOFOPT,
    EPB_E_PIB_INDEX,
    EPB_FLAGS,
    // 64 bits identifying one packet wherever it was captured; Microsoft's etl2pcapng writes
    // pktmon's PktGroupId there, the same for each appearance of a packet.
    EPB_PACKETID,
    EPB_PIB_INDEX,
    EPB_PROCESS_THREAD,
    EPB_VERDICT,
    PIB_NAME,
    PIB_PATH,
    PIB_UUID,
};

use crate::source::pcapng::{INDEX_COMMENT, index_names};

/// The ptcpdump comment's first line begins with this.
const PTCPDUMP_PID: &str = "PID: ";

/// What an Enhanced Packet Block's options say about its packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PacketMeta {
    pub(super) direction: Option<Direction>,
    pub(super) process: Option<u32>,
    pub(super) effective: Option<u32>,
    /// `epb_packetid`, when the block carries one.
    pub(super) packet_id: Option<u64>,
    /// `epb_verdict`, when it says the packet was dropped ([`verdict`]).
    pub(super) dropped: Option<DropKind>,
}

/// The interned processes of the whole input.
#[derive(Default)]
pub(super) struct ProcessTable {
    entries: Vec<CapturedProcess>,
    /// Hash of an entry's fields -> the entries with that hash.
    index: foldhash::HashMap<u64, Vec<u32>>,
    /// Distinct processes met after the table was full.
    not_kept: u64,
    /// The bodies of rstscope's host blocks, in the order read (see
    /// [`RSTSCOPE_HOST`](crate::source::pcapng::RSTSCOPE_HOST)).
    recorded: Vec<Vec<u8>>,
    /// Where each was read: (file, section).
    recorded_at: Vec<(usize, u32)>,
    /// Their bytes.
    recorded_bytes: usize,
    /// Interface indexes named by a packet's comment ([`index_comment`]: an interface rstscope
    /// met after its capture of Linux's `any` began), by the packet's interface (its number in
    /// [`FileSource::interfaces`](super::FileSource::interfaces)), for the source to add to
    /// that interface's names. The packet's own names wait in `indexes_named` until its
    /// interface is known.
    ///
    /// [`index_comment`]: crate::source::pcapng::index_comment
    pub(super) indexes_learned: Vec<(u32, Vec<(u32, String)>)>,
    pub(super) indexes_named: Option<Vec<(u32, String)>>,
}

/// A process as read, borrowing its text from the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ProcessView<'a> {
    pub(super) pid: Option<u32>,
    pub(super) name: Option<&'a str>,
    pub(super) cmd: Option<&'a str>,
    pub(super) args: Option<&'a str>,
    pub(super) uuid: Option<[u8; 16]>,
    pub(super) how: CapturedProcessKind,
}

impl ProcessView<'_> {
    fn matches(&self, entry: &CapturedProcess) -> bool {
        self.pid == entry.pid
            && self.name == entry.name.as_deref()
            && self.cmd == entry.cmd.as_deref()
            && self.args == entry.args.as_deref()
            && self.uuid == entry.uuid
            && self.how == entry.how
    }

    fn to_owned(self) -> CapturedProcess {
        CapturedProcess {
            pid: self.pid,
            name: self.name.map(str::to_owned),
            cmd: self.cmd.map(str::to_owned),
            args: self.args.map(str::to_owned),
            uuid: self.uuid,
            how: self.how,
        }
    }
}

impl ProcessTable {
    /// The entry for `view`, added if new; `None` when the table is full.
    /// Allocates only when the process is new.
    pub(super) fn intern(&mut self, view: ProcessView<'_>) -> Option<u32> {
        let hash = self.index.hasher().hash_one(view);
        if let Some(ids) = self.index.get(&hash) {
            for &id in ids {
                if self
                    .entries
                    .get(id as usize)
                    .is_some_and(|e| view.matches(e))
                {
                    return Some(id);
                }
            }
        }
        if self.entries.len() >= MAX_PROCESSES {
            self.not_kept += 1;
            return None;
        }
        let id = self.entries.len() as u32;
        self.entries.push(view.to_owned());
        self.index.entry(hash).or_default().push(id);
        Some(id)
    }

    pub(super) fn entries(&self) -> &[CapturedProcess] {
        &self.entries
    }

    pub(super) fn not_kept(&self) -> u64 {
        self.not_kept
    }

    /// Keeps the body of one of rstscope's host blocks, read at byte `offset` of the `(file,
    /// section)` `at`; what it says is the host module's to read.
    pub(super) fn recorded_host(
        &mut self,
        body: &[u8],
        offset: u64,
        at: (usize, u32),
        warnings: &mut Warnings,
    ) {
        if self.recorded_bytes + body.len() > MAX_RECORDED_BYTES {
            warnings.push(offset, || {
                format!(
                    "rstscope host block of {} bytes left out: the capture's host blocks pass {} MiB",
                    body.len(),
                    MAX_RECORDED_BYTES >> 20
                )
            });
            return;
        }
        self.recorded_bytes += body.len();
        self.recorded.push(body.to_vec());
        self.recorded_at.push(at);
    }

    pub(super) fn recorded(&self) -> &[Vec<u8>] {
        &self.recorded
    }

    pub(super) fn recorded_at(&self) -> &[(usize, u32)] {
        &self.recorded_at
    }
}

/// Non-fatal problems of one file, bounded: (byte offset, what).
#[derive(Debug, Default)]
pub(super) struct Warnings {
    pub(super) list: Vec<(u64, String)>,
    count: u32,
    /// What the file's format leaves in doubt (a Network Monitor start time that is no date,
    /// a frame table that lists other places): (byte offset, what), said once each.
    pub(super) notes: Vec<(u64, String)>,
    /// A zip read in order: its path, the capture read from it, and the members after that
    /// capture once it is read to its end, to be said left out.
    pub(super) zip_rest: Option<ZipRest>,
}

/// See [`Warnings::zip_rest`].
#[derive(Debug)]
pub(super) struct ZipRest {
    /// The archive as given (`-`).
    pub(super) archive: std::path::PathBuf,
    /// The member read.
    pub(super) read: String,
    /// The members after it.
    pub(super) rest: std::sync::Arc<std::sync::OnceLock<super::zip::Rest>>,
}

impl Warnings {
    /// Notes what the format leaves in doubt at byte `offset` (see [`Warnings::notes`]).
    pub(super) fn note(&mut self, offset: u64, what: impl FnOnce() -> String) {
        self.notes.push((offset, what()));
    }

    pub(super) fn push(&mut self, offset: u64, what: impl FnOnce() -> String) {
        self.count = self.count.saturating_add(1);
        if self.count <= MAX_WARNINGS {
            self.list.push((offset, what()));
        } else if self.count == MAX_WARNINGS + 1 {
            self.list.push((
                offset,
                format!(
                    "more than {MAX_WARNINGS} bad options in this file; the rest are not listed"
                ),
            ));
        }
    }
}

/// The process blocks of the current section, by the index packets use.
#[derive(Debug, Default)]
pub(super) struct SectionProcesses {
    /// Global table index of each block, `None` where it was not kept.
    blocks: Vec<Option<u32>>,
}

impl SectionProcesses {
    /// A new section numbers its blocks from 0 again.
    pub(super) fn clear(&mut self) {
        self.blocks.clear();
    }

    /// Reads a Darwin Process Event Block (complete in `block`, its length checked) that
    /// starts at byte `offset`.
    pub(super) fn darwin_block(
        &mut self,
        block: &[u8],
        big_endian: bool,
        offset: u64,
        table: &mut ProcessTable,
        warnings: &mut Warnings,
    ) {
        let len = block.len();
        if self.blocks.len() >= MAX_SECTION_BLOCKS {
            warnings.push(offset, || {
                format!("more than {MAX_SECTION_BLOCKS} process blocks in one section; the rest are ignored")
            });
            return;
        }
        // Type, length, process id, at least the trailing length.
        if len < 16 {
            warnings.push(offset, || {
                format!("Darwin process block of {len} bytes has no room for its process id")
            });
            // Keep the numbering of the blocks after it.
            self.blocks.push(None);
            return;
        }
        let raw_pid = u32_at(block, 8, big_endian);
        // Apple writes a block also for a packet with only a name, its pid 0 or -1.
        let pid = (raw_pid != 0 && raw_pid != u32::MAX).then_some(raw_pid);
        let mut view = ProcessView {
            pid,
            name: None,
            cmd: None,
            args: None,
            uuid: None,
            how: CapturedProcessKind::DarwinProcessBlock,
        };
        let options = OptionList::new(block, 12, len - 4, big_endian);
        for option in options {
            let (at, code, value) = match option {
                Ok(option) => option,
                Err((at, what)) => {
                    warnings.push(offset + at as u64, || {
                        format!("Darwin process block: {what}")
                    });
                    break;
                }
            };
            match code {
                PIB_NAME => view.name = text(value),
                PIB_PATH => view.cmd = text(value),
                PIB_UUID => match value.first_chunk::<16>() {
                    Some(uuid) if value.len() == 16 => view.uuid = Some(*uuid),
                    _ => warnings.push(offset + at as u64, || {
                        format!(
                            "Darwin process block: process UUID option of {} bytes (16 expected)",
                            value.len()
                        )
                    }),
                },
                _ => {}
            }
        }
        let id = table.intern(view);
        self.blocks.push(id);
    }

    /// Reads the options of an Enhanced (or obsolete) Packet Block from `start` to `end` of
    /// `block`, which starts at byte `offset`.
    pub(super) fn packet_options(
        &self,
        block: &[u8],
        (start, end): (usize, usize),
        big_endian: bool,
        offset: u64,
        table: &mut ProcessTable,
        warnings: &mut Warnings,
    ) -> PacketMeta {
        let mut meta = PacketMeta::default();
        let mut comment = None;
        // A verdict of XDP type is pktmon's drop where pktmon's own options come with it.
        let mut pktmon_marks = false;
        for option in OptionList::new(block, start, end, big_endian) {
            let (at, code, value) = match option {
                Ok(option) => option,
                Err((at, what)) => {
                    warnings.push(offset + at as u64, || format!("packet block: {what}"));
                    break;
                }
            };
            let offset = offset + at as u64;
            match code {
                EPB_FLAGS => match word(value, big_endian) {
                    Some(flags) => {
                        meta.direction = match flags & 0b11 {
                            0b01 => Some(Direction::Inbound),
                            0b10 => Some(Direction::Outbound),
                            _ => None,
                        }
                    }
                    None => warnings.push(offset, || bad_length("epb_flags", value)),
                },
                EPB_PIB_INDEX | EPB_E_PIB_INDEX => {
                    let name = if code == EPB_PIB_INDEX {
                        "process index (0x8001)"
                    } else {
                        "effective process index (0x8003)"
                    };
                    let Some(index) = word(value, big_endian) else {
                        warnings.push(offset, || bad_length(name, value));
                        continue;
                    };
                    let id = match self.blocks.get(index as usize) {
                        Some(id) => *id,
                        None => {
                            let blocks = self.blocks.len();
                            warnings.push(offset, || {
                                format!(
                                    "{name} {index} refers to a process block its section does not have ({blocks} so far)"
                                )
                            });
                            None
                        }
                    };
                    if code == EPB_PIB_INDEX {
                        meta.process = id;
                    } else {
                        meta.effective = id;
                    }
                }
                EPB_PACKETID => match value.first_chunk::<8>() {
                    Some(bytes) if value.len() == 8 => {
                        meta.packet_id = Some(if big_endian {
                            u64::from_be_bytes(*bytes)
                        } else {
                            u64::from_le_bytes(*bytes)
                        });
                    }
                    _ => warnings.push(offset, || bad_length("epb_packetid", value)),
                },
                EPB_PROCESS_THREAD => pktmon_marks = true,
                EPB_VERDICT => match verdict(value, big_endian) {
                    Ok(dropped) => meta.dropped = dropped,
                    Err(what) => warnings.push(offset, || what),
                },
                OPT_COMMENT if comment.is_none() && value.starts_with(PTCPDUMP_PID.as_bytes()) => {
                    comment = Some(value);
                }
                OPT_COMMENT if value.starts_with(INDEX_COMMENT.as_bytes()) => {
                    table.indexes_named = std::str::from_utf8(value)
                        .ok()
                        .and_then(|text| index_names(text.trim_end_matches('\0')));
                }
                _ => {}
            }
        }
        if meta.dropped == Some(DropKind::Xdp) && (pktmon_marks || meta.packet_id.is_some()) {
            meta.dropped = Some(DropKind::Pktmon);
        }
        // A process block, when the packet names one, is the more exact source.
        if meta.process.is_none()
            && let Some(view) = comment.and_then(ptcpdump_comment)
        {
            meta.process = table.intern(view);
        }
        meta
    }
}

/// Whether an `epb_verdict` value (its verdict type octet, then the type's own value) says
/// the packet was dropped: `Some` for an XDP program's `XDP_DROP` (1) or `XDP_ABORTED` (0)
/// (etl2pcapng's pktmon drop events are told apart by the caller) and a tc program's
/// `TC_ACT_SHOT` (2); `None` for any other action (passed, redirected, sent back), for a
/// hardware verdict (bytes only its hardware knows) and for a verdict type pcapng does not
/// define yet. An XDP or tc verdict whose value is not the 8 bytes of a 64-bit action is an
/// error, with what was found.
pub(super) fn verdict(value: &[u8], big_endian: bool) -> Result<Option<DropKind>, String> {
    const TC: u8 = 1;
    const XDP: u8 = 2;
    let Some((&kind, action)) = value.split_first() else {
        return Err("epb_verdict of 0 bytes (a verdict type and its value expected)".to_owned());
    };
    let name = match kind {
        TC => "a tc (Linux eBPF TC) verdict",
        XDP => "an XDP (Linux eBPF XDP) verdict",
        // A hardware verdict's (type 0) bytes mean what its hardware says; a type pcapng does not
        // define yet means nothing here.
        _ => return Ok(None),
    };
    let action = match action.first_chunk::<8>() {
        Some(bytes) if action.len() == 8 && big_endian => u64::from_be_bytes(*bytes),
        Some(bytes) if action.len() == 8 => u64::from_le_bytes(*bytes),
        _ => {
            return Err(format!(
                "epb_verdict: {name} of {} bytes after its type (8 expected: a 64-bit action)",
                action.len()
            ));
        }
    };
    Ok(match (kind, action) {
        (XDP, 0 | 1) => Some(DropKind::Xdp),
        (TC, 2) => Some(DropKind::Tc),
        _ => None,
    })
}

/// The process of a ptcpdump comment: `PID: <pid>\nCmd: <path>\nArgs: <args>`; the name is the
/// last component of the command's path. `None` if the first line is not a pid.
pub(super) fn ptcpdump_comment(value: &[u8]) -> Option<ProcessView<'_>> {
    let text = std::str::from_utf8(value).ok()?;
    let text = text.trim_end_matches('\0');
    let mut lines = text.split('\n');
    let pid = lines
        .next()?
        .strip_prefix(PTCPDUMP_PID)?
        .trim()
        .parse::<u32>()
        .ok()?;
    let mut view = ProcessView {
        pid: Some(pid),
        name: None,
        cmd: None,
        args: None,
        uuid: None,
        how: CapturedProcessKind::PacketComment,
    };
    for line in lines {
        if let Some(cmd) = line.strip_prefix("Cmd: ") {
            view.cmd = non_empty(cut(cmd.trim()));
        } else if let Some(args) = line.strip_prefix("Args: ") {
            view.args = non_empty(cut(args.trim()));
        }
    }
    view.name = view
        .cmd
        .and_then(|cmd| cmd.rsplit('/').next())
        .and_then(non_empty);
    Some(view)
}

/// The options of a block between `start` and `end`: `(offset in block, code, value)` each;
/// an option whose length runs past `end` ends the list with an error.
pub(crate) struct OptionList<'a> {
    block: &'a [u8],
    at: usize,
    end: usize,
    big_endian: bool,
    done: bool,
}

impl<'a> OptionList<'a> {
    pub(crate) fn new(block: &'a [u8], start: usize, end: usize, big_endian: bool) -> Self {
        Self {
            block,
            at: start,
            end: end.min(block.len()),
            big_endian,
            done: false,
        }
    }
}

impl<'a> Iterator for OptionList<'a> {
    type Item = Result<(usize, u16, &'a [u8]), (usize, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        // Fewer than 4 bytes left: no option (a list may end without opt_endofopt).
        if self.done || self.at + 4 > self.end {
            return None;
        }
        let at = self.at;
        let code = u16_at(self.block, at, self.big_endian);
        let len = usize::from(u16_at(self.block, at + 2, self.big_endian));
        if code == OPT_ENDOFOPT {
            self.done = true;
            return None;
        }
        let value_end = at + 4 + len;
        let Some(value) = self
            .block
            .get(at + 4..value_end)
            .filter(|_| value_end <= self.end)
        else {
            self.done = true;
            let room = self.end - at - 4;
            return Some(Err((
                at,
                format!(
                    "option {code:#06x} has length {len}, but only {room} bytes are left in the block"
                ),
            )));
        };
        self.at = value_end.next_multiple_of(4);
        Some(Ok((at, code, value)))
    }
}

fn bad_length(name: &str, value: &[u8]) -> String {
    format!("{name} option of {} bytes (4 expected)", value.len())
}

/// A 32-bit option value; `None` unless it is exactly 4 bytes.
fn word(value: &[u8], big_endian: bool) -> Option<u32> {
    (value.len() == 4).then(|| u32_at(value, 0, big_endian))
}

/// Option text: UTF-8 up to the first NUL, cut to [`MAX_TEXT_CHARS`]; `None` if empty or not
/// UTF-8 (the pcapng format requires UTF-8).
fn text(value: &[u8]) -> Option<&str> {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    let text = std::str::from_utf8(value.get(..end)?).ok()?;
    non_empty(cut(text.trim()))
}

fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}
