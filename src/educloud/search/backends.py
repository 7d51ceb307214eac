"""The full-text index behind one interface, with a SQLite FTS5 and a PostgreSQL backend.

What it owns
    Writing analyzed documents into the index, deleting them, and answering a :class:`Query` (a page
    of ranked hits, a count, facet counts, suggestions) in SQL. :func:`backend` picks the
    implementation from the database vendor; the rest of the app never writes SQL.

How a document is indexed (layout 2, migration 0002; ADR 0006)
    ``algos.text.analyze_document`` gives space-separated terms for title, tags, pinyin initials and
    body. Filter *keys* — the source, each visibility key *scoped by source*, each facet value — are
    hashed into letter-only tokens (:func:`key_token`) and indexed too, so one index lookup does text
    match, visibility and facet filtering together. Title/tag terms and pinyin initials are indexed a
    second time with the prefix ``TITLE_MARKER`` (``x勾股定理``, ``xggdl``): "matches in the title or
    tags" and suggestions are lookups of those, never a column filter or an unmarked prefix (which
    could reach the hashed keys). A typed word of the keys' shape is looked up only as a marked term.

    * SQLite: FTS5 table ``search_fts(title, tags, pinyin, body, keys)``, ``unicode61`` tokenizer,
      ``detail=none`` (no positions: nothing needs them any more), ``rowid`` =
      ``search_document.rank_key``; ``keys`` holds the filter tokens and the marked terms.
    * PostgreSQL: a narrow table ``search_match(rank_key, tsv, f_…)``, ``tsv`` =
      ``setweight(to_tsvector('simple', title), 'A') || setweight(…tags, 'B') || setweight(…pinyin,
      'C') || to_tsvector('simple', body || keys || marked terms)``, range-partitioned by ``rank_key``
      into 20 quality tiers (:func:`tier_of`; migration 0004), each with its own GIN index; ``f_…``
      copy the facet columns for facet counts. The wide ``search_document`` row is read only for the
      page shown. Queries go through ``to_tsquery('simple', …)``, so both sides use the same parser.

The static order: ``rank_key``
    Every document gets :func:`rank_key` = (quality to 0.001, descending; then ``updated_at`` to the
    minute, descending; then write sequence, descending) packed in one 63-bit integer, unique. On
    SQLite it *is* the FTS5 rowid, so FTS5 returns matches in this order and can stop after the first
    few (``ORDER BY rowid LIMIT k``). On PostgreSQL a GIN bitmap is built whole before any row is
    read, so one index over everything would cost a broad word's whole posting list per query; the
    tiers are partitions instead, each with its own GIN index, and "the first k in static order" is a
    ``UNION ALL`` of the tiers' scans, best first, stopped by its ``LIMIT`` (the later tiers never
    start). This is the classic "document ids assigned in static-rank order" / tiered index of web
    search engines: it bounds the work per query whatever the number of matches.

Ranking (documented formula, both backends)
    ``score = relevance × (1 + quality)``, ``quality`` ∈ [0, 1]: a resource of the best quality counts
    up to twice as much as an equally relevant one of none.

    * SQLite ``relevance = 4·sat(title) + 2·sat(tags) + 1`` where ``sat(c) = m·(k1 + 1) / (m + k1·(1 − b +
      b·L/avgL))`` is BM25's term-frequency saturation (k1 = 1.2, b = 0.75) for the ``m`` matched tokens
      among the ``L`` tokens of column ``c`` (``avgL`` from FTS5's averages record), counted in Python
      from the stored terms of the candidate (a token equal to a query word or one of its parts, or
      starting with a prefix word); ``+ 1`` stands for the body, which every candidate matches when its
      title and tags do not. Like ``ts_rank`` it has no IDF: FTS5's ``bm25()`` computes IDF by scanning
      the whole doclist of every phrase of the query — including the filter keys that match most
      documents — on every query. Every candidate contains every query word anyway (AND), so IDF would
      only re-weight words against each other.
    * PostgreSQL ``relevance = ts_rank(tsv, text_query, 1)`` — weights A 1.0 (title), B 0.4 (tags),
      C 0.2 (pinyin), D 0.1 (body); normalization 1 divides by 1 + log(document length). Computed for
      the candidates only.

    Scored are the *candidates*: the first ``RERANK_CANDIDATES`` (200) matches in static order, plus
    the first 200 whose title or tags match (so a relevant title is not lost behind hundreds of
    better-rated body mentions). With fewer than 200 matches this is every match, i.e. exact (and
    their number is the count: no count scan). PostgreSQL finds both pools, the count and the
    relevance in two statements (``PostgresBackend._pools``). Results past the candidates continue in
    static order. Ties: static order. Absolute scores differ between the backends; the orderings the tests pin
    (title beats body, quality breaks ties) agree.

    An empty query (browse) lists matches in static order; its score is ``quality``.

Counting
    Matches are counted up to ``COUNT_LIMIT`` (10,000, the deepest result a page can reach); beyond it
    the count is reported as 10,000 and *not exact* (like Elasticsearch's ``track_total_hits``), unless
    the caller asks for an exact count (its cost grows with the number of matches). Facet counts are
    taken over the same first 10,000 matches in static order. PostgreSQL counts from GIN bitmaps
    (sequential and index scans, JIT and parallel plans off for a search), tier after tier until
    10,001 rows are found, in the same scan that yields the candidates when there are fewer; every
    counted row costs a visit of its (narrow) heap row, as 15.x does not skip heap fetches for bitmap
    scans.

A joint-office query (no visibility filter) needs the source token unless the index holds no other
source (checked per query with two B-tree probes: ``Query.single_source``).

Read next: ``educloud.search.services`` (validation), ``educloud.search.selectors`` (search, suggest).
"""

# ruff: noqa: S608 — SQL text is assembled from constants, column names from FACETS and placeholders;
# every value is passed as a parameter.
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from educloud.algos.text import AnalyzedDocument, QueryTerm
from educloud.search.models import FACETS

