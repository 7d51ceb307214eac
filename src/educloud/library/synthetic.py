"""Deterministic synthetic demo library: ~2,100 resources across subjects, stages and both
provinces, a few bureau collections, access requests and a year of engagement events.

Everything is flagged ``is_synthetic`` and labelled in the UI. The same ``seed`` gives the same
rows (``numpy.random.default_rng``); timestamps are placed relative to the day the seed runs so
the demo always looks current. Files are a handful of tiny real files (PDF, PNG, Markdown,
DOCX, MP3) generated here and shared by SHA-256 across all resources, so the demo stays small.

Runs inside ``educloud seed`` (demo scale) after schools and people; bulk inserts and one
``documents_bulk_upsert`` keep it to a couple of seconds.
"""

from __future__ import annotations

import io
import struct
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from educloud.accounts.api import Role, StudentProfile, TeacherProfile, User, user_create_with_role
from educloud.library import policy, vocab
from educloud.library.models import (
    AccessRequest,
    Blob,
    Collection,
    CollectionItem,
    Engagement,
    Resource,
    ResourceVersion,
)
from educloud.library.services import SOURCE as SEARCH_SOURCE
from educloud.library.services import resource_quality, resources_reindex
from educloud.library.sniff import sniff
from educloud.library.storage import blob_path
from educloud.schools.api import School

