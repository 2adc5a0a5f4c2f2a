from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from khabar.ingest.dates import is_date_line, parse_published


def at(*parts, offset_hours=0):
    zone = UTC if not offset_hours else timezone(timedelta(hours=offset_hours))
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 26 Feb 2018 02:20:10 GMT", at(2018, 2, 26, 2, 20, 10)),
        ("Sun, 18 Feb 2018 21:35:43 +0400", at(2018, 2, 18, 21, 35, 43, offset_hours=4)),
        ("2017-01-20T21:43:00+01:00", at(2017, 1, 20, 21, 43, offset_hours=1)),
        ("2017-01-22T185600", at(2017, 1, 22, 18, 56)),
        ("2018-02-02T10:30:00Z", at(2018, 2, 2, 10, 30)),
        ("2018-02-02", at(2018, 2, 2)),
        ("20/01/2017", at(2017, 1, 20)),
        ("05/01/2017", at(2017, 1, 5)),  # day first, always
        ("20/01/2017 14:05", at(2017, 1, 20, 14, 5)),
        ("20-01-2017", at(2017, 1, 20)),
        ("2018/02/03", at(2018, 2, 3)),
        ("2 Feb 2018", at(2018, 2, 2)),
        ("February 2, 2018 10:30 PM", at(2018, 2, 2, 22, 30)),
    ],
)
def test_machine_formats(value, expected):
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2 شباط 2018", at(2018, 2, 2)),
        ("الجمعة 2 فبراير/شباط 2018 - 10:30", at(2018, 2, 2, 10, 30)),
        ("2 شباط (فبراير) 2018", at(2018, 2, 2)),
        ("الاثنين ٢٦ فبراير ٢٠١٨", at(2018, 2, 26)),
        ("۲۶ فبراير ۲۰۱۸", at(2018, 2, 26)),
        ("الأربعاء 18 جانفي 2017", at(2017, 1, 18)),
        ("3 أوت 2016 على الساعة 14:30", at(2016, 8, 3, 14, 30)),
        ("5 جويلية 2016", at(2016, 7, 5)),
        ("1 جوان 2016", at(2016, 6, 1)),
        ("9 أفريل 2017", at(2017, 4, 9)),
        ("9 ابريل 2017", at(2017, 4, 9)),
        ("12 كانون الأول 2017", at(2017, 12, 12)),
        ("12 كانون الثاني 2017", at(2017, 1, 12)),
        ("12 تشرين الثاني 2017 10:00 م", at(2017, 11, 12, 22)),
        ("1 آذار 2019", at(2019, 3, 1)),
        ("1 اذار 2019", at(2019, 3, 1)),
        ("30 أيلول 2019", at(2019, 9, 30)),
        ("4 يونيه 2019", at(2019, 6, 4)),
        ("10 شتنبر 2019", at(2019, 9, 10)),
        ("السبت ٣ أغسطس ٢٠١٩ - ٠٩:١٥ صباحاً", at(2019, 8, 3, 9, 15)),
        ("آخر تحديث: 02-02-2018 | 10:30 ص", at(2018, 2, 2, 10, 30)),
    ],
)
def test_arabic_dates(value, expected):
    assert parse_published(value) == expected


def test_hijri_date_is_skipped_for_the_gregorian_one_and_mecca_time_is_utc_plus_3():
    value = "نشر في: الخميس 16 جمادى الأولى 1439 هـ - 1 فبراير 2018 الساعة 10:30 بتوقيت مكة"
    assert parse_published(value) == at(2018, 2, 1, 10, 30, offset_hours=3)


@override_settings(TIME_ZONE="Asia/Riyadh")
def test_naive_times_get_the_configured_time_zone():
    parsed = parse_published("20/01/2017 14:05")
    assert parsed.utcoffset() == timedelta(hours=3)
    assert parsed == at(2017, 1, 20, 11, 5)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "garbage",
        "31/02/2018",
        "02/25/2018",
        "۲۶ فبراير ۱۳۹۷",
        "مارس الرياضة 15 عاما",
        None,
        42,
    ],
)
def test_not_a_date(value):
    assert parse_published(value) is None


@given(st.text(max_size=80))
def test_never_raises(value):
    result = parse_published(value)
    assert result is None or result.tzinfo is not None


@pytest.mark.parametrize(
    "line",
    [
        "نشر في 3 آذار 2009",
        "الأحد 12 أكتوبر 2025 - 09:45",
        "آخر تحديث: 02-02-2018 | 10:30 ص",
        "الخميس 16 جمادى الأولى 1439 هـ - 1 فبراير 2018",
        "القاهرة - 3 مارس 2018",
        "Published on 2 Feb 2018 10:30 GMT",
    ],
)
def test_date_lines(line):
    assert is_date_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "أعلنت الحكومة أن الانتخابات ستجري في 5 مايو 2026.",
        "ستجري الانتخابات 5 مايو 2026",
        "العنوان الرئيسي للخبر",
        "",
    ],
)
def test_sentences_with_dates_are_not_date_lines(line):
    assert not is_date_line(line)
