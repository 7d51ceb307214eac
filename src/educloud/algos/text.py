"""Chinese text analysis for search: normalization, word segmentation, pinyin initials, highlighting.

What it owns
    Turning free text (titles, descriptions, tags, what a user types) into the *terms* that the
    search index stores and the query matches, the same way on both sides:

    * :func:`normalize` — full-width → half-width and compatibility forms (Unicode NFKC), traditional
      → simplified Chinese (OpenCC ``t2s``), case folding. ``數學`` → ``数学``, ``ＡＢＣ`` → ``abc``.
    * :func:`index_terms` — jieba *search-mode* segmentation (every word plus the dictionary words
      inside long words: ``一元二次方程`` → ``一元 二次 方程 一元二次方程``) with the education
      dictionary shipped in ``data/edu_dict.txt``; punctuation and a short stop-word list dropped;
      every term is a run of letters/digits (``[^\\W_]+``), so a database tokenizer that splits on
      punctuation (SQLite FTS5 ``unicode61``, PostgreSQL's ``simple`` parser) keeps it whole.
    * :func:`pinyin_initials` — ``勾股定理`` → ``ggdl``: lets a user type initials.
    * :func:`analyze_document` — the four term lists the index stores (title, tags, pinyin, body).
    * :func:`analyze_query` — a query as a conjunction of :class:`QueryTerm` (precise-mode words, each
      with its search-mode parts as an alternative, and a pinyin flag for a-z words).
    * :func:`mark_terms` / :func:`snippet` — where the query terms occur in a text, for highlighting.

Invariants
    Pure and deterministic: same input, same output; no Django, no database. jieba is initialised
    once, lazily, on a private ``jieba.Tokenizer`` (the global one is left alone) and without log
    output. The dictionary is read from this package, so results do not depend on the machine.

Read next: ``educloud.search.backends`` (how the terms are stored and matched).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DICTIONARY_PATH = Path(__file__).parent / "data" / "edu_dict.txt"

#: Longest text (characters) analysed per field; longer bodies are cut (the index is for finding,
#: not for storing books).
MAX_FIELD_CHARS = 10_000
#: Most terms a query is reduced to; later words are ignored.
MAX_QUERY_TERMS = 16

# Function words that carry no meaning for search. Only unambiguous ones: "上"/"下" stay (上册).
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 把 被 也 就 都 而 并 等 之 其 这 那 个 着 于 以 由 从 向 将 让 给"
    " 吧 吗 呢 啊 a an the of and or to in on for is are be with by at as".split()
)

_TERM_RE = re.compile(r"[^\W_]+")
_CJK_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_PINYIN_QUERY_RE = re.compile(r"^[a-z]{2,12}$")

_lock = threading.Lock()
_tokenizer: Any = None
_converter: Any = None


def _jieba() -> Any:
    """The private jieba tokenizer with the education dictionary, built on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." on stderr
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word, freq, tag in _dictionary_entries():
                    tokenizer.add_word(word, freq, tag)
                _tokenizer = tokenizer
    return _tokenizer


def _dictionary_entries() -> list[tuple[str, int | None, str | None]]:
    """(word, frequency or None, tag or None) from ``edu_dict.txt``, comments skipped."""
    entries: list[tuple[str, int | None, str | None]] = []
    for raw in DICTIONARY_PATH.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        entries.append((parts[0], freq, tag))
    return entries


def dictionary_words() -> list[str]:
    """The words of the shipped education dictionary (normalized form)."""
    return [word for word, _, _ in _dictionary_entries()]


def _t2s(text: str) -> str:
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), traditional → simplified, case-folded."""
    if not text:
        return ""
    return _t2s(unicodedata.normalize("NFKC", text)).casefold()


def _clean(words: Iterable[str]) -> list[str]:
    """Split jieba's words into letter/digit runs; drop punctuation, blanks and stop words."""
    terms: list[str] = []
    for word in words:
        for term in _TERM_RE.findall(word):
            if term not in STOP_WORDS:
                terms.append(term)
    return terms


def index_terms(text: str) -> list[str]:
    """Search-mode terms of ``text`` in order (with repeats), normalized: what the index stores."""
    normalized = normalize(text[:MAX_FIELD_CHARS])
    return _clean(_jieba().cut_for_search(normalized, HMM=True))


def query_words(text: str) -> list[str]:
    """Precise-mode words of ``text``, normalized, stop words dropped, in order, without repeats."""
    normalized = normalize(text)
    return list(dict.fromkeys(_clean(_jieba().cut(normalized, HMM=True))))


@functools.lru_cache(maxsize=65_536)
def pinyin_initials(word: str) -> str | None:
    """``勾股定理`` → ``ggdl``; ``None`` unless ``word`` is 2+ Chinese characters."""
    if len(word) < 2 or not _CJK_RE.match(word):
        return None
    from pypinyin import Style, lazy_pinyin

    initials = "".join(syllable[:1] for syllable in lazy_pinyin(word, style=Style.FIRST_LETTER))
    return initials if _PINYIN_QUERY_RE.match(initials) else None


