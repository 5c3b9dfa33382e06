"""The distributed dedup on a real two-node Ray cluster started on this
machine, against the CLI on the same shards."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from conftest import REPO, run_cli

ray = pytest.importorskip("ray")


def free_ports(n: int) -> List[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def node_ports(head_port: int) -> List[int]:
    """Seven free ports, the third starting a range of 41 worker ports that
    holds neither the others nor the head's: Ray refuses to start a node
    whose ports overlap."""
    while True:
        ports = free_ports(7)
        workers = range(ports[2], ports[2] + 41)
        if not any(p in workers for p in ports[:2] + ports[3:] + [head_port]):
            return ports


def processes_mentioning(marker: str) -> List[int]:
    """PIDs whose command line mentions `marker` (our temp dirs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def node_command(temp_dir: Path, head_port: int, head: bool) -> List[str]:
    """`ray start --block` for one node, every port chosen here so that
    nothing collides with another Ray on the machine."""
    ports = node_ports(head_port)
    command = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--block",
        "--num-cpus=1",
        "--object-store-memory=300000000",
        f"--temp-dir={temp_dir}",
        f"--node-manager-port={ports[0]}",
        f"--object-manager-port={ports[1]}",
        f"--min-worker-port={ports[2]}",
        f"--max-worker-port={ports[2] + 40}",
        f"--metrics-export-port={ports[3]}",
        f"--dashboard-agent-listen-port={ports[4]}",
        f"--dashboard-agent-grpc-port={ports[5]}",
        f"--runtime-env-agent-port={ports[6]}",
        "--disable-usage-stats",
    ]
    if head:
        command += ["--head", f"--port={head_port}", "--include-dashboard=false"]
    else:
        command += [f"--address=127.0.0.1:{head_port}"]
    return command


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """A head and a worker node, one CPU each, in their own sessions and
    temp dirs, with token authentication on and its token kept out of
    ~/.ray. Torn down by process group and by temp dir, so that only what
    this fixture started is stopped, whatever the test did."""
    root = tmp_path_factory.mktemp("ray")
    marker = str(root)
    env = dict(os.environ)
    env.update(
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN=secrets.token_hex(32),
        RAY_USAGE_STATS_ENABLED="0",
        RAY_DEDUP_LOGS="0",
    )
    head_port = free_ports(1)[0]
    nodes: List[subprocess.Popen] = []
    try:
        for i, head in enumerate((True, False)):
            temp_dir = root / f"node{i}"
            temp_dir.mkdir()
            log = open(root / f"node{i}.log", "wb")
            nodes.append(
                subprocess.Popen(
                    node_command(temp_dir, head_port, head),
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            if head:
                wait_for_port(head_port, nodes[0], root / "node0.log")
        env["RAY_ADDRESS"] = f"127.0.0.1:{head_port}"
        wait_for_nodes(env, 2, root)
        yield env
    finally:
        # Every process of the cluster names our temp dir on its command line;
        # they are stopped by process group, then by temp dir, and waited for
        # until they are gone from /proc (reaped, not left as zombies).
        started = set(processes_mentioning(marker))
        for node in nodes:
            try:
                os.killpg(node.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for node in nodes:
            try:
                node.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = set(processes_mentioning(marker)) | {p for p in started if Path(f"/proc/{p}").exists()}
            if not alive:
                break
            for pid in processes_mentioning(marker):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        assert not processes_mentioning(marker), "Ray processes outlived the test"


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ray start exited: {log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"the Ray head did not listen on {port}")


def wait_for_nodes(env: Dict[str, str], count: int, root: Path) -> None:
    probe = "import ray; ray.init(); print(sum(n['Alive'] for n in ray.nodes()))"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == str(count):
            return
        time.sleep(1)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(root.glob("*.log")))
    raise TimeoutError(f"{count} Ray nodes did not come up:\n{logs}")


def test_distributed_dedup_matches_the_cli(
    ray_cluster: Dict[str, str], reuters_shards: list, syndic_bin: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    run_cli(syndic_bin, "dedup", *reuters_shards, "--out", tmp_path / "cli", "--quiet")
    cli_seconds = time.monotonic() - started

    started = time.monotonic()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("syndic-ray")),
            *map(str, reuters_shards),
            "--out",
            str(tmp_path / "ray"),
            "--write-deduped",
            "parquet",
        ],
        env=ray_cluster,
        capture_output=True,
        text=True,
    )
    ray_seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-5000:]
    # Issue 17: no Dataset may start on a stale view of the free CPUs and
    # warn that the run "will hang".
    assert "available CPUs" not in done.stderr, done.stderr[-5000:]

    cli, distributed = tmp_path / "cli", tmp_path / "ray"
    assert (distributed / "clusters.jsonl").read_bytes() == (cli / "clusters.jsonl").read_bytes()
    assert (distributed / "pairs.jsonl").read_bytes() == (cli / "pairs.jsonl").read_bytes()
    summary = json.loads((distributed / "summary.json").read_text())
    expected = json.loads((cli / "summary.json").read_text())
    for key in ("exact_duplicates", "near_duplicates", "clusters", "candidate_pairs", "verified_pairs"):
        assert summary[key] == expected[key], key
    assert summary["cluster_cpus"] == 2

    import pyarrow.parquet as pq

    kept = pq.read_table(distributed / "deduped")
    assert kept.num_rows == expected["clusters"]
    assert set(kept.column_names) == {"id", "text"}
    print(f"\nreuters21578: CLI {cli_seconds:.1f} s, Ray (2 nodes × 1 CPU) {ray_seconds:.1f} s")
    print(f"Ray stage timings (ms): {summary['timings_ms']}")


