"""Distributed dedup on a Ray cluster, with Ray Data.

``syndic.ray.dedup`` runs the exact and MinHash modes of ``syndic dedup``
over a corpus too large for one machine, and gives the same result: the
``clusters.jsonl`` it writes is byte for byte the CLI's for the same inputs
and parameters. Every stage calls the ``syndic`` bindings for its
arithmetic; Ray moves the data:

1. **Read** the shards (``ray.data.read_json`` / ``read_parquet``), sorted by
   path as the CLI sorts its inputs, and number the documents in corpus
   order: block sizes are counted, and each block gets its offset. The
   numbered blocks stay where they are; each holds a contiguous range of
   DocIds.
2. **Sketch** in ``map_batches``: content hashes, signatures and band keys
   (``uint64`` arrays), and text lengths.
3. **Exact copies**: grouped by content hash (``groupby``); each document's
   canonical is the first document with its hash, by the core's rule
   (``syndic.exact_canonicals``).
4. **Candidates**: band entries of canonical documents grouped by band key;
   in each bucket, documents in DocId order are paired with at most
   ``bucket_window`` followers, the rule of ``LshParams::candidates``
   (``syndic.candidate_pairs``).
5. **Verify**: each candidate pair is routed to the corpus block holding
   its first document, which drops the pair's repeats from other bands and
   attaches that text, then to the block of the second (a range join: the
   corpus does not move); exact Jaccard of the
   shingle sets, recomputed in the workers (``syndic.verify_pairs``).
6. **Connected components** of exact and verified edges: union-find per
   block of edges (the core's, through ``clusters_from_edges``), then the
   resulting star forests merged pairwise in a tree of tasks; every node
   ends up pointing at the smallest DocId of its component.
7. **Assign**: one task numbers the clusters and picks representatives with
   the core's ``Clustering::from_roots`` (``syndic.clusters_from_roots``)
   from the component labels; each member's similarity to its
   representative is measured as in step 5.
8. **Write** ``clusters.jsonl`` (one chunk per corpus block, in order),
   ``pairs.jsonl`` (pairs named by range joins, which leave them grouped by
   block of their first document, so each chunk sorts locally) and
   ``summary.json`` through the core's run-directory code (``syndic::rundir``:
   its line types, and the summary with its counts computed there), and
   optionally the deduplicated corpus (one document per cluster) as Parquet
   or JSONL with Ray Data.

See docs/ray.md for running it on a real cluster and what each stage costs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path, PurePath
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data
from ray.util.debug import log_once

import syndic
from syndic import _syndic

__all__ = ["dedup", "main"]

Paths = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]

_LOW32 = np.uint64(0xFFFFFFFF)
# The DocId column of the corpus dataset, named to stay clear of user columns.
DOC = "_syndic_doc"


def dedup(
    data: Union[Paths, ray.data.Dataset],
    *,
    out: Union[str, "os.PathLike[str]"],
    id_column: Optional[str] = None,
    text_column: Optional[str] = None,
    num_partitions: Optional[int] = None,
    write_deduped: Optional[str] = None,
    force: bool = False,
    **options: Any,
) -> Dict[str, Any]:
    """Clusters exact copies and near-duplicates of a corpus on the Ray cluster.

    ``data`` is JSONL (``.jsonl``, ``.json``, ``.gz``, ``.zst``) or Parquet
    shards, or a ``ray.data.Dataset`` whose row order is the corpus order.
    The settings (``options``) are the dedup and MinHash settings of
    :func:`syndic.dedup` (``mode`` ``exact`` or ``minhash``; verification is
    exact), with the core's defaults. ``out`` becomes a run directory as
    the CLI writes it; with ``write_deduped`` (``"parquet"`` or
    ``"jsonl"``) it also gets ``deduped/``, one document per cluster with
    every column kept. ``num_partitions`` sets the width of the shuffles
    (default: twice the cluster's CPUs). Connects to the running cluster
    (``ray.init()``) unless Ray is already initialized. Returns the summary.
    """
    started = time.monotonic()
    timings: Dict[str, int] = {}
    clock = [started]

    def lap(stage: str) -> None:
        now = time.monotonic()
        timings[stage] = int((now - clock[0]) * 1000)
        clock[0] = now

    params = syndic.dedup_config(**options)
    mode, keep, ngram, char_ngram = params["mode"], params["keep"], params["ngram"], params["char_ngram"]
    if mode not in ("exact", "minhash"):
        raise syndic._error(syndic.ConfigError, f"the Ray runner does modes exact and minhash, not `{mode}`", "config")
    if params["verify"] != "exact":
        raise syndic._error(syndic.ConfigError, "the Ray runner verifies candidates exactly only", "config")
    if write_deduped not in (None, "parquet", "jsonl"):
        raise syndic._error(
            syndic.ConfigError, f"write_deduped must be parquet or jsonl, not `{write_deduped}`", "config"
        )
    id_column = id_column or syndic.settings_defaults()["id_column"]
    text_column = text_column or syndic.settings_defaults()["text_column"]
    out = Path(out)
    # The core's rule: with force, only a run directory syndic wrote is
    # replaced, and never one that holds an input.
    reads = [] if isinstance(data, ray.data.Dataset) else _paths(data)
    _syndic.check_run_dir(str(out), force, reads)
    if not ray.is_initialized():
        ray.init()
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if cpus == 0:
        raise syndic._error(syndic.SyndicError, "the Ray cluster has no CPUs to run on", "capacity")
    # Ray Data warns that a Dataset "will hang" whenever it starts while
    # Ray's view of free CPUs still counts tasks that just ended (its own
    # included), which every run of several Datasets does; it never hangs
    # here (the runner holds no actors), and a cluster without CPUs is
    # refused above. The warning is marked as given.
    log_once("cpu_warning")
    parts = num_partitions or max(2, 2 * cpus)

    corpus = _read(data, id_column, text_column)
    n = corpus.documents
    if n >= 1 << 32:
        raise syndic._error(syndic.ConfigError, "more than 2^32 documents in one run", "config")
    lap("read")

    sketched = corpus.dataset().map_batches(
        _sketch_batch, batch_format="pyarrow", fn_kwargs=dict(text_column=text_column, params=params)
    ).materialize()
    lap("sketch")

    canon = _shuffle(sketched, "hash_lo", parts).map_groups(_canonicals, batch_format="pyarrow").materialize()
    exact_edges = [_exact_edges.remote(block) for block in canon.to_arrow_refs()]
    exact_count = sum(ray.get([_num_rows.remote(b) for b in exact_edges]))
    lap("exact")

    candidate_count, near = 0, []
    if mode == "minhash":
        entries = canon.filter(expr="doc == canonical").map_batches(_band_entries, batch_format="pyarrow")
        candidates = _shuffle(entries, "key", parts).map_groups(
            _bucket_pairs, batch_format="pyarrow", fn_kwargs=dict(window=params["bucket_window"])
        )
        candidates = candidates.materialize()
        lap("candidates")
        measured = corpus.similarities(
            candidates.to_arrow_refs(), text_column, ngram=ngram, char_ngram=char_ngram, distinct=True
        )
        candidate_count = sum(ray.get([_num_rows.remote(b) for b in measured]))
        near = [_at_least.remote(block, float(params["threshold"])) for block in measured]
    verified_count = sum(ray.get([_num_rows.remote(b) for b in near]))
    lap("verify")

    labels = _components(exact_edges + near)
    lap("components")

    assigned = _assign.remote(n, keep, canon.to_arrow_refs(), sketched.to_arrow_refs(), labels)
    cluster, representative, canonical, unique_pairs = ray.get(assigned)
    measured = []
    if unique_pairs.num_rows:
        pairs_ref = ray.put(unique_pairs)
        measured = corpus.similarities([pairs_ref], text_column, ngram=ngram, char_ngram=char_ngram)
    similarity = _member_similarity(canonical, representative, measured)
    lap("assign")

    with _staged_run_dir(out, force, reads) as out_tmp:
        cluster_ref, representative_ref, similarity_ref = ray.put(cluster), ray.put(representative), ray.put(similarity)
        lines = [
            _cluster_lines.remote(block, id_column, cluster_ref, representative_ref, similarity_ref)
            for block in corpus.blocks
        ]
        _write_in_order(out_tmp / "clusters.jsonl", lines)
        pair_rows = [_pair_rows.remote(block, "exact") for block in exact_edges]
        pair_rows += [_pair_rows.remote(block, "near") for block in near]
        _write_in_order(out_tmp / "pairs.jsonl", corpus.pair_lines(pair_rows, id_column))
        deduped = None
        if write_deduped is not None:
            records = _write_deduped(corpus, representative_ref, out_tmp / "deduped", write_deduped)
            deduped = {"path": str(out / "deduped"), "format": write_deduped, "records": records}
        lap("write")

        timings["total"] = int((time.monotonic() - started) * 1000)
        fields = {
            "runner": "ray",
            "mode": mode,
            "inputs": sorted(os.path.realpath(p) for p in corpus.inputs),
            "params": params,
            "documents": n,
            "deduped_output": deduped,
            "num_partitions": parts,
            "cluster_cpus": int(ray.cluster_resources().get("CPU", 0)),
            "timings_ms": timings,
        }
        # The counts, histograms and `files` (what a later run with force
        # may replace) are the core's, as in the CLI's summaries.
        summary = _syndic.write_dedup_summary(
            str(out_tmp),
            fields,
            cluster=pa.array(cluster, pa.uint32()),
            representative=pa.array(representative, pa.uint32()),
            similarity=pa.array(similarity, pa.float64()),
            exact_duplicates=exact_count,
            candidate_pairs=candidate_count,
            verified_pairs=verified_count,
        )
    return summary


@contextlib.contextmanager
def _staged_run_dir(out: Path, force: bool, reads: List[str]) -> Iterator[Path]:
    """A hidden directory beside `out` to write the run into, renamed into
    place when the block ends, removed if it raises (the CLI's OutputDir)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield staged
        if out.exists():
            # Checked again, as it may have changed during the run; set
            # aside, and removed only once the new run is in place.
            _syndic.check_run_dir(str(out), force, reads)
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(aside / out.name)
            staged.rename(out)
            shutil.rmtree(aside)
        else:
            staged.rename(out)
    finally:
        if staged.exists():
            shutil.rmtree(staged)


# Reading and numbering.


def sort_paths(paths: Sequence[Union[str, "os.PathLike[str]"]]) -> List[str]:
    """Paths in the CLI's corpus order: by path component, duplicates once."""
    unique = {os.fspath(p) for p in paths}
    return sorted(unique, key=lambda p: PurePath(p).parts)


class _Corpus:
    """The corpus as blocks in DocId order, each holding a contiguous range
    of DocIds. Joins with it by DocId move only the other side: rows are
    routed to the block that holds their document, which attaches a column
    of that document in place (a range join, no shuffle of the corpus)."""

    def __init__(self, blocks: List[Any], starts: np.ndarray, inputs: List[str]):
        self.blocks = blocks
        # starts[i] is the first DocId of block i; starts[-1] is the count.
        self.starts = starts
        self.inputs = inputs
        self.documents = int(starts[-1])

    def dataset(self) -> ray.data.Dataset:
        return ray.data.from_arrow_refs(self.blocks)

    def attach(self, rows: List[Any], key: str, source: str, name: str, distinct: bool = False) -> List[Any]:
        """``rows`` (blocks with a DocId column ``key``) with column
        ``source`` of document ``key`` attached as ``name``; one output block
        per corpus block, holding the rows whose ``key`` falls in it. With
        ``distinct``, rows repeating an ``(a, b)`` pair are dropped, which is
        complete here: equal pairs route to the same block."""
        if not rows:
            return []
        k = len(self.blocks)
        routed = [_route.options(num_returns=k).remote(r, key, self.starts) for r in rows]
        if k == 1:
            routed = [[r] for r in routed]
        return [
            _attach.remote(block, int(self.starts[i]), key, source, name, distinct, *[r[i] for r in routed])
            for i, block in enumerate(self.blocks)
        ]

    def similarities(
        self, pairs: List[Any], text_column: str, *, ngram: int, char_ngram: int, distinct: bool = False
    ) -> List[Any]:
        """Blocks of ``a``, ``b``, ``similarity``: exact Jaccard of the
        shingle sets of documents ``a`` and ``b``, from their texts; each
        pair once with ``distinct`` (candidates found in several bands)."""
        with_a = self.attach(pairs, "a", text_column, "text_a", distinct)
        with_b = self.attach(with_a, "b", text_column, "text_b")
        return [_measure.remote(block, ngram, char_ngram) for block in with_b]

    def pair_lines(self, pairs: List[Any], id_column: str) -> List[Any]:
        """Lines of ``pairs.jsonl``, one chunk per corpus block, in DocId
        order of ``(a, b)``: named by ``b`` first, then routed by ``a`` last,
        so that the chunks come out in order of ``a``."""
        named = self.attach(self.attach(pairs, "b", id_column, "name_b"), "a", id_column, "name_a")
        return [_pair_lines.remote(block) for block in named]


def _read(data: Union[Paths, ray.data.Dataset], id_column: str, text_column: str) -> _Corpus:
    """Reads and numbers the corpus in corpus order."""
    if isinstance(data, ray.data.Dataset):
        ds, inputs = data, []
    else:
        inputs = sort_paths(_paths(data))
        for p in inputs:
            if not os.path.exists(p):
                raise syndic._error(syndic.IoError, f"{p}: No such file or directory", "io", path=p)
        parquet = [p.endswith(".parquet") for p in inputs]
        if all(parquet):
            ds = ray.data.read_parquet(inputs, include_paths=True)
        elif not any(parquet):
            # pyarrow's reader (not `lines=True`, which goes through pandas and
            # turns numeric-looking string ids into numbers).
            ds = ray.data.read_json(inputs, include_paths=True, file_extensions=None)
        else:
            raise syndic._error(
                syndic.UnsupportedInputError, "give either JSONL or Parquet shards, not both", "unsupported_input"
            )
    blocks = ds.materialize().to_arrow_refs()
    shapes = ray.get([_block_shape.remote(b) for b in blocks])
    if inputs:
        # Read tasks keep the given file order under preserve_order; check it,
        # since DocIds (and with them every tie-break) follow from it.
        seen = [path for shape in shapes for path in shape[1]]
        order = {os.path.abspath(p): i for i, p in enumerate(inputs)}
        ranks = [order.get(os.path.abspath(p), -1) for p in seen]
        if ranks != sorted(ranks) or -1 in ranks:
            raise syndic._error(syndic.SyndicError, "Ray returned the shards out of corpus order", "internal")
    starts = np.concatenate([[0], np.cumsum([shape[0] for shape in shapes])]).astype(np.int64)
    numbered = [_number.remote(b, int(o), id_column, text_column) for b, o in zip(blocks, starts)]
    return _Corpus(numbered, starts, inputs)


@ray.remote
def _block_shape(block: pa.Table) -> Tuple[int, List[str]]:
    """Rows of a block and the distinct input paths it holds, in order."""
    paths: List[str] = []
    if "path" in block.column_names:
        for p in block.column("path").to_pylist():
            if not paths or paths[-1] != p:
                paths.append(p)
    return block.num_rows, paths


@ray.remote
def _number(block: pa.Table, offset: int, id_column: str, text_column: str) -> pa.Table:
    """The block with ``doc`` (its DocIds from ``offset``) first, ids as
    strings (the CLI's readers stringify integer ids), and Ray's ``path``
    column dropped."""
    for name in (id_column, text_column):
        if name not in block.column_names:
            raise syndic._error(syndic.BadRecordError, f"missing field `{name}`", "missing_field")
        if block.column(name).null_count:
            raise syndic._error(syndic.BadRecordError, f"field `{name}` is null in some records", "missing_field")
    if "path" in block.column_names:
        block = block.drop_columns(["path"])
    ids = block.column(id_column)
    if not pa.types.is_string(ids.type):
        block = block.set_column(block.column_names.index(id_column), id_column, ids.cast(pa.string()))
    doc = pa.array(np.arange(offset, offset + block.num_rows, dtype=np.uint32))
    return block.add_column(0, DOC, doc)


# Sketching and exact copies.


def _sketch_batch(batch: pa.Table, text_column: str, params: Dict[str, Any]) -> pa.Table:
    texts = batch.column(text_column)
    s = syndic.sketch(
        texts,
        num_perm=params["num_perm"],
        ngram=params["ngram"],
        char_ngram=params["char_ngram"],
        seed=params["seed"],
        sketch=params["sketch"].replace("_", "-"),
    )
    columns = {
        "doc": batch.column(DOC),
        "length": pc.binary_length(texts).cast(pa.uint64()),
        "hash_hi": s.column("hash_hi"),
        "hash_lo": s.column("hash_lo"),
    }
    if params["mode"] != "exact":
        columns["keys"] = syndic.band_keys(s.column("signature"), params["bands"], params["rows"])
    return pa.table(columns)


def _shuffle(ds: ray.data.Dataset, column: str, parts: int) -> Any:
    """``ds`` grouped into ``parts`` groups by a uint64 hash column; rows
    with equal values of the column land in the same group."""

    def tag(batch: pa.Table) -> pa.Table:
        values = batch.column(column).to_numpy()
        return batch.append_column("part", pa.array((values % np.uint64(parts)).astype(np.uint32)))

    # Without num_partitions, Ray Data shuffles into its default 200
    # partitions whatever `parts` says.
    return ds.map_batches(tag, batch_format="pyarrow").groupby("part", num_partitions=parts)


def _canonicals(group: pa.Table) -> pa.Table:
    """Each document's canonical: the first document with its content hash,
    by the core's rule over the group in DocId order. A hash's documents
    are all in one group."""
    order = np.argsort(group.column("doc").to_numpy(), kind="stable")
    doc = group.column("doc").to_numpy()[order]
    first = syndic.exact_canonicals(
        group.column("hash_hi").to_numpy()[order], group.column("hash_lo").to_numpy()[order]
    )
    canonical = doc[first.to_numpy()]
    columns = {"doc": doc, "canonical": canonical.astype(np.uint32)}
    if "keys" in group.column_names:
        columns["keys"] = group.column("keys").take(pa.array(order))
    return pa.table(columns)


# Candidates.


def _band_entries(batch: pa.Table) -> pa.Table:
    """One row per (document, band): ``band``, ``key``, ``doc``."""
    keys = batch.column("keys")
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    bands = keys.type.list_size
    doc = batch.column("doc").to_numpy()
    return pa.table(
        {
            "band": np.tile(np.arange(bands, dtype=np.uint32), len(doc)),
            "key": keys.flatten(),
            "doc": np.repeat(doc, bands),
        }
    )


def _bucket_pairs(group: pa.Table, window: int) -> pa.Table:
    """Candidate pairs of the buckets in this group, band by band, by the
    core's rule (``syndic.candidate_pairs``: bucket members in DocId order,
    each paired with at most ``window`` followers)."""
    band, key, doc = (group.column(c).to_numpy() for c in ("band", "key", "doc"))
    a_out, b_out = [], []
    for b in np.unique(band):
        mine = np.flatnonzero(band == b)
        order = mine[np.argsort(doc[mine], kind="stable")]
        local = syndic.candidate_pairs(
            pa.FixedSizeListArray.from_arrays(pa.array(key[order], pa.uint64()), 1), bucket_window=window
        )
        ranked = doc[order]
        a_out.append(ranked[local.column("a").to_numpy()])
        b_out.append(ranked[local.column("b").to_numpy()])
    a = np.concatenate(a_out) if a_out else np.zeros(0, np.uint32)
    b = np.concatenate(b_out) if b_out else np.zeros(0, np.uint32)
    return pa.table({"a": a.astype(np.uint32), "b": b.astype(np.uint32)})


# Joins by DocId and verification.


@ray.remote
def _route(rows: pa.Table, key: str, starts: np.ndarray) -> List[pa.Table]:
    """``rows`` split by the corpus block holding document ``key``."""
    where = np.searchsorted(starts, rows.column(key).to_numpy(), side="right") - 1
    parts = [rows.filter(pa.array(where == i)) for i in range(len(starts) - 1)]
    return parts if len(parts) > 1 else parts[0]


@ray.remote
def _attach(
    block: pa.Table, first: int, key: str, source: str, name: str, distinct: bool, *parts: pa.Table
) -> pa.Table:
    rows = pa.concat_tables(parts)
    if distinct:
        pairs = rows.column("a").to_numpy().astype(np.uint64) << np.uint64(32) | rows.column("b").to_numpy()
        rows = rows.take(pa.array(np.sort(np.unique(pairs, return_index=True)[1])))
    at = rows.column(key).to_numpy().astype(np.int64) - first
    return rows.append_column(name, block.column(source).take(pa.array(at)))


@ray.remote
def _measure(block: pa.Table, ngram: int, char_ngram: int) -> pa.Table:
    similarity = syndic.verify_pairs(
        block.column("text_a"), block.column("text_b"), ngram=ngram, char_ngram=char_ngram
    )
    return pa.table({"a": block.column("a"), "b": block.column("b"), "similarity": similarity})


@ray.remote
def _at_least(block: pa.Table, threshold: float) -> pa.Table:
    return block.filter(pc.greater_equal(block.column("similarity"), threshold))


@ray.remote
def _num_rows(block: pa.Table) -> int:
    return block.num_rows


@ray.remote
def _exact_edges(block: pa.Table) -> pa.Table:
    """``a`` (canonical), ``b``: each document with an earlier exact copy."""
    copies = block.filter(pc.not_equal(block.column("doc"), block.column("canonical")))
    return pa.table({"a": copies.column("canonical"), "b": copies.column("doc")})


# Connected components.


def _components(edges: List[Any]) -> List[Any]:
    """Blocks of ``node``, ``root``: for every document in an edge but the
    smallest of its component, that smallest DocId.

    Union-find per block of edges, then merges in a binary tree: each task
    unions two star forests (every node pointing at its component's
    smallest node) into one. A star forest has fewer edges than nodes, so
    the data shrinks at every level, and the result does not depend on the
    order of the merges: the label of a component is its smallest DocId."""
    forests = [_star_forest.remote(block) for block in edges]
    while len(forests) > 1:
        pairs = [forests[i : i + 2] for i in range(0, len(forests), 2)]
        forests = [_star_forest.remote(*pair) for pair in pairs]
    return forests


@ray.remote
def _star_forest(*blocks: pa.Table) -> pa.Table:
    """The star forest of the union of edge blocks (``a``, ``b`` or
    ``node``, ``root``), by the core's union-find (``clusters_from_edges``
    with the nodes in ascending order and ``keep="first"``, so that each
    component's representative is its smallest node)."""
    u = np.concatenate([b.column(0).to_numpy() for b in blocks]).astype(np.uint32)
    v = np.concatenate([b.column(1).to_numpy() for b in blocks]).astype(np.uint32)
    nodes, local = np.unique(np.concatenate([u, v]), return_inverse=True)
    a, b = local[: len(u)], local[len(u) :]
    forest = syndic.clusters_from_edges(len(nodes), a, b, np.zeros(len(nodes), np.uint64), keep="first")
    root = nodes[forest.column("representative").to_numpy()]
    moved = root != nodes
    return pa.table({"node": nodes[moved], "root": root[moved]})


# Cluster assignment.


@ray.remote
def _assign(
    n: int, keep: str, canon_blocks: List[Any], length_blocks: List[Any], label_blocks: List[Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table]:
    """Cluster numbers and representatives by the core's
    ``Clustering::from_roots``, each document's canonical, and the distinct
    ``(canonical, representative's canonical)`` pairs whose similarity must
    be measured. Holds 20 bytes per document."""
    canonical = np.arange(n, dtype=np.uint32)
    for block in ray.get(canon_blocks):
        canonical[block.column("doc").to_numpy()] = block.column("canonical").to_numpy()
    lengths = np.zeros(n, dtype=np.uint64)
    for block in ray.get(length_blocks):
        lengths[block.column("doc").to_numpy()] = block.column("length").to_numpy()
    roots = np.arange(n, dtype=np.uint32)
    for block in ray.get(label_blocks):
        roots[block.column("node").to_numpy()] = block.column("root").to_numpy()
    clustering = syndic.clusters_from_roots(roots, lengths, keep)
    cluster = clustering.column("cluster").to_numpy()
    representative = clustering.column("representative").to_numpy()
    mine, theirs = canonical, canonical[representative]
    differ = mine != theirs
    keys = np.unique(mine[differ].astype(np.uint64) << np.uint64(32) | theirs[differ])
    pairs = pa.table({"a": (keys >> np.uint64(32)).astype(np.uint32), "b": (keys & _LOW32).astype(np.uint32)})
    return cluster, representative, canonical, pairs


def _member_similarity(
    canonical: np.ndarray, representative: np.ndarray, measured: List[Any]
) -> np.ndarray:
    """Each document's similarity to its representative: 1 for exact copies
    (same canonical), else the Jaccard of the two canonicals' shingle sets."""
    similarity = np.ones(len(canonical), dtype=np.float64)
    if not measured:
        return similarity
    table = pa.concat_tables(ray.get(measured))
    keys = table.column("a").to_numpy().astype(np.uint64) << np.uint64(32) | table.column("b").to_numpy()
    order = np.argsort(keys)
    keys, values = keys[order], table.column("similarity").to_numpy()[order]
    mine, theirs = canonical, canonical[representative]
    differ = np.flatnonzero(mine != theirs)
    wanted = mine[differ].astype(np.uint64) << np.uint64(32) | theirs[differ]
    similarity[differ] = values[np.searchsorted(keys, wanted)]
    return similarity


# Writing.


def _write_in_order(path: Path, chunks: List[Any]) -> None:
    """Concatenates the bytes of ``chunks`` (object refs) into ``path``, in
    order, holding one chunk at a time."""
    with open(path, "wb") as f:
        for chunk in chunks:
            f.write(ray.get(chunk))


@ray.remote
def _cluster_lines(
    block: pa.Table, id_column: str, cluster: np.ndarray, representative: np.ndarray, similarity: np.ndarray
) -> bytes:
    """A corpus block's lines of ``clusters.jsonl``."""
    doc = block.column(DOC).to_numpy()
    rows = pa.record_batch(
        {
            "id": block.column(id_column).combine_chunks(),
            "cluster": pa.array(cluster[doc], pa.uint32()),
            "representative": pa.array(representative[doc] == doc),
            "similarity": pa.array(similarity[doc], pa.float64()),
        }
    )
    return _syndic.run_lines("clusters.jsonl", rows)


@ray.remote
def _pair_rows(block: pa.Table, kind: str) -> pa.Table:
    """``a``, ``b``, ``similarity``, ``kind`` of exact (similarity 1) or
    verified pairs."""
    n = block.num_rows
    similarity = block.column("similarity") if "similarity" in block.column_names else pa.array(np.ones(n))
    return pa.table(
        {"a": block.column("a"), "b": block.column("b"), "similarity": similarity, "kind": pa.array([kind] * n)}
    )


@ray.remote
def _pair_lines(block: pa.Table) -> bytes:
    """Named pairs as lines of ``pairs.jsonl``, sorted by DocIds."""
    block = block.sort_by([("a", "ascending"), ("b", "ascending")])
    rows = pa.record_batch(
        {
            "a": block.column("name_a").combine_chunks(),
            "b": block.column("name_b").combine_chunks(),
            "similarity": block.column("similarity").combine_chunks(),
            "kind": block.column("kind").combine_chunks(),
        }
    )
    return _syndic.run_lines("pairs.jsonl", rows)


def _write_deduped(corpus: _Corpus, representative: Any, path: Path, fmt: str) -> int:
    """One document per cluster (its representative), every column kept;
    returns how many."""
    ds = ray.data.from_arrow_refs([_representatives.remote(b, representative) for b in corpus.blocks])
    if fmt == "parquet":
        ds.write_parquet(str(path))
    else:
        ds.write_json(str(path))
    return ds.count()


@ray.remote
def _representatives(block: pa.Table, representative: np.ndarray) -> pa.Table:
    doc = block.column(DOC).to_numpy()
    return block.filter(pa.array(representative[doc] == doc)).drop_columns([DOC])


def _paths(data: Paths) -> List[str]:
    """The paths named by `data`: one path or a sequence of them."""
    items = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    return [os.fspath(p) for p in items]


# Command line.


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``syndic-ray``: ``syndic dedup`` on a Ray cluster."""
    parser = argparse.ArgumentParser(
        prog="syndic-ray",
        description="Find exact and near-duplicate documents on a Ray cluster (syndic dedup, distributed).",
    )
    parser.add_argument("inputs", nargs="+", help="JSONL or Parquet shards")
    parser.add_argument("--out", required=True, help="output run directory")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    # The dedup and MinHash settings, from the core's schema: each flag
    # defaults to the core's default.
    kinds = {"X": float, "N": int, "NAME": str, "TEXT": str}
    settings = [e for e in syndic.settings_schema() if e["group"] in ("dedup", "minhash")]
    for entry in settings:
        parser.add_argument("--" + entry["name"].replace("_", "-"), type=kinds[entry["value_name"]], help=entry["doc"])
    parser.add_argument("--id-field", help="field holding the document id (default: the core's)")
    parser.add_argument("--text-field", help="field holding the text (default: the core's)")
    parser.add_argument("--num-partitions", type=int, help="width of the shuffles (default: 2 × cluster CPUs)")
    parser.add_argument("--write-deduped", choices=["parquet", "jsonl"], help="also write out/deduped/")
    parser.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS, or the local cluster)")
    args = parser.parse_args(argv)
    ray.init(address=args.address)
    try:
        summary = dedup(
            args.inputs,
            out=args.out,
            id_column=args.id_field,
            text_column=args.text_field,
            num_partitions=args.num_partitions,
            write_deduped=args.write_deduped,
            force=args.force,
            **{e["name"]: getattr(args, e["name"]) for e in settings},
        )
    except syndic.SyndicError as err:
        print(f"syndic-ray: error: {err}", file=sys.stderr)
        return 1
    print(
        f"syndic-ray: {summary['documents']} documents, {summary['clusters']} clusters, "
        f"{summary['duplicates_removed']} duplicates ({summary['exact_duplicates']} exact), written to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
