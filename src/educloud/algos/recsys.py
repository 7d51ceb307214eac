"""Personalized course recommendation from implicit feedback (issue #12).

What this module owns
---------------------
* :class:`HybridRecommender` — a scikit-learn-style estimator that blends
  (1) next-course transitions (used when the learner's ordered history is given): from every
      training sequence, item a at position p "leads to" item b at p+d for d <= ``sequence_window``,
      counted with weight ``sequence_gamma**(d-1)`` and row-normalised; a learner's score is the sum
      of the rows of their items weighted ``recency_decay**age`` (age 0 = the latest course). On CNPC
      this is the strongest signal by far: courses are taken in an order (ADR 0015);
  (2) collaborative filtering: implicit-feedback ALS (Hu, Koren & Volinsky 2008) fitted with the
      ``implicit`` library; users are represented by *fold-in* (one exact weighted least-squares solve
      against the fitted item factors), so any row of interactions — a known user's training row, a
      new learner with a few courses, or an empty row — can be scored without refitting;
  (3) content similarity: cosine similarity of item-feature rows (discipline, length, tags ...),
      averaged over the user's items (off by default: it did not help on CNPC, whose only features are
      discipline and length); it also answers :meth:`HybridRecommender.similar_items` for cold-start
      resources that nobody has opened yet;
  (4) popularity: the fitted item frequency — the whole answer for a row with no interactions.
  Each component is min-max scaled per row to [0, 1] before the weighted sum
  (``sequence_weight``, ``cf_weight``, ``content_weight``, ``popularity_weight``). The defaults are
  the ones chosen on a validation split carved from CNPC's train_valid file (ADR 0015).
* :func:`evaluate` — the offline top-k protocol (recall@k, NDCG@k, the cold-user slice).

Invariants: scores are finite; ``recommend`` never returns an item outside ``candidates`` and, with
``exclude_seen``, never one in the given row; items are integer indices ``0..n_items-1`` of the
fitted matrix. This module imports no Django: the ``recommend`` app converts rows to matrices at its
boundary. Read next: :mod:`educloud.algos.recsys_data` (reading logs), ADR 0015 (model choice and the
evaluation protocol), ``bench/recommend.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["HybridRecommender", "PopularityRecommender", "evaluate", "ranking_metrics"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _check_user_items(x: Any, name: str, n_items: int | None = None) -> sp.csr_matrix:
    """Validate an interaction matrix: 2-D, finite, >= 0; returns float64 CSR with sorted indices."""
    if sp.issparse(x):
        m = sp.csr_matrix(x, dtype=np.float64)
    else:
        arr = np.asarray(x, dtype=np.float64) if x is not None else None
        if arr is None or arr.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D scipy.sparse matrix (n_rows, n_items), got {type(x).__name__}"
            )
        m = sp.csr_matrix(arr)
    if m.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {m.shape}")
    if n_items is not None and m.shape[1] != n_items:
        raise ValueError(f"{name} has {m.shape[1]} item columns; the model was fitted on {n_items}")
    if m.nnz and (not np.all(np.isfinite(m.data)) or m.data.min() < 0):
        raise ValueError(f"{name}: confidence weights must be finite and >= 0")
    m.eliminate_zeros()
    m.sum_duplicates()
    m.sort_indices()
    return m


def _row_minmax(x: FloatArray) -> FloatArray:
    """Scale each row to [0, 1] (a constant row becomes 0)."""
    lo = x.min(axis=1, keepdims=True)
    span = x.max(axis=1, keepdims=True) - lo
    out = np.zeros_like(x)
    np.divide(x - lo, span, out=out, where=span > 0)
    return out


class HybridRecommender(BaseEstimator):
    """ALS + content similarity + popularity, scored by fold-in (see the module docstring).

    Parameters
    ----------
    factors, regularization, alpha, iterations:
        ALS latent dimension, L2 penalty, confidence scaling (confidence = ``alpha`` x weight) and
        number of alternating sweeps (``implicit.als.AlternatingLeastSquares``).
    content_weight, popularity_weight:
        weights of the content and popularity components (the CF component has weight 1).
    random_state:
        seed of the factor initialisation.
    n_threads:
        threads for the ALS fit (0 = all cores).
    """

    def __init__(
        self,
        factors: int = 32,
        regularization: float = 0.05,
        alpha: float = 10.0,
        iterations: int = 15,
        content_weight: float = 0.0,
        popularity_weight: float = 0.0,
        random_state: int = 0,
        n_threads: int = 1,
        cf_weight: float = 0.6,
        sequence_weight: float = 1.0,
        sequence_window: int = 8,
        sequence_gamma: float = 0.9,
        recency_decay: float = 0.4,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.content_weight = content_weight
        self.popularity_weight = popularity_weight
        self.random_state = random_state
        self.n_threads = n_threads
        self.cf_weight = cf_weight
        self.sequence_weight = sequence_weight
        self.sequence_window = sequence_window
        self.sequence_gamma = sequence_gamma
        self.recency_decay = recency_decay

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        if int(self.factors) < 1:
            raise ValueError(f"factors must be >= 1, got {self.factors}")
        if int(self.iterations) < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations}")
        for name in (
            "regularization",
            "alpha",
            "content_weight",
            "popularity_weight",
            "cf_weight",
            "sequence_weight",
        ):
            v = float(getattr(self, name))
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v}")
        if int(self.sequence_window) < 1:
            raise ValueError(f"sequence_window must be >= 1, got {self.sequence_window}")
        for name in ("sequence_gamma", "recency_decay"):
            v = float(getattr(self, name))
            if not 0 < v <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {v}")
        if float(self.alpha) == 0:
            raise ValueError("alpha must be > 0")

    def fit(
        self,
        user_items: sp.csr_matrix,
        item_features: Any = None,
        *,
        sequences: Sequence[Sequence[int]] | None = None,
    ) -> HybridRecommender:
        """Fit on ``user_items`` (n_users, n_items) confidence weights and optional item features.

        ``sequences`` (optional): each learner's items in the order they were taken (any number of
        lists; they need not match the rows of ``user_items``). They train the next-course transition
        component; without them that component is off (``transitions_`` is None).
        """
        self._check_params()
        x = _check_user_items(user_items, "user_items")
        n_users, n_items = x.shape
        if n_items < 1 or n_users < 1:
            raise ValueError(f"user_items must have at least one user and one item, got shape {x.shape}")
        if x.nnz == 0:
            raise ValueError("user_items has no interactions")
        t0 = time.perf_counter()
        self.n_items_ = n_items
        self.item_features_ = self._check_item_features(item_features, n_items)
        self.content_similarity_ = self._content_similarity(self.item_features_)
        counts = np.asarray((x > 0).sum(axis=0), dtype=np.float64).ravel()
        self.item_popularity_ = counts / max(counts.max(), 1.0)
        self.transitions_ = (
            None if sequences is None else self._fit_transitions(_check_sequences(sequences, n_items, None))
        )
        self.item_factors_ = self._fit_als(x)
        yty = self.item_factors_.T @ self.item_factors_
        self.yty_ = yty
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    @staticmethod
    def _check_item_features(item_features: Any, n_items: int) -> sp.csr_matrix | None:
        if item_features is None:
            return None
        f = sp.csr_matrix(item_features, dtype=np.float64) if sp.issparse(item_features) else None
        if f is None:
            arr = np.asarray(item_features, dtype=np.float64)
            if arr.ndim != 2:
                raise ValueError(f"item_features must be 2-D (n_items, n_features), got shape {arr.shape}")
            f = sp.csr_matrix(arr)
        if f.shape[0] != n_items:
            raise ValueError(f"item_features has {f.shape[0]} rows; user_items has {n_items} item columns")
        if f.nnz and not np.all(np.isfinite(f.data)):
            raise ValueError("item_features must be finite")
        return f

    @staticmethod
    def _content_similarity(f: sp.csr_matrix | None) -> FloatArray | None:
        if f is None:
            return None
        norms = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        g = sp.diags(inv) @ f
        s = np.asarray((g @ g.T).todense(), dtype=np.float64)
        np.fill_diagonal(s, 0.0)
        return s

    def _fit_transitions(self, seqs: list[IntArray]) -> sp.csr_matrix:
        """Row-normalised skip transitions: item a at position p → item b at p+d (d <= window),
        counted with weight gamma**(d-1)."""
        gamma = float(self.sequence_gamma)
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        for d in range(1, int(self.sequence_window) + 1):
            for s in seqs:
                if s.size > d:
                    rows.append(s[:-d])
                    cols.append(s[d:])
                    vals.append(np.full(s.size - d, gamma ** (d - 1)))
        n = self.n_items_
        if not rows:
            return sp.csr_matrix((n, n))
        t = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
        t.sum_duplicates()
        sums = np.asarray(t.sum(axis=1)).ravel()
        inv = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
        return sp.csr_matrix(sp.diags(inv) @ t)

    def _recency_rows(self, seqs: list[IntArray]) -> sp.csr_matrix:
        """(n_rows, n_items): each row's items weighted decay**age (age 0 = the latest item)."""
        decay = float(self.recency_decay)
        rows, cols, vals = [], [], []
        for r, s in enumerate(seqs):
            if s.size:
                rows.append(np.full(s.size, r))
                cols.append(s)
                vals.append(decay ** np.arange(s.size - 1, -1, -1, dtype=np.float64))
        if not rows:
            return sp.csr_matrix((len(seqs), self.n_items_))
        m = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(seqs), self.n_items_),
        )
        m.sum_duplicates()
        return m

    def _fit_als(self, x: sp.csr_matrix) -> FloatArray:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        # implicit parallelises over users itself; BLAS threads on top only contend (its own advice)
        with threadpool_limits(1, "blas"):
            return self._fit_als_single_blas(x, AlternatingLeastSquares)

    def _fit_als_single_blas(self, x: sp.csr_matrix, als_class: Any) -> FloatArray:
        model = als_class(
            factors=int(self.factors),
            regularization=float(self.regularization),
            alpha=float(self.alpha),
            iterations=int(self.iterations),
            random_state=int(self.random_state),
            num_threads=int(self.n_threads),
            calculate_training_loss=False,
        )
        model.fit(x, show_progress=False)
        return np.asarray(model.item_factors, dtype=np.float64)

    # ------------------------------------------------------------------ scoring
    def _fold_in(self, x: sp.csr_matrix) -> FloatArray:
        """User factors by one exact ALS half-step against the fitted item factors (implicit's loss)."""
        y = self.item_factors_
        k = y.shape[1]
        reg = float(self.regularization) * np.eye(k)
        out = np.zeros((x.shape[0], k))
        alpha = float(self.alpha)
        for r in range(x.shape[0]):
            lo, hi = x.indptr[r], x.indptr[r + 1]
            if lo == hi:
                continue
            idx = x.indices[lo:hi]
            c = alpha * x.data[lo:hi]
            yi = y[idx]
            a = self.yty_ + (yi.T * (c - 1.0)) @ yi + reg
            b = yi.T @ c
            out[r] = np.linalg.solve(a, b)
        return out

    def score_users(
        self,
        user_items_rows: sp.csr_matrix,
        *,
        sequences: Sequence[Sequence[int]] | None = None,
    ) -> FloatArray:
        """Scores (n_rows, n_items) for the given interaction rows (fold-in; empty rows → fallback).

        ``sequences`` (optional, one per row): the row's items in the order taken, latest last. With
        them (and a model fitted with sequences) the next-course transition component is added.
        """
        check_is_fitted(self, "item_factors_")
        x = _check_user_items(user_items_rows, "user_items_rows", self.n_items_)
        cf = self._fold_in(x) @ self.item_factors_.T
        scores = float(self.cf_weight) * _row_minmax(cf)
        if sequences is not None and self.transitions_ is not None and float(self.sequence_weight) > 0:
            seqs = _check_sequences(sequences, self.n_items_, x.shape[0])
            nxt = (self._recency_rows(seqs) @ self.transitions_).toarray()
            scores += float(self.sequence_weight) * _row_minmax(nxt)
        if self.content_similarity_ is not None and float(self.content_weight) > 0:
            seen = (x > 0).astype(np.float64)
            n = np.asarray(seen.sum(axis=1)).ravel()
            content = np.asarray(seen @ self.content_similarity_) / np.maximum(n, 1.0)[:, None]
            scores += float(self.content_weight) * _row_minmax(content)
        pop = np.broadcast_to(self.item_popularity_, scores.shape)
        empty = np.diff(x.indptr) == 0
        scores += float(self.popularity_weight) * pop
        if empty.any():  # nothing to personalise: popularity alone orders the items
            scores[empty] = pop[empty]
        return scores

    def recommend(
        self,
        user_items_row: sp.csr_matrix,
        k: int,
        *,
        candidates: NDArray[np.integer[Any]] | None = None,
        exclude_seen: bool = True,
        sequence: Sequence[int] | None = None,
    ) -> list[tuple[int, float]]:
        """The top ``k`` (item, score) pairs for one row, best first, restricted to ``candidates``.

        ``sequence`` (optional): the row's items in the order taken, latest last (see
        :meth:`score_users`)."""
        check_is_fitted(self, "item_factors_")
        x = _check_user_items(user_items_row, "user_items_row", self.n_items_)
        if x.shape[0] != 1:
            raise ValueError(f"user_items_row must have exactly one row, got {x.shape[0]}")
        if isinstance(k, bool) or int(k) != k or k < 0:
            raise ValueError(f"k must be a non-negative integer, got {k!r}")
        scores = self.score_users(x, sequences=None if sequence is None else [sequence])[0]
        allowed = np.ones(self.n_items_, dtype=bool)
        if candidates is not None:
            cand = np.asarray(candidates)
            if cand.ndim != 1 or (cand.size and not np.issubdtype(cand.dtype, np.integer)):
                raise ValueError("candidates must be a 1-D array of item indices")
            if cand.size and (cand.min() < 0 or cand.max() >= self.n_items_):
                raise ValueError(f"candidates must be item indices in [0, {self.n_items_ - 1}]")
            allowed[:] = False
            allowed[cand] = True
        if exclude_seen:
            allowed[x.indices] = False
        items = np.flatnonzero(allowed)
        return _top_k(items, scores[items], int(k))

    def similar_items(self, item: int, k: int) -> list[tuple[int, float]]:
        """Items most similar to ``item``: by content when features were given, else by ALS factors."""
        check_is_fitted(self, "item_factors_")
        if isinstance(item, bool) or int(item) != item or not 0 <= item < self.n_items_:
            raise ValueError(f"item must be an index in [0, {self.n_items_ - 1}], got {item!r}")
        if isinstance(k, bool) or int(k) != k or k < 0:
            raise ValueError(f"k must be a non-negative integer, got {k!r}")
        if self.content_similarity_ is not None:
            sim = self.content_similarity_[int(item)]
        else:
            y = self.item_factors_
            norms = np.linalg.norm(y, axis=1)
            sim = (y @ y[int(item)]) / np.maximum(norms * norms[int(item)], 1e-12)
        others = np.delete(np.arange(self.n_items_), int(item))
        return _top_k(others, sim[others], int(k))


