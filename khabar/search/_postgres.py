"""The PostgreSQL search backend: pre-analyzed tsvectors under a GIN index, and a bounded amount
of work per query however many articles match (docs/benchmarks.md, "Search speed").

Each article has one row (khabar.search.models.SearchDocument) whose `terms` tsvector is
written as a literal from the toolkit's `words` terms, with their positions: PostgreSQL
neither stems nor splits anything. Beside the words it holds lexemes without positions that
let the GIN index answer without reading the rows (a term holds neither "~" nor "="):

    ~s<source id>  ~l<language>  ~topic:<label>  ~entity:<key>   filters (the tags: enrich step)
    ~d<level>.<day >> level>        the day of publication, in blocks of 4**k days (~u: undated)
    =<hash of two adjacent terms>  phrases, with the positions

What the index cannot tell, the rows must: ranking reads each candidate's tsvector, and so
would a phrase of three words or more. So a search never ranks more than the newest
COUNT_LIMIT + 1 matches: a query PostgreSQL's statistics expect to match a few thousand
articles at most is searched in one go, and a broader one window of publication time after
another, newest first, each window sized from the statistics (`windows`), until enough are
found. Relevance ranks those candidates with ts_rank; the total is exact up to COUNT_LIMIT.

The analysis' `grams` (a stem found inside a longer word) are not indexed per article: the
vocabulary (SearchTerm) holds every indexed term with its grams, and a query word that is not
among the most common is expanded to the indexed terms containing its stem. Deleting an article
deletes its row in the same transaction (CASCADE); a term stays in the vocabulary until the
next rebuild.
"""

import contextlib
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from django.db import connection, transaction

from khabar.articles.models import Article

from .analysis import AllMatch, AnyMatch, Exclude, PhraseMatch, TermMatch, stem_grams
from .backend import COUNT_LIMIT, IndexDocument, IndexState, SearchRequest
from .models import SearchState
from .rerank import CollectionFrequencies, StoredTerms, stored_terms

TABLE = "search_document"
TERM_TABLE = "search_term"
ARTICLE_TABLE = Article._meta.db_table
MAX_POSITION = 16383  # PostgreSQL's limit; later positions are clamped to it
MAX_POSITIONS_PER_LEXEME = 255
DAY_SECONDS = 24 * 3600
DAY_LEVELS = (14, 12, 10, 8, 6, 4, 2, 0)  # blocks of 4**k days, up to 45 years
# A query the planner expects to match at most DIRECT_FACTOR * COUNT_LIMIT articles is
# searched in one go; otherwise the first window is sized for FIRST_WINDOW_FACTOR *
# COUNT_LIMIT matches, and each next one covers WINDOW_GROWTH times as many articles.
DIRECT_FACTOR = 4
FIRST_WINDOW_FACTOR = 1.5
WINDOW_GROWTH = 4
MAX_WINDOWS = 4  # then one search of the older articles, which should hold few matches
STATS_SECONDS = 300
# A word in this many articles (by the statistics' most common terms) is not expanded
# through the vocabulary: its own articles are plenty, and 64 more terms slow the GIN scan.
COMMON_TERM_ARTICLES = 2000
UNDATED = "~u"
# The reranker's collection frequencies: an index the statistics say holds fewer articles than
# this is counted (fast at that size); a term the statistics call common (COMMON_TERM_ARTICLES)
# is estimated from them, every other term counted through the GIN index.
EXACT_DOCUMENTS_BELOW = 10_000
# A query word with grams is expanded to at most this many indexed terms containing its stem,
# the shortest first (the closest forms of the word).
MAX_EXPANSIONS = 64


def micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000)


def lexeme(term: str) -> str:
    if "'" in term or "\\" in term:
        term = term.replace("\\", "\\\\").replace("'", "''")
    return f"'{term}'"


# --- Writing ---------------------------------------------------------------------------------


def day_number(moment: datetime) -> int:
    return int(moment.timestamp()) // DAY_SECONDS


