//! Faults and hostile clients, over real TCP connections: slow and
//! too many clients, cross-site requests, requests hyper cannot parse,
//! fuzzed bytes, a damaged index file, and `kill -9` under concurrent
//! writes.
//!
//! The kill trials need a server in another process. This binary is that
//! process too: run again with `SYNDIC_TEST_SERVE=<index dir>`, its
//! `server_process` test opens the index and serves it as `syndic serve`
//! does (the same `Index::open` and `syndic_server::run`), printing its
//! address on stdout.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use syndic::dedup::DedupConfig;
use syndic::index::{Index, INDEX_FILE};
use syndic::Document;
use syndic_server::client::Client;
use syndic_server::Limits;

const SERVE: &str = "SYNDIC_TEST_SERVE";

/// A server on 127.0.0.1 in this process; stops when dropped.
struct Live {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Live {
    fn start(limits: Limits, token: Option<&str>) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let config = DedupConfig::builder().threshold(0.5).build().unwrap();
        let index = Index::create(dir.path().join("idx"), config).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (ready, addr) = mpsc::channel();
        let (should_stop, token) = (stop.clone(), token.map(str::to_owned));
        let thread = std::thread::spawn(move || {
            let listen = SocketAddr::from(([127, 0, 0, 1], 0));
            syndic_server::run(
                index,
                listen,
                token,
                limits,
                |addr| ready.send(addr).unwrap(),
                move || should_stop.load(Ordering::Relaxed),
            )
            .unwrap();
        });
        Live { addr: addr.recv().unwrap(), stop, thread: Some(thread), _dir: dir }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Sends `bytes`, closes the sending side, and reads until the server
/// closes (or `wait` passes): what came back, and when the server closed.
fn exchange(addr: SocketAddr, bytes: &[u8], wait: Duration) -> (Vec<u8>, Option<Duration>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    // The server may answer and close before taking it all.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(Shutdown::Write);
    read_until_closed(&mut stream, wait)
}

fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (Vec<u8>, Option<Duration>) {
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = wait.saturating_sub(started.elapsed());
        if left.is_zero() {
            return (out, None);
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return (out, Some(started.elapsed())),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (out, Some(started.elapsed()))
            }
            Err(_) => return (out, None),
        }
    }
}