class PopularityRecommender(BaseEstimator):
    """Baseline: every user gets the items most often seen in training."""

    def fit(
        self, user_items: sp.csr_matrix, item_features: Any = None, *, sequences: Any = None
    ) -> PopularityRecommender:
        x = _check_user_items(user_items, "user_items")
        self.n_items_ = x.shape[1]
        self.item_popularity_ = np.asarray((x > 0).sum(axis=0), dtype=np.float64).ravel()
        return self

    def score_users(self, user_items_rows: sp.csr_matrix, *, sequences: Any = None) -> FloatArray:
        check_is_fitted(self, "item_popularity_")
        x = _check_user_items(user_items_rows, "user_items_rows", self.n_items_)
        return np.tile(self.item_popularity_, (x.shape[0], 1))


def _check_sequences(sequences: Any, n_items: int, n_rows: int | None) -> list[IntArray]:
    """Validate ordered item lists: each a 1-D sequence of item indices in [0, n_items)."""
    if isinstance(sequences, str | bytes) or not hasattr(sequences, "__len__"):
        raise ValueError("sequences must be a list of item-index lists (one per row, in time order)")
    if n_rows is not None and len(sequences) != n_rows:
        raise ValueError(f"sequences has {len(sequences)} entries; expected one per row ({n_rows})")
    out: list[IntArray] = []
    for r, seq in enumerate(sequences):
        arr = np.asarray(seq)
        if arr.size == 0:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"sequences[{r}] must be a 1-D list of integer item indices")
        if arr.min() < 0 or arr.max() >= n_items:
            raise ValueError(f"sequences[{r}] has an item index outside [0, {n_items - 1}]")
        out.append(arr.astype(np.int64))
    return out


