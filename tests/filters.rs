//! The filters rstscope prints for an endpoint select exactly the packets
//! `rstscope analyze --endpoint` lists, on real captures of every link type and encapsulation
//! it decodes:
//!
//! - BPF: each filter is compiled by libpcap (the library tcpdump uses) for its link type, and
//!   run over the capture's frames of that link type; the frames it selects must be the
//!   endpoint's evidence frames, every copy included (`--all-copies`). Checked for the filter
//!   written from the endpoint's own packets (`--endpoint`) and for the offender's filter of
//!   the main report (written from the whole capture's encapsulations).
//! - Wireshark: where tshark is installed, `tshark -r FILE -Y FILTER` must list the same
//!   frames (otherwise those checks say SKIPPED).
//!
//! Over the project's fixtures (loopback captures and the link-type fixtures derived from them,
//! tests/fixtures/README.md) and the public corpus in ../shared/pcaps (the corpus part says
//! SKIPPED when the folder is absent).

mod common;

use common::always_show;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use pcap::{BpfProgram, Capture, Linktype};
use rstscope::analysis::{Options, analyze_files};
use rstscope::engine::EngineConfig;
use rstscope::report::evidence::{Collect, collect_with};
use rstscope::report::filters::{BpfFilter, bpf_filters, wireshark_decode_as, wireshark_filter};
use rstscope::source::{FileSource, LinkType};

/// Endpoints checked per capture, at most (offenders first, then other servers).
const ENDPOINTS_PER_FILE: usize = 12;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture_files() -> Vec<PathBuf> {
    let dir = fixtures();
    let mut files: Vec<PathBuf> = [
        "refused-v4.pcap",
        "refused-v6.pcap",
        "abort-linger0.pcap",
        "after-close.pcap",
        "unread-data.pcap",
        "handshake-reset.pcap",
        "http-mix.pcapng",
        "process-info.pcapng",
        "pktmon.pcapng",
        "ndiscap-lwf.pcapng",
        "bridge-batches.pcapng",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let mut derived: Vec<PathBuf> = std::fs::read_dir(dir.join("linktypes"))
        .expect("tests/fixtures/linktypes")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    derived.sort();
    files.extend(derived);
    for sample in [
        "resources/sample-7211.pcapng",
        "resources/story-7211.pcapng",
    ] {
        files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(sample));
    }
    files
}

/// libpcap's DLT for a file's LINKTYPE (they differ for raw IP only, among those rstscope
/// decodes).
fn dlt(lt: LinkType) -> i32 {
    match lt.0 {
        12 | 14 | 101 => 12,
        n => n as i32,
    }
}

/// Frames of a capture, with their link types and bytes, read once.
struct Frames {
    path: PathBuf,
    frames: Vec<(u64, LinkType, Vec<u8>)>,
    /// libpcap opens the file itself (one link type): filters are compiled for it as
    /// `tcpdump -r FILE` does (BSD loopback's address family in the file's byte order, ...).
    /// Otherwise (pcapng with several link types, which libpcap refuses) for each link type.
    libpcap_reads_it: bool,
}

impl Frames {
    fn read(path: &Path) -> Self {
        let mut source = FileSource::open(&[path.to_path_buf()]).expect("opens");
        let mut frames = Vec::new();
        while let Some(f) = source.next_frame() {
            frames.push((f.number, f.link_type, f.data.to_vec()));
        }
        Self {
            path: path.to_path_buf(),
            frames,
            libpcap_reads_it: Capture::from_file(path).is_ok(),
        }
    }

    fn compile(&self, f: &BpfFilter) -> Result<BpfProgram, pcap::Error> {
        if self.libpcap_reads_it {
            let file = Capture::from_file(&self.path)?;
            if dlt(f.link_type) == file.get_datalink().0 {
                return file.compile(&f.filter, true);
            }
        }
        Capture::dead(Linktype(dlt(f.link_type)))?.compile(&f.filter, true)
    }

    /// Frame numbers the filters select, each run on frames of its own link type.
    fn selected(&self, filters: &[BpfFilter]) -> Result<BTreeSet<u64>, String> {
        let mut programs: HashMap<u32, BpfProgram> = HashMap::new();
        for f in filters {
            let program = self.compile(f).map_err(|e| {
                format!(
                    "libpcap cannot compile the filter for link type {}: {e}: {}",
                    f.link_type.0, f.filter
                )
            })?;
            programs.insert(f.link_type.0, program);
        }
        Ok(self
            .frames
            .iter()
            .filter(|(_, lt, data)| programs.get(&lt.0).is_some_and(|p| p.filter(data)))
            .map(|(n, _, _)| *n)
            .collect())
    }
}