def test_issue12_force_replaces_only_a_run_syndic_wrote(tmp_path: Path) -> None:
    """Issue 12: with force, Ray's runner removed whatever `out` named (and
    `out.partial` beside it). It now follows the core's rule, before any
    work is done on the cluster."""
    import syndic
    from syndic import _syndic
    from syndic import ray as syndic_ray

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shard = corpus / "part-00.jsonl"
    shard.write_text('{"id": "a", "text": "one document"}\n', encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("mine")
    cases = [
        (corpus, [str(shard)], "an input of this run"),
        (notes, [str(shard)], "syndic did not write"),
    ]
    for out, data, message in cases:
        with pytest.raises(syndic.OutputNotReplaceableError, match=message) as raised:
            syndic_ray.dedup(data, out=out, force=True)
        assert raised.value.kind == "output_not_replaceable"
        assert raised.value.path == str(out)
    assert shard.read_text(encoding="utf-8").startswith('{"id": "a"')
    assert (notes / "mine.txt").read_text() == "mine"
    with pytest.raises(syndic.OutputExistsError):
        syndic_ray.dedup([str(shard)], out=notes)
    # A run directory of syndic's may be replaced, and only with force.
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps({"syndic_version": "0", "files": ["deduped"]}))
    (run / "deduped").mkdir()
    _syndic.check_run_dir(str(run), True, [str(shard)])
    with pytest.raises(syndic.OutputExistsError):
        _syndic.check_run_dir(str(run), False, [])


