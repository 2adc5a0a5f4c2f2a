"""The search query language: what a reader types, parsed into words, phrases, exclusions, OR
groups and filters. Pure Python with no Django import, so it is tested on its own.

    المجالس المحلية           every word must be found (in any spelling the analyzer folds)
    "المجالس المحلية"         the words next to each other, in this order
    -رياضة  -"كرة القدم"      leave out articles with the word or the phrase
    مصر OR السودان            either one; OR binds tighter than the implicit AND (`|` and أو too)
    (غزة OR رفح) مساعدات      parentheses group
    source:NAME               a source's name or its web host (source:"Al Jazeera" for spaces)
    lang:ar  lang:en          the article's language
    after:2024-05-01          published on or after that day (also 2024-05 or 2024)
    before:2024-06-01         published before that day
    topic:sport  topic:رياضة  an article's topic (a taxonomy label, or its name in Arabic
                              or English; khabar.tagging.labels)
    entity:دمشق               an entity the article names, in any spelling or alias
                              (entity:"الولايات المتحدة" for spaces)

Field names have Arabic aliases (مصدر: لغة: بعد: قبل: موضوع: كيان:). A minus before a filter
(-source:NAME, -lang:en, -topic:sport, -entity:NAME) leaves those articles out. Nothing a reader types raises: a query that
cannot run carries a fatal `Problem`, and one that was read generously carries a notice.
"""

import re
from dataclasses import dataclass, field
from datetime import date

# --- What a parsed query is made of --------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Not:
    node: "Node"


@dataclass(frozen=True)
class AnyOf:
    nodes: tuple["Node", ...]


@dataclass(frozen=True)
class AllOf:
    nodes: tuple["Node", ...]


Node = Word | Phrase | Not | AnyOf | AllOf


