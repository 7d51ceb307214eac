"""Controlled vocabularies of the library: subjects, stages, grades, types, editions, licences.

Codes (ASCII, stable) are stored and exchanged (API, search facets, OAI sets); labels are
Chinese and shown. Subjects follow the national K-12 curriculum (义务教育课程方案 2022,
普通高中课程方案 2017/2020) plus the most common 中职 professional groups.
"""

from __future__ import annotations

SUBJECTS: dict[str, str] = {
    # K-12 (义务教育 + 普通高中)
    "chinese": "语文",
    "math": "数学",
    "english": "英语",
    "physics": "物理",
    "chemistry": "化学",
    "biology": "生物学",
    "history": "历史",
    "geography": "地理",
    "morality": "道德与法治",
    "politics": "思想政治",
    "science": "科学",
    "it": "信息技术",
    "tech": "通用技术",
    "music": "音乐",
    "art": "美术",
    "pe": "体育与健康",
    "labour": "劳动",
    "psychology": "心理健康",
    "practice": "综合实践活动",
    # 中等职业教育 professional groups
    "v_mechanical": "机械制造",
    "v_electronics": "电子信息",
    "v_computing": "计算机应用",
    "v_automotive": "汽车运用与维修",
    "v_nursing": "护理",
    "v_preschool": "学前教育",
    "v_tourism": "旅游服务",
    "v_ecommerce": "电子商务",
    "v_accounting": "会计事务",
    "v_agriculture": "现代农业",
    "v_cooking": "中餐烹饪",
    "v_construction": "建筑施工",
}
VOCATIONAL_SUBJECTS = frozenset(k for k in SUBJECTS if k.startswith("v_"))

STAGES: dict[str, str] = {
    "primary": "小学",
    "junior": "初中",
    "senior": "普通高中",
    "vocational": "中职",
}

GRADES: dict[str, str] = {
    "g1": "一年级",
    "g2": "二年级",
    "g3": "三年级",
    "g4": "四年级",
    "g5": "五年级",
    "g6": "六年级",
    "g7": "七年级",
    "g8": "八年级",
    "g9": "九年级",
    "g10": "高一",
    "g11": "高二",
    "g12": "高三",
    "v1": "中职一年级",
    "v2": "中职二年级",
    "v3": "中职三年级",
}
GRADES_OF_STAGE: dict[str, tuple[str, ...]] = {
    "primary": ("g1", "g2", "g3", "g4", "g5", "g6"),
    "junior": ("g7", "g8", "g9"),
    "senior": ("g10", "g11", "g12"),
    "vocational": ("v1", "v2", "v3"),
}

TYPES: dict[str, str] = {
    "course": "课程",
    "lesson": "课例",
    "video": "视频",
    "audio": "音频",
    "document": "文档",
    "courseware": "课件",
    "lesson_plan": "教案",
    "exercise_set": "习题",
    "exam_paper": "试卷",
    "image": "图片",
}

EDITIONS: dict[str, str] = {
    "": "不限版本",
    "renjiao": "人教版",
    "tongbian": "统编版",
    "beishida": "北师大版",
    "sujiao": "苏教版",
    "waiyan": "外研版",
    "xiangjiao": "湘教版",
    "huajiao": "沪教版",
    "chuanjiao": "川教版",
    "xishida": "西师大版",
    "gaojiao": "高教版",
}

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "英语", "bo": "藏语", "ii": "彝语"}

LICENSES: dict[str, str] = {
    "cc-by": "CC BY 4.0 署名",
    "cc-by-sa": "CC BY-SA 4.0 署名-相同方式共享",
    "cc-by-nc": "CC BY-NC 4.0 署名-非商业性使用",
    "cc-by-nc-sa": "CC BY-NC-SA 4.0 署名-非商业性使用-相同方式共享",
    "cc-by-nd": "CC BY-ND 4.0 署名-禁止演绎",
    "cc-by-nc-nd": "CC BY-NC-ND 4.0 署名-非商业性使用-禁止演绎",
    "cc0": "CC0 1.0 公共领域贡献",
    "school_only": "校内使用",
}
LICENSE_URIS: dict[str, str] = {
    "cc-by": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc-by-nc-sa": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "cc-by-nd": "https://creativecommons.org/licenses/by-nd/4.0/",
    "cc-by-nc-nd": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
}

PROVINCES: dict[str, str] = {"500000": "重庆市", "510000": "四川省"}


def choices(vocab: dict[str, str]) -> list[tuple[str, str]]:
    return list(vocab.items())
