//! Connections: the accept loop, its limits, and the JSON bodies of the
//! errors hyper answers by itself.
//!
//! Why not `axum::serve`: it sets no timer, so hyper's header read timeout
//! never fires, and it accepts any number of connections. A client that
//! sends a request head one byte a minute (slowloris) then holds a
//! connection, a task and a buffer forever, and a thousand such clients
//! hold the server. Here every connection must finish its request head
//! within [`Limits::header_timeout`] (idle keep-alive connections
//! included: the timer runs while hyper waits for the next head), the
//! handlers bound the body read by [`Limits::body_timeout`], and at most
//! [`Limits::max_connections`] are served at once; one more is answered
//! 503 and closed at once rather than queued, so that it costs nothing to
//! hold.

use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use crate::Limits;

/// What a connection over the limit gets before it is closed.
fn too_many() -> Vec<u8> {
    let body =
        r#"{"error":"too many connections; try again shortly","code":"too_many_connections"}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// connections finish the requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let permits = Arc::new(Semaphore::new(slots as usize));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it
                // was accepted: the listener itself is fine.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Best effort and never waiting: a client that does not read
            // just sees the connection close.
            let _ = stream.try_write(&too_many());
            continue;
        };
        let (app, mut stopping) = (app.clone(), stopping.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                app.clone().oneshot(request.map(axum::body::Body::new))
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                // Without it, a head may grow as large as the read buffer
                // lets it (~400 KB): 431 beyond 128 KiB, above the 64 KiB
                // at which hyper answers a URI with 414.
                .max_header_size(128 << 10)
                // A client that closes its sending side once the request
                // is out (as `nc` and some scripts do) still gets the
                // answer.
                .half_close(true)
                .serve_connection(TokioIo::new(JsonErrors::new(stream)), service);
            let mut connection = pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
    }
    let _ = stop.send(true);
    // Every connection holds a permit until it ends.
    let _ = permits.acquire_many(slots).await;
}

/// A connection whose bodiless error responses (those hyper writes itself
/// when it cannot parse a request: 400, 414 and 431) get the API's JSON
/// error body, as every other error does.
///
/// Recognizing them in the byte stream is exact: hyper writes such a head,
/// with `content-length: 0` and no content type, and closes; a head of the
/// API's own always has a content type; and a body of the API's is JSON,
/// which cannot hold the bare CR LF of a status line.
pub(crate) struct JsonErrors<S> {
    inner: S,
    /// A rewritten response not yet written, and how much of it was.
    pending: Vec<u8>,
    sent: usize,
}

impl<S> JsonErrors<S> {
    pub(crate) fn new(inner: S) -> Self {
        JsonErrors { inner, pending: Vec::new(), sent: 0 }
    }
}

/// Status lines of the responses hyper writes by itself, with the JSON
/// error each one gets.
const BARE: [(&[u8], &str); 3] = [
    (b"HTTP/1.1 400 Bad Request\r\n", r#"{"error":"malformed HTTP request","code":"bad_request"}"#),
    (
        b"HTTP/1.1 414 URI Too Long\r\n",
        r#"{"error":"the request URI is too long","code":"uri_too_long"}"#,
    ),
    (
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        r#"{"error":"the request headers are too large","code":"headers_too_large"}"#,
    ),
];

const NO_BODY: &[u8] = b"content-length: 0\r\n";

/// Where in `buf` a bare error response starts, its head's length, and
/// its body; `None` when `buf` holds none (or only part of one's head).
fn find_bare(buf: &[u8]) -> Option<(usize, usize, &'static str)> {
    BARE.iter().find_map(|&(line, body)| {
        let start = find(buf, line)?;
        let head = start + find(&buf[start..], b"\r\n\r\n")? + 4;
        let fields = &buf[start..head];
        let bare = find(fields, NO_BODY).is_some() && find(fields, b"content-type:").is_none();
        bare.then_some((start, head - start, body))
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn with_body(head: &[u8], body: &str) -> Vec<u8> {
    let at = find(head, NO_BODY).expect("find_bare checked");
    let mut out = head[..at].to_vec();
    out.extend_from_slice(
        format!("content-type: application/json\r\ncontent-length: {}\r\n", body.len()).as_bytes(),
    );
    out.extend_from_slice(&head[at + NO_BODY.len()..]);
    out.extend_from_slice(body.as_bytes());
    out
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        match find_bare(buf) {
            // Whatever precedes it goes out as it is first.
            Some((start, _, _)) if start > 0 => {
                Pin::new(&mut this.inner).poll_write(cx, &buf[..start])
            }
            Some((_, len, body)) => {
                this.pending = with_body(&buf[..len], body);
                this.sent = 0;
                // The head counts as written; flush and shutdown write the
                // rewrite out (poll_pending registered the waker if it must
                // wait).
                if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(Ok(len))
            }
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_errors_get_json_bodies() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\
            date: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n";
        let mut buf = b"earlier bytes".to_vec();
        buf.extend_from_slice(head);
        let (start, len, body) = find_bare(&buf).unwrap();
        assert_eq!((start, len), (13, head.len()));
        let out = String::from_utf8(with_body(&buf[start..start + len], body)).unwrap();
        let (fields, json) = out.split_once("\r\n\r\n").unwrap();
        assert!(fields.contains("content-type: application/json"), "{fields}");
        assert!(fields.contains(&format!("content-length: {}", json.len())), "{fields}");
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["code"], "headers_too_large");
        // The API's own 400s have a type and a body, and are left alone.
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
            content-length: 0\r\n\r\n";
        assert!(find_bare(own).is_none());
        // Half a head is left alone too.
        assert!(find_bare(&head[..30]).is_none());
    }
}
