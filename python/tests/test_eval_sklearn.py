"""`syndic eval` agrees with scikit-learn's adjusted Rand index.

Random labelings (fixed seed) of varied sizes and cluster counts, plus the
degenerate ones (all singletons, one cluster), go through the real binary as
JSONL files; its ARI must equal `sklearn.metrics.adjusted_rand_score` to 1e-9.
The binary is `$SYNDIC_BIN`, by default `target/debug/syndic` under the repo.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

REPO = Path(__file__).resolve().parents[2]
SEED = 20240501


def syndic_bin() -> Path:
    path = Path(os.environ.get("SYNDIC_BIN", REPO / "target" / "debug" / "syndic"))
    if not path.is_absolute():
        path = REPO / path
    if not path.exists():
        pytest.fail(f"{path} not found: build it (cargo build -p syndic-cli) or set SYNDIC_BIN")
    return path


def rng_order(n):
    """Ids in a shuffled order, so that file order carries no information."""
    return np.random.default_rng(SEED + n).permutation(n)


def random_case(rng, n, k_gold, k_pred):
    return rng.integers(0, k_gold, n), rng.integers(0, k_pred, n)


def perturbed(rng, n, k, share):
    """A labeling and a copy with `share` of its items moved at random: near,
    not equal, which is where a dedup tool's output usually sits."""
    gold = rng.integers(0, k, n)
    pred = gold.copy()
    moved = rng.random(n) < share
    pred[moved] = rng.integers(0, k, moved.sum())
    return gold, pred


def cases():
    rng = np.random.default_rng(SEED)
    out = []
    for n, k_gold, k_pred in [
        (2, 2, 2),
        (7, 3, 2),
        (50, 5, 8),
        (200, 40, 60),
        (1000, 10, 10),
        (1000, 600, 700),
        (5000, 3, 50),
        (20000, 2000, 1500),
    ]:
        out.append((f"random n={n} k={k_gold}/{k_pred}", *random_case(rng, n, k_gold, k_pred)))
    out.append(("perturbed 5% n=3000", *perturbed(rng, 3000, 300, 0.05)))
    out.append(("perturbed 30% n=500", *perturbed(rng, 500, 20, 0.3)))
    n = 400
    singletons = np.arange(n)
    one = np.zeros(n, dtype=int)
    some = rng.integers(0, 30, n)
    out += [
        ("all singletons both", singletons, rng.permutation(n)),
        ("singletons vs clusters", singletons, some),
        ("clusters vs singletons", some, singletons),
        ("one cluster both", one, one + 9),
        ("one cluster vs clusters", one, some),
        ("one cluster vs singletons", one, singletons),
        ("identical up to relabeling", some, (some * 7 + 3) % 1000),
        ("single item", np.array([4]), np.array([1])),
    ]
    return out


CASES = cases()


@pytest.mark.parametrize("name,gold,pred", CASES, ids=[c[0] for c in CASES])
def test_ari_matches_sklearn(tmp_path, name, gold, pred):
    # Gold labels as strings and predicted ones as integers: the CLI must
    # accept both, and the ARI ignores what labels are called.
    ids = [f"doc-{i}" for i in rng_order(len(gold))]
    with open(tmp_path / "gold.jsonl", "w") as f:
        for doc, label in zip(ids, gold):
            f.write(json.dumps({"id": doc, "cluster": f"g{label}"}) + "\n")
    with open(tmp_path / "pred.jsonl", "w") as f:
        for doc, label in zip(ids, pred):
            f.write(json.dumps({"id": doc, "cluster": int(label)}) + "\n")

    result = subprocess.run(
        [syndic_bin(), "eval", "--gold", "gold.jsonl", "--pred", "pred.jsonl", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    expected = adjusted_rand_score(gold, pred)
    assert abs(report["ari"] - expected) < 1e-9, f"{name}: {report['ari']} vs {expected}"
    assert report["gold_clusters"] == len(set(gold.tolist()))
    assert report["pred_clusters"] == len(set(pred.tolist()))
    assert report["coverage"]["evaluated"] == len(gold)
    for key in ("pair_f1", "bcubed_precision", "bcubed_recall", "bcubed_f1"):
        assert 0.0 <= report[key] <= 1.0, key