#: Candidates per pool that get a relevance score (see "Ranking").
RERANK_CANDIDATES = 200
#: Counts (and facet counts) are exact up to this many matches.
COUNT_LIMIT = 10_000
#: PostgreSQL: work_mem for counting (per query, ``SET LOCAL``), so the match bitmap of a million documents
#: stays exact.
COUNT_WORK_MEM = "64MB"
#: Suggestions are the distinct titles among this many best matches in static order.
SUGGEST_CANDIDATES = 50

QUALITY_LEVELS = 1_000
#: PostgreSQL: prefix of the extra copy of every title/tag term (``x勾股定理``), so "matches in the title or
#: tags" is an exact GIN lookup. A letter, so the parser keeps ``x`` + word as one word.
TITLE_MARKER = "x"
_MINUTE_BITS = 26  # 2000-01-01 + 2^26 minutes ≈ year 2127
_SEQ_BITS = 27
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
#: The shape of a filter-key token: a typed word of this shape is looked up only among the marked title
#: terms, so that no query can match documents by their hashed keys.
_KEY_SHAPE = re.compile(r"^z[a-p]{16}$")


def rank_key(*, quality: float, updated_at: datetime, seq: int) -> int:
    """The static order as one integer: smaller = earlier = better.

    ``(1000 − round(quality × 1000)) << 53 | (2^26 − 1 − minutes since 2000) << 27``
    ``| (2^27 − 1 − seq mod 2^27)``.
    Unique while two documents with the same quality and minute are fewer than 2^27 writes apart.
    """
    q = QUALITY_LEVELS - round(min(1.0, max(0.0, quality)) * QUALITY_LEVELS)
    minutes = int((updated_at - _EPOCH).total_seconds() // 60)
    minutes = min((1 << _MINUTE_BITS) - 1, max(0, minutes))
    age = (1 << _MINUTE_BITS) - 1 - minutes
    order = (1 << _SEQ_BITS) - 1 - (seq & ((1 << _SEQ_BITS) - 1))
    return (q << (_MINUTE_BITS + _SEQ_BITS)) | (age << _SEQ_BITS) | order


def quality_of_key(key: int) -> float:
    return (QUALITY_LEVELS - (key >> (_MINUTE_BITS + _SEQ_BITS))) / QUALITY_LEVELS


def key_token(kind: str, value: str) -> str:
    """A letter-only token for a filter key: ``("v", "school:S1")`` → ``z`` + 16 letters.

    Letters only, so FTS5's ``unicode61`` and PostgreSQL's parser keep it as one word; hashed, so any
    key (colons, Chinese, spaces) fits and no real word collides with it.
    """
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8).hexdigest()
    return "z" + digest.translate(_HEX_TO_LETTERS)


def source_token(source: str) -> str:
    return key_token("s", source)


def visibility_token(source: str, key: str) -> str:
    """Visibility keys are scoped by source: a query that filters by visibility needs no source token
    (that one matches every document of the source, and a dense list is the costliest part of an AND)."""
    return key_token("v", f"{source}\x1f{key}")


def facet_token(name: str, value: str) -> str:
    return key_token("f:" + name, value)


@dataclass(frozen=True)
class IndexRow:
    """One validated document, ready to write."""

    source: str
    object_id: str
    title: str
    body: str
    url: str
    tags: list[str]
    visibility: list[str]
    quality: float
    updated_at: datetime
    facets: dict[str, str]  # facet name → value
    analyzed: AnalyzedDocument

    @property
    def keys(self) -> str:
        tokens = [source_token(self.source)]
        tokens += [visibility_token(self.source, k) for k in self.visibility]
        tokens += [facet_token(name, value) for name, value in sorted(self.facets.items())]
        return " ".join(tokens)

    @property
    def marked(self) -> list[str]:
        """Title and tag terms and pinyin initials again, prefixed with ``TITLE_MARKER``: what a
        "matches in the title or tags" lookup (and a suggestion) looks for, without a column filter."""
        return marked_terms(self.analyzed)


def marked_terms(analyzed: AnalyzedDocument) -> list[str]:
    words = f"{analyzed.title} {analyzed.tags} {analyzed.pinyin}".split()
    return [TITLE_MARKER + t for t in dict.fromkeys(words)]


@dataclass(frozen=True)
class Query:
    """A validated search. ``terms`` empty = browse; ``visibility`` None = may see everything."""

    source: str
    terms: list[QueryTerm]
    visibility: list[str] | None
    filters: dict[str, str] = field(default_factory=dict)  # facet name → value
    offset: int = 0
    limit: int = 20
    exact_count: bool = False
    #: Set by the backend when the index holds no other source: the joint office's queries (no
    #: visibility filter) then need no source token either.
    single_source: bool = False

    def needs_source_token(self) -> bool:
        return self.visibility is None and not self.single_source


@dataclass(frozen=True)
class Pools:
    """The scored candidates of a full-text search (see "Ranking")."""

    #: (key, relevance) of the first RERANK_CANDIDATES matches in static order
    general: list[tuple[int, float]]
    #: the same for the matches in title or tags; None: not fetched yet
    titled: list[tuple[int, float]] | None
    #: the number of matches counted up to COUNT_LIMIT + 1, when learnt on the way
    counted: int | None


@dataclass(frozen=True)
class RawHit:
    object_id: str
    title: str
    body: str
    url: str
    score: float


@dataclass(frozen=True)
class RawResult:
    hits: list[RawHit]
    count: int
    count_exact: bool


_DOC_COLUMNS = [
    "source",
    "object_id",
    "title",
    "body",
    "url",
    "tags",
    "visibility",
    "quality",
    "updated_at",
    "rank_key",
]
_FACET_COLUMNS = list(FACETS.values())


def _latest(rows: Sequence[IndexRow]) -> list[IndexRow]:
    """One row per (source, object_id), the last one given."""
    return list({(r.source, r.object_id): r for r in rows}.values())


