"""Distributed dedup on a Ray cluster.

``syndic.ray.dedup`` runs the exact, MinHash and reprint modes of ``syndic
dedup`` over a corpus too large for one machine, and gives the same
result: the files it writes are byte for byte the CLI's for the same
inputs and parameters. Every stage calls the ``syndic`` bindings for its
arithmetic; Ray moves the data. Exact and MinHash modes:

1. **Read** the shards (``ray.data.read_json`` / ``read_parquet``), sorted by
   path as the CLI sorts its inputs, join consecutive read blocks into
   about ``num_partitions`` corpus blocks, and number the documents in
   corpus order: block sizes are counted, and each block gets its offset.
   The numbered blocks stay where they are; each holds a contiguous range
   of DocIds.
2. **Sketch**, a task per corpus block: content hashes, signatures and
   band keys (``uint64`` arrays), and text lengths; the rows are split
   into ``num_partitions`` parts by content hash, an exchange through
   the object store (no Ray Data group-by, which cost two thirds of a run).
3. **Exact copies**, a task per partition: each document's canonical is the
   first document with its hash, by the core's rule
   (``syndic.exact_canonicals``).
4. **Candidates**: band entries of canonical documents split by band key,
   a task per partition; in each bucket, documents in DocId order are
   paired with at most ``bucket_window`` followers, the rule of
   ``LshParams::candidates`` (``syndic.candidate_pairs``).
5. **Verify**: each candidate pair is routed to the corpus block holding
   its first document, which drops the pair's repeats from other bands and
   attaches that text, then to the block of the second (a range join: the
   corpus does not move); exact Jaccard of the
   shingle sets, recomputed in the workers (``syndic.verify_pairs``).
6. **Connected components** of exact and verified edges: union-find per
   block of edges (the core's, through ``clusters_from_edges``), then
   rounds of large-star and small-star over the edges split into
   partitions by node, a task per partition; every node ends up pointing
   at the smallest DocId of its component, and no task holds more than a
   partition of the edges.
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

Reprint mode runs the core's reprint stages (``syndic::reprint::stages``)
over the same numbered blocks, exchanging Arrow tables and the core's bytes
through the object store:

1. **Observe** each block: content hashes, passage fingerprints and the
   block's statistics (line counts for boilerplate, token document
   frequencies); postings split by fingerprint, hashes by hash.
2. **Statistics** merged in a tree of tasks (they are counts).
3. **Links** per partition: fingerprints too common to pair, and edges
   joining the documents of each of the others; exact copies by hash.
4. **Components** of those edges, as in step 6 above. Candidate pairs,
   reprint edges and cluster checks never reach across them. The labels
   are split by corpus block (a range join), so that each block routes
   its documents by the labels of its own documents only.
5. **Find** per partition of whole components: the core's batch pipeline
   over their texts, judged by the corpus's frozen statistics.
6. **Boilerplate** of every block, by the same statistics; **assign**
   numbers the clusters from the representatives found (one task); the
   files are written as above, passages named by the range joins.

In every mode the costly stages (sketches, verification, member
similarities; pass 1, find and boilerplate in reprint mode) keep each
shard's outputs in a work directory, so that a run that died can be
resumed from the shards it finished.

See docs/ray.md for running it on a real cluster and what each stage costs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import pickle
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
    site_column: Optional[str] = None,
    num_partitions: Optional[int] = None,
    write_deduped: Optional[str] = None,
    force: bool = False,
    resume: bool = False,
    work_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    **options: Any,
) -> Dict[str, Any]:
    """Clusters exact copies and near-duplicates of a corpus on the Ray cluster.

    ``data`` is JSONL (``.jsonl``, ``.json``, ``.gz``, ``.zst``) or Parquet
    shards, or a ``ray.data.Dataset`` whose row order is the corpus order.
    The settings (``options``) are the dedup, MinHash and reprint settings
    of :func:`syndic.dedup` (``mode`` ``exact``, ``minhash`` or
    ``reprint``; verification is exact), with the core's defaults; in
    reprint mode ``site_column`` names the sites boilerplate is also
    learned by (a row without one has no site). ``out`` becomes a run directory as
    the CLI writes it; with ``write_deduped`` (``"parquet"`` or
    ``"jsonl"``) it also gets ``deduped/``, one document per cluster with
    every column kept. ``num_partitions`` sets the width of the shuffles
    (default: twice the cluster's CPUs). Connects to the running cluster
    (``ray.init()``) unless Ray is already initialized. Returns the summary.

    Each shard's outputs of the costly stages are kept in ``work_dir``
    (default: ``.<out name>.work`` beside ``out``; on a multi-node cluster a
    file system every node mounts, as for ``out``), each written whole
    before it counts as finished, and removed once the run is written. With
    ``resume``, a run that died is resumed: the shards an earlier run with
    the same inputs, settings and partitions finished are reused, and the
    output is the same. The work directory holds Python pickles: keep it
    private.
    """
    started = time.monotonic()
    timings: Dict[str, int] = {}
    clock = [started]

    def lap(stage: str) -> None:
        now = time.monotonic()
        timings[stage] = int((now - clock[0]) * 1000)
        clock[0] = now

    if options.get("mode") == "reprint":
        # The reprint settings are not the dedup_config's: the run's
        # parameters are the core's reprint config.
        settings = syndic._settings(options)
        params = _syndic.reprint_params(options=settings)
    else:
        params = syndic.dedup_config(**options)
    mode, keep = params["mode"], params["keep"]
    if mode not in ("exact", "minhash", "reprint"):
        raise syndic._error(
            syndic.ConfigError, f"the Ray runner does modes exact, minhash and reprint, not `{mode}`", "config"
        )
    if resume and isinstance(data, ray.data.Dataset):
        raise syndic._error(syndic.ConfigError, "a run over a Dataset cannot be resumed: give paths", "config")
    if mode == "minhash" and params["verify"] != "exact":
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

    corpus = _read(data, id_column, text_column, parts)
    n = corpus.documents
    if n >= 1 << 32:
        raise syndic._error(syndic.ConfigError, "more than 2^32 documents in one run", "config")
    lap("read")

    columns = _Columns(id_column, text_column, site_column if mode == "reprint" else None)
    work = _Work.of(
        Path(work_dir) if work_dir is not None else None,
        out,
        resume,
        corpus=corpus,
        params=params,
        columns=columns,
        parts=parts,
    )
    if mode == "reprint":
        found = _find_reprints(corpus, columns, settings, parts, work, lap)
        with _staged_run_dir(out, force, reads) as out_tmp:
            summary = _write_reprint_run(out_tmp, corpus, columns, found, lap)
            deduped = None
            if write_deduped is not None:
                kept = _write_deduped(corpus, ray.put(found.representative), out_tmp / "deduped", write_deduped)
                deduped = {"path": str(out / "deduped"), "format": write_deduped, "records": kept}
                lap("write")
            timings["total"] = int((time.monotonic() - started) * 1000)
            fields = {**_run_fields(mode, corpus, params, n, deduped, parts, timings), **summary}
            if resume:
                fields["resumed_shards"] = work.resumed
            written = _syndic.write_dedup_summary(
                str(out_tmp),
                fields,
                cluster=pa.array(found.cluster, pa.uint32()),
                representative=pa.array(found.representative, pa.uint32()),
                similarity=pa.array(found.similarity, pa.float64()),
                exact_duplicates=found.exact_duplicates,
                candidate_pairs=found.candidate_pairs,
                verified_pairs=found.verified_pairs,
            )
        # The run is in place: its shards are needed no more.
        work.remove()
        return written

    # Each corpus block's sketches: its lengths, then its hashes and band
    # keys split into `parts` by content hash.
    sketched = [
        work.run(f"sketch-{i:05}", 1 + parts, _sketch_block, block, text_column, params, parts)
        for i, block in enumerate(corpus.blocks)
    ]
    ray.wait([s[0] for s in sketched], num_returns=len(sketched), fetch_local=False)
    lap("sketch")

    canon = [_canonical_part.remote(*[s[1 + p] for s in sketched]) for p in range(parts)]
    exact_edges = [_exact_edges.remote(block) for block in canon]
    exact_count = sum(ray.get([_num_rows.remote(b) for b in exact_edges]))
    lap("exact")

    ngram, char_ngram = params["ngram"], params["char_ngram"]
    candidate_count, near = 0, []
    if mode == "minhash":
        entries = [_band_parts.options(num_returns=parts).remote(block, parts) for block in canon]
        if parts == 1:
            entries = [[e] for e in entries]
        candidates = [
            _bucket_part.remote(params["bucket_window"], *[e[p] for e in entries]) for p in range(parts)
        ]
        ray.wait(candidates, num_returns=len(candidates), fetch_local=False)
        lap("candidates")
        measured = corpus.similarities(
            candidates, text_column, ngram=ngram, char_ngram=char_ngram, distinct=True, work=(work, "verify")
        )
        candidate_count = sum(ray.get([_num_rows.remote(b) for b in measured]))
        near = [_at_least.remote(block, float(params["threshold"])) for block in measured]
    verified_count = sum(ray.get([_num_rows.remote(b) for b in near]))
    lap("verify")

    labels = _components(exact_edges + near, parts)
    lap("components")

    # The blocks as arguments, not lists of refs: Ray fetches them before
    # the task starts, where a `ray.get` in the task waited a second more
    # on the Gutenberg sample.
    assigned = _assign.remote(n, keep, (len(canon), len(sketched)), *canon, *[s[0] for s in sketched], *labels)
    cluster, representative, canonical, unique_pairs = ray.get(assigned)
    measured = []
    if unique_pairs.num_rows:
        pairs_ref = ray.put(unique_pairs)
        measured = corpus.similarities(
            [pairs_ref], text_column, ngram=ngram, char_ngram=char_ngram, work=(work, "similarity")
        )
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
        fields = _run_fields(mode, corpus, params, n, deduped, parts, timings)
        if resume:
            fields["resumed_shards"] = work.resumed
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
    work.remove()
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
        self,
        pairs: List[Any],
        text_column: str,
        *,
        ngram: int,
        char_ngram: int,
        work: Tuple["_Work", str],
        distinct: bool = False,
    ) -> List[Any]:
        """Blocks of ``a``, ``b``, ``similarity``: exact Jaccard of the
        shingle sets of documents ``a`` and ``b``, from their texts; each
        pair once with ``distinct`` (candidates found in several bands).
        Each block's measures are kept in the work directory as shard
        ``<stage>-<block>`` (``work`` is the directory and the stage)."""
        kept, stage = work
        with_a = self.attach(pairs, "a", text_column, "text_a", distinct)
        with_b = self.attach(with_a, "b", text_column, "text_b")
        return [kept.run(f"{stage}-{i:05}", 1, _measure, block, ngram, char_ngram) for i, block in enumerate(with_b)]

    def pair_lines(self, pairs: List[Any], id_column: str) -> List[Any]:
        """Lines of ``pairs.jsonl``, one chunk per corpus block, in DocId
        order of ``(a, b)``: named by ``b`` first, then routed by ``a`` last,
        so that the chunks come out in order of ``a``."""
        named = self.attach(self.attach(pairs, "b", id_column, "name_b"), "a", id_column, "name_a")
        return [_pair_lines.remote(block) for block in named]

    def passage_lines(self, passages: List[Any], id_column: str) -> List[Any]:
        """Lines of ``passages.jsonl``, one chunk per corpus block, in DocId
        order of ``(a, b)`` and the core's order within a pair (``seq``),
        named as :meth:`pair_lines` names pairs."""
        named = self.attach(self.attach(passages, "b", id_column, "name_b"), "a", id_column, "name_a")
        return [_passage_lines.remote(block) for block in named]


def _read(data: Union[Paths, ray.data.Dataset], id_column: str, text_column: str, parts: int) -> _Corpus:
    """Reads and numbers the corpus in corpus order, in about ``parts``
    blocks (see :func:`_group_blocks`)."""
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
    groups = _group_blocks([shape[2] for shape in shapes], parts)
    rows = [sum(shapes[i][0] for i in group) for group in groups]
    starts = np.concatenate([[0], np.cumsum(rows)]).astype(np.int64)
    numbered = [
        _number.remote(int(o), id_column, text_column, *[blocks[i] for i in group]) for group, o in zip(groups, starts)
    ]
    return _Corpus(numbered, starts, inputs)


# The largest corpus block made by joining read blocks: a task holds a
# block and what it attaches to it.
MAX_BLOCK_BYTES = 256 << 20


def _group_blocks(sizes: List[int], parts: int) -> List[List[int]]:
    """Runs of consecutive read blocks (their indices) to join into corpus
    blocks: ``parts`` of them, or more so that each holds about
    ``MAX_BLOCK_BYTES`` at most; a read block starting in the ``g``-th
    equal slice of the corpus's bytes goes to block ``g``.

    Ray Data reads a 13 MB JSONL file as a dozen blocks or more. Every
    range join makes a result per (block of rows, corpus block), and every
    corpus block a task per join, so a hundred small blocks cost thousands
    of objects and most of a run's time on the Gutenberg sample. And
    ``parts`` blocks (twice the CPUs by default) keep the sketching tasks
    even over the CPUs."""
    total = sum(sizes)
    wanted = max(parts, -(-total // MAX_BLOCK_BYTES))
    groups: List[List[int]] = []
    held, last = 0, -1
    for i, size in enumerate(sizes):
        label = held * wanted // total if total else 0
        if label != last:
            groups.append([])
            last = label
        groups[-1].append(i)
        held += size
    return groups


@ray.remote
def _block_shape(block: pa.Table) -> Tuple[int, List[str], int]:
    """Rows of a block, the input paths of its runs of rows, in order, and
    its bytes."""
    paths: List[str] = []
    if "path" in block.column_names and block.num_rows:
        encoded = block.column("path").combine_chunks().dictionary_encode()
        index = encoded.indices.to_numpy()
        runs = np.concatenate([[0], np.flatnonzero(np.diff(index)) + 1])
        paths = encoded.dictionary.take(pa.array(index[runs])).to_pylist()
    return block.num_rows, paths, block.nbytes


@ray.remote
def _number(offset: int, id_column: str, text_column: str, *blocks: pa.Table) -> pa.Table:
    """The read blocks joined, with ``doc`` (their DocIds from ``offset``)
    first, ids as strings (the CLI's readers stringify integer ids), and
    Ray's ``path`` column dropped."""
    checked = []
    for block in blocks:
        for name in (id_column, text_column):
            if name not in block.column_names:
                raise syndic._error(syndic.BadRecordError, f"missing field `{name}`", "missing_field")
            if block.column(name).null_count:
                raise syndic._error(
                    syndic.BadRecordError, f"field `{name}` is null in some records", "missing_field"
                )
        if "path" in block.column_names:
            block = block.drop_columns(["path"])
        ids = block.column(id_column)
        if not pa.types.is_string(ids.type):
            block = block.set_column(block.column_names.index(id_column), id_column, ids.cast(pa.string()))
        checked.append(block)
    # Shards need not have the same columns, nor a column the same type
    # (all nulls in one block): the blocks are joined as Ray Data would.
    block = pa.concat_tables(checked, promote_options="permissive")
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


def _sketch_block(block: pa.Table, text_column: str, params: Dict[str, Any], parts: int) -> Tuple[pa.Table, ...]:
    """A corpus block's ``doc`` and ``length``, then its sketches split into
    ``parts`` by content hash: the exchange through the object store that
    the group-by of exact copies was."""
    sketch = _sketch_batch(block, text_column, params)
    lengths = sketch.select(["doc", "length"])
    by_hash = (sketch.column("hash_lo").to_numpy() % np.uint64(parts)).astype(np.int64)
    return (lengths, *_split_rows(sketch, by_hash, parts))


@ray.remote
def _canonical_part(*parts: pa.Table) -> pa.Table:
    """Each document's canonical, over one partition by content hash."""
    return _canonicals(pa.concat_tables(parts))


@ray.remote
def _band_parts(canon: pa.Table, parts: int) -> Any:
    """The band entries of the canonical documents of ``canon``, split into
    ``parts`` by band key."""
    entries = _band_entries(canon.filter(pc.equal(canon.column("doc"), canon.column("canonical"))))
    by_key = (entries.column("key").to_numpy() % np.uint64(parts)).astype(np.int64)
    split = _split_rows(entries, by_key, parts)
    return split if parts > 1 else split[0]


@ray.remote
def _bucket_part(window: int, *parts: pa.Table) -> pa.Table:
    """Candidate pairs of the buckets of one partition by band key."""
    return _bucket_pairs(pa.concat_tables(parts), window)


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


def _run_fields(
    mode: str, corpus: Any, params: Dict[str, Any], n: int, deduped: Any, parts: int, timings: Dict[str, int]
) -> Dict[str, Any]:
    """The Ray run's own fields of ``summary.json``, in either mode."""
    return {
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


@ray.remote
def _route(rows: pa.Table, key: str, starts: np.ndarray) -> Any:
    return _route_rows(rows, key, starts)


def _route_rows(rows: pa.Table, key: str, starts: np.ndarray) -> Any:
    """``rows`` split by the corpus block holding document ``key`` (one
    table, not a list, for a single block: a task's one result)."""
    where = np.searchsorted(starts, rows.column(key).to_numpy(), side="right") - 1
    parts = _split_rows(rows, where, len(starts) - 1)
    return parts if len(parts) > 1 else parts[0]


def _part_order(part: np.ndarray, parts: int) -> Tuple[np.ndarray, np.ndarray]:
    """The rows in order of ``part`` (each row's, in ``0..parts``), stable,
    and where each part starts in that order (``parts + 1`` bounds)."""
    # Part numbers as 16-bit integers where they fit: numpy's stable sort
    # of those is a radix sort, linear in the rows (12 band entries per
    # document are split so).
    if parts <= 1 << 16:
        part = part.astype(np.uint16)
    order = np.argsort(part, kind="stable")
    return order, np.searchsorted(part[order], np.arange(parts + 1))


def _split_rows(rows: pa.Table, part: np.ndarray, parts: int) -> List[pa.Table]:
    """``rows`` split into ``parts`` tables by ``part`` (each row's, in
    ``0..parts``), rows keeping their order within a part.

    One stable sort and a slice per part, not a filter per part: that was
    rows x parts, minutes for the range joins on the Gutenberg sample, and
    half of the sketching time of a block of the 1M headlines."""
    order, bounds = _part_order(part, parts)
    # A take per part rather than slices of one take: a slice is stored and
    # pickled with the whole of its buffers.
    return [rows.take(pa.array(order[bounds[i] : bounds[i + 1]])) for i in range(parts)]


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
    return _exact_edges_of(block)


def _exact_edges_of(block: pa.Table) -> pa.Table:
    """``a`` (canonical), ``b``: each document with an earlier exact copy."""
    copies = block.filter(pc.not_equal(block.column("doc"), block.column("canonical")))
    return pa.table({"a": copies.column("canonical"), "b": copies.column("doc")})


# Connected components.


def _components(edges: List[Any], parts: int, submit: Any = None, get: Any = None) -> List[Any]:
    """Blocks of ``node``, ``root``, each sorted by ``node``: for every
    document in an edge but the smallest of its component, that smallest
    DocId. No task holds more than a partition of the edges.

    Union-find per block of edges (a star forest: every node pointing at
    its block's component's smallest node), then the large-star and
    small-star rounds of Kiveris et al. (2014, "Connected components in
    MapReduce and beyond") over the edges split into ``parts`` partitions
    by node: large-star links each node's larger neighbours to its
    smallest neighbour, small-star links each node and its smaller
    neighbours to the smallest of them. Neither disconnects nor joins
    components, and a round that changes no edge leaves a star forest
    whose centres are the smallest nodes of their components, so the
    labels are those of any union-find, whatever the partitions. Each
    round is two exchanges and one ``get`` of the partitions' "changed"
    flags; the paper bounds the rounds by O(log² n), and there are few in
    practice (three on the 1M headlines).

    ``submit(function, returns, *args)`` runs ``function(*args)`` and gives
    its ``returns`` results (Ray tasks by default), ``get`` fetches them."""
    submit = submit or _submit
    get = get or ray.get
    adjacency = [submit(_star_forest, parts, parts, block) for block in edges]
    while True:
        large = [submit(_large_star, 1 + parts, parts, *[a[p] for a in adjacency]) for p in range(parts)]
        small = [submit(_small_star, 2 + parts, parts, *[g[1 + p] for g in large]) for p in range(parts)]
        if not any(get([g[0] for g in large] + [g[0] for g in small])):
            return [g[1] for g in small]
        adjacency = [g[2:] for g in small]


@ray.remote
def _call(returns: int, function: Any, *args: Any) -> Any:
    out = function(*args)
    return out if returns > 1 else out[0]


def _submit(function: Any, returns: int, *args: Any) -> List[Any]:
    """``function(*args)`` in a Ray task: its ``returns`` results, as a list
    of refs whatever their number."""
    refs = _call.options(num_returns=returns).remote(returns, function, *args)
    return refs if returns > 1 else [refs]


def _star_forest(parts: int, block: pa.Table) -> List[np.ndarray]:
    """The star forest of a block of edges (``a``, ``b``) by the core's
    union-find (``clusters_from_edges`` with the nodes in ascending order
    and ``keep="first"``, so that each component's representative is its
    smallest node): its edges both ways, split by source."""
    u = block.column(0).to_numpy().astype(np.uint32)
    v = block.column(1).to_numpy().astype(np.uint32)
    nodes, local = np.unique(np.concatenate([u, v]), return_inverse=True)
    a, b = local[: len(u)], local[len(u) :]
    forest = syndic.clusters_from_edges(len(nodes), a, b, np.zeros(len(nodes), np.uint64), keep="first")
    root = nodes[forest.column("representative").to_numpy()]
    moved = root != nodes
    node, root = nodes[moved], root[moved]
    return _edge_parts(np.concatenate([node, root]), np.concatenate([root, node]), parts)


# Edges between the star rounds are uint64 arrays of `source << 32 | target`,
# each in the partition of its source, so that `np.unique` sorts a
# partition's edges by source, then target.


def _edge_parts(source: np.ndarray, target: np.ndarray, parts: int) -> List[np.ndarray]:
    """Edges ``source -> target`` split into ``parts`` by source."""
    packed = source.astype(np.uint64) << np.uint64(32) | target.astype(np.uint64)
    order, bounds = _part_order((source % parts).astype(np.int64), parts)
    return [packed[order[bounds[i] : bounds[i + 1]]] for i in range(parts)]


def _neighbourhoods(*blocks: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A partition's distinct edges (sources, targets, in order), the index
    of each source's first edge, and each source's number of edges."""
    edges = np.unique(np.concatenate([np.zeros(0, np.uint64), *blocks]))
    source = (edges >> np.uint64(32)).astype(np.uint32)
    target = (edges & _LOW32).astype(np.uint32)
    first = np.flatnonzero(np.concatenate([[True], source[1:] != source[:-1]])) if len(edges) else np.zeros(0, int)
    counts = np.diff(np.concatenate([first, [len(edges)]]))
    return source, target, first, counts


def _large_star(parts: int, *blocks: np.ndarray) -> Tuple[Any, ...]:
    """Large-star over a partition of the edges (both ways, by source):
    whether it changes the graph, then the edges ``v -> m`` for every
    neighbour ``v`` of a node ``u`` larger than ``u``, ``m`` the smallest of
    ``u`` and its neighbours, split by ``v`` (the larger end)."""
    source, target, first, counts = _neighbourhoods(*blocks)
    lowest = np.minimum(source[first], target[first])
    last = first + counts - 1
    # An edge changes only at a node with both smaller and larger neighbours.
    changed = bool(np.any((target[first] < source[first]) & (target[last] > source[first])))
    m = np.repeat(lowest, counts)
    larger = target > source
    return (changed, *_edge_parts(target[larger], m[larger], parts))


def _small_star(parts: int, *blocks: np.ndarray) -> Tuple[Any, ...]:
    """Small-star over a partition of the edges, each held by its larger
    end: whether it changes the graph; the new edges as ``node``, ``root``
    (the labels once nothing changes); and the new edges both ways, split
    by source. Each node ``u`` and its neighbours, all smaller, are linked
    to the smallest of them, ``m``."""
    source, target, first, counts = _neighbourhoods(*blocks)
    # An edge changes only at a node with two smaller neighbours or more.
    changed = bool(np.any(counts > 1))
    m = target[first]
    each_m = np.repeat(m, counts)
    others = target != each_m
    node = np.concatenate([source[first], target[others]])
    root = np.concatenate([m, each_m[others]])
    labels = np.unique(node.astype(np.uint64) << np.uint64(32) | root)
    label = pa.table(
        {"node": (labels >> np.uint64(32)).astype(np.uint32), "root": (labels & _LOW32).astype(np.uint32)}
    )
    return (changed, label, *_edge_parts(np.concatenate([node, root]), np.concatenate([root, node]), parts))


# Cluster assignment.


@ray.remote
def _assign(
    n: int, keep: str, counts: Tuple[int, int], *blocks: pa.Table
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table]:
    """Cluster numbers and representatives by the core's
    ``Clustering::from_roots``, each document's canonical, and the distinct
    ``(canonical, representative's canonical)`` pairs whose similarity must
    be measured. ``blocks`` are ``counts[0]`` blocks of canonicals, then
    ``counts[1]`` of lengths, then the component labels. Holds 20 bytes per
    document."""
    canon_blocks, length_blocks = blocks[: counts[0]], blocks[counts[0] : sum(counts)]
    label_blocks = blocks[sum(counts) :]
    canonical = np.arange(n, dtype=np.uint32)
    for block in canon_blocks:
        canonical[block.column("doc").to_numpy()] = block.column("canonical").to_numpy()
    lengths = np.zeros(n, dtype=np.uint64)
    for block in length_blocks:
        lengths[block.column("doc").to_numpy()] = block.column("length").to_numpy()
    roots = np.arange(n, dtype=np.uint32)
    for block in label_blocks:
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


# Reprint mode.


class _Columns:
    """The columns of the corpus the reprint stages read."""

    def __init__(self, id_column: str, text_column: str, site_column: Optional[str]):
        self.id, self.text, self.site = id_column, text_column, site_column

    def sites(self, block: pa.Table) -> Optional[List[Any]]:
        """The block's sites; as in the CLI, a record without the field
        has no site."""
        if self.site is None or self.site not in block.column_names:
            return None
        return block.column(self.site).cast(pa.string()).chunks


class _Found:
    """What the reprint stages found: per document its cluster,
    representative and similarity; blocks of pairs and passages (DocIds);
    per corpus block its lines of ``boilerplate.jsonl`` and bytes of
    boilerplate; and the run's counts."""

    def __init__(self, **fields: Any):
        self.__dict__.update(fields)


def _find_reprints(
    corpus: _Corpus, columns: _Columns, settings: Dict[str, Any], parts: int, work: "_Work", lap: Any
) -> _Found:
    """The reprint pipeline over the corpus blocks (see the module docs)."""
    observed = [
        work.run(f"observe-{i:05}", 1 + 2 * parts, _reprint_observe, block, columns, settings, parts)
        for i, block in enumerate(corpus.blocks)
    ]
    stats = _merge_tree([o[0] for o in observed])
    ray.wait([stats], fetch_local=False)
    lap("observe")

    links = [
        _reprint_links.options(num_returns=2).remote(settings, *[o[1 + p] for o in observed]) for p in range(parts)
    ]
    exact = [_reprint_exact.remote(*[o[1 + parts + p] for o in observed]) for p in range(parts)]
    common = ray.put(np.concatenate([np.zeros(0, np.uint64)] + ray.get([c for c, _ in links])))
    labels = _components([e for _, e in links] + exact, parts)
    lap("links")

    # Documents of one component meet in one task (by their root), in
    # DocId order: the corpus blocks are routed in order, and each keeps
    # its rows' order. Each route task gets the labels of its block's
    # documents only (a range join), never the whole labelling.
    k = len(corpus.blocks)
    by_block = [_route_labels.options(num_returns=k).remote(label, corpus.starts) for label in labels]
    if k == 1:
        by_block = [[b] for b in by_block]
    routed = [
        _reprint_route.options(num_returns=parts).remote(block, columns, parts, *[b[i] for b in by_block])
        for i, block in enumerate(corpus.blocks)
    ]
    if parts == 1:
        routed = [[r] for r in routed]
    found = [
        work.run(f"find-{p:05}", 4, _reprint_find, stats, common, columns, settings, *[r[p] for r in routed])
        for p in range(parts)
    ]
    boilerplate = [
        work.run(f"boilerplate-{i:05}", 2, _reprint_boilerplate, block, stats, columns, settings)
        for i, block in enumerate(corpus.blocks)
    ]
    counts = ray.get([f[3] for f in found])
    cluster, representative, similarity = ray.get(_reprint_assign.remote(corpus.documents, *[f[0] for f in found]))
    lap("find")
    return _Found(
        cluster=cluster,
        representative=representative,
        similarity=similarity,
        pairs=[f[1] for f in found],
        passages=[f[2] for f in found],
        boilerplate=boilerplate,
        candidate_pairs=sum(c["candidate_pairs"] for c in counts),
        verified_pairs=sum(c["verified_pairs"] for c in counts),
        exact_duplicates=sum(c["exact_duplicates"] for c in counts),
    )


class _Work:
    """The work directory of a run: each shard's stage outputs,
    under a key of the run's inputs (paths, sizes, modification times),
    settings, partitions and corpus blocks, so that only a run that would
    compute the same outputs reuses them."""

    def __init__(self, root: Path, resume: bool, owned: bool):
        self.root, self.resume = root, resume
        # The default work directory is syndic's, removed with the run's
        # shards once empty; one the caller named, only if this run made it.
        self.owns_parent = owned or not root.parent.exists()
        # Per stage, the shards reused.
        self.resumed: Dict[str, int] = {}
        # The test's fault injection: `stage-shard` (e.g. `find-00001`)
        # fails before its outputs are kept, as a run dying there would.
        self.fault = os.environ.get("SYNDIC_RAY_FAULT")

    @classmethod
    def of(cls, parent: Optional[Path], out: Path, resume: bool, **run: Any) -> "_Work":
        corpus: _Corpus = run["corpus"]
        columns: _Columns = run["columns"]
        key = {
            "inputs": [(os.path.realpath(p), os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in corpus.inputs],
            "starts": [int(x) for x in corpus.starts],
            "params": run["params"],
            "columns": [columns.id, columns.text, columns.site],
            "parts": run["parts"],
            "version": syndic.__version__,
        }
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        owned = parent is None
        parent = out.parent / f".{out.name}.work" if parent is None else parent
        return cls(parent / digest, resume, owned)

    def run(self, name: str, returns: int, function: Any, *args: Any) -> Any:
        """``function(*args)`` in a task with ``returns`` results, its
        outputs kept as shard ``name``; with resume, those an earlier run
        kept instead."""
        path = self.root / name
        reuse = self.resume and path.exists()
        if reuse:
            stage = name.rsplit("-", 1)[0]
            self.resumed[stage] = self.resumed.get(stage, 0) + 1
        fail = self.fault == name
        # A reused shard does not wait for its inputs.
        return _kept.options(num_returns=returns).remote(str(path), reuse, fail, function, *([] if reuse else args))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        if self.owns_parent:
            with contextlib.suppress(OSError):
                self.root.parent.rmdir()


@ray.remote
def _kept(path: str, reuse: bool, fail: bool, function: Any, *args: Any) -> Any:
    """``function(*args)``, kept at ``path`` (written whole, then renamed:
    a shard is finished only once the file is there); with ``reuse``, read
    back from ``path`` instead."""
    if reuse:
        with open(path, "rb") as f:
            return pickle.load(f)
    out = function(*args)
    if fail:
        raise RuntimeError(f"injected fault in {os.path.basename(path)} (SYNDIC_RAY_FAULT)")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    staged = f"{path}.tmp-{os.getpid()}"
    with open(staged, "wb") as f:
        pickle.dump(out, f, protocol=5)
    os.replace(staged, path)
    return out


def _merge_tree(stats: List[Any], fan_in: int = 8) -> Any:
    """The sum of the shards' statistics, merged in a tree of tasks."""
    while len(stats) > 1:
        stats = [_merge_stats.remote(*stats[i : i + fan_in]) for i in range(0, len(stats), fan_in)]
    return stats[0]


@ray.remote
def _merge_stats(*parts: bytes) -> bytes:
    return _syndic.reprint_merge_stats(list(parts))


def _reprint_observe(block: pa.Table, columns: _Columns, settings: Dict[str, Any], parts: int) -> Tuple[Any, ...]:
    """Pass 1 of a corpus block (the core's): its statistics, then its
    postings ``fingerprint``, ``doc`` split into ``parts`` by fingerprint,
    then ``doc``, ``hash_hi``, ``hash_lo`` split into ``parts`` by hash."""
    hashes, postings, stats = _syndic.reprint_observe(
        block.column(columns.text).chunks, columns.sites(block), options=settings
    )
    doc = block.column(DOC).to_numpy()
    fingerprint = postings.column("fingerprint").to_numpy()
    owner = doc[postings.column("row").to_numpy()]
    by_fingerprint = (fingerprint % np.uint64(parts)).astype(np.int64)
    fingerprint_parts = [
        pa.table({"fingerprint": fingerprint[by_fingerprint == p], "doc": owner[by_fingerprint == p]})
        for p in range(parts)
    ]
    hi, lo = hashes.column("hash_hi").to_numpy(), hashes.column("hash_lo").to_numpy()
    by_hash = (lo % np.uint64(parts)).astype(np.int64)
    hash_parts = [
        pa.table({"doc": doc[by_hash == p], "hash_hi": hi[by_hash == p], "hash_lo": lo[by_hash == p]})
        for p in range(parts)
    ]
    return (stats, *fingerprint_parts, *hash_parts)


@ray.remote
def _reprint_links(settings: Dict[str, Any], *parts: pa.Table) -> Tuple[np.ndarray, pa.Table]:
    """The common fingerprints of a partition and its edges (the core's
    ``fingerprint_links``)."""
    postings = pa.concat_tables(parts)
    common, edges = _syndic.reprint_links(
        postings.column("fingerprint").combine_chunks(), postings.column("doc").combine_chunks(), options=settings
    )
    return common.to_numpy(zero_copy_only=False), pa.table(edges)


@ray.remote
def _reprint_exact(*parts: pa.Table) -> pa.Table:
    """Edges from each document to the first with its content hash."""
    return _exact_edges_of(_canonicals(pa.concat_tables(parts)))


@ray.remote
def _route_labels(label: pa.Table, starts: np.ndarray) -> Any:
    """A partition's labels as ``doc``, ``root`` for each of its nodes and
    each of their roots (a root is no node of the labels, and is in its
    component too), split by the corpus block holding ``doc``: the range
    join that brings each route task the labels of its own documents."""
    node, root = label.column("node").to_numpy(), label.column("root").to_numpy()
    roots = np.unique(root)
    rows = pa.table({"doc": np.concatenate([node, roots]), "root": np.concatenate([root, roots])})
    return _route_rows(rows, "doc", starts)


@ray.remote
def _reprint_route(block: pa.Table, columns: _Columns, parts: int, *labels: pa.Table) -> Any:
    """The block's documents that are in a component (``doc``, text and
    site), split into ``parts`` by the component's label; ``labels`` are
    the rows ``doc``, ``root`` of the block's documents in a component,
    from every partition of the labels (a root once per partition that
    holds one of its nodes)."""
    doc = block.column(DOC).to_numpy()
    label = pa.concat_tables(labels)
    # A document's root is the same in every row that names it.
    nodes, first = np.unique(label.column("doc").to_numpy(), return_index=True)
    roots = label.column("root").to_numpy()[first]
    at = np.minimum(np.searchsorted(nodes, doc), max(len(nodes) - 1, 0))
    member = (nodes[at] == doc) if len(nodes) else np.zeros(len(doc), bool)
    root = np.where(member, roots[at] if len(nodes) else doc, doc)
    rows = block.select([DOC, columns.text])
    if columns.site is not None:
        # Every block with the same columns, so that they concatenate.
        sites = columns.sites(block)
        rows = rows.append_column(
            columns.site, pa.chunked_array(sites, pa.string()) if sites else pa.nulls(block.num_rows, pa.string())
        )
    out = [rows.filter(pa.array(member & (root % parts == p))) for p in range(parts)]
    return out if parts > 1 else out[0]


def _reprint_find(
    stats: bytes, common: np.ndarray, columns: _Columns, settings: Dict[str, Any], *parts: pa.Table
) -> Tuple[pa.Table, pa.Table, pa.Table, Dict[str, int]]:
    """The core's batch pipeline over whole components: ``doc``,
    ``representative``, ``similarity`` of their documents; their pairs;
    their passages; and the counts of the run."""
    rows = pa.concat_tables(parts)
    found = _syndic.reprint_find(
        rows.column(DOC).combine_chunks(),
        rows.column(columns.text).chunks,
        columns.sites(rows),
        stats,
        pa.array(common, pa.uint64()),
        options=settings,
    )
    counts = {k: found[k] for k in ("candidate_pairs", "verified_pairs", "exact_duplicates")}
    pairs = _nullable(pa.table(found["pairs"]))
    passages = _nullable(pa.table(found["passages"]))
    # The core's order within a pair, kept through the sort by (a, b) that
    # merges the partitions.
    passages = passages.append_column("seq", pa.array(np.arange(passages.num_rows, dtype=np.uint64)))
    return pa.table(found["documents"]), pairs, passages, counts


def _nullable(table: pa.Table) -> pa.Table:
    """``table`` with every field nullable, so that the blocks of
    different tasks concatenate whether or not they hold a null."""
    return table.cast(pa.schema([f.with_nullable(True) for f in table.schema]))


def _reprint_boilerplate(
    block: pa.Table, stats: bytes, columns: _Columns, settings: Dict[str, Any]
) -> Tuple[bytes, int]:
    """A block's lines of ``boilerplate.jsonl`` and its bytes of
    boilerplate."""
    ids, texts = block.column(columns.id).chunks, block.column(columns.text).chunks
    return _syndic.reprint_boilerplate(ids, texts, columns.sites(block), stats, options=settings)


@ray.remote
def _reprint_assign(n: int, *documents: pa.Table) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each document's cluster, representative and similarity: those the
    core found for the documents of components, and a cluster of its own
    (similarity 1) for every other; numbered by the core's rule."""
    representative = np.arange(n, dtype=np.uint32)
    similarity = np.ones(n, dtype=np.float64)
    for block in documents:
        doc = block.column("doc").to_numpy()
        representative[doc] = block.column("representative").to_numpy()
        similarity[doc] = block.column("similarity").to_numpy()
    cluster = _syndic.clusters_from_representatives(pa.array(representative)).column("cluster").to_numpy()
    return cluster, representative, similarity


def _write_reprint_run(out: Path, corpus: _Corpus, columns: _Columns, found: _Found, lap: Any) -> Dict[str, Any]:
    """Writes ``clusters.jsonl``, ``pairs.jsonl``, ``passages.jsonl`` and
    ``boilerplate.jsonl``; returns the passage and boilerplate counts of
    the summary."""
    cluster_ref, representative_ref, similarity_ref = (
        ray.put(found.cluster),
        ray.put(found.representative),
        ray.put(found.similarity),
    )
    lines = [
        _cluster_lines.remote(block, columns.id, cluster_ref, representative_ref, similarity_ref)
        for block in corpus.blocks
    ]
    _write_in_order(out / "clusters.jsonl", lines)
    _write_in_order(out / "pairs.jsonl", corpus.pair_lines(found.pairs, columns.id))
    _write_in_order(out / "passages.jsonl", corpus.passage_lines(found.passages, columns.id))
    _write_in_order(out / "boilerplate.jsonl", [b[0] for b in found.boilerplate])
    passages = sum(ray.get([_num_rows.remote(p) for p in found.passages]))
    boilerplate_bytes = sum(ray.get([b[1] for b in found.boilerplate]))
    lap("write")
    # The counts the CLI's summary of a reprint run adds.
    return {"passages": passages, "boilerplate_bytes": boilerplate_bytes}


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
    # Typed even when empty: an empty column of type null would not
    # concatenate with the other blocks' pairs.
    kinds = pa.array([kind] * n, pa.string())
    return pa.table({"a": block.column("a"), "b": block.column("b"), "similarity": similarity, "kind": kinds})


@ray.remote
def _pair_lines(block: pa.Table) -> bytes:
    """Named pairs as lines of ``pairs.jsonl``, sorted by DocIds."""
    block = block.sort_by([("a", "ascending"), ("b", "ascending")])
    columns = {
        "a": block.column("name_a").combine_chunks(),
        "b": block.column("name_b").combine_chunks(),
        "similarity": block.column("similarity").combine_chunks(),
        "kind": block.column("kind").combine_chunks(),
    }
    if "coverage" in block.column_names:
        columns["coverage"] = block.column("coverage").combine_chunks()
    return _syndic.run_lines("pairs.jsonl", pa.record_batch(columns))


@ray.remote
def _passage_lines(block: pa.Table) -> bytes:
    """Named passages as lines of ``passages.jsonl``."""
    block = block.sort_by([("a", "ascending"), ("b", "ascending"), ("seq", "ascending")])
    names = {"a": "name_a", "b": "name_b"}
    fields = ("a", "b", "a_start", "a_end", "b_start", "b_end", "words", "identity", "boilerplate")
    rows = pa.record_batch({f: block.column(names.get(f, f)).combine_chunks() for f in fields})
    return _syndic.run_lines("passages.jsonl", rows)


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
    settings = [e for e in syndic.settings_schema() if e["group"] in ("dedup", "minhash", "reprint")]
    for entry in settings:
        parser.add_argument("--" + entry["name"].replace("_", "-"), type=kinds[entry["value_name"]], help=entry["doc"])
    parser.add_argument("--id-field", help="field holding the document id (default: the core's)")
    parser.add_argument("--text-field", help="field holding the text (default: the core's)")
    parser.add_argument("--site-field", help="field holding the site (reprint mode learns boilerplate per site)")
    parser.add_argument("--num-partitions", type=int, help="width of the shuffles (default: 2 × cluster CPUs)")
    parser.add_argument("--write-deduped", choices=["parquet", "jsonl"], help="also write out/deduped/")
    parser.add_argument(
        "--resume", action="store_true", help="reuse the shards a run that died finished"
    )
    parser.add_argument("--work-dir", help="where shards are kept until the run is written (default: beside --out)")
    parser.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS, or the local cluster)")
    args = parser.parse_args(argv)
    if not ray.is_initialized():
        ray.init(address=args.address)
    try:
        summary = dedup(
            args.inputs,
            out=args.out,
            id_column=args.id_field,
            text_column=args.text_field,
            site_column=args.site_field,
            num_partitions=args.num_partitions,
            write_deduped=args.write_deduped,
            force=args.force,
            resume=args.resume,
            work_dir=args.work_dir,
            # Only the flags given: the reprint settings are not the other
            # modes', and a setting not given is the core's default.
            **{e["name"]: getattr(args, e["name"]) for e in settings if getattr(args, e["name"]) is not None},
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
