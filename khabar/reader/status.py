"""A source's fetch state in plain words, for the sources page."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from khabar.sources.models import Source

# The fetcher words its errors for people ("the server answered 410 Gone", "could not find the
# address of ..."); these say the same in the reader's language. A status code counts only
# where it reads as one, not inside a URL or a port.
HTTP_STATUS = re.compile(
    r"(?:\banswered|\bHTTP(?:/[\d.]+)?|\bstatus)\s+([45]\d\d)\b|^([45]\d\d)\b", re.I
)
STATUS_EXPLANATIONS = {
    "401": gettext_lazy("the server asks for a password"),
    "403": gettext_lazy("the server refuses access"),
    "404": gettext_lazy("the server cannot find this address"),
    "410": gettext_lazy("the server says this feed is gone"),
    "429": gettext_lazy("the server asks us to slow down"),
}
SERVER_ERROR = gettext_lazy("the server had an error")
FAILURE_PATTERNS = tuple(
    (re.compile(pattern, re.I), explanation)
    for pattern, explanation in (
        (
            r"private|loopback|link-local|reserved address",
            gettext_lazy("the address points to a private network"),
        ),
        (
            r"timed? ?out|did not answer|waited too long",
            gettext_lazy("the server did not answer in time"),
        ),
        (
            r"could not find the address|name or service not known|getaddrinfo",
            gettext_lazy("the site's name could not be found"),
        ),
        (r"certificate|\bssl\b|\btls\b", gettext_lazy("the site's certificate is not valid")),
        (r"larger than|too large", gettext_lazy("the response is too large")),
        (r"redirect", gettext_lazy("the address redirects too many times")),
        (
            r"could not connect|connection to .* failed|refused|reset|unreachable",
            gettext_lazy("the server cannot be reached"),
        ),
        (
            r"not a feed|feed could not be read|not a JSON Feed|JSON Feed has no",
            gettext_lazy("the page is not a readable feed"),
        ),
        (
            r"could not be read as an article",
            gettext_lazy("the page has no article text that could be read"),
        ),
    )
)


@dataclass
class SourceStatus:
    """Sentences that describe one source; `problem` is None when nothing is wrong."""

    source: Source
    fetched: str
    next_check: str
    problem: str | None


def explain_fetch_error(error: str) -> str:
    """The fetcher's error message in words a reader understands, keeping the status code."""
    error = (error or "").strip()
    code = HTTP_STATUS.search(error)
    if code:
        status = code.group(1) or code.group(2)
        explanation = STATUS_EXPLANATIONS.get(status)
        if explanation is None and status.startswith("5"):
            explanation = SERVER_ERROR
        if explanation is not None:
            return f"{explanation} ({status})"
    for pattern, explanation in FAILURE_PATTERNS:
        if pattern.search(error):
            return str(explanation)
    return error or _("an unknown error")


def describe_fetched(source: Source, *, now: datetime) -> str:
    if source.kind in (Source.Kind.FILE, Source.Kind.IMPORT):
        return _("Added from files, not fetched")
    if source.last_fetched_at is None:
        return _("Not fetched yet")
    if now - source.last_fetched_at < timedelta(minutes=1):
        return _("Fetched just now")
    return _("Fetched %(duration)s ago") % {
        "duration": timesince(source.last_fetched_at, now, depth=1)
    }


def describe_next_check(source: Source, *, now: datetime) -> str:
    if source.kind in (Source.Kind.FILE, Source.Kind.IMPORT):
        return ""
    if not source.enabled:
        reason = explain_fetch_error(source.disabled_reason or source.last_error)
        return _("Disabled: %(reason)s") % {"reason": reason}
    if source.next_check_at is None or source.next_check_at - now < timedelta(minutes=1):
        return _("Due for a check now")
    return _("Next check in %(duration)s") % {
        "duration": timeuntil(source.next_check_at, now, depth=1)
    }


def describe_problem(source: Source, *, now: datetime) -> str | None:
    if not source.last_error:
        return None
    error = explain_fetch_error(source.last_error)
    when = {"duration": timesince(source.last_error_at, now, depth=1)}
    # A disabled source already says why; repeating the same error beside it is noise.
    if not source.enabled and error == explain_fetch_error(source.disabled_reason):
        sentence = _("Last failed %(duration)s ago") % when if source.last_error_at else ""
    elif source.last_error_at:
        sentence = _("Last error %(duration)s ago: %(error)s") % {**when, "error": error}
    else:
        sentence = _("Last error: %(error)s") % {"error": error}
    if source.error_count:
        attempts = ngettext(
            "%(count)d failed attempt in a row",
            "%(count)d failed attempts in a row",
            source.error_count,
        ) % {"count": source.error_count}
        sentence = f"{sentence} · {attempts}" if sentence else attempts
    return sentence or None


def describe_source(source: Source, *, now: datetime) -> SourceStatus:
    """The last fetch, the next check and the last error of `source`, translated."""
    return SourceStatus(
        source=source,
        fetched=describe_fetched(source, now=now),
        next_check=describe_next_check(source, now=now),
        problem=describe_problem(source, now=now),
    )
