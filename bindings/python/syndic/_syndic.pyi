"""Type stubs of the Rust extension module ``syndic._syndic``.

The public API is the package ``syndic``, whose functions wrap these with
friendlier arguments; the functions here take Arrow arrays as lists of
chunks and settings as dicts of the names given.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypedDict

import pyarrow as pa

__version__: str

class SyndicError(Exception):
    """Base class of every error syndic raises."""

    kind: str
    path: Optional[str]
    line: Optional[int]
    record: Optional[int]

class InputError(SyndicError): ...
class BadRecordError(InputError): ...
class TruncatedInputError(InputError): ...
class CorruptParquetError(InputError): ...
class UnsupportedInputError(InputError): ...
class IoError(SyndicError): ...
class ConfigError(SyndicError): ...
class OutputExistsError(SyndicError): ...
class OutputNotReplaceableError(SyndicError): ...
class IndexUnusableError(SyndicError): ...
class CancelledError(SyndicError): ...

Settings = Dict[str, Any]
"""Settings by the core's names (``id_field``, ``threshold``, ...), only
those given: each is set by the core's schema, which refuses names and
values it does not know; the rest keep the core's defaults."""

class RunOptions(TypedDict):
    """``threads``: the size of the thread pool the stages run in (``None``:
    one thread per core); ``progress``: called with ``(pass, documents)``
    after every batch."""

    threads: Optional[int]
    progress: Optional[Callable[[int, int], None]]

RunOutput = Tuple[
    pa.RecordBatch, pa.RecordBatch, Optional[pa.RecordBatch], Optional[pa.RecordBatch], dict
]

def dedup(
    batches: Optional[Sequence[pa.RecordBatch]],
    paths: Optional[Sequence[str]],
    *,
    options: Settings,
    run: RunOptions,
) -> RunOutput:
    """A dedup run over record batches (columns ``text``, optional ``id``
    and ``site``) or files: clusters, pairs, passages and boilerplate
    (reprint mode only), and the counts."""

def dedup_config(options: Settings) -> dict:
    """The validated configuration as ``summary.json`` records it."""

def clean(
    batches: Optional[Sequence[pa.RecordBatch]],
    paths: Optional[Sequence[str]],
    *,
    options: Settings,
    drop_repeated: bool,
    run: RunOptions,
) -> pa.RecordBatch:
    """``id``, cleaned ``text`` and ``removed_bytes`` of every document."""

def stories(
    batches: Optional[Sequence[pa.RecordBatch]],
    paths: Optional[Sequence[str]],
    date_batches: Optional[Sequence[pa.RecordBatch]],
    *,
    options: Settings,
    run: RunOptions,
) -> Tuple[List[dict], List[dict], dict]:
    """A stories run: the lines of ``clusters.jsonl`` and ``relations.jsonl``
    and the counts. ``date_batches`` are the rows of ``batches`` with their
    date as ``text`` (files are read again for their dates)."""

def sketch(
    texts: List[pa.Array],
    *,
    options: Settings,
) -> pa.RecordBatch:
    """``hash_hi``, ``hash_lo`` (uint64), ``tokens`` (uint32), ``signature``
    (fixed_size_list<uint32>[num_perm])."""

def band_keys(signatures: List[pa.Array], bands: int, rows: int) -> pa.FixedSizeListArray:
    """fixed_size_list<uint64>[bands]: one key per band of each signature."""

def candidate_pairs(
    band_keys: List[pa.Array], *, skip: Optional[pa.BooleanArray], options: Settings
) -> pa.RecordBatch:
    """``a``, ``b`` (uint32 positions, ``a < b``), sorted."""

def exact_canonicals(hash_hi: pa.UInt64Array, hash_lo: pa.UInt64Array) -> pa.UInt32Array:
    """For each document, the first document with the same content hash."""

