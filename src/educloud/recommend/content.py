"""What a resource is about: its knowledge points (matched by name) and its content features.

* :func:`points_of` links a library resource to learning knowledge points of the same subject and
  stage whose name occurs in its tags (weight 1.0) or title (0.8). A name found inside a longer
  matched name counts only as the longer one (a resource on 「整式的乘法与因式分解」 is not also on
  「整式」); one-character names match tags only.
* :func:`item_features` turns resources into the content matrix the hybrid recommender uses for new
  resources (cold start): TF-IDF over jieba terms of title, tags and description (the search app's
  segmentation, ``algos.text.index_terms``) plus one-hot subject, stage and grade.

No queries here: callers pass rows (``values()`` dicts) and knowledge points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from educloud.algos.text import index_terms

# Library subject codes → the learning app's subject names (its graphs are named in Chinese).
SUBJECT_NAMES: dict[str, str] = {
    "chinese": "语文",
    "math": "数学",
    "english": "英语",
    "physics": "物理",
    "chemistry": "化学",
    "biology": "生物",
    "history": "历史",
    "geography": "地理",
    "morality": "道德与法治",
    "science": "科学",
    "it": "信息技术",
}
LIBRARY_SUBJECT = {v: k for k, v in SUBJECT_NAMES.items()}


@dataclass(frozen=True)
class PointRef:
    id: int
    code: str
    name: str
    subject: str  # learning's name, e.g. 数学
    stage: str


def points_of(resource: Mapping[str, Any], points: Sequence[PointRef]) -> dict[int, float]:
    """Knowledge point id → weight for one resource (``subject``, ``stage``, ``title``, ``tags``)."""
    subject = SUBJECT_NAMES.get(str(resource.get("subject") or ""))
    stage = resource.get("stage")
    if subject is None:
        return {}
    tags = [str(t) for t in (resource.get("tags") or [])]
    title = str(resource.get("title") or "")
    found: dict[int, tuple[float, str]] = {}
    for p in points:
        if p.subject != subject or p.stage != stage:
            continue
        if any(p.name == t or (len(p.name) > 1 and p.name in t) for t in tags):
            found[p.id] = (1.0, p.name)
        elif len(p.name) > 1 and p.name in title:
            found[p.id] = (0.8, p.name)
    names = [n for _, n in found.values()]
    return {
        pid: w
        for pid, (w, name) in found.items()
        if not any(name != other and name in other for other in names)
    }


def resource_text(resource: Mapping[str, Any]) -> str:
    tags = " ".join(str(t) for t in (resource.get("tags") or []))
    return f"{resource.get('title', '')} {tags} {str(resource.get('description') or '')[:300]}"


def item_features(resources: Sequence[Mapping[str, Any]], *, max_terms: int = 4000) -> sparse.csr_matrix:
    """Content matrix (n_resources, n_features), rows L2-normalised: TF-IDF of jieba terms + one-hot
    subject, stage and grade (each block weighted so that no block dominates)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    n = len(resources)
    if n == 0:
        return sparse.csr_matrix((0, 0))
    texts = [resource_text(r) for r in resources]
    vectorizer = TfidfVectorizer(analyzer=index_terms, max_features=max_terms, min_df=1, sublinear_tf=True)
    tfidf = vectorizer.fit_transform(texts)
    blocks = [tfidf]
    for name in ("subject", "stage", "grade"):
        values = [str(r.get(name) or "") for r in resources]
        vocab = {v: j for j, v in enumerate(sorted(set(values)))}
        rows = np.arange(n)
        cols = np.array([vocab[v] for v in values])
        onehot = sparse.csr_matrix((np.full(n, 0.5), (rows, cols)), shape=(n, len(vocab)))
        blocks.append(onehot)
    return normalize(sparse.hstack(blocks, format="csr"))


# How much each kind of engagement says about interest (implicit-feedback confidence).
KIND_WEIGHT = {"view": 1.0, "download": 2.0, "favourite": 3.0, "completion": 4.0, "xapi_completion": 4.0}


def event_weight(kind: str, value: int | None) -> float:
    """Confidence of one event: ratings by their stars (1 star says little), a removed favourite 0."""
    if kind == "rating":
        return max(0.0, float(value or 0) - 1.0)
    if kind == "favourite":
        return KIND_WEIGHT["favourite"] if value else 0.0
    return KIND_WEIGHT.get(kind, 0.0)


def interaction_matrix(
    events: Iterable[tuple[int, int, float]], users: Mapping[int, int], items: Mapping[int, int]
) -> sparse.csr_matrix:
    """(user row, item column) summed confidence from ``(user id, resource id, weight)`` events."""
    rows, cols, vals = [], [], []
    for u, i, w in events:
        if w > 0 and u in users and i in items:
            rows.append(users[u])
            cols.append(items[i])
            vals.append(w)
    m = sparse.csr_matrix(
        (
            np.asarray(vals, dtype=np.float32),
            (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)),
        ),
        shape=(len(users), len(items)),
    )
    m.sum_duplicates()
    return m


def taking_order(events: Iterable[tuple[int, float]]) -> list[int]:
    """The resources of one learner in the order first taken up: ``events`` are ``(resource id,
    weight)`` in time order (``at``, then id); each resource appears once, at its first event of
    positive weight. This is the sequence the recommender's next-resource component learns from and
    scores with (``algos.recsys``, ADR 0015): training and serving build it here, alike."""
    order: list[int] = []
    taken: set[int] = set()
    for resource_id, weight in events:
        if weight > 0 and resource_id not in taken:
            taken.add(resource_id)
            order.append(resource_id)
    return order
