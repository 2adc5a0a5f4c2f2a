"""Documents and queries for bench/search_speed.py, built at bench time from the ANT corpus.

The corpus has about 30,000 distinct articles; a speed test needs a million documents that are
not copies of each other. `generate_documents` keeps the real articles as the first replica and
makes every later one a perturbed mix: sentences dropped, repeated and reordered, one to three
sentences of another article mixed in, some sentences in a spelling variant a reader or an
outlet might use (hamza forms folded to bare alef; final ة as ه and final ي as ى), and a title
varied in the same ways. Everything is drawn from one `random.Random(seed)` in order, so the
same seed and count give the same documents.

Nothing here is stored in the repository: the documents go into the bench's data dir.
"""

import gzip
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")
ARABIC_WORD = re.compile(r"[\u0621-\u063a\u0641-\u064a]+")
HAMZA_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
FINAL_LETTER = re.compile(r"[ةي](?=\W|$)")
FINAL_SWAP = {"ة": "ه", "ي": "ى"}
# Written for this bench (not corpus text): the kind of prefix outlets put before a title.
TITLE_PREFIXES = ("عاجل: ", "بالفيديو: ", "تقرير: ", "بالصور: ", "خاص: ")
FALLBACK_TIME = datetime(2018, 4, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Base:
    """One distinct corpus article, split into sentences, with each sentence's variants."""

    source: str
    title: str
    text: str
    published: datetime
    sentences: tuple[str, ...]
    hamza: tuple[str, ...]  # the same sentences with أ إ آ folded to ا
    finals: tuple[str, ...]  # the same sentences with final ة → ه and ي → ى


@dataclass(frozen=True, slots=True)
class Document:
    id: int  # 1-based, in generation order
    source: str
    title: str
    text: str
    published: datetime


def load_bases(corpus: Path) -> list[Base]:
    """The corpus's articles with a title and a text, each distinct text once, in file order."""
    bases, seen = [], set()
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            title, text = (row.get("title") or "").strip(), (row.get("text") or "").strip()
            if not title or not text or text in seen:
                continue
            seen.add(text)
            sentences = tuple(s.strip() for s in SENTENCE_END.split(text) if s.strip())
            bases.append(
                Base(
                    source=row.get("source_from_path") or row.get("source") or "unknown",
                    title=title,
                    text=text,
                    published=published_at(row.get("time")),
                    sentences=sentences,
                    hamza=tuple(s.translate(HAMZA_FOLD) for s in sentences),
                    finals=tuple(swap_finals(s) for s in sentences),
                )
            )
    return bases


def published_at(value: str | None) -> datetime:
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        return FALLBACK_TIME


def swap_finals(text: str) -> str:
    return FINAL_LETTER.sub(lambda match: FINAL_SWAP[match.group()], text)


def generate_documents(bases: list[Base], *, count: int, seed: int) -> Iterator[Document]:
    """`count` documents: the bases as they are (shuffled), then perturbed replicas of them."""
    rng = random.Random(seed)
    order = list(range(len(bases)))
    rng.shuffle(order)
    for number in range(count):
        replica, base = divmod(number, len(bases))
        base = bases[order[base]]
        if replica == 0:
            yield Document(number + 1, base.source, base.title, base.text, base.published)
            continue
        other = bases[rng.randrange(len(bases))]
        yield Document(
            number + 1,
            base.source,
            varied_title(base, rng=rng),
            varied_text(base, other=other, rng=rng),
            base.published + timedelta(days=7 * replica, seconds=rng.randrange(86_400)),
        )


def varied_text(base: Base, *, other: Base, rng: random.Random) -> str:
    sentences = []
    for index, sentence in enumerate(base.sentences):
        draw = rng.random()
        if draw < 0.08:
            continue  # dropped
        spelling = rng.random()
        if spelling < 0.1:
            sentence = base.hamza[index]
        elif spelling < 0.2:
            sentence = base.finals[index]
        sentences.append(sentence)
        if draw > 0.96:
            sentences.append(sentence)  # repeated, as a pull quote or a lede repeated
    for _ in range(rng.randint(1, 3)):
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(other.sentences))
    if rng.random() < 0.3:
        rng.shuffle(sentences)
    else:
        for _ in range(rng.randint(1, 3)):
            first = rng.randrange(len(sentences))
            second = min(first + 1, len(sentences) - 1)
            sentences[first], sentences[second] = sentences[second], sentences[first]
    paragraphs, start = [], 0
    while start < len(sentences):
        size = rng.randint(1, 4)
        paragraphs.append(" ".join(sentences[start : start + size]))
        start += size
    return "\n".join(paragraphs)


