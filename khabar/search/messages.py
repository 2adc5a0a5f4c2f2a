"""What each query problem says to a reader, in the interface language."""

from django.utils.translation import gettext_lazy as _

from . import NO_TERMS, NOT_READY, UNKNOWN_SOURCE
from .query import (
    BAD_DATE,
    BAD_LANGUAGE,
    DATES_REVERSED,
    EMPTY,
    EMPTY_FILTER,
    MISSING_QUOTE,
    NEGATED_DATE,
    ONLY_EXCLUSIONS,
    UNBALANCED_PARENTHESIS,
    UNKNOWN_TOPIC,
    Problem,
)

MESSAGES = {
    EMPTY: _("Type a word to search for."),
    ONLY_EXCLUSIONS: _(
        "Add a word to search for: a search cannot be made only of words to leave out."
    ),
    BAD_DATE: _("“%(detail)s” is not a date khabar can read; write it like after:2024-05-31."),
    DATES_REVERSED: _("The after: date must come before the before: date."),
    BAD_LANGUAGE: _("“%(detail)s” is not a language code; use lang:ar or lang:en."),
    MISSING_QUOTE: _(
        "A closing quotation mark was missing; the search ran as if it were at the end."
    ),
    UNBALANCED_PARENTHESIS: _("The parentheses did not match; the search ran without them."),
    UNKNOWN_TOPIC: _(
        "There is no topic “%(detail)s”; try topic:politics, economy, sport, culture, "
        "technology, science, health, religion, society, environment, world or middle-east."
    ),
    EMPTY_FILTER: _("%(detail)s needs a value, as in source:NAME; it was left out."),
    NEGATED_DATE: _("A date cannot be left out; %(detail)s was read without the minus."),
    UNKNOWN_SOURCE: _("No source is called “%(detail)s”."),
    NO_TERMS: _("Every word of this search is too common to search for; add a more specific one."),
    NOT_READY: _("The search index is still being built; try again in a minute."),
}


def problem_message(problem: Problem) -> str:
    return str(MESSAGES[problem.code]) % {"detail": problem.detail}