def markers(document: IndexDocument) -> list[str]:
    """The marker lexemes of a document: its source, language, tags and day of publication."""
    found = [f"~s{document.source_id}", f"~l{document.language}"]
    found += [tag_marker(tag) for tag in document.tags]
    if document.published_at is None:
        return [*found, UNDATED]
    day = day_number(document.published_at)
    return found + [f"~d{level}.{day >> level}" for level in DAY_LEVELS]


def tag_marker(tag: str) -> str:
    """A tag of the enrich step ("topic:<label>", "entity:<key>") as a marker lexeme."""
    return "~" + tag


PAIR_PREFIX = "="  # never in a term nor in another marker
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TWELVE_BITS = [_ALPHABET[value & 63] + _ALPHABET[value >> 6] for value in range(4096)]


def pair_marker(first: str, second: str) -> str:
    """The marker of two terms next to each other: 18 bits of a hash, in three characters.

    Few enough distinct markers to keep the GIN index quick to build, and rare enough in
    articles (each has about 200 of the 262,144) that a phrase's markers, with its words,
    leave few rows to check by position."""
    return pair_markers([first, second])[0]


def pair_markers(words: list[str]) -> list[str]:
    encoded = [word.encode() for word in words]
    hashes = (zlib.crc32(first + b" " + second) for first, second in pairwise(encoded))
    bits, alphabet = _TWELVE_BITS, _ALPHABET
    return list(
        dict.fromkeys(
            PAIR_PREFIX + bits[value & 4095] + alphabet[value >> 12 & 63] for value in hashes
        )
    )


def terms_literal(words: list[str], extra: list[str]) -> str:
    positions: dict[str, list[int]] = {}
    for position, term in enumerate(words, start=1):
        entries = positions.get(term)
        if entries is None:
            positions[term] = [min(position, MAX_POSITION)]
        elif len(entries) < MAX_POSITIONS_PER_LEXEME:
            entries.append(min(position, MAX_POSITION))
    literal = [
        f"{lexeme(term)}:{','.join(map(str, entries))}" for term, entries in positions.items()
    ]
    return " ".join(literal + [lexeme(marker) for marker in extra])


def grams_literal(term: str) -> str:
    positions: dict[str, list[str]] = {}
    for position, gram in enumerate(stem_grams(term), start=1):
        positions.setdefault(gram, []).append(str(min(position, MAX_POSITION)))
    return " ".join(f"{lexeme(gram)}:{','.join(entries)}" for gram, entries in positions.items())


