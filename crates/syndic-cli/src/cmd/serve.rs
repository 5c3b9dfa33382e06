//! `syndic serve`: the HTTP service over an index (see the
//! `syndic-server` crate for the API).

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

pub fn run(args: Args, cancel: &Cancel) -> anyhow::Result<()> {
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    check_listen(args.listen, token.as_deref())?;
    let index = Index::open(&args.index)?;
    let documents = index.stats()?.documents;
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        max_doc_bytes: args.max_doc_bytes,
        max_batch: args.max_batch,
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
