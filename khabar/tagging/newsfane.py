"""NewsFANE Gold read as raw Arabic text with PER/ORG/LOC character spans.

The corpus (../shared/data/newsfane-gold, CC BY-SA 3.0) is one `token<TAB>BIO-tag` a line,
UTF-8 with a BOM, CRLF line ends, a U+200E mark before most tokens, sentences separated by a
line holding only a tab. Its tokens are partly segmented: the conjunction و, the prepositions
ب ل ف ك and the pronoun suffixes are usually separate tokens (`و قال`, `ان ه`, `ب هونج كونج`),
but not before the article (`بالصين`, `للامم`). Articles khabar tags are written as people write,
so each sentence is rebuilt the way it would be printed (`وقال`, `انه`, `بهونج كونج`) and its
entities become character spans in that text, without a leading preposition or conjunction:
the span convention of `khabar.tagging.entities`.

The corpus marks no document boundaries; see `document_blocks`.
"""

import gzip
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from khabar.arabic.normalize import INVISIBLE

NEWSFANE_PATH = Path("newsfane-gold/NewsFANE_Gold_2014_170K.txt.gz")

# The 45 fine types onto khabar's three (None: not an entity for khabar). See docs/entities.md.
TYPE_MAP: dict[str, str | None] = {
    # PER: named people, whatever their occupation.
    **dict.fromkeys(
        (
            "Politician",
            "Athlete",
            "Artist",
            "Other_PER",
            "Religious_PER",
            "Scientist",
            "Businessperson",
            "Police",
            "Lawyer",
            "Engineer",
        ),
        "PER",
    ),
    # ORG: organisations, including governments, armies, parties, clubs and media.
    **dict.fromkeys(
        (
            "Non-Governmental",
            "Sports",
            "Media",
            "Government",
            "Commercial",
            "Educational",
            "Medical-Science",
            "Entertainment",
            "Religious_ORG",
        ),
        "ORG",
    ),
    # LOC: GPEs (countries, cities, provinces, districts, regions, continents), natural
    # locations, and named facilities readers follow as places (the White House, an airport).
    **dict.fromkeys(
        (
            "Nation",
            "Population-Center",
            "State-or-Province",
            "County-or-District",
            "GPE-Cluster",
            "Continent",
            "Water-Body",
            "Land-Region-Natural",
            "Celestial",
            "Building-Grounds",
            "Airport",
            "Path",
            "Plant",
        ),
        "LOC",
    ),
    # Not entities here: groups of people named by nationality or creed (العرب, المسلمين),
    # unnamed parts of buildings (المئذنة), vehicles, weapons and works or products.
    **dict.fromkeys(
        (
            "Group",
            "Subarea-Facility",
            "Air",
            "Land",
            "Water",
            "Projectile",
            "Shooting",
            "Book",
            "Movie",
            "Software",
            "Hardware",
            "Food",
            "Drug",
        ),
        None,
    ),
}

_MARKS = str.maketrans("", "", INVISIBLE)
PROCLITIC_TOKENS = frozenset("وفبلك")
SUFFIX_TOKENS = frozenset(("ه", "ها", "هم", "هما", "هن", "نا", "ي", "ني", "كم"))
_ARABIC_START = re.compile(r"[\u0621-\u064a]")


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    type: str
    name: str  # the span's text, with the article's alef restored after ل (للامم → الامم)


@dataclass(frozen=True, slots=True)
class GoldSentence:
    """One corpus sentence as printed text, with its PER/ORG/LOC spans."""

    index: int
    text: str
    entities: tuple[GoldSpan, ...]
    first_word: str  # the first corpus token, for finding likely document starts


def read_newsfane(data_dir: Path) -> list[GoldSentence]:
    """All sentences of NewsFANE Gold under `data_dir` (the shared data folder), in order."""
    path = data_dir / NEWSFANE_PATH
    if not path.is_file():
        raise FileNotFoundError(f"NewsFANE Gold not found: {path}")
    raw = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    sentences = []
    for tokens in _token_sentences(raw):
        text, entities = _rebuild(tokens)
        sentences.append(GoldSentence(len(sentences), text, entities, tokens[0][0]))
    return sentences


