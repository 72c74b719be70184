//! The agent's HTTP server: GET and HEAD only, one request per connection, a bounded number of
//! connections at once.
//!
//! A monitoring system asks a handful of times a minute, so the server is small and blocking
//! where it answers, and never waits on a client before it has a whole request: the
//! `http-accept` thread accepts connections and reads their request heads without blocking,
//! each within [`Limits::head_timeout`] of its accept (then `408`), holding at most
//! [`Limits::pending`] connections whose request is still coming (past that, the one waiting
//! longest is closed to make room). Whole requests go to [`WORKERS`](crate::agent::http::WORKERS)
//! threads (`http-0`...) over a bounded queue; when all are busy and the queue is full a request
//! gets `503` at once. So a few idle or slow clients cannot hold a worker while a scrape waits
//! (four idle connections once stalled every scrape for 10 s). Each turned-away request is
//! counted ([`Rejected`]). A request head is at most [`MAX_HEAD`](crate::agent::http::MAX_HEAD)
//! bytes (parsed by `httparse`), the answer must be read within `WRITE_TIMEOUT` (60 s), and the
//! connection closes after the response. When a token is set, every request must carry
//! `Authorization: Bearer TOKEN` (compared in constant time) or gets `401`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Threads answering requests.
pub const WORKERS: usize = 4;
/// Whole requests waiting for a worker.
const QUEUE: usize = 16;
/// Largest request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// Most headers in a request.
const MAX_HEADERS: usize = 64;
/// How long a client may take to read the whole response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the accept thread looks for connections (and at the stop flag) when it holds
/// none whose request is still coming.
const POLL: Duration = Duration::from_millis(50);
/// How often it looks again at the connections whose request is still coming.
const PENDING_POLL: Duration = Duration::from_millis(5);
/// An answer this large (a `/report` of hundreds of endpoints) gives the memory it used back
/// to the system once sent ([`super::heap::trim`]).
const LARGE_ANSWER: u64 = 1 << 20;
/// What a streamed body is written in, at most, to the socket.
const STREAM_BUFFER: usize = 64 << 10;

/// How long and how many clients the server waits for.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From accept to a whole request head; then the connection gets `408` and is closed.
    pub head_timeout: Duration,
    /// Connections whose request head is still coming, at most; past that the one waiting
    /// longest is closed unanswered.
    pub pending: usize,
}

impl Default for Limits {
    /// A scraper sends its request at once: 5 s is plenty, and 64 connections on their way in
    /// are more than a host's monitoring opens.
    fn default() -> Self {
        Self {
            head_timeout: Duration::from_secs(5),
            pending: 64,
        }
    }
}

/// Requests the server turned away, by why: shown in `/metrics`
/// (`rstscope_http_rejected_requests_total{reason}`).
#[derive(Debug, Default)]
pub struct Rejected {
    busy: AtomicU64,
    timeout: AtomicU64,
    dropped: AtomicU64,
}

impl Rejected {
    /// Why a request is turned away, in the order of [`Rejected::counts`]: `busy` (`503`:
    /// every worker busy and the queue full), `timeout` (`408`: no whole request within
    /// [`Limits::head_timeout`] of connecting), `dropped` (closed unanswered to make room for
    /// newer connections).
    pub const REASONS: [&'static str; 3] = ["busy", "timeout", "dropped"];

    /// The counts, by [`Rejected::REASONS`].
    pub fn counts(&self) -> [u64; 3] {
        [&self.busy, &self.timeout, &self.dropped].map(|c| c.load(Ordering::Relaxed))
    }
}

/// A request: method, path, query and headers.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `GET` or `HEAD`.
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// Query parameters, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first query parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Other headers.
    pub headers: Vec<(String, String)>,
    /// The body (empty when [`Response::streamed`]).
    pub body: Vec<u8>,
    streamed: Option<Streamed>,
}

/// Writes a body.
pub type BodyWriter = dyn Fn(&mut dyn Write) -> io::Result<()> + Send + Sync;

/// A body written to the socket as it is made, of a length known beforehand.
#[derive(Clone)]
struct Streamed {
    len: u64,
    write: Arc<BodyWriter>,
}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Streamed({} bytes)", self.len)
    }
}