class Writer:
    def __init__(self):
        # Terms this writer already put in the vocabulary: a rebuild sends each term once.
        self.known_terms: set[str] = set()

    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        rows, terms = [], set()
        for document in documents:
            words = document.words
            terms.update(words)
            stored = stored_terms(document.words_text)
            rows.append(
                (
                    document.article_id,
                    document.updated_at,
                    document.source_id,
                    document.language,
                    document.published_at,
                    terms_literal(words, markers(document) + pair_markers(words)),
                    stored.terms,
                    stored.length,
                )
            )
        if not rows:
            return
        columns = [list(column) for column in zip(*rows, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {TABLE} (article_id, updated_at, source_id, lang, published_at, terms,
                                     rerank_terms, term_count)
                SELECT v.id, v.updated_at, v.source_id, v.lang, v.published_at, v.terms::tsvector,
                       v.rerank_terms, v.term_count
                FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], %s::text[],
                            %s::timestamptz[], %s::text[], %s::text[], %s::int[])
                     AS v(id, updated_at, source_id, lang, published_at, terms, rerank_terms,
                          term_count)
                WHERE EXISTS (SELECT 1 FROM {ARTICLE_TABLE} a WHERE a.id = v.id)
                ON CONFLICT (article_id) DO UPDATE SET
                    updated_at = EXCLUDED.updated_at, source_id = EXCLUDED.source_id,
                    lang = EXCLUDED.lang, published_at = EXCLUDED.published_at,
                    terms = EXCLUDED.terms, rerank_terms = EXCLUDED.rerank_terms,
                    term_count = EXCLUDED.term_count
                """,
                columns,
            )
            self.add_terms(cursor, terms - self.known_terms)

    def add_terms(self, cursor, terms: set[str]) -> None:
        if not terms:
            return
        ordered = sorted(terms)  # one order for every writer: concurrent inserts never deadlock
        cursor.execute(
            f"""
            INSERT INTO {TERM_TABLE} (term, grams)
            SELECT v.term, v.grams::tsvector FROM unnest(%s::text[], %s::text[]) AS v(term, grams)
            ON CONFLICT (term) DO NOTHING
            """,
            [ordered, [grams_literal(term) for term in ordered]],
        )
        self.known_terms |= terms

    def remove(self, article_ids: Iterable[int]) -> None:
        ids = list(article_ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])


# --- Searching -------------------------------------------------------------------------------


class PostgresBackend:
    name = "postgres"

    def ready(self) -> bool:
        return True

    def search(self, request: SearchRequest) -> tuple[list[tuple[int, float]], int]:
        """The requested page and the number of matches, counted up to COUNT_LIMIT + 1.

        Relevance ranks the newest COUNT_LIMIT + 1 matches (all of them when fewer match)."""
        outermost = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            span = published_span(cursor)
            if span is None:
                return [], 0
            stats = index_stats(cursor)
            compiler = Compiler(cursor, stats)
            match = compiler.match(request.plan.root)
            query = " & ".join(part for part in (filter_query(request), match) if part)
            conditions, params = date_conditions(request)
            estimate = min(compiler.most(request.plan.root), filters_most(request, stats))
            found = []
            plan = Windows(span, stats=stats, estimate=estimate, request=request)
            while len(found) <= COUNT_LIMIT and (window := plan.next(len(found))):
                window_query = " & ".join(part for part in (window.query, query) if part)
                window_conditions, window_params = conditions, params
                if window.before:
                    window_conditions = [*conditions, "published_at < %s"]
                    window_params = [*params, window.before]
                found += candidates(
                    cursor, request, window, window_query, window_conditions, window_params, found
                )
            if not outermost:  # else the end of the transaction puts them back
                cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
        if request.sort == "relevance":
            found.sort(key=lambda pair: (-pair[1], -pair[0]))
        end = min(request.offset + request.limit, COUNT_LIMIT)
        return found[request.offset : end], len(found)

    def stored_terms(self, article_ids: list[int]) -> dict[int, StoredTerms]:
        """What the reranker reads of each of `article_ids` that is indexed."""
        if not article_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT article_id, rerank_terms, term_count FROM {TABLE} "
                "WHERE article_id = ANY(%s)",
                [list(article_ids)],
            )
            return {row[0]: StoredTerms(row[1], row[2]) for row in cursor.fetchall()}

    def collection_frequencies(self, terms: list[str]) -> CollectionFrequencies:
        """How many articles the index holds, and how many hold each of the word `terms`:
        exact, but for an index of EXACT_DOCUMENTS_BELOW articles or more (its size) and
        terms in COMMON_TERM_ARTICLES or more (their number) the planner's statistics."""
        outermost = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            stats = index_stats(cursor)
            documents = stats.documents
            if documents < EXACT_DOCUMENTS_BELOW:
                cursor.execute(f"SELECT count(*) FROM {TABLE}")
                documents = cursor.fetchone()[0]
            counts = {
                term: round(stats.term_shares[term] * documents)
                for term in terms
                if stats.common(term)
            }
            rest = [term for term in terms if term not in counts]
            if rest:
                # One count per term, each planned with its own lexeme, in one round trip;
                # through the GIN index (the planner prices `@@` as cheap: see published_span).
                cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
                one = f"SELECT %s::int, count(*) FROM {TABLE} WHERE terms @@ %s::tsquery"
                cursor.execute(
                    " UNION ALL ".join([one] * len(rest)),
                    [value for number, term in enumerate(rest) for value in (number, lexeme(term))],
                )
                counts |= {rest[number]: int(count) for number, count in cursor.fetchall()}
                if not outermost:  # else the end of the transaction puts it back
                    cursor.execute("RESET enable_seqscan")
        return CollectionFrequencies(int(documents), counts)

    def state(self) -> IndexState | None:
        row = SearchState.objects.filter(backend=self.name).first()
        if row is None:
            return None
        return IndexState(fingerprint=row.fingerprint, watermark=row.watermark)

    def save_state(self, state: IndexState) -> None:
        SearchState.objects.update_or_create(
            backend=self.name,
            defaults={"fingerprint": state.fingerprint, "watermark": state.watermark},
        )

    def versions(self, article_ids: list[int]) -> dict[int, int]:
        if not article_ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT article_id, updated_at FROM {TABLE} WHERE article_id = ANY(%s)",
                [list(article_ids)],
            )
            return {article_id: micros(updated) for article_id, updated in cursor.fetchall()}

    def id_stats(self, low: int, high: int) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), coalesce(sum(article_id), 0) FROM {TABLE} "
                "WHERE article_id >= %s AND article_id < %s",
                [low, high],
            )
            count, total = cursor.fetchone()
        return int(count), int(total)

    def highest_id(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(article_id), 0) FROM {TABLE}")
            return int(cursor.fetchone()[0])

    def ids_between(self, low: int, high: int) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT article_id FROM {TABLE} WHERE article_id >= %s AND article_id < %s",
                [low, high],
            )
            return {row[0] for row in cursor.fetchall()}

    @contextlib.contextmanager
    def writer(self) -> Iterator[Writer]:
        with transaction.atomic():
            yield Writer()

    @contextlib.contextmanager
    def rebuilding(self, state: IndexState) -> Iterator[Writer]:
        """Empty the index and the vocabulary and refill them in one transaction: readers see
        the old index until the new one is complete. The statistics searches are planned with
        are gathered before the end."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE}")
                cursor.execute(f"DELETE FROM {TERM_TABLE}")
            yield Writer()
            self.save_state(state)
            with connection.cursor() as cursor:  # statistics for planning searches at once
                cursor.execute(f"ANALYZE {TABLE}, {TERM_TABLE}")


@dataclass(frozen=True)
class IndexStats:
    """What PostgreSQL's statistics (ANALYZE, run by autovacuum) say about the index: enough
    to size a search's windows and to leave the most common words unexpanded."""

    documents: float = 0.0
    term_shares: dict[str, float] = field(default_factory=dict)  # the most common terms
    quantiles: tuple[int, ...] = ()  # days that split the dated articles evenly, oldest first

    def common(self, term: str) -> bool:
        return self.term_shares.get(term, 0.0) * self.documents >= COMMON_TERM_ARTICLES

    def most(self, term: str) -> float:
        """At most how many articles hold `term`: a term outside the most common ones is in
        fewer than the least common of them."""
        share = self.term_shares.get(term)
        if share is None:
            share = min(self.term_shares.values(), default=0.0)
        return share * self.documents

    def day_holding(self, share: float) -> int:
        """The day from which on the newest `share` of the dated articles were published
        (between two quantiles, in proportion)."""
        place = max(0.0, min(1.0, 1 - share)) * (len(self.quantiles) - 1)
        below = int(place)
        if below == len(self.quantiles) - 1:
            return self.quantiles[below]
        low, high = self.quantiles[below], self.quantiles[below + 1]
        return low + int((high - low) * (place - below))


