"""Search benchmark: index N synthetic Chinese resources, time typical queries; naive ``icontains`` peer.

What it measures, on SQLite FTS5 (a temporary file database) and on PostgreSQL (a scratch database
``educloud_bench_search``, created and dropped), through the app's own code path
(``educloud.search.api``):

* indexing throughput (docs/s) of ``documents_bulk_upsert``: end to end (analysis with
  jieba/OpenCC/pypinyin in ``--workers`` processes + writes) for the first ``--e2e-n`` documents (default
  50,000); the rest are analysed once by this script (the analysis throughput is reported) and written
  by ``documents_bulk_upsert`` with ``DocumentInput.analyzed`` set, on each database — word segmentation
  is the slow part and is the same for both, so a million documents fit in half an hour on two cores.
  Then ``index_optimize`` (FTS5 segment merge / ``ANALYZE``);
* p50 / p95 latency of ``search`` over a fixed set of 20 typical queries (with and without facet
  filters, browse included) × 3 askers (anonymous, a teacher in 永川区, the joint office), each run
  ``--repeat`` times after one warm-up round; ``suggest`` for 8 prefixes; ``search`` with six facet
  counts;
* the naive peer: the same 20 queries × 3 askers as one ORM query each — ``title__icontains`` or
  ``body__icontains`` per whitespace-separated word, visibility by substring, facets by column,
  ``ORDER BY quality`` + ``count()`` — the code one writes without a search index.

Usage::

    .venv/bin/python bench/search.py                      # N = 100,000 (or $EDUCLOUD_BENCH_SEARCH_N)
    .venv/bin/python bench/search.py --n 1000000          # the reported run
    .venv/bin/python bench/search.py --backends sqlite --n 20000 --repeat 3
    # build the corpora once, then re-run only the queries (e.g. after changing the query code):
    .venv/bin/python bench/search.py --n 1000000 --data-dir /var/tmp/educloud-bench-search
    .venv/bin/python bench/search.py --n 1000000 --data-dir /var/tmp/educloud-bench-search --reuse

``--data-dir`` keeps the analysis (pickled terms of the documents past ``--e2e-n``), the SQLite database
and the PostgreSQL database ``educloud_bench_search_n<N>`` after the run, with a state file per backend
holding its indexing figures. ``--reuse`` then skips analysis and indexing where a finished state file
exists (its indexing figures are reported again, marked "reused"); migrations still run on the kept
databases, so a new migration is applied to them as it would be to a production index. Without
``--data-dir`` everything is temporary, as before. Same corpus, queries and askers either way.

PostgreSQL is reached at ``$EDUCLOUD_BENCH_PG`` (default ``postgres://postgres@127.0.0.1:5432``);
when it does not answer, its column says so. Each backend runs in a child process of this script
(Django settings are per process); the data are the same (same seed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "library.resource"
PG_DB = "educloud_bench_search"

# -------------------------------------------------------------------------------- synthetic resources
STAGES = {
    "小学": (
        ["语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术", "体育与健康", "信息科技"],
        range(1, 7),
    ),
    "初中": (["语文", "数学", "英语", "物理", "化学", "生物学", "历史", "地理", "道德与法治"], range(7, 10)),
    "高中": (
        ["语文", "数学", "英语", "物理", "化学", "生物学", "历史", "地理", "思想政治", "信息技术"],
        range(10, 13),
    ),
    "中职": (
        [
            "数控技术",
            "电子商务",
            "汽车运用与维修",
            "护理",
            "会计事务",
            "计算机应用",
            "工业机器人技术应用",
            "学前教育",
            "旅游服务与管理",
            "中餐烹饪",
        ],
        range(0),
    ),
}
STAGE_WEIGHTS = {"小学": 0.35, "初中": 0.3, "高中": 0.25, "中职": 0.1}
POINTS = {
    "语文": [
        "文言文阅读",
        "古诗词鉴赏",
        "现代文阅读",
        "议论文写作",
        "记叙文写作",
        "名著导读",
        "病句修改",
        "修辞手法",
        "岳阳楼记",
        "出师表",
        "桃花源记",
        "汉语拼音",
        "识字写字",
    ],
    "数学": [
        "勾股定理",
        "一元二次方程",
        "二次函数",
        "一次函数",
        "反比例函数",
        "全等三角形",
        "相似三角形",
        "因式分解",
        "有理数",
        "分数的意义",
        "乘法口诀",
        "鸡兔同笼",
        "概率初步",
        "等差数列",
        "导数",
        "立体几何",
        "平面向量",
    ],
    "英语": [
        "一般现在时",
        "一般过去时",
        "现在完成时",
        "被动语态",
        "定语从句",
        "英语听力",
        "英语写作",
        "完形填空",
        "自然拼读",
        "阅读理解",
    ],
    "物理": [
        "牛顿第一定律",
        "牛顿第二定律",
        "欧姆定律",
        "浮力",
        "压强",
        "杠杆原理",
        "机械能守恒",
        "电磁感应",
        "串联电路",
        "凸透镜成像",
        "光的折射",
        "自由落体",
    ],
    "化学": [
        "化学方程式",
        "元素周期表",
        "氧化还原反应",
        "离子反应",
        "酸碱盐",
        "质量守恒定律",
        "化学键",
        "化学平衡",
        "金属活动性顺序",
    ],
    "生物学": [
        "光合作用",
        "呼吸作用",
        "细胞分裂",
        "减数分裂",
        "遗传规律",
        "基因突变",
        "生态系统",
        "食物链",
        "血液循环",
    ],
    "历史": [
        "辛亥革命",
        "五四运动",
        "鸦片战争",
        "改革开放",
        "丝绸之路",
        "秦始皇统一中国",
        "中国古代史",
        "世界史",
    ],
    "地理": [
        "等高线地形图",
        "经纬网",
        "气候类型",
        "季风气候",
        "板块构造",
        "水循环",
        "人口分布",
        "城镇化",
        "长江经济带",
        "成渝地区双城经济圈",
    ],
    "道德与法治": ["宪法", "法治教育", "社会主义核心价值观", "国家安全教育", "友谊", "家庭与亲情"],
    "思想政治": ["经济与社会", "政治与法治", "哲学与文化", "社会主义核心价值观"],
    "科学": ["水的三态变化", "植物的生长", "简单电路", "磁铁的性质", "天气观测", "声音的传播"],
    "音乐": ["合唱", "民族乐器", "节奏训练", "川江号子"],
    "美术": ["色彩搭配", "剪纸", "国画入门", "蜀绣图案设计"],
    "体育与健康": ["篮球运球", "跳绳", "广播体操", "田径短跑", "心理健康"],
    "信息科技": ["图形化编程", "数据与编码", "网络安全", "人工智能初步"],
    "信息技术": ["python编程", "算法与程序设计", "数据结构", "人工智能", "网络安全"],
    "数控技术": ["数控车床编程", "数控铣削加工", "cad制图", "机械制图", "加工中心操作"],
    "电子商务": ["网店运营", "直播电商", "农产品电商", "网络营销", "客户服务"],
    "汽车运用与维修": ["发动机维修", "新能源汽车", "汽车电气", "底盘检修"],
    "护理": ["基础护理", "急救技术", "老年护理", "内科护理"],
    "会计事务": ["会计基础", "财务报表", "税费计算", "出纳实务"],
    "计算机应用": ["办公软件", "平面设计", "网页制作", "计算机网络技术"],
    "工业机器人技术应用": ["工业机器人编程", "机器人离线仿真", "电气自动化", "传感器应用"],
    "学前教育": ["幼儿游戏", "幼儿保育", "儿歌弹唱", "手工制作"],
    "旅游服务与管理": ["导游讲解", "巴蜀文化旅游", "酒店服务", "景区管理"],
    "中餐烹饪": ["川菜烹饪", "刀工技法", "面点制作", "食品安全"],
}
EDITIONS = [
    "人教版",
    "北师大版",
    "部编版",
    "苏教版",
    "沪教版",
    "湘教版",
    "外研版",
    "译林版",
    "西师大版",
    "川教版",
]
TYPES = [
    "教学设计",
    "课件",
    "微课",
    "说课稿",
    "导学案",
    "同步练习",
    "单元测试",
    "期中试卷",
    "期末试卷",
    "复习提纲",
    "知识点总结",
    "实验视频",
    "名师课堂",
    "公开课",
    "课堂实录",
    "作业设计",
]
LICENSES = ["CC BY 4.0", "CC BY-SA 4.0", "CC BY-NC 4.0", "CC BY-NC-SA 4.0", "CC BY-ND 4.0", "校内使用"]
GRADE_LABELS = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
    10: "高一",
    11: "高二",
    12: "高三",
}
OPENINGS = [
    "本资源围绕“{kp}”设计，适用于{stage}{grade}{subject}课堂教学。",
    "本节课以“{kp}”为核心，通过情境导入、合作探究和当堂检测组织教学。",
    "{county}{school}教师团队制作的{subject}{type}，主题为{kp}。",
    "聚焦{kp}的重点与难点，配套{type}与分层作业，便于学生课后巩固。",
]
MIDDLES = [
    "资源已在{region}多所学校试用，适合乡村学校的双师课堂和送教下乡。",
    "教学过程注重核心素养，设计了小组讨论、动手实践和课堂小结环节。",
    "包含教学目标、重难点分析、教学过程、板书设计和教学反思。",
    "可与国家中小学智慧教育平台的同步课程配合使用，支持线上线下混合教学。",
    "结合成渝两地的生活实例，引导学生在真实情境中运用所学知识。",
    "配有课后练习和参考答案，教师可根据学情调整难度。",
]
CLOSINGS = [
    "欢迎各校教师下载使用并提出修改建议。",
    "资源遵循所标注的许可协议共享。",
    "",
    "本资源为{edition}配套资源。",
]


def _counties() -> list[tuple[str, str, str, str]]:
    with (ROOT / "src/educloud/regions/data/counties.csv").open(encoding="utf-8") as f:
        return [(r["code"], r["city_code"], r["province_code"], r["name"]) for r in csv.DictReader(f)]


def synthetic_docs(n: int, *, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """``n`` synthetic resources as ``DocumentInput`` keyword dicts; deterministic for a seed."""
    rng = random.Random(seed)
    counties = _counties()
    stages = list(STAGE_WEIGHTS)
    weights = list(STAGE_WEIGHTS.values())
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        stage = rng.choices(stages, weights)[0]
        subjects, grades = STAGES[stage]
        subject = rng.choice(subjects)
        grade = rng.choice(grades) if grades else None
        kp = rng.choice(POINTS[subject])
        edition = rng.choice(EDITIONS)
        rtype = rng.choice(TYPES)
        county, city, province, county_name = rng.choice(counties)
        school_no = rng.randint(1, 40)
        school = f"S{county}{school_no:04d}"
        grade_label = GRADE_LABELS.get(grade, "") if grade else ""
        volume = rng.choice(["上册", "下册", ""]) if grade else ""
        lesson = f"（第{rng.randint(1, 4)}课时）" if rng.random() < 0.3 else ""
        title = rng.choice(
            [
                f"{edition}{subject}{grade_label}{volume}《{kp}》{rtype}{lesson}",
                f"{kp}{rtype}｜{stage}{subject}",
                f"{county_name}{stage}{subject}：{kp}{rtype}",
            ]
        )
        slots = {
            "kp": kp,
            "stage": stage,
            "grade": grade_label,
            "subject": subject,
            "type": rtype,
            "edition": edition,
            "county": county_name,
            "school": f"第{school_no}{'中学' if stage != '小学' else '小学'}",
            "region": "重庆" if province == "500000" else "四川",
        }
        body = "".join([rng.choice(OPENINGS), *rng.sample(MIDDLES, 2), rng.choice(CLOSINGS)]).format(**slots)
        roll = rng.random()
        if roll < 0.55:
            keys = ["public"]
        elif roll < 0.75:
            keys = ["circle"]
        elif roll < 0.85:
            keys = [f"province:{province}"]
        elif roll < 0.91:
            keys = [f"city:{city}"]
        elif roll < 0.96:
            keys = [f"county:{county}"]
        else:
            keys = [f"school:{school}", f"manage:county:{county}"]
        yield {
            "object_id": str(i + 1),
            "title": title,
            "body": body,
            "tags": [kp] + ([edition] if grade else []),
            "facets": {
                "subject": subject,
                "stage": stage,
                "grade": grade,
                "type": rtype,
                "license": rng.choice(LICENSES),
                "edition": edition if grade else None,
                "province_code": province,
                "city_code": city,
                "county_code": county,
                "language": "zh",
            },
            "visibility_keys": keys,
            "quality": round(rng.betavariate(2, 5), 3),
            "url": f"/library/resources/{i + 1}/",
            "updated_at": base - timedelta(seconds=rng.randint(0, 3 * 365 * 86400)),
        }


# -------------------------------------------------------------------------------- the query set
TEACHER = [
    "public",
    "circle",
    "user:42",
    "school:S5001180001",
    "county:500118",
    "city:500000",
    "province:500000",
]
ASKERS = {"anonymous": ["public"], "teacher (永川区)": TEACHER, "joint office": ["all"]}
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("勾股定理", {}),
    ("一元二次方程", {}),
    ("光合作用 教学设计", {}),
    ("人教版 数学 八年级", {}),
    ("文言文阅读", {}),
    ("數學 勾股定理", {}),  # traditional input
    ("ggdl", {}),  # pinyin initials of 勾股定理
    ("数控车床编程", {}),
    ("直播电商 课件", {}),
    ("英语听力", {}),
    ("化学方程式 微课", {}),
    ("期末试卷", {}),
    ("古诗词鉴赏 部编版", {}),
    ("欧姆定律 实验视频", {}),
    ("乡村学校 双师课堂", {}),
    ("勾股定理", {"subject": "数学", "grade": 8}),
    ("课件", {"province_code": "510000", "stage": "初中"}),
    ("", {"subject": "物理", "stage": "初中"}),
    ("", {"county_code": "500118"}),
    ("", {}),
]
SUGGESTS = ["勾股", "一元二", "光合作", "ggd", "文言", "欧姆", "直播", "数控车"]
FACET_FIELDS = ["subject", "stage", "grade", "type", "license", "province_code"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p95": _pct(ms, 0.95), "max": max(ms), "n": len(ms)}


# -------------------------------------------------------------------------------- one backend (child)
def naive_search(query: str, keys: list[str], filters: dict[str, Any]) -> tuple[list[str], int]:
    """The peer: what one writes without an index (ORM ``icontains`` scan)."""
    from django.db.models import Q

    from educloud.search.models import FACETS, Document

    qs = Document.objects.filter(source=SOURCE)
    for word in query.split():
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if "all" not in keys:
        visible = Q()
        for key in keys:
            visible |= Q(visibility__contains=f" {key} ")
        qs = qs.filter(visible)
    qs = qs.filter(**{FACETS[k]: str(v) for k, v in filters.items()})
    ids = list(qs.order_by("-quality", "-updated_at", "-id").values_list("object_id", flat=True)[:20])
    return ids, qs.count()


def _analyze_batch(batch: list[dict[str, Any]]) -> list[Any]:
    from educloud.algos.text import analyze_document

    # as documents_bulk_upsert does: the subject is searchable text (see DocumentInput.analyzed)
    return [
        analyze_document(title=d["title"], body=d["body"], tags=[*d["tags"], d["facets"]["subject"]])
        for d in batch
    ]


def pre_analyze(args: argparse.Namespace, path: Path) -> dict[str, float]:
    """Analyse documents e2e_n … n once (``--workers`` processes); pickled batches of 1,000 to ``path``."""
    import multiprocessing

    sys.path.insert(0, str(ROOT / "src"))
    docs = synthetic_docs(args.n)
    for _ in range(min(args.e2e_n, args.n)):
        next(docs)

    def batches() -> Iterator[list[dict[str, Any]]]:
        while batch := [d for _, d in zip(range(1000), docs, strict=False)]:
            yield batch

    started = time.perf_counter()
    analysed = 0
    with path.open("wb") as out, multiprocessing.get_context("fork").Pool(args.workers) as pool:
        for result in pool.imap(_analyze_batch, batches()):
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            analysed += len(result)
    seconds = time.perf_counter() - started
    return {"docs": analysed, "seconds": seconds, "docs_per_s": analysed / seconds if seconds else 0.0}


def _with_analysis(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    docs = synthetic_docs(args.n)
    for _ in range(min(args.e2e_n, args.n)):
        next(docs)
    with open(args.analysis, "rb") as f:
        while True:
            try:
                batch = pickle.load(f)  # noqa: S301 — our own file, written by this script
            except EOFError:
                return
            for analyzed, doc in zip(batch, docs, strict=False):
                yield {**doc, "analyzed": analyzed}


def child(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "search", verbosity=0)
    result: dict[str, Any] = {"backend": connection.vendor, "n": args.n}
    state = Path(args.state) if args.state else None
    if state and args.reuse and state.exists():
        result.update(json.loads(state.read_text(encoding="utf-8")))
        result["reused"] = True
    else:
        result.update(_index(args))
        if state:
            state.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            result["db_mb"] = Path(connection.settings_dict["NAME"]).stat().st_size / 1e6
        else:
            # the documents and the narrow match table with its GIN index (its tiers: partitions)
            cursor.execute(
                "SELECT pg_total_relation_size('search_document') + (SELECT "
                "coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('search_match'))"
            )
            result["db_mb"] = float(cursor.fetchone()[0]) / 1e6
    result.update(_measure(args))
    return result


def _index(args: argparse.Namespace) -> dict[str, Any]:
    import itertools

    from educloud.search import api
    from educloud.search.services import index_optimize

    result: dict[str, Any] = {}
    e2e_n = min(args.e2e_n, args.n)
    started = time.perf_counter()
    written = api.documents_bulk_upsert(
        source=SOURCE, docs=itertools.islice(synthetic_docs(args.n), e2e_n), workers=args.workers
    )
    e2e_s = time.perf_counter() - started
    started = time.perf_counter()
    rest = api.documents_bulk_upsert(source=SOURCE, docs=_with_analysis(args)) if args.n > e2e_n else 0
    write_s = time.perf_counter() - started
    started = time.perf_counter()
    index_optimize()
    optimized = time.perf_counter() - started
    result["indexing"] = {
        "e2e_docs": written,
        "e2e_s": e2e_s,
        "e2e_docs_per_s": written / e2e_s,
        "write_docs": rest,
        "write_s": write_s,
        "write_docs_per_s": rest / write_s if rest else None,
        "optimize_s": optimized,
        "docs": written + rest,
    }
    return result


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from educloud.search import api

    result: dict[str, Any] = {}

    def timed(fn: Any, **kwargs: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        out = fn(**kwargs)
        return (time.perf_counter() - t) * 1000, out

    calls = [(q, f, keys) for q, f in QUERIES for keys in ASKERS.values()]
    for q, f, keys in calls:  # warm-up
        api.search(query=q, source=SOURCE, visibility_keys=keys, filters=f)
    search_ms: list[float] = []
    per_query: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for _ in range(args.repeat):
        for q, f, keys in calls:
            ms, res = timed(api.search, query=q, source=SOURCE, visibility_keys=keys, filters=f)
            search_ms.append(ms)
            label = f"{q or '(browse)'} {json.dumps(f, ensure_ascii=False) if f else ''}".strip()
            per_query.setdefault(label, []).append(ms)
            if keys == ["public"]:
                counts[label] = res.count
    result["search"] = _stats(search_ms)
    result["per_query_p50"] = {k: statistics.median(v) for k, v in per_query.items()}
    result["counts_anonymous"] = counts
    facet_ms = [
        timed(api.search, query=q, source=SOURCE, visibility_keys=keys, filters=f, facet_fields=FACET_FIELDS)[
            0
        ]
        for _ in range(max(1, args.repeat // 2))
        for q, f, keys in calls
    ]
    result["search_with_facets"] = _stats(facet_ms)
    suggest_ms = [
        timed(api.suggest, prefix=p, source=SOURCE, visibility_keys=keys)[0]
        for _ in range(args.repeat)
        for p in SUGGESTS
        for keys in ASKERS.values()
    ]
    result["suggest"] = _stats(suggest_ms)
    naive_ms: list[float] = []
    deadline = time.perf_counter() + args.naive_budget
    for q, f, keys in calls:
        if time.perf_counter() > deadline:
            break
        naive_ms.append(timed(naive_search, query=q, keys=keys, filters=f)[0])
    result["naive"] = _stats(naive_ms)
    return result


def _state_file(backend: str, args: argparse.Namespace) -> Path | None:
    return Path(args.data_dir) / f"{backend}-n{args.n}-e{args.e2e_n}.json" if args.data_dir else None


def _reusable(backend: str, args: argparse.Namespace) -> bool:
    state = _state_file(backend, args)
    return bool(args.reuse and state and state.exists())


def run_child(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    if backend not in ("sqlite", "postgres"):
        return {"backend": backend, "error": "unknown backend (sqlite, postgres)"}
    keep = bool(args.data_dir)
    reuse = _reusable(backend, args)
    state = _state_file(backend, args)
    if keep:
        home = str(Path(args.data_dir) / f"sqlite-n{args.n}-e{args.e2e_n}")
        if not reuse and backend == "sqlite":
            shutil.rmtree(home, ignore_errors=True)
        Path(home).mkdir(parents=True, exist_ok=True)
    else:
        home = tempfile.mkdtemp(prefix=f"educloud-bench-search-{backend}-")
    if state and not reuse:
        state.unlink(missing_ok=True)
    env = {**os.environ, "EDUCLOUD_HOME": home}
    env.pop("DATABASE_URL", None)
    pg = os.environ.get("EDUCLOUD_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    db = f"{PG_DB}_n{args.n}_e{args.e2e_n}" if keep else PG_DB
    if backend == "postgres":
        import psycopg

        try:
            admin = psycopg.connect(pg + "/postgres", autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            return {"backend": "postgresql", "error": f"not reachable: {exc}".splitlines()[0]}
        if not reuse:
            admin.execute(f"DROP DATABASE IF EXISTS {db}")
            admin.execute(f"CREATE DATABASE {db}")
        env["DATABASE_URL"] = f"{pg}/{db}"
    try:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--n",
            str(args.n),
            "--workers",
            str(args.workers),
            "--repeat",
            str(args.repeat),
            "--naive-budget",
            str(args.naive_budget),
            "--e2e-n",
            str(args.e2e_n),
            "--analysis",
            str(args.analysis),
            *(["--state", str(state)] if state else []),
            *(["--reuse"] if reuse else []),
        ]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            return {
                "backend": backend,
                "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed",
                "stderr": out.stderr[-4000:],
            }
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
        if backend == "postgres":
            if not keep:
                admin.execute(f"DROP DATABASE IF EXISTS {db}")
            admin.close()


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\nsearch benchmark · N = {args.n:,} synthetic resources · {args.repeat} rounds of "
        f"{len(QUERIES)} queries × {len(ASKERS)} askers · analysis workers = {args.workers}"
    )
    if args.pre:
        print(
            f"analysis of {args.pre['docs']:,} documents (jieba + OpenCC + pinyin, once for both databases): "
            f"{args.pre['docs_per_s']:,.0f} docs/s"
            + (" (reused from --data-dir)" if args.pre.get("reused") else "")
        )
    for r in results:
        if "error" in r:
            print(f"  {r['backend']}: {r['error']}")
            if r.get("stderr"):
                print(r["stderr"], file=sys.stderr)
    ok = [r for r in results if "error" not in r]
    if not ok:
        return
    width = 26
    print(f"{'':44}" + "".join(f"{n:>{width}}" for n in [r["backend"] for r in ok]))

    def row(label: str, cell: Any) -> None:
        print(f"{label:44}" + "".join(f"{cell(r):>{width}}" for r in ok))

    e2e = min(args.e2e_n, args.n)
    row(f"index end to end, first {e2e:,}: docs/s", lambda r: f"{r['indexing']['e2e_docs_per_s']:,.0f}")
    if args.n > e2e:
        row(
            f"index write only, next {args.n - e2e:,}: docs/s",
            lambda r: f"{r['indexing']['write_docs_per_s']:,.0f}",
        )
    row("index reused from --data-dir", lambda r: "yes" if r.get("reused") else "no")
    row("index optimize (s)", lambda r: f"{r['indexing']['optimize_s']:.1f}")
    row("index size (MB)", lambda r: f"{r['db_mb']:,.0f}")
    for key, label in [
        ("search", "search p50 / p95 (ms)"),
        ("search_with_facets", "search + 6 facets p50 / p95"),
        ("suggest", "suggest p50 / p95 (ms)"),
        ("naive", "naive icontains p50 / p95 (ms)"),
    ]:
        row(label, lambda r, k=key: f"{r[k]['p50']:.1f} / {r[k]['p95']:.1f}")
    verdicts = [f"{r['backend']} {'met' if r['search']['p95'] <= 50 else 'NOT met'}" for r in ok]
    print(f"target p95 ≤ 50 ms for search: {', '.join(verdicts)}")
    print("\nper query p50 (ms), anonymous count:")
    labels = list(ok[0]["per_query_p50"])
    for label in labels:
        print(
            f"  {label:40}"
            + "".join(f"{r['per_query_p50'][label]:>12.1f}" for r in ok)
            + f"{ok[0]['counts_anonymous'].get(label, 0):>12,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("EDUCLOUD_BENCH_SEARCH_N", 100_000)))
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-budget", type=float, default=120.0, help="seconds for the naive peer")
    parser.add_argument("--e2e-n", type=int, default=50_000, help="documents indexed end to end per database")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--data-dir", help="keep the analysis and both databases here (see --reuse)")
    parser.add_argument(
        "--reuse", action="store_true", help="with --data-dir: query the kept databases, do not index again"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--analysis", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reuse and not args.data_dir and not args.child:
        parser.error("--reuse needs --data-dir")
    if args.child:
        sys.path.insert(0, str(ROOT / "src"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educloud.config.settings")
        print(json.dumps(child(args), ensure_ascii=False))
        return
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="educloud-bench-search-") as tmp:
        args.pre = None
        if args.data_dir:
            Path(args.data_dir).mkdir(parents=True, exist_ok=True)
            args.analysis = Path(args.data_dir) / f"analysis-n{args.n}-e{args.e2e_n}.pickle"
            marker = args.analysis.with_suffix(".json")
            needed = args.n > args.e2e_n and not all(_reusable(b, args) for b in backends)
            if needed and marker.exists():  # analysed by an earlier run (same generator, same seed)
                args.pre = {**json.loads(marker.read_text(encoding="utf-8")), "reused": True}
            elif needed:
                args.pre = pre_analyze(args, args.analysis)
                marker.write_text(json.dumps(args.pre), encoding="utf-8")
        else:
            args.analysis = Path(tmp) / "analysis.pickle"
            args.pre = pre_analyze(args, args.analysis) if args.n > args.e2e_n else None
        results = [run_child(b, args) for b in backends]
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    if any("error" in r and "not reachable" not in r["error"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
