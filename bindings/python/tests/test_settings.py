"""Issue 13: one settings schema in the core. Every front end shows the
core's defaults: the CLI's --help, the Python signatures (``None``: the
core's default) and the typed stubs generated from the core."""

import inspect
import re
import runpy
import subprocess
import typing
from pathlib import Path
from typing import Dict, List

import pytest

import syndic
from syndic import _options

ROOT = Path(__file__).resolve().parents[3]
GENERATOR = ROOT / "scripts" / "gen-python-options.py"
# The Python functions, the CLI commands that take the same settings, and
# the groups they take.
FRONTS = [
    (syndic.dedup, "dedup", ["read", "dedup", "minhash", "reprint"], _options.DedupOptions),
    (syndic.passages, "passages", ["read", "reprint"], _options.PassagesOptions),
    (syndic.clean, "clean", ["read", "reprint"], _options.PassagesOptions),
    (syndic.dedup_config, None, ["dedup", "minhash"], _options.DedupConfigOptions),
    (
        syndic.Index.create,
        "index create",
        ["dedup", "minhash", "reprint", "stories"],
        _options.IndexOptions,
    ),
]


def cli_defaults(syndic_bin: Path, command: str) -> Dict[str, str]:
    """``--flag`` → the text of its ``[default: …]`` in ``syndic COMMAND --help``."""
    help_text = subprocess.run(
        [str(syndic_bin), *command.split(), "--help"], check=True, capture_output=True, text=True
    ).stdout
    # An option's entry starts on a line of its own with its flag; help and
    # [default: …] may wrap onto the lines after it.
    entries: Dict[str, str] = {}
    flag = None
    for line in help_text.splitlines():
        start = re.match(r" {2,8}(?:-\w, )?--([a-z][a-z-]*)", line)
        if start:
            flag = start.group(1)
            entries[flag] = line[start.end():]
        elif flag is not None:
            entries[flag] += " " + line.strip()
    defaults = {}
    for flag, text in entries.items():
        default = re.search(r"\[default: ([^\]]*)\]", " ".join(text.split()))
        defaults[flag] = default.group(1) if default else None
    return defaults


def as_cli_text(value: object) -> object:
    """A core default as the CLI prints it (a switch or an unset option: nothing)."""
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def cli_flag(entry: dict) -> str:
    core = {
        "id_column": "id_field",
        "text_column": "text_field",
        "site_column": "site_field",
        "date_column": "date_field",
    }
    return core.get(entry["name"], entry["name"]).replace("_", "-")


@pytest.mark.parametrize("function, command, groups, options", FRONTS)
def test_issue13_defaults_agree_between_core_cli_python_and_stubs(
    syndic_bin: Path, function, command, groups: List[str], options
) -> None:
    schema = [entry for entry in syndic.settings_schema() if entry["group"] in groups]
    assert schema, groups
    # Python: every setting of the groups, and only those, defaults to None.
    parameters = inspect.signature(function).parameters
    settings = {name for name, p in parameters.items() if p.kind == p.KEYWORD_ONLY} - {
        "threads",
        "quiet",
        "drop_repeated",
        "stories",
    }
    assert settings == {entry["name"] for entry in schema}
    assert all(parameters[name].default is None for name in settings)
    # The stubs: the same names, typed after the core's value kinds.
    hints = typing.get_type_hints(options)
    assert set(hints) == settings
    kinds = {"X": float, "N": int, "NAME": str, "TEXT": str, "BOOL": bool}
    for entry in schema:
        assert hints[entry["name"]] == typing.Optional[kinds[entry["value_name"]]], entry["name"]
    # The CLI: each setting is a flag whose [default: …] is the core's.
    if command is not None:
        shown = cli_defaults(syndic_bin, command)
        for entry in schema:
            flag = cli_flag(entry)
            assert flag in shown, f"syndic {command} has no --{flag}"
            default = entry["default"]
            if isinstance(default, float) and shown[flag] is not None:
                # clap prints 2.0 as `2`: the same number.
                assert float(shown[flag]) == default, f"--{flag}"
            else:
                assert shown[flag] == as_cli_text(default), f"--{flag}"


def test_issue13_the_stubs_are_generated_from_the_core() -> None:
    generator = runpy.run_path(str(GENERATOR))
    expected = generator["render"](syndic.settings_schema())
    assert Path(_options.__file__).read_text() == expected, (
        "bindings/python/syndic/_options.py is stale: run scripts/gen-python-options.py"
    )


def test_issue13_the_docs_of_settings_reach_help() -> None:
    doc = syndic.dedup.__doc__
    for entry in syndic.settings_schema():
        if entry["group"] in ("read", "dedup", "minhash", "reprint"):
            assert f"    {entry['name']} (default {entry['default']!r}):" in doc
    # References to other settings are spelled as Python spells them.
    assert "{" not in doc.split("Settings:")[1]
    assert "(with rows; default: optimal for threshold)" in doc


def test_issue13_bucket_window_is_the_same_setting_everywhere(syndic_bin: Path, tmp_path: Path) -> None:
    texts = [f"shared opening words of every text here and now {i % 3}" for i in range(12)]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(f'{{"id": "{i}", "text": "{t}"}}\n' for i, t in enumerate(texts)))
    python = syndic.dedup(str(corpus), threshold=0.5, bucket_window=1, quiet=True)
    subprocess.run(
        [str(syndic_bin), "dedup", str(corpus), "--threshold", "0.5", "--bucket-window", "1", "--out", str(tmp_path / "run"), "-q"],
        check=True,
    )
    assert python.stats["params"]["bucket_window"] == 1
    cli_clusters = [line for line in (tmp_path / "run" / "clusters.jsonl").read_text().splitlines()]
    assert len(cli_clusters) == python.clusters.num_rows
    cli_ids = [re.search(r'"cluster":(\d+)', line).group(1) for line in cli_clusters]
    assert [int(c) for c in cli_ids] == python.clusters.column("cluster").to_pylist()
