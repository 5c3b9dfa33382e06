"""syndic: find reused text (exact copies, near-copies, reprints) in document collections.

The functions here are thin wrappers over the Rust core (the extension module
``syndic._syndic``): they turn the ``data`` argument into Arrow record batches
or file paths, pass the options through to the core's validating builders,
and wrap the results. Every run gives the same clusters as the ``syndic``
command with the same parameters.

``data`` is one of:

* a list of texts (their ids are their positions, as strings);
* a ``pyarrow.Table`` or ``pyarrow.RecordBatch`` with an id column and a
  text column (``id_column``, ``text_column``; integer ids are turned into
  strings), read without copying the Arrow buffers;
* a path (``str`` or ``os.PathLike``) or a list of ``os.PathLike`` paths of
  JSONL (.gz, .zst), Parquet, WARC/WET files or text directories, read by
  the core's streaming readers exactly as the CLI reads them.

Errors are ``SyndicError`` subclasses, one per kind of problem
(``BadRecordError``, ``ConfigError``, ...), each with a ``kind`` attribute
and, where known, ``path``, ``line`` and ``record``.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Optional, Sequence, Union

import pyarrow as pa

from . import _syndic
from ._syndic import (
    BadRecordError,
    CancelledError,
    ConfigError,
    CorruptParquetError,
    IndexUnusableError,
    InputError,
    IoError,
    OutputExistsError,
    OutputNotReplaceableError,
    SyndicError,
    TruncatedInputError,
    UnsupportedInputError,
    __version__,
)

__all__ = [
    "BadRecordError",
    "CancelledError",
    "ConfigError",
    "CorruptParquetError",
    "DedupResult",
    "IndexUnusableError",
    "InputError",
    "IoError",
    "OutputExistsError",
    "OutputNotReplaceableError",
    "PassagesResult",
    "SyndicError",
    "TruncatedInputError",
    "UnsupportedInputError",
    "__version__",
    "align_pairs",
    "band_keys",
    "candidate_pairs",
    "clean",
    "clusters_from_edges",
    "clusters_from_roots",
    "dedup",
    "dedup_config",
    "exact_canonicals",
    "passages",
    "sketch",
    "to_jsonl",
    "verify_pairs",
]

Data = Union[Sequence[str], pa.Table, pa.RecordBatch, str, "os.PathLike[str]", Sequence["os.PathLike[str]"]]
Texts = Union[pa.Array, pa.ChunkedArray, Sequence[str]]


class DedupResult(NamedTuple):
    """What :func:`dedup` returns.

    ``clusters``: one row per document in corpus order: ``id``, ``cluster``
    (dense, numbered by first member), ``representative`` (the member kept),
    ``similarity`` (to the representative). ``pairs``: the verified pairs
    ``a``, ``b``, ``similarity``, ``kind`` (exact, near, reprint), ``coverage``
    (reprint mode). ``stats``: the counts of ``summary.json`` and the
    resolved parameters.
    """

    clusters: pa.Table
    pairs: pa.Table
    stats: dict


class PassagesResult(NamedTuple):
    """What :func:`passages` returns.

    ``passages``: ``a``, ``b``, byte offsets ``a_start``, ``a_end``,
    ``b_start``, ``b_end`` into the original texts, ``words``, ``identity``,
    ``boilerplate``. ``boilerplate``: one row per boilerplate span (``id``,
    ``start``, ``end``, ``reason``). ``stats``: counts and parameters.
    """

    passages: pa.Table
    boilerplate: pa.Table
    stats: dict


def dedup(
    data: Data,
    *,
    mode: str = "minhash",
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 5,
    char_ngram: int = 5,
    bands: Optional[int] = None,
    rows: Optional[int] = None,
    sketch: str = "one-permutation",
    verify: str = "exact",
    seed: int = 1,
    keep: str = "longest",
    bucket_window: int = 32,
    min_passage_words: int = 25,
    min_coverage: float = 0.5,
    min_longer_coverage: float = 0.2,
    boilerplate_min_docs: int = 20,
    boilerplate_min_site_docs: int = 3,
    max_df: int = 100,
    align_memory_mb: int = 2048,
    id_column: str = "id",
    text_column: str = "text",
    site_column: Optional[str] = None,
    format: Optional[str] = None,
    max_doc_bytes: int = 64 << 20,
    skip_bad_records: bool = False,
) -> DedupResult:
    """Clusters of exact copies and near-duplicates (or reprints) in ``data``.

    The parameters are those of ``syndic dedup``: ``mode`` is ``exact``,
    ``minhash`` (Jaccard of word ``ngram`` shingles at or above
    ``threshold``) or ``reprint`` (shared passages covering ``min_coverage``
    of the shorter text); ``keep`` (``longest`` or ``first``) picks each
    cluster's representative. ``bands`` and ``rows`` override the LSH
    banding chosen for ``threshold``. The column and file options say where
    ids, texts and sites are.
    """
    options = dict(
        mode=mode,
        threshold=threshold,
        num_perm=num_perm,
        ngram=ngram,
        char_ngram=char_ngram,
        bands=bands,
        rows=rows,
        sketch=sketch,
        verify=verify,
        seed=seed,
        keep=keep,
        bucket_window=bucket_window,
    )
    reprint = _reprint_options(
        min_passage_words,
        min_coverage,
        min_longer_coverage,
        boilerplate_min_docs,
        boilerplate_min_site_docs,
        max_df,
        align_memory_mb,
    )
    batches, paths, read = _source(
        data, id_column, text_column, site_column, format, max_doc_bytes, skip_bad_records
    )
    clusters, pairs, _, _, stats = _syndic.dedup(batches, paths, read=read, options=options, reprint=reprint)
    return DedupResult(_table(clusters), _table(pairs), stats)


def passages(
    data: Data,
    *,
    min_passage_words: int = 25,
    min_coverage: float = 0.5,
    min_longer_coverage: float = 0.2,
    boilerplate_min_docs: int = 20,
    boilerplate_min_site_docs: int = 3,
    max_df: int = 100,
    align_memory_mb: int = 2048,
    id_column: str = "id",
    text_column: str = "text",
    site_column: Optional[str] = None,
    format: Optional[str] = None,
    max_doc_bytes: int = 64 << 20,
    skip_bad_records: bool = False,
) -> PassagesResult:
    """Every passage shared between documents of ``data``, with boilerplate labelled.

    As ``syndic passages``: passages of at least ``min_passage_words`` words
    between documents that share winnowed fingerprints (those found in more
    than ``max_df`` documents are ignored); lines repeated in
    ``boilerplate_min_docs`` documents, or ``boilerplate_min_site_docs``
    pages of one site (``site_column``), are boilerplate. The documents held
    for alignment take at most ``align_memory_mb`` MiB; beyond that the
    input is read again per window of documents (paths), or windows are
    taken over the batches in memory. Results do not depend on it.
    """
    reprint = _reprint_options(
        min_passage_words,
        min_coverage,
        min_longer_coverage,
        boilerplate_min_docs,
        boilerplate_min_site_docs,
        max_df,
        align_memory_mb,
    )
    batches, paths, read = _source(
        data, id_column, text_column, site_column, format, max_doc_bytes, skip_bad_records
    )
    _, _, found, boilerplate, stats = _syndic.passages(batches, paths, read=read, reprint=reprint, keep="longest")
    return PassagesResult(_table(found), _table(boilerplate), stats)


def clean(
    data: Data,
    *,
    drop_repeated: bool = False,
    min_passage_words: int = 25,
    boilerplate_min_docs: int = 20,
    boilerplate_min_site_docs: int = 3,
    max_df: int = 100,
    align_memory_mb: int = 2048,
    id_column: str = "id",
    text_column: str = "text",
    site_column: Optional[str] = None,
    format: Optional[str] = None,
    max_doc_bytes: int = 64 << 20,
    skip_bad_records: bool = False,
) -> pa.Table:
    """The texts of ``data`` with boilerplate cut out, as ``syndic clean`` cuts it.

    With ``drop_repeated``, passages already seen in an earlier document
    (and the whole text of exact copies) are cut too, leaving the first
    occurrence. Returns ``id``, ``text`` and ``removed_bytes`` per document.
    """
    reprint = _reprint_options(
        min_passage_words, 0.5, 0.2, boilerplate_min_docs, boilerplate_min_site_docs, max_df, align_memory_mb
    )
    batches, paths, read = _source(
        data, id_column, text_column, site_column, format, max_doc_bytes, skip_bad_records
    )
    cleaned = _syndic.clean(batches, paths, read=read, reprint=reprint, drop_repeated=drop_repeated)
    return _table(cleaned)


def dedup_config(
    *,
    mode: str = "minhash",
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 5,
    char_ngram: int = 5,
    bands: Optional[int] = None,
    rows: Optional[int] = None,
    sketch: str = "one-permutation",
    verify: str = "exact",
    seed: int = 1,
    keep: str = "longest",
    bucket_window: int = 32,
) -> dict:
    """The validated parameters of a dedup run as ``summary.json`` records them,
    including the LSH ``bands`` and ``rows`` chosen for ``threshold``.

    Raises ``ConfigError`` for values the core rejects.
    """
    return _syndic.dedup_config(
        dict(
            mode=mode,
            threshold=threshold,
            num_perm=num_perm,
            ngram=ngram,
            char_ngram=char_ngram,
            bands=bands,
            rows=rows,
            sketch=sketch,
            verify=verify,
            seed=seed,
            keep=keep,
            bucket_window=bucket_window,
        )
    )


# Stage functions: the pipeline piece by piece, over Arrow arrays.


def sketch(
    texts: Texts,
    *,
    num_perm: int = 128,
    ngram: int = 5,
    char_ngram: int = 5,
    seed: int = 1,
    method: str = "one-permutation",
) -> pa.RecordBatch:
    """Content hashes and MinHash signatures of ``texts``.

    Returns ``hash_hi``, ``hash_lo`` (the 128-bit hash of the normalized
    text, as two ``uint64``), ``tokens`` (``uint32``) and ``signature``
    (``fixed_size_list<uint32>[num_perm]``).
    """
    return _syndic.sketch(
        _chunks(texts), num_perm=num_perm, ngram=ngram, char_ngram=char_ngram, seed=seed, method=method
    )


def band_keys(signatures: Union[pa.Array, pa.ChunkedArray], bands: int, rows: int) -> pa.FixedSizeListArray:
    """LSH band keys: ``fixed_size_list<uint64>[bands]``, one key per band of each signature."""
    return _syndic.band_keys(_chunks(signatures), bands, rows)


def candidate_pairs(
    band_keys: Union[pa.Array, pa.ChunkedArray],
    *,
    bucket_window: int = 32,
    skip: Optional[Union[pa.Array, Sequence[bool]]] = None,
) -> pa.RecordBatch:
    """Candidate pairs ``a < b`` (positions, ``uint32``) of documents sharing a band key.

    In a bucket, documents sorted by position are each paired with at most
    ``bucket_window`` followers; documents flagged in ``skip`` take no part.
    """
    mask = None if skip is None else _array(skip, pa.bool_())
    return _syndic.candidate_pairs(_chunks(band_keys), bucket_window=bucket_window, skip=mask)


def exact_canonicals(hash_hi: Any, hash_lo: Any) -> pa.UInt32Array:
    """For each document, the position of the first document with the same content hash."""
    return _syndic.exact_canonicals(_array(hash_hi, pa.uint64()), _array(hash_lo, pa.uint64()))


def verify_pairs(texts_a: Texts, texts_b: Texts, *, ngram: int = 5, char_ngram: int = 5) -> pa.DoubleArray:
    """Exact Jaccard similarity of the shingle sets of ``texts_a[i]`` and ``texts_b[i]``."""
    return _syndic.verify_pairs(_chunks(texts_a), _chunks(texts_b), ngram=ngram, char_ngram=char_ngram)


def align_pairs(
    texts_a: Texts,
    texts_b: Texts,
    *,
    min_passage_words: int = 25,
    seed_ngram: int = 4,
    max_gap: int = 20,
    min_identity: float = 0.5,
) -> pa.RecordBatch:
    """Passages shared by ``texts_a[i]`` and ``texts_b[i]``.

    One row per passage: ``pair`` (``i``), byte offsets ``a_start``,
    ``a_end``, ``b_start``, ``b_end`` into the original texts, ``words``
    matched and ``identity``. Lengths count tokens: words, or characters in
    scripts written without spaces.
    """
    return _syndic.align_pairs(
        _chunks(texts_a),
        _chunks(texts_b),
        min_passage_words=min_passage_words,
        seed_ngram=seed_ngram,
        max_gap=max_gap,
        min_identity=min_identity,
    )


def clusters_from_edges(n: int, a: Any, b: Any, lengths: Any, keep: str = "longest") -> pa.RecordBatch:
    """Clusters of ``n`` documents joined by the edges ``(a[i], b[i])``.

    Returns ``cluster`` (numbered in order of first member) and
    ``representative`` (the position of the cluster's representative: the
    longest member by ``lengths``, ties to the first, or the first with
    ``keep="first"``) for every document.
    """
    return _syndic.clusters_from_edges(
        n, _array(a, pa.uint32()), _array(b, pa.uint32()), _array(lengths, pa.uint64()), keep
    )


def clusters_from_roots(roots: Any, lengths: Any, keep: str = "longest") -> pa.RecordBatch:
    """Clusters from a component label per document (equal label, same cluster),
    numbered and represented as :func:`clusters_from_edges` does."""
    return _syndic.clusters_from_roots(_array(roots, pa.uint32()), _array(lengths, pa.uint64()), keep)


def to_jsonl(batch: Union[pa.RecordBatch, pa.Table], *, decimals: Optional[int] = 6) -> bytes:
    """Rows as JSON lines in the format of the CLI's run directory
    (``clusters.jsonl``, ``pairs.jsonl``): fields in column order, nulls
    left out, floats rounded to ``decimals``."""
    if isinstance(batch, pa.Table):
        return b"".join(_syndic.to_jsonl(b, decimals=decimals) for b in batch.to_batches())
    return _syndic.to_jsonl(batch, decimals=decimals)


# Argument handling.


def _reprint_options(
    min_passage_words: int,
    min_coverage: float,
    min_longer_coverage: float,
    boilerplate_min_docs: int,
    boilerplate_min_site_docs: int,
    max_df: int,
    align_memory_mb: int,
) -> dict:
    return dict(
        min_passage_words=min_passage_words,
        min_coverage=min_coverage,
        min_longer_coverage=min_longer_coverage,
        boilerplate_min_docs=boilerplate_min_docs,
        boilerplate_min_site_docs=boilerplate_min_site_docs,
        max_df=max_df,
        align_memory_mb=align_memory_mb,
    )


def _source(
    data: Data,
    id_column: str,
    text_column: str,
    site_column: Optional[str],
    format: Optional[str],
    max_doc_bytes: int,
    skip_bad_records: bool,
) -> tuple:
    """``(batches, paths, read_options)`` for the extension: record batches
    with ``id``, ``text`` and ``site`` columns, or paths."""
    read = dict(
        format=format,
        id_field=id_column,
        text_field=text_column,
        site_field=site_column,
        max_doc_bytes=max_doc_bytes,
        skip_bad_records=skip_bad_records,
    )
    if isinstance(data, (str, os.PathLike)):
        return None, [os.fspath(data)], read
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        # Without an id column, ids are positions, as for lists of texts.
        columns = {"id": id_column} if id_column in data.schema.names else {}
        columns["text"] = text_column
        if site_column is not None:
            columns["site"] = site_column
        missing = [c for c in columns.values() if c not in data.schema.names]
        if missing:
            raise ConfigError(f"no column {', '.join(map(repr, missing))} among {data.schema.names}")
        arrays = [_as_string(data.column(c)) for c in columns.values()]
        if isinstance(data, pa.Table):
            batches = pa.Table.from_arrays(arrays, names=list(columns)).to_batches()
        else:
            batches = [pa.RecordBatch.from_arrays(arrays, names=list(columns))]
        return batches, None, read
    items = list(data)
    if items and all(isinstance(p, os.PathLike) for p in items):
        return None, [os.fspath(p) for p in items], read
    if not all(isinstance(t, str) for t in items):
        raise TypeError("data must be texts (str), os.PathLike paths, or a pyarrow Table or RecordBatch")
    return [pa.record_batch({"text": pa.array(items, pa.string())})], None, read


def _as_string(column: Union[pa.Array, pa.ChunkedArray]) -> Union[pa.Array, pa.ChunkedArray]:
    """Integer ids become strings, as the CLI's readers make them."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return column
    if pa.types.is_integer(kind):
        return column.cast(pa.string())
    raise ConfigError(f"column of type {kind} is neither text nor integer")


def _chunks(values: Any) -> list:
    """The chunks of an array argument, without copying Arrow data."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunks
    if isinstance(values, pa.Array):
        return [values]
    return [pa.array(list(values), pa.string())]


def _array(values: Any, kind: pa.DataType) -> pa.Array:
    """One contiguous array of ``kind`` (checked cast: no silent overflow)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values)
    return values if values.type == kind else values.cast(kind)


def _table(batch: pa.RecordBatch) -> pa.Table:
    return pa.Table.from_batches([batch])
