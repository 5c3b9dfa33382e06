"""The inputs users hand `syndic.dedup` and friends (pandas, polars, Hugging
Face datasets, Arrow arrays), the record checks they share with files, the
error kinds and messages of bad arguments, `threads`, the reprint mode's
passages and the progress line. Every test makes its own small data."""

from __future__ import annotations

import io
import pickle
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List

import numpy as np
import pyarrow as pa
import pytest

import syndic
from conftest import BASE, OTHER

TEXTS = [BASE, BASE.upper(), BASE.replace("Tuesday", "Wednesday"), OTHER]
CLUSTERS = [0, 0, 0, 1]
STORY = (
    " The minister said on Friday that talks with the rebels would resume next week in Geneva,"
    " and that both sides had agreed to a ceasefire along the northern border until then."
) * 2


def cluster_ids(result: syndic.DedupResult) -> List[int]:
    return result.clusters.column("cluster").to_pylist()


def ids(result: syndic.DedupResult) -> List[str]:
    return result.clusters.column("id").to_pylist()


# Input types.


def test_pandas_dataframe_is_read_by_column_names() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"doc": ["a", "b", "c", "d"], "body": TEXTS, "other": [1, 2, 3, 4]})
    result = syndic.dedup(frame, id_column="doc", text_column="body", threshold=0.5)
    # Not the column names: one row per document.
    assert ids(result) == ["a", "b", "c", "d"] and cluster_ids(result) == CLUSTERS
    # Default names, integer ids become strings.
    frame = pd.DataFrame({"id": [10, 11, 12, 13], "text": TEXTS})
    assert ids(syndic.dedup(frame, threshold=0.5)) == ["10", "11", "12", "13"]
    # Without an id column, ids are the index (rows can be found again).
    frame = pd.DataFrame({"text": TEXTS}, index=[5, 6, 7, 8])
    result = syndic.dedup(frame, threshold=0.5, keep="first")
    assert ids(result) == ["5", "6", "7", "8"]
    kept = frame.loc[[int(i) for i, r in zip(ids(result), result.clusters.column("representative").to_pylist()) if r]]
    assert list(kept.index) == [5, 8]
    # Categorical (dictionary-encoded) texts are decoded.
    frame = pd.DataFrame({"text": pd.Categorical(TEXTS)})
    assert cluster_ids(syndic.dedup(frame, threshold=0.5)) == CLUSTERS


def test_pandas_series_ids_are_its_index() -> None:
    pd = pytest.importorskip("pandas")
    series = pd.Series(TEXTS, index=["w", "x", "y", "z"])
    result = syndic.dedup(series, threshold=0.5)
    assert ids(result) == ["w", "x", "y", "z"] and cluster_ids(result) == CLUSTERS
    assert ids(syndic.dedup(pd.Series(TEXTS), threshold=0.5)) == ["0", "1", "2", "3"]
    cleaned = syndic.clean(pd.Series(TEXTS, index=[3, 1, 4, 2]), quiet=True)
    assert cleaned.column("id").to_pylist() == ["3", "1", "4", "2"]


def test_arrow_arrays_and_chunked_arrays_are_texts() -> None:
    expected = syndic.dedup(TEXTS, threshold=0.5)
    for data in (
        pa.array(TEXTS),
        pa.array(TEXTS, pa.large_string()),
        pa.array(TEXTS, pa.string_view()),
        pa.chunked_array([TEXTS[:1], TEXTS[1:3], TEXTS[3:]]),
        pa.array(TEXTS).dictionary_encode(),
        np.array(TEXTS),
        np.array(TEXTS, dtype=object),
    ):
        result = syndic.dedup(data, threshold=0.5)
        assert result.clusters.equals(expected.clusters), data.type
        assert result.pairs.equals(expected.pairs)
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(pa.array([1, 2, 3]))
    assert err.value.kind == "wrong_type" and "expected strings" in str(err.value)


def test_arrow_tables_and_batches() -> None:
    table = pa.table({"id": [7, 8, 9, 10], "text": TEXTS})
    assert ids(syndic.dedup(table, threshold=0.5)) == ["7", "8", "9", "10"]
    batch = pa.record_batch({"id": ["a", "b", "c", "d"], "text": TEXTS})
    assert ids(syndic.dedup(batch, threshold=0.5)) == ["a", "b", "c", "d"]
    # Dictionary-encoded ids and texts are decoded.
    encoded = pa.table({"id": pa.array(["a", "b", "c", "d"]).dictionary_encode(), "text": pa.array(TEXTS).dictionary_encode()})
    assert cluster_ids(syndic.dedup(encoded, threshold=0.5)) == CLUSTERS


