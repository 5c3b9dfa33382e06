"""Unit tests of the `syndic` Python package: the whole-run functions against
the CLI, the stage functions composed into the same pipeline, Arrow in and
out, errors, the GIL and Ctrl-C."""

from __future__ import annotations

import _thread
import gzip
import json
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

import syndic
from conftest import BASE, OTHER, run_cli

SMALL = [BASE, BASE.upper(), BASE.replace("Tuesday", "Wednesday"), OTHER]


def reuters_head(path: Path, n: int) -> pa.Table:
    rows = [json.loads(line) for _, line in zip(range(n), gzip.open(path, "rt", encoding="utf-8"))]
    return pa.table({"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})


def test_dedup_of_a_list_of_texts() -> None:
    clusters, pairs, stats = syndic.dedup(SMALL, threshold=0.5, keep="first")
    assert clusters.column("id").to_pylist() == ["0", "1", "2", "3"]
    assert clusters.column("cluster").to_pylist() == [0, 0, 0, 1]
    assert clusters.column("representative").to_pylist() == [True, False, False, True]
    similarity = clusters.column("similarity").to_pylist()
    assert similarity[:2] == [1.0, 1.0] and 0.6 < similarity[2] < 0.8 and similarity[3] == 1.0
    assert pairs.to_pylist()[0] == {"a": "0", "b": "1", "similarity": 1.0, "kind": "exact", "coverage": None}
    assert [p["kind"] for p in pairs.to_pylist()] == ["exact", "near"]
    assert (stats["documents"], stats["exact_duplicates"], stats["near_duplicates"]) == (4, 1, 1)
    assert stats["params"] == syndic.dedup_config(threshold=0.5, keep="first")


def test_issue16_memory_mb_spills_and_gives_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 20,000 short texts spill their hashes and band keys at 1 MiB; the
    # runs go to the system temporary directory and are removed.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    texts = [
        f"report {i % 997} on markets and rates said officials on monday after talks"
        if i % 3 else f"item {i} about storms {i * 7} and rivers {i * 13} with nothing in common"
        for i in range(20_000)
    ]
    in_memory = syndic.dedup(texts, quiet=True)
    bounded = syndic.dedup(texts, quiet=True, memory_mb=1, threads=2)
    assert in_memory.stats["exact_duplicates"] > 10_000
    assert bounded.clusters.equals(in_memory.clusters) and bounded.pairs.equals(in_memory.pairs)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(syndic.ConfigError, match="memory_mb"):
        syndic.dedup(texts[:3], memory_mb=0)


def test_issue16_memory_mb_spills_in_reprint_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 articles of 200 made-up words, every tenth reprinted abridged:
    # more fingerprint postings than 1 MiB holds.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    draw = random.Random(7)
    paragraphs = [" ".join(f"w{draw.randrange(5_000)}" for _ in range(40)) + "." for _ in range(15_000)]
    texts = ["\n\n".join(paragraphs[5 * i : 5 * i + 5]) for i in range(3_000)]
    texts += ["\n\n".join(paragraphs[5 * i + 1 : 5 * i + 4]) for i in range(0, 3_000, 10)]
    in_memory = syndic.dedup(texts, mode="reprint", quiet=True)
    bounded = syndic.dedup(texts, mode="reprint", quiet=True, memory_mb=1, threads=2)
    assert in_memory.stats["near_duplicates"] >= 250
    assert bounded.clusters.equals(in_memory.clusters) and bounded.pairs.equals(in_memory.pairs)
    assert bounded.passages.equals(in_memory.passages)
    assert list(tmp_path.iterdir()) == []


def test_tables_batches_and_lists_agree() -> None:
    # Integer ids become strings; chunked columns with different chunk
    # boundaries are read without copying.
    ids = pa.chunked_array([[10, 11], [12, 13]])
    texts = pa.chunked_array([SMALL[:1], SMALL[1:]])
    table = pa.table({"doc_id": ids, "body": texts})
    from_table = syndic.dedup(table, id_column="doc_id", text_column="body", threshold=0.5)
    batch = pa.record_batch({"id": pa.array(["10", "11", "12", "13"]), "text": pa.array(SMALL, pa.large_string())})
    from_batch = syndic.dedup(batch, threshold=0.5)
    from_list = syndic.dedup(SMALL, threshold=0.5)
    assert from_table.clusters.column("id").to_pylist() == ["10", "11", "12", "13"]
    assert from_table.clusters.equals(from_batch.clusters)
    assert from_table.clusters.drop_columns(["id"]).equals(from_list.clusters.drop_columns(["id"]))


def test_dedup_of_files_matches_the_cli(reuters_shards: list, syndic_bin: Path, tmp_path: Path) -> None:
    run_cli(syndic_bin, "dedup", *reuters_shards, "--out", tmp_path / "run", "--quiet")
    result = syndic.dedup([Path(p) for p in reversed(reuters_shards)])
    assert result.stats["documents"] == 20841
    assert result.stats["exact_duplicates"] > 0 and result.stats["near_duplicates"] > 0
    assert syndic.to_jsonl(result.clusters) == (tmp_path / "run" / "clusters.jsonl").read_bytes()
    assert syndic.to_jsonl(result.pairs) == (tmp_path / "run" / "pairs.jsonl").read_bytes()


def test_run_files_written_through_the_core_match_the_cli(
    reuters_shards: list, syndic_bin: Path, tmp_path: Path
) -> None:
    """What the Ray runner writes with: the core's line types and summary
    arithmetic, fed the clusters and pairs a run computed."""
    from syndic import _syndic

    cli = tmp_path / "cli"
    run_cli(syndic_bin, "dedup", *reuters_shards, "--out", cli, "--quiet")
    result = syndic.dedup([Path(p) for p in reuters_shards])
    clusters, pairs = result.clusters.combine_chunks(), result.pairs.combine_chunks()
    for file, rows in (("clusters.jsonl", clusters), ("pairs.jsonl", pairs)):
        lines = b"".join(_syndic.run_lines(file, b) for b in rows.to_batches())
        assert lines == (cli / file).read_bytes(), file
    out = tmp_path / "out"
    out.mkdir()
    (out / "clusters.jsonl").write_bytes(b"")
    cluster = clusters.column("cluster").combine_chunks()
    is_representative = clusters.column("representative").to_pylist()
    first = {}
    for doc, (c, rep) in enumerate(zip(cluster.to_pylist(), is_representative)):
        if rep:
            first[c] = doc
    representative = pa.array([first[c] for c in cluster.to_pylist()], pa.uint32())
    written = _syndic.write_dedup_summary(
        str(out),
        {"mode": "minhash", "documents": len(cluster), "timings_ms": {"total": 1}},
        cluster=cluster,
        representative=representative,
        similarity=clusters.column("similarity").combine_chunks(),
        exact_duplicates=result.stats["exact_duplicates"],
        candidate_pairs=result.stats["candidate_pairs"],
        verified_pairs=result.stats["verified_pairs"],
    )
    assert written == json.loads((out / "summary.json").read_text())
    expected = json.loads((cli / "summary.json").read_text())
    keys = ["exact_duplicates", "near_duplicates", "clusters", "duplicates_removed", "candidate_pairs"]
    keys += ["verified_pairs", "cluster_size_histogram", "similarity_histogram", "syndic_version", "command"]
    assert {k: written[k] for k in keys} == {k: expected[k] for k in keys}
    assert written["files"] == ["clusters.jsonl"] and written["documents"] == 20841
    with pytest.raises(syndic.ConfigError, match="column `kind`"):
        _syndic.run_lines("pairs.jsonl", pa.record_batch({"a": ["x"], "b": ["y"], "similarity": [0.5]}))
    with pytest.raises(syndic.ConfigError, match="unknown pair kind `close`"):
        _syndic.run_lines(
            "pairs.jsonl", pa.record_batch({"a": ["x"], "b": ["y"], "similarity": [0.5], "kind": ["close"]})
        )


def test_exact_mode_matches_the_cli(reuters: Path, syndic_bin: Path, tmp_path: Path) -> None:
    run_cli(syndic_bin, "dedup", reuters, "--mode", "exact", "--keep", "first", "--out", tmp_path / "run", "-q")
    result = syndic.dedup(str(reuters), mode="exact", keep="first")
    assert syndic.to_jsonl(result.clusters) == (tmp_path / "run" / "clusters.jsonl").read_bytes()


def test_stage_functions_compose_into_dedup(reuters: Path) -> None:
    table = reuters_head(reuters, 3000)
    texts = table.column("text")
    config = syndic.dedup_config()
    sketches = syndic.sketch(texts)
    assert sketches.schema.field("hash_hi").type == pa.uint64()
    assert sketches.schema.field("signature").type == pa.list_(pa.field("item", pa.uint32(), False), 128)
    keys = syndic.band_keys(sketches.column("signature"), config["bands"], config["rows"])
    assert keys.type.list_size == config["bands"] and keys.type.value_type == pa.uint64()
    canonical = syndic.exact_canonicals(sketches.column("hash_hi"), sketches.column("hash_lo")).to_pylist()
    skip = [c != d for d, c in enumerate(canonical)]
    candidates = syndic.candidate_pairs(keys, bucket_window=config["bucket_window"], skip=skip)
    a, b = candidates.column("a"), candidates.column("b")
    similarity = syndic.verify_pairs(texts.take(a), texts.take(b)).to_pylist()
    edges = [(c, d) for d, c in enumerate(canonical) if c != d]
    edges += [(x, y) for x, y, s in zip(a.to_pylist(), b.to_pylist(), similarity) if s >= config["threshold"]]
    lengths = [len(t.encode()) for t in texts.to_pylist()]
    assigned = syndic.clusters_from_edges(len(texts), [e[0] for e in edges], [e[1] for e in edges], lengths)
    expected = syndic.dedup(table).clusters
    assert assigned.column("cluster").equals(expected.column("cluster").combine_chunks())
    representative = assigned.column("representative").to_pylist()
    assert [r == d for d, r in enumerate(representative)] == expected.column("representative").to_pylist()
    # The same partition labelled any other way numbers the same.
    labels = [1_000_000 - r for r in representative]
    relabelled = syndic.clusters_from_roots(labels, lengths)
    assert relabelled.equals(assigned)


def test_string_layouts_give_the_same_sketches() -> None:
    plain = syndic.sketch(SMALL, num_perm=64)
    for kind in (pa.large_string(), pa.string_view()):
        assert syndic.sketch(pa.array(SMALL, kind), num_perm=64).equals(plain)
    assert plain.column("hash_lo")[0] != plain.column("hash_lo")[3]
    # Case and punctuation are normalized away: same content hash.
    assert plain.column("hash_lo")[0] == plain.column("hash_lo")[1]


def test_align_pairs_reports_byte_offsets() -> None:
    story = "the minister said on friday that talks with the rebels would resume next week in geneva"
    a = "Breaking news: " + story.replace("friday", "Friday") + "."
    b = "In other news — " + story.replace("friday", "thursday") + ", officials say."
    found = syndic.align_pairs([a, "unrelated"], [b, "text"], min_passage_words=10)
    assert found.num_rows == 1
    row = found.to_pylist()[0]
    assert row["pair"] == 0
    # Offsets are bytes of the original texts ("—" is three bytes); the
    # passage reaches back over the shared word before the story.
    assert a.encode()[row["a_start"] : row["a_end"]].decode() == "news: " + story.replace("friday", "Friday")
    assert b.encode()[row["b_start"] : row["b_end"]].decode() == "news — " + story.replace("friday", "thursday")
    # 16 of the 17 words on each side match: "friday" is not "thursday".
    assert row["words"] == 16 and row["identity"] == 16 / 17


def test_issue13_align_pairs_aligns_characters_as_the_pipeline_does() -> None:
    # 34 shared characters: a passage by the word settings (25 tokens), not
    # by the character settings the pipeline uses for Chinese (50).
    phrase = "北京市今天天气晴朗气温适中适合出行市民纷纷走出家门前往公园散步游玩"
    short = syndic.align_pairs([phrase + "甲乙丙"], ["丁戊" + phrase])
    assert short.num_rows == 0
    twice = phrase * 2
    long = syndic.align_pairs([twice + "甲乙丙"], ["丁戊" + twice]).to_pylist()
    assert len(long) == 1
    assert (twice + "甲乙丙").encode()[long[0]["a_start"] : long[0]["a_end"]].decode() == twice
    # The same passage the whole pipeline reports between the two documents.
    found = syndic.passages([twice + "甲乙丙", "丁戊" + twice], quiet=True).passages.to_pylist()
    assert [(p["a_start"], p["a_end"], p["b_start"], p["b_end"]) for p in found] == [
        (long[0]["a_start"], long[0]["a_end"], long[0]["b_start"], long[0]["b_end"])
    ]


def test_passages_and_clean_match_the_cli(seeds: Path, syndic_bin: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in sorted(seeds.glob("*.txt")):
        shutil.copy(page, pages)
    run_cli(syndic_bin, "passages", pages, "--out", tmp_path / "run", "-q")
    found, boilerplate, stats = syndic.passages(pages)
    assert syndic.to_jsonl(found) == (tmp_path / "run" / "passages.jsonl").read_bytes()
    pairs = {(p["a"], p["b"]) for p in found.to_pylist() if not p["boilerplate"]}
    assert {("001.txt", "002.txt"), ("001.txt", "004.txt"), ("002.txt", "004.txt")} <= pairs
    assert boilerplate.num_rows > 0 and stats["boilerplate_bytes"] == sum(
        r["end"] - r["start"] for r in boilerplate.to_pylist()
    )
    # The memory bound reaches the core (windows themselves are tested there).
    tight, _, _ = syndic.passages(pages, align_memory_mb=1)
    assert tight.equals(found)
    with pytest.raises(syndic.ConfigError, match="align_memory"):
        syndic.passages(pages, align_memory_mb=0)
    cleaned = syndic.clean(pages)
    assert cleaned.column("id").to_pylist() == [f"00{i}.txt" for i in range(5)]
    original = (pages / "001.txt").read_text()
    text = cleaned.column("text")[1].as_py()
    assert "Twitter Facebook Myspace" in original and "Twitter Facebook Myspace" not in text
    assert "Ban Ki-moon" in text
    assert cleaned.column("removed_bytes")[1].as_py() == len(original.encode()) - len(text.encode())


def test_errors_have_their_own_classes(tmp_path: Path) -> None:
    assert issubclass(syndic.BadRecordError, syndic.InputError)
    assert issubclass(syndic.InputError, syndic.SyndicError)
    assert issubclass(syndic.ConfigError, syndic.SyndicError)
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup(SMALL, threshold=1.5)
    assert err.value.kind == "config" and "threshold" in str(err.value)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": 3}\n')
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(bad)
    assert (err.value.kind, err.value.path, err.value.line) == ("wrong_type", str(bad), 2)
    result = syndic.dedup(bad, skip_bad_records=True)
    assert result.stats["skipped"] == {"wrong_type": 1} and result.clusters.num_rows == 1
    notes = tmp_path / "notes.md"
    notes.write_text("not a corpus format")
    with pytest.raises(syndic.UnsupportedInputError) as err:
        syndic.dedup(notes)
    assert err.value.path == str(notes)
    with pytest.raises(syndic.IoError):
        syndic.dedup(tmp_path / "missing.jsonl")
    with pytest.raises(syndic.ConfigError, match="exceeds"):
        syndic.band_keys(syndic.sketch(SMALL, num_perm=16).column("signature"), 4, 5)
    with pytest.raises(syndic.ConfigError, match="only 2"):
        syndic.clusters_from_edges(2, [0], [5], [1, 1])


def test_to_jsonl_writes_the_cli_format() -> None:
    batch = pa.record_batch(
        {
            "id": ["é\n\"q\"", "b"],
            "n": pa.array([1, 2], pa.uint32()),
            "ok": [True, False],
            "score": [0.12345678, None],
        }
    )
    assert syndic.to_jsonl(batch) == b'{"id":"\xc3\xa9\\n\\"q\\"","n":1,"ok":true,"score":0.123457}\n{"id":"b","n":2,"ok":false}\n'
    assert syndic.to_jsonl(batch, decimals=None).startswith('{"id":"é\\n\\"q\\"","n":1,"ok":true,"score":0.12345678}'.encode())


def test_the_gil_is_released_during_work() -> None:
    texts = pa.array([f"{BASE} {i} {OTHER} {i * 7}" for i in range(60_000)])
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = time.monotonic()
    syndic.sketch(texts)
    elapsed = time.monotonic() - started
    done.set()
    counter.join()
    # Holding the GIL would starve the counter for the whole call.
    assert elapsed > 0.05 and ticks > elapsed * 100, (elapsed, ticks)


def test_ctrl_c_interrupts_a_run(reuters: Path) -> None:
    # Python installs no SIGINT handler when it starts with SIGINT ignored
    # (a background job of a non-interactive shell), and interrupt_main
    # then does nothing: the handler a terminal session has is set here.
    # Reprint mode: a run long enough (over 1 s) that the timer's thread
    # gets its turn on a loaded machine well before it ends.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.05, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            syndic.dedup(reuters, mode="reprint")
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
