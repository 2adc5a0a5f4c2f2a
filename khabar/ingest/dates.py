"""Dates as news sites write them: RFC 822, ISO 8601, dd/mm/yyyy, Arabic month names.

Arabic months come in three families that outlets mix freely, sometimes in one date
("2 فبراير/شباط 2018"): the Egyptian/Gulf names (يناير ...), the Levantine/Iraqi names (كانون
الثاني ...), and the Maghrebi names (جانفي ... and the Moroccan يوليوز، غشت، شتنبر ...).
"""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from django.utils import timezone as django_timezone

from khabar.arabic.normalize import normalize

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
# Longer strings are article text, not a date value; only their start is searched.
MAX_SEARCHED_CHARS = 300

ARABIC_MONTHS = {
    1: ("يناير", "كانون الثاني", "كانون ثاني", "جانفي"),
    2: ("فبراير", "شباط", "فيفري"),
    3: ("مارس", "آذار"),
    4: ("أبريل", "إبريل", "نيسان", "أفريل"),
    5: ("مايو", "أيار", "ماي"),
    6: ("يونيو", "يونيه", "حزيران", "جوان"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "جويلة", "يوليوز"),
    8: ("أغسطس", "آب", "أوت", "غشت"),
    9: ("سبتمبر", "أيلول", "شتنبر"),
    10: ("أكتوبر", "تشرين الأول", "تشرين أول"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر"),
    12: ("ديسمبر", "كانون الأول", "كانون أول", "دجنبر"),
}
ENGLISH_MONTHS = {
    1: ("january", "jan"),
    2: ("february", "feb"),
    3: ("march", "mar"),
    4: ("april", "apr"),
    5: ("may",),
    6: ("june", "jun"),
    7: ("july", "jul"),
    8: ("august", "aug"),
    9: ("september", "sept", "sep"),
    10: ("october", "oct"),
    11: ("november", "nov"),
    12: ("december", "dec"),
}


def _fold(text: str) -> str:
    """Digits to ASCII and Arabic letter variants unified, so one pattern matches every spelling."""
    return normalize(text, lowercase=False).replace("،", ",")


def _month_table() -> dict[str, int]:
    table = {_fold(name): number for number, names in ARABIC_MONTHS.items() for name in names}
    table.update({name: number for number, names in ENGLISH_MONTHS.items() for name in names})
    return table


MONTHS = _month_table()
_MONTH = "|".join(
    re.escape(name).replace(r"\ ", r"\s+") for name in sorted(MONTHS, key=len, reverse=True)
)
# Either month name may stand alone or be glossed by another: "فبراير/شباط", "شباط (فبراير)".
_MONTH_GROUP = rf"(?P<month>{_MONTH})(?![^\W\d_])(?:\s*[/(\-]\s*(?:{_MONTH})\s*\)?)?"
DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:من\s+)?{_MONTH_GROUP}\.?\s*,?\s*(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
MONTH_DAY_YEAR = re.compile(
    rf"(?<![^\W\d_]){_MONTH_GROUP}\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
DAY_FIRST_NUMERIC = re.compile(
    r"(?<![\d/.\-])(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?!\d)"
)
YEAR_FIRST_NUMERIC = re.compile(
    r"(?<![\d/.\-])(?P<year>\d{4})(?P<sep>[/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![\d/.])"
)
ISO_8601 = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?(?:\s?(?:Z|[+-]\d{2}(?::?\d{2})?))?"
)
# What may follow a date on the same line before its time: " - 10:30", "، الساعة 10:30".
TIME_AFTER_DATE = re.compile(
    r"[^\d\n]{0,25}?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<meridiem>am|pm|a\.m\.|p\.m\.|صباحا|مساء|مساءا|ص|م)?(?![^\W\d_])"
    r"\s*(?P<zone>(?:بتوقيت\s+|توقيت\s+)?(?:gmt|utc|غرينتش|جرينتش|مكه(?:\s+المكرمه)?)"
    r"(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2}|z)?",
    re.IGNORECASE,
)
ZONE_OFFSETS = {"gmt": 0, "utc": 0, "z": 0, "غرينتش": 0, "جرينتش": 0, "مكه": 3}


def parse_published(value) -> datetime | None:
    """A timezone-aware datetime for `value`, or None when it is not a recognisable date.

    Accepts RFC 822, ISO 8601 (also `2017-01-22T185600`), day-first `dd/mm/yyyy` with an
    optional time, and day-month-year with Arabic (any regional family) or English month
    names, in Western, Arabic-Indic or Persian digits. Naive values get settings.TIME_ZONE.
    Never raises.
    """
    if isinstance(value, datetime):
        return _aware(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = _fold(value.strip()[:MAX_SEARCHED_CHARS])
    for parser in (_parse_iso, _parse_rfc822, _parse_with_month_name, _parse_numeric):
        try:
            found = parser(text)
        except (ValueError, OverflowError, TypeError, IndexError):
            found = None
        if found is not None and EARLIEST_YEAR <= found.year <= LATEST_YEAR:
            return _aware(found)
    return None


def _aware(moment: datetime) -> datetime:
    if django_timezone.is_aware(moment):
        return moment
    return django_timezone.make_aware(moment, django_timezone.get_default_timezone())


def _parse_iso(text: str) -> datetime | None:
    match = ISO_8601.search(text)
    if match is None:
        return None
    spelled = match.group(0).replace(",", ".")
    if len(spelled) == len("2018-02-02"):
        # A bare date may still have its time further along: "2018-02-02 - 10:30".
        year, month, day = (int(part) for part in spelled.split("-"))
        return _combine(match, year=year, month=month, day=day)
    # fromisoformat wants "+01:00" or "+0100" glued on; feeds sometimes leave a space before it.
    spelled = re.sub(r"\s(?=[+-]\d{2}|Z$)", "", spelled)
    return datetime.fromisoformat(spelled)


def _parse_rfc822(text: str) -> datetime | None:
    if not re.match(r"^(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d", text, re.IGNORECASE):
        return None
    return parsedate_to_datetime(text)


def _parse_with_month_name(text: str) -> datetime | None:
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for match in pattern.finditer(text):
            month = MONTHS[re.sub(r"\s+", " ", match["month"].lower())]
            found = _combine(match, year=int(match["year"]), month=month, day=int(match["day"]))
            if found is not None:
                return found
    return None


def _parse_numeric(text: str) -> datetime | None:
    for pattern in (DAY_FIRST_NUMERIC, YEAR_FIRST_NUMERIC):
        for match in pattern.finditer(text):
            year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
            found = _combine(match, year=year, month=month, day=day)
            if found is not None:
                return found
    return None


def _combine(match: re.Match, *, year: int, month: int, day: int) -> datetime | None:
    """The date a match names, with the time written right after it, or None if impossible."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        day_start = datetime.combine(date(year, month, day), datetime.min.time())
    except ValueError:
        return None
    clock = TIME_AFTER_DATE.match(match.string, match.end())
    if clock is None:
        return day_start
    hour, minute = int(clock["hour"]), int(clock["minute"])
    second = int(clock["second"] or 0)
    hour = _twenty_four_hour(hour, (clock["meridiem"] or "").lower())
    if hour > 23 or minute > 59 or second > 59:
        return day_start
    moment = day_start.replace(hour=hour, minute=minute, second=second)
    zone = _zone(clock["zone"])
    return moment.replace(tzinfo=zone) if zone is not None else moment


def _twenty_four_hour(hour: int, meridiem: str) -> int:
    if meridiem in ("pm", "p.m.", "مساء", "مساءا", "م") and hour < 12:
        return hour + 12
    if meridiem in ("am", "a.m.", "صباحا", "ص") and hour == 12:
        return 0
    return hour


def _zone(spelled: str | None) -> timezone | None:
    if not spelled:
        return None
    spelled = spelled.lower()
    offset = re.search(r"([+-])\s*(\d{1,2})(?::?(\d{2}))?$", spelled)
    hours = 0
    for name, base in ZONE_OFFSETS.items():
        if name in spelled.split() or spelled.endswith(name) or spelled.startswith(name):
            hours = base
            break
    delta = timedelta(hours=hours)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        delta += sign * timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
    if abs(delta) >= timedelta(hours=24):
        return None
    return UTC if not delta else timezone(delta)


# Words that may stand around a date on a "date line" under a headline.
_DATE_LINE_VOCABULARY = """
الأحد الإثنين الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت اليوم
نشر نشرت منشور في بتاريخ تاريخ النشر آخر تحديث التحديث محدث حدث
الساعة بتوقيت توقيت مكة المكرمة غرينتش جرينتش صباحا مساء ظهرا الموافق ميلادي هجري
محرم صفر ربيع الأول الثاني الآخر جمادى الأولى الآخرة رجب شعبان رمضان شوال ذو القعدة الحجة
published updated posted last modified on at gmt utc am pm
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
"""
DATE_LINE_WORDS = {_fold(word).lower() for word in _DATE_LINE_VOCABULARY.split()}
DATE_LINE_WORDS |= {part for name in MONTHS for part in name.split()}
DATE_LINE_MAX_CHARS = 100
# One other word is allowed: a place before the date, "القاهرة - 3 مارس 2018".
DATE_LINE_OTHER_WORDS = 1


def is_date_line(line: str) -> bool:
    """True when `line` is a date and little more (weekday, time, "نشر في", a place name)."""
    line = (line or "").strip()
    if not line or len(line) > DATE_LINE_MAX_CHARS or parse_published(line) is None:
        return False
    words = re.findall(r"[^\W\d_]+", _fold(line).lower())
    others = [word for word in words if word not in DATE_LINE_WORDS and len(word) > 1]
    return len(others) <= DATE_LINE_OTHER_WORDS
