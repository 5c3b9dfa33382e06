//! `syndic dedup` on the example corpus and on Reuters-21578.

use std::collections::HashMap;

use crate::common::*;

#[test]
fn example_corpus_minhash_matches_golden() {
    let (_dir, out) = temp_run();
    ok(&["dedup", s(&example_corpus()), "--out", s(&out), "--quiet"]);
    golden("example-minhash/clusters.jsonl", &read(out.join("clusters.jsonl")));
    golden("example-minhash/pairs.jsonl", &read(out.join("pairs.jsonl")));
    let summary = json(out.join("summary.json"));
    assert_eq!(summary["documents"]["read"], 8);
    assert_eq!(summary["exact_duplicates"], 1);
    assert_eq!(summary["near_duplicates"], 1);
    assert_eq!(summary["params"]["bands"], 12);
    assert_eq!(summary["params"]["rows"], 10);
    for stage in ["read_and_sketch", "candidates", "verify_and_cluster", "write"] {
        assert!(summary["timings_ms"][stage].is_u64(), "timing of {stage}");
    }
    assert!(summary["peak_rss_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn exact_mode_finds_only_exact_copies() {
    let (_dir, out) = temp_run();
    ok(&["dedup", s(&example_corpus()), "--out", s(&out), "--mode", "exact", "-q"]);
    let pairs = jsonl(out.join("pairs.jsonl"));
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["kind"], "exact");
    assert_eq!(pairs[0]["a"], "wire/bridge-reopens-resend.txt");
}

#[test]
fn write_deduped_keeps_one_verbatim_line_per_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    // Extra fields and odd spacing must survive byte for byte.
    let lines: Vec<String> = example_docs()
        .iter()
        .map(|(id, text)| {
            format!(
                "{{\"text\": {},  \"id\": {}, \"extra\": [1, 2]}}",
                serde_json::json!(text),
                serde_json::json!(id)
            )
        })
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("run");
    let deduped = dir.path().join("deduped.jsonl.zst");
    ok(&["dedup", s(&input), "--out", s(&out), "--write-deduped", s(&deduped), "-q"]);
    let kept: Vec<String> =
        String::from_utf8(zstd::decode_all(std::fs::File::open(&deduped).unwrap()).unwrap())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
    let representatives: Vec<String> = jsonl(out.join("clusters.jsonl"))
        .iter()
        .filter(|c| c["representative"] == true)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kept.len(), representatives.len());
    for line in &kept {
        assert!(lines.contains(line), "line not verbatim: {line}");
        let id = serde_json::from_str::<serde_json::Value>(line).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(representatives.contains(&id));
    }
    let summary = json(out.join("summary.json"));
    assert_eq!(summary["deduped_output"]["records"], kept.len());
}