def test_reprint_mode_matches_the_cli_and_resumes(
    ray_cluster: Dict[str, str], seeds: Path, syndic_bin: Path, tmp_path: Path
) -> None:
    """Issue 15: reprint mode on Ray gives the CLI's run, byte for byte, over
    three partitions: on the seeds (one wire story reprinted by two sites)
    and on the repository's example corpus (boilerplate learned per site),
    whose run dies in one partition of its find stage and is resumed from
    the shards it finished."""
    examples = REPO / "examples" / "corpus"
    corpora = {"seeds": tmp_path / "seeds.jsonl", "examples": tmp_path / "examples.jsonl"}
    with open(corpora["seeds"], "w", encoding="utf-8") as f:
        for page in sorted(seeds.glob("*.txt")):
            f.write(json.dumps({"id": page.name, "text": page.read_text()}) + "\n")
    with open(corpora["examples"], "w", encoding="utf-8") as f:
        for page in sorted(examples.rglob("*.txt")):
            record = {"id": str(page.relative_to(examples)), "text": page.read_text(), "site": page.parent.name}
            f.write(json.dumps(record) + "\n")
    flags = ["--mode", "reprint", "--site-field", "site"]
    out, work = tmp_path / "ray-examples", tmp_path / ".ray-examples.work"
    # The three runs of `syndic-ray` in one driver, which connects once
    # (seconds saved on every run).
    runs = [
        ([str(corpora["seeds"]), "--out", str(tmp_path / "ray-seeds")], ""),
        ([str(corpora["examples"]), "--out", str(out)], "find-00001"),
        ([str(corpora["examples"]), "--out", str(out), "--resume"], ""),
    ]
    # Per run: how it ended, whether `--out` exists, and the shards kept in
    # the work directory.
    script = """if True:
        import json, os, sys
        from pathlib import Path
        import syndic.ray
        for argv, fault, out, work in json.loads(sys.argv[1]):
            os.environ["SYNDIC_RAY_FAULT"] = fault
            try:
                ended = f"exit {syndic.ray.main(argv)}"
            except Exception as err:
                ended = f"died: {err}"
            kept = sorted(p.name for p in Path(work).rglob("*-0*"))
            print(json.dumps([ended, os.path.exists(out), kept]), flush=True)
    """
    argv = [[[*args, *flags, "--num-partitions", "3"], fault, str(out), str(work)] for args, fault in runs]
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(argv)], env=ray_cluster, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-5000:]
    seeds_run, died, resumed = [json.loads(line) for line in done.stdout.splitlines()]
    assert seeds_run[0] == "exit 0" and resumed[0] == "exit 0", done.stdout + done.stderr[-5000:]
    assert "injected fault in find-00001" in died[0], died
    # The run that died wrote no output and kept its finished shards; the
    # resumed one wrote the run and removed them.
    assert not died[1] and "observe-00000" in died[2] and "find-00001" not in died[2], died
    assert resumed[1] and resumed[2] == [] and not work.exists(), resumed

    def same_as_cli(name: str, distributed: Path) -> dict:
        cli = tmp_path / f"cli-{name}"
        run_cli(syndic_bin, "dedup", corpora[name], *flags, "--out", cli, "--quiet")
        for file in ("clusters.jsonl", "pairs.jsonl", "passages.jsonl", "boilerplate.jsonl"):
            assert (distributed / file).read_bytes() == (cli / file).read_bytes(), (name, file)
        summary = json.loads((distributed / "summary.json").read_text())
        expected = json.loads((cli / "summary.json").read_text())
        for key in ("params", "clusters", "exact_duplicates", "candidate_pairs", "verified_pairs", "passages"):
            assert summary[key] == expected[key], (name, key)
        assert summary["boilerplate_bytes"] == expected["boilerplate_bytes"]
        return summary

    # Reprints were found, not only singletons.
    assert same_as_cli("seeds", tmp_path / "ray-seeds")["duplicates_removed"] == 2
    shards = same_as_cli("examples", out)["resumed_shards"]
    # Every block was observed before the find stage began; the other find
    # partitions may have finished after the fault, and are reused if so.
    assert shards["observe"] == sum(name.startswith("observe-") for name in died[2]) >= 1, shards
    assert shards.get("find", 0) <= 2, shards


def test_issue15_a_block_without_pairs_keeps_its_columns_typed() -> None:
    """Found running the Ray speed benchmark on the Gutenberg sample in 8
    shards: a corpus block with no pairs gave a ``kind`` column of type
    null, and joining it with the other blocks' pairs failed."""
    import pyarrow as pa

    from syndic import ray as syndic_ray

    empty = pa.table({"a": pa.array([], pa.uint32()), "b": pa.array([], pa.uint32())})
    rows = syndic_ray._pair_rows._function(empty, "exact")
    assert rows.schema.field("kind").type == pa.string()
    assert rows.num_rows == 0