/// An endpoint: address, port and the overlay network its packets came in.
type Key = rstscope::engine::offenders::ServiceKey;
/// An offender of the main report and its BPF filters.
type OffenderFilters = (Key, Vec<BpfFilter>);
/// The endpoints to check, and the offenders among them with their filters.
type Endpoints = (Vec<Key>, Vec<OffenderFilters>);

/// The endpoints checked in one capture: offenders, then responders of connections.
fn endpoints(path: &Path) -> Result<Endpoints, String> {
    let mut conns = Vec::new();
    let mut keep =
        |c: &rstscope::engine::ConnRecord, _: u8| conns.push((c.resp.0, c.resp.1, c.overlay));
    let a = analyze_files(
        &[path.to_path_buf()],
        Options {
            engine: EngineConfig {
                keep_connections: true,
                ..Default::default()
            },
            on_connection: Some(&mut keep),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let offenders: Vec<OffenderFilters> = a
        .snapshot
        .offenders
        .iter()
        .map(|o| (o.key(), bpf_filters(o.addr, o.port, o.encaps.as_slice())))
        .collect();
    let mut list: Vec<Key> = offenders.iter().map(|(k, _)| *k).collect();
    for c in conns {
        if !list.contains(&c) {
            list.push(c);
        }
    }
    list.truncate(ENDPOINTS_PER_FILE);
    Ok((list, offenders))
}

#[derive(Default)]
struct Outcome {
    files: usize,
    endpoints: usize,
    tshark_checks: usize,
    failures: Vec<String>,
}

fn check_file(path: &Path, tshark: bool, out: &mut Outcome) {
    let name = path.display().to_string();
    let (list, offenders) = match endpoints(path) {
        Ok(x) => x,
        Err(e) => {
            out.failures.push(format!("{name}: not analyzed: {e}"));
            return;
        }
    };
    let frames = Frames::read(path);
    out.files += 1;
    for key in list {
        let (addr, port, _) = key;
        out.endpoints += 1;
        let ev = match collect_with(
            &[path.to_path_buf()],
            key,
            None,
            usize::MAX,
            None,
            Collect {
                all_copies: true,
                ..Collect::default()
            },
        ) {
            Ok(ev) => ev,
            Err(e) => {
                out.failures.push(format!("{name}: evidence: {e}"));
                continue;
            }
        };
        let want: BTreeSet<u64> = ev.packets.iter().map(|p| p.frame).collect();
        let mut sets = vec![("--endpoint", bpf_filters(addr, port, ev.encaps.as_slice()))];
        if let Some((_, f)) = offenders.iter().find(|(k, _)| *k == key) {
            sets.push(("offender", f.clone()));
        }
        for (which, filters) in sets {
            match frames.selected(&filters) {
                Ok(got) if got == want => {}
                Ok(got) => out.failures.push(format!(
                    "{name} {addr} port {port}: the {which} BPF filter selects {} frames, --endpoint lists {}; only the filter: {:?}; only --endpoint: {:?}; filters: {:?}",
                    got.len(),
                    want.len(),
                    got.difference(&want).take(5).collect::<Vec<_>>(),
                    want.difference(&got).take(5).collect::<Vec<_>>(),
                    filters.iter().map(|f| &f.filter).collect::<Vec<_>>()
                )),
                Err(e) => out.failures.push(format!("{name}: {e}")),
            }
        }
        // tshark takes a while to start: its checks are for the offenders only.
        if tshark && offenders.iter().take(3).any(|(k, _)| *k == key) {
            let filter = wireshark_filter(addr, port, ev.encaps.as_slice());
            match tshark_frames(path, &filter, wireshark_decode_as(ev.encaps.as_slice())) {
                Ok(got) if got == want => out.tshark_checks += 1,
                Ok(got) => out.failures.push(format!(
                    "{name}: tshark -Y '{filter}' lists {} frames, --endpoint {}; only tshark: {:?}; only --endpoint: {:?}",
                    got.len(),
                    want.len(),
                    got.difference(&want).take(5).collect::<Vec<_>>(),
                    want.difference(&got).take(5).collect::<Vec<_>>()
                )),
                Err(e) => out.failures.push(format!("{name}: {e}")),
            }
        }
    }
}

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tshark_frames(
    path: &Path,
    filter: &str,
    decode_as: Option<&str>,
) -> Result<BTreeSet<u64>, String> {
    let out = Command::new("tshark")
        .args(decode_as.map(|d| ["-d", d]).into_iter().flatten())
        .args(["-n", "-r"])
        .arg(path)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .map_err(|e| format!("tshark: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tshark -Y '{filter}' failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.trim()
                .parse::<u64>()
                .map_err(|e| format!("tshark output {l:?}: {e}"))
        })
        .collect()
}

fn report(what: &str, out: &Outcome, tshark: bool) {
    always_show(&format!(
        "filters, {what}: {} captures, {} endpoints: BPF filters compiled by libpcap select exactly the --endpoint frames{}; {}",
        out.files,
        out.endpoints,
        if tshark {
            format!(
                ", tshark's display-filter frames too ({} checks)",
                out.tshark_checks
            )
        } else {
            "; Wireshark display filters SKIPPED (tshark not installed)".to_string()
        },
        if out.failures.is_empty() {
            "all equal".to_string()
        } else {
            format!("{} DIFFERENCES", out.failures.len())
        }
    ));
    for f in &out.failures {
        always_show(&format!("  {f}"));
    }
}

#[test]
fn endpoint_filters_select_the_endpoint_packets_in_the_fixtures() {
    let tshark = tshark_available();
    let mut out = Outcome::default();
    for f in fixture_files() {
        check_file(&f, tshark, &mut out);
    }
    report("fixtures", &out, tshark);
    assert!(out.failures.is_empty(), "see the differences above");
    assert!(
        out.files >= 25,
        "the fixtures are all there ({})",
        out.files
    );
}

#[test]
fn endpoint_filters_select_the_endpoint_packets_in_the_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pcaps");
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        always_show(
            "filters corpus test SKIPPED: ../shared/pcaps not found (it holds the public captures; see README)",
        );
        return;
    };
    let tshark = tshark_available();
    let mut out = Outcome::default();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let Some(rel) = line.split('\t').next() else {
            continue;
        };
        check_file(&dir.join(rel), tshark, &mut out);
    }
    report("corpus", &out, tshark);
    assert!(out.failures.is_empty(), "see the differences above");
}

