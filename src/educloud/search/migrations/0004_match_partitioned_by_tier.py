"""PostgreSQL: ``search_match`` becomes a table partitioned by quality tier (a range of ``rank_key``).

Layout 2 read the best matches "tier by tier" through a tier token in every tsvector: one GIN scan per
tier with the token as a required entry. A tier's documents are spread over the whole heap, though, so
each such scan still walked nearly all of a broad word's posting tree — twenty times for a count. With
one partition per tier, each tier has its own GIN index whose posting lists hold only that tier's
documents: a scan of the best tiers costs what they contain, and a plain ``ORDER BY rank_key LIMIT k``
is planned as an ordered Append that stops in the first tiers that hold enough matches. The tier
token is no longer needed and is removed from the stored tsvectors (so that ``ts_rank``'s length
normalisation of a migrated row equals a freshly written one).

The facet columns are copied into the match rows too: facet counts are taken over the first 10,000
matches, and the scan that finds them visits their (narrow) match rows anyway, whereas looking them up
in ``search_document`` read 10,000 wide rows from all over its heap (50–90 ms at a million documents).

Tier ``t`` (0 = best) holds the documents with ``(rank_key >> 53) // 50 == t`` — quality bands of 0.05
as in ``educloud.search.backends.tier_of``; the last one also holds quality 0. The bounds are written
out here (not imported) so that this migration keeps meaning what it meant when written.

SQLite: nothing to do.
"""

import hashlib

from django.db import DatabaseError, migrations, transaction

# search_document's facet columns at the time of writing (educloud.search.models.FACETS)
FACET_COLUMNS = [
    "f_subject",
    "f_stage",
    "f_grade",
    "f_type",
    "f_edition",
    "f_language",
    "f_license",
    "f_province_code",
    "f_city_code",
    "f_county_code",
]

TIERS = 20
_QUALITY_SHIFT = 53  # rank_key = (1000 - quality level) << 53 | ...
_LEVELS_PER_TIER = 50


def _old_tier_tokens() -> list[str]:
    """The tokens layout 2 wrote (``backends.key_token("t", str(tier))`` at the time)."""
    letters = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
    return [
        "z" + hashlib.blake2b(f"t\x1f{tier}".encode(), digest_size=8).hexdigest().translate(letters)
        for tier in range(TIERS)
    ]


def _bounds(tier: int) -> tuple[str, str]:
    low = "MINVALUE" if tier == 0 else str((tier * _LEVELS_PER_TIER) << _QUALITY_SHIFT)
    high = "MAXVALUE" if tier == TIERS - 1 else str(((tier + 1) * _LEVELS_PER_TIER) << _QUALITY_SHIFT)
    return low, high


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    # toast_pad and toast_tuple_target as in 0003: the tsvector lives out of line, heap rows stay small.
    facets = ", ".join(f"{c} varchar(64) NOT NULL DEFAULT ''" for c in FACET_COLUMNS)
    execute(
        "CREATE TABLE search_match_tiered (rank_key bigint PRIMARY KEY, tsv tsvector NOT NULL, "
        f"{facets}, toast_pad text NOT NULL DEFAULT repeat(' ', 2100)) PARTITION BY RANGE (rank_key)"
    )
    for tier in range(TIERS):
        low, high = _bounds(tier)
        execute(
            f"CREATE TABLE search_match_t{tier:02d} PARTITION OF search_match_tiered "
            f"FOR VALUES FROM ({low}) TO ({high}) WITH (toast_tuple_target = 128)"
        )
    try:  # lz4 decompresses tsvectors much faster than the default pglz (PostgreSQL 14+ built with lz4)
        with transaction.atomic(using=schema_editor.connection.alias):
            execute("ALTER TABLE search_match_tiered ALTER COLUMN tsv SET COMPRESSION lz4")
    except DatabaseError:
        pass
    columns = ", ".join(FACET_COLUMNS)
    execute(
        f"INSERT INTO search_match_tiered (rank_key, tsv, {columns}) "
        f"SELECT m.rank_key, ts_delete(m.tsv, %s::text[]), {', '.join('d.' + c for c in FACET_COLUMNS)} "
        "FROM search_match m JOIN search_document d ON d.rank_key = m.rank_key",
        [_old_tier_tokens()],
    )
    execute("DROP TABLE search_match")
    execute("ALTER TABLE search_match_tiered RENAME TO search_match")
    execute("ALTER INDEX search_match_tiered_pkey RENAME TO search_match_pkey")
    # One partitioned GIN index: each tier gets its own (search_match_tNN_tsv_idx).
    execute("CREATE INDEX search_match_tsv_gin ON search_match USING gin (tsv)")
    execute("ANALYZE search_match")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_match_rows_out_of_line")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
