"""Gazetteers: names with their types, matched longest first over a text's words.

Two sources feed them: the curated lists in `data/<language>/` (written for khabar: countries,
cities and regions, organisations, armed groups, coalitions, governments, people in the news,
each line a canonical name then its variants), and the names in the tagger's training data.
Word lists in the same folders (titles before a person's name, words that head an
organisation's or a place's name, first names) are features for the tagger.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from khabar.arabic.normalize import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
TYPES = ("PER", "ORG", "LOC")


@dataclass(frozen=True, slots=True)
class CuratedName:
    """One line of a curated list: the canonical name first, then its variants."""

    type: str
    canonical: str
    names: tuple[str, ...]  # the canonical name and its variants


@cache
def curated_names(language: str = "ar") -> tuple[CuratedName, ...]:
    """The curated names of `language` ("ar" or "en"), from data/<language>/<TYPE>.txt."""
    entries = []
    for type in TYPES:
        for line in _lines(DATA_DIR / language / f"{type}.txt"):
            names = tuple(name.strip() for name in line.split("|") if name.strip())
            entries.append(CuratedName(type, names[0], names))
    if language == "ar":
        entries += institution_names()
    return tuple(entries)


def institution_names() -> list[CuratedName]:
    """A state's institutions named by a head word and an adjective of origin (الجيش السوداني,
    الحكومة اليمنية, وزارة الخارجية التركية), from data/ar/institutions.txt and demonyms.txt:
    organisations in every country's news, too many to list one by one."""
    demonyms = []
    for line in _lines(DATA_DIR / "ar" / "demonyms.txt"):
        masculine, _, feminine = line.partition(";")
        demonyms.append({"m": _forms(masculine), "f": _forms(feminine)})
    names = []
    for line in _lines(DATA_DIR / "ar" / "institutions.txt"):
        head, gender = line.rsplit(maxsplit=1)
        for forms in demonyms:
            variants = tuple(f"{head} {form}" for form in forms[gender])
            names.append(CuratedName("ORG", variants[0], variants))
    return names


def _forms(spellings: str) -> list[str]:
    return [form.strip() for form in spellings.split("|") if form.strip()]


@cache
def word_list(name: str, language: str = "ar") -> frozenset[str]:
    """The normalized entries of data/<language>/<name>.txt (one a line; # starts a comment)."""
    return frozenset(_key(line) for line in _lines(DATA_DIR / language / f"{name}.txt"))


def _lines(path: Path) -> Iterable[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line


def _key(name: str) -> str:
    return " ".join(normalize(name).split())


class Gazetteer:
    """Names (any spelling the normalizer folds together) and the types they were seen with."""

    def __init__(self, names: Iterable[tuple[str, str]] = ()) -> None:
        self._types: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        self._longest: dict[str, int] = {}
        for name, type in names:
            self.add(name, type)

    def add(self, name: str, type: str, count: int = 1) -> None:
        words = tuple(_key(name).split())
        if not words:
            return
        self._types[words][type] += count
        self._longest[words[0]] = max(self._longest.get(words[0], 0), len(words))

    def __len__(self) -> int:
        return len(self._types)

    def type_of(self, words: Sequence[str]) -> str | None:
        """The most frequent type of the name made of normalized `words`, or None."""
        types = self._types.get(tuple(words))
        return types.most_common(1)[0][0] if types else None

    def names(self) -> list[str]:
        """Every name, normalized."""
        return [" ".join(words) for words in self._types]

    def entries(self) -> list[tuple[str, str, int]]:
        """(name, type, count) for every name and type, for saving."""
        return [
            (" ".join(words), type, count)
            for words, types in sorted(self._types.items())
            for type, count in sorted(types.items())
        ]

    def longest_matches(
        self, words: Sequence[str], bases: Sequence[str]
    ) -> list[tuple[int, int, str]]:
        """Non-overlapping (first, last + 1, type) word ranges naming an entry, longest first.

        `words` are a text's normalized words; `bases` the same words without a leading
        clitic (`canonical.split_proclitic`), tried for the first word of a name.
        """
        matches = []
        longest = self._longest
        i = 0
        n = len(words)
        while i < n:
            found = None
            # Most words start no name: two dictionary look-ups tell.
            for first in (words[i], bases[i]) if bases[i] != words[i] else (words[i],):
                for length in range(min(longest.get(first, 0), n - i), 0, -1):
                    if found and length <= found[1] - found[0]:
                        break
                    type = self.type_of((first, *words[i + 1 : i + length]))
                    if type:
                        found = (i, i + length, type)
                        break
            if found:
                matches.append(found)
                i = found[1]
            else:
                i += 1
        return matches
