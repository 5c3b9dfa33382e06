"""Shared fixtures: the real corpora in ../shared/data, and the CLI to compare with."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

REPO = Path(__file__).resolve().parents[3]

# A short story, and an unrelated one: the texts the tests dedup in memory.
BASE = (
    "Shares of the company rose sharply on Tuesday after it reported quarterly earnings that "
    "beat analyst expectations, and raised its forecast for the full year citing strong demand"
)
OTHER = (
    "Heavy rain is expected across the north of the country this weekend, forecasters said, "
    "with flood warnings in place for several rivers"
)


def missing_data(reason: str) -> None:
    """Skips the test, visibly (pytest lists the reason), or fails it under
    `CI=true`: CI must never pass without running what needs the data."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must run this test")
    pytest.skip(reason)


def shared_data(name: str) -> Path:
    """`name` in `shared/data` beside the repository, as CI and every
    checkout have it."""
    directory = REPO.parent / "shared" / "data"
    if not directory.is_dir():
        missing_data(f"{directory} with the test corpora is not there")
    path = directory / name
    if not path.exists():
        missing_data(f"{path} is missing")
    return path


@pytest.fixture(scope="session")
def reuters() -> Path:
    """Reuters-21578: 20,841 newswire articles with natural duplicates."""
    return shared_data("reuters21578.jsonl.gz")


@pytest.fixture(scope="session")
def reuters_shards(reuters: Path, tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    """Reuters split into 4 contiguous JSONL shards, named so that path order
    is corpus order."""
    lines = gzip.open(reuters, "rt", encoding="utf-8").read().splitlines(keepends=True)
    directory = tmp_path_factory.mktemp("shards")
    size = -(-len(lines) // 4)
    shards = []
    for i in range(4):
        shard = directory / f"part-{i:02}.jsonl"
        shard.write_text("".join(lines[i * size : (i + 1) * size]), encoding="utf-8")
        shards.append(shard)
    return shards


@pytest.fixture(scope="session")
def seeds() -> Path:
    """Five scraped news pages: one wire story reprinted by three sites."""
    return shared_data("seeds")


@pytest.fixture(scope="session")
def syndic_bin() -> Path:
    """The `syndic` CLI: $SYNDIC_BIN, else target/debug/syndic, built if missing."""
    if os.environ.get("SYNDIC_BIN"):
        return Path(os.environ["SYNDIC_BIN"])
    binary = REPO / "target" / "debug" / "syndic"
    if not binary.exists():
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.skip("no syndic binary and no cargo to build one")
        subprocess.run([cargo, "build", "-q", "-p", "syndic-cli"], cwd=REPO, check=True)
    return binary


def run_cli(syndic_bin: Path, *args: object) -> None:
    subprocess.run([str(syndic_bin), *map(str, args)], check=True, capture_output=True)
