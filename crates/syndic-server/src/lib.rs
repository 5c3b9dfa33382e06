//! # syndic-server
//!
//! An HTTP service over a persistent [`syndic::index::Index`], for documents
//! that arrive one by one: a crawler asks, for every new page, whether the
//! text was seen before and where, and adds it.
//!
//! The API is JSON over HTTP/1.1, described by `openapi.json` beside this
//! crate's manifest (the tests check every response against it):
//!
//! | Method and path | What |
//! |---|---|
//! | `GET /health` | whether the index can be read and written, no token needed |
//! | `GET /openapi.json` | this API's OpenAPI description, no token needed |
//! | `GET /v1/stats` | counts and parameters of the index |
//! | `POST /v1/documents` | add one document; its matches and cluster (and story) |
//! | `GET /v1/documents/{id}` | a document's matches and cluster |
//! | `DELETE /v1/documents/{id}` | delete a document |
//! | `POST /v1/query` | what a text matches, without adding it |
//! | `POST /v1/batch/documents` | add many in one transaction |
//! | `POST /v1/batch/query` | many queries against one snapshot |
//! | `POST /v1/story` | which story a text would join, without adding it |
//!
//! An index created with stories (`Index::create_stories`) answers each add
//! with the story the document joined (`story`: its id, representative and
//! the links that carried it); documents may carry a `date`, compared within
//! the story window.
//!
//! How it holds up:
//!
//! * **Durability.** A document is acknowledged only after the write
//!   transaction holding it committed, and redb's commit returns once the
//!   data is fsync'd. A `kill -9` loses nothing that was acknowledged (a
//!   test kills the real binary mid-stream and checks).
//! * **Concurrency.** Reads run on the blocking pool against MVCC snapshots
//!   and never wait for writes, except the story of a query in an index
//!   with stories: the online story state is one, held by a write until it
//!   commits, so that a story answer never counts an uncommitted document.
//!   Answers (queries, `GET /v1/documents/{id}`, stories) are computed by
//!   one answer thread per core, first come first served, each answer
//!   inline on its thread; the others wait their turn (fifty at once, on seventy to
//!   ninety threads, otherwise queued in rayon's pool at every stage, and
//!   the slowest 1 % took four times the median:
//!   `bench/results/2026-12-02/index-reprint-load.md`).
//!   Writes go to one writer thread, which gathers whatever adds are
//!   queued into one transaction (group commit):
//!   fifty clients adding one document each pay for one fsync, not fifty.
//! * **Security.** It listens on 127.0.0.1 unless told otherwise, and
//!   refuses a non-loopback address without a token. With a token, every
//!   `/v1` request needs `Authorization: Bearer <token>`, compared in
//!   constant time. Request bodies must be `Content-Type:
//!   application/json` (415 otherwise), which a web page cannot send to
//!   another origin without the browser asking first. Without a token on
//!   a loopback address, a request whose `Origin` is not this server or
//!   whose `Host` is not a loopback name with this server's port gets 403:
//!   a page the user visits can neither post to the server nor, by DNS
//!   rebinding, read from it.
//! * **Slow and many clients.** A request head must arrive within
//!   [`Limits::header_timeout`] (else the connection is closed), a body
//!   within [`Limits::body_timeout`] (else 408), and at most
//!   [`Limits::max_connections`] connections are served at once (one more
//!   gets 503 and is closed).
//! * **Bad input.** Bodies over the limit get 413, as do documents over the
//!   document size limit; malformed JSON, unknown or missing fields get 400
//!   with serde's message. Requests hyper cannot parse get 400, 414 or 431
//!   with a JSON body too. No request can panic the server: handlers return
//!   errors, a property test throws arbitrary bytes at every endpoint, and
//!   a fuzz test throws them at the HTTP parser over TCP.
//! * **Disk full.** A failed commit answers 507 (or 500 for other I/O
//!   errors); nothing of that transaction is acknowledged, and the index on
//!   disk stays at its last commit. The index reopens itself, so reads go on
//!   working, and adds work again once there is space, without a restart.
//!   Until an add succeeds again, `/health` answers 503 with the reason.
//! * **A damaged index file** is refused when the server starts, with a
//!   message naming it; damage found later is a 500 naming it, never a
//!   crash.
//!
//! ```
//! use syndic::dedup::DedupConfig;
//! use syndic::index::Index;
//! use syndic_server::{router, AppState, Limits};
//! let dir = tempfile::tempdir()?;
//! let index = Index::create(dir.path(), DedupConfig::builder().build()?)?;
//! let state = AppState::new(index, None, Limits::default());
//! let app: axum::Router = router(state);
//! # drop(app);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod answerer;
mod api;
mod auth;
pub mod client;
mod conn;
mod error;
mod origin;
mod writer;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use syndic::index::Index;

