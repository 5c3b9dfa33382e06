"""syndic.stories: the same stories and relations as `syndic stories`, from
files and from tables, dated or not (issue 18)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, List

import pyarrow as pa
import pytest

import syndic
from conftest import BASE, OTHER, run_cli, shared_data


def lines(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def without_nulls(value: Any) -> Any:
    """A relation row as relations.jsonl writes it: the evidence fields of
    the other relation types (null in the table) left out."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


@pytest.fixture(scope="module")
def basil() -> Path:
    """150 articles on 50 events, three outlets each, dated."""
    return shared_data("basil-stories-dev.jsonl.gz")


def test_issue18_python_stories_equal_the_cli(basil: Path, syndic_bin: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    run_cli(syndic_bin, "stories", basil, "--date-field", "date", "--out", out, "--quiet")
    want_clusters, want_relations = lines(out / "clusters.jsonl"), lines(out / "relations.jsonl")
    rows = [json.loads(line) for line in gzip.open(basil, "rt", encoding="utf-8")]
    table = pa.Table.from_pylist(rows)
    # Timestamps, not strings: a day is read from either.
    timestamps = table.set_column(
        table.schema.get_field_index("date"), "date", table.column("date").cast(pa.timestamp("s"))
    )
    for name, data in (("files", basil), ("a table", table), ("timestamps", timestamps)):
        result = syndic.stories(data, date_column="date", quiet=True)
        assert result.clusters.to_pylist() == want_clusters, name
        assert [without_nulls(r) for r in result.relations.to_pylist()] == want_relations, name
        assert result.stats["stories"] == len({c["cluster"] for c in want_clusters}), name
        assert result.stats["undated_documents"] == 0, name
    # Without dates every document is compared with every other: other stories.
    undated = syndic.stories(table, quiet=True)
    assert undated.stats["undated_documents"] is None
    assert undated.clusters.to_pylist() != want_clusters


def test_issue18_stories_of_texts_in_memory() -> None:
    wrapped = f"Home | News | Markets\n\n{BASE}.\n\nShare this story"
    result = syndic.stories([BASE, wrapped, OTHER], quiet=True)
    clusters = result.clusters.to_pylist()
    assert [c["id"] for c in clusters] == ["0", "1", "2"]
    assert clusters[0]["cluster"] == clusters[1]["cluster"] != clusters[2]["cluster"]
    assert clusters[0]["representative"]
    relation = result.relations.to_pylist()
    assert [(r["a"], r["b"]) for r in relation] == [("0", "1")]
    assert relation[0]["type"] in ("near_copy", "reprint")
    assert relation[0]["evidence"]["passages"], "reuse is shown by its passages"


def test_issue18_stories_settings_are_the_cores() -> None:
    with pytest.raises(syndic.ConfigError, match="story_threshold"):
        syndic.stories([BASE, OTHER], story_threshold=1.5, quiet=True)
    with pytest.raises(syndic.ConfigError, match="unknown setting `threshold`"):
        syndic.stories([BASE, OTHER], threshold=0.5, quiet=True)
    with pytest.raises(syndic.ConfigError, match="date_column needs data with named columns"):
        syndic.stories([BASE, OTHER], date_column="date", quiet=True)
    with pytest.raises(syndic.ConfigError, match="no column 'day'"):
        syndic.stories(pa.table({"text": [BASE, OTHER]}), date_column="day", quiet=True)