def _top_k(items: IntArray, scores: FloatArray, k: int) -> list[tuple[int, float]]:
    if k == 0 or items.size == 0:
        return []
    k = min(k, items.size)
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.lexsort((items[part], -scores[part]))]  # ties: lower item index first
    return [(int(items[j]), float(scores[j])) for j in order]


# ---------------------------------------------------------------------- evaluation
def ranking_metrics(ranked: IntArray, relevant: set[int] | frozenset[int], k: int) -> tuple[float, float]:
    """(recall@k, NDCG@k) for one user: binary relevance.

    recall@k = hits in the top k / |relevant| (the published CNPC/KGXCR code's ``recall_cal``);
    NDCG@k = sum over hits at rank r (1-based) of 1/log2(r+1), divided by the ideal
    sum_{r=1}^{min(k, |relevant|)} 1/log2(r+1).
    """
    if not relevant:
        raise ValueError("relevant must not be empty")
    top = ranked[:k]
    gains = np.array([1.0 if int(i) in relevant else 0.0 for i in top])
    discounts = 1.0 / np.log2(np.arange(2, top.size + 2))
    dcg = float(gains @ discounts) if top.size else 0.0
    idcg = float((1.0 / np.log2(np.arange(2, min(k, len(relevant)) + 2))).sum())
    return float(gains.sum()) / len(relevant), dcg / idcg