pub use api::router;
pub use auth::constant_time_eq;
pub use error::ServerError;

/// Limits on requests and connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Largest document text, in bytes (413 beyond).
    pub max_doc_bytes: usize,
    /// Most documents or texts in one batch request (413 beyond).
    pub max_batch: usize,
    /// Time for a request head to arrive, from the connection's start or
    /// the end of its previous response; the connection is closed beyond.
    pub header_timeout: Duration,
    /// Time for a request body to arrive (408 beyond).
    pub body_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 << 20,
            max_doc_bytes: 8 << 20,
            max_batch: 10_000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

/// What every handler shares: the index, the writer, the token, the limits.
#[derive(Clone)]
pub struct AppState {
    index: Arc<Index>,
    writer: writer::Writer,
    token: Option<Arc<str>>,
    limits: Limits,
    /// The address served, once known; see [`AppState::listening_on`].
    listen: Option<SocketAddr>,
    /// The threads that compute answers, one per core.
    answerers: answerer::Answerers,
}

impl AppState {
    /// Starts the writer thread over `index`. With a token, `/v1` requests
    /// must carry it.
    pub fn new(index: Index, token: Option<String>, limits: Limits) -> AppState {
        let index = Arc::new(index);
        AppState {
            writer: writer::Writer::start(index.clone()),
            index,
            token: token.map(Arc::from),
            limits,
            listen: None,
            answerers: answerer::Answerers::start(),
        }
    }

    /// Tells the state the address it is served on. On a loopback address
    /// without a token, requests must then name this port in `Host` (and
    /// `Origin`, if they send one); until then any port passes.
    pub fn listening_on(mut self, addr: SocketAddr) -> AppState {
        self.listen = Some(addr);
        self
    }
}

/// Reads a bearer token from a file: its content, surrounding whitespace
/// removed; an empty token is refused.
pub fn read_token(path: &Path) -> Result<String, ServerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ServerError::Io { path: path.to_owned(), source })?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ServerError::Config(format!(
            "{}: the token must be one non-empty word",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

/// Refuses to expose an unauthenticated index beyond this machine.
pub fn check_listen(addr: SocketAddr, token: Option<&str>) -> Result<(), ServerError> {
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(ServerError::Config(format!(
            "refusing to listen on {addr} without a token: give one, or listen on 127.0.0.1"
        )));
    }
    Ok(())
}

/// Serves `index` on `listen` until `shutdown` completes, then finishes
/// the requests in flight and the writer's queue, and closes the index.
/// `on_ready` gets the bound address (the port, when 0 was asked for).
pub async fn serve(
    index: Index,
    listen: SocketAddr,
    token: Option<String>,
    limits: Limits,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    check_listen(listen, token.as_deref())?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServerError::Bind { addr: listen, source })?;
    let local =
        listener.local_addr().map_err(|source| ServerError::Bind { addr: listen, source })?;
    let state = AppState::new(index, token, limits).listening_on(local);
    let writer = state.writer.clone();
    on_ready(local);
    conn::serve(listener, router(state), limits, shutdown).await;
    writer.stop().await;
    Ok(())
}

/// [`serve`] on its own multi-threaded runtime, stopping when
/// `should_stop` turns true (polled ten times a second) or on SIGTERM.
pub fn run(
    index: Index,
    listen: SocketAddr,
    token: Option<String>,
    limits: Limits,
    on_ready: impl FnOnce(SocketAddr),
    should_stop: impl Fn() -> bool + Send + 'static,
) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    runtime.block_on(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(ServerError::Runtime)?;
        let shutdown = async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = tick.tick() => if should_stop() { break },
                    _ = term.recv() => break,
                }
            }
        };
        serve(index, listen, token, limits, on_ready, shutdown).await
    })
}