#[test]
fn stdin_is_read_as_jsonl() {
    let (_dir, out) = temp_run();
    let mut child = command(&["dedup", "-", "--out", s(&out), "-q"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(to_jsonl(&example_docs()).as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    golden("example-minhash/clusters.jsonl", &read(out.join("clusters.jsonl")));
}

/// Issue 16: a run that reads its input once (exact mode, signature
/// verification) reads standard input as it comes, so a stream of any size
/// needs no disk; a run that reads it twice copies it first. With no
/// temporary directory to copy into, the first kind still runs and gives
/// the bytes of a file's run, and the second says why it cannot.
#[test]
fn issue16_single_pass_runs_stream_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let docs = to_jsonl(&example_docs());
    let input = dir.path().join("docs.jsonl");
    std::fs::write(&input, &docs).unwrap();
    let from_stdin = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["dedup", "-", "--out", s(out), "-q"];
        args.extend(extra);
        let mut child = command(&args)
            .env("TMPDIR", dir.path().join("no-such-directory"))
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        // A pipe, written in pieces: nothing can seek back in it.
        let mut stdin = child.stdin.take().unwrap();
        for line in docs.lines() {
            writeln!(stdin, "{line}").unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    for (mode, extra) in
        [("exact", &["--mode", "exact"][..]), ("signature", &["--verify", "signature"])]
    {
        let streamed = dir.path().join(format!("{mode}-stdin"));
        let run = from_stdin(&streamed, extra);
        assert!(run.status.success(), "{mode}: {}", String::from_utf8_lossy(&run.stderr));
        let from_file = dir.path().join(format!("{mode}-file"));
        let mut args = vec!["dedup", s(&input), "--out", s(&from_file), "-q"];
        args.extend(extra);
        ok(&args);
        for file in ["clusters.jsonl", "pairs.jsonl"] {
            assert_eq!(read(streamed.join(file)), read(from_file.join(file)), "{mode}: {file}");
        }
    }
    let two_passes = from_stdin(&dir.path().join("minhash"), &[]);
    assert_eq!(two_passes.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&two_passes.stderr);
    assert!(stderr.contains("cannot open the inputs"), "{stderr}");
}

/// Reuters-21578 has several hundred groups of exact duplicates (the same
/// wire item filed twice) and a few near-duplicates (corrections).
#[test]
fn reuters_duplicates_are_found() {
    let Some(data) = shared_data() else { return };
    let input = data.join("reuters21578.jsonl.gz");
    let (_dir, out) = temp_run();
    ok(&["dedup", s(&input), "--out", s(&out), "-q"]);
    let summary = json(out.join("summary.json"));
    assert_eq!(summary["documents"]["read"], 20841);
    // Pinned counts (regressions show here first), cross-checked below.
    assert_eq!(summary["exact_duplicates"], 321);
    let exact_groups = jsonl(out.join("pairs.jsonl"))
        .iter()
        .filter(|p| p["kind"] == "exact")
        .map(|p| p["a"].as_str().unwrap().to_owned())
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert!((250..400).contains(&exact_groups), "{exact_groups} exact groups");
    let near = summary["near_duplicates"].as_u64().unwrap();
    assert!((100..200).contains(&near), "{near} near duplicates");

    // Independent check of exact copies: texts equal after lower-casing and
    // collapsing whitespace must share a cluster.
    let clusters: HashMap<String, u64> = jsonl(out.join("clusters.jsonl"))
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["cluster"].as_u64().unwrap()))
        .collect();
    let raw = flate2::read::GzDecoder::new(std::fs::File::open(&input).unwrap());
    let mut by_text: HashMap<String, Vec<String>> = HashMap::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(raw)) {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let text = v["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        by_text.entry(text).or_default().push(v["id"].as_str().unwrap().to_owned());
    }
    let mut groups = 0;
    for ids in by_text.values().filter(|ids| ids.len() > 1) {
        groups += 1;
        let first = clusters[&ids[0]];
        assert!(ids.iter().all(|id| clusters[id] == first), "{ids:?} split");
    }
    assert!(groups >= 250, "{groups}");

    // Every reported near pair is at or above the threshold.
    for p in jsonl(out.join("pairs.jsonl")).iter().filter(|p| p["kind"] == "near") {
        assert!(p["similarity"].as_f64().unwrap() >= 0.8, "{p}");
    }
}

/// Same input, any thread count and any order of the input files: the same
/// bytes out.
#[test]
fn output_independent_of_threads_and_input_order() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Three shards of the first 3,000 Reuters articles.
    let raw = flate2::read::GzDecoder::new(
        std::fs::File::open(data.join("reuters21578.jsonl.gz")).unwrap(),
    );
    let lines: Vec<String> = std::io::BufRead::lines(std::io::BufReader::new(raw))
        .take(3000)
        .map(Result::unwrap)
        .collect();
    let shards: Vec<std::path::PathBuf> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("shard-{i}.jsonl"));
            std::fs::write(&path, lines[i * 1000..(i + 1) * 1000].join("\n")).unwrap();
            path
        })
        .collect();
    let run = |name: &str, threads: &str, order: &[usize], mode: &str| {
        let out = dir.path().join(name);
        let mut args = vec!["dedup"];
        args.extend(order.iter().map(|&i| s(&shards[i])));
        args.extend(["--out", s(&out), "--threads", threads, "--mode", mode, "-q"]);
        if mode == "minhash" {
            args.extend(["--threshold", "0.5"]);
        }
        ok(&args);
        (read(out.join("clusters.jsonl")), read(out.join("pairs.jsonl")))
    };
    for mode in ["minhash", "reprint"] {
        let reference = run(&format!("{mode}-1"), "1", &[0, 1, 2], mode);
        assert!(reference.1.lines().count() > 10, "the slice has duplicates to find");
        assert_eq!(run(&format!("{mode}-4"), "4", &[0, 1, 2], mode), reference, "{mode}: threads");
        assert_eq!(
            run(&format!("{mode}-rev"), "3", &[2, 0, 1], mode),
            reference,
            "{mode}: input order"
        );
    }
}