# Knowledge points per subject (real curriculum topics), used for titles and tags.
TOPICS: dict[str, list[str]] = {
    "chinese": [
        "《背影》",
        "《春》",
        "《岳阳楼记》",
        "《论语》十二章",
        "记叙文的六要素",
        "议论文的论证方法",
        "古诗词鉴赏",
        "整本书阅读《红楼梦》",
        "拼音 b p m f",
        "《望庐山瀑布》",
        "修辞手法：比喻与拟人",
        "《桃花源记》",
    ],
    "math": [
        "勾股定理",
        "一元二次方程",
        "二次函数的图像与性质",
        "分数的初步认识",
        "圆的面积",
        "全等三角形",
        "概率初步",
        "100以内的加法和减法",
        "三角函数",
        "数列的概念",
        "导数及其应用",
        "平行四边形的判定",
    ],
    "english": [
        "Unit 1 My name's Gina",
        "一般现在时",
        "现在完成时",
        "定语从句",
        "阅读理解策略",
        "英语书面表达",
        "Colours and Animals",
        "被动语态",
    ],
    "physics": [
        "牛顿第一定律",
        "欧姆定律",
        "浮力",
        "光的折射",
        "机械能守恒定律",
        "电磁感应",
        "声现象",
        "压强",
    ],
    "chemistry": [
        "质量守恒定律",
        "酸和碱的中和反应",
        "元素周期表",
        "氧气的制取",
        "化学反应速率",
        "金属的化学性质",
        "溶液的配制",
    ],
    "biology": ["细胞的结构", "光合作用", "遗传与变异", "生态系统", "人体的消化系统", "DNA的复制"],
    "history": ["秦统一中国", "辛亥革命", "丝绸之路", "抗日战争", "改革开放", "工业革命", "巴蜀文化与三星堆"],
    "geography": [
        "地球的运动",
        "中国的地形",
        "长江流域",
        "成渝地区双城经济圈",
        "气候类型",
        "人口与城市化",
        "喀斯特地貌",
    ],
    "morality": ["做守法的公民", "友谊的天空", "珍爱生命", "网络生活新空间", "中华优秀传统文化"],
    "politics": ["中国特色社会主义", "经济与社会", "政治与法治", "哲学与文化", "逻辑与思维"],
    "science": ["植物的生长", "水的三态变化", "简单电路", "太阳系", "磁铁的性质", "物体的沉浮"],
    "it": [
        "Python 程序设计入门",
        "算法与流程图",
        "数据与编码",
        "网络基础",
        "人工智能初步",
        "图形化编程 Scratch",
    ],
    "tech": ["技术与设计", "结构与设计", "控制系统", "三维设计与打印"],
    "music": ["川江号子", "民歌《康定情歌》", "认识五线谱", "合唱基础", "中国民族乐器"],
    "art": ["色彩的冷暖", "中国画笔墨", "蜀绣欣赏", "剪纸艺术", "透视基础"],
    "pe": ["立定跳远", "篮球运球", "广播体操", "足球传接球", "跳绳", "健康饮食与体重管理"],
    "labour": ["整理与收纳", "家常菜烹饪", "校园种植", "传统工艺制作"],
    "psychology": ["认识情绪", "学会沟通", "考试焦虑的调适", "青春期心理"],
    "practice": ["研学旅行：重庆红岩", "研学旅行：都江堰水利工程", "社区服务", "垃圾分类调查"],
    "v_mechanical": ["数控车床编程", "机械制图基础", "钳工技能", "公差与配合"],
    "v_electronics": ["电子元器件识别", "单片机应用", "电工基础", "PCB 设计"],
    "v_computing": ["办公软件应用", "网页设计", "数据库基础", "计算机组装与维护"],
    "v_automotive": ["汽车发动机构造", "汽车电气系统", "新能源汽车概论", "汽车维护与保养"],
    "v_nursing": ["基础护理技术", "生命体征测量", "急救技术", "护理礼仪"],
    "v_preschool": ["幼儿游戏设计", "幼儿卫生保健", "儿歌弹唱", "幼儿园环境创设"],
    "v_tourism": ["导游服务", "川渝旅游资源", "酒店前厅服务", "旅游英语"],
    "v_ecommerce": ["网店运营", "直播电商", "电子商务物流", "网络营销"],
    "v_accounting": ["会计基础", "出纳实务", "财务软件应用", "税费计算"],
    "v_agriculture": ["柑橘栽培技术", "茶叶种植与加工", "植物保护", "设施农业"],
    "v_cooking": ["川菜烹调技艺", "火锅底料制作", "面点制作", "刀工基础"],
    "v_construction": ["建筑识图", "建筑施工测量", "钢筋工程", "建筑材料"],
}
_K12_BY_STAGE = {
    "primary": [
        "chinese",
        "math",
        "english",
        "science",
        "morality",
        "music",
        "art",
        "pe",
        "it",
        "labour",
        "practice",
    ],
    "junior": [
        "chinese",
        "math",
        "english",
        "physics",
        "chemistry",
        "biology",
        "history",
        "geography",
        "morality",
        "it",
        "music",
        "art",
        "pe",
        "psychology",
    ],
    "senior": [
        "chinese",
        "math",
        "english",
        "physics",
        "chemistry",
        "biology",
        "history",
        "geography",
        "politics",
        "it",
        "tech",
        "psychology",
    ],
    "vocational": [*sorted(vocab.VOCATIONAL_SUBJECTS), "chinese", "math", "english"],
}
_TYPE_WORDS = {
    "course": ("课程", "系列课程，共 8 讲"),
    "lesson": ("课例", "完整课堂实录与教学反思"),
    "video": ("微课视频", "10 分钟微课，配字幕"),
    "audio": ("音频", "朗读与讲解音频"),
    "document": ("学习资料", "知识梳理与拓展阅读"),
    "courseware": ("课件", "配套 PPT 课件"),
    "lesson_plan": ("教学设计", "教学目标、重难点、教学过程与板书设计"),
    "exercise_set": ("分层练习", "基础、提升、拓展三层练习及答案解析"),
    "exam_paper": ("单元测试卷", "单元测试卷及评分标准"),
    "image": ("教学挂图", "高清教学挂图"),
}
_TITLE_FORMS = [
    "{edition}{grade}{subject}《{topic}》{word}",
    "{topic}——{grade}{subject}{word}",
    "【{school_short}】{topic}{word}",
    "{subject}{word}：{topic}",
    "{grade}{subject}“{topic}”{word}（{edition_plain}）",
]
_REVIEWS = [
    "讲解清楚，学生很容易理解。",
    "课件设计精美，直接用于课堂效果很好。",
    "练习分层合理，适合我们乡村学校的学生。",
    "视频节奏稍快，但内容扎实。",
    "感谢重庆老师的分享，很有启发！",
    "感谢四川老师的分享，已在教研组推广。",
    "内容与教材衔接紧密，值得推荐。",
    "",
    "",
]


@dataclass(frozen=True)
class LibrarySeedReport:
    resources: int
    published: int
    versions: int
    events: int
    collections: int
    indexed: int


