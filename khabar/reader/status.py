"""A source's fetch state in plain words, for the sources page."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from khabar.sources.models import Source

HTTP_STATUS = re.compile(r"\b([45]\d\d)\b")

# What a reader should understand from the status codes and failures a fetch can end with.
STATUS_EXPLANATIONS = {
    "401": gettext_lazy("the server asks for a password"),
    "403": gettext_lazy("the server refuses access"),
    "404": gettext_lazy("the server cannot find this address"),
    "410": gettext_lazy("the server says this feed is gone"),
    "429": gettext_lazy("the server asks us to slow down"),
}
SERVER_ERROR = gettext_lazy("the server had an error")
FAILURE_PATTERNS = (
    (re.compile(r"time(d)?[ -]?out", re.I), gettext_lazy("the server did not answer in time")),
    (
        re.compile(r"private|loopback|link-local|not allowed address", re.I),
        gettext_lazy("the address points to a private network"),
    ),
    (
        re.compile(r"name or service not known|nodename|dns|resolve", re.I),
        gettext_lazy("the site's name could not be found"),
    ),
    (re.compile(r"ssl|certificate|tls", re.I), gettext_lazy("the site's certificate is not valid")),
    (re.compile(r"too large|too big|max.?bytes", re.I), gettext_lazy("the response is too large")),
    (re.compile(r"redirect", re.I), gettext_lazy("the address redirects too many times")),
    (re.compile(r"refused|reset|unreachable", re.I), gettext_lazy("the server cannot be reached")),
    (
        re.compile(r"not a feed|parse|xml|malformed", re.I),
        gettext_lazy("the page is not a readable feed"),
    ),
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
        status = code.group(1)
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
    return _("Fetched %(duration)s ago") % {
        "duration": timesince(source.last_fetched_at, now, depth=1)
    }


def describe_next_check(source: Source, *, now: datetime) -> str:
    if source.kind in (Source.Kind.FILE, Source.Kind.IMPORT):
        return ""
    if not source.enabled:
        reason = explain_fetch_error(source.disabled_reason or source.last_error)
        return _("Disabled: %(reason)s") % {"reason": reason}
    if source.next_check_at is None or source.next_check_at <= now:
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