def test_issue15_minhash_and_exact_runs_resume_from_their_finished_shards(
    ray_cluster: Dict[str, str], reuters: Path, syndic_bin: Path, tmp_path: Path
) -> None:
    """Issue 15: a MinHash run that dies in the verification of one corpus
    block, and an exact run that dies sketching one, are resumed from the
    shards they finished, and give the CLI's run byte for byte. Before,
    both modes refused to resume."""
    import gzip

    lines = gzip.open(reuters, "rt", encoding="utf-8").readlines()[:3000]
    shards = []
    for i in range(3):
        shard = tmp_path / f"part-{i:02}.jsonl"
        shard.write_text("".join(lines[i * 1000 : (i + 1) * 1000]), encoding="utf-8")
        shards.append(str(shard))
    runs = []
    for mode, fault in (("minhash", "verify-00001"), ("exact", "sketch-00001")):
        out = tmp_path / f"ray-{mode}"
        argv = [*shards, "--out", str(out), "--mode", mode]
        runs += [[argv, fault, str(out)], [[*argv, "--resume"], "", str(out)]]
    script = """if True:
        import json, os, sys
        from pathlib import Path
        import syndic.ray
        for argv, fault, out in json.loads(sys.argv[1]):
            os.environ["SYNDIC_RAY_FAULT"] = fault
            try:
                ended = f"exit {syndic.ray.main(argv)}"
            except Exception as err:
                ended = f"died: {err}"
            work = Path(out).parent / f".{Path(out).name}.work"
            kept = sorted(p.name for p in work.rglob("*-0*"))
            print(json.dumps([ended, os.path.exists(out), kept, work.exists()]), flush=True)
    """
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(runs)], env=ray_cluster, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-5000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    faults = {"minhash": "verify-00001", "exact": "sketch-00001"}
    for mode, died, resumed in zip(faults, results[::2], results[1::2]):
        fault = faults[mode]
        assert f"injected fault in {fault}" in died[0], (mode, died)
        # The run that died wrote no output and kept the shards it
        # finished, not the one that failed; the resumed one wrote the run
        # and removed its work directory.
        assert not died[1] and fault not in died[2], (mode, died)
        assert resumed[0] == "exit 0" and resumed[1] and not resumed[3], (mode, resumed, done.stderr[-5000:])

        out, cli = tmp_path / f"ray-{mode}", tmp_path / f"cli-{mode}"
        run_cli(syndic_bin, "dedup", *shards, "--mode", mode, "--out", cli, "--quiet")
        for file in ("clusters.jsonl", "pairs.jsonl"):
            assert (out / file).read_bytes() == (cli / file).read_bytes(), (mode, file)
        summary = json.loads((out / "summary.json").read_text())
        expected = json.loads((cli / "summary.json").read_text())
        for key in ("clusters", "exact_duplicates", "candidate_pairs", "verified_pairs"):
            assert summary[key] == expected[key], (mode, key)
        # Every block is sketched before any later stage starts, so the
        # sketches the run finished were all kept, and are read back, not
        # computed; the blocks verified after the fault may be too.
        reused = summary["resumed_shards"]
        sketched = sum(name.startswith("sketch-") for name in died[2])
        assert reused["sketch"] == sketched >= (2 if mode == "minhash" else 1), (mode, reused, died[2])
        assert reused.get("verify", 0) < sketched, (mode, reused)