/// Writes `bytes` as `name` in this test program's temporary folder.
fn written(name: &str, bytes: &[u8]) -> PathBuf {
    let path = common::temp_dir("filters", "vxlan-networks").join(name);
    std::fs::write(&path, bytes).expect("writes the capture");
    path
}

/// Regression: the capture-wide tally of how TCP was carried keeps 64 kinds, and each VXLAN
/// network was a kind of its own: in a capture of more networks than that, an offender of a
/// network met late lost its tunnel's clause (its filters selected none of its packets). A
/// synthetic capture (common::vxlan_networks_pcap) of 70 networks, the 70th the top offender:
/// its `--endpoint` filters and the report's, run by libpcap and tshark, select exactly its
/// packets.
#[test]
fn regression_a_late_network_of_many_keeps_its_filter_clauses() {
    let mut networks: Vec<(u32, u32)> = (1..70).map(|vni| (vni, 1)).collect();
    networks.push((70, 3));
    let path = written(
        "70-networks.pcap",
        &common::vxlan_networks_pcap(&networks, 2),
    );
    let (_, offenders) = endpoints(&path).expect("analyzed");
    let late = rstscope::packet::Overlay::parse("vxlan:70").expect("an overlay");
    assert_eq!(
        offenders[0].0.2, late,
        "the top offender is the 70th network's"
    );
    let filter = &offenders[0].1;
    assert!(
        filter.iter().any(|f| f.filter.contains("0x4600")),
        "its BPF filter checks its VNI (70 << 8): {filter:?}"
    );
    let tshark = tshark_available();
    let mut out = Outcome::default();
    check_file(&path, tshark, &mut out);
    report("70 VXLAN networks", &out, tshark);
    assert!(out.failures.is_empty(), "see the differences above");
    assert!(out.endpoints >= 3);
}

