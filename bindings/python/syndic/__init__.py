"""syndic: find reused text (exact copies, near-copies, reprints) in document collections.

The functions here are thin wrappers over the Rust core (the extension module
``syndic._syndic``): they turn the ``data`` argument into Arrow record batches
or file paths, pass the options through to the core's validating builders,
and wrap the results. Every run gives the same clusters as the ``syndic``
command with the same parameters.

``data`` is one of:

* a list of texts (their ids are their positions, as strings; ``None`` is
  a missing text);
* a ``pyarrow.Table`` or ``pyarrow.RecordBatch`` with an id column and a
  text column (``id_column``, ``text_column``; integer ids are turned into
  strings; without the id column, ids are positions), read without copying
  the Arrow buffers;
* a ``pyarrow.Array`` or ``pyarrow.ChunkedArray`` of texts, or a numpy
  array of texts (ids are positions);
* a pandas ``DataFrame`` (columns ``id_column``, ``text_column``; without
  the id column, ids are the index, as strings) or ``Series`` of texts (ids
  are its index, as strings);
* a polars ``DataFrame`` (as a Table) or ``Series`` (as an Array), through
  ``to_arrow()``;
* a Hugging Face ``datasets.Dataset``, through its Arrow table (no copy,
  unless the dataset was filtered or shuffled with an indices mapping);
* a path (``str`` or ``os.PathLike``) or a list of ``os.PathLike`` paths of
  JSONL (.gz, .zst), Parquet, WARC/WET files or text directories, read by
  the core's streaming readers exactly as the CLI reads them.

Anything else raises ``TypeError``. pandas, polars and datasets are never
imported by syndic: objects are recognized by their type's module.

In-memory records get the checks file records get, with the same error
kinds: a missing (null) text or id (``missing_field``), a text over
``max_doc_bytes`` (``too_large``), an empty text (``empty_document``), an
invalid id (``invalid_id``), an id seen before (``duplicate_id``). They
raise ``BadRecordError`` (``record`` is the row), or with
``skip_bad_records=True`` are passed over and counted in
``stats["skipped"]``.

Errors are ``SyndicError`` subclasses, one per kind of problem
(``BadRecordError``, ``ConfigError``, ...), each with a ``kind`` attribute
and, where known, ``path``, ``line`` and ``record``.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Union

import pyarrow as pa

from . import _syndic

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._options import DedupConfigOptions, DedupOptions, IndexOptions, PassagesOptions, StoriesOptions
    from ._syndic import AddedItem, DocReport, NewDocument, QueryReport, StoryInfo
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
    "Index",
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
    "settings_defaults",
    "settings_schema",
    "sketch",
    "stories",
    "StoriesResult",
    "to_jsonl",
    "verify_pairs",
]

Data = Union[
    Sequence[Optional[str]],
    pa.Table,
    pa.RecordBatch,
    pa.Array,
    pa.ChunkedArray,
    str,
    "os.PathLike[str]",
    Sequence["os.PathLike[str]"],
    Any,  # pandas, polars and datasets objects, recognized without importing them
]
Texts = Union[pa.Array, pa.ChunkedArray, Sequence[str]]


class _DedupTuple(NamedTuple):
    clusters: pa.Table
    pairs: pa.Table
    stats: dict


class DedupResult(_DedupTuple):
    """What :func:`dedup` returns: a named tuple ``(clusters, pairs, stats)``
    with two more attributes.

    ``clusters``: one row per document in corpus order: ``id``, ``cluster``
    (dense, numbered by first member), ``representative`` (the member kept),
    ``similarity`` (to the representative). ``pairs``: the verified pairs
    ``a``, ``b``, ``similarity``, ``kind`` (exact, near, reprint), ``coverage``
    (reprint mode). ``stats``: the counts of ``summary.json`` and the
    resolved parameters. ``passages`` and ``boilerplate``: in reprint mode,
    the shared passages and boilerplate spans the clusters were built from,
    as :func:`passages` returns them; ``None`` in the other modes.
    """

    passages: Optional[pa.Table]
    boilerplate: Optional[pa.Table]

    def __new__(
        cls,
        clusters: pa.Table,
        pairs: pa.Table,
        stats: dict,
        passages: Optional[pa.Table] = None,
        boilerplate: Optional[pa.Table] = None,
    ) -> "DedupResult":
        self = super().__new__(cls, clusters, pairs, stats)
        self.passages = passages
        self.boilerplate = boilerplate
        return self

    def __reduce__(self) -> tuple:
        return (DedupResult, (*self, self.passages, self.boilerplate))


class StoriesResult(NamedTuple):
    """What :func:`stories` returns.

    ``clusters``: one row per document in corpus order, as
    :attr:`DedupResult.clusters`: ``id``, ``cluster`` (one story),
    ``representative`` (its earliest full report), ``similarity`` (cosine
    to it). ``relations``: every linked pair, ``a``, ``b``, ``type``
    (``copy``, ``near_copy``, ``reprint``, ``same_story``), ``score`` and
    ``evidence`` (the shared passages of reuse, with byte offsets; the
    shared terms of a ``same_story`` link), as ``relations.jsonl`` holds
    them. ``stats``: counts and parameters.
    """

    clusters: pa.Table
    relations: pa.Table
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


# Settings. Every keyword option of dedup, passages, clean and dedup_config
# is a setting of the core's schema (``settings_schema()``): its default,
# documentation and checks are the core's, and an option left out (or
# ``None``) takes the core's default. Python names the read fields after the
# columns they usually are; that is the only renaming.
_PYTHON_NAMES = {
    "id_field": "id_column",
    "text_field": "text_column",
    "site_field": "site_column",
    "date_field": "date_column",
}
_CORE_NAMES = {python: core for core, python in _PYTHON_NAMES.items()}


def settings_schema() -> List[Dict[str, Any]]:
    """Every setting of the core: ``group`` (read, dedup, minhash, reprint,
    stories: the last not yet taken by a Python function),
    ``name`` (as Python spells it), ``doc``, ``default`` (``None``: unset)
    and ``switch`` (a flag without value on the command line)."""
    return [
        dict(entry, name=_PYTHON_NAMES.get(entry["name"], entry["name"]))
        for entry in _syndic.settings_schema()
    ]


_SCHEMA = {entry["name"]: entry for entry in settings_schema()}


def settings_defaults() -> Dict[str, Any]:
    """The core's default of every setting, by its Python name."""
    return {name: entry["default"] for name, entry in _SCHEMA.items()}