# ---------------------------------------------------------------- tiny real files


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    text = b"BT /F1 16 Tf 30 120 Td (educloud demo - synthetic teaching material) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _png(width: int = 48, height: int = 32) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes((11 + 4 * x, 110 + 2 * y, 79)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _markdown() -> bytes:
    return (
        "# 演示资料（合成数据）\n\n本文件为成渝智慧教育云演示环境生成的示例资料，不代表真实教学内容。\n\n"
        "- 学习目标：理解核心概念\n- 重点难点：结合生活实例\n- 课后练习：见配套习题\n"
    ).encode()


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ooxml = "http://schemas.openxmlformats.org"
        rel_type = f"{ooxml}/officeDocument/2006/relationships/officeDocument"
        main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Types xmlns="{ooxml}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="{ooxml}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel_type}" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>演示教学设计（合成数据）</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buf.getvalue()


def _mp4() -> bytes:
    # A real 6-second H.264 micro-lecture (≈ 5 KB), made once by scripts/make_demo_video.py.
    return (Path(__file__).parent / "data" / "demo-video.mp4").read_bytes()


def _mp3() -> bytes:
    # ID3v2 header, then a few silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each).
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * 8


def _demo_blobs() -> dict[str, tuple[Blob, str]]:
    """kind → (blob, file name); stored once, content-addressed, reused by every seed."""
    import hashlib

    files = {
        "pdf": ("讲义.pdf", _pdf()),
        "png": ("挂图.png", _png()),
        "md": ("说明.md", _markdown()),
        "docx": ("教学设计.docx", _docx()),
        "mp3": ("朗读.mp3", _mp3()),
        "mp4": ("微课.mp4", _mp4()),
    }
    out: dict[str, tuple[Blob, str]] = {}
    for key, (name, data) in files.items():
        sha = hashlib.sha256(data).hexdigest()
        blob = Blob.objects.filter(sha256=sha).first()
        if blob is None:
            sniffed = sniff(io.BytesIO(data), name=name)
            path = blob_path(sha)
            if not default_storage.exists(path):
                default_storage.save(path, ContentFile(data, name=name))
            blob = Blob(
                sha256=sha,
                size=len(data),
                content_type=sniffed.content_type,
                kind=sniffed.kind,
                is_synthetic=True,
            )
            blob.file.name = path
            blob.save()
        out[key] = (blob, name)
    return out


_FILE_FOR_TYPE = {
    "course": "pdf",
    "lesson": "md",
    "video": "mp4",
    "audio": "mp3",
    "document": "pdf",
    "courseware": "pdf",
    "lesson_plan": "docx",
    "exercise_set": "docx",
    "exam_paper": "pdf",
    "image": "png",
}


# ---------------------------------------------------------------- people and places


def _authors(rng: np.random.Generator) -> list[tuple[User, School]]:
    """The demo's teachers, plus one synthetic teacher at ~90 schools spread over the circle."""
    pairs = [
        (p.user, p.school)
        for p in TeacherProfile.objects.filter(is_synthetic=True).select_related("user", "school__county")
    ]
    candidates = list(
        School.objects.filter(
            is_synthetic=True, stage__in=["primary", "junior", "nine_year", "senior", "vocational"]
        )
        .select_related("county")
        .order_by("code")
    )
    picks = rng.choice(len(candidates), size=min(90, len(candidates)), replace=False)
    for i in sorted(int(p) for p in picks):
        school = candidates[i]
        username = f"lib_t_{school.code}"
        user = User.objects.filter(username=username).first() or user_create_with_role(
            username=username,
            password=None,
            role=Role.TEACHER,
            display_name=f"{school.name}教师（化名）",
            scope={"school": school},
            is_synthetic=True,
        )
        pairs.append((user, school))
    return pairs


def _stage_of(school: School, rng: np.random.Generator) -> str:
    if school.stage == "nine_year":
        return str(rng.choice(["primary", "junior"]))
    return school.stage if school.stage in vocab.STAGES else "senior"


# ---------------------------------------------------------------- the seed


