"""What each query problem says to a reader, in the interface language."""

from django.utils.translation import gettext_lazy as _

from . import NO_TERMS, NOT_READY, UNKNOWN_SOURCE
from . import query as q
from .query import Problem

MESSAGES = {
    q.EMPTY: _("Type a word to search for."),
    q.ONLY_EXCLUSIONS: _(
        "Add a word to search for: a search cannot be made only of words to leave out."
    ),
    q.BAD_DATE: _("“%(detail)s” is not a date khabar can read; write it like after:2024-05-31."),
    q.DATES_REVERSED: _("The after: date must come before the before: date."),
    q.BAD_LANGUAGE: _("“%(detail)s” is not a language code; use lang:ar or lang:en."),
    q.MISSING_QUOTE: _(
        "A closing quotation mark was missing; the search ran as if it were at the end."
    ),
    q.UNBALANCED_PARENTHESIS: _("The parentheses did not match; the search ran without them."),
    q.NOT_AVAILABLE: _("%(detail)s filters are not available yet; the search ran without them."),
    q.EMPTY_FILTER: _("%(detail)s needs a value, as in source:NAME; it was left out."),
    q.NEGATED_DATE: _("A date cannot be left out; %(detail)s was read without the minus."),
    UNKNOWN_SOURCE: _("No source is called “%(detail)s”."),
    NO_TERMS: _("Every word of this search is too common to search for; add a more specific one."),
    NOT_READY: _("The search index is still being built; try again in a minute."),
}


def problem_message(problem: Problem) -> str:
    return str(MESSAGES[problem.code]) % {"detail": problem.detail}