def _settings(options: Dict[str, Any]) -> Dict[str, Any]:
    """The options given (not ``None``), named as the core names them; the
    core refuses names and values it does not know."""
    return {_CORE_NAMES.get(name, name): value for name, value in options.items() if value is not None}


def _takes_settings(*groups: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Lists the settings of ``groups`` in the function's signature (each
    defaulting to ``None``, the core's default) and docstring, from the
    core's schema, for ``help()`` and ``inspect.signature``; a keyword that
    is none of them is a ``ConfigError``, as the core makes it."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        settings = [entry for entry in _SCHEMA.values() if entry["group"] in groups]
        names = [entry["name"] for entry in settings]

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            fixed = inspect.signature(function).parameters
            for name in kwargs:
                if name not in fixed and name not in names:
                    known = ", ".join(names)
                    raise _config_error(f"invalid configuration: unknown setting `{name}` (expected one of {known})")
            return function(*args, **kwargs)

        signature = inspect.signature(function)
        fixed = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
        listed = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None) for name in names]
        checked.__signature__ = signature.replace(parameters=fixed + listed)  # type: ignore[attr-defined]
        lines = [f"    {entry['name']} (default {entry['default']!r}): {_doc(entry)}" for entry in settings]
        checked.__doc__ = (function.__doc__ or "") + "\n\n    Settings:\n\n" + "\n".join(lines) + "\n"
        return checked

    return decorate


def _doc(entry: Dict[str, Any]) -> str:
    """A setting's doc with references to other settings as Python names them."""
    doc = entry["doc"]
    for name in _SCHEMA:
        doc = doc.replace("{" + _CORE_NAMES.get(name, name) + "}", name)
    return doc


@_takes_settings("read", "dedup", "minhash", "reprint")
def dedup(
    data: Data, *, threads: Optional[int] = None, quiet: bool = False, **options: Unpack[DedupOptions]
) -> DedupResult:
    """Clusters of exact copies and near-duplicates (or reprints) in ``data``.

    The settings are those of ``syndic dedup``: ``mode`` is ``exact``,
    ``minhash`` (Jaccard of word ``ngram`` shingles at or above
    ``threshold``) or ``reprint`` (shared passages covering ``min_coverage``
    of the shorter text); ``keep`` picks each cluster's representative. A
    setting the mode does not use is refused. In reprint mode the result
    also carries the ``passages`` and ``boilerplate`` found.

    ``threads`` is the number of threads the engine runs in (``None``: one
    per core); results do not depend on it. A progress line is written to
    stderr when it is a terminal, unless ``quiet``. ``max_doc_bytes`` and
    ``skip_bad_records`` apply to in-memory data as to files.
    """
    batches, paths, settings = _source(data, options)
    with _Run("dedup", threads, quiet) as run:
        clusters, pairs, found, boilerplate, stats = _syndic.dedup(batches, paths, options=settings, run=run)
    return DedupResult(
        _table(clusters),
        _table(pairs),
        stats,
        None if found is None else _table(found),
        None if boilerplate is None else _table(boilerplate),
    )


