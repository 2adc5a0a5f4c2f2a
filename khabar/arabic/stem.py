"""Stemmers: a clitic-aware Arabic light stemmer, and Snowball for Latin-script words.

The Arabic stemmer works on normalized words (`normalize`: hamza on alef, ى → ي, ة → ه by
default) and removes what readers add or drop without changing what they look for:

- proclitics: the article and what attaches before it (ال وال فال بال كال لل وبال وكال فبال
  ولل فلل), then single-letter conjunctions and prepositions (و ف ب ك ل) only when enough of
  the word is left and the word is not a common noun that merely starts with that letter
  (وزير must not become زير, فلسطين must keep its ف): see `PROTECTED_STARTS`; ب ك ل are
  also kept before ي (بيتكوين، ليفربول);
- suffixes: ها ان ات ون ين يه ية ه ة ي, the nisba plurals يون يين يات and the pronouns هم هما
  هن نا, longest first, at most `max_suffixes` of them, only while enough of the word is left,
  and never past a word of `PROTECTED_STEMS` (فلسطين is not فلسط + ين).

Every threshold below was chosen on the development split of bench/search_quality.py; the
alternatives measured are listed in docs/benchmarks.md ("Search quality").
"""

from dataclasses import dataclass, field
from functools import cache

import Stemmer

from .normalize import normalize

ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "فبال",
    "فكال",
    "ولل",
    "فلل",
    "وال",
    "فال",
    "بال",
    "كال",
    "لل",
    "ال",
)
SINGLE_PREFIXES = "وفبكل"
PRONOUN_SUFFIXES = frozenset(("هما", "ها", "هم", "هن", "نا"))
SUFFIXES = (
    "يون",
    "يين",
    "يات",
    "هما",
    "ها",
    "ان",
    "ات",
    "ون",
    "ين",
    "يه",
    "ية",
    "هم",
    "هن",
    "نا",
    "ه",
    "ة",
    "ي",
)


def _normalized(words: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in words.split())


# Common nouns and names whose first letter is also a proclitic, written as the start of the word
# (so فلسطين covers فلسطيني and فلسطينيون). A word starting with one of these keeps its first
# letter. Words of four letters or fewer need no entry: the length rule already keeps them.
PROTECTED_STARTS = _normalized(
    """
    وزير وزراء وزارة واشنطن وكالة وكالات ولاية ولايات وثيقة وثائق وظيفة وظائف وطني وطنية
    وحدة وحدات وسائل وسيلة واقع واقعة وادي وفاة ورشة ولادة وقائع ورقة وزارات وليد وسيط
    فلسطين فرنسا فرنسي فرنسية فريق فيلم فيروس فيسبوك فيفري فبراير فنزويلا فنلندا فيتنام
    فندق فنادق فترة فكرة فضاء فعالية فعاليات فلاح فلاحة فلاحين فيضان فيضانات فرصة فساد
    فاطمة فيصل فوزي فتحي فؤاد فئة فئات
    بلدية بلديات بلدان بريطانيا بريطاني بريطانية برلمان برلماني برنامج برامج بطولة بطولات
    بيروت بغداد باريس بوتين بورقيبة بنزرت بلجيكا البرازيل برازيل بكالوريا بورصة بيانات بيان
    بنغلاديش باكستان بترول بحيرة بيئة بعثة بلاغ بلاد بطاقة بلورة
    كورونا كوريا كندا كينيا كولومبيا كرواتيا كهرباء كتابة كتيبة كلية كليات كمية كميات كرسي
    كوميدي كامل كاملة كبرى كبير كبيرة كتائب كنيسة كوبا كويت الكويت
    لبنان لبناني لبنانية ليبيا ليبي ليبية لندن لجنة لجان لاعب لاعبين لاعبون لقاء لائحة ليلة
    لوحة لغة لقطة لحظة لاجئ لاجئين لجوء
    """
)


# Words that end like a suffix but are whole: suffix stripping stops when it reaches one.
PROTECTED_STEMS = _normalized("فلسطين بحرين ياسين تشرين نسرين كورونا اوكرانيا")


@dataclass(frozen=True)
class StemRules:
    """The Arabic stemmer's rules; `DEFAULT_RULES` is the measured choice."""

    article_prefixes: tuple[str, ...] = ARTICLE_PREFIXES
    article_min_rest: int = 2  # letters left after removing ال and the like
    single_prefixes: str = SINGLE_PREFIXES
    single_min_rest: int = 4  # letters left after removing one of و ف ب ك ل
    max_single_prefixes: int = 2  # وب، فل، ول …
    # The prepositions ب ك ل attach to nouns, and few nouns start with ي, while many names
    # and borrowed words start with بي، كي، لي (بيتكوين، كيلومتر، ليفربول): these keep their
    # first letter. و and ف also come before verbs (ويقول، فيما), so they are still removed.
    kept_before_ya: str = "بكل"
    protected_starts: frozenset[str] = field(default=PROTECTED_STARTS)
    suffixes: tuple[str, ...] = SUFFIXES
    protected_stems: frozenset[str] = field(default=PROTECTED_STEMS)
    suffix_min_rest: int = 4  # letters left after removing a suffix
    max_suffixes: int = 2
    # حكومتها → حكومت → حكوم, as الحكومة → حكومه → حكوم: ة is written ت before a pronoun.
    ta_before_pronoun: bool = True


DEFAULT_RULES = StemRules()


def stem_arabic(word: str, rules: StemRules = DEFAULT_RULES) -> str:
    """The light stem of one normalized Arabic word; never empty for a non-empty word."""
    word = _strip_prefixes(word, rules)
    return _strip_suffixes(word, rules)


def _strip_prefixes(word: str, rules: StemRules) -> str:
    for _ in range(rules.max_single_prefixes + 1):
        for prefix in rules.article_prefixes:
            if word.startswith(prefix) and len(word) - len(prefix) >= rules.article_min_rest:
                return word[len(prefix) :]
        if (
            word[:1]
            and word[0] in rules.single_prefixes
            and len(word) - 1 >= rules.single_min_rest
            and not (word[0] in rules.kept_before_ya and word[1] == "ي")
            and not _is_protected(word, rules)
        ):
            word = word[1:]
        else:
            return word
    return word


def _is_protected(word: str, rules: StemRules) -> bool:
    return any(word[:end] in rules.protected_starts for end in range(4, len(word) + 1))


def _strip_suffixes(word: str, rules: StemRules) -> str:
    for _ in range(rules.max_suffixes):
        if word in rules.protected_stems:
            break
        for suffix in rules.suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= rules.suffix_min_rest:
                word = word[: -len(suffix)]
                if (
                    rules.ta_before_pronoun
                    and suffix in PRONOUN_SUFFIXES
                    and word.endswith("ت")
                    and not word.endswith("ات")
                    and len(word) - 1 >= rules.suffix_min_rest
                ):
                    return word[:-1]
                break
        else:
            break
    return word


@cache
def _snowball(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def stem_latin(word: str, *, algorithm: str = "english") -> str:
    """Snowball stem of a lowercased Latin-script word (English unless told otherwise)."""
    return _snowball(algorithm).stemWord(word) or word