def _token_sentences(raw: str) -> Iterable[list[tuple[str, str]]]:
    sentence: list[tuple[str, str]] = []
    for line in raw.splitlines():
        token, _, tag = line.partition("\t")
        token = token.translate(_MARKS).strip()
        if not token:
            if sentence:
                yield sentence
            sentence = []
            continue
        sentence.append((token, tag.strip() or "O"))
    if sentence:
        yield sentence


def _entity_tags(tokens: Sequence[tuple[str, str]]) -> list[tuple[str, str | None]]:
    """Each token's ("B" | "I" | "O", coarse type), fine types mapped through `TYPE_MAP`."""
    tags: list[tuple[str, str | None]] = []
    previous_fine = None
    for _, tag in tokens:
        fine = tag[2:] if tag[:2] in ("B-", "I-") else None
        coarse = TYPE_MAP.get(fine) if fine else None
        if coarse is None:
            tags.append(("O", None))
        elif tag.startswith("B-") or fine != previous_fine:
            tags.append(("B", coarse))  # an I- without its B- starts an entity
        else:
            tags.append(("I", coarse))
        previous_fine = fine
    return tags


def _rebuild(tokens: Sequence[tuple[str, str]]) -> tuple[str, tuple[GoldSpan, ...]]:
    """The sentence as printed, and its entities as character spans of that text."""
    tags = _entity_tags(tokens)
    glue = _glue(tokens, tags)
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    restores = [""] * len(tokens)
    length = 0
    for i, (token, _) in enumerate(tokens):
        if i and not glue[i]:
            parts.append(" ")
            length += 1
        if glue[i] and token in SUFFIX_TOKENS and parts and parts[-1].endswith("ة"):
            parts[-1] = parts[-1][:-1] + "ت"  # حصة + ها is written حصتها
        if glue[i] and tokens[i - 1][0] == "ل" and token.startswith("ال"):
            token, restores[i] = token[1:], "ا"  # ل + الشرق is written للشرق
        parts.append(token)
        spans.append((length, length + len(token)))
        length += len(token)
    entities = []
    i = 0
    while i < len(tokens):
        bio, coarse = tags[i]
        if bio != "B":
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and tags[j] == ("I", coarse):
            j += 1
        clitic, restore = _gold_clitic(tokens[i][0])
        restore = restore or restores[i]
        start = spans[i][0] + clitic
        entities.append((start, spans[j - 1][1], coarse, restore))
        i = j
    text = "".join(parts)
    return text, tuple(
        GoldSpan(start, end, coarse, restore + text[start:end])
        for start, end, coarse, restore in entities
    )


def _glue(tokens: Sequence[tuple[str, str]], tags: Sequence[tuple[str, str | None]]) -> list[bool]:
    """glue[i]: token i is written attached to the token before it."""
    glue = [False] * len(tokens)
    for i in range(1, len(tokens)):
        before, token = tokens[i - 1][0], tokens[i][0]
        if not (_ARABIC_START.match(before) and _ARABIC_START.match(token)):
            continue
        if (
            before in PROCLITIC_TOKENS
            and len(token) > 1
            and not (before == "ك" and token not in ("ما", "من"))
        ):
            # A clitic written before a token attaches to it: و قال → وقال, ب دمشق → بدمشق.
            glue[i] = True
        elif token in SUFFIX_TOKENS and not (tags[i][0] == "O" and tags[i - 1][0] != "O"):
            # A pronoun attaches to the word before it, unless that word ends an entity the
            # pronoun is not part of (the span could not end inside the printed word).
            glue[i] = before not in PROCLITIC_TOKENS
    return glue