/// `docs.jsonl` in `dir`: `n` short documents over `templates` templates;
/// every fifth is a copy, every fifth a near-copy of a template, the rest
/// unrelated.
fn spilling_corpus(dir: &std::path::Path, n: usize, templates: usize) -> std::path::PathBuf {
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let t = i % templates;
            let text = match i % 5 {
                0 | 1 => {
                    format!("report {t} on markets and rates said officials on monday after talks")
                }
                2 => format!(
                    "report {t} on markets and rates said officials on monday after long talks"
                ),
                _ => format!(
                    "item {i} about storms {} and rivers {} with nothing in common",
                    i * 7,
                    i * 13
                ),
            };
            serde_json::json!({"id": format!("d{i}"), "text": text}).to_string()
        })
        .collect();
    let input = dir.join("docs.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    input
}

/// Issue 16: `--memory-mb` small enough to spill gives the bytes of the
/// in-memory run, for any thread count, and leaves no temporary files.
#[test]
fn issue16_memory_bound_spills_and_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // 24,000 short documents: at 1 MiB, their hashes and band keys spill
    // several runs per partition.
    let input = spilling_corpus(dir.path(), 24_000, 997);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["dedup", s(&input), "--out", s(&out), "-q"];
        args.extend(extra);
        ok(&args);
        let mut summary = json(out.join("summary.json"));
        for field in ["timings_ms", "peak_rss_bytes", "threads"] {
            summary.as_object_mut().unwrap().remove(field);
        }
        (read(out.join("clusters.jsonl")), read(out.join("pairs.jsonl")), summary)
    };
    for mode in ["minhash", "exact"] {
        let reference = run(&format!("{mode}-memory"), &["--mode", mode]);
        assert!(reference.1.lines().count() > 1000, "{mode}: copies to find");
        for threads in ["1", "2"] {
            let bounded = run(
                &format!("{mode}-bounded-{threads}"),
                &["--mode", mode, "--memory-mb", "1", "--threads", threads, "--tmp-dir", s(&tmp)],
            );
            assert_eq!(bounded, reference, "{mode}, {threads} threads");
            assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "temporary files removed");
        }
    }
    // Without --tmp-dir the files go beside --out, and are removed too.
    let mut entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    let beside = run("beside", &["--memory-mb", "1"]);
    assert_eq!(beside.1, run("minhash-again", &[]).1);
    entries.extend(["beside".to_owned(), "minhash-again".to_owned()]);
    entries.sort();
    let mut after: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    after.sort();
    assert_eq!(after, entries, "nothing left beside the run");
}

/// `docs.jsonl` in `dir`: `n` articles of about 200 made-up words, every
/// third reprinting three paragraphs of an earlier one among text of its
/// own, every tenth an exact copy: more fingerprint postings than 1 MiB
/// holds, and reprints to find.
fn reprint_corpus(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut paragraph = || {
        let words: Vec<String> = (0..40)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("w{}", x % 5_000)
            })
            .collect();
        words.join(" ") + "."
    };
    let mut articles: Vec<Vec<String>> = Vec::with_capacity(n);
    for i in 0..n {
        let article = match i % 10 {
            3 | 6 if i > 20 => {
                let source = &articles[i - 1 - (i * 7) % 20];
                let mut article = source[1..4].to_vec();
                article.extend([paragraph(), paragraph()]);
                article
            }
            9 => articles[i - 5].clone(),
            _ => (0..5).map(|_| paragraph()).collect(),
        };
        articles.push(article);
    }
    let lines: Vec<String> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            serde_json::json!({"id": format!("a{i}"), "text": a.join("\n\n")}).to_string()
        })
        .collect();
    let input = dir.join("articles.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    input
}

/// Issue 16: in reprint mode, `--memory-mb 1` spills the fingerprint
/// postings and still writes the bytes of the in-memory run, every file,
/// for any thread count, and leaves no temporary files.
#[test]
fn issue16_memory_bound_in_reprint_mode_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = reprint_corpus(dir.path(), 4_000);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["dedup", s(&input), "--out", s(&out), "-q", "--mode", "reprint"];
        args.extend(extra);
        ok(&args);
        let mut summary = json(out.join("summary.json"));
        for field in ["timings_ms", "peak_rss_bytes", "threads"] {
            summary.as_object_mut().unwrap().remove(field);
        }
        let files = ["clusters.jsonl", "pairs.jsonl", "passages.jsonl", "boilerplate.jsonl"];
        (files.map(|file| read(out.join(file))), summary)
    };
    let reference = run("memory", &[]);
    let pairs = &reference.0[1];
    assert!(pairs.contains("\"reprint\"") && pairs.contains("\"exact\""), "pairs to find");
    for threads in ["1", "2"] {
        let bounded = run(
            &format!("bounded-{threads}"),
            &["--memory-mb", "1", "--threads", threads, "--tmp-dir", s(&tmp)],
        );
        assert!(bounded == reference, "{threads} threads: the same bytes");
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "temporary files removed");
    }
}

