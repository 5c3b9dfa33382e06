//! Load client for `syndic serve`: many concurrent clients on loopback,
//! reporting latency percentiles, throughput and the server's memory.
//!
//! ```text
//! cargo run --release -p syndic-server --example load -- \
//!     --addr 127.0.0.1:8080 --data corpus.jsonl.gz --mode query \
//!     --clients 50 --seconds 30 [--skip N] [--limit N] [--batch 500] \
//!     [--site-field F] [--server-pid PID] [--token T]
//! ```
//!
//! `--mode query` sends single `POST /v1/query` requests with texts from
//! the data; `--mode add` sends `POST /v1/batch/documents` batches of
//! `--batch` documents, each document once (ids prefixed `load-`), until
//! the data or the time runs out. The run is bounded by `--seconds` and by
//! the data; it talks to the given address only. With `--site-field`, added
//! documents carry the site read from that field. With `--server-pid`, the
//! server's resident memory is sampled every second, and the server's CPU
//! time over the run is reported per request and per document added: the
//! figure least moved by other work on the machine, which the latencies
//! and rates are not.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use syndic::read::{resolve_inputs, CorpusReader, ReadOptions};
use syndic_server::client::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: HashMap<&str, &str> = args
        .chunks(2)
        .filter_map(|c| Some((c[0].strip_prefix("--")?, c.get(1)?.as_str())))
        .collect();
    let flag = |name: &str, default: &str| flags.get(name).copied().unwrap_or(default).to_owned();
    let addr = flag("addr", "127.0.0.1:8080").parse()?;
    let mode = flag("mode", "query");
    let clients: usize = flag("clients", "50").parse()?;
    let seconds: u64 = flag("seconds", "30").parse()?;
    let skip: usize = flag("skip", "0").parse()?;
    let limit: usize = flag("limit", "100000").parse()?;
    let batch: usize = flag("batch", "500").parse()?;
    let token = flags.get("token").map(|t| t.to_string());
    let data = PathBuf::from(flag("data", ""));

    let opts = ReadOptions {
        site_field: flags.get("site-field").map(|f| f.to_string()),
        ..ReadOptions::default()
    };
    let inputs = resolve_inputs(&[data], &opts)?;
    let mut reader = CorpusReader::new(&inputs, &opts);
    let mut docs = Vec::new();
    for doc in reader.by_ref().skip(skip).take(limit) {
        let doc = doc?;
        docs.push((doc.id, doc.text, doc.site));
    }
    eprintln!("load: {} documents from the data; {clients} clients, mode {mode}", docs.len());
    let docs = Arc::new(docs);

    let stop = Arc::new(AtomicBool::new(false));
    let rss = flags.get("server-pid").map(|pid| sample_rss(pid.to_string(), stop.clone()));
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    // Documents in batches the server acknowledged (each after its commit).
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let cpu_before = flags.get("server-pid").map(|pid| server_cpu_seconds(pid));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (docs, next, latencies, errors, acknowledged, token, mode) = (
                docs.clone(),
                next.clone(),
                latencies.clone(),
                errors.clone(),
                acknowledged.clone(),
                token.clone(),
                mode.clone(),
            );
            std::thread::spawn(move || {
                let mut client = Client::new(addr, token);
                let mut mine = Vec::new();
                let mut i = c;
                while Instant::now() < deadline {
                    let (path, body, sending) = if mode == "add" {
                        let start = next.fetch_add(batch, Ordering::Relaxed);
                        if start >= docs.len() {
                            break;
                        }
                        let end = (start + batch).min(docs.len());
                        let documents: Vec<_> = docs[start..end]
                            .iter()
                            .map(|(id, text, site)| {
                                let mut doc = json!({"id": format!("load-{id}"), "text": text});
                                if let Some(site) = site {
                                    doc["site"] = json!(site);
                                }
                                doc
                            })
                            .collect();
                        ("/v1/batch/documents", json!({"documents": documents}), end - start)
                    } else {
                        i = (i + clients) % docs.len();
                        ("/v1/query", json!({"text": docs[i].1}), 0)
                    };
                    let sent = Instant::now();
                    match client.json("POST", path, &body) {
                        Ok((200, _)) => {
                            mine.push(sent.elapsed());
                            acknowledged.fetch_add(sending, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latencies.lock().expect("no worker panics holding it").extend(mine);
            })
        })
        .collect();
    for worker in workers {
        worker.join().map_err(|_| "a client thread panicked")?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = flags.get("server-pid").map(|pid| server_cpu_seconds(pid));
    stop.store(true, Ordering::Relaxed);
    let mut latencies = latencies.lock().map_err(|_| "poisoned")?.clone();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let requests = latencies.len();
    println!("mode: {mode}, clients: {clients}, elapsed: {elapsed:.1} s");
    println!("requests ok: {requests}, errors: {}", errors.load(Ordering::Relaxed));
    println!("requests/s: {:.0}", requests as f64 / elapsed);
    let added = acknowledged.load(Ordering::Relaxed);
    if mode == "add" {
        println!("documents acknowledged: {added}, documents/s: {:.0}", added as f64 / elapsed);
    }
    if let (Some(Some(before)), Some(Some(after))) = (cpu_before, cpu) {
        let used = after - before;
        print!("server CPU: {used:.1} s, {:.2} ms per request", used * 1e3 / requests as f64);
        if mode == "add" {
            print!(", {:.2} ms per document", used * 1e3 / added as f64);
        }
        println!();
    }
    println!(
        "latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    if let Some(rss) = rss {
        let samples = rss.join().map_err(|_| "the sampler panicked")?;
        let mb: Vec<String> = samples.iter().map(|kb| format!("{}", kb / 1024)).collect();
        println!("server RSS MiB, one sample per second: {}", mb.join(" "));
    }
    Ok(())
}

/// The CPU time the server's threads have used (user and system), in
/// seconds; `None` when it cannot be read.
fn server_cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold spaces: utime and stime are the 14th and 15th of the line.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel reports them in clock ticks, 100 a second on Linux.
    Some(ticks / 100.0)
}

/// The server's VmRSS in KiB, once a second until `stop`.
fn sample_rss(pid: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<u64>> {
    std::thread::spawn(move || {
        let mut samples = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let kb = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok());
            samples.extend(kb);
            std::thread::sleep(Duration::from_secs(1));
        }
        samples
    })
}