@_takes_settings("read", "reprint")
def passages(
    data: Data, *, threads: Optional[int] = None, quiet: bool = False, **options: Unpack[PassagesOptions]
) -> PassagesResult:
    """Every passage shared between documents of ``data``, with boilerplate labelled.

    As ``syndic passages``: passages of at least ``min_passage_words`` words
    between documents that share winnowed fingerprints; lines repeated in
    ``boilerplate_min_docs`` documents, or ``boilerplate_min_site_docs``
    pages of one site (``site_column``), are boilerplate. Results do not
    depend on ``align_memory_mb`` or ``threads``. A progress line is written
    to stderr when it is a terminal, unless ``quiet``.
    """
    batches, paths, settings = _source(data, options)
    # The reprint pipeline finds the passages: dedup in reprint mode (whose
    # other settings the core refuses here), keeping the longest.
    with _Run("passages", threads, quiet) as run:
        _, _, found, boilerplate, stats = _syndic.dedup(
            batches, paths, options={**settings, "mode": "reprint", "keep": "longest"}, run=run
        )
    return PassagesResult(_table(found), _table(boilerplate), stats)


@_takes_settings("read", "reprint")
def clean(
    data: Data,
    *,
    drop_repeated: bool = False,
    threads: Optional[int] = None,
    quiet: bool = False,
    **options: Unpack[PassagesOptions],
) -> pa.Table:
    """The texts of ``data`` with boilerplate cut out, as ``syndic clean`` cuts it.

    With ``drop_repeated``, passages already seen in an earlier document
    (and the whole text of exact copies) are cut too, leaving the first
    occurrence. Returns ``id``, ``text`` and ``removed_bytes`` per document.
    ``threads`` and ``quiet`` are as for :func:`dedup`.
    """
    batches, paths, settings = _source(data, options)
    _check_bool("drop_repeated", drop_repeated)
    with _Run("clean", threads, quiet) as run:
        cleaned = _syndic.clean(batches, paths, options=settings, drop_repeated=drop_repeated, run=run)
    return _table(cleaned)


@_takes_settings("read", "stories", "reprint")
def stories(
    data: Data, *, threads: Optional[int] = None, quiet: bool = False, **options: Unpack[StoriesOptions]
) -> StoriesResult:
    """Stories in ``data``: documents that cover the same event, whether they
    reuse text or report it in their own words, as ``syndic stories`` finds
    them.

    Reuse comes from the reprint stage (its settings apply); documents are
    then linked by the TF-IDF cosine of their own text, at or above
    ``story_threshold`` on average over every pair two groups would join.
    With ``date_column`` (a column of the data, or a field of the files:
    dates, timestamps, or strings starting ``YYYY-MM-DD`` or ``YYYYMMDD``),
    only documents within ``window_days`` of each other are compared;
    records without a date are undated. ``threads`` and ``quiet`` are as
    for :func:`dedup`.
    """
    batches, paths, settings = _source(data, options)
    dates = _date_batches(data, settings)
    with _Run("stories", threads, quiet) as run:
        clusters, relations, stats = _syndic.stories(batches, paths, dates, options=settings, run=run)
    return StoriesResult(
        pa.Table.from_pylist(clusters, schema=_STORY_CLUSTERS),
        pa.Table.from_pylist(relations, schema=_RELATIONS),
        stats,
    )


_STORY_CLUSTERS = pa.schema(
    [("id", pa.string()), ("cluster", pa.uint32()), ("representative", pa.bool_()), ("similarity", pa.float64())]
)
# relations.jsonl's lines as columns: a reuse relation's evidence has
# passages (byte offsets into a and b), a same-story one entities and terms;
# the other fields are null.
_EVIDENCE_PASSAGE = pa.struct([(name, pa.uint64()) for name in ("a_start", "a_end", "b_start", "b_end", "words")])
_RELATIONS = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("type", pa.string()),
        ("score", pa.float64()),
        (
            "evidence",
            pa.struct(
                [
                    ("passages", pa.list_(_EVIDENCE_PASSAGE)),
                    ("entities", pa.list_(pa.string())),
                    ("terms", pa.list_(pa.string())),
                ]
            ),
        ),
    ]
)


def _date_batches(data: Data, settings: Dict[str, Any]) -> Optional[list]:
    """For in-memory ``data`` with a date column: record batches of the same
    rows (the same ids) with the dates, as strings, for their ``text``.
    ``None`` without a date column, and for files, whose dates the core
    reads itself."""
    date_column = settings.get("date_field")
    if date_column is None:
        return None
    _check_str("date_column", date_column)
    if isinstance(data, (str, os.PathLike)):
        return None
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, os.PathLike) for p in data):
        return None
    id_column = settings.get("id_field", _SCHEMA["id_column"]["default"])
    if _is(data, "polars", "DataFrame"):
        data = data.to_arrow()
    elif _is(data, "datasets", "Dataset") or _has_arrow_table(data):
        data = _dataset_table(data)
    if _is(data, "pandas", "DataFrame"):
        _missing_columns([str(date_column)], [str(c) for c in data.columns])
        if id_column in data.columns:
            ids = _ids(pa.array(data[id_column], from_pandas=True), id_column)
        else:
            ids = _index_ids(data.index)
        dates = _date_strings(pa.array(data[date_column], from_pandas=True))
        return [_batch({"id": ids, "text": dates})]
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        names = data.schema.names
        _missing_columns([date_column], names)
        columns = {"id": _ids(data.column(id_column), id_column)} if id_column in names else {}
        columns["text"] = _date_strings(data.column(date_column))
        if isinstance(data, pa.Table):
            return pa.Table.from_arrays(list(columns.values()), names=list(columns)).to_batches()
        return [pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))]
    raise _config_error("date_column needs data with named columns (a table or a data frame), or files")