_stats: dict[str, tuple[float, IndexStats]] = {}


def index_stats(cursor) -> IndexStats:
    """The index's statistics, read again every STATS_SECONDS."""
    cached = _stats.get(connection.alias)
    if cached and time.monotonic() - cached[0] < STATS_SECONDS:
        return cached[1]
    cursor.execute(
        f"""
        SELECT c.reltuples,
               (SELECT ARRAY[most_common_elems::text, most_common_elem_freqs::text]
                FROM pg_stats WHERE schemaname = n.nspname AND tablename = c.relname
                AND attname = 'terms'),
               (SELECT histogram_bounds::text::timestamptz[]
                FROM pg_stats WHERE schemaname = n.nspname AND tablename = c.relname
                AND attname = 'published_at')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = '{TABLE}'::regclass
        """
    )
    documents, common, bounds = cursor.fetchone()
    shares = {}
    if common and common[0]:
        cursor.execute("SELECT %s::text[], %s::real[]", common)
        terms, frequencies = cursor.fetchone()
        # The frequencies end with three more: their minimum, maximum and the nulls' share.
        shares = dict(zip(terms, frequencies, strict=False))
    stats = IndexStats(
        documents=max(0.0, float(documents)),
        term_shares=shares,
        quantiles=tuple(day_number(moment) for moment in bounds or ()),
    )
    _stats[connection.alias] = (time.monotonic(), stats)
    return stats


