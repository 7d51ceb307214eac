"""The index's second layout (ADR 0006, "Changes at a million documents").

* Visibility tokens are scoped by source (``backends.visibility_token(source, key)``), so a query with
  a visibility filter needs no source token (a dense list that every AND had to walk).
* Title/tag terms and pinyin initials also as ``TITLE_MARKER`` copies (``x勾股定理``): "matches in the
  title or tags" and suggestions are exact lookups, no column filter.
* SQLite: ``search_fts`` rebuilt with ``detail=none`` (no positions: smaller, faster doclists; the
  relevance is computed from the stored terms instead of ``highlight()``).
* PostgreSQL: the tsvector moves to a narrow table ``search_match(rank_key, tsv)`` whose heap rows are
  ~50 bytes (``toast_tuple_target`` = 128 puts the tsvector out of line), with a quality-tier token.

Existing rows are converted in place (no re-analysis); the old structures are dropped.
"""

from django.db import DatabaseError, migrations, transaction

from educloud.search import backends
from educloud.search.models import FACETS

BATCH = 5_000
FTS_COLUMNS = "title, tags, pinyin, body, keys, tokenize = 'unicode61 remove_diacritics 0'"


def _keys(source, visibility, facet_values):
    """The filter tokens as ``IndexRow.keys`` writes them now."""
    tokens = [backends.source_token(source)]
    tokens += [backends.visibility_token(source, k) for k in visibility.split()]
    facets = {name: value for name, value in zip(FACETS, facet_values, strict=True) if value}
    tokens += [backends.facet_token(name, value) for name, value in sorted(facets.items())]
    return tokens


def _sqlite(schema_editor):
    execute = schema_editor.execute
    execute("ALTER TABLE search_fts RENAME TO search_fts_old")
    execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({FTS_COLUMNS}, detail = none)")
    facet_columns = ", ".join(f"d.{c}" for c in FACETS.values())
    with schema_editor.connection.cursor() as cursor:
        last = None
        while True:
            cursor.execute(
                f"SELECT f.rowid, f.title, f.tags, f.pinyin, f.body, d.source, d.visibility, {facet_columns} "
                "FROM search_fts_old f JOIN search_document d ON d.rank_key = f.rowid "
                + ("WHERE f.rowid > %s " if last is not None else "")
                + "ORDER BY f.rowid LIMIT %s",
                [*([last] if last is not None else []), BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            values = []
            for key, title, tags, pinyin, body, source, visibility, *facet_values in rows:
                analyzed = backends.AnalyzedDocument(title=title, tags=tags, pinyin=pinyin, body=body)
                keys = _keys(source, visibility, facet_values) + backends.marked_terms(analyzed)
                values.append((key, title, tags, pinyin, body, " ".join(keys)))
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, tags, pinyin, body, keys) VALUES (%s, %s, %s, %s, %s, %s)",
                values,
            )
            last = rows[-1][0]
        execute("DROP TABLE search_fts_old")
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")


def _postgres(schema_editor):
    execute = schema_editor.execute
    # toast_tuple_target 128: tsvectors beyond ~100 bytes go to the TOAST table, so counting (which
    # visits the heap row of every match) reads a heap of a few dozen bytes per document.
    execute(
        "CREATE TABLE search_match (rank_key bigint PRIMARY KEY, tsv tsvector NOT NULL) "
        "WITH (toast_tuple_target = 128)"
    )
    try:  # lz4 decompresses tsvectors much faster than the default pglz (PostgreSQL 14+ built with lz4)
        with transaction.atomic(using=schema_editor.connection.alias):
            execute("ALTER TABLE search_match ALTER COLUMN tsv SET COMPRESSION lz4")
    except DatabaseError:
        pass
    facet_columns = ", ".join(c for c in FACETS.values())
    with schema_editor.connection.cursor() as cursor:
        last = None
        while True:
            cursor.execute(
                f"SELECT rank_key, source, visibility, {facet_columns} FROM search_document "
                + ("WHERE rank_key > %s " if last is not None else "")
                + "ORDER BY rank_key LIMIT %s",
                [*([last] if last is not None else []), BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            keys, old, new = [], [], []
            for key, source, visibility, *facet_values in rows:
                keys.append(key)
                old.append(" ".join(backends.key_token("v", k) for k in visibility.split()))
                tier = backends.key_token("t", str(backends.tier_of(backends.quality_of_key(key))))  # see 0004
                new.append(" ".join([*_keys(source, visibility, facet_values), tier]))
            # Old (unscoped) visibility tokens and the key tokens about to be re-added out (a token
            # twice would lengthen the document and lower ts_rank's length-normalised score); scoped
            # visibility tokens, the tier and marked pinyin initials in, with positions and weight D
            # as a fresh index writes them. The marked title/tag terms were there already.
            cursor.execute(
                "INSERT INTO search_match (rank_key, tsv) "
                "SELECT d.rank_key, ts_delete(d.tsv, string_to_array(x.old || ' ' || x.new, ' ')) "
                "|| to_tsvector('simple', x.new) || to_tsvector('simple', array_to_string(ARRAY("
                "SELECT %s || u.lexeme FROM unnest(d.tsv) u WHERE 'C' = ANY(u.weights)), ' ')) "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS x(k, old, new) "
                "JOIN search_document d ON d.rank_key = x.k",
                [backends.TITLE_MARKER, keys, old, new],
            )
            last = rows[-1][0]
    execute("ALTER TABLE search_document DROP COLUMN tsv")
    execute("CREATE INDEX search_match_tsv_gin ON search_match USING gin (tsv)")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _sqlite(schema_editor)
    elif vendor == "postgresql":
        _postgres(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    # Irreversible: going back would need the positions and unscoped keys that this layout drops
    # (re-index the documents instead).
    operations = [migrations.RunPython(forward)]
