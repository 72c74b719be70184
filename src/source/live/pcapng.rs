//! A minimal pcapng writer for live captures: a section header, one interface description
//! block per captured interface (link type, snaplen, name, description), an enhanced packet
//! block per frame (microsecond timestamps, the pcapng default), and at the end one interface
//! statistics block per interface with the kernel's counts and rstscope's drops, so a saved
//! capture says what it is missing. Wireshark, tshark and rstscope's own reader open it.

use std::io::{self, Write};

use super::CapturedInterface;
use crate::packet::Timestamp;
use crate::source::Frame;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const ISB: u32 = 0x0000_0005;
const EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;
const ISB_STARTTIME: u16 = 2;
const ISB_ENDTIME: u16 = 3;
const ISB_IFRECV: u16 = 4;
const ISB_IFDROP: u16 = 5;
const ISB_OSDROP: u16 = 7;
const ISB_USRDELIV: u16 = 8;

/// What one interface's statistics block says.
#[derive(Debug, Clone, Default)]
pub struct InterfaceStats {
    /// First and last frame time written (or the capture's start and end).
    pub start: Timestamp,
    /// End of the capture.
    pub end: Timestamp,
    /// Frames that passed the filter, as the kernel counts them.
    pub received: u64,
    /// Frames dropped by the interface or driver.
    pub interface_dropped: u64,
    /// Frames dropped by the kernel's buffer or by rstscope.
    pub os_dropped: u64,
    /// Frames written.
    pub delivered: u64,
    /// A note for the reader (e.g. how many of the drops were rstscope's).
    pub comment: Option<String>,
}

/// Writes a pcapng stream; see the module documentation.
pub struct PcapngWriter<W: Write> {
    out: W,
    block: Vec<u8>,
    frames: u64,
}

impl<W: Write> PcapngWriter<W> {
    /// Starts the stream: the section header and one interface block per interface, in id
    /// order, so that [`Frame::interface`] is the pcapng interface id.
    pub fn new(out: W, interfaces: &[CapturedInterface]) -> io::Result<Self> {
        let mut w = Self {
            out,
            block: Vec::with_capacity(512),
            frames: 0,
        };
        w.begin(SHB);
        w.u32(BYTE_ORDER_MAGIC);
        w.u16(1);
        w.u16(0);
        w.block.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        w.option(
            SHB_USERAPPL,
            format!("rstscope {}", env!("CARGO_PKG_VERSION")).as_bytes(),
        );
        w.u16(OPT_END);
        w.u16(0);
        w.end()?;
        for i in interfaces {
            w.begin(IDB);
            w.u16(u16::try_from(i.link_type.0).unwrap_or(u16::MAX));
            w.u16(0);
            w.u32(i.snaplen);
            w.option(IF_NAME, i.name.as_bytes());
            if let Some(d) = &i.description {
                w.option(IF_DESCRIPTION, d.as_bytes());
            }
            w.u16(OPT_END);
            w.u16(0);
            w.end()?;
        }
        Ok(w)
    }