def evaluate(
    model: Any,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    k: int = 10,
    *,
    cold_max: int = 5,
    fit: bool = True,
    item_features: Any = None,
    train_sequences: Sequence[Sequence[int]] | None = None,
    batch_size: int = 2048,
) -> dict[str, Any]:
    """Offline top-k evaluation: fit on ``train``, rank for every user with test items.

    Each user's ranking comes from ``model.score_users`` on their *training* row, with their training
    items excluded (they cannot be "next" courses); every other item is a candidate. Users with no
    test item are skipped. Metrics are means over users (see :func:`ranking_metrics`); the cold slice
    is the users with ``1 <= |train items| <= cold_max``. ``recall_at_k_min`` also gives the variant
    hits / min(k, |test|).

    ``train_sequences`` (optional, one ordered item list per user row of ``train``) are passed to
    ``fit(..., sequences=...)`` and ``score_users(..., sequences=...)``: the next-course protocol of
    the published CNPC results (train = the first ~80 % of each learner's courses in order, test =
    the rest).
    """
    tr = _check_user_items(train, "train")
    te = _check_user_items(test, "test")
    if tr.shape != te.shape:
        raise ValueError(f"train {tr.shape} and test {te.shape} must have the same shape (users, items)")
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if train_sequences is not None and len(train_sequences) != tr.shape[0]:
        raise ValueError(
            f"train_sequences has {len(train_sequences)} entries; train has {tr.shape[0]} user rows"
        )
    fit_seconds = None
    if fit:
        t0 = time.perf_counter()
        kwargs: dict[str, Any] = {} if train_sequences is None else {"sequences": train_sequences}
        model.fit(tr, item_features, **kwargs)
        fit_seconds = time.perf_counter() - t0
    users = np.flatnonzero(np.diff(te.indptr) > 0)
    if users.size == 0:
        raise ValueError("test has no interactions")
    t0 = time.perf_counter()
    recall = np.zeros(users.size)
    recall_min = np.zeros(users.size)
    ndcg = np.zeros(users.size)
    n_train = np.diff(tr.indptr)[users]
    for start in range(0, users.size, batch_size):
        batch = users[start : start + batch_size]
        if train_sequences is None:
            raw = model.score_users(tr[batch])
        else:
            raw = model.score_users(tr[batch], sequences=[train_sequences[u] for u in batch])
        scores = np.array(raw, dtype=np.float64)
        for j, u in enumerate(batch):
            seen = tr.indices[tr.indptr[u] : tr.indptr[u + 1]]
            s = scores[j]
            s[seen] = -np.inf
            kk = min(k, s.size)
            part = np.argpartition(-s, kk - 1)[:kk]
            ranked = part[np.lexsort((part, -s[part]))]
            ranked = ranked[np.isfinite(s[ranked])]
            rel = frozenset(te.indices[te.indptr[u] : te.indptr[u + 1]].tolist())
            r, n = ranking_metrics(ranked, rel, k)
            recall[start + j], ndcg[start + j] = r, n
            recall_min[start + j] = r * len(rel) / min(k, len(rel))
    score_seconds = time.perf_counter() - t0
    cold = (n_train >= 1) & (n_train <= cold_max)
    no_train = n_train == 0
    out: dict[str, Any] = {
        "k": int(k),
        "recall_at_k": float(recall.mean()),
        "ndcg_at_k": float(ndcg.mean()),
        "recall_at_k_min": float(recall_min.mean()),
        "n_users": int(users.size),
        "cold_max_train_items": int(cold_max),
        "cold_users": {
            "n_users": int(cold.sum()),
            "recall_at_k": float(recall[cold].mean()) if cold.any() else None,
            "ndcg_at_k": float(ndcg[cold].mean()) if cold.any() else None,
        },
        "no_train_users": int(no_train.sum()),
        "fit_seconds": fit_seconds,
        "score_seconds": score_seconds,
    }
    return out