def _gold_clitic(first_token: str) -> tuple[int, str]:
    """Letters of a conjunction or preposition left on the first word of a name, and what
    restores the article ("ا" after ل: للامم → الامم).

    The corpus separates ب ف ك from the name they precede (ب هونج كونج), so a name written
    بال، فال or كال is a name (كاليفورنيا, فالنسيا, بالاك); only ل before the article and
    the conjunction و are left on names (للامم المتحدة, والمركز).
    """
    for clitic, article in _GOLD_CLITICS:
        if first_token.startswith(clitic + article) and len(first_token) > len(clitic) + 3:
            return len(clitic), "" if article == "ال" else "ا"
    return 0, ""


_GOLD_CLITICS = (("ول", "ل"), ("فل", "ل"), ("ل", "ل"), ("و", "ال"))


def document_blocks(sentences: Sequence[GoldSentence], *, size: int = 40) -> list[range]:
    """Contiguous runs of about `size` sentences, cut where a new document probably starts.

    NewsFANE has no document markers, so each cut is moved to the nearest sentence (within
    `size` // 4 either way) that does not open with a word continuing the text before it
    (و, ف, كما, ...): splitting blocks between training and test then rarely splits a
    document, and a document cut in two still leaves at most one per block boundary.
    """
    cuts = [0]
    reach = size // 4
    position = size
    while position < len(sentences) - size // 2:
        window = range(max(cuts[-1] + 1, position - reach), min(len(sentences), position + reach))
        candidates = [i for i in window if _starts_document(sentences[i])]
        best = min(candidates, key=lambda i: abs(i - position)) if candidates else position
        cuts.append(best)
        position = best + size
    cuts.append(len(sentences))
    return [range(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]


_CONTINUATIONS = frozenset(
    [
        "و",
        "ف",
        "كما",
        "ثم",
        "لكن",
        "اما",
        "او",
        "غير",
        "الا",
        "بل",
        "حيث",
        "واضاف",
        "واكد",
        "وقال",
        "ولكن",
        "هذا",
        "هذه",
        "ذلك",
        "تلك",
        "كذلك",
        "لذلك",
        "ايضا",
    ]
)


def _starts_document(sentence: GoldSentence) -> bool:
    first = sentence.first_word
    return bool(_ARABIC_START.match(first)) and first not in _CONTINUATIONS


@dataclass(frozen=True)
class Split:
    train: list[GoldSentence]
    test: list[GoldSentence]
    train_blocks: list[range]
    test_blocks: list[range]


def split_by_blocks(
    sentences: Sequence[GoldSentence], *, test_share: float = 0.2, seed: int = 13, size: int = 40
) -> Split:
    """Blocks of `document_blocks` dealt to train and test by a seeded shuffle."""
    blocks = document_blocks(sentences, size=size)
    order = list(range(len(blocks)))
    random.Random(seed).shuffle(order)
    test_ids = set(order[: round(len(blocks) * test_share)])
    train_blocks = [b for i, b in enumerate(blocks) if i not in test_ids]
    test_blocks = [b for i, b in enumerate(blocks) if i in test_ids]
    return Split(
        train=[sentences[i] for block in train_blocks for i in block],
        test=[sentences[i] for block in test_blocks for i in block],
        train_blocks=train_blocks,
        test_blocks=test_blocks,
    )


def block_folds(
    sentences: Sequence[GoldSentence], *, folds: int = 5, seed: int = 14
) -> list[tuple[list[GoldSentence], list[list[GoldSentence]]]]:
    """(training sentences, held-out documents) of each of `folds` folds: the blocks of
    `document_blocks` dealt by a seeded shuffle, each fold's blocks held out in turn (bench
    folds and the rescorer's out-of-fold training both use it)."""
    blocks = document_blocks(sentences)
    order = list(range(len(blocks)))
    random.Random(seed).shuffle(order)
    cuts = [round(len(blocks) * k / folds) for k in range(folds + 1)]
    result = []
    for k in range(folds):
        held = set(order[cuts[k] : cuts[k + 1]])
        result.append(
            (
                [sentences[i] for b, block in enumerate(blocks) if b not in held for i in block],
                [[sentences[i] for i in block] for b, block in enumerate(blocks) if b in held],
            )
        )
    return result
