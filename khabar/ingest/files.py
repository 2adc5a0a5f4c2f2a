"""Saved files: read a saved HTML page or scraped text from disk, whatever its encoding.

Arabic pages saved years ago are often windows-1256; files saved by editors may carry a BOM.
The order is: a BOM, the charset the HTML declares, UTF-8, then windows-1256 (which also reads
French accented letters at their Latin-1 places).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from khabar.lib.http import declared_encodings

MAX_FILE_BYTES = 20 * 1024 * 1024
FALLBACK_ENCODING = "windows-1256"
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a Word/OpenDocument file)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
    b"RIFF": "a media file",
}
_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_HTML_TAGS = re.compile(r"<(?:p|div|article|main|h[1-6]|br|span|section)\b[^>]*>", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnreadableFile(ValueError):
    """The file cannot be ingested; the message says why in one line."""


@dataclass(frozen=True)
class SavedDocument:
    content: str
    is_html: bool


def read_saved_document(path: str | Path) -> SavedDocument:
    """The decoded content of a saved page or text file, and whether it is HTML.

    Raises UnreadableFile for a missing, unreadable, empty, binary or oversized file.
    """
    data = read_bytes(Path(path))
    what = binary_kind(data)
    if what:
        raise UnreadableFile(f"{path} is {what}, not a saved web page or text file")
    content = decode_bytes(data)
    if not content.strip():
        raise UnreadableFile(f"{path} is empty")
    if len(_CONTROL.findall(content[:4096])) > 8:
        raise UnreadableFile(f"{path} looks like a binary file, not a saved web page or text file")
    return SavedDocument(content=content, is_html=looks_like_html(content, path=Path(path)))


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{path} is a directory, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"{path} cannot be read: {error.strerror or error}") from None
    if not data.strip():
        raise UnreadableFile(f"{path} is empty")
    return data


def binary_kind(data: bytes) -> str:
    """What a binary file is ("a PDF document"), or "" when it may be text."""
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return what
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in data[:8192]:
        return "a binary file"
    return ""


def decode_bytes(data: bytes) -> str:
    """Text of a saved file: BOM, declared charset, UTF-8, then windows-1256."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    for encoding in declared_encodings(data, content_type=""):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace")


def looks_like_html(content: str, *, path: Path | None = None) -> bool:
    if path is not None and path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return True
    head = content[:5000]
    return bool(_HTML_START.match(head)) or len(_HTML_TAGS.findall(head)) >= 2
