"""syndic.Index: the persistent index from Python, answering as the CLI and
the service answer and exporting what `syndic index export` writes
(issues 15 and 18)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import syndic
from conftest import REPO, run_cli

EXAMPLES = REPO / "examples" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "data"
# What differs between two exports of the same index: when, where and how
# much memory.
VOLATILE = {"elapsed_ms", "peak_rss_bytes", "index"}


def texts_of(directory: Path) -> List[Dict[str, str]]:
    """The text files under `directory` as the CLI reads them: ids are
    relative paths, in path order, texts the files' exact bytes."""
    return [
        {"id": p.relative_to(directory).as_posix(), "text": p.read_bytes().decode("utf-8")}
        for p in sorted(directory.rglob("*.txt"))
    ]


def cli_json(syndic_bin: Path, *args: object) -> Any:
    done = subprocess.run([str(syndic_bin), *map(str, args)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def same_answer(cli: Dict[str, Any], python: Dict[str, Any]) -> None:
    """`syndic query --json` and a Python query agree: the same matches,
    passages and clusters; the CLI prints similarities rounded to six
    decimals."""
    assert [m["id"] for m in cli["matches"]] == [m["id"] for m in python["matches"]]
    for c, p in zip(cli["matches"], python["matches"]):
        assert c["similarity"] == pytest.approx(p["similarity"], abs=1e-6)
        assert {**c, "similarity": None} == {**p, "similarity": None}
    assert cli["clusters"] == python["clusters"]
    assert cli.get("story") == python.get("story")


def assert_same_run(cli: Path, python: Path) -> None:
    """Two run directories hold the same files, byte for byte, and the same
    summary but for its time, memory and index path."""
    names = sorted(p.name for p in cli.iterdir())
    assert names == sorted(p.name for p in python.iterdir())
    for name in names:
        if name != "summary.json":
            assert (cli / name).read_bytes() == (python / name).read_bytes(), name
    summaries = [json.loads((d / "summary.json").read_text()) for d in (cli, python)]
    for summary in summaries:
        for key in VOLATILE:
            summary.pop(key, None)
    assert summaries[0] == summaries[1]


def words(text: str) -> List[str]:
    return [w.strip(".,;:'\"()").lower() for w in text.split()]


def slice_of(text: str, start: int, end: int) -> str:
    return text.encode("utf-8")[start:end].decode("utf-8")


def test_issue15_seeds_query_finds_the_reprints_with_their_passages(seeds: Path, tmp_path: Path) -> None:
    docs = texts_of(seeds)
    assert [d["id"] for d in docs] == ["000.txt", "001.txt", "002.txt", "003.txt", "004.txt"]
    text = {d["id"]: d["text"] for d in docs}
    with syndic.Index.create(tmp_path / "seeds", mode="reprint") as index:
        for doc in docs:
            index.add(doc["id"], doc["text"])
        answer = index.query(text["001.txt"])
    matches = {m["id"]: m for m in answer["matches"]}
    # 001 itself (an exact copy of the query), and its two reprints; not the
    # other two stories about Russia and the UN.
    assert set(matches) == {"001.txt", "002.txt", "004.txt"}
    assert matches["001.txt"]["kind"] == "exact"
    for reprint in ("002.txt", "004.txt"):
        match = matches[reprint]
        assert match["kind"] == "reprint"
        assert match["coverage"]["query"] >= 0.5
        assert match["passages"], reprint
        for p in match["passages"]:
            shared = slice_of(text["001.txt"], p["query_start"], p["query_end"])
            there = slice_of(text[reprint], p["doc_start"], p["doc_end"])
            # Offsets into both texts: an aligned passage starts and ends on
            # the same words in both (edited between, perhaps).
            for end in (0, -1):
                assert words(shared)[end] == words(there)[end], (reprint, shared, there)
        assert sum(p["words"] for p in match["passages"]) >= 25
    assert answer["clusters"] == [
        {"id": "001.txt", "representative": "001.txt", "size": 4, "similarity": 1.0}
    ]


def test_issue15_an_index_answers_adds_queries_and_gets_in_memory(tmp_path: Path) -> None:
    docs = texts_of(EXAMPLES)
    text = {d["id"]: d["text"] for d in docs}
    path = tmp_path / "index"
    with syndic.Index.create(path, mode="reprint") as index:
        assert len(index) == 0
        first = index.add("wire/bridge-reopens.txt", text["wire/bridge-reopens.txt"])
        assert first == {
            "id": "wire/bridge-reopens.txt",
            "matches": [],
            "cluster": {
                "id": "wire/bridge-reopens.txt",
                "representative": "wire/bridge-reopens.txt",
                "size": 1,
                "similarity": 1.0,
            },
        }
        name = "coast-daily/ruiz-opens-bridge.txt"
        reprint = index.add(name, text[name], site="coast-daily")
        (match,) = reprint["matches"]
        assert (match["id"], match["kind"]) == ("wire/bridge-reopens.txt", "reprint")
        assert match["passages"] and 0 < match["coverage"]["doc"] <= 1
        # The wire story is the source: it represents the cluster.
        assert reprint["cluster"]["representative"] == "wire/bridge-reopens.txt"
        assert reprint["cluster"]["size"] == 2
        with pytest.raises(syndic.BadRecordError) as duplicate:
            index.add("wire/bridge-reopens.txt", "another text altogether, with its own words")
        assert duplicate.value.kind == "duplicate_id"
        rest = [d for d in docs if d["id"] not in index]
        items = index.add_many(rest + [{"id": "wire/bridge-reopens.txt", "text": "again"}])
        assert [i["status"] for i in items] == ["added"] * len(rest) + ["duplicate_id"]
        assert items[-1] == {"id": "wire/bridge-reopens.txt", "status": "duplicate_id"}
        resend = next(i for i in items if i["id"] == "wire/bridge-reopens-resend.txt")
        assert {"id": "wire/bridge-reopens.txt", "kind": "exact"}.items() <= resend["matches"][0].items()
        assert len(index) == len(docs) == index.stats()["documents"]
        assert index.get("no/such.txt") is None
        got = index.get("coast-daily/ruiz-opens-bridge.txt")
        assert got is not None and "wire/bridge-reopens.txt" in [m["id"] for m in got["matches"]]
        before = index.query(text["harbour-times/bridge.txt"])
        assert "wire/bridge-reopens.txt" in [m["id"] for m in before["matches"]]
    assert index.closed
    with pytest.raises(syndic.IndexUnusableError, match="closed"):
        index.query("anything")
    # Every add was committed: a new process (here, a new open) sees them all.
    with syndic.Index.open(path) as again:
        assert len(again) == len(docs)
        assert again.query(text["harbour-times/bridge.txt"]) == before


@pytest.mark.parametrize("mode", ["reprint", "minhash"])
def test_issue15_python_answers_and_exports_equal_the_cli(syndic_bin: Path, tmp_path: Path, mode: str) -> None:
    settings = {"threshold": 0.5} if mode == "minhash" else {}
    flags = [f"--{k}" if v is True else f"--{k}={v}" for k, v in settings.items()]
    cli_index = tmp_path / "cli-index"
    run_cli(syndic_bin, "index", "create", cli_index, "--mode", mode, *flags, "--from", EXAMPLES, "--quiet")
    with syndic.Index.create(tmp_path / "py-index", mode=mode, **settings) as index:
        index.add_many(texts_of(EXAMPLES))
        for name in ("wire/bridge-reopens.txt", "harbour-times/council-budget-corrected.txt"):
            query = EXAMPLES / name
            cli = cli_json(syndic_bin, "query", cli_index, query, "--json")
            assert cli["matches"], name
            python = index.query(query.read_bytes().decode("utf-8"), passages=True)
            same_answer(cli, python)
        summary = index.export(tmp_path / "py-out")
    run_cli(syndic_bin, "index", "export", cli_index, "--out", tmp_path / "cli-out")
    assert_same_run(tmp_path / "cli-out", tmp_path / "py-out")
    assert summary == json.loads((tmp_path / "py-out" / "summary.json").read_text())
    assert summary["command"] == "index export"


# A story of four articles written for this test: a report, a copy of it in
# another site's page, one in the writer's own words, and an unrelated one.
REPORT = (
    "The city council of Northfield voted on Tuesday to close the old river ferry at the end of the "
    "summer, after engineers found that the landing stages on both banks had rotted beyond repair. "
    "The ferry has carried walkers and cyclists across the river since 1921. Council leader Mary "
    "Okafor said a footbridge would be built upstream within three years, paid for from the transport "
    "budget, and that a free shuttle bus would run between the two banks until it opens."
)
STORY = [
    {"id": "herald/ferry", "text": REPORT, "date": "2024-05-07"},
    {
        "id": "gazette/ferry",
        "text": "Northfield Gazette\nHome | News | Sport\n\n" + REPORT + "\n\nShare this article\n",
        "date": "2024-05-08",
    },
    {
        "id": "post/weather",
        "text": "Forecasters expect a dry and sunny weekend across the valley, with temperatures "
        "rising to twenty-six degrees on Sunday and only a light breeze from the south.",
        "date": "2024-05-08",
    },
]


def test_issue18_stories_of_an_index_equal_the_cli(syndic_bin: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "story.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in STORY), encoding="utf-8")
    cli_index = tmp_path / "cli-index"
    create = ["index", "create", cli_index, "--mode", "reprint", "--stories", "--date-field", "date"]
    run_cli(syndic_bin, *create, "--from", corpus, "--quiet")
    with syndic.Index.create(tmp_path / "py-index", mode="reprint", stories=True, date_column="date") as index:
        added = index.add_many(STORY)
        # The copy joins the report's story by its reuse.
        copy = added[1]["story"]
        assert copy["id"] == "herald/ferry" and copy["size"] == 2
        assert [(link["id"], link["kind"]) for link in copy["links"]] == [("herald/ferry", "reprint")]
        assert added[2]["story"]["id"] == "post/weather"
        story = index.story(REPORT, date="2024-05-09")
        assert story["id"] == "herald/ferry" and story["size"] == 3
        query = tmp_path / "report.txt"
        query.write_text(REPORT, encoding="utf-8")
        cli = cli_json(syndic_bin, "query", cli_index, query, "--date", "2024-05-09", "--json")
        assert cli["story"] == story
        same_answer(cli, index.query(REPORT, date="2024-05-09"))
        index.export(tmp_path / "py-out")
    run_cli(syndic_bin, "index", "export", cli_index, "--out", tmp_path / "cli-out")
    assert_same_run(tmp_path / "cli-out", tmp_path / "py-out")
    assert (tmp_path / "py-out" / "stories.jsonl").read_text().count("\n") == len(STORY)


def test_issue15_index_errors_are_typed(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with pytest.raises(syndic.IndexUnusableError) as missing:
        syndic.Index.open(path)
    assert missing.value.kind == "index" and missing.value.path == str(path)
    # Bad settings, settings the mode does not use, unknown ones: nothing made.
    for settings in (
        {"threshold": 2.0},
        {"mode": "reprint", "threshold": 0.5},
        {"mode": "minhash", "min_coverage": 0.5},
        {"mode": "fuzzy"},
        {"no_such_setting": 1},
        {"mode": "minhash", "stories": True},
        {"mode": "reprint", "story_threshold": 0.3},
    ):
        with pytest.raises(syndic.ConfigError):
            syndic.Index.create(path, **settings)
        assert not path.exists(), settings
    index = syndic.Index.create(path, mode="reprint")
    index.add("a", "Some text of the first document, long enough to be one.")
    # One holder at a time: the file is locked.
    with pytest.raises(syndic.IndexUnusableError):
        syndic.Index.open(path)
    with pytest.raises(syndic.BadRecordError) as empty:
        index.add("b", "   ")
    assert empty.value.kind == "empty_document"
    with pytest.raises(syndic.BadRecordError) as invalid:
        index.add("", "text")
    assert invalid.value.kind == "invalid_id"
    with pytest.raises(syndic.ConfigError):
        index.add("c", "A text with a date that is none.", date="yesterday")
    with pytest.raises(syndic.ConfigError):
        index.story("Is this a story?")
    with pytest.raises(syndic.ConfigError):
        index.query("some text", min_passage_words=10)
    assert len(index) == 1, "a refused add adds nothing"
    # Exports: never over what exists unless forced, and forced only over a
    # run directory syndic wrote, never the index or another directory.
    out = tmp_path / "out"
    index.export(out)
    with pytest.raises(syndic.OutputExistsError):
        index.export(out)
    index.export(out, force=True)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    for target in (mine, path):
        with pytest.raises(syndic.OutputNotReplaceableError):
            index.export(target, force=True)
    assert (mine / "notes.txt").read_text() == "mine"
    index.close()
    index.close()
    # An index is never replaced, and a directory syndic did not make is
    # never used for one.
    with pytest.raises(syndic.IndexUnusableError, match="already holds an index"):
        syndic.Index.create(path, mode="reprint")
    with pytest.raises(syndic.IndexUnusableError, match="not empty"):
        syndic.Index.create(mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    with syndic.Index.open(path) as again:
        assert "a" in again and len(again) == 1


def test_issue15_an_index_of_a_newer_format_is_refused(tmp_path: Path) -> None:
    # An empty minhash index whose meta/format_version is 99 (how it was
    # made: bindings/python/tests/data/README.md).
    path = tmp_path / "newer"
    path.mkdir()
    with gzip.open(FIXTURES / "index-format-99.redb.gz") as packed, open(path / "index.redb", "wb") as out:
        shutil.copyfileobj(packed, out)
    with pytest.raises(syndic.IndexUnusableError, match="format version 99") as newer:
        syndic.Index.open(path)
    assert newer.value.kind == "index_format"