@dataclass
class Filters:
    sources: list[str] = field(default_factory=list)
    exclude_sources: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    exclude_languages: list[str] = field(default_factory=list)
    after: date | None = None  # published on or after this day
    before: date | None = None  # published before this day
    topics: list[str] = field(default_factory=list)  # each must be one of the article's
    exclude_topics: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)  # each must be named by the article
    exclude_entities: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when a filter that narrows the results is set."""
        return bool(
            self.sources
            or self.exclude_sources
            or self.languages
            or self.exclude_languages
            or self.after
            or self.before
            or self.topics
            or self.exclude_topics
            or self.entities
            or self.exclude_entities
        )


@dataclass(frozen=True)
class Problem:
    """Something about a query worth telling the reader; `fatal` ones stop the search.

    `code` names the message (khabar.search.messages words it, in Arabic and English);
    `detail` is the part of the query it is about.
    """

    code: str
    detail: str = ""
    fatal: bool = False


EMPTY = "empty"
ONLY_EXCLUSIONS = "only_exclusions"
BAD_DATE = "bad_date"
DATES_REVERSED = "dates_reversed"
BAD_LANGUAGE = "bad_language"
MISSING_QUOTE = "missing_quote"
UNBALANCED_PARENTHESIS = "unbalanced_parenthesis"
UNKNOWN_TOPIC = "unknown_topic"
EMPTY_FILTER = "empty_filter"
NEGATED_DATE = "negated_date"


@dataclass
class ParsedQuery:
    text: str
    root: AllOf
    filters: Filters
    problems: list[Problem] = field(default_factory=list)

    @property
    def error(self) -> Problem | None:
        return next((problem for problem in self.problems if problem.fatal), None)

    @property
    def notices(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.fatal]

    @property
    def has_words(self) -> bool:
        """True when something must (or may) be found, not only left out."""
        return has_positive(self.root)


def has_positive(node: Node) -> bool:
    if isinstance(node, Word | Phrase):
        return True
    if isinstance(node, Not):
        return False
    return any(has_positive(child) for child in node.nodes)


# --- Reading the text into tokens -----------------------------------------------------------

QUOTES = '"“”«»„‟'
FIELDS = {
    "source": "source",
    "site": "source",
    "مصدر": "source",
    "المصدر": "source",
    "lang": "lang",
    "language": "lang",
    "لغة": "lang",
    "اللغة": "lang",
    "after": "after",
    "since": "after",
    "بعد": "after",
    "before": "before",
    "until": "before",
    "قبل": "before",
    "topic": "topic",
    "موضوع": "topic",
    "entity": "entity",
    "كيان": "entity",
}
OR_WORDS = frozenset({"OR", "|", "أو", "||"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "phrase", "field", "or", "open", "close"
    text: str = ""
    negated: bool = False
    name: str = ""  # a field's canonical name


def read_tokens(text: str, problems: list[Problem]) -> list[Token]:
    tokens = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        negated = char == "-" and position + 1 < length and not text[position + 1].isspace()
        if negated:
            position += 1
            char = text[position]
        if char in "()":
            if negated and char == ")":
                negated = False
            tokens.append(Token("open" if char == "(" else "close", negated=negated))
            position += 1
        elif char in QUOTES:
            phrase, position = read_quoted(text, position + 1, problems)
            tokens.append(Token("phrase", phrase, negated=negated))
        else:
            chunk, position = read_chunk(text, position)
            token = chunk_token(chunk, negated=negated)
            quoted_value = position < length and text[position] in QUOTES
            if token.kind == "field" and not token.text and quoted_value:  # source:"Al Jazeera"
                value, position = read_quoted(text, position + 1, problems)
                token = Token("field", value.strip(), negated=negated, name=token.name)
            tokens.append(token)
    return tokens


def read_quoted(text: str, start: int, problems: list[Problem]) -> tuple[str, int]:
    end = start
    while end < len(text) and text[end] not in QUOTES:
        end += 1
    if end == len(text):
        problems.append(Problem(MISSING_QUOTE, text[start:].strip()))
        return text[start:], end
    return text[start:end], end + 1


def read_chunk(text: str, start: int) -> tuple[str, int]:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in "()" + QUOTES:
        end += 1
    return text[start:end], end


def chunk_token(chunk: str, *, negated: bool) -> Token:
    if chunk in OR_WORDS and not negated:
        return Token("or")
    name, colon, value = chunk.partition(":")
    if colon and name.lower() in FIELDS:
        return Token("field", value, negated=negated, name=FIELDS[name.lower()])
    return Token("word", chunk, negated=negated)


# --- Parsing tokens into a query -------------------------------------------------------------


class Parser:
    def __init__(self, tokens: list[Token], problems: list[Problem]):
        self.tokens = tokens
        self.position = 0
        self.depth = 0
        self.problems = problems
        self.filters = Filters()

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def sequence(self) -> list[Node]:
        """Items up to the end, or up to the `)` that closes the group being read."""
        nodes = []
        while (token := self.peek()) is not None:
            if token.kind == "close":
                if self.depth > 0:
                    return nodes
                self.problems.append(Problem(UNBALANCED_PARENTHESIS))
                self.position += 1
                continue
            if token.kind == "or":  # an OR with nothing on its left: ignore it
                self.position += 1
                continue
            node = self.alternatives()
            if node is not None:
                nodes.append(node)
        return nodes

    def alternatives(self) -> Node | None:
        options = [self.atom()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.position += 1
            following = self.peek()
            if following is None or following.kind in ("or", "close"):
                break
            options.append(self.atom())
        options = [option for option in options if option is not None]
        if len(options) > 1:
            return AnyOf(tuple(options))
        return options[0] if options else None

    def atom(self) -> Node | None:
        token = self.tokens[self.position]
        self.position += 1
        if token.kind == "field":
            self.add_filter(token)
            return None
        if token.kind == "open":
            self.depth += 1
            nodes = self.sequence()
            self.depth -= 1
            if self.peek() is None:
                self.problems.append(Problem(UNBALANCED_PARENTHESIS))
            else:
                self.position += 1  # the closing parenthesis
            if not nodes:
                return None
            node = nodes[0] if len(nodes) == 1 else AllOf(tuple(nodes))
        elif token.kind == "phrase":
            if not token.text.strip():
                return None
            node = Phrase(" ".join(token.text.split()))
        else:
            node = Word(token.text)
        return Not(node) if token.negated else node

    def add_filter(self, token: Token) -> None:
        value = token.text.strip()
        if not value:
            self.problems.append(Problem(EMPTY_FILTER, f"{token.name}:"))
            return
        if token.name == "topic":
            target = self.filters.exclude_topics if token.negated else self.filters.topics
            target.append(value)
        elif token.name == "entity":
            target = self.filters.exclude_entities if token.negated else self.filters.entities
            target.append(value)
        elif token.name == "source":
            target = self.filters.exclude_sources if token.negated else self.filters.sources
            target.append(value)
        elif token.name == "lang":
            self.add_language(value, negated=token.negated)
        else:
            self.add_date(token.name, value, negated=token.negated)

    def add_language(self, value: str, *, negated: bool) -> None:
        code = value.lower().replace("_", "-").split("-")[0]
        if not _LANGUAGE.match(code):
            self.problems.append(Problem(BAD_LANGUAGE, value, fatal=True))
            return
        target = self.filters.exclude_languages if negated else self.filters.languages
        if code not in target:
            target.append(code)

    def add_date(self, name: str, value: str, *, negated: bool) -> None:
        day = parse_day(value, end=False)
        if day is None:
            self.problems.append(Problem(BAD_DATE, f"{name}:{value}", fatal=True))
            return
        if negated:
            self.problems.append(Problem(NEGATED_DATE, f"-{name}:{value}"))
        if name == "after":
            self.filters.after = day
        else:
            self.filters.before = day


def parse_day(value: str, *, end: bool) -> date | None:
    """The first day that `value` (2024-05-31, 2024-05, 2024, Arabic-Indic digits) names."""
    match = _DATE.match(value.strip().translate(_ARABIC_DIGITS))
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_query(text: str) -> ParsedQuery:
    """Parse what a reader typed; never raises. See the module docstring for the language."""
    text = (text or "")[:MAX_QUERY_CHARS]
    problems: list[Problem] = []
    parser = Parser(read_tokens(text, problems), problems)
    nodes = parser.sequence()
    filters = parser.filters
    parsed = ParsedQuery(text=text, root=AllOf(tuple(nodes)), filters=filters, problems=problems)
    if filters.after and filters.before and filters.after >= filters.before:
        problems.append(
            Problem(DATES_REVERSED, f"{filters.after:%Y-%m-%d} {filters.before:%Y-%m-%d}", True)
        )
    if not parsed.has_words and not filters:
        problems.append(Problem(ONLY_EXCLUSIONS if nodes else EMPTY, fatal=True))
    return parsed