    /// Appends one frame.
    pub fn write_frame(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        let micros = frame.ts.0.div_euclid(1000) as u64;
        self.begin(EPB);
        self.u32(frame.interface);
        self.u32((micros >> 32) as u32);
        self.u32(micros as u32);
        self.u32(frame.data.len() as u32);
        self.u32(frame.orig_len);
        self.padded(frame.data);
        self.end()?;
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes one statistics block per interface (in id order) and flushes. Returns the
    /// output.
    pub fn finish(mut self, stats: &[InterfaceStats]) -> io::Result<W> {
        for (id, s) in stats.iter().enumerate() {
            self.begin(ISB);
            self.u32(id as u32);
            self.timestamp(s.end);
            self.option(ISB_STARTTIME, &micros_option(s.start));
            self.option(ISB_ENDTIME, &micros_option(s.end));
            self.option(ISB_IFRECV, &s.received.to_le_bytes());
            self.option(ISB_IFDROP, &s.interface_dropped.to_le_bytes());
            self.option(ISB_OSDROP, &s.os_dropped.to_le_bytes());
            self.option(ISB_USRDELIV, &s.delivered.to_le_bytes());
            if let Some(c) = &s.comment {
                self.option(OPT_COMMENT, c.as_bytes());
            }
            self.u16(OPT_END);
            self.u16(0);
            self.end()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn begin(&mut self, kind: u32) {
        self.block.clear();
        self.u32(kind);
        self.u32(0); // length, set by end()
    }

    fn end(&mut self) -> io::Result<()> {
        let len = (self.block.len() + 4) as u32;
        self.block[4..8].copy_from_slice(&len.to_le_bytes());
        self.u32(len);
        self.out.write_all(&self.block)
    }

    fn timestamp(&mut self, ts: Timestamp) {
        let micros = ts.0.div_euclid(1000) as u64;
        self.u32((micros >> 32) as u32);
        self.u32(micros as u32);
    }

    fn option(&mut self, code: u16, value: &[u8]) {
        self.u16(code);
        self.u16(u16::try_from(value.len()).unwrap_or(u16::MAX));
        self.padded(&value[..value.len().min(usize::from(u16::MAX))]);
    }

    fn padded(&mut self, bytes: &[u8]) {
        self.block.extend_from_slice(bytes);
        let pad = (4 - bytes.len() % 4) % 4;
        self.block.extend_from_slice(&[0u8; 3][..pad]);
    }

    fn u16(&mut self, v: u16) {
        self.block.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.block.extend_from_slice(&v.to_le_bytes());
    }
}

/// A pcapng timestamp option value: high and low 32 bits of microseconds.
fn micros_option(ts: Timestamp) -> [u8; 8] {
    let micros = ts.0.div_euclid(1000) as u64;
    let mut v = [0u8; 8];
    v[..4].copy_from_slice(&((micros >> 32) as u32).to_le_bytes());
    v[4..].copy_from_slice(&(micros as u32).to_le_bytes());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileSource, LinkType};

    #[test]
    fn written_frames_read_back_with_their_interfaces_and_names() {
        let interfaces = [
            CapturedInterface {
                id: 0,
                name: "any".into(),
                description: Some("Pseudo-device that captures on all interfaces".into()),
                link_type: LinkType(276),
                snaplen: 128,
            },
            CapturedInterface {
                id: 1,
                name: "lo".into(),
                description: None,
                link_type: LinkType(1),
                snaplen: 128,
            },
        ];
        let mut w = PcapngWriter::new(Vec::new(), &interfaces).expect("header");
        let frames: [(u32, &[u8], i64); 3] = [
            (0, &[1, 2, 3, 4, 5], 1_700_000_000_123_456_000),
            (1, &[9; 14], 1_700_000_001_000_001_000),
            (0, &[7; 8], 1_700_000_002_000_000_000),
        ];
        for (interface, data, ns) in frames {
            w.write_frame(&Frame {
                ts: Timestamp(ns),
                number: 0,
                link_type: interfaces[interface as usize].link_type,
                interface,
                data,
                orig_len: 60,
                direction: None,
                process: None,
                effective_process: None,
                packet_id: None,
            })
            .expect("frame");
        }
        assert_eq!(w.frames(), 3);
        let stats = vec![
            InterfaceStats {
                comment: Some("rstscope dropped 0 frames".into()),
                ..InterfaceStats::default()
            };
            2
        ];
        let bytes = w.finish(&stats).expect("finish");
        let mut src =
            FileSource::from_reader("mem.pcapng".into(), Box::new(std::io::Cursor::new(bytes)))
                .expect("opens");
        let mut seen = Vec::new();
        while let Some(f) = src.next_frame() {
            seen.push((
                f.interface,
                f.data.to_vec(),
                f.ts.0,
                f.orig_len,
                f.link_type,
            ));
        }
        assert_eq!(seen.len(), 3);
        for ((interface, data, ns), got) in frames.iter().zip(&seen) {
            assert_eq!(got.0, *interface);
            assert_eq!(got.1, data.to_vec());
            assert_eq!(got.2, *ns);
            assert_eq!(got.3, 60);
            assert_eq!(got.4, interfaces[*interface as usize].link_type);
        }
        let names: Vec<_> = src.interfaces().iter().map(|i| i.name.clone()).collect();
        assert_eq!(names, [Some("any".to_string()), Some("lo".to_string())]);
        assert!(src.problems().is_empty(), "{:?}", src.problems());
    }
}