def published_span(cursor) -> tuple[int | None, int | None] | None:
    """The days of the newest and the oldest dated article (None, None when none is
    dated), or None when nothing is indexed.

    It also keeps the planner on bitmap scans for the rest of the transaction (the date index
    answers this query first): the planner prices `@@` as cheap, so with a LIMIT it may prefer
    walking the table or the date index and testing each row, which reads every row's
    tsvector, hundreds of ms at 50,000 articles."""
    cursor.execute(
        f"""
        SELECT newest.published_at, (SELECT min(published_at) FROM {TABLE}),
               set_config('enable_seqscan', 'off', true),
               set_config('enable_indexscan', 'off', true)
        FROM (SELECT published_at FROM {TABLE}
              ORDER BY published_at DESC NULLS LAST, article_id DESC LIMIT 1) AS newest
        """
    )
    row = cursor.fetchone()
    if row is None:
        return None
    newest, oldest, _seqscan, _indexscan = row
    if newest is None:
        return None, None
    return day_number(newest), day_number(oldest)


def candidates(
    cursor, request: SearchRequest, window: "Window", query: str, conditions, params, found
) -> list:
    """Matches of one window, as many as still wanted: (id, 0) newest first when sorting by
    date, else (id, score). Searching everything at once, relevance ranks the newest matches;
    in a window, any of them (the window is the newest part still needed)."""
    where = " AND ".join((["terms @@ %s::tsquery"] if query else []) + conditions) or "TRUE"
    newest = "ORDER BY published_at DESC NULLS LAST, article_id DESC"
    params = [*([query] if query else []), *params, COUNT_LIMIT + 1 - len(found)]
    rank = rank_query(request.plan.root)
    if request.sort == "relevance" and rank:
        order = newest if window.everything else ""
        cursor.execute(
            f"SELECT article_id, ts_rank(terms, %s::tsquery, 1) FROM "
            f"(SELECT article_id, terms FROM {TABLE} WHERE {where} {order} LIMIT %s) AS found",
            [rank, *params],
        )
    else:
        cursor.execute(
            f"SELECT article_id, 0.0 FROM {TABLE} WHERE {where} {newest} LIMIT %s", params
        )
    return [(article_id, float(score)) for article_id, score in cursor.fetchall()]


@dataclass(frozen=True)
class Window:
    """Part of a search: the articles `query` (marker lexemes; "" for any) selects through the
    index, published before `before` when set. `everything`: the whole search at once."""

    query: str
    before: datetime | None = None
    everything: bool = False


