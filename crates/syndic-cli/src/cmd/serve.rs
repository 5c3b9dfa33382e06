//! `syndic serve`: the HTTP service over an index (see the
//! `syndic-server` crate for the API).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use syndic::index::Index;
use syndic_server::{check_listen, read_token, Limits};

use crate::progress::Cancel;

/// Flags of `syndic serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The index directory (create one with `syndic index create`).
    pub index: PathBuf,
    /// Address to listen on; a non-loopback address needs --token-file.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// File holding the bearer token that /v1 requests must carry.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Largest document text, in bytes.
    #[arg(long, default_value_t = Limits::default().max_doc_bytes)]
    pub max_doc_bytes: usize,
    /// Most documents or texts in one batch request.
    #[arg(long, default_value_t = Limits::default().max_batch)]
    pub max_batch: usize,
    /// Seconds a client has to send a request head; slower connections
    /// are closed.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs_f64(), value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds a client has to send a request body (408 beyond).
    #[arg(long, default_value_t = Limits::default().body_timeout.as_secs_f64(), value_parser = seconds)]
    pub body_timeout: f64,
    /// Connections served at once; more are answered 503 and closed.
    #[arg(long, default_value_t = Limits::default().max_connections, value_parser = at_least_one)]
    pub max_connections: usize,
    /// Memory (MiB) for the stored documents a reprint index keeps decoded
    /// between answers (0: none); answers do not depend on it.
    #[arg(long, default_value_t = syndic::index::DEFAULT_CACHE_MB)]
    pub cache_mb: usize,
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of at least 1")),
    }
}

/// A positive, finite number of seconds.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 86400")),
    }
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    check_listen(args.listen, token.as_deref())
        .map_err(|err| anyhow::anyhow!("{err} (the token goes in --token-file)"))?;
    let mut index = Index::open(&args.index)?;
    index.set_cache_memory(args.cache_mb.saturating_mul(1 << 20));
    let documents = index.stats()?.documents;
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        max_doc_bytes: args.max_doc_bytes,
        max_batch: args.max_batch,
        header_timeout: Duration::from_secs_f64(args.header_timeout),
        body_timeout: Duration::from_secs_f64(args.body_timeout),
        max_connections: args.max_connections,
    };
    let path = args.index.display().to_string();
    let cancel = cancel.clone();
    syndic_server::run(
        index,
        args.listen,
        token,
        limits,
        |addr| eprintln!("syndic: serving {path} ({documents} documents) on http://{addr}"),
        move || cancel.check().is_err(),
    )?;
    eprintln!("syndic: stopped; every acknowledged document is on disk");
    Ok(())
}
