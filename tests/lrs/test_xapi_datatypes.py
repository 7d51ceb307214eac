"""Special data types of xAPI 1.0.3 Data 4.0: IRIs, language tags, timestamps, durations, JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from educloud.lrs.xapi import XAPIValidationError, parse_json
from educloud.lrs.xapi.duration import is_duration, truncate_duration
from educloud.lrs.xapi.iri import is_iri, is_irl, is_uri
from educloud.lrs.xapi.langtag import is_language_tag
from educloud.lrs.xapi.timestamps import format_timestamp, is_timestamp, parse_timestamp
from educloud.lrs.xapi.validate import is_uuid

VALID_IRIS = [
    "http://adlnet.gov/expapi/verbs/created",
    "http://example.com/xapi/verbs#defenestrated",
    "http://example.com/فعل/خواندن",  # Data 2.4.3.1.s1: IRIs may hold non-ASCII characters
    "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
    "urn:uuid:9e13cefd-53d3-4eac-b5ed-2cf6693903bb",
    "mailto:xapi@adlnet.gov",
    "http://[::1]:8000/path?q=1",
    "tag:example.com,2024:%E6%95%99%E8%82%B2",
]
INVALID_IRIS = [
    "",
    "created",
    "/relative/path",
    "#fragment",
    "http://exa mple.com",
    "http://example.com/<x>",
    "http://example.com/%zz",
    "1http://example.com",
    "http:",
    "http://example.com:80a/",
    7,
    None,
]


@pytest.mark.parametrize("value", VALID_IRIS)
def test_iri_accepts_absolute_iris(value: str) -> None:
    assert is_iri(value)


@pytest.mark.parametrize("value", INVALID_IRIS)
def test_iri_rejects_relative_or_malformed(value: object) -> None:
    assert not is_iri(value)


def test_irl_needs_a_host_for_web_schemes_and_uri_is_ascii() -> None:
    assert is_irl("http://www.example.com") and is_irl("urn:isbn:0451450523")
    assert not is_irl("http:///no-host") and not is_irl("www.example.com")
    assert is_uri("http://toby.openid.example.org/") and not is_uri("http://例子.测试/")


VALID_TAGS = [
    "en",
    "en-US",
    "zh-Hans-CN",
    "zh-cmn-Hans-CN",
    "sr-Latn-RS",
    "sl-rozaj-biske",
    "de-CH-1901",
    "hy-Latn-IT-arevela",
    "es-419",
    "i-enochian",
    "x-whatever",
    "az-Arab-x-AZE-derbend",
    "tlh",
    "EN-us",
]
INVALID_TAGS = [
    "",
    "a12345",
    "something",
    "de-419-DE",
    "a-DE",
    "ar-a-aaa-b-bbb-a-ccc",
    "en_US",
    "en-",
    "de-1901-1901",
    "zh-z-aaa-z-bbb-c-ccc",
    "中文",
]


@pytest.mark.parametrize("tag", VALID_TAGS)
def test_language_tag_accepts_rfc5646(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", INVALID_TAGS)
def test_language_tag_rejects_malformed(tag: str) -> None:
    assert not is_language_tag(tag)


@pytest.mark.parametrize(
    "text",
    [
        "2015-11-18T12:17:00+00:00",
        "2013-05-18T05:32:34.804Z",
        "2013-04-01T12:00:00Z",
        "2008-09-15T15:53:00.601-05:00",
        "20080915T155300Z",
        "2008-09-15T15:53:00.1234567+0800",
        "2008-09-15T15:53+08",
    ],
)
def test_timestamp_accepts_iso8601_with_zone(text: str) -> None:
    assert is_timestamp(text)


@pytest.mark.parametrize(
    "text",
    [
        "should fail",
        "01/011/2015",
        "2008-09-15T15:53:00.601-00",
        "2008-09-15T15:53:00.601-0000",
        "2008-09-15T15:53:00.601-00:00",
        "2008-09-15",
        "2013-02-30T00:00:00Z",
        "2013-05-18 05:32:34Z",
        "2013-05-18T05:32:34+25:00",
    ],
)
def test_timestamp_rejects_malformed(text: str) -> None:
    assert not is_timestamp(text)


def test_timestamp_without_zone_is_valid_and_read_as_utc() -> None:
    # XAPI-00123 / Data 2.4.7: a timestamp "SHOULD include the time zone" - one without is still
    # an ISO 8601 timestamp the LRS must accept; it is read as UTC, the zone the LRS serves in.
    assert is_timestamp("2008-09-15T15:53:00") and is_timestamp("20080915T155300.123")
    assert parse_timestamp("2008-09-15T15:53:00.5") == datetime(2008, 9, 15, 15, 53, 0, 500000, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        parse_timestamp("2008-09-15T15:53:00", require_timezone=True)


def test_timestamp_parse_and_format() -> None:
    moment = parse_timestamp("2013-05-18T13:32:34.804+08:00")
    assert moment == datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)
    assert format_timestamp(moment) == "2013-05-18T05:32:34.804Z"
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2024, 1, 1))
    assert format_timestamp(datetime(2024, 1, 1, 8, tzinfo=UTC) + timedelta(microseconds=1500)).endswith(
        ".001Z"
    )


@pytest.mark.parametrize(
    "text",
    [
        "PT4H35M59.14S",
        "PT16559.14S",
        "P16559.14S",
        "P3Y1M29DT4H35M59.14S",
        "P3Y",
        "P4W",
        "PT1H0M0S",
        "PT0.5S",
        "P1DT12H",
    ],
)
def test_duration_accepts_iso8601(text: str) -> None:
    assert is_duration(text)


@pytest.mark.parametrize(
    "text", ["P4W1D", "PA1H0M0S", "P", "PT", "P1DT", "P0003-01-29T04:35:59", "1H", "should fail"]
)
def test_duration_rejects_malformed(text: str) -> None:
    assert not is_duration(text)


def test_duration_truncates_to_hundredths() -> None:
    assert truncate_duration("PT1.23456S") == "PT1.23S"
    assert truncate_duration("P3Y") == "P3Y"


def test_uuid_standard_form() -> None:
    assert is_uuid("fd41c918-b88b-4b20-a0a5-a4c32391aaa0") and is_uuid("AA97B177-9383-4934-8543-0F91A7A02836")
    assert not is_uuid("fd41c918b88b4b20a0a5a4c32391aaa0") and not is_uuid(
        "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}"
    )


def test_json_parse_rejects_duplicates_nan_and_bad_utf8() -> None:
    assert parse_json(b'{"a": {"b": 1}}') == {"a": {"b": 1}}
    with pytest.raises(XAPIValidationError) as caught:
        parse_json('{"actor": {"mbox": "mailto:a@b.c", "mbox": "mailto:d@e.f"}}')
    assert caught.value.path == "mbox"
    for bad in (b'{"a": NaN}', b"\xff\xfe", b'{"a": '):
        with pytest.raises(XAPIValidationError):
            parse_json(bad)