/// Regression: past 16,382 overlay networks in one capture, every later network shared the
/// last number, and its flows were named as another network's (or as untunnelled). A synthetic
/// capture of 16,383 networks with one refused attempt each, three more networks with one
/// each, and two refusals of the same address and port carried directly in IP: the networks
/// past the first 16,380 are one endpoint, named so, apart from the untunnelled one, and its
/// filters (written from the networks its packets came in) select exactly its packets.
#[test]
fn regression_networks_past_the_numbered_ones_are_their_own_endpoint() {
    use rstscope::packet::{Overlay, OverlayKind};
    let mut networks: Vec<(u32, u32)> = (1..=16_383).map(|vni| (vni, 1)).collect();
    networks.extend([(20_001, 1), (20_002, 1), (20_003, 1)]);
    let path = written(
        "16386-networks.pcap",
        &common::vxlan_networks_pcap(&networks, 2),
    );
    let a = analyze_files(std::slice::from_ref(&path), Options::default()).expect("analyzed");
    let past = Overlay::past(OverlayKind::Vxlan);
    let of = |overlay| {
        (a.snapshot.offenders.iter())
            .find(|o| o.overlay == overlay && o.port == 7211)
            .unwrap_or_else(|| panic!("an offender in {overlay:?}"))
    };
    // 16,381 to 16,383 and the three after.
    assert_eq!(of(past).failed_refused, 6);
    assert_eq!(of(Overlay::NONE).failed_refused, 2);
    assert_eq!(
        a.capture.past_networks.get(&OverlayKind::Vxlan),
        Some(&12),
        "their TCP packets counted"
    );
    assert!(
        (a.snapshot.offenders.iter()).all(|o| o.overlay != Overlay::of(OverlayKind::Vxlan, 16_381)),
        "no endpoint named by a network past the numbered ones"
    );
    let ev = collect_with(
        std::slice::from_ref(&path),
        (of(past).addr, 7211, past),
        None,
        usize::MAX,
        None,
        Collect::default(),
    )
    .expect("evidence");
    assert_eq!(ev.packets.len(), 12);
    let tshark = tshark_available();
    let mut out = Outcome::default();
    check_file(&path, tshark, &mut out);
    report("16,386 VXLAN networks", &out, tshark);
    assert!(out.failures.is_empty(), "see the differences above");
}

/// A scan's filters (the app's details give them for a scan's row: every TCP packet between its
/// client and its server, or between its client and its port on any address) select exactly
/// the packets its evidence collects, with libpcap and with tshark where installed; in overlay
/// networks too (vxlan-scans.pcap: the same client scanned the same server in VNI 42 and 43).
/// Those are every probe's: a connection of each target at least.
#[test]
fn scan_filters_select_the_scans_packets() {
    use rstscope::report::filters::{Sides, bpf_filters_of, wireshark_filter_of};
    let mut files: Vec<PathBuf> = [
        "syn-scan.pcap",
        "scan-and-retrier.pcap",
        "vxlan-scans.pcap",
        "sweep.pcap",
    ]
    .iter()
    .map(|f| fixtures().join(f))
    .collect();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/pcaps/chrissanders-packets/synscan.pcapng");
    if corpus.exists() {
        files.push(corpus);
    }
    let tshark = tshark_available();
    let mut scans = 0;
    for path in files {
        let name = path.display().to_string();
        let a = analyze_files(std::slice::from_ref(&path), Options::default()).expect("analyzed");
        assert!(!a.snapshot.scans.is_empty(), "{name}: a scan");
        let frames = Frames::read(&path);
        for scan in &a.snapshot.scans {
            scans += 1;
            let sides = Sides::of_scan(scan);
            let ev = collect_with(
                std::slice::from_ref(&path),
                scan.lowest,
                None,
                usize::MAX,
                None,
                Collect {
                    all_copies: true,
                    scan: Some(sides),
                    ..Collect::default()
                },
            )
            .expect("evidence");
            // Its servers' ports (a port scan) or its servers (a sweep).
            let targets: BTreeSet<_> = ev.connections.iter().map(|c| c.resp).collect();
            assert!(
                targets.len() as u64 >= scan.targets,
                "{name}: {} endpoints answering of {} targets",
                targets.len(),
                scan.targets
            );
            let want: BTreeSet<u64> = ev.packets.iter().map(|p| p.frame).collect();
            let filters = bpf_filters_of(sides, ev.encaps.as_slice());
            assert_eq!(
                frames.selected(&filters).expect("compiles"),
                want,
                "{name}: {:?}",
                filters.iter().map(|f| &f.filter).collect::<Vec<_>>()
            );
            if tshark {
                let filter = wireshark_filter_of(sides, ev.encaps.as_slice());
                let got = tshark_frames(&path, &filter, wireshark_decode_as(ev.encaps.as_slice()))
                    .expect("tshark");
                assert_eq!(got, want, "{name}: tshark -Y '{filter}'");
            }
        }
    }
    always_show(&format!(
        "filters of {scans} scans select their evidence's frames (BPF{})",
        if tshark {
            " and tshark"
        } else {
            "; tshark SKIPPED"
        }
    ));
}
