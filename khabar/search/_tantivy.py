"""The embedded search backend: a tantivy index in the data dir (KHABAR_SEARCH_DIR).

Terms arrive analyzed (khabar.search.analysis); tantivy only splits them on whitespace, with
no lowercasing or stemming of its own. Layout of the directory:

    CURRENT                 the name of the index in use
    index-<time>-<random>/  one index ("generation") and its khabar-state.json

A rebuild writes a new generation and switches CURRENT to it in one rename, so readers keep
answering from the old one meanwhile and a rebuild never waits for the worker's writer lock.
Only one writer at a time may open a generation (tantivy's lock): the worker.
"""

import contextlib
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import tantivy
from django.conf import settings
from tantivy import Document, FieldType, Occur, Order, Query

from .analysis import AllMatch, AnyMatch, Exclude, PhraseMatch, TermMatch, field_weights
from .backend import IndexBusy, IndexDocument, IndexState, SearchRequest
from .rerank import CollectionFrequencies, StoredTerms, stored_terms

SCHEMA_VERSION = 3  # 2: the enrich step's tags; 3: the reranker's stored terms
TOKENIZER = "khabar_terms"
STATE_FILE = "khabar-state.json"
WRITER_HEAP = 64_000_000
# A rebuild writes a whole index at once: a larger heap makes fewer segments to merge, and a
# second thread indexes while the first one does (see docs/benchmarks.md, "Search speed").
REBUILD_HEAP = 512_000_000
REBUILD_THREADS = 2
LOCK_WAIT_SECONDS = 10.0
MAX_TERM_CHARS = 100
# Sorting by date breaks ties by id, in one fast field: (seconds + OFFSET) << ID_BITS | id.
ID_BITS = 24
SECONDS_OFFSET = 1 << 33


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("article_id", indexed=True, fast=True)
    builder.add_integer_field("updated", fast=True)  # microseconds, to spot stale documents
    builder.add_integer_field("source_id", indexed=True, fast=True)
    builder.add_text_field("lang", tokenizer_name="raw")
    builder.add_integer_field("published", indexed=True, fast=True)  # seconds; absent if unknown
    builder.add_integer_field("date_order", fast=True)
    builder.add_text_field("words", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("grams", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("tags", tokenizer_name="raw")  # one term a tag: topic:…, entity:…
    # What the reranker reads of each candidate (khabar.search.rerank.StoredTerms).
    builder.add_bytes_field("rerank_terms", stored=True)
    builder.add_integer_field("term_count", stored=True)
    return builder.build()


SCHEMA = build_schema()
_open_lock = threading.Lock()
_open_indexes: dict[Path, tantivy.Index] = {}


def register_tokenizer(index: tantivy.Index) -> tantivy.Index:
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(MAX_TERM_CHARS))
        .build()
    )
    index.register_tokenizer(TOKENIZER, analyzer)
    return index


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def date_order(document: IndexDocument) -> int:
    seconds = (
        int(document.published_at.timestamp()) + SECONDS_OFFSET if document.published_at else 0
    )
    return (seconds << ID_BITS) | (document.article_id & ((1 << ID_BITS) - 1))


def tantivy_document(document: IndexDocument) -> Document:
    doc = Document()
    doc.add_integer("article_id", document.article_id)
    doc.add_integer("updated", micros(document.updated_at))
    doc.add_integer("source_id", document.source_id)
    doc.add_text("lang", document.language)
    if document.published_at is not None:
        doc.add_integer("published", int(document.published_at.timestamp()))
    doc.add_integer("date_order", date_order(document))
    doc.add_text("words", document.words_text)
    doc.add_text("grams", document.grams_text)
    for tag in document.tags:
        doc.add_text("tags", tag)
    stored = stored_terms(document.words_text)
    doc.add_bytes("rerank_terms", stored.terms.encode())
    doc.add_integer("term_count", stored.length)
    return doc