/// Issue 16: when the candidate pairs outgrow `--memory-mb`, the verified
/// pairs go to disk as they are verified, clusters are joined from them as
/// they come, and `pairs.jsonl` is read back from the file: the bytes of
/// the in-memory run, and no file left once the run is written.
#[test]
fn issue16_verified_pairs_spill_and_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // 50 families of 300 documents, each one word away from its family's
    // others: about 45 candidate pairs a document, far past what 1 MiB
    // holds (131,072 pairs).
    let lines: Vec<String> = (0..15_000)
        .map(|i| {
            let family = i % 50;
            let mut words: Vec<String> = (0..40)
                .map(|k| format!("w{}x{}", (family * 7 + k * 3) % 23, (family * 31 + k) % 97))
                .collect();
            words[i % 40] = format!("v{i}");
            serde_json::json!({"id": format!("d{i}"), "text": words.join(" ")}).to_string()
        })
        .collect();
    let input = dir.path().join("families.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let reference = dir.path().join("memory");
    ok(&["dedup", s(&input), "--out", s(&reference), "-q"]);
    let candidates = json(reference.join("summary.json"))["candidate_pairs"].as_u64().unwrap();
    assert!(candidates > 200_000, "{candidates} candidate pairs: too few to spill");
    let bounded = dir.path().join("bounded");
    ok(&["dedup", s(&input), "--out", s(&bounded), "-q", "--memory-mb", "1", "--tmp-dir", s(&tmp)]);
    for file in ["pairs.jsonl", "clusters.jsonl"] {
        assert!(read(bounded.join(file)) == read(reference.join(file)), "{file} differs");
    }
    assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "temporary files removed");
}

/// Issue 16: Ctrl-C while runs are being spilled stops the run and
/// removes them.
#[test]
fn issue16_ctrl_c_removes_spilled_runs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    let lines: Vec<String> = (0..400_000)
        .map(|i| {
            format!(r#"{{"id": "d{i}", "text": "item {i} about storms {} and rivers"}}"#, i * 7)
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = dir.path().join("run");
    let mut child = command(&["dedup", s(&input), "--out", s(&out), "--memory-mb", "1"])
        .args(["--tmp-dir", s(&tmp), "-q", "--threads", "1"])
        .spawn()
        .unwrap();
    let runs = |dir: &std::path::Path| -> usize {
        walk(dir).iter().filter(|p| p.extension().is_some_and(|e| e == "run")).count()
    };
    let started = std::time::Instant::now();
    while runs(&tmp) == 0 {
        assert!(child.try_wait().unwrap().is_none(), "still running when runs appear");
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "runs appear");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!out.exists());
    assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "spilled runs removed");
}