class Windows:
    """The windows of publication time to search, newest first, each chosen once the matches
    of the ones before are known.

    A query expected to match a few thousand articles at most is searched in one go.
    Otherwise the first window holds the newest days in which about FIRST_WINDOW_FACTOR *
    COUNT_LIMIT matches are expected (from the estimate and the dates' histogram), each next
    one WINDOW_GROWTH times as many articles. A window is the smallest block of 4**k days that
    holds the newest day left and reaches furthest back without a day older than wanted: one
    marker, as a group of markers slows the GIN scan many times over; the newer days of its
    block, searched already, are left out by date. After MAX_WINDOWS, or as soon as the matches fall far short of the
    estimate (an upper bound), one search takes the rest: every article outside the blocks.
    """

    def __init__(self, span, *, stats: "IndexStats", estimate: float, request: SearchRequest):
        self.stats, self.estimate = stats, estimate
        newest, oldest = span
        self.undated = request.after is None and request.before is None
        self.blocks: list[str] = []
        self.done = False
        if newest is None:  # nothing is dated
            self.high, self.low = 0, 1
        else:
            self.high = (
                newest if request.before is None else min(newest, day_number(request.before))
            )
            self.low = oldest if request.after is None else max(oldest, day_number(request.after))
        self.everything = newest is not None and (
            estimate <= DIRECT_FACTOR * COUNT_LIMIT or not stats.quantiles
        )
        self.share = FIRST_WINDOW_FACTOR * COUNT_LIMIT / max(estimate, 1.0)

    def next(self, found: int) -> Window | None:
        if self.done:
            return None
        if self.everything:
            self.done = True
            return Window("", everything=True)
        if self.high < self.low:
            self.done = True
            return Window(lexeme(UNDATED)) if self.undated else None
        expected = self.estimate * self.share / WINDOW_GROWTH
        projected = self.estimate * found / expected if expected else 0.0
        few_left = self.blocks and projected <= DIRECT_FACTOR * COUNT_LIMIT
        if len(self.blocks) == MAX_WINDOWS or few_left:
            self.done = True  # the rest, the undated included (dates bound them out if asked)
            return Window(" & ".join(f"!{lexeme(block)}" for block in self.blocks))
        return self.block_window()

    def block_window(self) -> Window:
        high = self.high
        wanted = max(self.low, min(high, self.stats.day_holding(self.share)))
        starts = {level: high >> level << level for level in DAY_LEVELS}
        start = min(start for start in starts.values() if start >= wanted)  # level 0: high
        level = min(level for level, first in starts.items() if first == start)
        block = high >> level
        top = (block + 1 << level) - 1
        self.blocks.append(f"~d{level}.{block}")
        self.high, self.share = (block << level) - 1, self.share * WINDOW_GROWTH
        return Window(lexeme(self.blocks[-1]), None if top == high else day_start(high + 1))


def day_start(day: int) -> datetime:
    return datetime.fromtimestamp(day * DAY_SECONDS, tz=UTC)


def filter_query(request: SearchRequest) -> str:
    """Source, language and tag filters as marker lexemes, for the GIN index to apply."""
    parts = []
    if request.source_ids is not None:
        parts.append(either([lexeme(f"~s{pk}") for pk in request.source_ids] or ["'~none'"]))
    parts += [f"!{lexeme(f'~s{pk}')}" for pk in request.exclude_source_ids]
    if request.languages:
        parts.append(either([lexeme(f"~l{code}") for code in request.languages]))
    parts += [f"!{lexeme(f'~l{code}')}" for code in request.exclude_languages]
    for group in request.tags:
        parts.append(either([lexeme(tag_marker(tag)) for tag in group] or ["'~none'"]))
    parts += [f"!{lexeme(tag_marker(tag))}" for tag in request.exclude_tags]
    return " & ".join(parts)


def date_conditions(request: SearchRequest) -> tuple[list[str], list]:
    """The exact date bounds; the windows only narrow the search to whole days."""
    conditions, params = [], []
    if request.after:
        conditions.append("published_at >= %s")
        params.append(request.after)
    if request.before:
        conditions.append("published_at < %s")
        params.append(request.before)
    return conditions, params


# --- Compiling a plan into a tsquery ---------------------------------------------------------


