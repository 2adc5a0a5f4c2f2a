"""OPML in and out. Folders are kept: nested outlines become "Outer / Inner" and back."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass

FOLDER_SEPARATOR = " / "


class OpmlError(ValueError):
    """The file is not OPML khabar can read; the message says why."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str = ""
    site_url: str = ""
    folder: str = ""


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, its folder named after the outlines around it."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise OpmlError(f"not valid XML ({error})") from None
    if root.tag != "opml":
        raise OpmlError(f"the document is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("the OPML has no <body>")
    return list(feeds_in(body, folders=()))


def feeds_in(element: ET.Element, *, folders: tuple[str, ...]):
    for outline in element.findall("outline"):
        title = (outline.get("title") or outline.get("text") or "").strip()
        url = (outline.get("xmlUrl") or "").strip()
        if url:
            yield OpmlFeed(
                url=url,
                title=title,
                site_url=(outline.get("htmlUrl") or "").strip(),
                folder=FOLDER_SEPARATOR.join(folders),
            )
        else:
            yield from feeds_in(outline, folders=(*folders, title) if title else folders)


def write_opml(feeds: list[OpmlFeed], *, title: str = "khabar") -> bytes:
    """An OPML 2.0 document, UTF-8, one nested outline per folder level."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    folder_outlines: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        parent = folder_outline(folder_outlines, folder_path(feed.folder))
        attributes = {
            "type": "rss",
            "text": feed.title or feed.url,
            "title": feed.title or feed.url,
        }
        attributes["xmlUrl"] = feed.url
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        ET.SubElement(parent, "outline", attributes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def folder_path(folder: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in folder.split(FOLDER_SEPARATOR) if part.strip())


def folder_outline(
    outlines: dict[tuple[str, ...], ET.Element], path: tuple[str, ...]
) -> ET.Element:
    if path not in outlines:
        parent = folder_outline(outlines, path[:-1])
        outlines[path] = ET.SubElement(parent, "outline", text=path[-1], title=path[-1])
    return outlines[path]
