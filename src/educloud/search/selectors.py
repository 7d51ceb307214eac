"""Reads from the search index: ``search`` (ranked, filtered, faceted) and ``suggest`` (as you type).

Visibility: every document stores the keys that may see it; a search passes the asker's keys (from
``visibility.visibility_keys_for``) and sees a document iff the two sets intersect. The key ``"all"``
(the joint office) sees every document. No keys → nothing. The filter is part of the index lookup, so
counts and facets never include what the asker may not see.

Queries: the text is normalized and segmented like the documents (``algos.text``); all words must
match (in title, tags or body; a–z words also as pinyin initials). A query that is blank — or only
stop words/punctuation — browses: filters apply, ordered by quality then recency.

Ranking, candidates and counting: see ``backends`` (``score = relevance × (1 + quality)``; counts exact
up to 10,000 matches).

Pagination: ``page`` ≥ 1 and 1 ≤ ``page_size`` ≤ 100, else ``InvalidInput``; results are reachable up
to the 10,000th (``page × page_size`` ≤ 10,000, else ``InvalidInput`` asking to narrow the search — as
Elasticsearch's ``max_result_window``). A page past the last one is empty, with the true ``count``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from educloud.algos.text import analyze_prefix, analyze_query, highlight_words, normalize, snippet
from educloud.lib.errors import InvalidInput
from educloud.search.backends import Query, backend
from educloud.search.services import ALL_KEY, check_facet_name, check_facet_value, check_source

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
MAX_QUERY_CHARS = 200
MAX_SUGGESTIONS = 20


@dataclass(frozen=True)
class Hit:
    """One result. ``highlight_title`` is HTML (escaped, matches in ``<mark>``), safe to render."""

    object_id: str
    score: float
    highlight_title: SafeString
    title: str = ""
    url: str = ""
    snippet: SafeString = field(default_factory=lambda: mark_safe(""))


@dataclass(frozen=True)
class SearchResult:
    """``count`` is exact up to 10,000 matches; above, it is 10,000 and ``count_exact`` is False (ask
    ``search(..., exact_count=True)`` for the true number). Facet counts cover the same first 10,000
    matches in static order (quality, then recency)."""

    items: list[Hit]
    count: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    count_exact: bool = True


def highlight_html(text: str, words: Sequence[str]) -> SafeString:
    """``text`` HTML-escaped with every occurrence of ``words`` wrapped in ``<mark>``.

    The same pieces as ``algos.text.mark_terms`` (matched on the normalized text, overlapping and
    touching matches as one mark; tests/search/test_highlight.py compares both), found as spans
    with ``str.find`` rather than marked character by character: every search hit's title and
    snippet go through here, and the per-character loop was a third of a search request's CPU.
    """
    if not text:
        return mark_safe("")
    normalized = normalize(text)
    shown = text if len(normalized) == len(text) else normalized
    spans: list[tuple[int, int]] = []
    for word in words:
        if not word:
            continue
        start = normalized.find(word)
        while start != -1:
            spans.append((start, start + len(word)))
            start = normalized.find(word, start + len(word))
    if not spans:
        return mark_safe(str(escape(shown)))  # noqa: S308 — escaped
    spans.sort()
    pieces: list[str] = []
    done = 0  # shown[:done] is in pieces
    span_start, span_end = spans[0]
    for start, end in spans[1:]:
        if start <= span_end:  # overlapping or touching: one mark
            span_end = max(span_end, end)
            continue
        pieces += [escape(shown[done:span_start]), f"<mark>{escape(shown[span_start:span_end])}</mark>"]
        done, span_start, span_end = span_end, start, end
    pieces += [escape(shown[done:span_start]), f"<mark>{escape(shown[span_start:span_end])}</mark>"]
    pieces.append(escape(shown[span_end:]))
    return mark_safe("".join(pieces))  # noqa: S308 — every piece escaped above


def _visibility(keys: Sequence[str]) -> list[str] | None:
    if isinstance(keys, str):
        raise InvalidInput("visibility_keys 必须是列表", field="visibility_keys")
    checked = [k for k in keys if isinstance(k, str) and k and not any(c.isspace() for c in k)]
    return None if ALL_KEY in checked else list(dict.fromkeys(checked))


def _query_text(query: object) -> str:
    if query is None:
        return ""
    if not isinstance(query, str):
        raise InvalidInput("查询必须是文本", field="q")
    if len(query.strip()) > MAX_QUERY_CHARS:
        raise InvalidInput(f"查询不能超过 {MAX_QUERY_CHARS} 个字符", field="q")
    return query


def check_page(page: int, page_size: int) -> int:
    """The offset of ``page``; raises ``InvalidInput`` outside the documented bounds."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("页码必须是不小于 1 的整数", field="page")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数必须在 1 到 {MAX_PAGE_SIZE} 之间", field="page_size")
    if page * page_size > MAX_RESULT_WINDOW:
        raise InvalidInput(f"最多只能查看前 {MAX_RESULT_WINDOW} 条结果，请增加关键词或筛选条件", field="page")
    return (page - 1) * page_size


def search(
    *,
    query: str,
    source: str,
    visibility_keys: Sequence[str],
    filters: Mapping[str, str | int] = {},  # read only
    page: int = 1,
    page_size: int = 20,
    facet_fields: Sequence[str] = (),
    exact_count: bool = False,
) -> SearchResult:
    """Documents of ``source`` matching ``query`` and ``filters`` that ``visibility_keys`` may see."""
    text = _query_text(query)
    source = check_source(source)
    checked_filters: dict[str, str] = {}
    for name, value in filters.items():
        check_facet_name(name, field_name="filters")
        if (checked := check_facet_value(name, value)) is not None:
            checked_filters[name] = checked
    if isinstance(facet_fields, str):
        raise InvalidInput("facet_fields 必须是列表", field="facet_fields")
    facet_names = [check_facet_name(n, field_name="facet_fields") for n in dict.fromkeys(facet_fields)]
    offset = check_page(page, page_size)
    visibility = _visibility(visibility_keys)
    if visibility == []:
        return SearchResult(items=[], count=0, facets={n: [] for n in facet_names})
    terms = analyze_query(text)
    q = Query(
        source=source,
        terms=terms,
        visibility=visibility,
        filters=checked_filters,
        offset=offset,
        limit=page_size,
        exact_count=exact_count,
    )
    store = backend()
    raw = store.search(q)
    words = highlight_words(terms)
    items = [
        Hit(
            object_id=h.object_id,
            score=h.score,
            highlight_title=highlight_html(h.title, words),
            title=h.title,
            url=h.url,
            snippet=highlight_html(snippet(h.body, words, width=120), words),
        )
        for h in raw.hits
    ]
    facets = store.facet_counts(q, facet_names) if facet_names and raw.count else {n: [] for n in facet_names}
    return SearchResult(items=items, count=raw.count, facets=facets, count_exact=raw.count_exact)


def suggest(*, prefix: str, source: str, visibility_keys: Sequence[str], limit: int = 8) -> list[str]:
    """Titles of visible documents matching what has been typed so far (the last word as a prefix;
    pinyin initials too: ``ggd`` → 勾股定理…). Best quality first among the first 200 matches."""
    text = _query_text(prefix)
    source = check_source(source)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SUGGESTIONS:
        raise InvalidInput(f"建议条数必须在 1 到 {MAX_SUGGESTIONS} 之间", field="limit")
    visibility = _visibility(visibility_keys)
    terms = analyze_prefix(text)
    if not terms or visibility == []:
        return []
    return backend().suggest(source=source, terms=terms, visibility=visibility, limit=limit)
