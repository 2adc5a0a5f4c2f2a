"""The systems bench/search_quality.py compares, and the engines that score them.

Every system turns a text into terms for one or more fields; the same BM25 engine (tantivy,
k1 = 1.2, b = 0.75, an in-memory index with a whitespace tokenizer over the pre-analyzed terms)
scores them all, so only the analysis differs. PostgreSQL's 'arabic' configuration is the one
exception: it is ranked by PostgreSQL itself (ts_rank_cd, which is not BM25).
"""

import os
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import Stemmer
import tantivy

from khabar.arabic.analyze import Analyzer
from khabar.arabic.normalize import normalize
from khabar.arabic.tokenize import _WORD

Fields = dict[str, list[str]]


@dataclass
class System:
    """A name, how a text becomes field terms, and the weight of each field in a query."""

    name: str
    fields: Callable[[str], Fields]
    weights: dict[str, float]
    engine: str = "tantivy"  # or "postgres"
    note: str = ""


def surface_words(text: str) -> list[str]:
    """Word tokens as written (khabar's word pattern, so every system splits words alike)."""
    return _WORD.findall(text or "")


# --- raw tokens -------------------------------------------------------------------------------


def raw_fields(text: str) -> Fields:
    return {"words": surface_words(text)}


# --- Snowball Arabic (PyStemmer) --------------------------------------------------------------

_snowball_ar = Stemmer.Stemmer("arabic")


@lru_cache(maxsize=300_000)
def _snowball_word(word: str) -> str:
    return _snowball_ar.stemWord(word.lower())


def snowball_fields(text: str) -> Fields:
    return {"words": [t for t in map(_snowball_word, surface_words(text)) if t]}


# --- Lucene's ArabicAnalyzer, reimplemented ---------------------------------------------------
# LowerCaseFilter → DecimalDigitFilter → StopFilter (unnormalized list) → ArabicNormalizationFilter
# → ArabicStemFilter, after org.apache.lucene.analysis.ar (ArabicNormalizer, ArabicStemmer).
# Lucene's own stopwords.txt is not available here: khabar's curated Stopwords ISO list stands in
# for it, matched after Lucene's normalization (Lucene matches its unnormalized list before it).

_LUCENE_DELETE = dict.fromkeys(map(ord, "\u0640\u064d\u064c\u064b\u064e\u064f\u0650\u0651\u0652"))
_LUCENE_MAP = {ord("آ"): "ا", ord("أ"): "ا", ord("إ"): "ا", ord("ى"): "ي", ord("ة"): "ه"}
_LUCENE_TABLE = {**_LUCENE_DELETE, **_LUCENE_MAP}
_LUCENE_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_LUCENE_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def lucene_stem(word: str) -> str:
    for prefix in _LUCENE_PREFIXES:
        if len(prefix) == 1 and len(word) < 4:
            continue
        if len(word) >= len(prefix) + 2 and word.startswith(prefix):
            word = word[len(prefix) :]
            break
    for suffix in _LUCENE_SUFFIXES:
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def _decimal_digits(word: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in word)


def lucene_fields_factory(stopwords: Iterable[str]) -> Callable[[str], Fields]:
    stops = frozenset(word.translate(_LUCENE_TABLE) for word in stopwords)

    @lru_cache(maxsize=300_000)
    def one(word: str) -> str:
        word = _decimal_digits(word.lower()).translate(_LUCENE_TABLE)
        if word in stops:
            return ""
        return lucene_stem(word)

    def fields(text: str) -> Fields:
        return {"words": [t for t in map(one, surface_words(text)) if t]}

    return fields


# --- tantivy's own Arabic analyzer ------------------------------------------------------------

_tantivy_ar = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("arabic"))
    .build()
)


def tantivy_fields(text: str) -> Fields:
    """The terms tantivy's analyzer makes; indexing them is the same as indexing with it."""
    return {"words": _tantivy_ar.analyze(text or "")}


# --- character n-grams over normalized text ---------------------------------------------------


@lru_cache(maxsize=300_000)
def _word_grams(word: str, n: int) -> tuple[str, ...]:
    norm = normalize(word)
    if len(norm) <= n:
        return (norm,) if norm.strip() else ()
    return tuple(norm[i : i + n] for i in range(len(norm) - n + 1))


def ngram_fields_factory(n: int, *, across_words: bool = False) -> Callable[[str], Fields]:
    """n-grams inside each normalized word (short words whole), or over the normalized word
    sequence joined by '_' (grams then span word boundaries, as FTS5's trigram tokenizer does)."""

    def inside(text: str) -> Fields:
        out: list[str] = []
        for word in surface_words(text):
            out.extend(_word_grams(word, n))
        return {"grams": out}

    def across(text: str) -> Fields:
        joined = "_" + "_".join(normalize(w) for w in surface_words(text)) + "_"
        joined = joined.replace(" ", "")
        return {"grams": [joined[i : i + n] for i in range(max(len(joined) - n + 1, 0))]}

    return across if across_words else inside


# --- khabar -----------------------------------------------------------------------------------


