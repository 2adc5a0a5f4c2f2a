"""--since DATE, shared by `khabar stories` and `khabar reenrich`."""

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def since_value(value: str | None) -> datetime | None:
    """The moment `value` names (2018-03-18, 2018-03-18T09:30, with or without an offset);
    a day starts at midnight in TIME_ZONE. Raises CommandError saying what is accepted."""
    if value is None:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since: {value!r} is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
