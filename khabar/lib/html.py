"""The one HTML sanitizer (nh3). It runs last before storage so nothing can re-add unsafe HTML.

What survives: ordinary article markup with `dir` and `lang` kept (Arabic text needs them);
links and images with absolute http(s) URLs and no tracking parameters; links marked
rel="noopener nofollow" and opened in a new tab; iframes only from the embed hosts in
settings.KHABAR_EMBED_HOSTS, sandboxed. What goes: scripts, styles, event handlers, inline
styles, classes and ids, javascript:/data: URLs, forms, and every other embed.
"""

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import nh3
from django.conf import settings
from lxml import etree

from khabar.lib.urls import strip_tracking

_URL_IGNORED = re.compile(r"[\t\n\r\x00]")

TAGS = (set(nh3.ALLOWED_TAGS) - {"map", "area"}) | {"iframe"}
ATTRIBUTES = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"dir", "lang", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "iframe": {"src", "width", "height", "allowfullscreen"},
    "time": {"datetime"},
    "abbr": {"title"},
}
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
URL_SCHEMES = {"http", "https", "mailto", "tel"}
REMOVED_WITH_CONTENT = {"script", "style", "noscript", "template", "object", "embed", "svg"}
ADDED_ATTRIBUTES = {
    "a": {"target": "_blank"},
    "img": {"loading": "lazy"},
    "iframe": {
        "sandbox": "allow-scripts allow-same-origin allow-popups allow-presentation",
        "loading": "lazy",
        "referrerpolicy": "strict-origin-when-cross-origin",
    },
}


def sanitize_html(html: str, *, base_url: str = "") -> str:
    """Safe HTML: no scripts, styles or handlers; allowlisted iframes; rel="noopener nofollow".

    Relative URLs are made absolute against `base_url` (an http(s) URL) and tracking
    parameters are removed from every link and image.
    """
    if not html or not html.strip():
        return ""
    base = base_url if urlsplit(base_url or "").scheme in ("http", "https") else ""
    cleaned = clean_with_nh3(html, base=base)
    if "<iframe" in cleaned:
        # nh3 can only strip a foreign iframe's src; the empty frame is removed here, and the
        # result goes through nh3 once more so the sanitizer still has the last word.
        cleaned = clean_with_nh3(without_empty_iframes(cleaned), base=base)
    return cleaned


def clean_with_nh3(html: str, *, base: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        clean_content_tags=REMOVED_WITH_CONTENT,
        url_schemes=URL_SCHEMES,
        link_rel="noopener nofollow",
        set_tag_attribute_values=ADDED_ATTRIBUTES,
        attribute_filter=lambda tag, name, value: filtered_attribute(tag, name, value, base=base),
        strip_comments=True,
    ).strip()


def filtered_attribute(tag: str, name: str, value: str, *, base: str) -> str | None:
    """The value nh3 keeps for one attribute, or None to remove it."""
    if name not in URL_ATTRIBUTES:
        return value
    url = absolute_url(value, base=base)
    if tag == "iframe" and not is_allowed_embed(url):
        return None
    return url


def absolute_url(value: str, *, base: str) -> str:
    # Browsers delete tabs and newlines inside URLs, so "java\tscript:" is "javascript:".
    value = _URL_IGNORED.sub("", value or "").strip()
    if value.startswith("//"):
        value = "https:" + value
    if base and value and not value.startswith("#"):
        value = urljoin(base, value)
    return strip_tracking(value)


def is_allowed_embed(url: str, *, hosts: list[str] | None = None) -> bool:
    """True when `url` is an https page of an allowlisted embed host (and path prefix)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme != "https" or not parts.hostname:
        return False
    for entry in settings.KHABAR_EMBED_HOSTS if hosts is None else hosts:
        host, _slash, prefix = entry.strip().partition("/")
        if parts.hostname == host.lower() and parts.path.startswith("/" + prefix):
            return True
    return False


def without_empty_iframes(html: str) -> str:
    """`html` without the iframes that nh3 left with no src (they were not allowlisted)."""
    try:
        fragments = lxml.html.fragments_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    wrapper = lxml.html.Element("div")
    for fragment in fragments:
        if isinstance(fragment, str):
            wrapper.text = (wrapper.text or "") + fragment
        else:
            wrapper.append(fragment)
    for iframe in list(wrapper.iter("iframe")):
        if not iframe.get("src"):
            iframe.drop_tree()
    parts = [wrapper.text or ""] + [lxml.html.tostring(e, encoding="unicode") for e in wrapper]
    return "".join(parts)
