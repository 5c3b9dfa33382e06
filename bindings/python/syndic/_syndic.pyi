"""Type stubs of the Rust extension module ``syndic._syndic``.

The public API is the package ``syndic``, whose functions wrap these with
friendlier arguments; the functions here take Arrow arrays as lists of
chunks and settings as dicts of the names given.
"""

from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Tuple, TypedDict

import pyarrow as pa
from typing_extensions import NotRequired

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

# The persistent index (syndic::index), as the HTTP service answers: the
# core's report types as dicts. Keys marked NotRequired are absent where
# they do not apply (the service leaves them out too).

class Coverage(TypedDict):
    """The share of each side's own text (boilerplate excluded) that the
    shared passages cover: ``query`` of the document or text answered,
    ``doc`` of the match."""

    query: float
    doc: float

class PassageSpan(TypedDict):
    """A shared passage in UTF-8 byte offsets: ``query_*`` into the document
    or text answered, ``doc_*`` into the match; ``words`` aligned,
    ``identity`` (matches over the longer side)."""

    query_start: int
    query_end: int
    doc_start: int
    doc_end: int
    words: int
    identity: float

class Match(TypedDict):
    """A verified match: ``similarity`` by the index's measure (Jaccard, or
    in reprint mode the coverage of the shorter's own text), ``kind``;
    reprint mode (or ``passages=True`` in a query) adds ``passages``,
    reprint mode ``coverage``."""

    id: str
    similarity: float
    kind: Literal["exact", "near", "reprint"]
    coverage: NotRequired[Coverage]
    passages: NotRequired[List[PassageSpan]]

class ClusterInfo(TypedDict):
    """A cluster: ``id`` (its first member), ``representative`` (in reprint
    mode the source), ``size``, and the similarity to the representative."""

    id: str
    representative: str
    size: int
    similarity: float

class StoryMatch(TypedDict):
    """A link to a member of the story: reuse (``copy``, ``near_copy``,
    ``reprint``, with its reprint similarity) or ``same_story`` (the TF-IDF
    cosine, with the shared names and words that carried it)."""

    id: str
    kind: Literal["copy", "near_copy", "reprint", "same_story"]
    score: float
    entities: NotRequired[List[str]]
    terms: NotRequired[List[str]]

class StoryInfo(TypedDict):
    """The story a document belongs to (or a text would join): ``id`` (its
    first document; absent for a text that starts a story of its own),
    ``representative`` (its earliest full report; absent when that is the
    text itself), ``size`` (the document or text counted) and its links."""

    id: NotRequired[str]
    representative: NotRequired[str]
    size: int
    links: List[StoryMatch]

class DocReport(TypedDict):
    """An indexed document's matches (in insertion order) and cluster; its
    story when added to an index with stories."""

    id: str
    matches: List[Match]
    cluster: ClusterInfo
    story: NotRequired[StoryInfo]

class AddedItem(TypedDict):
    """One document of ``add_many``: ``status`` ``added`` with the
    ``DocReport`` keys, or ``duplicate_id`` with its ``id`` only."""

    id: str
    status: Literal["added", "duplicate_id"]
    matches: NotRequired[List[Match]]
    cluster: NotRequired[ClusterInfo]
    story: NotRequired[StoryInfo]

class QueryReport(TypedDict):
    """What a text would match: its matches, the distinct clusters of those
    (which adding it would merge) and, with stories, its story."""

    matches: List[Match]
    clusters: List[ClusterInfo]
    story: NotRequired[StoryInfo]

class NewDocument(TypedDict):
    """A document to add: ``site`` and ``date`` may be left out."""

    id: str
    text: str
    site: NotRequired[Optional[str]]
    date: NotRequired[Optional[str]]

class Index:
    """The native index behind ``syndic.Index``, which checks the arguments."""

    @staticmethod
    def create(path: str, stories: bool, options: Settings) -> "Index": ...
    @staticmethod
    def open(path: str) -> "Index": ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def path(self) -> str: ...
    def add(self, id: str, text: str, site: Optional[str], date: Optional[str]) -> DocReport: ...
    def add_many(
        self, docs: Sequence[Tuple[str, str, Optional[str], Optional[str]]]
    ) -> List[AddedItem]: ...
    def query_many(
        self,
        texts: Sequence[str],
        dates: Sequence[Optional[str]],
        passages: bool,
        min_passage_words: Optional[int],
    ) -> List[QueryReport]: ...
    def story(self, text: str, date: Optional[str]) -> StoryInfo: ...
    def get(self, id: str) -> Optional[DocReport]: ...
    def contains(self, id: str) -> bool: ...
    def stats(self) -> Dict[str, Any]: ...
    def export(self, out: str, force: bool) -> Dict[str, Any]: ...