@transaction.atomic
def demo_library_seed(*, seed: int, n_resources: int = 2100, n_events: int = 10000) -> LibrarySeedReport:
    """Replace the synthetic library with a fresh deterministic one (real rows are untouched)."""
    Resource.objects.filter(is_synthetic=True).delete()
    Collection.objects.filter(is_synthetic=True).delete()
    rng = np.random.default_rng(seed + 31)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    blobs = _demo_blobs()
    authors = _authors(rng)
    # Demo accounts (teacher, school_admin ...) own more resources, so their pages are not empty.
    weights = np.array(
        [
            6.0 if u.username in ("teacher", "school_admin") or u.username.startswith("t_") else 1.0
            for u, _ in authors
        ]
    )
    weights /= weights.sum()
    visibilities = ["public", "circle", "province", "city", "county", "school"]
    vis_p = [0.42, 0.28, 0.1, 0.05, 0.05, 0.1]
    statuses = ["published", "under_review", "draft", "withdrawn"]
    status_p = [0.9, 0.04, 0.03, 0.03]
    licenses = [k for k in vocab.LICENSES if k != "school_only"]
    editions = [k for k in vocab.EDITIONS if k]
    type_keys = list(vocab.TYPES)
    resources: list[Resource] = []
    for _ in range(n_resources):
        user, school = authors[int(rng.choice(len(authors), p=weights))]
        stage = _stage_of(school, rng)
        subject = str(rng.choice(_K12_BY_STAGE[stage]))
        grade = str(rng.choice(vocab.GRADES_OF_STAGE[stage])) if rng.random() < 0.9 else ""
        rtype = str(rng.choice(type_keys))
        topic = str(rng.choice(TOPICS[subject]))
        edition = str(rng.choice(editions)) if stage != "vocational" and rng.random() < 0.7 else ""
        word, detail = _TYPE_WORDS[rtype]
        school_short = school.name[:6]
        title = str(rng.choice(_TITLE_FORMS)).format(
            edition=vocab.EDITIONS.get(edition, ""),
            edition_plain=vocab.EDITIONS.get(edition, "") or "通用",
            grade=vocab.GRADES.get(grade, vocab.STAGES[stage]),
            subject=vocab.SUBJECTS[subject],
            topic=topic,
            word=word,
            school_short=school_short,
        )[:200]
        visibility = str(rng.choice(visibilities, p=vis_p))
        license_code = (
            "school_only" if visibility == "school" and rng.random() < 0.5 else str(rng.choice(licenses))
        )
        status = str(rng.choice(statuses, p=status_p))
        created = now - timedelta(days=float(rng.uniform(20, 540)), hours=float(rng.uniform(0, 24)))
        published = (
            created + timedelta(days=float(rng.uniform(0.5, 10)))
            if status in ("published", "withdrawn")
            else None
        )
        modified = (published or created) + timedelta(hours=float(rng.uniform(1, 200)))
        modified = min(modified, now - timedelta(hours=1))
        other_topic = str(rng.choice(TOPICS[subject]))
        description = (
            f"本{word}面向{vocab.GRADES.get(grade, vocab.STAGES[stage])}学生，围绕“{topic}”展开：{detail}。"
            f"设计中联系川渝两地的生活实例，可与“{other_topic}”配合使用。"
            f"由{school.name}教师原创并经学校审核（演示用合成数据）。"
        )
        resources.append(
            Resource(
                uid=uuid.UUID(bytes=rng.bytes(16), version=4),
                title=title,
                description=description,
                type=rtype,
                subject=subject,
                stage=stage,
                grade=grade,
                edition=edition,
                tags=list(dict.fromkeys([topic.strip("《》"), other_topic.strip("《》")])),
                language="en" if subject == "english" and rng.random() < 0.3 else "zh",
                license=license_code,
                owner=user,
                school=school,
                province_code=school.county.province_id,
                city_code=school.county.city_id,
                county_code=school.county_id,
                school_code=school.code,
                visibility=visibility,
                status=status,
                oai_exposed=status in ("published", "withdrawn") and visibility in ("public", "circle"),
                created_at=created,
                modified_at=modified,
                published_at=published,
                is_synthetic=True,
                quality=resource_quality(rating_sum=0, rating_count=0, collections=0),
            )
        )
    published = [r for r in resources if r.status == "published"]
    shared = [r for r in published if r.visibility in ("public", "circle")]
    collections, items = _collections(rng, shared)
    events = _events(rng, now, published, n_events)
    _aggregate(resources, events, items)  # counters and quality in memory: no bulk_update afterwards
    Resource.objects.bulk_create(resources, batch_size=1000)

    versions: list[ResourceVersion] = []
    for r in resources:
        if r.status == "draft" and rng.random() < 0.5:
            continue
        kind = _FILE_FOR_TYPE[r.type]
        blob, name = blobs[kind]
        review = ResourceVersion.Review.PENDING if r.status == "draft" else ResourceVersion.Review.APPROVED
        if rng.random() < 0.1:  # an earlier version, kept reachable
            old_blob, old_name = blobs["md"] if kind != "md" else blobs["pdf"]
            files = [(old_blob, old_name, "初稿"), (blob, name, "修订版")]
        else:
            files = [(blob, name, "")]
        versions.extend(
            ResourceVersion(
                resource=r,
                number=number,
                blob=file_blob,
                filename=filename,
                note=note,
                uploaded_by=r.owner,
                review=review,
            )
            for number, (file_blob, filename, note) in enumerate(files, start=1)
        )
    ResourceVersion.objects.bulk_create(versions, batch_size=2000)
    for collection in collections:
        collection.save()
    CollectionItem.objects.bulk_create(items, batch_size=2000)
    Engagement.objects.bulk_create(events, batch_size=4000)
    _access_requests(rng, now, published)
    _forget_stale_documents(resources)
    indexed = resources_reindex(resources=published)
    return LibrarySeedReport(
        resources=len(resources),
        published=len(published),
        versions=len(versions),
        events=len(events),
        collections=len(collections),
        indexed=indexed,
    )