/// Issue 16: under `--memory-mb` the temporary space the run may need is
/// stated before it starts, and a run it would not fit (a disk made to
/// look nearly full by `SYNDIC_TEST_FREE_BYTES`) is refused before anything
/// is written, unless `--no-space-check`. `-q` prints nothing; without a
/// memory bound nothing spills and nothing is stated; standard input read
/// as it comes has no size to estimate from.
#[test]
fn issue16_temporary_space_is_stated_and_checked_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = spilling_corpus(dir.path(), 2000, 97);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = dir.path().join("run");
    let bounded = ["dedup", s(&input), "--out", s(&out), "--memory-mb", "1", "--tmp-dir", s(&tmp)];
    let run = |extra: &[&str], free: &str| {
        command(&bounded).args(extra).env("SYNDIC_TEST_FREE_BYTES", free).output().unwrap()
    };
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let nothing_written = || {
        assert!(!out.exists(), "nothing written to --out");
        assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "nothing left in --tmp-dir");
    };

    for quiet in [false, true] {
        let refused = run(if quiet { &["-q"] } else { &[] }, "1000");
        let err = stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{err}");
        let last = err.lines().last().unwrap();
        assert!(last.starts_with("syndic: error: "), "{err}");
        let named = format!("{}: not enough temporary space", tmp.display());
        for words in
            [&named, "the run may need about ", "1.0 kB free", "--tmp-dir", "--no-space-check"]
        {
            assert!(last.contains(words), "{words:?} in {err}");
        }
        let stated = "syndic: temporary space: about ";
        assert_eq!(err.lines().count(), if quiet { 1 } else { 2 }, "{err}");
        assert_eq!(err.contains(stated), !quiet, "{err}");
        if !quiet {
            assert!(err.contains(&format!(" in {} (1.0 kB free)", tmp.display())), "{err}");
        }
        nothing_written();
    }

    let forced = run(&["-q", "--no-space-check"], "1000");
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(stderr(&forced), "", "-q prints nothing");
    assert!(out.join("clusters.jsonl").exists());
    assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "temporary files removed");

    // Room enough: stated, then run.
    let roomy = run(&["--force"], "1000000000000");
    let err = stderr(&roomy);
    assert!(roomy.status.success(), "{err}");
    assert!(err.starts_with("syndic: temporary space: about "), "{err}");
    assert!(err.contains("(1.0 TB free)"), "{err}");

    // No bound: nothing spills, nothing is stated, nothing is checked.
    let free = command(&["dedup", s(&input), "--out", s(&out), "--force", "--tmp-dir", s(&tmp)])
        .env("SYNDIC_TEST_FREE_BYTES", "1")
        .output()
        .unwrap();
    assert!(free.status.success(), "{}", stderr(&free));
    assert!(!stderr(&free).contains("temporary space"), "{}", stderr(&free));

    // Standard input read as it comes (exact mode): said, and not checked.
    let mut piped = command(&["dedup", "-", "--mode", "exact", "--out", s(&out), "--force"])
        .args(["--memory-mb", "1", "--tmp-dir", s(&tmp)])
        .env("SYNDIC_TEST_FREE_BYTES", "1")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = piped.stdin.take().unwrap();
        stdin.write_all(&std::fs::read(&input).unwrap()).unwrap();
    }
    let piped = piped.wait_with_output().unwrap();
    let err = stderr(&piped);
    assert!(piped.status.success(), "{err}");
    assert!(err.contains("temporary space: not estimated"), "{err}");
}

/// Issue 16: `syndic dedup --resume` killed once its first pass is
/// checkpointed (by a test-only abort, as a kill leaves it) keeps its work
/// directory; run again, it resumes without reading the first pass, writes
/// the bytes of an uninterrupted run and removes the directory. A damaged
/// checkpoint is refused, and so are runs that cannot resume.
#[test]
fn issue16_a_killed_run_resumes_after_the_first_pass() {
    let dir = tempfile::tempdir().unwrap();
    let input = spilling_corpus(dir.path(), 6000, 397);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let reference = dir.path().join("reference");
    ok(&["dedup", s(&input), "--out", s(&reference), "--memory-mb", "1", "-q"]);
    let out = dir.path().join("run");
    let args = [
        "dedup",
        s(&input),
        "--out",
        s(&out),
        "--memory-mb",
        "1",
        "--resume",
        "--tmp-dir",
        s(&tmp),
    ];
    let killed =
        command(&args).arg("-q").env("SYNDIC_TEST_ABORT_AFTER_CHECKPOINT", "1").output().unwrap();
    assert_eq!(killed.status.code(), None, "killed by a signal");
    assert!(!out.exists());
    let work: Vec<_> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(work.len(), 1, "one work directory: {work:?}");
    let name = work[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(".syndic-resume-"), "{name}");
    let checkpoint = work[0].join("pass1.ckpt");
    let good = std::fs::read(&checkpoint).unwrap();
    // Damaged: refused, and left for the user to remove.
    let mut damaged = good.clone();
    damaged[200] ^= 1;
    std::fs::write(&checkpoint, &damaged).unwrap();
    let err = fails(&args);
    assert!(err.contains("cannot resume from this checkpoint: checksum mismatch"), "{err}");
    assert!(err.contains(&format!("remove {}", work[0].display())), "{err}");
    assert_eq!(std::fs::read(&checkpoint).unwrap(), damaged);
    std::fs::write(&checkpoint, &good).unwrap();
    let stderr = ok(&args);
    assert!(stderr.contains("resuming after the first pass"), "{stderr}");
    for file in ["clusters.jsonl", "pairs.jsonl"] {
        assert_eq!(read(out.join(file)), read(reference.join(file)), "{file}");
    }
    let (resumed, whole) = (json(out.join("summary.json")), json(reference.join("summary.json")));
    assert_eq!(resumed["documents"], whole["documents"]);
    assert!(whole["timings_ms"]["read_and_sketch"].is_u64());
    assert!(resumed["timings_ms"].get("read_and_sketch").is_none(), "pass 1 not read again");
    assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "work directory removed");
    // Runs that cannot resume are refused before anything is read.
    let other = dir.path().join("other");
    let err = fails(&["dedup", s(&input), "--out", s(&other), "--resume"]);
    assert!(err.contains("--resume needs --memory-mb"), "{err}");
    let err = fails(&["dedup", "-", "--out", s(&other), "--memory-mb", "1", "--resume"]);
    assert!(err.contains("cannot resume standard input"), "{err}");
    let err = fails(&["dedup", s(&input), "--out", s(&other), "--mode", "reprint", "--resume"]);
    assert!(err.contains("--resume needs --memory-mb"), "{err}");
    assert!(!other.exists());
}