/// The first response in `bytes`: status and body (parsed when JSON).
fn first_response(bytes: &[u8]) -> Result<(u16, Option<Value>), String> {
    let text = String::from_utf8_lossy(bytes);
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no head: {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let field = |name: &str| {
        head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    if status == 100 {
        return first_response(rest.as_bytes());
    }
    let length: usize = field("content-length")
        .map_or(Ok(0), |v| v.parse())
        .map_err(|e| format!("bad content-length: {e}"))?;
    let body = rest.as_bytes().get(..length).ok_or("body cut short")?;
    let json = field("content-type").is_some_and(|t| t.starts_with("application/json"));
    match (length, json) {
        (0, _) => Ok((status, None)),
        (_, true) => serde_json::from_slice(body)
            .map(|v| (status, Some(v)))
            .map_err(|e| format!("{status} body is not JSON: {e}")),
        (_, false) => {
            Err(format!("{status} body is not JSON: {:?}", String::from_utf8_lossy(body)))
        }
    }
}

fn is_error_shape(value: &Value) -> bool {
    value["error"].is_string() && value["code"].is_string()
}

fn short(header: f64, body: f64) -> Limits {
    Limits {
        header_timeout: Duration::from_secs_f64(header),
        body_timeout: Duration::from_secs_f64(body),
        ..Limits::default()
    }
}

#[test]
fn issue12_slow_headers_are_cut_off() {
    let live = Live::start(short(0.3, 5.0), None);
    // Half a head, then nothing: closed once the header timeout passes.
    let mut stream = TcpStream::connect(live.addr).unwrap();
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").unwrap();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
    let closed = closed.expect("a slow head keeps its connection");
    assert!(closed < Duration::from_secs(2), "closed after {closed:?}");
    // A connection that says nothing at all goes the same way.
    let mut idle = TcpStream::connect(live.addr).unwrap();
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(5));
    assert!(closed.is_some_and(|t| t < Duration::from_secs(2)), "{closed:?}");
}

#[test]
fn issue12_slow_bodies_get_408() {
    let live = Live::start(short(5.0, 0.3), None);
    let mut stream = TcpStream::connect(live.addr).unwrap();
    let head = format!(
        "POST /v1/query HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"text\": ",
        live.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let (bytes, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
    assert!(closed.is_some(), "a trickling body keeps its connection");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let (status, body) = first_response(&bytes).unwrap();
    assert_eq!(status, 408);
    let body = body.unwrap();
    assert!(is_error_shape(&body) && body["code"] == "timeout", "{body}");
}

#[test]
fn issue12_connections_over_the_limit_are_refused() {
    let limits = Limits { max_connections: 2, ..short(5.0, 5.0) };
    let live = Live::start(limits, None);
    let held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(live.addr).unwrap()).collect();
    // Let the server accept both before the third arrives.
    std::thread::sleep(Duration::from_millis(100));
    let mut third = TcpStream::connect(live.addr).unwrap();
    let (bytes, closed) = read_until_closed(&mut third, Duration::from_secs(3));
    assert!(closed.is_some(), "the connection over the limit was kept open");
    let (status, body) = first_response(&bytes).unwrap();
    assert_eq!(status, 503);
    assert_eq!(body.unwrap()["code"], "too_many_connections");
    // Once they go, there is room again.
    drop(held);
    let started = Instant::now();
    loop {
        let (bytes, _) = exchange(
            live.addr,
            format!("GET /health HTTP/1.1\r\nHost: {}\r\n\r\n", live.addr).as_bytes(),
            Duration::from_secs(3),
        );
        match first_response(&bytes) {
            Ok((200, _)) => break,
            other => assert!(started.elapsed() < Duration::from_secs(3), "{other:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn issue12_parse_errors_have_json_bodies() {
    let live = Live::start(short(5.0, 5.0), None);
    let long_uri = format!("GET /v1/documents/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let many_headers = format!(
        "GET /health HTTP/1.1\r\nHost: {}\r\n{}\r\n",
        live.addr,
        (0..200).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()
    );
    let huge_header = format!("GET /health HTTP/1.1\r\nX-Big: {}\r\n\r\n", "b".repeat(500_000));
    let cases = [
        (long_uri, 414, "uri_too_long"),
        (many_headers, 431, "headers_too_large"),
        (huge_header, 431, "headers_too_large"),
        ("GET /health HTTP/1.1\r\nBad Header\r\n\r\n".to_owned(), 400, "bad_request"),
        ("\x01\x02 nonsense\r\n\r\n".to_owned(), 400, "bad_request"),
    ];
    for (request, status, code) in cases {
        let (bytes, _) = exchange(live.addr, request.as_bytes(), Duration::from_secs(5));
        let (got, body) = first_response(&bytes).unwrap();
        let what = String::from_utf8_lossy(&request.as_bytes()[..request.len().min(40)]);
        assert_eq!(got, status, "{what}: {:?}", String::from_utf8_lossy(&bytes));
        let body = body.unwrap_or_else(|| panic!("{what}: {status} has an empty body"));
        assert!(is_error_shape(&body) && body["code"] == code, "{body}");
    }
}

#[test]
fn issue12_cross_site_requests_are_refused() {
    let live = Live::start(Limits::default(), None);
    let host = live.addr.to_string();
    let doc = r#"{"id": "csrf", "text": "posted from a web page"}"#;
    let post = |headers: &[(&str, &str)]| {
        let mut request = "POST /v1/documents HTTP/1.1\r\n".to_owned();
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{doc}", doc.len()));
        let (bytes, _) = exchange(live.addr, request.as_bytes(), Duration::from_secs(5));
        first_response(&bytes).unwrap()
    };
    let json = ("Content-Type", "application/json");
    let rebinding = format!("localhost.evil.example:{}", live.addr.port());
    let other_port = format!("127.0.0.1:{}", live.addr.port() + 1);
    type Headers<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Headers, u16, &str)> = vec![
        // What a web page can send without asking first.
        (
            vec![
                ("Host", &host),
                ("Origin", "http://evil.example"),
                ("Content-Type", "text/plain"),
            ],
            403,
            "forbidden",
        ),
        (vec![("Host", &host), ("Content-Type", "text/plain")], 415, "unsupported_media_type"),
        (
            vec![("Host", &host), ("Content-Type", "application/x-www-form-urlencoded")],
            415,
            "unsupported_media_type",
        ),
        (vec![("Host", &host)], 415, "unsupported_media_type"),
        (vec![("Host", &host), ("Origin", "http://evil.example"), json], 403, "forbidden"),
        (vec![("Host", &host), ("Origin", "null"), json], 403, "forbidden"),
        // DNS rebinding: the page's own name in Host.
        (vec![("Host", &rebinding), json], 403, "forbidden"),
        (vec![("Host", "evil.example"), json], 403, "forbidden"),
        (vec![("Host", &other_port), json], 403, "forbidden"),
    ];
    for (headers, status, code) in cases {
        let (got, body) = post(&headers);
        let body = body.unwrap();
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{headers:?}: {body}");
    }
    // Reads are guarded the same way.
    let (bytes, _) = exchange(
        live.addr,
        format!("GET /v1/stats HTTP/1.1\r\nHost: {rebinding}\r\n\r\n").as_bytes(),
        Duration::from_secs(5),
    );
    assert_eq!(first_response(&bytes).unwrap().0, 403);
    // Programs, and the server's own origin, pass.
    let own = format!("http://{host}");
    let local = format!("localhost:{}", live.addr.port());
    assert_eq!(post(&[("Host", &host), ("Origin", &own), json]).0, 201);
    let (status, body) =
        post(&[("Host", &local), ("Content-Type", "Application/JSON; charset=utf-8")]);
    assert_eq!(status, 409, "{body:?}");
    // With a token, the token decides.
    let guarded = Live::start(Limits::default(), Some("s3cret"));
    let query = r#"{"text": "some words"}"#;
    let request = format!(
        "POST /v1/query HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example\r\n\
         Authorization: Bearer s3cret\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{query}",
        query.len()
    );
    let (bytes, _) = exchange(guarded.addr, request.as_bytes(), Duration::from_secs(5));
    assert_eq!(first_response(&bytes).unwrap().0, 200);
}

/// One to four random edits of `seed`. The generators are seeded with
/// constants, so that a failing case can be replayed from its number.
fn mutate(seed: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    const SPECIAL: &[u8] = b"\r\n: \0\xff\t%/?#";
    const FRAGMENTS: [&[u8]; 6] = [
        b"Content-Length: 99999999999999999999\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Length: 5\r\n",
        b"\r\n\r\n",
        b"Expect: 100-continue\r\n",
        b"Content-Type: application/json\r\n",
    ];
    let mut out = seed.to_vec();
    for _ in 0..=rng.usize(..4) {
        let at = rng.usize(..=out.len());
        match rng.u8(..7) {
            0 if !out.is_empty() => {
                let i = rng.usize(..out.len());
                out[i] ^= 1 << rng.u8(..8);
            }
            1 if !out.is_empty() => {
                let i = rng.usize(..out.len());
                out[i] = SPECIAL[rng.usize(..SPECIAL.len())];
            }
            2 => {
                let bytes: Vec<u8> = (0..rng.usize(..16)).map(|_| rng.u8(..)).collect();
                out.splice(at..at, bytes);
            }
            3 => {
                let end = (at + rng.usize(..32)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + rng.usize(..64)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            5 => out.truncate(at),
            _ => {
                let fragment = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
                out.splice(at..at, fragment.iter().copied());
            }
        }
    }
    out
}

/// The seed requests in `tests/fuzz-corpus/http` (see its README).
fn corpus(addr: SocketAddr) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus/http");
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let bytes = text.replace('\n', "\r\n").replace("{host}", &addr.to_string());
            (p, bytes.into_bytes())
        })
        .collect();
    seeds.sort();
    seeds
}

/// Fuzzes the HTTP request parser: the corpus as it is, then a fixed
/// number of mutated requests. Every answer is a well-formed HTTP response
/// whose body is JSON (or an empty one, or a close), no request gets a
/// 500, and the server is still up at the end.
#[test]
fn issue12_http_parser_fuzz() {
    const CASES: usize = 300;
    let limits = Limits { max_body_bytes: 64 << 10, ..short(2.0, 2.0) };
    let live = Live::start(limits, None);
    let seeds = corpus(live.addr);
    assert!(seeds.len() >= 10, "the corpus is missing");
    let check = |what: &str, request: &[u8]| {
        let (bytes, closed) = exchange(live.addr, request, Duration::from_secs(5));
        assert!(closed.is_some(), "{what}: the server neither answered nor closed");
        if !bytes.is_empty() {
            let (status, body) = first_response(&bytes).unwrap_or_else(|e| {
                panic!("{what}: {e}\nrequest: {:?}", String::from_utf8_lossy(request))
            });
            assert!(status != 500, "{what}: 500 {body:?}");
            if status >= 400 {
                let body = body.unwrap_or_else(|| panic!("{what}: {status} without a body"));
                assert!(is_error_shape(&body), "{what}: {body}");
            }
        }
    };
    for (path, seed) in &seeds {
        check(&path.display().to_string(), seed);
    }
    let mut rng = fastrand::Rng::with_seed(0x5eed_0012);
    for case in 0..CASES {
        let (path, seed) = &seeds[rng.usize(..seeds.len())];
        let request = mutate(seed, &mut rng);
        check(&format!("case {case} from {}", path.display()), &request);
    }
    let mut client = Client::new(live.addr, None);
    let (status, body) = client.json("GET", "/health", &Value::Null).unwrap();
    assert_eq!(status, 200, "{body}");
}

/// An index of `n` documents, closed, in a fresh temporary directory: the
/// directory (removed when dropped) and the index's path.
fn small_index(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let index =
        Index::create(&path, DedupConfig::builder().threshold(0.5).build().unwrap()).unwrap();
    let docs: Vec<Document> = (0..n)
        .map(|i| {
            Document::new(
                format!("d{i}"),
                format!("story number {i} about the harvest and the weather {} {}", i * 7, i % 13),
            )
        })
        .collect();
    for chunk in docs.chunks(50) {
        index.add_batch(chunk).unwrap();
    }
    (dir, path)
}

/// Every operation on the damaged index in `dir`: each either works or
/// fails with a typed error; the errors' messages.
fn operations(dir: &Path) -> Vec<String> {
    let typed = |e: syndic::Error| {
        assert!(matches!(e.kind(), "index" | "io"), "untyped error: {e}");
        e.to_string()
    };
    let index = match Index::open(dir) {
        Ok(index) => index,
        Err(e) => return vec![typed(e)],
    };
    let mut errors = Vec::new();
    errors.extend(index.query("story number 5 about the harvest").err().map(typed));
    errors.extend(index.get("d3").err().map(typed));
    errors.extend(index.stats().err().map(typed));
    errors.extend(index.export().err().map(typed));
    errors.extend(index.add_batch(&[Document::new("new", "a new story")]).err().map(typed));
    errors.extend(index.delete("d4").err().map(typed));
    errors
}

#[test]
fn issue12_damaged_index_is_a_clean_error() {
    let (_dir, path) = small_index(300);
    let file = path.join(INDEX_FILE);
    let pristine = std::fs::read(&file).unwrap();
    let mut rng = fastrand::Rng::with_seed(0xda_3a9e);
    let mut damaged: Vec<(String, Vec<u8>)> = Vec::new();
    for block in (0..pristine.len()).step_by(4096) {
        let mut bytes = pristine.clone();
        let end = (block + 4096).min(bytes.len());
        bytes[block..end].fill(0);
        damaged.push((format!("block at {block} zeroed"), bytes.clone()));
        rng.fill(&mut bytes[block..end]);
        damaged.push((format!("block at {block} garbage"), bytes));
    }
    for len in [0, 100, 4096, pristine.len() / 2, pristine.len() - 1] {
        damaged.push((format!("truncated to {len} bytes"), pristine[..len].to_vec()));
    }
    let mut named = 0;
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).unwrap();
        let errors = std::panic::catch_unwind(|| operations(&path))
            .unwrap_or_else(|_| panic!("{what}: a panic escaped the index"));
        named += errors.iter().filter(|e| e.contains("index.redb is damaged")).count();
    }
    // redb panics on most of these; each such panic is named as damage.
    assert!(named > 10, "only {named} errors say the file is damaged");
}

/// This binary as the server process (see the module docs); a no-op test
/// otherwise.
#[test]
fn server_process() {
    let Some(dir) = std::env::var_os(SERVE) else { return };
    let index = match Index::open(&dir) {
        Ok(index) => index,
        Err(e) => {
            eprintln!("syndic: {e}");
            std::process::exit(1);
        }
    };
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    syndic_server::run(
        index,
        listen,
        None,
        Limits::default(),
        |addr| println!("listening on {addr}"),
        || false,
    )
    .unwrap();
}

/// Starts the server process on `dir`; its address, once it listens.
fn spawn_server(dir: &Path) -> (Child, Result<SocketAddr, String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["server_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(SERVE, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    // The test harness's "test server_process ... " precedes it on its line.
    let addr = std::io::BufRead::lines(stdout)
        .map_while(Result::ok)
        .find_map(|line| line.split_once("listening on ")?.1.parse().ok());
    match addr {
        Some(addr) => (child, Ok(addr)),
        None => {
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            (child, Err(stderr))
        }
    }
}

#[test]
fn issue12_server_refuses_a_damaged_index() {
    let (_dir, path) = small_index(300);
    let file = path.join(INDEX_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    // A page of the tree redb reads when it opens the file (found by the
    // test above: most blocks of this index are such pages).
    let block = 5 * 4096;
    bytes[block..block + 4096].fill(0);
    std::fs::write(&file, &bytes).unwrap();
    let (mut child, addr) = spawn_server(&path);
    let status = child.wait().unwrap();
    let message = addr.expect_err("a server started on a damaged index");
    assert_eq!(status.code(), Some(1), "{message}");
    assert!(message.contains("index.redb is damaged"), "{message}");
    assert!(!message.contains("panicked at") || message.contains("syndic: "), "{message}");
}

/// `kill -9` of the server process at a random moment while four clients
/// add documents; the index reopens with no manual step and holds every
/// document the server acknowledged. The trials share one index, each
/// one's restart the recovery from the last one's kill.
#[test]
fn issue12_kill_9_under_concurrent_writes_loses_nothing() {
    const TRIALS: usize = 10;
    const CLIENTS: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    drop(Index::create(&path, DedupConfig::builder().threshold(0.7).build().unwrap()).unwrap());
    let mut rng = fastrand::Rng::with_seed(0x0c0f_fee9);
    let mut all_acknowledged = Vec::new();
    let mut slowest_open = Duration::ZERO;
    let mut unacknowledged = 0;
    for trial in 0..TRIALS {
        let (mut child, addr) = spawn_server(&path);
        let addr = addr.unwrap_or_else(|e| panic!("trial {trial}: the server did not start: {e}"));
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let acknowledged = acknowledged.clone();
                std::thread::spawn(move || {
                    let mut client = Client::new(addr, None).with_timeout(Duration::from_secs(5));
                    for n in 0.. {
                        let ids: Vec<String> = (0..1 + c % 3).map(|k| format!("t{trial}-c{c}-{n}-{k}")).collect();
                        let docs: Vec<Value> = ids
                            .iter()
                            .map(|id| json!({"id": id, "text": format!("report {id} on the harvest, the weather and the markets this week")}))
                            .collect();
                        let response = if docs.len() == 1 {
                            client.json("POST", "/v1/documents", &docs[0])
                        } else {
                            client.json("POST", "/v1/batch/documents", &json!({"documents": docs}))
                        };
                        match response {
                            Ok((200 | 201, _)) => acknowledged.lock().unwrap().extend(ids),
                            Ok((status, body)) => panic!("trial {trial}: {status} {body}"),
                            Err(_) => return, // the server is gone
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.u64(50..300)));
        child.kill().unwrap(); // SIGKILL: no shutdown code runs
        child.wait().unwrap();
        for client in clients {
            client.join().unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(
            !acknowledged.is_empty(),
            "trial {trial}: nothing was acknowledged before the kill"
        );
        all_acknowledged.extend(acknowledged);
        let started = Instant::now();
        let index = Index::open(&path).unwrap_or_else(|e| {
            panic!("trial {trial}: the index does not open after kill -9: {e}")
        });
        slowest_open = slowest_open.max(started.elapsed());
        let missing: Vec<_> =
            all_acknowledged.iter().filter(|id| !index.contains(id).unwrap()).collect();
        assert!(missing.is_empty(), "trial {trial}: acknowledged but lost: {missing:?}");
        // Requests in flight at the kill (one per client, of up to three
        // documents) may or may not have committed.
        let documents = index.stats().unwrap().documents as usize;
        let extra = documents - all_acknowledged.len();
        assert!(extra - unacknowledged <= CLIENTS * 3, "trial {trial}: {extra} unacknowledged");
        unacknowledged = extra;
    }
    eprintln!(
        "{TRIALS} kill -9 trials: {} documents acknowledged, 0 lost; slowest reopen {slowest_open:?}",
        all_acknowledged.len()
    );
}