def verify_pairs(
    texts_a: List[pa.Array], texts_b: List[pa.Array], *, options: Settings
) -> pa.DoubleArray:
    """Exact Jaccard similarity of the shingle sets of each pair."""

def align_pairs(
    texts_a: List[pa.Array],
    texts_b: List[pa.Array],
    *,
    options: Settings,
) -> pa.RecordBatch:
    """``pair``, ``a_start``, ``a_end``, ``b_start``, ``b_end`` (byte
    offsets), ``words``, ``identity``: one row per shared passage."""

def clusters_from_edges(
    n: int, a: pa.UInt32Array, b: pa.UInt32Array, lengths: pa.UInt64Array, *, options: Settings
) -> pa.RecordBatch:
    """``cluster`` and ``representative`` (uint32) of each document."""

def clusters_from_roots(roots: pa.UInt32Array, lengths: pa.UInt64Array, *, options: Settings) -> pa.RecordBatch:
    """``cluster`` and ``representative`` (uint32) of each document."""

def to_jsonl(batch: pa.RecordBatch, *, decimals: Optional[int] = 6) -> bytes:
    """Rows as JSON lines in the CLI's run-directory format."""

def settings_schema() -> List[Dict[str, Any]]:
    """Every setting of the core's schema: ``group``, ``name``, ``doc``,
    ``default``, ``value_name``, ``switch``."""

def check_run_dir(path: str, force: bool, reads: Sequence[str]) -> None: ...
def run_lines(file: str, batch: pa.RecordBatch) -> bytes:
    """Rows as lines of the run file ``clusters.jsonl``, ``pairs.jsonl`` or
    ``passages.jsonl``, through the core's line types."""
def write_dedup_summary(
    dir: str,
    fields: Dict[str, Any],
    *,
    cluster: pa.UInt32Array,
    representative: pa.UInt32Array,
    similarity: pa.DoubleArray,
    exact_duplicates: int,
    candidate_pairs: int,
    verified_pairs: int,
) -> Dict[str, Any]:
    """Writes ``summary.json`` of a dedup run into ``dir`` with the core's
    counts of the clustering, and returns it."""

# Reprint mode's stages over shards (syndic::reprint::stages), for the Ray
# runner; statistics travel as the core's bytes.

def reprint_params(*, options: Settings) -> Dict[str, Any]:
    """The parameters of a reprint run, as its summary records them."""

def reprint_observe(
    texts: List[pa.Array], sites: Optional[List[pa.Array]], *, options: Settings
) -> Tuple[pa.RecordBatch, pa.RecordBatch, bytes]:
    """Pass 1 of a shard: ``hash_hi``, ``hash_lo`` per document; postings
    ``row``, ``fingerprint``; the shard's statistics."""

def reprint_merge_stats(parts: List[bytes]) -> bytes:
    """The sum of shards' statistics."""

def reprint_links(
    fingerprint: pa.UInt64Array, doc: pa.UInt32Array, *, options: Settings
) -> Tuple[pa.UInt64Array, pa.RecordBatch]:
    """The fingerprints too common to pair, and edges ``a``, ``b`` whose
    components hold the candidate pairs."""

def reprint_find(
    doc: pa.UInt32Array,
    texts: List[pa.Array],
    sites: Optional[List[pa.Array]],
    stats: bytes,
    common: pa.UInt64Array,
    *,
    options: Settings,
) -> Dict[str, Any]:
    """The batch pipeline over whole components: ``documents``, ``pairs``,
    ``passages`` (record batches in DocIds) and the run's counts."""

def reprint_boilerplate(
    ids: List[pa.Array], texts: List[pa.Array], sites: Optional[List[pa.Array]], stats: bytes, *, options: Settings
) -> Tuple[bytes, int]:
    """A shard's lines of ``boilerplate.jsonl`` and its bytes of boilerplate."""

def clusters_from_representatives(representative: pa.UInt32Array) -> pa.RecordBatch:
    """``cluster`` of each document, from its representative."""
