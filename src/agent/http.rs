//! The agent's HTTP server: GET and HEAD only, one request per connection, a bounded number of
//! connections at once.
//!
//! A monitoring system asks a handful of times a minute, so the server is small and blocking:
//! an `http-accept` thread hands connections to [`WORKERS`](crate::agent::http::WORKERS) threads (`http-0`...) over a
//! bounded queue; when all are busy and the queue is full a connection gets `503` at once.
//! Each connection has read and write timeouts, a request head is at most [`MAX_HEAD`](crate::agent::http::MAX_HEAD) bytes
//! (parsed by `httparse`), and the connection closes after the response. When a token is set,
//! every request must carry `Authorization: Bearer TOKEN` (compared in constant time) or gets
//! `401`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Threads answering requests.
pub const WORKERS: usize = 4;
/// Connections waiting for a worker.
const QUEUE: usize = 16;
/// Largest request head (request line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// Most headers in a request.
const MAX_HEADERS: usize = 64;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to read the response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the accept loop looks at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// An answer this large (a `/report` of hundreds of endpoints is built as a tree several times
/// its size) gives the memory it used back to the system once sent; see [`release_freed_memory`].
const LARGE_ANSWER: usize = 1 << 20;

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
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body of `content_type`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: body.into(),
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

impl Server {
    /// Serves `listener` with `handler`; `token`, when given, is required of every request.
    pub fn start(
        listener: TcpListener,
        token: Option<String>,
        handler: Arc<Handler>,
    ) -> io::Result<Self> {
        let local = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let busy = Arc::new(AtomicU64::new(0));
        let (tx, rx) = sync_channel::<TcpStream>(QUEUE);
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
                .spawn(move || accept(&listener, &tx, &flag))?,
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

fn accept(listener: &TcpListener, tx: &SyncSender<TcpStream>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                // Accepted sockets may inherit non-blocking mode; workers block with timeouts.
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
                let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
                match tx.try_send(stream) {
                    Ok(()) => {}
                    Err(TrySendError::Full(mut s)) => {
                        let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
                        let _ = write_response(
                            &mut s,
                            &Response::text(503, "rstscope: busy, try again")
                                .with_header("Retry-After", "1"),
                            false,
                        );
                    }
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            // Out of file descriptors, a connection reset before accept: wait and go on
            // rather than stop serving.
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

fn worker(
    rx: &Mutex<Receiver<TcpStream>>,
    token: Option<&str>,
    handler: &Handler,
    busy: &AtomicU64,
) {
    loop {
        let stream = {
            let rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
            rx.recv()
        };
        let Ok(mut stream) = stream else {
            return;
        };
        busy.fetch_add(1, Ordering::Relaxed);
        serve(&mut stream, token, handler);
        busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Answers one request on `stream`.
fn serve(stream: &mut TcpStream, token: Option<&str>, handler: &Handler) {
    let (response, head_only) = match read_request(stream) {
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
        Err(RequestError::Io) => return,
        Err(RequestError::TooLarge) => (
            Response::text(431, "rstscope: request head too large"),
            false,
        ),
        Err(RequestError::Bad(why)) => (Response::text(400, &format!("rstscope: {why}")), false),
    };
    let _ = write_response(stream, &response, head_only);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let large = response.body.len() >= LARGE_ANSWER;
    drop(response);
    if large {
        release_freed_memory();
    }
    // Let the client read the response before the socket closes (a close with unread
    // request bytes would reset the connection).
    let mut sink = [0u8; 512];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// Returns freed memory to the system. glibc's allocator keeps what a thread frees in that
/// thread's arena for its next use: each of the server's threads that once built a large answer
/// kept its peak resident, and the agent's memory crept up over the first scrapes of a busy
/// host (the soak benchmark: +50 MB at each `/report`). `malloc_trim` releases the free pages of
/// every arena.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return freed memory themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

enum RequestError {
    Io,
    TooLarge,
    Bad(String),
}

fn read_request(stream: &mut TcpStream) -> Result<Request, RequestError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).map_err(|_| RequestError::Io)?;
        if n == 0 {
            return Err(RequestError::Io);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                let target = req.path.unwrap_or("/");
                let (path, query) = target.split_once('?').unwrap_or((target, ""));
                return Ok(Request {
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
                });
            }
            Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
                return Err(RequestError::TooLarge);
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(RequestError::TooLarge),
            Err(e) => return Err(RequestError::Bad(format!("bad request: {e}"))),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

fn write_response(stream: &mut TcpStream, r: &Response, head_only: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    for (name, value) in &r.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&r.body)?;
    }
    stream.flush()
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
