"""Named entities in English text: capitalized names, typed by gazetteer and rules.

There is no labelled English data in ../shared/data, so nothing is trained. A name is a run of
capitalized words (with the particles names contain: of, al-, bin, de …), cut at titles
(President, Sheikh), nationality words (Syrian) and words that are capitalized only because a
sentence starts with them. Each run is typed, first rule that applies:

1. the curated English lists in data/en/ (the same coverage as the Arabic ones);
2. a word that heads an organisation's name (Ministry, Party, Forces …) → ORG, a place's
   (Province, River, Square …) → LOC; an acronym → ORG;
3. a person's title just before, a known first name first, or the surname of a person named
   earlier in the text → PER;
4. a preposition of place just before (in, at, near …) → LOC;
5. otherwise two or more words → PER (most unknown multi-word names in news are people's);
   a single unknown word is left out.

Measured on hand-annotated paragraphs written for khabar (bench/entities_en_gold.txt): the
figures and their limits are in docs/entities.md.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from .canonical import clean_name
from .gazetteer import DATA_DIR, TYPES

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
PARTICLES = frozenset(
    [
        "of",
        "the",
        "de",
        "du",
        "del",
        "da",
        "dos",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "bint",
        "ibn",
        "abu",
        "van",
        "von",
        "der",
        "d",
        "y",
    ]
)
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ad|as|ash|an|ar|at|az|ez|es|ed|et|ul|ud|bin)-[A-Z]")
PLACE_PREPOSITIONS = frozenset(
    ["in", "at", "near", "from", "to", "across", "outside", "inside", "into", "towards"]
)
_ABBREVIATION = re.compile(
    r"(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Capt|Sen|Rep|Gov|Prof|Jr|Sr|Maj|Adm|No)\."
)
_SENTENCE_END = re.compile(r"[.!?:;\n\"“]")
_MONTHS_AND_DAYS = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
)
PLACE_NOUNS = frozenset(
    [
        "village",
        "town",
        "city",
        "province",
        "region",
        "district",
        "capital",
        "port",
        "area",
        "camp",
        "suburb",
        "island",
    ]
)
OPPONENT_WORDS = frozenset(["beat", "beats", "against", "versus", "vs", "defeated"])
SPEECH_VERBS = frozenset(["said", "says", "told", "added", "stated", "warned", "announced"])
SPORT_WORDS = frozenset(
    [
        "beat",
        "beats",
        "won",
        "win",
        "lost",
        "draw",
        "drew",
        "scored",
        "score",
        "coach",
        "fans",
        "match",
        "league",
        "cup",
        "goal",
        "goals",
        "striker",
        "forward",
        "midfielder",
        "defender",
        "season",
        "club",
    ]
)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int
    sentence_start: bool


def extract_english_entities(text: str, *, aliases: Mapping[str, str] | None = None) -> list:
    """PER, ORG and LOC mentions in English `text` (see the module docstring)."""
    from .entities import Entity

    tokens = _tokens(text)
    lowercase_words = {t.text.lower() for t in tokens if t.text[:1].islower()}
    spans = []
    people: dict[str, str] = {}  # surname (and full name) → full name, as they are found
    for first, last, known in _pieces(text, tokens, lowercase_words):
        typed = _type_piece(first, last, known, tokens, people)
        if typed:
            first, last, type = typed
            name = text[tokens[first].start : tokens[last - 1].end]
            key = known or name
            if type == "PER":
                full = _aliases().get(key, name)
                people.setdefault(name, full)
                if len(name.split()) > 1:
                    people.setdefault(name.split()[-1], full)
            spans.append((tokens[first].start, tokens[last - 1].end, type, key))
    spans = _retype_surnames(spans, people)
    entities = []
    for start, end, type, key in spans:
        canonical = _canonical(key, type, people, aliases)
        entities.append(Entity(text[start:end], type, canonical, start, end))
    return entities


def _tokens(text: str) -> list[_Token]:
    tokens = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        word = match.group()
        end = match.end()
        possessive = _POSSESSIVE.search(word)
        if possessive:
            end -= len(possessive.group())
        elif word.endswith(".") and not _ABBREVIATION.fullmatch(word):
            end -= 1  # a full stop, not part of the word
        sentence_start = not tokens or bool(
            _SENTENCE_END.search(text[previous_end : match.start()])
        )
        tokens.append(_Token(text[match.start() : end], match.start(), end, sentence_start))
        previous_end = end
    return tokens


def _capitalized(token: _Token) -> bool:
    word = token.text
    return word[:1].isupper() or bool(_ARTICLE_PREFIX.match(word))


def _pieces(
    text: str, tokens: Sequence[_Token], lowercase_words: set[str]
) -> list[tuple[int, int]]:
    """(first, last + 1) of each name-like run of capitalized words.

    A run stops at punctuation. Inside it, names of the curated lists are taken first,
    longest first (Free Syrian Army, Theresa May); the rest is cut at titles, nationality
    words, days and months, and at a common word starting a sentence.
    """
    lists = _lists()
    pieces = []
    i = 0
    while i < len(tokens):
        if not _capitalized(tokens[i]):
            i += 1
            continue
        j = i + 1
        while (
            j < len(tokens)
            and _joined(text, tokens, j)
            and (
                _capitalized(tokens[j])
                or tokens[j].text in PARTICLES
                and j + 1 < len(tokens)
                and _capitalized(tokens[j + 1])
                and _joined(text, tokens, j + 1)
            )
        ):
            j += 1
        pieces.extend(_known_then_cut(tokens, i, j, lists, lowercase_words))
        i = j
    return pieces


def _joined(text: str, tokens: Sequence[_Token], j: int) -> bool:
    """Whether only spaces separate token j from the one before it."""
    return not text[tokens[j - 1].end : tokens[j].start].strip() and not tokens[j].sentence_start


def _known_then_cut(tokens, first: int, last: int, lists, lowercase_words):
    """Names of the curated lists in a run, longest first, then the rest cut by `_cut`.

    A title that a listed variant starts with (Sheikh Tamim) stays out of the span.
    """
    gazetteer = _gazetteer()
    matches = []
    for i in range(first, last):
        for length in range(min(last - i, 6), 0, -1):
            name = " ".join(t.text for t in tokens[i : i + length])
            if name in gazetteer and not (length == 1 and name in _MONTHS_AND_DAYS):
                matches.append((length, i, name))
                break
    taken: list[tuple[int, int, str | None]] = []
    for length, i, name in sorted(matches, key=lambda m: (-m[0], m[1])):
        if all(i + length <= a or b <= i for a, b, _ in taken):
            title = _title_length(tokens, i, i + length - 1)
            taken.append((i + title, i + length, name))
    pieces: list[tuple[int, int, str | None]] = []
    start = first
    for a, b, name in sorted(taken):
        pieces += [(x, y, None) for x, y in _cut(tokens, start, a, lists, lowercase_words)]
        pieces.append((a, b, name))
        start = b
    pieces += [(x, y, None) for x, y in _cut(tokens, start, last, lists, lowercase_words)]
    return pieces


def _cut(tokens, first: int, last: int, lists, lowercase_words) -> list[tuple[int, int]]:
    """Cut a run at titles, nationality words, days and months, and at a sentence's first word
    when it is a common word (in data/en/common.txt, or written in lower case elsewhere, or
    followed by "of": Shares of …)."""
    pieces = []
    start = i = first
    while i < last:
        word = tokens[i].text
        skip = _title_length(tokens, i, last)
        if not skip and (
            word in lists["demonyms"]
            or word in _MONTHS_AND_DAYS
            or word in PARTICLES
            and i == start
        ):
            skip = 1
        if not skip and tokens[i].sentence_start and word not in lists["first-names"]:
            if word in lists["common"] or word.lower() in lowercase_words:
                skip = 1
            elif i + 1 < last and tokens[i + 1].text in PARTICLES:
                skip = 2
        if skip:
            if start < i:
                pieces.append((start, i))
            i += skip
            start = i
        else:
            i += 1
    if start < last:
        pieces.append((start, last))
    return [(a, b) for a, b in pieces if not all(tokens[k].text in PARTICLES for k in range(a, b))]


def _title_length(tokens, i: int, last: int) -> int:
    titles = _lists()["per-titles"]
    for length in (3, 2, 1):
        if i + length <= last and " ".join(t.text for t in tokens[i : i + length]) in titles:
            return length
    return 0


def _type_piece(
    first: int, last: int, known: str | None, tokens, people
) -> tuple[int, int, str] | None:
    while last > first and tokens[last - 1].text in PARTICLES:
        last -= 1
    words = [t.text for t in tokens[first:last]]
    name = " ".join(words)
    lists = _lists()
    before = tokens[first - 1].text if first else ""
    after = tokens[last].text if last < len(tokens) else ""
    types = _gazetteer().get(known or name)
    if types:
        if len(types) > 1 and "ORG" in types and _sport_context(tokens, first, last):
            return first, last, "ORG"
        return first, last, types[0]
    if any(w in lists["org-heads"] for w in words[1:]) or (
        len(words) > 1 and words[0] in lists["org-heads"]
    ):
        return first, last, "ORG"
    if len(words) > 1 and any(w in lists["loc-heads"] for w in words):
        return first, last, "LOC"
    if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", name):
        return first, last, "ORG"
    if (
        _title_length(tokens, first - 1, first)
        or (first >= 2 and _title_length(tokens, first - 2, first))
        or words[0] in lists["first-names"]
        or name in people
    ):
        return first, last, "PER"
    if before.lower() in PLACE_PREPOSITIONS or (
        before == "of" and first >= 2 and tokens[first - 2].text.lower() in PLACE_NOUNS
    ):
        return first, last, "LOC"
    if before.lower() in OPPONENT_WORDS and _sport_context(tokens, first, last):
        return first, last, "ORG"  # Liverpool beat Roma
    if len(words) >= 2 or after in SPEECH_VERBS and not tokens[first].sentence_start:
        return first, last, "PER"
    return None


def _sport_context(tokens, first: int, last: int) -> bool:
    window = tokens[max(0, first - 6) : last + 6]
    return any(t.text.lower() in SPORT_WORDS for t in window)


def _retype_surnames(spans, people: Mapping[str, str]):
    """A word typed before its person was named in full (Macron … Emmanuel Macron) is PER."""
    return [
        (start, end, "PER" if name in people and type != "PER" and " " not in name else type, name)
        for start, end, type, name in spans
    ]


def _canonical(name: str, type: str, people, aliases: Mapping[str, str] | None) -> str:
    name = clean_name(name)
    if aliases:
        folded = {key.casefold(): value for key, value in aliases.items()}
        if name.casefold() in folded:
            return folded[name.casefold()]
    if type == "PER" and name in people:
        name = people[name]
    return _aliases().get(name, name)


@cache
def _gazetteer() -> dict[str, tuple[str, ...]]:
    """Name (as written, case-sensitive) → its types, from data/en/<TYPE>.txt."""
    table: dict[str, list[str]] = {}
    for type in TYPES:
        for line in _lines(f"{type}.txt"):
            for name in line.split("|"):
                table.setdefault(name.strip(), []).append(type)
    return {name: tuple(types) for name, types in table.items()}


@cache
def _aliases() -> dict[str, str]:
    table = {}
    for type in TYPES:
        for line in _lines(f"{type}.txt"):
            names = [name.strip() for name in line.split("|")]
            for name in names:
                table.setdefault(name, names[0])
    return table


@cache
def _lists() -> dict[str, frozenset[str]]:
    names = ("per-titles", "org-heads", "loc-heads", "first-names", "demonyms", "common")
    return {name: frozenset(_lines(f"{name}.txt")) for name in names}


def _lines(name: str) -> list[str]:
    lines = (DATA_DIR / "en" / name).read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


# --- the hand-annotated check ---------------------------------------------------------------

_MARKUP = re.compile(r"\[(PER|ORG|LOC) ([^\]]+)\]")


def parse_gold(markup: str) -> dict[str, list[tuple[str, set[tuple[int, int, str]]]]]:
    """Sections of bench/entities_en_gold.txt: name → [(plain text, {(start, end, type)})]."""
    sections: dict[str, list] = {}
    current = None
    for line in markup.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("== "):
            current = sections.setdefault(line[3:].strip(), [])
            continue
        plain, spans, position = [], set(), 0
        length = 0
        for match in _MARKUP.finditer(line):
            plain.append(line[position : match.start()])
            length += match.start() - position
            spans.add((length, length + len(match.group(2)), match.group(1)))
            plain.append(match.group(2))
            length += len(match.group(2))
            position = match.end()
        plain.append(line[position:])
        current.append(("".join(plain), spans))
    return sections


def score_gold(markup: str) -> dict[str, dict[str, tuple[int, int, int]]]:
    """(true positives, predicted, gold) per type and overall, for each section of `markup`."""
    results = {}
    for section, paragraphs in parse_gold(markup).items():
        counts = {t: [0, 0, 0] for t in (*TYPES, "all")}
        for text, gold in paragraphs:
            found = {(e.start, e.end, e.type) for e in extract_english_entities(text)}
            for t in (*TYPES, "all"):
                g = {s for s in gold if t in ("all", s[2])}
                f = {s for s in found if t in ("all", s[2])}
                counts[t][0] += len(g & f)
                counts[t][1] += len(f)
                counts[t][2] += len(g)
        results[section] = {t: tuple(c) for t, c in counts.items()}
    return results