def test_polars_dataframe_and_series() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"id": ["a", "b", "c", "d"], "text": TEXTS})
    result = syndic.dedup(frame, threshold=0.5)
    assert ids(result) == ["a", "b", "c", "d"] and cluster_ids(result) == CLUSTERS
    frame = pl.DataFrame({"key": [1, 2, 3, 4], "body": TEXTS})
    assert ids(syndic.dedup(frame, id_column="key", text_column="body", threshold=0.5)) == ["1", "2", "3", "4"]
    assert cluster_ids(syndic.dedup(pl.Series(TEXTS), threshold=0.5)) == CLUSTERS
    categorical = pl.DataFrame({"text": pl.Series(TEXTS, dtype=pl.Categorical)})
    assert cluster_ids(syndic.dedup(categorical, threshold=0.5)) == CLUSTERS


class FakeDataset:
    """What syndic uses of a Hugging Face `datasets.Dataset`: `.data.table`
    (the Arrow table), `_indices` (an indices mapping left by `select`,
    `filter`, `shuffle`) and `with_format("arrow")[:]`, which applies it."""

    def __init__(self, table: pa.Table, indices: Any = None) -> None:
        self.data = SimpleNamespace(table=table)
        self._indices = indices

    def with_format(self, kind: str) -> "FakeDataset":
        assert kind == "arrow"
        return self

    def __getitem__(self, rows: slice) -> pa.Table:
        assert rows == slice(None)
        return self.data.table.take(self._indices)


def test_hugging_face_dataset_through_its_arrow_table() -> None:
    table = pa.table({"id": ["a", "b", "c", "d"], "text": TEXTS})
    result = syndic.dedup(FakeDataset(table), threshold=0.5)
    assert ids(result) == ["a", "b", "c", "d"] and cluster_ids(result) == CLUSTERS
    # A shuffled or filtered dataset is read in its own order.
    result = syndic.dedup(FakeDataset(table, pa.array([3, 0, 1])), threshold=0.5)
    assert ids(result) == ["d", "a", "b"] and cluster_ids(result) == [0, 1, 1]


def test_hugging_face_dataset_itself() -> None:
    datasets = pytest.importorskip("datasets")
    dataset = datasets.Dataset.from_dict({"id": ["a", "b", "c", "d"], "text": TEXTS})
    assert cluster_ids(syndic.dedup(dataset, threshold=0.5)) == CLUSTERS
    assert ids(syndic.dedup(dataset.select([3, 0]), threshold=0.5)) == ["d", "a"]


def test_anything_else_is_a_type_error_naming_what_is_accepted() -> None:
    for data in ({"id": ["a"], "text": ["b"]}, 42, iter(TEXTS), [b"bytes"], [1, 2]):
        with pytest.raises(TypeError, match="pandas DataFrame or Series.*polars.*datasets.Dataset"):
            syndic.dedup(data)


