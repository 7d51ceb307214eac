"""Chinese text analysis: normalization, segmentation with the education dictionary, pinyin, marking."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from educloud.algos import text
from educloud.algos.text import (
    QueryTerm,
    analyze_document,
    analyze_prefix,
    analyze_query,
    dictionary_words,
    index_terms,
    mark_terms,
    normalize,
    pinyin_initials,
    query_words,
    snippet,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("數學", "数学"),
        ("勾股定理", "勾股定理"),
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, case folded
        ("人教Ａ版", "人教a版"),
        ("學習 Python！", "学习 python!"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str):
    assert normalize(raw) == expected


def test_index_terms_are_search_mode_words_with_the_education_dictionary():
    terms = index_terms("人教版八年级数学下册《勾股定理》教学设计（第2课时）")
    assert {"人教版", "八年级", "数学", "勾股定理", "勾股", "定理", "教学设计", "课时"} <= set(terms)
    assert "《" not in terms and "的" not in terms
    assert all(re.fullmatch(r"[^\W_]+", t) for t in terms)


@pytest.mark.parametrize(
    "word",
    [
        "一元二次方程",
        "勾股定理",
        "文言文",
        "光合作用",
        "北师大版",
        "部编版",
        "苏教版",
        "数控技术",
        "电子商务",
    ],
)
def test_education_terms_stay_whole(word: str):
    assert query_words(f"关于{word}的资源") == ["关于", word, "资源"]


def test_every_dictionary_word_is_one_query_word():
    words = dictionary_words()
    assert len(words) > 300
    split = [w for w in words if query_words(w) != [w]]
    assert split == []


def test_traditional_text_is_indexed_as_simplified():
    assert "数学" in index_terms("國中數學")
    assert "勾股定理" in index_terms("勾股定理的證明")


def test_pinyin_initials():
    assert pinyin_initials("勾股定理") == "ggdl"
    assert pinyin_initials("勾股") == "gg"
    assert pinyin_initials("数") is None  # one character: too ambiguous
    assert pinyin_initials("python") is None
    assert pinyin_initials("数学2") is None


def test_analyze_document_fields():
    doc = analyze_document(
        title="《勾股定理》教学设计", body="探究直角三角形三边关系。", tags=["數學", "八年级"]
    )
    assert "勾股定理" in doc.title.split()
    assert doc.tags.split()[:1] == ["数学"]
    assert {"ggdl", "gg", "sx"} <= set(doc.pinyin.split())
    assert "直角三角形" in doc.body.split()


def test_analyze_query():
    assert analyze_query("  ") == []
    assert analyze_query("的 了，。") == []  # only stop words and punctuation
    assert analyze_query("數學 勾股定理")[0].word == "数学"
    teaching = analyze_query("教学设计")
    assert [t.word for t in teaching] == ["教学设计"]
    assert teaching[0].parts == ("教学", "设计")  # also found as "教学…设计"
    assert analyze_query("ggdl") == [QueryTerm(word="ggdl", pinyin=True)]
    assert len(analyze_query(" ".join(f"词{i}" for i in range(40)))) == text.MAX_QUERY_TERMS


def test_analyze_prefix_marks_the_last_word():
    terms = analyze_prefix("勾股定理的证")
    assert [(t.word, t.prefix) for t in terms] == [("勾股定理", False), ("证", True)]
    assert analyze_prefix("ggd") == [QueryTerm(word="ggd", pinyin=True, prefix=True)]
    assert all(not t.prefix for t in analyze_prefix("数学 "))
    assert analyze_prefix("") == []


def test_mark_terms_maps_back_to_traditional_text():
    pieces = mark_terms("八年級數學《勾股定理》", ["勾股定理", "数学"])
    assert pieces == [("八年級", False), ("數學", True), ("《", False), ("勾股定理", True), ("》", False)]
    assert mark_terms("没有命中", ["数学"]) == [("没有命中", False)]
    assert mark_terms("", ["数学"]) == []


def test_snippet_centres_on_the_first_match():
    body = "引言" * 60 + "勾股定理的证明" + "练习" * 60
    cut = snippet(body, ["勾股定理"], width=40)
    assert "勾股定理" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= 42
    assert snippet("短文本", ["x"]) == "短文本"


def test_analysis_is_deterministic():
    sample = "重庆市永川区农村学校的《光合作用》实验视频，适用于七年级生物学。"
    assert [index_terms(sample) for _ in range(3)] == [index_terms(sample)] * 3


def test_initialising_jieba_prints_nothing():
    code = "from educloud.algos.text import index_terms; print(index_terms('勾股定理'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == ""
    assert "勾股定理" in out.stdout
