"""The README's quick start works as written: every ```python block, in order,
in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```$", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{README.name}, python block {i + 1}", "exec"), namespace)
    # The printed example matches the comment under it.
    assert "{'id': '2', 'cluster': 0, 'representative': True, 'similarity': 1.0}" in capsys.readouterr().out
