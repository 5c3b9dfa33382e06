//! A disk that fills up mid-stream: the add that does not fit gets a clean
//! 507, and so does every add after it while the disk is full; reads go on
//! working and `/health` says the index is not writable; once space is
//! back, the same server (no restart) takes adds again, and nothing
//! acknowledged is lost.
//!
//! The disk is a 4 MiB tmpfs mounted for the test (we run as root in CI);
//! where mounting is not permitted, a file-size limit (`RLIMIT_FSIZE`) on
//! this test process makes writes past it fail the same way (EFBIG). If
//! neither works the test says so and passes without checking.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{call, conforms, runtime, spec};
use serde_json::json;
use syndic::dedup::DedupConfig;
use syndic::index::{Index, INDEX_FILE};
use syndic_server::{router, AppState, Limits};

/// How the disk was made small, and how to give the space back.
enum Limit {
    Tmpfs(PathBuf),
    FileSize,
}

impl Limit {
    fn tmpfs(dir: &Path) -> Option<Limit> {
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        mounted.then(|| Limit::Tmpfs(dir.to_owned()))
    }

    /// Limits every file this process writes to `bytes` from now on.
    fn file_size(bytes: u64) -> Option<Limit> {
        // SAFETY: `signal` with SIG_IGN installs no handler, so there is no
        // handler code to be async-signal-safe; ignoring SIGXFSZ makes a
        // write past the limit fail with EFBIG instead of killing the
        // process. `setrlimit` reads a plain struct we own.
        let ok = unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: libc::RLIM_INFINITY };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0
        };
        ok.then_some(Limit::FileSize)
    }

    fn lift(&self) {
        match self {
            Limit::Tmpfs(dir) => {
                let status =
                    Command::new("mount").args(["-o", "remount,size=256m"]).arg(dir).status();
                assert!(status.is_ok_and(|s| s.success()), "cannot grow the tmpfs back");
            }
            // SAFETY: as in `file_size`; raising the soft limit to the hard
            // one (infinity) is always permitted.
            Limit::FileSize => unsafe {
                let limit =
                    libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
                assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
            },
        }
    }
}

impl Drop for Limit {
    fn drop(&mut self) {
        if let Limit::Tmpfs(dir) = self {
            let _ = Command::new("umount").arg(dir).status();
        }
    }
}

/// Text that zstd cannot shrink much: pseudo-random words.
fn noisy_text(seed: u64, words: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..words)
        .map(|_| {
            (0..6)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b'a' + (x % 26) as u8)
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn issue12_server_recovers_after_disk_full() {
    let base = tempfile::tempdir().unwrap();
    let disk = base.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let tmpfs = Limit::tmpfs(&disk);
    let path = disk.join("idx");
    let index = Index::create(&path, DedupConfig::builder().build().unwrap()).unwrap();
    let limit = match tmpfs {
        Some(limit) => limit,
        None => {
            let size = std::fs::metadata(path.join(INDEX_FILE)).unwrap().len();
            match Limit::file_size(size + (4 << 20)) {
                Some(limit) => limit,
                None => {
                    eprintln!("note: neither a tmpfs nor a file-size limit is available here; full-disk test skipped");
                    return;
                }
            }
        }
    };
    let spec = spec();
    let rt = runtime();
    let app = router(AppState::new(index, None, Limits::default()));
    let mut acknowledged = Vec::new();
    let mut failure = None;
    for batch in 0..2000u64 {
        let documents: Vec<_> = (0..20)
            .map(
                |i| json!({"id": format!("b{batch}-{i}"), "text": noisy_text(batch * 20 + i, 300)}),
            )
            .collect();
        let (status, body) =
            call(&rt, &app, "POST", "/v1/batch/documents", Some(json!({"documents": documents})));
        conforms(&spec, "POST", "/v1/batch/documents", status, &body);
        if status != 200 {
            failure = Some((status, body));
            break;
        }
        acknowledged.extend(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
    }
    let (status, body) = failure.expect("the disk never filled up");
    assert_eq!(status, 507, "{body}");
    assert_eq!(body["code"], "storage_full");
    assert!(!acknowledged.is_empty());

    // While the disk stays full, every add fails the same clean way (507,
    // never 500), reads work, and /health says why writes fail.
    for attempt in 0..25 {
        let doc = json!({"id": format!("late{attempt}"), "text": noisy_text(7 + attempt, 300)});
        let (status, body) = call(&rt, &app, "POST", "/v1/documents", Some(doc));
        conforms(&spec, "POST", "/v1/documents", status, &body);
        assert_eq!(status, 507, "add {attempt} while full: {body}");
        let (status, body) =
            call(&rt, &app, "GET", &format!("/v1/documents/{}", acknowledged[0]), None);
        assert_eq!(status, 200, "read while full: {body}");
    }
    let (status, stats) = call(&rt, &app, "GET", "/v1/stats", None);
    assert_eq!((status, stats["documents"].as_u64()), (200, Some(acknowledged.len() as u64)));
    let (status, health) = call(&rt, &app, "GET", "/health", None);
    conforms(&spec, "GET", "/health", status, &health);
    assert_eq!((status, health["status"].as_str()), (503, Some("not_writable")), "{health}");

    // Space comes back: the same server takes the next add, and says so.
    limit.lift();
    let started = std::time::Instant::now();
    let (status, body) = call(
        &rt,
        &app,
        "POST",
        "/v1/documents",
        Some(json!({"id": "after", "text": "space is back now"})),
    );
    assert_eq!(status, 201, "{body}");
    eprintln!("recovered {:?} after space came back", started.elapsed());
    acknowledged.push("after".to_owned());
    let (status, health) = call(&rt, &app, "GET", "/health", None);
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")), "{health}");
    for id in &acknowledged {
        let (status, _) = call(&rt, &app, "GET", &format!("/v1/documents/{id}"), None);
        assert_eq!(status, 200, "{id} was acknowledged but is missing");
    }

    // And on disk: the index opens at its last commit with exactly what
    // was acknowledged.
    drop(app);
    let reopened = (0..500).find_map(|_| {
        let opened = Index::open(&path).ok();
        if opened.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        opened
    });
    let index = reopened.expect("the index opens once the server is gone");
    assert_eq!(index.stats().unwrap().documents, acknowledged.len() as u64);
    assert_eq!(index.export().unwrap().ids, acknowledged);
}