/// Issue 16: `syndic dedup --mode reprint --resume` killed once its first
/// pass is checkpointed keeps its work directory (the checkpoint and the
/// spilled postings); run again, under another bound even, it resumes
/// without reading the first pass, writes every file of an uninterrupted
/// run byte for byte and removes the directory. A damaged checkpoint is
/// refused with an error naming it.
#[test]
fn issue16_a_killed_reprint_run_resumes_after_the_first_pass() {
    let dir = tempfile::tempdir().unwrap();
    let input = reprint_corpus(dir.path(), 3_000);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let files = ["clusters.jsonl", "pairs.jsonl", "passages.jsonl", "boilerplate.jsonl"];
    let reference = dir.path().join("reference");
    ok(&["dedup", s(&input), "--out", s(&reference), "--mode", "reprint", "-q"]);
    assert!(read(reference.join("pairs.jsonl")).contains("\"reprint\""), "reprints to find");
    let out = dir.path().join("run");
    let args = |memory_mb| {
        let args = ["dedup", s(&input), "--out", s(&out), "--mode", "reprint", "--resume"];
        let mut args = args.map(str::to_owned).to_vec();
        args.extend(["--memory-mb", memory_mb, "--tmp-dir", s(&tmp)].map(str::to_owned));
        args
    };
    let killed = args("1");
    let killed: Vec<&str> = killed.iter().map(String::as_str).collect();
    let output =
        command(&killed).arg("-q").env("SYNDIC_TEST_ABORT_AFTER_CHECKPOINT", "1").output().unwrap();
    assert_eq!(output.status.code(), None, "killed by a signal");
    assert!(!out.exists());
    let work: Vec<_> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(work.len(), 1, "one work directory: {work:?}");
    let checkpoint = work[0].join("pass1.ckpt");
    assert!(walk(&work[0].join("pass1")).len() > 1, "spilled postings kept");
    let good = std::fs::read(&checkpoint).unwrap();
    let mut damaged = good.clone();
    damaged[200] ^= 1;
    std::fs::write(&checkpoint, &damaged).unwrap();
    let err = fails(&killed);
    assert!(err.contains(&checkpoint.display().to_string()), "{err}");
    assert!(err.contains("cannot resume from this checkpoint: checksum mismatch"), "{err}");
    assert!(err.contains(&format!("remove {}", work[0].display())), "{err}");
    assert_eq!(std::fs::read(&checkpoint).unwrap(), damaged);
    std::fs::write(&checkpoint, &good).unwrap();
    let resumed = args("2");
    let resumed: Vec<&str> = resumed.iter().map(String::as_str).collect();
    let stderr = ok(&resumed);
    assert!(stderr.contains("resuming after the first pass"), "{stderr}");
    for file in files {
        assert_eq!(read(out.join(file)), read(reference.join(file)), "{file}");
    }
    let (resumed, whole) = (json(out.join("summary.json")), json(reference.join("summary.json")));
    assert_eq!(resumed["documents"], whole["documents"]);
    assert!(whole["timings_ms"]["read_and_fingerprint"].is_u64());
    assert!(resumed["timings_ms"].get("read_and_fingerprint").is_none(), "pass 1 not read again");
    assert_eq!(walk(&tmp), Vec::<std::path::PathBuf>::new(), "work directory removed");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .map(|e| e.unwrap().path())
        .flat_map(|p| {
            if p.is_dir() {
                let mut v = walk(&p);
                v.push(p);
                v
            } else {
                vec![p]
            }
        })
        .collect()
}