def _forget_stale_documents(resources: list[Resource]) -> None:
    """Take out of the search index what a previous seed indexed and no longer exists or shows.

    A re-seed deletes the old synthetic resources by cascade (their schools go), which the search
    index does not see: ids below the new ones that are gone, and new unpublished ids (SQLite reuses
    ids), may still have documents.
    """
    from educloud.search import api as search_api

    first_new = min(r.pk for r in resources)
    alive = set(Resource.objects.filter(pk__lt=first_new).values_list("pk", flat=True))
    stale = [pk for pk in range(1, first_new) if pk not in alive]
    stale += [r.pk for r in resources if r.status != Resource.Status.PUBLISHED]
    for pk in stale:
        search_api.document_delete(source=SEARCH_SOURCE, object_id=str(pk))


def _collections(
    rng: np.random.Generator, shared: list[Resource]
) -> tuple[list[Collection], list[CollectionItem]]:
    plans = [
        ("川渝共享精品课程（2026）", "quality_course", "joint_office", "川渝教育协同联合办公室", ""),
        ("重庆名校公开课", "open_class", "cq_bureau", "重庆市教委", "500000"),
        ("四川省精品课程", "quality_course", "sc_bureau", "四川省教育厅", "510000"),
        ("成都市优质课例", "exemplary_lesson", "chengdu_bureau", "成都市教育局", "510000"),
        ("乡村学校英语专题资源", "topic", "joint_office", "川渝教育协同联合办公室", ""),
        ("中职特色专业课程", "quality_course", "joint_office", "川渝教育协同联合办公室", ""),
    ]
    users = {u.username: u for u in User.objects.filter(username__in=[p[2] for p in plans])}
    items: list[CollectionItem] = []
    made: list[Collection] = []
    for title, kind, username, label, province in plans:
        pool = [r for r in shared if not province or r.province_code == province]
        if "英语" in title:
            pool = [r for r in pool if r.subject == "english"]
        if "中职" in title:
            pool = [r for r in pool if r.stage == "vocational"]
        if "成都" in title:
            pool = [r for r in pool if r.city_code == "510100"]
        if not pool:
            continue
        collection = Collection(
            title=title,
            kind=kind,
            description=f"{label}遴选的优质资源（演示用合成数据）。",
            curated_by=users.get(username),
            curator_label=label,
            province_code=province,
            is_synthetic=True,
        )
        made.append(collection)
        chosen = rng.choice(len(pool), size=min(len(pool), int(rng.integers(12, 21))), replace=False)
        items += [
            CollectionItem(collection=collection, resource=pool[int(i)], position=k)
            for k, i in enumerate(chosen)
        ]
    return made, items