class SearchBackend:
    """The search algorithm (candidates, re-ranking, paging); subclasses supply the SQL primitives."""

    vendor = ""

    def __init__(self, conn: Any = None) -> None:
        self.connection = conn or connection

    # -- writing ------------------------------------------------------------------------------------
    def write(self, rows: Sequence[IndexRow]) -> None:
        raise NotImplementedError

    def delete(self, *, source: str, object_ids: Sequence[str]) -> int:
        raise NotImplementedError

    def optimize(self) -> None:
        """Maintenance after a large load (merge index segments, refresh planner statistics)."""
        raise NotImplementedError

    def _doc_params(self, row: IndexRow, key: int) -> list[Any]:
        ops = self.connection.ops
        return [
            row.source,
            row.object_id,
            row.title,
            row.body,
            row.url,
            ops.adapt_json_value(row.tags, None),
            " " + " ".join(row.visibility) + " ",
            row.quality,
            ops.adapt_datetimefield_value(row.updated_at),
            key,
            *(row.facets.get(name, "") for name in FACETS),
        ]

    def _rank_keys(self, cursor: CursorWrapper, rows: Sequence[IndexRow]) -> list[int]:
        seqs = self._next_seq(cursor, len(rows))
        return [
            rank_key(quality=r.quality, updated_at=r.updated_at, seq=s)
            for r, s in zip(rows, seqs, strict=True)
        ]

    # -- SQL primitives -----------------------------------------------------------------------------
    def _next_seq(self, cursor: CursorWrapper, n: int) -> list[int]:
        raise NotImplementedError

    def _reading(self, cursor: CursorWrapper) -> AbstractContextManager[Any]:
        """Session settings for the statements of one search (PostgreSQL: planner settings)."""
        return nullcontext()

    def _read_cursor(self) -> AbstractContextManager[Any]:
        """The cursor the reading statements (search, suggest, facet counts) run on."""
        return self.connection.cursor()

    def _count(self, cursor: CursorWrapper, query: Query, limit: int | None) -> int:
        raise NotImplementedError

    def _browse(self, cursor: CursorWrapper, query: Query) -> list[int]:
        """Keys of the page, in static order."""
        raise NotImplementedError

    def _candidates(
        self,
        cursor: CursorWrapper,
        query: Query,
        *,
        titled: bool,
        limit: int,
        after: int | None = None,
        exclude: Sequence[int] = (),
        offset: int = 0,
    ) -> list[tuple[int, float]]:
        """(key, relevance) of matches in static order; ``titled``: only title/tags matches."""
        raise NotImplementedError

    def _fetch(self, cursor: CursorWrapper, keys: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """key → (object_id, title, body, url)."""
        raise NotImplementedError

    def facet_counts(self, query: Query, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        raise NotImplementedError

    def _suggest_keys(self, cursor: CursorWrapper, query: Query, limit: int) -> list[int]:
        raise NotImplementedError

    def _prepared(self, cursor: CursorWrapper, query: Query) -> Query:
        """``query`` with ``single_source`` set: when the joint office (no visibility filter) asks and
        the index holds only this source, the source token would match every document — dropped.
        Two B-tree probes on the (source, object_id) index."""
        if query.visibility is not None:
            return query
        cursor.execute(
            "SELECT (SELECT source FROM search_document ORDER BY source LIMIT 1), "
            "(SELECT source FROM search_document ORDER BY source DESC LIMIT 1)"
        )
        first, last = cursor.fetchone()
        return replace(query, single_source=first == last == query.source)

    # -- the algorithm ------------------------------------------------------------------------------
    def search(self, query: Query) -> RawResult:
        with self._read_cursor() as cursor:
            query = self._prepared(cursor, query)
            with self._reading(cursor):
                pools = self._pools(cursor, query) if query.terms else None
                known = pools.counted if pools is not None else None
                limit = None if query.exact_count else COUNT_LIMIT + 1
                if known is not None and (limit is not None or known <= COUNT_LIMIT):
                    count = known  # learnt with the candidates: no count scan
                else:
                    count = self._count(cursor, query, limit)
                exact = limit is None or count <= COUNT_LIMIT
                count = count if exact else COUNT_LIMIT
                if count == 0 or query.offset >= count:
                    return RawResult([], count, exact)
                if pools is not None:
                    page = self._ranked_page(cursor, query, pools)
                else:
                    page = [(k, quality_of_key(k)) for k in self._browse(cursor, query)]
                rows = self._fetch(cursor, [k for k, _ in page])
            hits = [RawHit(*rows[k], score=score) for k, score in page if k in rows]
            return RawResult(hits, count, exact)

    def _pools(self, cursor: CursorWrapper, query: Query) -> Pools:
        """The general pool and what comes with it: fewer candidates than asked for are all the
        matches (a selective query walks its matches once, not three times), so their number is the
        count and there is no title pool to fetch."""
        general = self._candidates(cursor, query, titled=False, limit=RERANK_CANDIDATES)
        if len(general) < RERANK_CANDIDATES:
            return Pools(general, titled=[], counted=len(general))
        return Pools(general, titled=None, counted=None)

    def _ranked_page(self, cursor: CursorWrapper, query: Query, pools: Pools) -> list[tuple[int, float]]:
        general, titled = pools.general, pools.titled
        if titled is None:
            titled = self._candidates(cursor, query, titled=True, limit=RERANK_CANDIDATES)
        relevance: dict[int, float] = {}
        for key, rel in [*general, *titled]:
            relevance[key] = max(relevance.get(key, 0.0), rel)
        scored = sorted(
            ((rel * (1 + quality_of_key(k)), k) for k, rel in relevance.items()),
            key=lambda sk: (-sk[0], sk[1]),
        )
        start, end = query.offset, query.offset + query.limit
        page = [(k, score) for score, k in scored[start:end]]
        if end > len(scored) and len(general) == RERANK_CANDIDATES:
            # Past the candidates: the remaining matches in static order.
            after = general[-1][0]
            rest = self._candidates(
                cursor,
                query,
                titled=False,
                limit=end - max(start, len(scored)),
                after=after,
                exclude=[k for k, _ in titled if k > after],
                offset=max(0, start - len(scored)),
            )
            page += [(k, rel * (1 + quality_of_key(k))) for k, rel in rest]
        return page

    def suggest(
        self, *, source: str, terms: list[QueryTerm], visibility: list[str] | None, limit: int
    ) -> list[str]:
        query = Query(source=source, terms=terms, visibility=visibility)
        with self._read_cursor() as cursor:
            query = self._prepared(cursor, query)
            with self._reading(cursor):
                keys = self._suggest_keys(cursor, query, SUGGEST_CANDIDATES)
                rows = self._fetch(cursor, keys)
        return list(dict.fromkeys(rows[k][1] for k in keys if k in rows))[:limit]

    @staticmethod
    def _count_facets(
        rows: Sequence[Sequence[str | None]], names: Sequence[str]
    ) -> dict[str, list[tuple[str, int]]]:
        counters = [Counter(row[i] for row in rows) for i in range(len(names))]
        return {
            name: sorted(((v, n) for v, n in counter.items() if v), key=lambda vn: (-vn[1], vn[0]))
            for name, counter in zip(names, counters, strict=True)
        }


def _query_words(terms: Sequence[QueryTerm]) -> tuple[set[str], tuple[str, ...]]:
    """What a query term matches in an analyzed field: exact words (word and parts), word prefixes."""
    exact = {t.word for t in terms if not t.prefix} | {p for t in terms for p in t.parts}
    return exact, tuple(t.word for t in terms if t.prefix)


# ---------------------------------------------------------------------------------------------------
class SqliteBackend(SearchBackend):
    """SQLite FTS5; see the module docstring."""

    vendor = "sqlite"
    K1, B = 1.2, 0.75
    #: (column index in search_fts, weight) of the columns whose matches are counted.
    SCORED_COLUMNS = ((0, 4.0), (1, 2.0))
    BODY_WEIGHT = 1.0

    @staticmethod
    def _varints(blob: bytes) -> list[int]:
        """SQLite varints (FTS5 record format; values below 2^56 need no 9th byte)."""
        values: list[int] = []
        value, i = 0, 0
        while i < len(blob):
            byte = blob[i]
            value = (value << 7) | (byte & 0x7F)
            i += 1
            if not byte & 0x80:
                values.append(value)
                value = 0
        return values

    def _average_lengths(self, cursor: CursorWrapper) -> list[float]:
        """Average tokens per column, from FTS5's averages record (row 1 of ``search_fts_data``)."""
        cursor.execute("SELECT block FROM search_fts_data WHERE id = 1")
        row = cursor.fetchone()
        values = self._varints(bytes(row[0])) if row else []
        rows = values[0] if values else 0
        return [(total / rows if rows else 1.0) or 1.0 for total in values[1:]] or [1.0] * 5

    def _relevance(
        self, fields: Sequence[str], words: tuple[set[str], tuple[str, ...]], averages: Sequence[float]
    ) -> float:
        """BM25 saturation over the matched tokens of title and tags (computed here from the stored
        terms: the table has ``detail=none``, so FTS5 keeps no positions for ``highlight()``)."""
        exact, prefixes = words
        score = self.BODY_WEIGHT
        for text, (column, weight) in zip(fields, self.SCORED_COLUMNS, strict=True):
            tokens = text.split() if text else []
            hits = sum(1 for t in tokens if t in exact or (prefixes and t.startswith(prefixes)))
            if not hits:
                continue
            norm = 1 - self.B + self.B * len(tokens) / averages[column]
            score += weight * hits * (self.K1 + 1) / (hits + self.K1 * norm)
        return score

    @staticmethod
    def _phrase(word: str, prefix: bool = False) -> str:
        return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")

    def _term_expr(self, term: QueryTerm, marker: str) -> str:
        """No column filters (``detail=none`` has none, and they make FTS5 read position lists): the
        general form matches the plain terms of every column (pinyin initials included; filter keys
        are ``z`` + 16 letters, longer than any pinyin query word); the titled form matches the
        ``TITLE_MARKER`` copies of title/tag terms and pinyin initials."""
        if term.prefix and not marker:
            raise ValueError("prefix terms match titles only (a prefix could reach the filter keys)")
        if _KEY_SHAPE.match(term.word):
            marker = TITLE_MARKER
        alternatives = [self._phrase(marker + term.word, term.prefix)]
        if term.parts:
            alternatives.append("(" + " AND ".join(self._phrase(marker + p) for p in term.parts) + ")")
        return "(" + " OR ".join(alternatives) + ")"

    @staticmethod
    def _keys_expr(query: Query) -> list[str]:
        parts = [source_token(query.source)] if query.needs_source_token() else []
        if query.visibility is not None:
            parts.append("(" + " OR ".join(visibility_token(query.source, k) for k in query.visibility) + ")")
        parts += [facet_token(name, value) for name, value in sorted(query.filters.items())]
        return parts

    def _match(self, query: Query, *, titled: bool = False) -> str:
        marker = TITLE_MARKER if titled else ""
        parts = [*(self._term_expr(t, marker) for t in query.terms), *self._keys_expr(query)]
        # A browse of the joint office over a single source: every row matches. FTS5 needs a query;
        # the source token is one (it is on every document of the source).
        return " AND ".join(parts) or source_token(query.source)

    # -- writing
    def _next_seq(self, cursor: CursorWrapper, n: int) -> list[int]:
        cursor.execute("UPDATE search_rank_seq SET value = value + %s RETURNING value", [n])
        last = int(cursor.fetchone()[0])
        return list(range(last - n + 1, last + 1))

    def _old_keys(self, cursor: CursorWrapper, source: str, object_ids: Sequence[str]) -> list[int]:
        marks = ", ".join(["%s"] * len(object_ids))
        cursor.execute(
            f"SELECT rank_key FROM search_document WHERE source = %s AND object_id IN ({marks})",
            [source, *object_ids],
        )
        return [r[0] for r in cursor.fetchall()]

    def _delete_fts(self, cursor: CursorWrapper, keys: Sequence[int]) -> None:
        if keys:
            cursor.execute(
                f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(keys))})", list(keys)
            )

    @staticmethod
    def fts_values(row: IndexRow) -> tuple[str, str, str, str, str]:
        """(title, tags, pinyin, body, keys) as stored in ``search_fts``; keys include the marked terms."""
        a = row.analyzed
        return (a.title, a.tags, a.pinyin, a.body, " ".join([row.keys, *row.marked]))

    def write(self, rows: Sequence[IndexRow]) -> None:
        placeholders = ", ".join(["%s"] * (len(_DOC_COLUMNS) + len(_FACET_COLUMNS)))
        columns = ", ".join(_DOC_COLUMNS + _FACET_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _DOC_COLUMNS[2:] + _FACET_COLUMNS)
        upsert = (
            f"INSERT INTO search_document ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT (source, object_id) DO UPDATE SET {updates}"
        )
        unique = _latest(rows)
        with self.connection.cursor() as cursor:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                for source in {r.source for r in chunk}:
                    self._delete_fts(
                        cursor,
                        self._old_keys(cursor, source, [r.object_id for r in chunk if r.source == source]),
                    )
                keys = self._rank_keys(cursor, chunk)
                cursor.executemany(upsert, [self._doc_params(r, k) for r, k in zip(chunk, keys, strict=True)])
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, tags, pinyin, body, keys) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [(k, *self.fts_values(r)) for r, k in zip(chunk, keys, strict=True)],
                )

    def delete(self, *, source: str, object_ids: Sequence[str]) -> int:
        deleted = 0
        with self.connection.cursor() as cursor:
            for start in range(0, len(object_ids), 500):
                keys = self._old_keys(cursor, source, object_ids[start : start + 500])
                if keys:
                    self._delete_fts(cursor, keys)
                    cursor.execute(
                        f"DELETE FROM search_document WHERE rank_key IN ({', '.join(['%s'] * len(keys))})",
                        keys,
                    )
                    deleted += len(keys)
        return deleted

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE search_document")

    # -- reading
    def _count(self, cursor: CursorWrapper, query: Query, limit: int | None) -> int:
        inner = "SELECT rowid FROM search_fts WHERE search_fts MATCH %s" + (" LIMIT %s" if limit else "")
        cursor.execute(f"SELECT count(*) FROM ({inner})", [self._match(query), *([limit] if limit else [])])
        return int(cursor.fetchone()[0])

    def _browse(self, cursor: CursorWrapper, query: Query) -> list[int]:
        cursor.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid LIMIT %s OFFSET %s",
            [self._match(query), query.limit, query.offset],
        )
        return [r[0] for r in cursor.fetchall()]

    def _candidates(
        self,
        cursor: CursorWrapper,
        query: Query,
        *,
        titled: bool,
        limit: int,
        after: int | None = None,
        exclude: Sequence[int] = (),
        offset: int = 0,
    ) -> list[tuple[int, float]]:
        sql = "SELECT rowid, title, tags FROM search_fts WHERE search_fts MATCH %s"
        params: list[Any] = [self._match(query, titled=titled)]
        if after is not None:
            sql += " AND rowid > %s"
            params.append(after)
        if exclude:
            sql += f" AND rowid NOT IN ({', '.join(['%s'] * len(exclude))})"
            params += list(exclude)
        cursor.execute(sql + " ORDER BY rowid LIMIT %s OFFSET %s", [*params, limit, offset])
        rows = cursor.fetchall()
        averages = self._average_lengths(cursor) if rows else []
        words = _query_words(query.terms)
        return [(r[0], self._relevance(r[1:], words, averages)) for r in rows]

    def _fetch(self, cursor: CursorWrapper, keys: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        if not keys:
            return {}
        cursor.execute(
            "SELECT rank_key, object_id, title, body, url FROM search_document "
            f"WHERE rank_key IN ({', '.join(['%s'] * len(keys))})",
            list(keys),
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in cursor.fetchall()}

    def facet_counts(self, query: Query, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        if not names:
            return {}
        columns = ", ".join(f"d.{FACETS[n]}" for n in names)
        with self.connection.cursor() as cursor:
            query = self._prepared(cursor, query)
            cursor.execute(
                f"SELECT {columns} FROM (SELECT rowid AS k FROM search_fts WHERE search_fts MATCH %s "
                "ORDER BY rowid LIMIT %s) m JOIN search_document d ON d.rank_key = m.k",
                [self._match(query), COUNT_LIMIT],
            )
            return self._count_facets(cursor.fetchall(), names)

    def _suggest_keys(self, cursor: CursorWrapper, query: Query, limit: int) -> list[int]:
        cursor.execute(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid LIMIT %s",
            [self._match(query, titled=True), limit],
        )
        return [r[0] for r in cursor.fetchall()]


# ---------------------------------------------------------------------------------------------------
#: PostgreSQL: with at most this many matches, the title pool is picked from all of them by reading their
#: tsvectors (see ``PostgresBackend._pools``) instead of another index walk.
SCORE_ALL_UP_TO = 500
#: PostgreSQL: ``search_match`` is partitioned into this many quality tiers (bands of 1/TIERS, best first
#: in static order; migration 0004).
TIERS = 20


def tier_of(quality: float) -> int:
    """0 (best) … TIERS − 1: the band of ``quality`` as rounded in ``rank_key`` — the partition of
    ``search_match`` that holds the document (tiers are contiguous, disjoint ranges of the static
    order: partition bounds in migration 0004)."""
    level = round(min(1.0, max(0.0, quality)) * QUALITY_LEVELS)
    return min(TIERS - 1, (QUALITY_LEVELS - level) * TIERS // QUALITY_LEVELS)


def tier_table(tier: int) -> str:
    """The partition of ``search_match`` that holds ``tier``."""
    return f"search_match_t{tier:02d}"


class PreparedCursor:
    """What the PostgreSQL backend reads through: each statement is prepared on the server the first
    time this connection runs it (``PREPARE``) and only executed after that (ADR 0012, 2026-12-05).

    A search's big statements (the tiers' ``UNION ALL`` in two arms, ~5 kB of SQL over 20
    partitions) cost PostgreSQL more to parse, analyze and plan than to run on the demo's index:
    ~6 ms per search, against ~2.2 ms prepared. The statements' texts are fixed (the query's
    words are a parameter, reached through an InitPlan, so a generic plan loses nothing), hence few
    prepared statements per connection; psycopg keeps at most ``prepared_max`` (100) per connection,
    evicting the least used. Django's own cursors prepare nothing (``prepare_threshold`` None, for
    transaction-mode poolers; a session-mode pooler or none, as in the README's recipe, keeps
    prepared statements). Errors are Django's (``wrap_database_errors``), as from its cursors; the
    statements are not in ``connection.queries``."""

    def __init__(self, raw: Any, wrapper: Any) -> None:
        self._raw = raw
        self._wrapper = wrapper

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._wrapper.wrap_database_errors:
            self._raw.execute(sql, params, prepare=True)

    def fetchone(self) -> Any:
        return self._raw.fetchone()

    def fetchall(self) -> list[Any]:
        return self._raw.fetchall()


class PostgresBackend(SearchBackend):
    """PostgreSQL full text; see the module docstring."""

    vendor = "postgresql"
    TSV = (
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') || "
        "setweight(to_tsvector('simple', %s), 'C') || to_tsvector('simple', %s)"
    )

    # The source is a key token in tsv (visibility tokens are scoped by source): no column filter. The
    # tsquery is parsed once per statement in a CTE and reached as an InitPlan parameter: a literal
    # would be folded at planning time and estimated against the statistics of every tier's index
    # (~1.5 ms of planning per statement for 20 tiers, more than many executions take), and the tier
    # scans are fixed by ``_reading`` anyway.
    WITH_Q = "WITH q AS MATERIALIZED (SELECT to_tsquery('simple', %s) AS q) "
    MATCH = "m.tsv @@ (SELECT q FROM q)"

    @staticmethod
    def _lexeme(word: str, suffix: str = "") -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + (":" + suffix if suffix else "")

    def _term_expr(self, term: QueryTerm, marker: str) -> str:
        """As on SQLite: plain terms, or (titled) the ``TITLE_MARKER`` copies of title/tag terms and
        pinyin initials — never an unmarked prefix, which could reach the filter keys."""
        if term.prefix and not marker:
            raise ValueError("prefix terms match titles only (a prefix could reach the filter keys)")
        if _KEY_SHAPE.match(term.word):
            marker = TITLE_MARKER
        star = ":*" if term.prefix else ""
        alternatives = [self._lexeme(marker + term.word) + star]
        if term.parts:
            alternatives.append("(" + " & ".join(self._lexeme(marker + p) for p in term.parts) + ")")
        return "(" + " | ".join(alternatives) + ")"

    def _text_query(self, terms: list[QueryTerm], *, titled: bool = False) -> str:
        return " & ".join(self._term_expr(t, TITLE_MARKER if titled else "") for t in terms)

    def _tsquery(self, query: Query, *, titled: bool = False) -> str:
        """The tsquery text: text terms & keys. No weight restrictions: they force a recheck of every
        row and fool the planner's estimates."""
        keys = [source_token(query.source)] if query.needs_source_token() else []
        if query.visibility is not None:
            keys.append("(" + " | ".join(visibility_token(query.source, k) for k in query.visibility) + ")")
        keys += [facet_token(name, value) for name, value in sorted(query.filters.items())]
        text = self._text_query(query.terms, titled=titled) if query.terms else ""
        parts = [f"({text})"] * bool(text) + keys
        return " & ".join(parts) or source_token(query.source)

    # -- writing
    def _next_seq(self, cursor: CursorWrapper, n: int) -> list[int]:
        cursor.execute("SELECT nextval('search_rank_seq') FROM generate_series(1, %s)", [n])
        return [r[0] for r in cursor.fetchall()]

    @staticmethod
    def tsv_params(row: IndexRow, key: int) -> list[str]:
        """The four texts of ``TSV``: title (A), tags (B), pinyin (C), and unweighted body, keys and the
        marked title/tag/pinyin terms."""
        a = row.analyzed
        rest = " ".join([a.body, row.keys, *row.marked])
        return [a.title, a.tags, a.pinyin, rest]

    def write(self, rows: Sequence[IndexRow]) -> None:
        columns = ", ".join(_DOC_COLUMNS + _FACET_COLUMNS)
        placeholders = ", ".join(["%s"] * (len(_DOC_COLUMNS) + len(_FACET_COLUMNS)))
        updates = ", ".join(f"{c} = excluded.{c}" for c in [*_DOC_COLUMNS[2:], *_FACET_COLUMNS])
        upsert = (
            f"INSERT INTO search_document ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT (source, object_id) DO UPDATE SET {updates}"
        )
        unique = _latest(rows)
        with self.connection.cursor() as cursor:
            for source in {r.source for r in unique}:
                # the match rows of replaced documents (their rank_key changes)
                cursor.execute(
                    "DELETE FROM search_match WHERE rank_key IN (SELECT rank_key FROM search_document "
                    "WHERE source = %s AND object_id = ANY(%s))",
                    [source, [r.object_id for r in unique if r.source == source]],
                )
            keys = self._rank_keys(cursor, unique)
            cursor.executemany(upsert, [self._doc_params(r, k) for r, k in zip(unique, keys, strict=True)])
            facet_placeholders = ", ".join(["%s"] * len(_FACET_COLUMNS))
            cursor.executemany(
                f"INSERT INTO search_match (rank_key, tsv, {', '.join(_FACET_COLUMNS)}) "
                f"VALUES (%s, {self.TSV}, {facet_placeholders})",
                [
                    [k, *self.tsv_params(r, k), *(r.facets.get(name, "") for name in FACETS)]
                    for r, k in zip(unique, keys, strict=True)
                ],
            )

    def delete(self, *, source: str, object_ids: Sequence[str]) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_document WHERE source = %s AND object_id = ANY(%s) RETURNING rank_key",
                [source, list(object_ids)],
            )
            keys = [r[0] for r in cursor.fetchall()]
            cursor.execute("DELETE FROM search_match WHERE rank_key = ANY(%s)", [keys])
            return len(keys)

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            # the GIN index of each tier (partitions of the partitioned index)
            cursor.execute(
                "SELECT gin_clean_pending_list(i.inhrelid::regclass) FROM pg_inherits i "
                "WHERE i.inhparent = 'search_match_tsv_gin'::regclass"
            )
            if self.connection.in_atomic_block:
                cursor.execute("ANALYZE search_document")
                cursor.execute("ANALYZE search_match")
            else:
                cursor.execute("VACUUM ANALYZE search_document")
                cursor.execute("VACUUM ANALYZE search_match")

    # -- reading
    @contextmanager
    def _read_cursor(self) -> Iterator[PreparedCursor]:
        import psycopg

        self.connection.ensure_connection()
        with psycopg.Cursor(self.connection.connection) as raw:
            yield PreparedCursor(raw, self.connection)

    @contextmanager
    def _reading(self, cursor: CursorWrapper) -> Iterator[None]:
        # Matches come from the GIN bitmap, never from a walk of the rank_key index or the table that
        # would evaluate (and detoast) the tsvector of every row it passes; candidates are then
        # sorted by rank_key (top-N) — bounded by the tiers. Enough work_mem keeps the bitmap exact (a
        # lossy one rechecks whole pages). No JIT: its compile time would exceed the query's.
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as settings:
            settings.execute(  # several statements: not preparable
                f"SET LOCAL work_mem = '{COUNT_WORK_MEM}'; SET LOCAL enable_seqscan = off; "
                "SET LOCAL enable_indexscan = off; SET LOCAL jit = off; "
                "SET LOCAL max_parallel_workers_per_gather = 0"
            )
            yield

    def _count(self, cursor: CursorWrapper, query: Query, limit: int | None) -> int:
        # Up to ``limit``: the Append over the tiers runs them one after the other and the LIMIT stops
        # it, so a broad query counts in its best tiers' (small) indexes.
        inner = f"SELECT 1 FROM search_match m WHERE {self.MATCH}" + (" LIMIT %s" if limit else "")
        cursor.execute(
            f"{self.WITH_Q}SELECT count(*) FROM ({inner}) c",
            [self._tsquery(query), *([limit] if limit else [])],
        )
        return int(cursor.fetchone()[0])

    def _first_keys(
        self,
        cursor: CursorWrapper,
        query: Query,
        *,
        titled: bool,
        limit: int,
        after: int | None,
        exclude: Sequence[int],
        offset: int,
    ) -> list[int]:
        """The first ``offset + limit`` matches in static order (then ``offset`` dropped).

        Tier after tier from the best (the tiers are range partitions of ``rank_key``), in one
        statement: the tiers' scans UNION ALL'ed in order. The Append runs its children one after the
        other and the outer LIMIT stops it as soon as enough keys are found (no parallel plans in
        ``_reading``), so a tier's GIN index is read only when the tier is reached, and a sort sees
        one tier's matches. Spelt out because the planner, left to plan ``ORDER BY rank_key`` over the
        partitioned table, may sort all of them first (it does when its estimates are small)."""
        sql, params = self.first_keys_statement(
            query, titled=titled, need=offset + limit, after=after, exclude=exclude
        )
        cursor.execute(sql, params)
        return [r[0] for r in cursor.fetchall()][offset:]

    def first_keys_statement(
        self,
        query: Query,
        *,
        titled: bool,
        need: int,
        after: int | None = None,
        exclude: Sequence[int] = (),
        columns: Sequence[str] = (),
    ) -> tuple[str, list[Any]]:
        """The SQL and parameters of :meth:`_first_keys` (also for tests to EXPLAIN); ``columns``: more
        columns of the match rows to select (facet columns)."""
        where = self.MATCH
        extra: list[Any] = []
        if after is not None:
            where += " AND m.rank_key > %s"
            extra.append(after)
        if exclude:
            where += " AND NOT (m.rank_key = ANY(%s))"
            extra.append(list(exclude))
        tiers = range(tier_of(quality_of_key(after)) if after is not None else 0, TIERS)
        selected = ", ".join(["rank_key", *columns])
        union = " UNION ALL ".join(
            f"(SELECT {selected} FROM {tier_table(t)} m WHERE {where} ORDER BY m.rank_key LIMIT %s)"
            for t in tiers
        )
        params = [*extra, need] * len(tiers)
        return (
            f"{self.WITH_Q}SELECT {selected} FROM ({union}) u LIMIT %s",
            [self._tsquery(query, titled=titled), *params, need],
        )

    def _pools(self, cursor: CursorWrapper, query: Query) -> Pools:
        """Count, candidates and their relevance in two statements.

        The first scans up to COUNT_LIMIT + 1 matches in any order (the tiers' Append stops at the
        LIMIT): their number is the count. When that is all of them, the first in static order are
        the general pool; otherwise the pool is asked tier by tier. With more than
        ``SCORE_ALL_UP_TO`` matches the title pool is asked of the marked terms, tier by tier; with
        fewer, the second statement tells of every match whether its title or tags match (reading a
        few hundred tsvectors is cheaper than another walk of the broad words' posting lists, and
        the pool is the same). The second statement also gives the candidates' relevance.
        Subqueries in an untaken ``CASE`` branch are not run."""
        general_sql, general_params = self.first_keys_statement(query, titled=False, need=RERANK_CANDIDATES)
        titled_sql, titled_params = self.first_keys_statement(query, titled=True, need=RERANK_CANDIDATES)
        cursor.execute(
            f"{self.WITH_Q}, found AS MATERIALIZED "
            f"(SELECT m.rank_key FROM search_match m WHERE {self.MATCH} LIMIT %s), "
            "counted AS (SELECT count(*) AS n FROM found) "
            "SELECT n, CASE WHEN n <= %s THEN ARRAY(SELECT rank_key FROM found ORDER BY rank_key LIMIT %s) "
            f"ELSE ARRAY({general_sql}) END, "
            f"CASE WHEN n > %s THEN ARRAY({titled_sql}) END FROM counted",
            [
                self._tsquery(query),
                COUNT_LIMIT + 1,
                COUNT_LIMIT,
                max(SCORE_ALL_UP_TO, RERANK_CANDIDATES),
                *general_params,
                SCORE_ALL_UP_TO,
                *titled_params,
            ],
        )
        counted, first, titled_keys = cursor.fetchone()
        every_match = counted <= SCORE_ALL_UP_TO
        general_keys = first[:RERANK_CANDIDATES]
        relevance, in_title = self._rank(
            cursor, query, [*(first if every_match else general_keys), *(titled_keys or [])]
        )
        if every_match:
            # (with fewer than RERANK_CANDIDATES matches all are general candidates: no title pool)
            titled_keys = [k for k in first if in_title.get(k)] if counted >= RERANK_CANDIDATES else []
        return Pools(
            general=[(k, relevance.get(k, 0.0)) for k in general_keys],
            titled=[(k, relevance.get(k, 0.0)) for k in titled_keys[:RERANK_CANDIDATES]],
            counted=counted,
        )

    def _rank(
        self, cursor: CursorWrapper, query: Query, keys: list[int]
    ) -> tuple[dict[int, float], dict[int, bool]]:
        """key → ``ts_rank`` relevance, and key → whether the title or tags match."""
        by_tier: dict[int, set[int]] = {}
        for key in keys:
            by_tier.setdefault(tier_of(quality_of_key(key)), set()).add(key)
        if not by_tier:
            return {}, {}
        # Each tier's keys against its own partition: one array over the parent would be looked up in
        # every partition's primary key (20 × the keys).
        select = (
            "SELECT m.rank_key, ts_rank(m.tsv, (SELECT text FROM q), 1), m.tsv @@ (SELECT titled FROM q) "
            "FROM {table} m WHERE m.rank_key = ANY(%s)"
        )
        cursor.execute(
            "WITH q AS MATERIALIZED (SELECT to_tsquery('simple', %s) AS text, "
            "to_tsquery('simple', %s) AS titled) "
            + " UNION ALL ".join(select.format(table=tier_table(t)) for t in by_tier),
            [
                self._text_query(query.terms),
                self._text_query(query.terms, titled=True),
                *(list(tier_keys) for tier_keys in by_tier.values()),
            ],
        )
        rows = cursor.fetchall()
        return {k: float(r) for k, r, _ in rows}, {k: bool(t) for k, _, t in rows}

    def _browse(self, cursor: CursorWrapper, query: Query) -> list[int]:
        return self._first_keys(
            cursor,
            query,
            titled=False,
            limit=query.limit,
            after=None,
            exclude=(),
            offset=query.offset,
        )

    def _candidates(
        self,
        cursor: CursorWrapper,
        query: Query,
        *,
        titled: bool,
        limit: int,
        after: int | None = None,
        exclude: Sequence[int] = (),
        offset: int = 0,
    ) -> list[tuple[int, float]]:
        keys = self._first_keys(
            cursor,
            query,
            titled=titled,
            limit=limit,
            after=after,
            exclude=exclude,
            offset=offset,
        )
        relevance, _ = self._rank(cursor, query, keys)
        return [(k, relevance.get(k, 0.0)) for k in keys]

    def _fetch(self, cursor: CursorWrapper, keys: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        if not keys:
            return {}
        cursor.execute(
            "SELECT rank_key, object_id, title, body, url FROM search_document WHERE rank_key = ANY(%s)",
            [list(keys)],
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in cursor.fetchall()}

    def facet_counts(self, query: Query, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        if not names:
            return {}
        columns = [FACETS[n] for n in names]
        result: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
        with self._read_cursor() as cursor:
            query = self._prepared(cursor, query)
            with self._reading(cursor):
                # The first 10,000 matches in static order, tier by tier, with the facet values their
                # match rows carry (migration 0004); one pass groups by every facet (GROUPING(c) = 0
                # marks the rows grouped by c).
                first, params = self.first_keys_statement(
                    query, titled=False, need=COUNT_LIMIT, columns=columns
                )
                picks = " ".join(f"WHEN GROUPING({c}) = 0 THEN {i}" for i, c in enumerate(columns))
                values = " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}" for c in columns)
                sets = ", ".join(f"({c})" for c in columns)
                cursor.execute(
                    f"SELECT CASE {picks} END, CASE {values} END, count(*) FROM ({first}) f "
                    f"GROUP BY GROUPING SETS ({sets})",
                    params,
                )
                for index, value, n in cursor.fetchall():
                    if value:
                        result[names[index]].append((value, int(n)))
        for values_ in result.values():
            values_.sort(key=lambda vn: (-vn[1], vn[0]))
        return result

    def _suggest_keys(self, cursor: CursorWrapper, query: Query, limit: int) -> list[int]:
        return self._first_keys(cursor, query, titled=True, limit=limit, after=None, exclude=(), offset=0)


def backend(conn: Any = None) -> SearchBackend:
    """The backend for ``conn`` (default: Django's default connection), chosen by its vendor."""
    conn = conn or connection
    if conn.vendor == "postgresql":
        return PostgresBackend(conn)
    if conn.vendor == "sqlite":
        return SqliteBackend(conn)
    raise NotImplementedError(f"search: no backend for database vendor {conn.vendor!r}")
