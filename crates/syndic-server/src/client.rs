//! A minimal blocking HTTP/1.1 client for this API: one keep-alive
//! connection, JSON in and out, `Content-Length` bodies only (all this
//! server sends).
//!
//! It exists for the crash and load tests, which must talk to a real
//! `syndic serve` process over TCP, and for scripts in Rust; pulling in a
//! general HTTP client for that would double the build. It is not a
//! general client: no TLS, no redirects, no chunked responses.
//!
//! ```no_run
//! use syndic_server::client::Client;
//! let mut client = Client::new("127.0.0.1:8080".parse()?, None);
//! let (status, body) = client.json("POST", "/v1/query", &serde_json::json!({"text": "hello"}))?;
//! assert_eq!(status, 200);
//! println!("{} matches", body["matches"].as_array().map_or(0, Vec::len));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Largest response accepted: a guard against a confused peer.
const MAX_RESPONSE_BYTES: usize = 1 << 30;

/// A response: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// One keep-alive connection to a server, reopened when the server closed
/// it between requests.
#[derive(Debug)]
pub struct Client {
    addr: SocketAddr,
    token: Option<String>,
    timeout: Duration,
    conn: Option<BufReader<TcpStream>>,
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl Client {
    /// A client for the server at `addr`, sending `token` as a bearer token
    /// if given. Connects on the first request.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Client {
        Client { addr, token, timeout: Duration::from_secs(60), conn: None }
    }

    /// Sets the connect, read and write timeout (default 60 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    /// Sends one request and reads the response.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> io::Result<Response> {
        let reused = self.conn.is_some();
        match self.try_request(method, path, body) {
            // A kept-alive connection the server closed since: once more on
            // a fresh one. Only when nothing of the response was read, so a
            // request is never sent twice after the server saw it.
            Err(e)
                if reused
                    && matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::BrokenPipe
                    ) =>
            {
                self.conn = None;
                self.try_request(method, path, body)
            }
            other => other,
        }
    }

    /// Sends `body` as JSON and parses the JSON response.
    pub fn json(
        &mut self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> io::Result<(u16, serde_json::Value)> {
        let bytes = serde_json::to_vec(body).map_err(io::Error::other)?;
        let body = (method != "GET" && method != "DELETE").then_some(bytes.as_slice());
        let response = self.request(method, path, body)?;
        let value = serde_json::from_slice(&response.body)
            .map_err(|e| invalid(format!("response is not JSON: {e}")))?;
        Ok((response.status, value))
    }

    fn connect(&mut self) -> io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            let stream = TcpStream::connect_timeout(&self.addr, self.timeout)?;
            stream.set_read_timeout(Some(self.timeout))?;
            stream.set_write_timeout(Some(self.timeout))?;
            stream.set_nodelay(true)?;
            self.conn = Some(BufReader::new(stream));
        }
        self.conn.as_mut().ok_or_else(|| io::Error::other("no connection"))
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> io::Result<Response> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let conn = self.connect()?;
        let result = exchange(conn, head.as_bytes(), body.unwrap_or_default());
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

fn exchange(conn: &mut BufReader<TcpStream>, head: &[u8], body: &[u8]) -> io::Result<Response> {
    let stream = conn.get_mut();
    stream.write_all(head)?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
    let mut length = None;
    loop {
        line.clear();
        if conn.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length =
                    Some(value.trim().parse::<usize>().map_err(|_| invalid("bad Content-Length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(invalid("chunked responses are not supported"));
            }
        }
    }
    let length = length.ok_or_else(|| invalid("response without Content-Length"))?;
    if length > MAX_RESPONSE_BYTES {
        return Err(invalid(format!("response of {length} bytes is too large")));
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body)?;
    Ok(Response { status, body })
}