class Writer:
    """Upserts and removals in one tantivy writer, committed together. On a new, empty
    generation (`fresh`) an upsert only adds: there is nothing to delete first."""

    def __init__(self, writer, *, fresh: bool = False):
        self.writer = writer
        self.fresh = fresh

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        for document in documents:
            if not self.fresh:
                self.writer.delete_documents_by_term("article_id", document.article_id)
            self.writer.add_document(tantivy_document(document))

    def remove(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            self.writer.delete_documents_by_term("article_id", article_id)


class TantivyBackend:
    name = "tantivy"

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or settings.KHABAR_SEARCH_DIR)

    # --- Locating and opening generations --------------------------------------------------

    def current_path(self) -> Path | None:
        try:
            name = (self.directory / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        path = self.directory / name
        return path if name and (path / "meta.json").exists() else None

    def open(self, path: Path) -> tantivy.Index:
        with _open_lock:
            index = _open_indexes.get(path)
            if index is None:
                index = register_tokenizer(tantivy.Index.open(str(path)))
                _open_indexes[path] = index
            return index

    def index(self) -> tantivy.Index | None:
        path = self.current_path()
        return self.open(path) if path else None

    def searcher(self):
        index = self.index()
        if index is None:
            return None
        index.reload()  # see the latest commit now, not after the reader's polling delay
        return index.searcher()

    # --- Reading ---------------------------------------------------------------------------

    def ready(self) -> bool:
        return self.current_path() is not None

    def search(self, request: SearchRequest) -> tuple[list[tuple[int, float]], int]:
        searcher = self.searcher()
        if searcher is None:
            return [], 0
        query = filtered(compiled(request.plan.root, field_weights()), request)
        if request.sort == "date":
            result = searcher.search(
                query,
                request.limit,
                count=True,
                order_by_field="date_order",
                offset=request.offset,
                order=Order.Desc,
            )
        else:
            result = searcher.search(query, request.limit, count=True, offset=request.offset)
        addresses = [address for _score, address in result.hits]
        ids = searcher.fast_field_values("article_id", addresses) if addresses else []
        if request.sort == "date":
            scores = [0.0] * len(ids)
        else:
            scores = [float(score) for score, _address in result.hits]
        return list(zip(ids, scores, strict=True)), result.count

    def stored_terms(self, article_ids: list[int]) -> dict[int, StoredTerms]:
        """What the reranker reads of each of `article_ids` that is indexed."""
        index = self.index()
        if index is None or not article_ids:
            return {}
        searcher = index.searcher()  # the one `search` just reloaded
        query = Query.term_set_query(SCHEMA, "article_id", list(article_ids))
        addresses = [address for _s, address in searcher.search(query, len(article_ids)).hits]
        if not addresses:
            return {}
        ids = searcher.fast_field_values("article_id", addresses)
        found = {}
        for article_id, address in zip(ids, addresses, strict=True):
            document = searcher.doc(address)
            terms, length = document.get_first("rerank_terms"), document.get_first("term_count")
            found[article_id] = StoredTerms((terms or b"").decode(), length or 0)
        return found

    def collection_frequencies(self, terms: list[str]) -> CollectionFrequencies:
        """How many articles the index holds, and how many hold each of the ``words`` `terms`
        (an article deleted since the last merge still counts among the latter)."""
        searcher = self.searcher()
        if searcher is None:
            return CollectionFrequencies(0, {})
        counts = {term: searcher.doc_freq("words", term) for term in terms}
        return CollectionFrequencies(searcher.num_docs, counts)

    def state(self) -> IndexState | None:
        path = self.current_path()
        if path is None:
            return None
        try:
            data = json.loads((path / STATE_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return IndexState(fingerprint="", watermark=None)
        if data.get("schema") != SCHEMA_VERSION:
            return IndexState(fingerprint="", watermark=None)
        watermark = data.get("watermark")
        return IndexState(
            fingerprint=data.get("fingerprint", ""),
            watermark=datetime.fromtimestamp(watermark / 1e6, tz=UTC) if watermark else None,
        )

    def versions(self, article_ids: list[int]) -> dict[int, int]:
        """The `updated` microseconds indexed for each of `article_ids` that is indexed."""
        searcher = self.searcher()
        if searcher is None or not article_ids:
            return {}
        query = Query.term_set_query(SCHEMA, "article_id", list(article_ids))
        addresses = [address for _s, address in searcher.search(query, len(article_ids)).hits]
        if not addresses:
            return {}
        ids = searcher.fast_field_values("article_id", addresses)
        updated = searcher.fast_field_values("updated", addresses)
        return dict(zip(ids, updated, strict=True))

    def id_stats(self, low: int, high: int) -> tuple[int, int]:
        """How many articles with low <= id < high are indexed, and the sum of their ids."""
        searcher = self.searcher()
        if searcher is None:
            return 0, 0
        query = id_range(low, high)
        stats = searcher.aggregate(query, {"ids": {"stats": {"field": "article_id"}}})["ids"]
        return int(stats["count"]), int(stats["sum"] or 0)

    def highest_id(self) -> int:
        searcher = self.searcher()
        if searcher is None:
            return 0
        stats = searcher.aggregate(Query.all_query(), {"ids": {"max": {"field": "article_id"}}})
        return int(stats["ids"]["value"] or 0)

    def ids_between(self, low: int, high: int) -> set[int]:
        searcher = self.searcher()
        if searcher is None:
            return set()
        query = id_range(low, high)
        hits = searcher.search(query, max(1, high - low), count=False).hits
        if not hits:
            return set()
        return set(searcher.fast_field_values("article_id", [address for _s, address in hits]))

    # --- Writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        """A writer on the current index (a new, empty one when there is none); commits at
        the end. Raises IndexBusy when another process keeps the writer lock too long."""
        path = self.current_path()
        if path is None:
            path = self.new_generation()
            self.save_state_at(path, IndexState(fingerprint="", watermark=None))
            self.switch_to(path)
        with self.locked_writer(path) as writer:
            yield Writer(writer)

    @contextlib.contextmanager
    def locked_writer(self, path: Path, *, heap: int = WRITER_HEAP, threads: int = 1):
        index = self.open(path)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                writer = index.writer(heap_size=heap, num_threads=threads)
                break
            except ValueError as error:
                if "LockBusy" not in str(error) or time.monotonic() > deadline:
                    raise IndexBusy(str(error)) from error
                time.sleep(0.2)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # releases the lock

    def save_state(self, state: IndexState) -> None:
        path = self.current_path()
        if path is not None:
            self.save_state_at(path, state)

    def save_state_at(self, path: Path, state: IndexState) -> None:
        data = {
            "schema": SCHEMA_VERSION,
            "fingerprint": state.fingerprint,
            "watermark": micros(state.watermark) if state.watermark else None,
        }
        temporary = path / f"{STATE_FILE}.tmp"
        temporary.write_text(json.dumps(data))
        os.replace(temporary, path / STATE_FILE)

    @contextlib.contextmanager
    def rebuilding(self, state: IndexState) -> Iterator[Writer]:
        """A writer on a new, empty generation that replaces the current one once committed."""
        path = self.new_generation()
        try:
            with self.locked_writer(path, heap=REBUILD_HEAP, threads=REBUILD_THREADS) as writer:
                yield Writer(writer, fresh=True)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self.save_state_at(path, state)
        previous = self.current_path()
        self.switch_to(path)
        if previous is not None and previous != path:
            self.forget(previous)

    def new_generation(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        path = self.directory / f"index-{stamp}-{secrets.token_hex(3)}"
        path.mkdir()
        register_tokenizer(tantivy.Index(SCHEMA, path=str(path), reuse=False))
        return path

    def switch_to(self, path: Path) -> None:
        temporary = self.directory / f"CURRENT.{secrets.token_hex(4)}"
        temporary.write_text(path.name)
        os.replace(temporary, self.directory / "CURRENT")

    def forget(self, path: Path) -> None:
        """Remove an old generation; a reader still holding it keeps its open files."""
        with _open_lock:
            _open_indexes.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)


def id_range(low: int, high: int) -> Query:
    return Query.range_query(
        SCHEMA, "article_id", FieldType.Integer, low, high, include_upper=False
    )


# --- Compiling a plan into a tantivy query ---------------------------------------------------


def compiled(node, weights: dict[str, float]) -> Query:
    if isinstance(node, TermMatch):
        options = [weighted(words_query(terms), weights["words"]) for terms in node.alternatives]
        if node.grams and node.loose:
            options += [
                weighted(sequence_query("grams", (gram,)), weights["grams"]) for gram in node.grams
            ]
        elif node.grams:
            options.append(weighted(sequence_query("grams", node.grams), weights["grams"]))
        return either(options)
    if isinstance(node, PhraseMatch):
        return either(
            [weighted(words_query(terms), weights["words"]) for terms in node.alternatives]
        )
    if isinstance(node, Exclude):
        return Query.boolean_query(
            [(Occur.Must, Query.all_query()), (Occur.MustNot, compiled(node.node, weights))]
        )
    if isinstance(node, AnyMatch):
        return either([compiled(child, weights) for child in node.nodes])
    return all_of(node, weights)


def all_of(node: AllMatch, weights: dict[str, float]) -> Query:
    clauses = []
    for child in node.nodes:
        if isinstance(child, Exclude):
            clauses.append((Occur.MustNot, compiled(child.node, weights)))
        else:
            clauses.append((Occur.Must, compiled(child, weights)))
    if not any(occur == Occur.Must for occur, _query in clauses):
        clauses.append((Occur.Must, Query.all_query()))
    return Query.boolean_query(clauses)


def words_query(terms: tuple[str, ...]) -> Query:
    return sequence_query("words", terms)


def sequence_query(field: str, terms: tuple[str, ...]) -> Query:
    if len(terms) == 1:
        return Query.term_query(SCHEMA, field, terms[0])
    return Query.phrase_query(SCHEMA, field, list(terms))


def weighted(query: Query, weight: float) -> Query:
    return query if weight == 1.0 else Query.boost_query(query, weight)


def either(queries: list[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, query) for query in queries])


def filtered(query: Query, request: SearchRequest) -> Query:
    """`query` narrowed by the request's filters, which add nothing to the score."""
    musts, must_nots = [], []
    if request.source_ids is not None:
        musts.append(Query.term_set_query(SCHEMA, "source_id", list(request.source_ids) or [-1]))
    if request.exclude_source_ids:
        must_nots.append(
            Query.term_set_query(SCHEMA, "source_id", list(request.exclude_source_ids))
        )
    if request.languages:
        musts.append(Query.term_set_query(SCHEMA, "lang", list(request.languages)))
    if request.exclude_languages:
        must_nots.append(Query.term_set_query(SCHEMA, "lang", list(request.exclude_languages)))
    for group in request.tags:
        musts.append(Query.term_set_query(SCHEMA, "tags", list(group)))
    if request.exclude_tags:
        must_nots.append(Query.term_set_query(SCHEMA, "tags", list(request.exclude_tags)))
    if request.after or request.before:
        musts.append(
            Query.range_query(
                SCHEMA,
                "published",
                FieldType.Integer,
                int(request.after.timestamp()) if request.after else None,
                int(request.before.timestamp()) if request.before else None,
                include_upper=request.before is None,
            )
        )
    if not musts and not must_nots:
        return query
    clauses = [(Occur.Must, query)]
    clauses += [(Occur.Must, Query.const_score_query(filter_, 0.0)) for filter_ in musts]
    clauses += [(Occur.MustNot, filter_) for filter_ in must_nots]
    return Query.boolean_query(clauses)