def test_optional_libraries_are_optional() -> None:
    import subprocess

    # pandas, polars and datasets made unimportable: syndic works without them.
    code = (
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pandas', 'polars', 'datasets'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import pyarrow as pa, syndic\n"
        "syndic.dedup(['a b c d e f'])\n"
        "syndic.dedup(pa.table({'text': ['a b c d e f']}))\n"
        "syndic.dedup(pa.chunked_array([['a b c d e f']]))\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


# Record checks, as for files.


def test_null_texts_are_missing_fields_or_skipped() -> None:
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup([TEXTS[0], None, TEXTS[1]])
    assert (err.value.kind, err.value.record) == ("missing_field", 1)
    result = syndic.dedup([TEXTS[0], None, TEXTS[1], "   "], skip_bad_records=True)
    assert ids(result) == ["0", "2"] and cluster_ids(result) == [0, 0]
    assert result.stats["skipped"] == {"missing_field": 1, "empty_document": 1}
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": [TEXTS[0], None, TEXTS[1]]})
    result = syndic.dedup(frame, skip_bad_records=True)
    assert ids(result) == ["a", "c"] and result.stats["skipped"] == {"missing_field": 1}
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(pd.DataFrame({"id": ["a", None], "text": TEXTS[:2]}))
    assert err.value.kind == "missing_field" and "`id`" in str(err.value)


def test_max_doc_bytes_applies_to_data_in_memory() -> None:
    short = "a few words that are short enough"
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup([short, TEXTS[0]], max_doc_bytes=100)
    assert (err.value.kind, err.value.record) == ("too_large", 1)
    result = syndic.dedup(pa.table({"id": ["s", "l"], "text": [short, TEXTS[0]]}), max_doc_bytes=100, skip_bad_records=True)
    assert ids(result) == ["s"] and result.stats["skipped"] == {"too_large": 1}
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup([short], max_doc_bytes=0)
    assert err.value.kind == "config" and "max_doc_bytes" in str(err.value)


def test_duplicate_and_invalid_ids() -> None:
    table = pa.table({"id": ["a", "b", "a", ""], "text": TEXTS})
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(table)
    assert (err.value.kind, err.value.record) == ("duplicate_id", 2) and "`a`" in str(err.value)
    result = syndic.dedup(table, skip_bad_records=True, threshold=0.5)
    assert ids(result) == ["a", "b"]
    assert result.stats["skipped"] == {"duplicate_id": 1, "invalid_id": 1}
    # Every pass sees the same records: passages and clean too.
    found, _, stats = syndic.passages(table, skip_bad_records=True)
    assert stats["skipped"] == {"duplicate_id": 1, "invalid_id": 1}
    cleaned = syndic.clean(table, skip_bad_records=True)
    assert cleaned.column("id").to_pylist() == ["a", "b"]
    pd = pytest.importorskip("pandas")
    with pytest.raises(syndic.BadRecordError, match="duplicate id"):
        syndic.dedup(pd.Series(TEXTS[:2], index=[1, 1]))


# Every error has a kind; messages name the parameter.


def test_column_problems_have_kinds() -> None:
    table = pa.table({"id": ["a", "b"], "body": TEXTS[:2]})
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup(table)
    assert err.value.kind == "config" and "'text'" in str(err.value) and "body" in str(err.value)
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup(table, text_column="body", site_column="site")
    assert err.value.kind == "config"
    floats = pa.table({"id": [1.0, 2.0], "text": TEXTS[:2]})
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(floats)
    assert err.value.kind == "wrong_type" and "double" in str(err.value)
    pd = pytest.importorskip("pandas")
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(pd.DataFrame({"text": TEXTS[:2]}, index=[0.5, 1.5]))
    assert err.value.kind == "wrong_type"
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup(pd.DataFrame({"id": ["a"], "body": ["x"]}))
    assert err.value.kind == "config"


@pytest.mark.parametrize(
    "options, words",
    [
        (dict(threshold="0.8"), ["threshold", "number", '"0.8"']),
        (dict(num_perm=-1), ["num_perm", "whole number"]),
        (dict(num_perm=0), ["num_perm"]),
        (dict(num_perm=1.5), ["num_perm", "whole number", "1.5"]),
        (dict(bands=4), ["bands and rows"]),
        (dict(keep=1), ["keep", "one of its names"]),
            (dict(keep="last"), ["unknown keep `last`", "longest or first"]),
            (dict(treshold=0.5), ["unknown setting `treshold`"]),
            (dict(mode="exact", threshold=0.5), ["threshold does nothing in the exact mode"]),
        (dict(min_passage_words=0, mode="reprint"), ["min_passage_words must be at least 1"]),
        (dict(min_coverage="half", mode="reprint"), ["min_coverage", "number"]),
        (dict(threads=0), ["threads"]),
        (dict(threads="4"), ["threads", "integer"]),
        (dict(quiet="yes"), ["quiet"]),
        (dict(skip_bad_records=1), ["skip_bad_records"]),
        (dict(text_column=3), ["text_column", "string"]),
    ],
)
def test_bad_options_are_config_errors_naming_the_parameter(options: dict, words: List[str]) -> None:
    with pytest.raises(syndic.ConfigError) as err:
        syndic.dedup(TEXTS, **options)
    assert err.value.kind == "config"
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "AlignConfig" not in message and "DedupArgs" not in message


def test_passages_and_dedup_config_check_their_options_too() -> None:
    with pytest.raises(syndic.ConfigError) as err:
        syndic.passages(TEXTS, min_passage_words=0)
    assert err.value.kind == "config" and "AlignConfig" not in str(err.value)
    with pytest.raises(syndic.ConfigError, match="threshold"):
        syndic.dedup_config(threshold="high")
    with pytest.raises(syndic.ConfigError, match="drop_repeated"):
        syndic.clean(TEXTS, drop_repeated="no")


# Threads.


def corpus(n: int) -> List[str]:
    """`n` texts in families of near-copies, some exact."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi".split()
    texts = []
    for i in range(n):
        family = i // 4
        body = [words[(family * 7 + j * 3) % len(words)] + str((family * 31 + j) % 97) for j in range(60)]
        if i % 4 == 2:
            body[10] = "changed"
        if i % 4 == 3:
            body = body[:45]
        texts.append(" ".join(body))
    return texts


def test_threads_do_not_change_results() -> None:
    texts = corpus(2000)
    runs = [syndic.dedup(texts, threshold=0.7, threads=t) for t in (1, 2, 3, None)]
    for other in runs[1:]:
        assert other.clusters.equals(runs[0].clusters) and other.pairs.equals(runs[0].pairs)
    assert runs[0].stats["near_duplicates"] > 0
    pages = [f"Menu | Home | World {i}\n" + STORY for i in range(30)]
    found = [syndic.passages(pages, threads=t) for t in (1, 4)]
    assert found[0].passages.equals(found[1].passages) and found[0].boilerplate.equals(found[1].boilerplate)
    cleaned = [syndic.clean(pages, threads=t) for t in (1, 4)]
    assert cleaned[0].equals(cleaned[1])


# The reprint mode's passages and boilerplate.


def test_reprint_dedup_returns_passages_and_boilerplate() -> None:
    pages = ["Menu | Home | World" + STORY, "Share this story" + STORY, OTHER]
    result = syndic.dedup(pages, mode="reprint")
    clusters, pairs, stats = result  # still a 3-tuple
    assert cluster_ids(result) == [0, 0, 1]
    assert result.passages is not None and result.passages.num_rows == stats["passages"] > 0
    assert result.boilerplate is not None and result.boilerplate.column_names == ["id", "start", "end", "reason"]
    alone = syndic.passages(pages)
    assert result.passages.equals(alone.passages) and result.boilerplate.equals(alone.boilerplate)
    row = result.passages.to_pylist()[0]
    assert (row["a"], row["b"]) == ("0", "1") and row["words"] >= 25
    again = pickle.loads(pickle.dumps(result))
    assert again.passages.equals(result.passages) and again.clusters.equals(clusters)
    plain = syndic.dedup(pages)
    assert plain.passages is None and plain.boilerplate is None


# Progress.


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_when_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    syndic.dedup(TEXTS)
    assert capsys.readouterr().err == ""  # not a terminal
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    syndic.dedup(TEXTS, quiet=True)
    assert terminal.getvalue() == ""
    syndic.dedup(TEXTS, mode="reprint")
    shown = terminal.getvalue()
    assert "syndic dedup: pass 1: 4 documents" in shown and shown.endswith("\n")


def test_files_keep_their_checks(tmp_path: Path) -> None:
    # The same defects as files, the same kinds: what in-memory data mirrors.
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "x y z"}\n{"id": "a", "text": "u v w"}\n')
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(path)
    assert err.value.kind == "duplicate_id"
    with pytest.raises(syndic.BadRecordError) as err:
        syndic.dedup(pa.table({"id": ["a", "a"], "text": ["x y z", "u v w"]}))
    assert err.value.kind == "duplicate_id"


def test_ray_refusals_have_kinds(tmp_path: Path) -> None:
    # Refused before Ray is started: no cluster needed.
    pytest.importorskip("ray")
    import syndic.ray

    # Issue 15: reprint mode runs on Ray, its settings checked by the core;
    # runs of every mode can be resumed (test_ray.py), so resume is no
    # refusal.
    refused = (dict(mode="reprint", min_coverage=2.0), dict(write_deduped="csv"))
    for options in refused:
        with pytest.raises(syndic.ConfigError) as err:
            syndic.ray.dedup([tmp_path / "c.jsonl"], out=tmp_path / "run", **options)
        assert err.value.kind == "config" and err.value.path is None