def _events(
    rng: np.random.Generator, now: datetime, published: list[Resource], n_events: int
) -> list[Engagement]:
    users = list(
        User.objects.filter(is_synthetic=True, roles__isnull=False)
        .distinct()
        .order_by("id")
        .prefetch_related("roles")
    )
    students = set(StudentProfile.objects.filter(is_synthetic=True).values_list("user_id", flat=True))
    provinces = {u.pk: policy.home_province_code(u) for u in users}
    users = [u for u in users if provinces[u.pk]]
    # What each user may see: public and circle resources everywhere, plus their own school's.
    open_pool = [r for r in published if r.visibility in ("public", "circle")]
    by_province = {code: [r for r in open_pool if r.province_code == code] for code in vocab.PROVINCES}
    kinds = ["view", "download", "favourite", "rating", "completion"]
    # Draw everything at once (fast), then assemble the rows.
    who = rng.integers(len(users), size=n_events)
    age_days = rng.uniform(0, 365, size=n_events)
    minutes = rng.uniform(0, 600, size=n_events)
    crossing = rng.random(n_events) < (0.45 - 0.25 * age_days / 365)  # cross-border use grows over the year
    pick = rng.random(n_events)
    kind_of = rng.choice(len(kinds), size=n_events, p=[0.68, 0.14, 0.06, 0.07, 0.05])
    stars = rng.choice([2, 3, 4, 5], size=n_events, p=[0.05, 0.15, 0.4, 0.4])
    review_of = rng.integers(len(_REVIEWS), size=n_events)
    events: list[Engagement] = []
    for k in range(n_events):
        user = users[int(who[k])]
        home = provinces[user.pk]
        other = "510000" if home == "500000" else "500000"
        pool = by_province[other] if crossing[k] else by_province[home]
        resource = pool[int(pick[k] * len(pool))]
        kind = kinds[int(kind_of[k])]
        value: int | None = None
        review = ""
        if kind == "rating":
            value = int(stars[k])
            review = _REVIEWS[int(review_of[k])] if user.pk not in students else ""
        elif kind == "favourite":
            value = 1
        events.append(
            Engagement(
                kind=kind,
                user=user,
                resource=resource,
                at=now - timedelta(days=float(age_days[k]), minutes=float(minutes[k])),
                value=value,
                review=review,
                user_province_code=home,
                resource_province_code=resource.province_code,
                is_synthetic=True,
            )
        )
    return events


def _access_requests(rng: np.random.Generator, now: datetime, published: list[Resource]) -> None:
    teacher = User.objects.filter(username="teacher").first()
    jintang_admins = [
        r for r in published if r.visibility in ("school", "county") and r.province_code == "510000"
    ]
    if teacher is None or not jintang_admins:
        return
    picks = rng.choice(len(jintang_admins), size=min(3, len(jintang_admins)), replace=False)
    rows = []
    for k, i in enumerate(picks):
        resource = jintang_admins[int(i)]
        if k == 0:
            rows.append(
                AccessRequest(requester=teacher, resource=resource, message="用于我校数学教研组集体备课")
            )
        elif k == 1:
            rows.append(
                AccessRequest(
                    requester=teacher,
                    resource=resource,
                    message="希望借鉴贵校的课例设计",
                    status=AccessRequest.Status.APPROVED,
                    decided_by=resource.owner,
                    decided_at=now - timedelta(days=3),
                    reason="欢迎交流",
                )
            )
        else:
            rows.append(
                AccessRequest(
                    requester=teacher,
                    resource=resource,
                    message="学习参考",
                    status=AccessRequest.Status.REFUSED,
                    decided_by=resource.owner,
                    decided_at=now - timedelta(days=10),
                    reason="该资源含本校学生作品，仅限校内使用",
                )
            )
    AccessRequest.objects.bulk_create(rows)


def _aggregate(resources: list[Resource], events: list[Engagement], items: list[CollectionItem]) -> None:
    """Cached counters and quality from the generated events (a user's latest rating counts)."""
    views: dict[int, int] = {}
    downloads: dict[int, int] = {}
    latest: dict[tuple[int, int], Engagement] = {}
    for e in events:
        key = id(e.resource)
        if e.kind == "view":
            views[key] = views.get(key, 0) + 1
        elif e.kind == "download":
            downloads[key] = downloads.get(key, 0) + 1
        elif e.kind == "rating":
            pair = (key, e.user.pk)
            if pair not in latest or e.at > latest[pair].at:
                latest[pair] = e
    sums: dict[int, list[int]] = {}
    for (key, _uid), e in latest.items():
        entry = sums.setdefault(key, [0, 0])
        entry[0] += int(e.value or 0)
        entry[1] += 1
    curated: dict[int, int] = {}
    for item in items:
        curated[id(item.resource)] = curated.get(id(item.resource), 0) + 1
    for r in resources:
        key = id(r)
        r.view_count = views.get(key, 0)
        r.download_count = downloads.get(key, 0)
        r.rating_sum, r.rating_count = sums.get(key, [0, 0])
        r.quality = resource_quality(
            rating_sum=r.rating_sum, rating_count=r.rating_count, collections=curated.get(key, 0)
        )
