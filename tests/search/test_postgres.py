"""The PostgreSQL backend's windows of publication time and its tsquery text (no database)."""

from datetime import UTC, datetime
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from khabar.search._postgres import (
    DIRECT_FACTOR,
    MAX_WINDOWS,
    Compiler,
    IndexStats,
    Window,
    Windows,
    adjacent,
    day_number,
    day_start,
    filter_query,
    markers,
    pair_marker,
    rank_query,
    terms_literal,
)
from khabar.search.analysis import plan_query
from khabar.search.backend import COUNT_LIMIT, IndexDocument, SearchRequest
from khabar.search.query import parse_query


def request(text="x", **fields):
    return SearchRequest(plan=plan_query(parse_query(text)), **fields)


def days_of(window, oldest=-(10**4)):
    """The days a block window searches, less the days from `before` on."""
    level, block = window.query.strip("'").removeprefix("~d").split(".")
    size = 1 << int(level)
    limit = day_number(window.before) if window.before else None
    return {
        day
        for day in range(int(block) * size, (int(block) + 1) * size)
        if limit is None or day < limit
    }


def planned(span, *, estimate, stats, found=10**9, **fields):
    """Every window of a search whose windows each find `found` matches."""
    plan = Windows(span, stats=stats, estimate=estimate, request=request(**fields))
    return list(iter(lambda: plan.next(found), None))


@given(st.integers(-3000, 3000), st.integers(0, 3000), st.integers(1, 10**6))
def test_windows_go_newest_first_over_every_day_once_then_the_rest(oldest, span, estimate):
    newest = oldest + span
    stats = IndexStats(documents=10**6, quantiles=tuple(range(oldest, newest + 1, 7)))
    found = planned((newest, oldest), stats=stats, estimate=estimate)
    if estimate <= DIRECT_FACTOR * COUNT_LIMIT:
        assert found == [Window("", everything=True)]  # everything at once, the undated too
        return
    blocks = [window for window in found if window.query.startswith("'~d")]
    seen = [days_of(window) for window in blocks]
    assert all(max(later) < min(earlier) for earlier, later in pairwise(seen))
    assert min(seen[0]) <= newest <= max(seen[0])
    last = found[-1]
    if last == Window("'~u'"):  # the blocks covered every day
        assert set().union(*seen) >= set(range(oldest, newest + 1))
    else:  # the rest: every article outside the blocks
        assert last == Window(" & ".join(f"!{window.query}" for window in blocks))
    assert len(found) <= MAX_WINDOWS + 1


def test_windows_grow_and_stay_within_the_expected_matches():
    stats = IndexStats(documents=10**6, quantiles=tuple(range(0, 161)))  # a day a quantile
    found = planned((163, 0), stats=stats, estimate=100_000)
    # 1.5% of the articles from day 158 on: the block of days 160-163; then 6% (150 on),
    # 24% (122 on), 96% (6 on), each the block that reaches furthest back, no further
    assert [days_of(window) for window in found[:4]] == [
        set(range(160, 164)),
        set(range(156, 160)),
        set(range(128, 156)),
        set(range(64, 128)),
    ]
    assert found[4] == Window(" & ".join(f"!{window.query}" for window in found[:4]))
    assert found[0].before is None and found[2].before == day_start(156)


def test_windows_that_find_far_fewer_than_expected_leave_the_rest_to_one_search():
    stats = IndexStats(documents=10**6, quantiles=tuple(range(0, 161)))
    found = planned((163, 0), stats=stats, estimate=100_000, found=10)
    assert found == [Window("'~d2.40'"), Window("!'~d2.40'")]


def test_date_filters_narrow_the_windows_and_leave_out_the_undated():
    after = datetime(2024, 5, 1, tzinfo=UTC)
    day = day_number(after)
    stats = IndexStats(documents=10**6, quantiles=tuple(range(day - 200, day + 101)))
    found = planned((day + 100, day - 200), stats=stats, estimate=10**6, after=after)
    assert Window("'~u'") not in found
    assert min(day for window in found[:-1] for day in days_of(window)) <= day + 100
    assert planned((None, None), stats=stats, estimate=10) == [Window("'~u'")]
    assert planned((None, None), stats=stats, estimate=10, after=after) == []


def test_markers_name_source_language_and_days():
    document = IndexDocument(
        article_id=1,
        updated_at=datetime(2024, 1, 1, tzinfo=UTC),
        source_id=7,
        language="ar",
        published_at=datetime(2024, 5, 8, tzinfo=UTC),
        words_text="مجلس",
        grams_text="",
    )
    found = markers(document)
    day = day_number(document.published_at)
    assert found[:2] == ["~s7", "~lar"]
    assert f"~d0.{day}" in found and f"~d14.{day >> 14}" in found
    undated = IndexDocument(**{**document.__dict__, "published_at": None})
    assert markers(undated) == ["~s7", "~lar", "~u"]


def test_terms_literal_keeps_positions_and_quotes():
    literal = terms_literal(["a", "b'c", "a"], ["~s1"])
    assert literal == "'a':1,3 'b''c':2 '~s1'"


def test_filters_become_marker_lexemes():
    found = filter_query(
        request(
            source_ids=[1, 2], exclude_source_ids=(3,), languages=("ar",), exclude_languages=("en",)
        )
    )
    assert found == "('~s1' | '~s2') & !'~s3' & '~lar' & !'~len'"
    assert filter_query(request(source_ids=[])) == "'~none'"


class NoVocabulary:
    def execute(self, sql, params):
        pass

    def fetchall(self):
        return []


def test_queries_compile_to_tsquery_text():
    def compiled(text):
        plan = plan_query(parse_query(text))
        return Compiler(NoVocabulary()).match(plan.root), rank_query(plan.root)

    assert compiled('المجالس -"في الجنوب"') == ("('مجالس' & !'جنوب')", "'مجالس'")
    pair = pair_marker("مجالس", "محلي")
    assert compiled('"المجالس المحلية" OR مصر') == (
        f"((('{pair}' & 'مجالس' & 'محلي' & ('مجالس' <-> 'محلي')) | 'مصر'))",
        "(('مجالس' <-> 'محلي') | 'مصر')",
    )


def test_phrases_are_found_through_pairs_and_checked_by_position():
    first, second = pair_marker("a", "b"), pair_marker("b", "c")
    assert adjacent(("a",)) == "'a'"
    assert adjacent(("a", "b")) == f"('{first}' & 'a' & 'b' & ('a' <-> 'b'))"
    three = adjacent(("a", "b", "c"))
    assert three.endswith("& 'a' & 'b' & 'c' & ('a' <-> 'b' <-> 'c'))")
    assert f"'{first}'" in three and f"'{second}'" in three
    assert len({pair_marker(str(n), "x") for n in range(1000)}) > 990
    assert all(len(pair_marker(str(n), "x")) == 4 for n in range(100))
