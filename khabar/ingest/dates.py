"""Dates as news sites write them: RFC 822, ISO 8601, dd/mm/yyyy, Arabic month names.

STUB: owned by the extraction helper; the signature below is the contract.
"""

from datetime import datetime


def parse_published(value: str) -> datetime | None:
    """A timezone-aware datetime for `value`, or None when it is not a recognisable date."""
    return None
