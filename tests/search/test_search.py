"""The search index through its public api: matching, visibility, facets, ranking, paging, errors.

Runs on SQLite (FTS5) and, with ``DATABASE_URL``, on PostgreSQL (tsvector + GIN): same tests.
Documents use the source ``test.search`` so the demo's own documents never interfere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from educloud.algos.text import analyze_query
from educloud.lib.errors import InvalidInput
from educloud.search import api, backends, services
from educloud.search.api import DocumentInput, document_delete, document_upsert, search, suggest

pytestmark = pytest.mark.django_db

SRC = "test.search"
T0 = datetime(2026, 9, 1, tzinfo=UTC)
SICHUAN_SCHOOL = "school:S5101210007"  # a school of 金堂县 (四川)
CHONGQING_TEACHER = [
    "public",
    "circle",
    "user:7",
    "school:S5001180001",
    "county:500118",
    "city:500000",
    "province:500000",
]


def _doc(object_id: str, title: str, **kwargs: object) -> None:
    kwargs.setdefault("updated_at", T0)
    document_upsert(source=SRC, object_id=object_id, title=title, **kwargs)  # type: ignore[arg-type]


def _ids(query: str, keys: list[str] | None = None, **kwargs: object) -> list[str]:
    result = search(query=query, source=SRC, visibility_keys=keys or ["public"], **kwargs)  # type: ignore[arg-type]
    return [hit.object_id for hit in result.items]


@pytest.fixture
def corpus() -> None:
    _doc(
        "pyth",
        "人教版八年级数学下册《勾股定理》教学设计",
        body="探究直角三角形三边关系。",
        tags=["勾股定理"],
        facets={"subject": "数学", "stage": "初中", "grade": 8, "province_code": "500000"},
        quality=0.6,
        url="/library/resources/pyth/",
    )
    _doc(
        "quad",
        "一元二次方程的解法 课件",
        body="配方法与公式法。",
        tags=["一元二次方程"],
        facets={"subject": "数学", "stage": "初中", "grade": 9, "province_code": "510000"},
        quality=0.4,
    )
    _doc(
        "photo",
        "光合作用实验视频",
        body="绿色植物在光照下制造有机物。",
        facets={"subject": "生物学", "stage": "初中", "grade": 7, "province_code": "510000"},
        quality=0.9,
    )
    _doc(
        "classic",
        "文言文阅读：岳阳楼记",
        body="范仲淹 先天下之忧而忧。",
        facets={"subject": "语文", "stage": "初中", "grade": 9, "province_code": "500000"},
        quality=0.2,
    )
    _doc(
        "trad", "國中數學 函數圖像", body="繁體中文撰寫的講義。", facets={"subject": "数学", "stage": "初中"}
    )
    _doc(
        "cnc", "数控技术 车床编程实训", body="中职数控专业。", facets={"subject": "数控技术", "stage": "中职"}
    )
    _doc(
        "sc-school",
        "金堂县校本勾股定理练习",
        facets={"subject": "数学", "province_code": "510000"},
        visibility_keys=[SICHUAN_SCHOOL],
        quality=1.0,
    )
    _doc("circle", "川渝联合教研：勾股定理说课稿", visibility_keys=["circle"], facets={"subject": "数学"})


# -- matching -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("勾股定理", ["pyth"]),
        ("一元二次方程", ["quad"]),
        ("光合作用", ["photo"]),
        ("文言文", ["classic"]),
        ("数控技术", ["cnc"]),
        ("勾股", ["pyth"]),  # a dictionary word inside a longer one
        ("直角三角形", ["pyth"]),  # from the body
        ("范仲淹", ["classic"]),
    ],
)
def test_chinese_queries_find_the_right_documents(corpus: None, query: str, expected: list[str]):
    assert _ids(query) == expected


def test_traditional_and_simplified_meet(corpus: None):
    assert set(_ids("數學")) == {"pyth", "quad", "trad"}  # also quad: its subject facet is searchable text
    assert _ids("函数图像") == ["trad"]  # simplified query finds a traditional title
    assert _ids("勾股定理 數學") == ["pyth"]


def test_full_width_and_case_are_folded(corpus: None):
    _doc("py", "Python 编程入门", facets={"subject": "信息技术"})
    assert _ids("ＰＹＴＨＯＮ") == ["py"]


def test_pinyin_initials(corpus: None):
    assert _ids("ggdl") == ["pyth"]
    assert "pyth" in _ids("gg")
    assert set(_ids("gg", ["all"])) == {"sc-school", "pyth", "circle"}


def test_all_words_must_match(corpus: None):
    assert _ids("勾股定理 光合作用") == []
    assert _ids("勾股定理 教学设计") == ["pyth"]


def test_blank_or_stop_word_query_browses_by_quality_then_recency(corpus: None):
    _doc("late", "最近上传的资源", quality=0.6, updated_at=T0 + timedelta(days=3))
    assert _ids("")[:3] == ["photo", "late", "pyth"]  # 0.9; 0.6 newer; 0.6
    assert _ids("的")[:3] == ["photo", "late", "pyth"]
    assert _ids("", filters={"subject": "数学"}) == ["pyth", "quad", "trad"]


# -- visibility ---------------------------------------------------------------------------------------------
def test_anonymous_sees_only_public(corpus: None):
    found = _ids("勾股定理")
    assert found == ["pyth"]
    assert "sc-school" not in _ids("", page_size=100) and "circle" not in _ids("", page_size=100)


def test_a_sichuan_school_document_never_shows_for_a_chongqing_teacher(corpus: None):
    for query in ["勾股定理", "金堂县", "ggdl", ""]:
        assert "sc-school" not in _ids(query, CHONGQING_TEACHER, page_size=100)
    result = search(
        query="勾股定理", source=SRC, visibility_keys=CHONGQING_TEACHER, facet_fields=["province_code"]
    )
    assert result.count == 2  # pyth (public) and circle
    assert ("510000", 1) not in result.facets["province_code"]
    assert suggest(prefix="金堂", source=SRC, visibility_keys=CHONGQING_TEACHER) == []


def test_the_school_sees_its_own_document_and_the_joint_office_sees_everything(corpus: None):
    assert "sc-school" in _ids("勾股定理", ["public", SICHUAN_SCHOOL])
    assert set(_ids("勾股定理", ["all"])) == {"pyth", "sc-school", "circle"}


def test_no_keys_sees_nothing(corpus: None):
    result = search(query="", source=SRC, visibility_keys=[], facet_fields=["subject"])
    assert (result.items, result.count, result.facets) == ([], 0, {"subject": []})


# -- facets and filters -----------------------------------------------------------------------------------
def test_facet_counts(corpus: None):
    result = search(query="", source=SRC, visibility_keys=["public"], facet_fields=["subject", "grade"])
    assert result.count == 6
    assert result.facets["subject"] == [("数学", 3), ("数控技术", 1), ("生物学", 1), ("语文", 1)]
    assert result.facets["grade"] == [("9", 2), ("7", 1), ("8", 1)]  # ints stored as text


def test_facet_counts_follow_a_changed_document(corpus: None):
    # PostgreSQL counts from the facet values copied into the match rows: a rewrite must refresh them.
    _doc("cnc", "数控技术 车床编程实训", facets={"subject": "机械加工", "stage": "中职", "grade": 10})
    result = search(query="", source=SRC, visibility_keys=["public"], facet_fields=["subject", "grade"])
    assert result.facets["subject"] == [("数学", 3), ("机械加工", 1), ("生物学", 1), ("语文", 1)]
    assert result.facets["grade"] == [("9", 2), ("10", 1), ("7", 1), ("8", 1)]
    document_delete(source=SRC, object_id="cnc")
    result = search(query="", source=SRC, visibility_keys=["public"], facet_fields=["subject"])
    assert result.facets["subject"] == [("数学", 3), ("生物学", 1), ("语文", 1)]


def test_filters_combine(corpus: None):
    assert _ids("", filters={"subject": "数学", "grade": 9}) == ["quad"]
    assert _ids("数学", filters={"province_code": "500000"}) == ["pyth"]
    assert _ids("", filters={"subject": "数学", "grade": ""}) == ["pyth", "quad", "trad"]  # blank = no filter


def test_unknown_facets_are_rejected_by_name(corpus: None):
    with pytest.raises(InvalidInput, match="colour") as error:
        search(query="", source=SRC, visibility_keys=["public"], filters={"colour": "red"})
    assert error.value.field == "colour"
    with pytest.raises(InvalidInput, match="size"):
        search(query="", source=SRC, visibility_keys=["public"], facet_fields=["subject", "size"])
    with pytest.raises(InvalidInput, match="colour"):
        document_upsert(source=SRC, object_id="x", title="标题", facets={"colour": "red"})
    with pytest.raises(InvalidInput, match="subject"):
        search(query="", source=SRC, visibility_keys=["public"], filters={"subject": ["数学"]})  # type: ignore[dict-item]


# -- writes ---------------------------------------------------------------------------------------------
def _index_rows() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM search_fts")
        else:
            cursor.execute("SELECT count(*) FROM search_match")
        return int(cursor.fetchone()[0])


def test_upsert_is_idempotent_and_replaces(corpus: None):
    before = _index_rows()
    for _ in range(3):
        _doc("pyth", "人教版八年级数学下册《勾股定理》教学设计", quality=0.6)
    assert _index_rows() == before
    assert search(query="勾股定理", source=SRC, visibility_keys=["public"]).count == 1
    _doc("pyth", "勾股定理的证明（修订版）", visibility_keys=["circle"])
    assert _ids("教学设计") == []  # the old title is gone
    assert _ids("勾股定理") == []  # now circle only
    assert "pyth" in _ids("证明", ["circle"])
    assert _index_rows() == before


def test_delete(corpus: None):
    before = _index_rows()
    document_delete(source=SRC, object_id="pyth")
    document_delete(source=SRC, object_id="pyth")  # absent: nothing happens
    document_delete(source=SRC, object_id="never-indexed")
    assert _ids("勾股定理") == []
    assert _index_rows() == before - 1


def test_bulk_upsert(corpus: None):
    docs = [
        DocumentInput(object_id=f"b{i}", title=f"批量资源 第{i}号 欧姆定律", quality=i / 10) for i in range(5)
    ]
    assert (
        api.documents_bulk_upsert(source=SRC, docs=[*docs, {"object_id": "b9", "title": "字典 欧姆定律"}])
        == 6
    )
    assert _ids("欧姆定律", page_size=3) == ["b4", "b3", "b2"]
    assert api.documents_bulk_upsert(source=SRC, docs=docs[:2]) == 2  # again: replaces, no duplicates
    assert search(query="欧姆定律", source=SRC, visibility_keys=["public"]).count == 6


def test_bulk_upsert_with_worker_processes(corpus: None):
    docs = [DocumentInput(object_id=f"w{i}", title=f"并行分析 化学方程式 {i}") for i in range(2500)]
    assert api.documents_bulk_upsert(source=SRC, docs=docs, workers=2) == 2500
    assert search(query="化学方程式", source=SRC, visibility_keys=["public"]).count == 2500


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 301}, "title"),
        ({"visibility_keys": []}, "visibility_keys"),
        ({"visibility_keys": "public"}, "visibility_keys"),
        ({"visibility_keys": ["all"]}, "visibility_keys"),
        ({"visibility_keys": ["school: S1"]}, "visibility_keys"),
        ({"quality": float("nan")}, "quality"),
        ({"quality": "high"}, "quality"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "//evil.example/x"}, "url"),
        ({"tags": "数学"}, "tags"),
        ({"tags": ["ok", ""]}, "tags"),
        ({"facets": {"subject": True}}, "subject"),
        ({"object_id": ""}, "object_id"),
        ({"object_id": "a b"}, "object_id"),
        ({"updated_at": datetime(2026, 1, 1)}, "updated_at"),  # naive on purpose
    ],
)
def test_bad_documents_are_rejected_with_the_field(kwargs: dict[str, object], field: str):
    args: dict[str, object] = {"source": SRC, "object_id": "bad", "title": "标题"}
    with pytest.raises(InvalidInput) as error:
        document_upsert(**{**args, **kwargs})  # type: ignore[arg-type]
    assert error.value.field == field
    assert search(query="", source=SRC, visibility_keys=["all"]).count == 0  # nothing written


def test_quality_is_clamped_to_0_1(corpus: None):
    _doc("hi", "超高分 欧姆定律", quality=7.5)
    _doc("lo", "负分 欧姆定律", quality=-2)
    assert _ids("", filters={}, page_size=1) == ["hi"]
    assert _ids("欧姆定律") == ["hi", "lo"]


# -- ranking ----------------------------------------------------------------------------------------------
def test_title_match_outranks_body_match_and_quality_breaks_ties():
    _doc("body", "初中物理复习资料", body="本单元包括欧姆定律的实验探究。", quality=0.5)
    _doc("title", "欧姆定律 实验探究", body="电流与电压、电阻的关系。", quality=0.5)
    _doc("title-better", "欧姆定律 实验探究", body="电流与电压、电阻的关系。", quality=0.8)
    ranked = search(query="欧姆定律", source=SRC, visibility_keys=["public"]).items
    assert [h.object_id for h in ranked] == ["title-better", "title", "body"]
    assert ranked[0].score > ranked[1].score > ranked[2].score > 0


def test_results_past_the_candidates_continue_in_static_order(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(backends, "RERANK_CANDIDATES", 3)
    for i in range(12):
        titled = i % 4 == 0
        _doc(
            f"d{i:02}",
            "欧姆定律 专题" if titled else "物理复习资料",
            body="" if titled else "欧姆定律 复习",
            quality=(i % 7) / 10,
        )
    seen = [oid for page in range(1, 7) for oid in _ids("欧姆定律", page=page, page_size=2)]
    assert sorted(seen) == [f"d{i:02}" for i in range(12)]  # every match once, none lost
    assert _ids("欧姆定律", page=7, page_size=2) == []


# -- counting and paging ----------------------------------------------------------------------------------
def test_page_bounds(corpus: None):
    for page, size in [(0, 20), (-1, 20), (1, 0), (1, 101), (501, 20), (2, 10_000)]:
        with pytest.raises(InvalidInput):
            search(query="", source=SRC, visibility_keys=["public"], page=page, page_size=size)
    last = search(query="", source=SRC, visibility_keys=["public"], page=3, page_size=5)
    assert (last.items, last.count) == ([], 6)  # past the end: empty, true count


def test_counts_are_exact_up_to_the_limit(corpus: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(backends, "COUNT_LIMIT", 4)
    capped = search(query="", source=SRC, visibility_keys=["public"])
    assert (capped.count, capped.count_exact) == (4, False)
    exact = search(query="", source=SRC, visibility_keys=["public"], exact_count=True)
    assert (exact.count, exact.count_exact) == (6, True)


def test_query_length_limit():
    with pytest.raises(InvalidInput) as error:
        search(query="字" * 201, source=SRC, visibility_keys=["public"])
    assert error.value.field == "q"


# -- presentation ----------------------------------------------------------------------------------------
def test_hits_carry_highlighted_escaped_titles(corpus: None):
    _doc("xss", "<script>alert(1)</script> 欧姆定律", body="欧姆定律 <b>粗体</b>")
    hit = search(query="欧姆定律", source=SRC, visibility_keys=["public"]).items[0]
    assert hit.highlight_title == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>欧姆定律</mark>"
    assert "<b>" not in hit.snippet and "<mark>欧姆定律</mark>" in hit.snippet
    pyth = search(query="数学", source=SRC, visibility_keys=["public"]).items
    assert any(h.url == "/library/resources/pyth/" for h in pyth)
    trad = search(query="数学", source=SRC, visibility_keys=["public"]).items
    assert any(h.highlight_title.startswith("國中<mark>數學</mark>") for h in trad)


# -- suggestions -----------------------------------------------------------------------------------------
def test_suggest(corpus: None):
    assert suggest(prefix="勾股", source=SRC, visibility_keys=["public"]) == [
        "人教版八年级数学下册《勾股定理》教学设计"
    ]
    assert suggest(prefix="ggd", source=SRC, visibility_keys=["public"]) == [
        "人教版八年级数学下册《勾股定理》教学设计"
    ]
    assert suggest(prefix="一元二", source=SRC, visibility_keys=["public"]) == ["一元二次方程的解法 课件"]
    assert suggest(prefix="勾股", source=SRC, visibility_keys=["all"])[0] == "金堂县校本勾股定理练习"
    assert suggest(prefix="", source=SRC, visibility_keys=["public"]) == []
    assert len(suggest(prefix="勾", source=SRC, visibility_keys=["all"], limit=2)) <= 2
    with pytest.raises(InvalidInput):
        suggest(prefix="勾", source=SRC, visibility_keys=["public"], limit=0)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_keeps_our_terms_whole():
    _doc("lex", "人教A版 勾股定理 2课时", tags=["数控技术"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(m.tsv) FROM search_match m JOIN search_document d USING (rank_key) "
            "WHERE d.source = %s",
            [SRC],
        )
        lexemes = set(cursor.fetchone()[0])
    assert {"人教a版", "勾股定理", "勾股", "定理", "数控技术", "ggdl"} <= lexemes


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_match_rows_keep_the_tsvector_out_of_line():
    """Migration 0003: counting visits one heap row per match, so the heap holds small rows and the
    tsvectors (~1.6 KB each in the demo corpus) live in the TOAST table."""
    long_body = " ".join(f"第{i}课 勾股定理 的 证明 与 应用 练习" for i in range(60))
    _doc("toast", "勾股定理 复习", body=long_body)
    with connection.cursor() as cursor:
        # Live rows per heap page (robust to the dead rows other tests leave behind): inline
        # tsvectors allow ~5 rows in an 8 KB page, out-of-line ones ~90.
        cursor.execute(
            "SELECT max(n) FROM (SELECT tableoid, (ctid::text::point)[0] AS page, count(*) AS n "
            "FROM search_match GROUP BY 1, 2) pages"
        )
        most_rows_in_a_page = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sum(pg_relation_size(c.reltoastrelid)) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'search_match'::regclass"
        )
        toast_bytes = cursor.fetchone()[0]
    assert most_rows_in_a_page > 20 and toast_bytes > 0
    assert "toast" in _ids("勾股定理 证明", ["public"])  # still matched and ranked


# -- index layout 2 (ADR 0006): scoped keys, marked title terms, tiers -----------------------------------
def test_other_sources_never_show_not_even_for_the_joint_office(corpus: None):
    document_upsert(source="test.other", object_id="o1", title="勾股定理 另一个来源", quality=1.0)
    for keys in (["public"], CHONGQING_TEACHER, ["all"]):
        assert "o1" not in _ids("勾股定理", keys, page_size=100)
        assert "o1" not in _ids("", keys, page_size=100)
    assert _ids("勾股定理", ["public"]) == ["pyth"]
    other = search(query="勾股定理", source="test.other", visibility_keys=["all"])
    assert [h.object_id for h in other.items] == ["o1"]
    document_delete(source="test.other", object_id="o1")  # single source again: the same answers
    assert set(_ids("勾股定理", ["all"])) == {"pyth", "sc-school", "circle"}


def test_a_prefix_never_matches_the_hashed_filter_keys(corpus: None):
    # Filter keys are letter tokens (z + 16 letters); a typed prefix of letters is a pinyin candidate.
    token = backends.source_token(SRC)
    for length in (2, 4, 8):
        assert suggest(prefix=token[:length], source=SRC, visibility_keys=["all"]) == []
    assert _ids(token, ["all"]) == []  # a whole query word matches plain terms, not marked copies


def test_suggestions_match_titles_and_tags_not_bodies():
    _doc("t", "欧姆定律 专题", quality=0.1)
    _doc("b", "物理复习", body="欧姆定律的应用", quality=0.9)
    assert suggest(prefix="欧姆", source=SRC, visibility_keys=["public"]) == ["欧姆定律 专题"]
    assert suggest(prefix="omdl", source=SRC, visibility_keys=["public"]) == ["欧姆定律 专题"]


def test_tiers_keep_the_static_order_across_quality_bands(monkeypatch: pytest.MonkeyPatch):
    # Few candidates, so that pages past them continue in static order across the tiers (PostgreSQL:
    # partitions of search_match, read best first).
    monkeypatch.setattr(backends, "RERANK_CANDIDATES", 3)
    qualities = [0.99, 0.951, 0.9, 0.5, 0.49, 0.33, 0.05, 0.04, 0.0, 0.72]
    for i, q in enumerate(qualities):
        _doc(f"q{i}", "化学平衡 习题", quality=q, updated_at=T0 + timedelta(minutes=i))
    by_quality = [f"q{i}" for i, _ in sorted(enumerate(qualities), key=lambda iq: -iq[1])]
    assert _ids("", page_size=100) == by_quality  # browse: static order
    assert search(query="化学平衡", source=SRC, visibility_keys=["public"]).count == len(qualities)
    assert suggest(prefix="化学", source=SRC, visibility_keys=["public"]) == ["化学平衡 习题"]
    seen = [oid for page in range(1, 5) for oid in _ids("化学平衡", page=page, page_size=3)]
    assert sorted(seen) == sorted(by_quality)  # every match once
    assert seen == by_quality  # equal relevance: quality decides, candidates and the rest alike
    assert [backends.tier_of(q) for q in (1.0, 0.951, 0.95, 0.949, 0.05, 0.0)] == [0, 0, 1, 1, 19, 19]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgres_tiers_are_partitions_read_best_first():
    """Migration 0004: a document's match row lives in its tier's partition, and a query whose first
    matches are in the best tier never scans the other tiers (an ordered Append stopped by LIMIT)."""
    qualities = {"best": 0.99, "also-best": 0.97, "middle": 0.5, "none": 0.0}
    for object_id, quality in qualities.items():
        _doc(object_id, "电磁感应 实验", quality=quality)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.object_id, m.tableoid::regclass::text FROM search_match m "
            "JOIN search_document d USING (rank_key) WHERE d.source = %s",
            [SRC],
        )
        placed = dict(cursor.fetchall())
    assert placed == {
        "best": "search_match_t00",
        "also-best": "search_match_t00",
        "middle": "search_match_t10",
        "none": "search_match_t19",
    }

    pg = backends.PostgresBackend()
    query = backends.Query(source=SRC, terms=analyze_query("电磁感应"), visibility=["public"])

    def plan(limit: int) -> str:
        sql, params = pg.first_keys_statement(query, titled=False, need=limit)
        with connection.cursor() as cursor, pg._reading(cursor):
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
            return "\n".join(r[0] for r in cursor.fetchall())

    assert "never executed" in plan(2)  # tier 0 held both: tiers 1–19 were not started
    assert "never executed" not in plan(4)  # the last match is in tier 19: every tier was read
    with connection.cursor() as cursor, pg._reading(cursor):
        first = pg._first_keys(cursor, query, titled=False, limit=3, after=None, exclude=(), offset=0)
    assert _ids("", page_size=3) == ["best", "also-best", "middle"]
    assert len(first) == 3 and first == sorted(first)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize(
    ("score_all_up_to", "count_limit"), [(0, 10_000), (6, 10_000), (100, 10_000), (0, 8)]
)
def test_postgres_pools_are_those_of_the_plain_algorithm(
    monkeypatch: pytest.MonkeyPatch, score_all_up_to: int, count_limit: int
):
    """PostgreSQL's two-statement shortcut (count, pools and flags together) picks the same pools as
    the plain algorithm: the first candidates in static order, and the first title/tag matches."""
    monkeypatch.setattr(backends, "RERANK_CANDIDATES", 4)
    monkeypatch.setattr(backends, "SCORE_ALL_UP_TO", score_all_up_to)
    monkeypatch.setattr(backends, "COUNT_LIMIT", count_limit)
    for i in range(12):  # qualities over several tiers; the word in the title of every third only
        title, body = ("电磁感应 实验", "") if i % 3 == 0 else ("物理 实验", "电磁感应 的 应用")
        _doc(f"d{i}", title, body=body, quality=round(0.95 - i * 0.08, 2))
    pg = backends.PostgresBackend()
    query = backends.Query(source=SRC, terms=analyze_query("电磁感应"), visibility=["public"])
    with connection.cursor() as cursor, pg._reading(cursor):
        fast = pg._pools(cursor, query)
        plain = backends.SearchBackend._pools(pg, cursor, query)
        plain_titled = pg._candidates(cursor, query, titled=True, limit=4)
    assert fast.general == plain.general and len(fast.general) == 4
    assert fast.titled == plain_titled and len(plain_titled) == 4
    assert fast.counted == min(12, count_limit + 1)
    assert len(set(_ids("电磁感应", page_size=12))) == 12  # and the page shows every match once


def test_optimize_keeps_every_answer():
    _doc("a", "电磁感应 实验", quality=0.9)
    _doc("b", "电磁感应 习题", quality=0.1)
    before = (_ids("电磁感应"), suggest(prefix="电磁", source=SRC, visibility_keys=["public"]))
    services.index_optimize()
    assert (_ids("电磁感应"), suggest(prefix="电磁", source=SRC, visibility_keys=["public"])) == before
    assert before[0] == ["a", "b"]


def test_relevance_counts_title_and_tag_matches():
    _doc("tag", "复习资料", tags=["欧姆定律"], quality=0.5)
    _doc("both", "欧姆定律 复习资料", tags=["欧姆定律"], quality=0.5)
    _doc("body", "复习资料", body="欧姆定律", quality=0.5)
    ranked = search(query="欧姆定律", source=SRC, visibility_keys=["public"]).items
    assert [h.object_id for h in ranked] == ["both", "tag", "body"]