def khabar_fields_factory(analyzer: Analyzer, names: Iterable[str]) -> Callable[[str], Fields]:
    names = tuple(names)

    def fields(text: str) -> Fields:
        out: Fields = {}
        if "words" in names:
            out["words"] = analyzer.terms(text)
        if "grams" in names:
            out["grams"] = analyzer.gram_terms(text)
        if "norms" in names:
            out["norms"] = [word.norm for _, word, _ in analyzer.words(text) if not word.stop]
        if "pairs" in names or "xgrams" in names:
            stems = [word.stem for _, word, _ in analyzer.words(text) if not word.stop]
            out["pairs"] = [f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]
            joined = "_" + "_".join(stems) + "_"
            n = analyzer.gram_n
            out["xgrams"] = [joined[i : i + n] for i in range(max(len(joined) - n + 1, 0))]
        return out

    return fields


# --- the BM25 engine --------------------------------------------------------------------------


@dataclass
class TantivyIndex:
    """An in-memory tantivy index of pre-analyzed fields (terms joined by spaces)."""

    field_names: tuple[str, ...]
    index: tantivy.Index = field(init=False)
    searcher: tantivy.Searcher = field(init=False)
    schema: tantivy.Schema = field(init=False)

    def __post_init__(self):
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=False)
        for name in self.field_names:
            builder.add_text_field(name, stored=False, tokenizer_name="ws", index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        self.index.register_tokenizer(
            "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )

    def build(self, docs: Iterable[tuple[int, Fields]]) -> None:
        writer = self.index.writer(heap_size=300_000_000, num_threads=1)
        for doc_id, fields in docs:
            doc = tantivy.Document(id=doc_id)
            for name in self.field_names:
                doc.add_text(name, " ".join(fields.get(name, ())))
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, fields: Fields, weights: dict[str, float], *, k: int = 10) -> list[int]:
        clauses = []
        for name, weight in weights.items():
            if weight <= 0:
                continue
            for term, count in Counter(fields.get(name, ())).items():
                query = tantivy.Query.term_query(self.schema, name, term)
                clauses.append(
                    (tantivy.Occur.Should, tantivy.Query.boost_query(query, weight * count))
                )
        if not clauses:
            return []
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), k).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


# --- PostgreSQL 'arabic' (ts_rank_cd, not BM25) ------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL cluster (as scripts/with-postgres.sh makes one), or DATABASE_URL."""

    def __init__(self):
        self.root: Path | None = None
        self.conn = None

    def start(self) -> str:
        import psycopg

        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            self.conn = psycopg.connect(url, autocommit=True)
            return "DATABASE_URL"
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (scripts/with-postgres.sh installs it)")
        pgbin = bins[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="khabar-pg-"))
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        port = os.environ.get("KHABAR_PG_PORT", "54377")
        self._pg_ctl = [*as_postgres, str(pgbin / "pg_ctl"), "-D", str(self.root / "data")]
        run = lambda cmd: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
        run([*as_postgres, str(pgbin / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        run([*self._pg_ctl, "-l", str(self.root / "log"), "-w", "-t", "30", "-o",
             f"-p {port} -k {self.root} -c listen_addresses='' -c fsync=off "
             "-c synchronous_commit=off -c full_page_writes=off", "start"])  # fmt: skip
        self.conn = psycopg.connect(
            host=str(self.root), port=port, user="postgres", dbname="postgres", autocommit=True
        )
        version = self.conn.execute("SHOW server_version").fetchone()[0]
        return f"throwaway cluster, PostgreSQL {version}"

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.root is not None:
            subprocess.run([*self._pg_ctl, "-m", "immediate", "stop"], capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)

    def build(self, table: str, docs: Iterable[tuple[int, str]]) -> None:
        c = self.conn
        c.execute(f"DROP TABLE IF EXISTS {table}")
        c.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, body text, tsv tsvector)")
        with c.cursor().copy(f"COPY {table} (id, body) FROM STDIN") as copy:
            for doc_id, body in docs:
                copy.write_row((doc_id, body))
        c.execute(f"UPDATE {table} SET tsv = to_tsvector('arabic', body)")
        c.execute(f"CREATE INDEX ON {table} USING gin (tsv)")
        c.execute(f"ANALYZE {table}")

    def search_many(self, table: str, queries: list[str], *, k: int = 10) -> list[list[int]]:
        """Each query's words OR-ed (its 'arabic' lexemes), ranked by ts_rank_cd."""
        c = self.conn
        c.execute("DROP TABLE IF EXISTS bench_queries")
        c.execute("CREATE TABLE bench_queries (qid int, query text, tsq tsquery)")
        with c.cursor().copy("COPY bench_queries (qid, query) FROM STDIN") as copy:
            for qid, query in enumerate(queries):
                copy.write_row((qid, query))
        c.execute(
            "UPDATE bench_queries SET tsq = coalesce((SELECT string_agg(quote_literal(l), ' | ') "
            "FROM unnest(tsvector_to_array(to_tsvector('arabic', query))) AS l), '')::tsquery"
        )
        rows = c.execute(
            f"""SELECT q.qid, d.id FROM bench_queries q CROSS JOIN LATERAL (
                  SELECT id, ts_rank_cd(tsv, q.tsq) AS rank FROM {table}
                  WHERE tsv @@ q.tsq ORDER BY rank DESC, id LIMIT {k}) d
                ORDER BY q.qid, d.rank DESC, d.id"""
        ).fetchall()
        results: list[list[int]] = [[] for _ in queries]
        for qid, doc_id in rows:
            results[qid].append(doc_id)
        return results