class Compiler:
    """A plan's tsquery, its words' grams expanded to indexed terms through the vocabulary
    (one query for all the words)."""

    def __init__(self, cursor, stats: IndexStats | None = None):
        self.cursor, self.stats = cursor, stats or IndexStats()
        self.expansions: dict[tuple[str, ...], list[str]] = {}

    def match(self, root) -> str:
        """The tsquery text of `root`; "" when nothing must be found (filters only)."""
        self.expand([node for node in walk(root) if self.expandable(node)])
        return self.compiled(root)

    def compiled(self, node) -> str:
        if isinstance(node, TermMatch):
            expanded = [lexeme(term) for term in self.expansions.get(node.grams, [])]
            return either([adjacent(terms) for terms in node.alternatives] + expanded)
        if isinstance(node, PhraseMatch):
            return either([adjacent(terms) for terms in node.alternatives])
        if isinstance(node, Exclude):
            return f"!{self.compiled(node.node)}"
        parts = [self.compiled(child) for child in node.nodes]
        if isinstance(node, AnyMatch):
            return either(parts)
        return "(" + " & ".join(parts) + ")" if parts else ""

    def expandable(self, node) -> bool:
        """A word with grams, unless it is among the most common: those find enough articles
        by themselves, and their expansions would slow the GIN scan most."""
        return (
            isinstance(node, TermMatch)
            and bool(node.grams)
            and not any(self.stats.common(terms[0]) for terms in node.alternatives)
        )

    def expand(self, nodes: list[TermMatch]) -> None:
        """For each word, the indexed terms other than its own in which its grams follow each
        other as in the word: the terms that contain its stem, shortest first, but for the
        most common ones (تقرير for تقر: they would flood the newest matches and slow the scan)."""
        wanted = {node.grams: {terms[0] for terms in node.alternatives} for node in nodes}
        if not wanted:
            return
        grams = list(wanted)
        self.cursor.execute(
            f"""
            SELECT w.number, t.term
            FROM unnest(%s::text[]) WITH ORDINALITY AS w(grams, number),
                 LATERAL (SELECT term FROM {TERM_TABLE} WHERE grams @@ w.grams::tsquery
                          ORDER BY length(term), term LIMIT %s) AS t
            """,
            [[sequence(gram) for gram in grams], MAX_EXPANSIONS + 1],
        )
        for number, term in self.cursor.fetchall():
            key = grams[number - 1]
            if term not in wanted[key] and not self.stats.common(term):
                self.expansions.setdefault(key, []).append(term)
        for key in self.expansions:
            del self.expansions[key][MAX_EXPANSIONS:]

    def most(self, node) -> float:
        """At most how many articles match `node`, from the statistics: the planner's own
        estimate multiplies the shares of words that must all be found, far too low for the
        words of one headline."""
        stats = self.stats
        if isinstance(node, TermMatch):
            found = sum(min(map(stats.most, terms)) for terms in node.alternatives)
            return found + sum(map(stats.most, self.expansions.get(node.grams, [])))
        if isinstance(node, PhraseMatch):
            return sum(min(map(stats.most, terms)) for terms in node.alternatives)
        if isinstance(node, Exclude) or not node.nodes:
            return stats.documents
        if isinstance(node, AnyMatch):
            return sum(self.most(child) for child in node.nodes)
        return min(self.most(child) for child in node.nodes)


def filters_most(request: SearchRequest, stats: IndexStats) -> float:
    """At most how many articles the source, language and tag filters let through."""
    most = stats.documents
    if request.source_ids is not None:
        most = min(most, sum(stats.most(f"~s{pk}") for pk in request.source_ids))
    if request.languages:
        most = min(most, sum(stats.most(f"~l{code}") for code in request.languages))
    for group in request.tags:
        most = min(most, sum(stats.most(tag_marker(tag)) for tag in group))
    return most


def walk(node) -> Iterator:
    yield node
    if isinstance(node, Exclude):
        yield from walk(node.node)
    elif isinstance(node, (AllMatch, AnyMatch)):
        for child in node.nodes:
            yield from walk(child)


def rank_query(node) -> str:
    """The tsquery ts_rank scores with: the query's own words, without exclusions."""
    if isinstance(node, (TermMatch, PhraseMatch)):
        return either([sequence(terms) for terms in node.alternatives])
    if isinstance(node, Exclude):
        return ""
    parts = [part for part in (rank_query(child) for child in node.nodes) if part]
    if not parts:
        return ""
    joiner = " | " if isinstance(node, AnyMatch) else " & "
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def adjacent(terms: tuple[str, ...]) -> str:
    """Articles with `terms` next to each other, in order: the index finds those with the
    terms and their pairs' markers, and the rows' positions confirm the phrase."""
    if len(terms) == 1:
        return lexeme(terms[0])
    pairs = sorted({pair_marker(first, second) for first, second in pairwise(terms)})
    words = [lexeme(term) for term in dict.fromkeys(terms)]
    return "(" + " & ".join([lexeme(pair) for pair in pairs] + words + [sequence(terms)]) + ")"


def sequence(terms: tuple[str, ...]) -> str:
    if len(terms) == 1:
        return lexeme(terms[0])
    return "(" + " <-> ".join(lexeme(term) for term in terms) + ")"


def either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"