def varied_title(base: Base, *, rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.3:
        return base.title
    if draw < 0.45:
        return base.title.translate(HAMZA_FOLD)
    if draw < 0.55:
        return swap_finals(base.title)
    if draw < 0.75:
        words = base.title.split()
        if len(words) > 3:
            del words[rng.randrange(len(words))]
        return " ".join(words)
    if draw < 0.9:
        return rng.choice(TITLE_PREFIXES) + base.title
    return " ".join(rng.choice(base.sentences).split()[:12])


# --- Queries ---------------------------------------------------------------------------------

KINDS = ("words", "or", "phrase")


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # "words" (all must be found), "or" (any), "phrase" (adjacent, in order)
    words: tuple[str, ...]

    def khabar(self) -> str:
        if self.kind == "or":
            return " OR ".join(self.words)
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        return " ".join(self.words)

    def tantivy(self) -> str:
        """tantivy's query parser: +word is required, OR is its default."""
        if self.kind == "or":
            return " OR ".join(self.words)
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        return " ".join(f"+{word}" for word in self.words)

    def fts5(self) -> str:
        """FTS5's MATCH syntax: quoted words are ANDed by default."""
        if self.kind == "or":
            return " OR ".join(f'"{word}"' for word in self.words)
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        return " ".join(f'"{word}"' for word in self.words)


def sample_queries(
    bases: list[Base], *, per_kind: int, seed: int, is_stopword
) -> dict[str, list[Query]]:
    """`per_kind` queries of each kind, from the corpus's titles and sentences.

    words: 1, 2 or 3 (a third each) consecutive content words of a title; or: 2 or 3 content
    words from different titles joined by OR; phrase: 2 or 3 consecutive content words of a
    sentence, quoted. Content words have three letters or more and are not stopwords, so every
    query has something for every engine to look up.
    """
    rng = random.Random(seed)

    def content_words(text: str) -> list[str]:
        return [w for w in ARABIC_WORD.findall(text) if len(w) >= 3 and not is_stopword(w)]

    def consecutive(text: str, size: int) -> tuple[str, ...] | None:
        words = ARABIC_WORD.findall(text)
        starts = list(range(len(words) - size + 1))
        rng.shuffle(starts)
        for start in starts:
            window = words[start : start + size]
            if all(len(w) >= 3 and not is_stopword(w) for w in window):
                return tuple(window)
        return None

    queries: dict[str, list[Query]] = {kind: [] for kind in KINDS}
    while len(queries["words"]) < per_kind:
        size = 1 + len(queries["words"]) % 3
        words = consecutive(rng.choice(bases).title, size)
        if words:
            queries["words"].append(Query("words", words))
    while len(queries["or"]) < per_kind:
        size = 2 + len(queries["or"]) % 2
        words = []
        for base in rng.sample(bases, size):
            choices = content_words(base.title)
            if choices:
                words.append(rng.choice(choices))
        if len(set(words)) == size:
            queries["or"].append(Query("or", tuple(words)))
    while len(queries["phrase"]) < per_kind:
        size = 2 + len(queries["phrase"]) % 2
        words = consecutive(rng.choice(rng.choice(bases).sentences), size)
        if words:
            queries["phrase"].append(Query("phrase", words))
    return queries
