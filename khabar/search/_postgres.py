"""The PostgreSQL search backend: pre-analyzed tsvectors in their own table, under a GIN index.

The vector is written as a tsvector literal from the toolkit's terms, never through a text
search configuration, so PostgreSQL neither stems nor splits anything: `words` terms carry
weight A and `grams` weight B, each with its own positions, and queries restrict every lexeme
to its weight (`'term':A`, `'gram':B <-> 'gram':B`). The table is khabar.search.models'
SearchDocument: deleting an article deletes its row in the same transaction. Source, language
and date are copied in, as in tantivy, so filters need no join.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from khabar.articles.models import Article

from .analysis import AllMatch, AnyMatch, Exclude, PhraseMatch, TermMatch, field_weights
from .backend import IndexDocument, IndexState, SearchRequest
from .models import SearchState
from .rerank import StoredTerms, stored_terms

TABLE = "search_document"
ARTICLE_TABLE = Article._meta.db_table
MAX_POSITION = 16383  # PostgreSQL's limit; later positions are clamped to it
MAX_POSITIONS_PER_LEXEME = 255
WORDS_WEIGHT, GRAMS_WEIGHT = "A", "B"


def micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000)


def lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(words: list[str], grams: list[str], tags: tuple[str, ...] = ()) -> str:
    positions: dict[str, list[str]] = defaultdict(list)
    for weight, terms in ((WORDS_WEIGHT, words), (GRAMS_WEIGHT, grams)):
        for position, term in enumerate(terms, start=1):
            entries = positions[term]
            if len(entries) < MAX_POSITIONS_PER_LEXEME:
                entries.append(f"{min(position, MAX_POSITION)}{weight}")
    literal = [f"{lexeme(term)}:{','.join(entries)}" for term, entries in positions.items()]
    return " ".join(literal + [lexeme(tag_lexeme(tag)) for tag in tags])


def tag_lexeme(tag: str) -> str:
    """The enrich step's tags are lexemes without positions, apart from the words: "~" + tag."""
    return "~" + tag


class Writer:
    def upsert(self, documents: Iterable[IndexDocument]) -> None:
        rows = []
        for document in documents:
            stored = stored_terms(document.words_text)
            rows.append(
                (
                    document.article_id,
                    document.updated_at,
                    document.source_id,
                    document.language,
                    document.published_at,
                    tsvector_literal(document.words, document.grams, document.tags),
                    stored.terms,
                    stored.length,
                )
            )
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {TABLE} (article_id, updated_at, source_id, lang, published_at, vector,
                                     rerank_terms, term_count)
                SELECT v.id, v.updated_at, v.source_id, v.lang, v.published_at, v.vector::tsvector,
                       v.rerank_terms, v.term_count
                FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], %s::text[],
                            %s::timestamptz[], %s::text[], %s::text[], %s::int[])
                     AS v(id, updated_at, source_id, lang, published_at, vector, rerank_terms,
                          term_count)
                WHERE EXISTS (SELECT 1 FROM {ARTICLE_TABLE} a WHERE a.id = v.id)
                ON CONFLICT (article_id) DO UPDATE SET
                    updated_at = EXCLUDED.updated_at, source_id = EXCLUDED.source_id,
                    lang = EXCLUDED.lang, published_at = EXCLUDED.published_at,
                    vector = EXCLUDED.vector, rerank_terms = EXCLUDED.rerank_terms,
                    term_count = EXCLUDED.term_count
                """,
                [list(column) for column in columns],
            )

    def remove(self, article_ids: Iterable[int]) -> None:
        ids = list(article_ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [ids])


class PostgresBackend:
    name = "postgres"

    def ready(self) -> bool:
        return True

    def search(self, request: SearchRequest) -> tuple[list[tuple[int, float]], int]:
        conditions, params = filter_conditions(request)
        query = tsquery(request.plan.root)
        weights = field_weights()
        rank_weights = [0.0, 0.0, weights["grams"], weights["words"]]  # {D, C, B, A}
        if query:
            conditions.insert(0, "d.vector @@ %s::tsquery")
            params.insert(0, query)
            score = "ts_rank(%s::float4[], d.vector, %s::tsquery, 1)"
            score_params = [rank_weights, query]
        else:
            score, score_params = "0.0", []
        if request.sort == "date":
            order = "d.published_at DESC NULLS LAST, d.article_id DESC"
        else:
            order = "score DESC, d.article_id DESC"
        where = " AND ".join(conditions) or "TRUE"
        sql = f"""
            SELECT d.article_id, {score} AS score, count(*) OVER () AS total
            FROM {TABLE} d WHERE {where}
            ORDER BY {order} LIMIT %s OFFSET %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*score_params, *params, request.limit, request.offset])
            rows = cursor.fetchall()
        if not rows and request.offset:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {TABLE} d WHERE {where}", params)
                return [], cursor.fetchone()[0]
        total = rows[0][2] if rows else 0
        return [(article_id, float(score)) for article_id, score, _total in rows], total

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
        """Empty the table and refill it in one transaction: readers see the old index until
        the new one is complete."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {TABLE}")
            yield Writer()
            self.save_state(state)


def filter_conditions(request: SearchRequest) -> tuple[list[str], list]:
    conditions, params = [], []
    if request.source_ids is not None:
        conditions.append("d.source_id = ANY(%s)")
        params.append(list(request.source_ids))
    if request.exclude_source_ids:
        conditions.append("NOT (d.source_id = ANY(%s))")
        params.append(list(request.exclude_source_ids))
    if request.languages:
        conditions.append("d.lang = ANY(%s)")
        params.append(list(request.languages))
    if request.exclude_languages:
        conditions.append("NOT (d.lang = ANY(%s))")
        params.append(list(request.exclude_languages))
    tags = [either([lexeme(tag_lexeme(tag)) for tag in group]) for group in request.tags]
    tags += [f"!{lexeme(tag_lexeme(tag))}" for tag in request.exclude_tags]
    if tags:
        conditions.append("d.vector @@ %s::tsquery")
        params.append(" & ".join(tags))
    if request.after:
        conditions.append("d.published_at >= %s")
        params.append(request.after)
    if request.before:
        conditions.append("d.published_at < %s")
        params.append(request.before)
    return conditions, params


# --- Compiling a plan into a tsquery ---------------------------------------------------------


def tsquery(root: AllMatch) -> str:
    """The tsquery text for `root`; "" when nothing must be found (filters only)."""
    if not root.nodes:
        return ""
    return compiled(root)


def compiled(node) -> str:
    if isinstance(node, TermMatch):
        options = [sequence(terms, WORDS_WEIGHT) for terms in node.alternatives]
        if node.grams and node.loose:
            options += [sequence((gram,), GRAMS_WEIGHT) for gram in node.grams]
        elif node.grams:
            options.append(sequence(node.grams, GRAMS_WEIGHT))
        return either(options)
    if isinstance(node, PhraseMatch):
        return either([sequence(terms, WORDS_WEIGHT) for terms in node.alternatives])
    if isinstance(node, Exclude):
        return f"!({compiled(node.node)})"
    if isinstance(node, AnyMatch):
        return either([compiled(child) for child in node.nodes])
    return "(" + " & ".join(compiled(child) for child in node.nodes) + ")"


def sequence(terms: tuple[str, ...], weight: str) -> str:
    return "(" + " <-> ".join(f"{lexeme(term)}:{weight}" for term in terms) + ")"


def either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"