def _date_strings(column: Union[pa.Array, pa.ChunkedArray]) -> Union[pa.Array, pa.ChunkedArray]:
    """Dates, timestamps and numbers (``20160101``) as the strings the core
    reads a day from; strings as they are; nulls stay null (undated)."""
    column = _decoded(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return column.cast(pa.string())


@_takes_settings("dedup", "minhash")
def dedup_config(**options: Unpack[DedupConfigOptions]) -> dict:
    """The validated parameters of a dedup run as ``summary.json`` records them,
    including the LSH ``bands`` and ``rows`` chosen for ``threshold``.

    Raises ``ConfigError`` (kind ``config``, naming the setting) for unknown
    settings, values of the wrong type and values the core rejects.
    """
    return _syndic.dedup_config(_settings(options))


# The persistent index.

Date = Union[str, datetime.date]


class Index:
    """A persistent index: documents that arrive one by one, each answered
    with what it matches among everything indexed before, as ``syndic
    index``, ``syndic query`` and the HTTP service answer (ARCHITECTURE.md,
    "``index``"). Made by :meth:`create` or :meth:`open`, never directly.

    Answers are the service's bodies as dicts (typed in ``syndic._syndic``:
    ``DocReport``, ``QueryReport``, ``StoryInfo``). An add returns once its
    transaction committed: the document is on disk. The core runs with the
    GIL released; one index may be shared by threads (reads run at once,
    adds one at a time). One process at a time may hold an index open (a
    second gets ``IndexUnusableError``): close it, or use it as a context
    manager, to let another in.
    """

    def __init__(self, native: _syndic.Index) -> None:
        self._native = native

    @classmethod
    @_takes_settings("dedup", "minhash", "reprint", "stories")
    def create(
        cls, path: Union[str, "os.PathLike[str]"], *, stories: bool = False, **settings: Unpack[IndexOptions]
    ) -> "Index":
        """Creates an empty index at ``path``, with the settings of ``syndic
        index create``: ``mode`` is ``exact``, ``minhash`` (with the MinHash
        settings) or ``reprint`` (with the reprint settings; ``stories=True``
        also tells each document its story, with the stories settings). A
        setting the mode does not use is refused (``ConfigError``).

        ``path`` must be new or an empty directory: an index is never
        replaced, and nothing else is deleted to make room for one
        (``IndexUnusableError``); remove an old index yourself.
        """
        _check_bool("stories", stories)
        return cls(_syndic.Index.create(os.fspath(path), stories, _settings(settings)))

    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"]) -> "Index":
        """Opens the index at ``path`` with the settings it was created with.
        No index there, or one of a format this version does not read, raises
        ``IndexUnusableError`` (``kind`` ``index`` or ``index_format``)."""
        return cls(_syndic.Index.open(os.fspath(path)))

    @property
    def path(self) -> str:
        """The index directory."""
        return os.fspath(self._native.path)

    @property
    def closed(self) -> bool:
        return self._native.closed

    def close(self) -> None:
        """Releases the index (and its file lock); later calls raise
        ``IndexUnusableError``. Every add was committed already."""
        self._native.close()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"syndic.Index({self.path!r}{', closed' if self.closed else ''})"

    def add(self, id: str, text: str, site: Optional[str] = None, date: Optional[Date] = None) -> DocReport:
        """Adds a document and returns its report as committed: ``id``,
        ``matches`` (each ``id``, ``similarity``, ``kind``; in reprint mode
        ``coverage`` and ``passages`` with byte offsets into both texts),
        ``cluster`` (``id``, ``representative``, ``size``, ``similarity``)
        and, in an index with stories, ``story``. ``site`` lets boilerplate
        be learned per site; ``date`` (``YYYY-MM-DD`` or ``YYYYMMDD`` at the
        start of a string, or a ``datetime.date``) places it in the stories'
        window. An id already indexed raises ``BadRecordError`` (``kind``
        ``duplicate_id``); an invalid id or an empty text ``BadRecordError``
        too."""
        _check_str("id", id)
        _check_str("text", text)
        if site is not None:
            _check_str("site", site)
        return self._native.add(id, text, site, _date(date))

    def add_many(self, documents: Iterable[NewDocument]) -> List[AddedItem]:
        """Adds documents in one transaction, in order, each answered against
        the index and the documents before it. ``documents`` are dicts with
        ``id``, ``text`` and optionally ``site`` and ``date``, as the
        service's batch takes them. Returns one item per document: ``id``,
        ``status`` (``added``, or ``duplicate_id`` for an id indexed already,
        which adds nothing), and when added what :meth:`add` returns."""
        rows = []
        for i, doc in enumerate(documents):
            if not isinstance(doc, dict):
                raise _config_error(f"document {i} must be a dict with id and text, got {type(doc).__name__}")
            unknown = set(doc) - {"id", "text", "site", "date"}
            if unknown:
                raise _config_error(f"document {i} has unknown keys {sorted(unknown)} (expected id, text, site, date)")
            _missing_columns(["id", "text"], list(doc))
            _check_str("id", doc["id"])
            _check_str("text", doc["text"])
            if doc.get("site") is not None:
                _check_str("site", doc["site"])
            rows.append((doc["id"], doc["text"], doc.get("site"), _date(doc.get("date"))))
        return self._native.add_many(rows)

    def query(
        self,
        text: str,
        *,
        date: Optional[Date] = None,
        passages: bool = False,
        min_passage_words: Optional[int] = None,
    ) -> QueryReport:
        """What ``text`` would match, were it added; adds nothing. Returns
        ``matches`` (as :meth:`add`'s), ``clusters`` (the distinct clusters
        of the matches, which adding it would merge, with its similarity to
        each representative) and, with stories, ``story``. A reprint index
        gives the shared passages of every match; another aligns them with
        ``passages=True``, of at least ``min_passage_words`` words (``None``:
        the core's default), as ``syndic query`` does."""
        return self.query_many([text], dates=[date], passages=passages, min_passage_words=min_passage_words)[0]

    def query_many(
        self,
        texts: Sequence[str],
        *,
        dates: Optional[Sequence[Optional[Date]]] = None,
        passages: bool = False,
        min_passage_words: Optional[int] = None,
    ) -> List[QueryReport]:
        """:meth:`query` for many texts, against one snapshot of the index;
        ``dates`` has one date (or ``None``) per text."""
        if isinstance(texts, str):
            raise _config_error("texts must be a sequence of strings, not one string (use query)")
        texts = list(texts)
        for text in texts:
            _check_str("text", text)
        _check_bool("passages", passages)
        _check_int("min_passage_words", min_passage_words, optional=True)
        days = [None] * len(texts) if dates is None else [_date(d) for d in dates]
        return self._native.query_many(texts, days, passages, min_passage_words)

    def story(self, text: str, date: Optional[Date] = None) -> StoryInfo:
        """The story ``text`` would join, without adding it (an index created
        with ``stories=True``; ``ConfigError`` otherwise): ``id`` (its first
        document; absent when it would start a story of its own),
        ``representative``, ``size`` (the text counted) and ``links`` (each
        ``id``, ``kind``, ``score``; ``same_story`` links with the shared
        ``entities`` and ``terms``)."""
        _check_str("text", text)
        return self._native.story(text, _date(date))

    def get(self, id: str) -> Optional[DocReport]:
        """The matches and cluster of the document ``id`` as they are now
        (in reprint mode they may differ from its add's answer as
        boilerplate is learned; no ``story``); ``None`` when not indexed."""
        _check_str("id", id)
        return self._native.get(id)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and self._native.contains(id)

    def __len__(self) -> int:
        """The documents indexed."""
        return int(self.stats()["documents"])

    def stats(self) -> Dict[str, Any]:
        """The counts ``syndic index stats`` and the service report
        (``documents``, ``clusters``, ``exact_duplicates``, ...) and the
        ``params`` the index was created with."""
        return self._native.stats()

    def export(self, out_dir: Union[str, "os.PathLike[str]"], force: bool = False) -> Dict[str, Any]:
        """Writes the files ``syndic index export`` writes into the run
        directory ``out_dir`` (``clusters.jsonl``, ``pairs.jsonl``; in
        reprint mode ``passages.jsonl`` and ``boilerplate.jsonl``; with
        stories ``stories.jsonl``; ``summary.json``), atomically, and returns
        the summary. An existing ``out_dir`` raises ``OutputExistsError``;
        with ``force`` only a run directory syndic wrote is replaced, never
        the index or anything else (``OutputNotReplaceableError``)."""
        _check_bool("force", force)
        return self._native.export(os.fspath(out_dir), force)


def _date(date: Optional[Date]) -> Optional[str]:
    """A date as the core reads it: a string as it is, a ``datetime.date``
    (or ``datetime``) as its ISO day."""
    if date is None or isinstance(date, str):
        return date
    if isinstance(date, datetime.date):
        return date.isoformat()[:10]
    raise _config_error(f"date must be a string or a datetime.date, got {type(date).__name__} {date!r}")


# Stage functions: the pipeline piece by piece, over Arrow arrays.


def sketch(
    texts: Texts,
    *,
    num_perm: Optional[int] = None,
    ngram: Optional[int] = None,
    char_ngram: Optional[int] = None,
    seed: Optional[int] = None,
    sketch: Optional[str] = None,
) -> pa.RecordBatch:
    """Content hashes and MinHash signatures of ``texts``, with the MinHash
    settings of :func:`dedup` (``None``: the core's default).

    Returns ``hash_hi``, ``hash_lo`` (the 128-bit hash of the normalized
    text, as two ``uint64``), ``tokens`` (``uint32``) and ``signature``
    (``fixed_size_list<uint32>[num_perm]``).
    """
    options = dict(num_perm=num_perm, ngram=ngram, char_ngram=char_ngram, seed=seed, sketch=sketch)
    return _syndic.sketch(_chunks(texts), options=_settings(options))


def band_keys(signatures: Union[pa.Array, pa.ChunkedArray], bands: int, rows: int) -> pa.FixedSizeListArray:
    """LSH band keys: ``fixed_size_list<uint64>[bands]``, one key per band of each signature."""
    return _syndic.band_keys(_chunks(signatures), bands, rows)


def candidate_pairs(
    band_keys: Union[pa.Array, pa.ChunkedArray],
    *,
    bucket_window: Optional[int] = None,
    skip: Optional[Union[pa.Array, Sequence[bool]]] = None,
) -> pa.RecordBatch:
    """Candidate pairs ``a < b`` (positions, ``uint32``) of documents sharing a band key.

    In a bucket, documents sorted by position are each paired with at most
    ``bucket_window`` followers; documents flagged in ``skip`` take no part.
    """
    mask = None if skip is None else _array(skip, pa.bool_())
    options = _settings(dict(bucket_window=bucket_window))
    return _syndic.candidate_pairs(_chunks(band_keys), skip=mask, options=options)


def exact_canonicals(hash_hi: Any, hash_lo: Any) -> pa.UInt32Array:
    """For each document, the position of the first document with the same content hash."""
    return _syndic.exact_canonicals(_array(hash_hi, pa.uint64()), _array(hash_lo, pa.uint64()))


def verify_pairs(
    texts_a: Texts, texts_b: Texts, *, ngram: Optional[int] = None, char_ngram: Optional[int] = None
) -> pa.DoubleArray:
    """Exact Jaccard similarity of the shingle sets of ``texts_a[i]`` and ``texts_b[i]``."""
    options = _settings(dict(ngram=ngram, char_ngram=char_ngram))
    return _syndic.verify_pairs(_chunks(texts_a), _chunks(texts_b), options=options)


def align_pairs(
    texts_a: Texts,
    texts_b: Texts,
    *,
    min_passage_words: Optional[int] = None,
    seed_ngram: Optional[int] = None,
    max_gap: Optional[int] = None,
    min_identity: Optional[float] = None,
) -> pa.RecordBatch:
    """Passages shared by ``texts_a[i]`` and ``texts_b[i]``, aligned as the
    pipeline aligns two documents (the settings of the same names; ``None``:
    the core's default).

    One row per passage: ``pair`` (``i``), byte offsets ``a_start``,
    ``a_end``, ``b_start``, ``b_end`` into the original texts, ``words``
    matched and ``identity``. Lengths count tokens: words, or characters in
    scripts written without spaces, which need proportionally longer
    passages.
    """
    options = dict(
        min_passage_words=min_passage_words, seed_ngram=seed_ngram, max_gap=max_gap, min_identity=min_identity
    )
    return _syndic.align_pairs(_chunks(texts_a), _chunks(texts_b), options=_settings(options))


def clusters_from_edges(n: int, a: Any, b: Any, lengths: Any, keep: Optional[str] = None) -> pa.RecordBatch:
    """Clusters of ``n`` documents joined by the edges ``(a[i], b[i])``.

    Returns ``cluster`` (numbered in order of first member) and
    ``representative`` (the position of the cluster's representative: the
    longest member by ``lengths``, ties to the first, or the first with
    ``keep="first"``) for every document.
    """
    edges = (_array(a, pa.uint32()), _array(b, pa.uint32()))
    return _syndic.clusters_from_edges(n, *edges, _array(lengths, pa.uint64()), options=_settings(dict(keep=keep)))


def clusters_from_roots(roots: Any, lengths: Any, keep: Optional[str] = None) -> pa.RecordBatch:
    """Clusters from a component label per document (equal label, same cluster),
    numbered and represented as :func:`clusters_from_edges` does."""
    roots_array, lengths_array = _array(roots, pa.uint32()), _array(lengths, pa.uint64())
    return _syndic.clusters_from_roots(roots_array, lengths_array, options=_settings(dict(keep=keep)))


def to_jsonl(batch: Union[pa.RecordBatch, pa.Table], *, decimals: Optional[int] = 6) -> bytes:
    """Rows as JSON lines in the format of the CLI's run directory
    (``clusters.jsonl``, ``pairs.jsonl``): fields in column order, nulls
    left out, floats rounded to ``decimals``."""
    if isinstance(batch, pa.Table):
        return b"".join(_syndic.to_jsonl(b, decimals=decimals) for b in batch.to_batches())
    return _syndic.to_jsonl(batch, decimals=decimals)


# Argument handling.


def _error(
    cls: type, message: str, kind: str, record: Optional[int] = None, path: Optional[str] = None
) -> Exception:
    """An exception of ``cls`` with the attributes the core's errors carry
    (also used by ``syndic.ray``)."""
    err = cls(message)
    err.kind = kind
    err.path = path
    err.line = None
    err.record = record
    return err


def _config_error(message: str) -> Exception:
    return _error(ConfigError, message, "config")


def _check_int(name: str, value: Any, *, optional: bool = False, minimum: int = 0) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        expected = "an integer" + (" or None" if optional else "")
        raise _config_error(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    if value < minimum:
        expected = "a non-negative integer" if minimum == 0 else f"at least {minimum}"
        raise _config_error(f"{name} must be {expected}, got {value}")


def _check_str(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise _config_error(f"{name} must be a string, got {type(value).__name__} {value!r}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise _config_error(f"{name} must be True or False, got {type(value).__name__} {value!r}")


class _Run:
    """The ``run`` options of a whole run (thread count, progress callback),
    and the progress line on stderr: shown only when stderr is a terminal
    and ``quiet`` is false, updated at most five times a second."""

    def __init__(self, what: str, threads: Optional[int], quiet: bool) -> None:
        _check_int("threads", threads, optional=True, minimum=1)
        _check_bool("quiet", quiet)
        self.what = what
        self.threads = threads
        self.shown = False
        self.last = 0.0
        try:
            interactive = sys.stderr is not None and sys.stderr.isatty()
        except (AttributeError, ValueError):
            interactive = False
        self.progress: Optional[Callable[[int, int], None]] = (
            None if quiet or not interactive else self.report
        )

    def report(self, pass_: int, documents: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        sys.stderr.write(f"\rsyndic {self.what}: pass {pass_}: {documents:,} documents")
        sys.stderr.flush()
        self.shown = True

    def __enter__(self) -> dict:
        return dict(threads=self.threads, progress=self.progress)

    def __exit__(self, *exc: Any) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


_ACCEPTED = (
    "data must be a list of texts, a pyarrow Table, RecordBatch, Array or ChunkedArray, "
    "a numpy array of texts, a pandas DataFrame or Series, a polars DataFrame or Series, a Hugging Face "
    "datasets.Dataset, a path (str or os.PathLike) or a list of os.PathLike paths; got "
)


def _is(value: Any, package: str, name: str) -> bool:
    """Whether ``value`` is a ``package`` object of class ``name`` (or a
    subclass), told without importing ``package``."""
    return any(
        c.__name__ == name and c.__module__.split(".")[0] == package for c in type(value).__mro__
    )


def _source(data: Data, options: Dict[str, Any]) -> tuple:
    """``(batches, paths, settings)`` for the extension: record batches
    with ``id``, ``text`` and ``site`` columns, or paths; and the settings
    given, named as the core names them. Columns not given are the core's
    default fields."""
    read = _settings(options)
    id_column = read.get("id_field", _SCHEMA["id_column"]["default"])
    text_column = read.get("text_field", _SCHEMA["text_column"]["default"])
    site_column = read.get("site_field")
    for name, value in (("id_column", id_column), ("text_column", text_column), ("site_column", site_column)):
        if value is not None:
            _check_str(name, value)
    if isinstance(data, (str, os.PathLike)):
        return None, [os.fspath(data)], read
    # Polars and Hugging Face objects are Arrow underneath: their tables and
    # arrays go the way of pyarrow's.
    if _is(data, "polars", "DataFrame") or _is(data, "polars", "Series"):
        data = data.to_arrow()
    elif _is(data, "datasets", "Dataset") or _has_arrow_table(data):
        data = _dataset_table(data)
    if _is(data, "pandas", "DataFrame"):
        return _pandas_frame(data, id_column, text_column, site_column), None, read
    if _is(data, "pandas", "Series"):
        texts = pa.array(data, from_pandas=True)
        ids = _index_ids(data.index)
        return [_batch({"id": ids, "text": _texts(texts, "the Series")})], None, read
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return _arrow_table(data, id_column, text_column, site_column), None, read
    if _is(data, "numpy", "ndarray"):
        data = pa.array(data, from_pandas=True)
    if isinstance(data, (pa.Array, pa.ChunkedArray)):
        texts = _texts(data, "the array")
        chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
        return [pa.RecordBatch.from_arrays([c], names=["text"]) for c in chunks], None, read
    if not isinstance(data, (list, tuple)):
        raise TypeError(_ACCEPTED + type(data).__qualname__)
    items = list(data)
    if items and all(isinstance(p, os.PathLike) for p in items):
        return None, [os.fspath(p) for p in items], read
    if not all(t is None or isinstance(t, str) for t in items):
        wrong = next(t for t in items if not (t is None or isinstance(t, str)))
        raise TypeError(_ACCEPTED + f"a {type(data).__name__} holding a {type(wrong).__name__}")
    return [pa.record_batch({"text": pa.array(items, pa.string())})], None, read


def _has_arrow_table(data: Any) -> bool:
    """A Hugging Face ``Dataset`` told by its shape: ``.data.table`` is a
    ``pyarrow.Table``."""
    if isinstance(data, (pa.Table, pa.RecordBatch, pa.Array, pa.ChunkedArray, str, list, tuple)):
        return False
    return isinstance(getattr(getattr(data, "data", None), "table", None), pa.Table)


def _dataset_table(data: Any) -> pa.Table:
    """The Arrow table of a Hugging Face ``Dataset``, shared, not copied. A
    dataset that ``select``, ``filter`` or ``shuffle`` left with an indices
    mapping is taken through ``with_format("arrow")``, which applies it."""
    if getattr(data, "_indices", None) is not None:
        return data.with_format("arrow")[:]
    return data.data.table


def _batch(columns: dict) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(list(columns.values()), names=list(columns))


def _missing_columns(wanted: list, names: list) -> None:
    missing = [c for c in wanted if c not in names]
    if missing:
        raise _config_error(f"no column {', '.join(map(repr, missing))} among {list(names)}")


def _arrow_table(
    data: Union[pa.Table, pa.RecordBatch], id_column: str, text_column: str, site_column: Optional[str]
) -> list:
    names = data.schema.names
    # Without an id column, ids are positions, as for lists of texts.
    columns = {"id": id_column} if id_column in names else {}
    columns["text"] = text_column
    if site_column is not None:
        columns["site"] = site_column
    _missing_columns(list(columns.values()), names)
    arrays = [
        _ids(data.column(c), c) if key == "id" else _texts(data.column(c), f"column {c!r}")
        for key, c in columns.items()
    ]
    if isinstance(data, pa.Table):
        return pa.Table.from_arrays(arrays, names=list(columns)).to_batches()
    return [pa.RecordBatch.from_arrays(arrays, names=list(columns))]


def _pandas_frame(frame: Any, id_column: str, text_column: str, site_column: Optional[str]) -> list:
    names = [str(c) for c in frame.columns]
    wanted = [text_column] + ([site_column] if site_column is not None else [])
    _missing_columns(wanted, names)
    if id_column in frame.columns:
        ids = _ids(pa.array(frame[id_column], from_pandas=True), id_column)
    else:
        # Without an id column, ids are the index: rows can be found again.
        ids = _index_ids(frame.index)
    def column(name: str) -> pa.Array:
        return _texts(pa.array(frame[name], from_pandas=True), f"column {name!r}")

    columns = {"id": ids, "text": column(text_column)}
    if site_column is not None:
        columns["site"] = column(site_column)
    return [_batch(columns)]


def _index_ids(index: Any) -> pa.Array:
    """A pandas index as ids: integers and strings, as strings."""
    return _ids(pa.array(index, from_pandas=True), "index")


def _decoded(column: Union[pa.Array, pa.ChunkedArray]) -> Union[pa.Array, pa.ChunkedArray]:
    """A dictionary-encoded column as its plain values (a copy)."""
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _texts(column: Union[pa.Array, pa.ChunkedArray], what: str) -> Union[pa.Array, pa.ChunkedArray]:
    """A text column, decoded if dictionary-encoded; a column of nulls only
    (as pandas makes of ``[None, None]``) is a string column of nulls."""
    column = _decoded(column)
    if pa.types.is_null(column.type):
        return column.cast(pa.string())
    if not _is_text(column.type):
        raise _error(BadRecordError, f"{what} holds {column.type}, expected strings", "wrong_type")
    return column


def _ids(column: Union[pa.Array, pa.ChunkedArray], what: str) -> Union[pa.Array, pa.ChunkedArray]:
    """Integer ids become strings, as the CLI's readers make them; other
    types (floats, as pandas makes of integers with a gap) are refused."""
    column = _decoded(column)
    kind = column.type
    if _is_text(kind):
        return column
    if pa.types.is_integer(kind) or pa.types.is_null(kind):
        return column.cast(pa.string())
    hint = " (integer ids with missing values? fill or drop them)" if pa.types.is_floating(kind) else ""
    message = f"ids ({what}) are {kind}, expected strings or integers{hint}"
    raise _error(BadRecordError, message, "wrong_type")


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