def test_issue15_read_blocks_are_joined_into_about_one_corpus_block_per_partition() -> None:
    """Found profiling the Ray speed benchmark: Ray Data read the Gutenberg
    sample's 8 shards as 104 blocks, each a corpus block, and the range
    joins made results per (block of rows, corpus block): 33,000 objects
    and most of the run's time. Read blocks are now joined, in order, into
    ``num_partitions`` corpus blocks, more only past the size cap."""
    from syndic import ray as syndic_ray

    def check(sizes: List[int], parts: int) -> List[List[int]]:
        groups = syndic_ray._group_blocks(sizes, parts)
        # Every read block once, in corpus order: DocIds follow from it.
        assert [i for group in groups for i in group] == list(range(len(sizes)))
        return groups

    assert len(check([1_000_000] * 104, 4)) == 4
    assert check([10, 10, 10], 8) == [[0], [1], [2]]
    assert check([], 4) == []
    cap = syndic_ray.MAX_BLOCK_BYTES
    big = check([cap // 2] * 40, 2)
    assert len(big) == 20 and all(len(group) == 2 for group in big)


def test_issue15_distributed_components_equal_a_union_find() -> None:
    """Issue 15: connected components over partitions of the edges (the
    star rounds the Ray runner runs as tasks, run here in this process)
    label every node in an edge with its component's smallest node, as a
    plain union-find does, whatever the blocks and partitions: on random
    graphs, long paths in random order (many rounds) and stars."""
    import random

    import numpy as np
    import pyarrow as pa

    from syndic import ray as syndic_ray

    def union_find(edges: List[tuple]) -> Dict[int, int]:
        parent: Dict[int, int] = {}

        def find(x: int) -> int:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in edges:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        return {x: find(x) for x in list(parent) if find(x) != x}

    def local(function: object, returns: int, *args: object) -> list:
        return list(function(*args))  # type: ignore[operator]

    rng = random.Random(15)
    graphs = []
    for _ in range(60):
        n = rng.randint(1, 300)
        graphs.append([(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 2 * n))])
    for n in (50, 400):
        order = list(range(n))
        rng.shuffle(order)
        graphs.append(list(zip(order, order[1:])))
        graphs.append([(n - 1, i) for i in range(n - 1)] + [(i, i) for i in range(3)])
    for edges in graphs:
        cut = sorted(rng.sample(range(len(edges) + 1), rng.randint(0, min(3, len(edges) + 1))))
        bounds = [0, *cut, len(edges)]
        blocks = [
            pa.table(
                {
                    "a": np.array([a for a, _ in edges[i:j]], np.uint32),
                    "b": np.array([b for _, b in edges[i:j]], np.uint32),
                }
            )
            for i, j in zip(bounds, bounds[1:])
        ]
        parts = rng.randint(1, 5)
        labels = syndic_ray._components(blocks, parts, submit=local, get=lambda refs: refs)
        assert len(labels) == parts
        found: Dict[int, int] = {}
        for label in labels:
            nodes = label.column("node").to_pylist()
            assert nodes == sorted(nodes)
            for node, root in zip(nodes, label.column("root").to_pylist()):
                assert node not in found, (edges, parts)
                found[node] = root
        assert found == union_find(edges), (edges, parts)


def test_issue15_reprint_route_tasks_get_only_their_blocks_labels() -> None:
    """Issue 15: in reprint mode the component labels (``node``, ``root``)
    are no longer gathered into one table that every route task reads:
    each label partition is split by corpus block, and each route task
    reads only the labels of its block's documents. Run here in this
    process over random graphs, blocks and partitions: every document in a
    component, and only those, goes to the find partition of its
    component's smallest DocId, in DocId order, and no route task is given
    a label of another block's document."""
    import random

    import numpy as np
    import pyarrow as pa

    from syndic import ray as syndic_ray

    def local(function: object, returns: int, *args: object) -> list:
        return list(function(*args))  # type: ignore[operator]

    def as_list(routed: object, k: int) -> list:
        return list(routed) if k > 1 else [routed]  # type: ignore[call-overload]

    columns = syndic_ray._Columns("id", "text", None)
    rng = random.Random(1515)
    for _ in range(30):
        n = rng.randint(1, 200)
        edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(1, n))]
        parts, k = rng.randint(1, 4), rng.randint(1, 5)
        starts = np.array(sorted({0, n, *rng.sample(range(n + 1), k - 1)}), np.int64)
        k = len(starts) - 1
        blocks = [
            pa.table(
                {
                    syndic_ray.DOC: np.arange(starts[i], starts[i + 1], dtype=np.uint32),
                    "text": [f"doc {d}" for d in range(starts[i], starts[i + 1])],
                }
            )
            for i in range(k)
        ]
        edge_table = pa.table(
            {"a": np.array([a for a, _ in edges], np.uint32), "b": np.array([b for _, b in edges], np.uint32)}
        )
        labels = syndic_ray._components([edge_table], parts, submit=local, get=lambda refs: refs)
        by_block = [as_list(syndic_ray._route_labels._function(label, starts), k) for label in labels]
        routed = []
        for i, block in enumerate(blocks):
            mine = [b[i] for b in by_block]
            for rows in mine:
                docs = rows.column("doc").to_numpy()
                assert np.all((docs >= starts[i]) & (docs < starts[i + 1])), (edges, starts)
            routed.append(as_list(syndic_ray._reprint_route._function(block, columns, parts, *mine), parts))

        root = {d: d for d in range(n)}
        for a, b in edges:
            ra, rb = root[a], root[b]
            while root[ra] != ra:
                ra = root[ra]
            while root[rb] != rb:
                rb = root[rb]
            root[max(ra, rb)] = min(ra, rb)

        def find(d: int) -> int:
            while root[d] != d:
                d = root[d]
            return d

        in_component = {d for edge in edges for d in edge if edge[0] != edge[1]}
        in_component |= {find(d) for d in in_component}
        for p in range(parts):
            got = [d for r in routed for d in r[p].column(syndic_ray.DOC).to_pylist()]
            assert got == sorted(d for d in in_component if find(d) % parts == p), (edges, parts, starts)