@dataclass(frozen=True)
class AnalyzedDocument:
    """Space-separated terms per indexed field (what both database backends store)."""

    title: str
    tags: str
    pinyin: str
    body: str


def analyze_document(*, title: str, body: str = "", tags: Sequence[str] = ()) -> AnalyzedDocument:
    """The index terms of a document. Pinyin initials come from the title's and tags' Chinese words."""
    title_terms = index_terms(title)
    tag_terms = [term for tag in tags for term in index_terms(tag)]
    pinyin = list(dict.fromkeys(p for p in map(pinyin_initials, title_terms + tag_terms) if p))
    return AnalyzedDocument(
        title=" ".join(title_terms),
        tags=" ".join(tag_terms),
        pinyin=" ".join(pinyin),
        body=" ".join(index_terms(body)),
    )


@dataclass(frozen=True)
class QueryTerm:
    """One word the user typed. A document matches it if it holds ``word`` or, failing that, all of
    ``parts`` (the word's search-mode pieces, so ``数学教学`` also finds "数学…教学"); a word made of
    2–12 letters a–z may also be pinyin initials (``ggdl``). ``prefix``: match words starting with it
    (the last word while typing a suggestion)."""

    word: str
    parts: tuple[str, ...] = ()
    pinyin: bool = False
    prefix: bool = False


def _query_term(word: str, *, prefix: bool = False) -> QueryTerm:
    parts: tuple[str, ...] = ()
    if len(word) >= 3 and not prefix:
        pieces = [p for p in _clean(_jieba().cut_for_search(word, HMM=True)) if p != word]
        # The largest pieces (not inside another piece); used only if together they cover the word.
        maximal = [p for p in dict.fromkeys(pieces) if not any(p != q and p in q for q in pieces)]
        covered = [False] * len(word)
        for piece in maximal:
            start = word.find(piece)
            covered[start : start + len(piece)] = [True] * len(piece)
        if len(maximal) > 1 and all(covered):
            parts = tuple(maximal)
    return QueryTerm(word=word, parts=parts, pinyin=bool(_PINYIN_QUERY_RE.match(word)), prefix=prefix)


def analyze_query(text: str, *, max_terms: int = MAX_QUERY_TERMS) -> list[QueryTerm]:
    """The query as a conjunction of terms (empty for a blank query)."""
    return [_query_term(word) for word in query_words(text)[:max_terms]]


def analyze_prefix(text: str, *, max_terms: int = MAX_QUERY_TERMS) -> list[QueryTerm]:
    """Like :func:`analyze_query`, for text still being typed: the last word is a prefix
    (``勾股定理的证`` → ``勾股定理 AND 证*``), unless the text ends in a space."""
    words = query_words(text)[:max_terms]
    if not words:
        return []
    if text[-1:].isspace():
        return [_query_term(w) for w in words]
    return [*(_query_term(w) for w in words[:-1]), _query_term(words[-1], prefix=True)]


def highlight_words(terms: Sequence[QueryTerm]) -> list[str]:
    """The surface strings to highlight for ``terms``, longest first."""
    words = {t.word for t in terms} | {p for t in terms for p in t.parts}
    return sorted((w for w in words if w), key=lambda w: (-len(w), w))


def mark_terms(text: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into (segment, is_match) pieces where any of ``words`` occurs.

    Matching is done on the normalized text (so ``數學`` in a title is marked for the query ``数学``)
    and mapped back to the original characters when normalization kept the length; otherwise the
    normalized text is returned.
    """
    if not text:
        return []
    normalized = normalize(text)
    shown = text if len(normalized) == len(text) else normalized
    marked = [False] * len(normalized)
    for word in words:
        start = normalized.find(word)
        while word and start != -1:
            for i in range(start, start + len(word)):
                marked[i] = True
            start = normalized.find(word, start + len(word))
    pieces: list[tuple[str, bool]] = []
    i = 0
    while i < len(shown):
        j = i
        while j < len(shown) and marked[j] == marked[i]:
            j += 1
        pieces.append((shown[i:j], marked[i]))
        i = j
    return pieces


def snippet(text: str, words: Sequence[str], *, width: int = 80) -> str:
    """A window of about ``width`` characters of ``text`` around the first match (or its start)."""
    if len(text) <= width:
        return text
    normalized = normalize(text)
    positions = [p for p in (normalized.find(w) for w in words if w) if p >= 0]
    if not positions or len(normalized) != len(text):
        return text[:width] + "…"
    start = max(0, min(positions) - width // 4)
    end = min(len(text), start + width)
    start = max(0, end - width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
