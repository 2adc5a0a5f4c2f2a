"""One document through the understanding steps of ingest, for `khabar analyze`.

extract (`khabar.ingest.extract`) → clean (`khabar.ingest.clean`) → language → topics →
entities → keyphrases, as the pipeline runs them, without a database.

Offsets. For a plain-text file, entity offsets index the file's text exactly as read (the
bytes decoded as UTF-8, nothing normalized: a BOM, CR LF line ends and marks all count), even
where cleaning dropped lines: the tagger reads the file's text with the dropped lines blanked
out character for character, so a repeated headline or a "subscribe" line gives no entity and
every offset still points into the file. For an HTML page the offsets index the extracted text
(the headline, a blank line, then the cleaned body), which the result includes as "body".
"""

import re
from dataclasses import dataclass
from pathlib import Path

from khabar.ingest.clean import clean_article
from khabar.ingest.extract import extract_from_html, extract_from_text
from khabar.ingest.files import UnreadableFile, read_bytes, read_saved_document
from khabar.ingest.language import detect_language

from .entities import Entity, extract_entities, script_language
from .keyphrases import extract_keyphrases

_LINE = re.compile(
    r"[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])?"
)


@dataclass(frozen=True)
class Analysis:
    title: str
    language: str
    topics: list[tuple[str, float]]
    entities: list[Entity]
    keyphrases: list[str]
    body: str | None = None  # the text entity offsets index, for HTML (None: the file's text)

    def as_dict(self) -> dict:
        result = {
            "language": self.language,
            "topics": [{"label": label, "score": round(score, 3)} for label, score in self.topics],
            "entities": [
                {
                    "text": e.text,
                    "type": e.type,
                    "canonical": e.canonical,
                    "start": e.start,
                    "end": e.end,
                }
                for e in self.entities
            ],
            "keyphrases": self.keyphrases,
        }
        if self.body is not None:
            result["body"] = self.body
        return result


def analyze_file(path: str | Path, *, entity_model=None, topic_model=None) -> Analysis:
    """Analyze a saved HTML page or text file. Raises UnreadableFile (one-line message) for a
    missing, empty, binary or unreadable file, or one with nothing left after cleaning."""
    document = read_saved_document(path)
    if document.is_html:
        return analyze_html(document.content, entity_model=entity_model, topic_model=topic_model)
    data = read_bytes(Path(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = document.content  # not UTF-8: offsets index the text as khabar decoded it
    return analyze_text(text, entity_model=entity_model, topic_model=topic_model)


def analyze_text(text: str, *, entity_model=None, topic_model=None) -> Analysis:
    """Analyze scraped plain text; entity offsets index `text` itself."""
    item = clean_article(extract_from_text(text))
    if not item.title.strip() and not item.text.strip():
        raise UnreadableFile("nothing is left of the text after cleaning")
    kept = blank_dropped_lines(text, kept=[item.title, *item.text.splitlines()])
    return _analysis(item, entity_text=kept, body=None, models=(entity_model, topic_model))


def analyze_html(html: str, *, entity_model=None, topic_model=None) -> Analysis:
    """Analyze an HTML page; entity offsets index the returned `body`."""
    item = clean_article(extract_from_html(html))
    if not item.title.strip() and not item.text.strip():
        raise UnreadableFile("no article text found on the page")
    body = f"{item.title}\n\n{item.text}" if item.title and item.text else item.title or item.text
    return _analysis(item, entity_text=body, body=body, models=(entity_model, topic_model))


def _analysis(item, *, entity_text: str, body: str | None, models) -> Analysis:
    from .topics import TopicModelError, predict_topics

    entity_model, topic_model = models
    language = item.language or detect_language(f"{item.title}\n{item.text}")
    try:
        topics = predict_topics(item.title, item.text, model=topic_model)
    except TopicModelError:
        topics = []
    script = language if language in ("ar", "en") else script_language(entity_text)
    found = extract_entities(entity_text, model=entity_model, language=script)
    keyphrases = extract_keyphrases(f"{item.title}\n{item.text}", names=[e.text for e in found])
    return Analysis(item.title, language, topics, found, keyphrases, body)


def blank_dropped_lines(text: str, *, kept: list[str]) -> str:
    """`text` with every line that is not in `kept` (in order) turned into spaces, character
    for character, its line end kept: offsets into the result are offsets into `text`."""
    wanted = [line.strip() for line in kept if line.strip()]
    out = []
    position = 0
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            break
        content = line.rstrip("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")
        if position < len(wanted) and content.strip() == wanted[position]:
            out.append(line)
            position += 1
        else:
            out.append(" " * len(content) + line[len(content) :])
    return "".join(out)