/// Counts what is written, keeping nothing.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Response {
    /// A response with a body of `content_type`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: body.into(),
            streamed: None,
        }
    }

    /// A response whose body `write` writes to the socket as it makes it, so that a large answer
    /// (a six-hour `/report`: 15 MB) is never held whole. `write` runs twice: once here, into a
    /// counter, for the `Content-Length` (the answer is as it was when buffered, byte for byte;
    /// a client sees a cut one as cut), then as the body is sent. It must write the same bytes
    /// both times. Its error here is returned (the caller answers it); when sending, it ends
    /// the connection.
    pub fn streamed(
        status: u16,
        content_type: &str,
        write: impl Fn(&mut dyn Write) -> io::Result<()> + Send + Sync + 'static,
    ) -> io::Result<Self> {
        let mut counter = Counter(0);
        write(&mut counter)?;
        Ok(Self {
            streamed: Some(Streamed {
                len: counter.0,
                write: Arc::new(write),
            }),
            ..Self::new(status, content_type, Vec::new())
        })
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        self.streamed
            .as_ref()
            .map_or(self.body.len() as u64, |s| s.len)
    }

    /// True when the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole body (a streamed one written out): for tests and small answers.
    pub fn body_bytes(&self) -> io::Result<Vec<u8>> {
        match &self.streamed {
            Some(s) => {
                let mut body = Vec::with_capacity(usize::try_from(s.len).unwrap_or(0));
                (s.write)(&mut body)?;
                Ok(body)
            }
            None => Ok(self.body.clone()),
        }
    }

    /// A plain-text response (a message for a person; a newline is added).
    pub fn text(status: u16, text: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", format!("{text}\n"))
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// What answers requests.
pub type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// The running server. Dropping it stops it and waits for its threads.
pub struct Server {
    local: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    busy: Arc<AtomicU64>,
}

/// A whole request (or why it is not one) for a worker.
struct Job {
    stream: TcpStream,
    request: Result<Request, RequestError>,
}

impl Server {
    /// Serves `listener` with `handler`; `token`, when given, is required of every request.
    pub fn start(
        listener: TcpListener,
        token: Option<String>,
        handler: Arc<Handler>,
    ) -> io::Result<Self> {
        Self::start_with(listener, token, handler, Limits::default(), Arc::default())
    }

    /// [`Server::start`] within `limits`, counting what it turns away in `rejected`.
    pub fn start_with(
        listener: TcpListener,
        token: Option<String>,
        handler: Arc<Handler>,
        limits: Limits,
        rejected: Arc<Rejected>,
    ) -> io::Result<Self> {
        let local = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let busy = Arc::new(AtomicU64::new(0));
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let token = token.map(Arc::<str>::from);
        let mut threads = Vec::new();
        for i in 0..WORKERS {
            let rx = Arc::clone(&rx);
            let handler = Arc::clone(&handler);
            let token = token.clone();
            let busy = Arc::clone(&busy);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("http-{i}"))
                    .spawn(move || worker(&rx, token.as_deref(), &*handler, &busy))?,
            );
        }
        let flag = Arc::clone(&stop);
        threads.push(
            std::thread::Builder::new()
                .name("http-accept".into())
                .spawn(move || {
                    Doorway {
                        listener,
                        tx,
                        limits,
                        rejected,
                        pending: Vec::new(),
                    }
                    .run(&flag);
                })?,
        );
        Ok(Self {
            local,
            stop,
            threads,
            busy,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Requests being answered now.
    pub fn busy(&self) -> u64 {
        self.busy.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The accept thread ends, dropping the queue's sender; the workers then end.
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A connection whose request head is still coming.
struct Pending {
    stream: TcpStream,
    accepted: Instant,
    head: Vec<u8>,
}

/// The accept thread: takes connections, reads their request heads without blocking, and
/// hands whole requests to the workers.
struct Doorway {
    listener: TcpListener,
    tx: SyncSender<Job>,
    limits: Limits,
    rejected: Arc<Rejected>,
    /// Oldest first.
    pending: Vec<Pending>,
}

impl Doorway {
    fn run(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let accepted = self.accept();
            let Some(read) = self.read_heads() else {
                return;
            };
            if accepted || read {
                continue;
            }
            std::thread::sleep(if self.pending.is_empty() {
                POLL
            } else {
                PENDING_POLL
            });
        }
    }

    /// Takes every connection waiting; true when there was one.
    fn accept(&mut self) -> bool {
        let mut any = false;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    any = true;
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    if self.pending.len() >= self.limits.pending.max(1) {
                        // The one waiting longest is the likeliest to be idle; a scraper
                        // sends its request with its connect.
                        self.pending.remove(0);
                        self.rejected.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    self.pending.push(Pending {
                        stream,
                        accepted: Instant::now(),
                        head: Vec::new(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return any,
                // Out of file descriptors, a connection reset before accept: go on serving
                // what is there rather than stop.
                Err(_) => return any,
            }
        }
    }

    /// Reads what each pending connection sent; hands whole requests on, closes those out of
    /// time. True when some bytes came; `None` when the workers are gone.
    fn read_heads(&mut self) -> Option<bool> {
        let mut any = false;
        let now = Instant::now();
        let mut i = 0;
        while i < self.pending.len() {
            let p = &mut self.pending[i];
            let mut chunk = [0u8; 2048];
            let request = match p.stream.read(&mut chunk) {
                Ok(0) => {
                    // Closed before a whole request: nothing to answer.
                    self.pending.remove(i);
                    continue;
                }
                Ok(n) => {
                    any = true;
                    p.head.extend_from_slice(&chunk[..n]);
                    parse_head(&p.head)
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
                Err(_) => {
                    self.pending.remove(i);
                    continue;
                }
            };
            match request {
                Some(request) => {
                    let p = self.pending.remove(i);
                    if !self.dispatch(p.stream, request) {
                        return None;
                    }
                }
                None if now.duration_since(p.accepted) >= self.limits.head_timeout => {
                    let mut p = self.pending.remove(i);
                    self.rejected.timeout.fetch_add(1, Ordering::Relaxed);
                    // Non-blocking: a few hundred bytes go into an empty socket buffer, or
                    // are not sent at all.
                    let _ = write_response(
                        &mut p.stream,
                        &Response::text(408, "rstscope: the request did not come in time"),
                        false,
                        now + Duration::from_secs(1),
                    );
                }
                None => i += 1,
            }
        }
        Some(any)
    }

    /// Gives a whole request to a worker, or answers `503` when none can take it. False when
    /// the workers are gone.
    fn dispatch(&self, mut stream: TcpStream, request: Result<Request, RequestError>) -> bool {
        match self.tx.try_send(Job { stream, request }) {
            Ok(()) => true,
            Err(TrySendError::Full(job)) => {
                stream = job.stream;
                self.rejected.busy.fetch_add(1, Ordering::Relaxed);
                let _ = write_response(
                    &mut stream,
                    &Response::text(503, "rstscope: busy, try again")
                        .with_header("Retry-After", "1"),
                    false,
                    Instant::now() + Duration::from_secs(1),
                );
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

fn worker(rx: &Mutex<Receiver<Job>>, token: Option<&str>, handler: &Handler, busy: &AtomicU64) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
            rx.recv()
        };
        let Ok(Job {
            mut stream,
            request,
        }) = job
        else {
            return;
        };
        // Accepted sockets are non-blocking; a worker writes with timeouts.
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        busy.fetch_add(1, Ordering::Relaxed);
        serve(&mut stream, request, token, handler);
        busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers one request on `stream`.
fn serve(
    stream: &mut TcpStream,
    request: Result<Request, RequestError>,
    token: Option<&str>,
    handler: &Handler,
) {
    let (response, head_only) = match request {
        Ok(req) => {
            let head_only = req.method == "HEAD";
            let response = if req.method != "GET" && req.method != "HEAD" {
                Response::text(405, "rstscope: only GET and HEAD").with_header("Allow", "GET, HEAD")
            } else if let Some(token) = token
                && !authorized(&req, token)
            {
                Response::text(
                    401,
                    "rstscope: this agent needs the token: Authorization: Bearer TOKEN",
                )
                .with_header("WWW-Authenticate", "Bearer realm=\"rstscope\"")
            } else {
                handler(&req)
            };
            (response, head_only)
        }
        Err(RequestError::TooLarge) => (
            Response::text(431, "rstscope: request head too large"),
            false,
        ),
        Err(RequestError::Bad(why)) => (Response::text(400, &format!("rstscope: {why}")), false),
    };
    let _ = write_response(stream, &response, head_only, Instant::now() + WRITE_TIMEOUT);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let large = response.len() >= LARGE_ANSWER;
    drop(response);
    // glibc keeps what a thread frees in that thread's arena for its next use: each of the
    // server's threads that once built a large answer kept its peak resident (the soak
    // benchmark: +50 MB at each `/report`) until the free pages are returned.
    if large {
        super::heap::trim();
    }
    // Let the client read the response before the socket closes (a close with unread
    // request bytes would reset the connection), for at most 200 ms however it trickles.
    let mut sink = [0u8; 512];
    let until = Instant::now() + Duration::from_millis(200);
    while let Some(left) = until.checked_duration_since(Instant::now())
        && !left.is_zero()
        && stream.set_read_timeout(Some(left)).is_ok()
        && matches!(stream.read(&mut sink), Ok(n) if n > 0)
    {}
}

enum RequestError {
    TooLarge,
    Bad(String),
}

/// The request in `buf`, or why it is none; `None` while it is not whole.
fn parse_head(buf: &[u8]) -> Option<Result<Request, RequestError>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(_)) => {
            let target = req.path.unwrap_or("/");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            Some(Ok(Request {
                method: req.method.unwrap_or_default().to_owned(),
                path: percent_decode(path),
                query: parse_query(query),
                headers: req
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
            }))
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => Some(Err(RequestError::TooLarge)),
        Ok(httparse::Status::Partial) => None,
        Err(httparse::Error::TooManyHeaders) => Some(Err(RequestError::TooLarge)),
        Err(e) => Some(Err(RequestError::Bad(format!("bad request: {e}")))),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Writes the response, given up at `deadline` (a client that reads a byte a minute does not
/// hold a worker for hours).
fn write_response(
    stream: &mut TcpStream,
    r: &Response,
    head_only: bool,
    deadline: Instant,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.len()
    );
    for (name, value) in &r.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut out = Deadline { stream, deadline };
    out.write_all(head.as_bytes())?;
    match &r.streamed {
        _ if head_only => {}
        None => {
            for chunk in r.body.chunks(STREAM_BUFFER) {
                out.write_all(chunk)?;
            }
        }
        Some(s) => {
            let mut sized = Sized {
                inner: io::BufWriter::with_capacity(STREAM_BUFFER, &mut out),
                left: s.len,
            };
            (s.write)(&mut sized)?;
            if sized.left > 0 {
                return Err(io::Error::other("the body came shorter than its length"));
            }
            sized.inner.flush()?;
        }
    }
    out.flush()
}

/// The socket, each write of which must end by the deadline.
struct Deadline<'a> {
    stream: &'a mut TcpStream,
    deadline: Instant,
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(io::ErrorKind::TimedOut)?;
        // On a non-blocking socket (the accept thread's short answers) this fails at once.
        let _ = self.stream.set_write_timeout(Some(left));
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// A streamed body's writer, which refuses bytes past the length announced.
struct Sized<W> {
    inner: W,
    left: u64,
}

impl<W: Write> Write for Sized<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(io::Error::other("the body came longer than its length"));
        }
        let n = self.inner.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// True when the request carries `Authorization: Bearer TOKEN` with the agent's token.
fn authorized(req: &Request, token: &str) -> bool {
    let Some(value) = req.header("authorization") else {
        return false;
    };
    let mut parts = value.trim().splitn(2, char::is_whitespace);
    let scheme = parts.next().unwrap_or_default();
    let given = parts.next().unwrap_or_default().trim();
    scheme.eq_ignore_ascii_case("bearer") & constant_time_eq(given.as_bytes(), token.as_bytes())
}

/// Compares two byte strings in time that depends on their lengths only, not on where they
/// differ, so that a client cannot find the token byte by byte from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len().max(b.len());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..len {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// `%XX` escapes and `+` (a space in a query) decoded; invalid escapes are left as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on 127.0.0.1 that answers `ok` to everything.
    fn ok_server(limits: Limits, rejected: Arc<Rejected>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let handler: Arc<Handler> = Arc::new(|_: &Request| Response::text(200, "ok"));
        Server::start_with(listener, None, handler, limits, rejected).expect("start")
    }

    /// The raw answer (head and body) of a server answering every request with `respond`.
    fn raw_answer(respond: Arc<Handler>, request: &str) -> Vec<u8> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = Server::start(listener, None, respond).expect("start");
        let mut s = TcpStream::connect(server.local_addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        s.write_all(request.as_bytes()).expect("send");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        answer
    }

    /// A streamed answer (`/report`'s) is the buffered one byte for byte, head (its
    /// `Content-Length`) and body, over many of the socket's writes; HEAD gets the same head.
    #[test]
    fn a_streamed_answer_is_the_buffered_one_byte_for_byte() {
        let body: Arc<Vec<u8>> = Arc::new((0..300_001u32).map(|i| (i % 251) as u8).collect());
        let buffered = {
            let body = Arc::clone(&body);
            Arc::new(move |_: &Request| Response::new(200, "application/json", body.to_vec()))
                as Arc<Handler>
        };
        let streamed = {
            let body = Arc::clone(&body);
            Arc::new(move |_: &Request| {
                let sent = Arc::clone(&body);
                let r = Response::streamed(200, "application/json", move |out| {
                    sent.chunks(1000).try_for_each(|c| out.write_all(c))
                })
                .expect("counted");
                assert_eq!(r.body_bytes().expect("written"), *body);
                r
            }) as Arc<Handler>
        };
        for request in [
            "GET /report HTTP/1.1\r\n\r\n",
            "HEAD /report HTTP/1.1\r\n\r\n",
        ] {
            let want = raw_answer(Arc::clone(&buffered), request);
            let got = raw_answer(Arc::clone(&streamed), request);
            assert!(
                String::from_utf8_lossy(&want).contains("Content-Length: 300001\r\n"),
                "{request}"
            );
            assert_eq!(got.len(), want.len(), "{request}");
            assert!(got == want, "{request}: the answers differ");
        }
    }

    /// A streamed body that comes longer when sent than when counted is cut at its length:
    /// no byte past the `Content-Length` reaches the client, which sees the answer cut.
    #[test]
    fn a_streamed_body_longer_than_counted_is_cut_at_its_length() {
        let calls = Arc::new(AtomicU64::new(0));
        let growing = Arc::new(move |_: &Request| {
            let calls = Arc::clone(&calls);
            Response::streamed(200, "text/plain", move |out| {
                let n = 1000 * (1 + calls.fetch_add(1, Ordering::SeqCst) as usize);
                out.write_all(&vec![b'x'; n])
            })
            .expect("counted")
        }) as Arc<Handler>;
        let answer = raw_answer(growing, "GET / HTTP/1.1\r\n\r\n");
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.contains("Content-Length: 1000\r\n"), "{head}");
        assert!(body.len() < 1000, "{} bytes", body.len());
    }

    /// A client that connects and sends the start of a request, and no more.
    fn idle_client(addr: SocketAddr) -> TcpStream {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.write_all(b"GET / HTTP/1.1\r\n").expect("send");
        s
    }

    /// One GET: its status and how long it took, `None` if no answer came within 20 s.
    fn get(addr: SocketAddr) -> (Option<u16>, Duration) {
        let started = Instant::now();
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").expect("send");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        let status = String::from_utf8_lossy(&answer)
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok());
        (status, started.elapsed())
    }

    #[test]
    fn idle_connections_do_not_stall_a_scrape() {
        // Regression: four idle connections held the four workers for their 10 s read timeout,
        // and a scrape waited 9.5 s; with 25, a scrape got 503 and the next took 30 s.
        for idle in [4, 25, 100] {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let handler: Arc<Handler> = Arc::new(|_: &Request| Response::text(200, "ok"));
            let server = Server::start(listener, None, handler).expect("start");
            let addr = server.local_addr();
            let clients: Vec<TcpStream> = (0..idle).map(|_| idle_client(addr)).collect();
            std::thread::sleep(Duration::from_millis(300));
            for _ in 0..3 {
                let (status, took) = get(addr);
                assert_eq!(status, Some(200), "with {idle} idle connections");
                assert!(
                    took < Duration::from_secs(2),
                    "with {idle} idle connections a scrape took {took:?}"
                );
            }
            drop(clients);
        }
    }

    #[test]
    fn connections_without_a_request_in_time_get_408_and_are_counted() {
        let rejected = Arc::new(Rejected::default());
        let limits = Limits {
            head_timeout: Duration::from_millis(300),
            pending: 4,
        };
        let server = ok_server(limits, Arc::clone(&rejected));
        let addr = server.local_addr();
        let mut slow = idle_client(addr);
        // Five more idle ones: the two oldest are closed to make room, and one more for the
        // request below; the three left get 408.
        let others: Vec<TcpStream> = (0..5).map(|_| idle_client(addr)).collect();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(get(addr).0, Some(200));
        let deadline = Instant::now() + Duration::from_secs(5);
        while rejected.counts()[1] < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(Rejected::REASONS, ["busy", "timeout", "dropped"]);
        assert_eq!(rejected.counts(), [0, 3, 3]);
        // The first was dropped unanswered.
        slow.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        let mut answer = Vec::new();
        let _ = slow.read_to_end(&mut answer);
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        let mut last = others.into_iter().last().expect("a client");
        last.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        let mut answer = Vec::new();
        let _ = last.read_to_end(&mut answer);
        assert!(
            String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408 Request Timeout"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }

    #[test]
    fn escapes_decode_and_bad_ones_stay() {
        assert_eq!(percent_decode("%5B%3A%3A1%5D%3A7211"), "[::1]:7211");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn the_bearer_scheme_is_case_blind_and_the_token_is_not() {
        let req = |v: &str| Request {
            headers: vec![("authorization".into(), v.into())],
            ..Request::default()
        };
        assert!(authorized(&req("Bearer abc"), "abc"));
        assert!(authorized(&req("bearer  abc "), "abc"));
        assert!(!authorized(&req("Bearer ABC"), "abc"));
        assert!(!authorized(&req("Basic abc"), "abc"));
        assert!(!authorized(&Request::default(), "abc"));
    }
}
