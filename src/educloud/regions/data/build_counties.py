#!/usr/bin/env python3
"""Build ``counties.csv``: the county-level members of the 成渝地区双城经济圈.

Standalone (standard library only, no Django). The membership list, the
pole assignment and the renaming table are embedded below; longitude and
latitude come from ``cpca/resources/adcodes.csv`` shipped in the PyPI
package ``cpca`` 0.5.5. See PROVENANCE.md in this folder for sources.

Regenerate::

    python -m pip download --no-deps -d /tmp/cpca cpca==0.5.5
    cd /tmp/cpca && unzip -o -q cpca-0.5.5-py3-none-any.whl
    python src/educloud/regions/data/build_counties.py \\
        /tmp/cpca/cpca/resources/adcodes.csv

By default the CSV is written next to this script (``counties.csv``); pass
``-o PATH`` to write elsewhere, or ``--check`` to compare against the
existing file without writing (exit status 1 on any difference).

Output is deterministic: rows sorted by code, coordinates formatted with six
decimals, UTF-8 without BOM, ``\\n`` line endings.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from pathlib import Path

# SHA-256 of cpca 0.5.5's resources/adcodes.csv, the file this table was
# built from. A different file only triggers a warning.
CPCA_ADCODES_SHA256 = "66948fa1519ba053f22b8c2d05c897c9b19c44cdc3044e464b52f0143ff418fe"

COLUMNS = [
    "code",
    "name",
    "province_code",
    "province_name",
    "city_code",
    "city_name",
    "membership",
    "pole",
    "division_type",
    "urban_class",
    "longitude",
    "latitude",
]

PROVINCES = {"50": ("500000", "重庆市"), "51": ("510000", "四川省")}

# Prefecture-level cities (重庆 has no prefecture level: city = the municipality).
CITIES = {
    "500000": "重庆市",
    "510100": "成都市",
    "510300": "自贡市",
    "510500": "泸州市",
    "510600": "德阳市",
    "510700": "绵阳市",
    "510900": "遂宁市",
    "511000": "内江市",
    "511100": "乐山市",
    "511300": "南充市",
    "511400": "眉山市",
    "511500": "宜宾市",
    "511600": "广安市",
    "511700": "达州市",
    "511800": "雅安市",
    "512000": "资阳市",
}

# Member county-level divisions, current GB/T 2260 code -> current name,
# grouped by city_code. Scope: 《成渝地区双城经济圈建设规划纲要》 (2021).
MEMBERS: dict[str, dict[str, str]] = {
    "500000": {  # 重庆: 27 full members + 开州区, 云阳县 (partial)
        "500101": "万州区",
        "500102": "涪陵区",
        "500103": "渝中区",
        "500104": "大渡口区",
        "500105": "江北区",
        "500106": "沙坪坝区",
        "500107": "九龙坡区",
        "500108": "南岸区",
        "500109": "北碚区",
        "500110": "綦江区",
        "500111": "大足区",
        "500112": "渝北区",
        "500113": "巴南区",
        "500114": "黔江区",
        "500115": "长寿区",
        "500116": "江津区",
        "500117": "合川区",
        "500118": "永川区",
        "500119": "南川区",
        "500120": "璧山区",
        "500151": "铜梁区",
        "500152": "潼南区",
        "500153": "荣昌区",
        "500154": "开州区",
        "500155": "梁平区",
        "500230": "丰都县",
        "500231": "垫江县",
        "500233": "忠县",
        "500235": "云阳县",
    },
    "510100": {  # 成都 (all 20)
        "510104": "锦江区",
        "510105": "青羊区",
        "510106": "金牛区",
        "510107": "武侯区",
        "510108": "成华区",
        "510112": "龙泉驿区",
        "510113": "青白江区",
        "510114": "新都区",
        "510115": "温江区",
        "510116": "双流区",
        "510117": "郫都区",
        "510118": "新津区",
        "510121": "金堂县",
        "510129": "大邑县",
        "510131": "蒲江县",
        "510181": "都江堰市",
        "510182": "彭州市",
        "510183": "邛崃市",
        "510184": "崇州市",
        "510185": "简阳市",
    },
    "510300": {  # 自贡
        "510302": "自流井区",
        "510303": "贡井区",
        "510304": "大安区",
        "510311": "沿滩区",
        "510321": "荣县",
        "510322": "富顺县",
    },
    "510500": {  # 泸州
        "510502": "江阳区",
        "510503": "纳溪区",
        "510504": "龙马潭区",
        "510521": "泸县",
        "510522": "合江县",
        "510524": "叙永县",
        "510525": "古蔺县",
    },
    "510600": {  # 德阳
        "510603": "旌阳区",
        "510604": "罗江区",
        "510623": "中江县",
        "510681": "广汉市",
        "510682": "什邡市",
        "510683": "绵竹市",
    },
    "510700": {  # 绵阳, except 北川羌族自治县 510726 and 平武县 510727
        "510703": "涪城区",
        "510704": "游仙区",
        "510705": "安州区",
        "510722": "三台县",
        "510723": "盐亭县",
        "510725": "梓潼县",
        "510781": "江油市",
    },
    "510900": {  # 遂宁
        "510903": "船山区",
        "510904": "安居区",
        "510921": "蓬溪县",
        "510923": "大英县",
        "510981": "射洪市",
    },
    "511000": {  # 内江
        "511002": "市中区",
        "511011": "东兴区",
        "511024": "威远县",
        "511025": "资中县",
        "511083": "隆昌市",
    },
    "511100": {  # 乐山
        "511102": "市中区",
        "511111": "沙湾区",
        "511112": "五通桥区",
        "511113": "金口河区",
        "511123": "犍为县",
        "511124": "井研县",
        "511126": "夹江县",
        "511129": "沐川县",
        "511132": "峨边彝族自治县",
        "511133": "马边彝族自治县",
        "511181": "峨眉山市",
    },
    "511300": {  # 南充
        "511302": "顺庆区",
        "511303": "高坪区",
        "511304": "嘉陵区",
        "511321": "南部县",
        "511322": "营山县",
        "511323": "蓬安县",
        "511324": "仪陇县",
        "511325": "西充县",
        "511381": "阆中市",
    },
    "511400": {  # 眉山
        "511402": "东坡区",
        "511403": "彭山区",
        "511421": "仁寿县",
        "511423": "洪雅县",
        "511424": "丹棱县",
        "511425": "青神县",
    },
    "511500": {  # 宜宾
        "511502": "翠屏区",
        "511503": "南溪区",
        "511504": "叙州区",
        "511523": "江安县",
        "511524": "长宁县",
        "511525": "高县",
        "511526": "珙县",
        "511527": "筠连县",
        "511528": "兴文县",
        "511529": "屏山县",
    },
    "511600": {  # 广安
        "511602": "广安区",
        "511603": "前锋区",
        "511621": "岳池县",
        "511622": "武胜县",
        "511623": "邻水县",
        "511681": "华蓥市",
    },
    "511700": {  # 达州, except 万源市 511781
        "511702": "通川区",
        "511703": "达川区",
        "511722": "宣汉县",
        "511723": "开江县",
        "511724": "大竹县",
        "511725": "渠县",
    },
    "511800": {  # 雅安, except 天全县 511825 and 宝兴县 511827
        "511802": "雨城区",
        "511803": "名山区",
        "511822": "荥经县",
        "511823": "汉源县",
        "511824": "石棉县",
        "511826": "芦山县",
    },
    "512000": {  # 资阳
        "512002": "雁江区",
        "512021": "安岳县",
        "512022": "乐至县",
    },
}

# Never members (FACTS §1 exclusions); asserted absent.
EXCLUDED = {
    "510726": "北川羌族自治县",
    "510727": "平武县",
    "511781": "万源市",
    "511825": "天全县",
    "511827": "宝兴县",
}

PARTIAL = {"500154", "500235"}  # 开州区, 云阳县: only parts are in the 规划纲要 scope

POLE_CHONGQING = {"500103", "500104", "500105", "500106", "500107", "500108", "500109", "500112", "500113"}

# Renamings / recodings that postdate cpca 0.5.5's data:
# current code -> (code in cpca, name in cpca, year, what happened).
# The county seat is unchanged, so the old entry's coordinates are used.
RENAMED = {
    "500155": ("500228", "梁平县", 2016, "梁平县 → 梁平区"),
    "510117": ("510124", "郫县", 2016, "郫县 → 郫都区"),
    "510118": ("510132", "新津县", 2020, "新津县 → 新津区"),
    "510604": ("510626", "罗江县", 2017, "罗江县 → 罗江区"),
    "510981": ("510922", "射洪县", 2019, "射洪县 → 射洪市 (县级市)"),
    "511083": ("511028", "隆昌县", 2017, "隆昌县 → 隆昌市 (县级市)"),
    "511504": ("511521", "宜宾县", 2018, "宜宾县 → 叙州区"),
}

# Coordinates not taken from cpca: code -> (longitude, latitude, note). Empty:
# every member is present in cpca 0.5.5 under its current or former code.
MANUAL_COORDS: dict[str, tuple[float, float, str]] = {}

SUFFIX_TYPES = [  # checked in order
    ("自治县", "autonomous_county"),
    ("区", "district"),
    ("市", "county_city"),
    ("县", "county"),
]


def division_type(name: str) -> str:
    for suffix, kind in SUFFIX_TYPES:
        if name.endswith(suffix):
            return kind
    raise ValueError(f"unknown division suffix: {name}")


def load_cpca(path: Path) -> dict[str, tuple[str, float, float]]:
    """Read cpca's adcodes.csv -> {6-digit code: (name, lon, lat)}."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CPCA_ADCODES_SHA256:
        print(f"warning: {path} sha256 {digest} differs from cpca 0.5.5's", file=sys.stderr)
    out = {}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        if not row["longitude"] or not row["latitude"]:
            continue
        out[row["adcode"][:6]] = (row["name"], float(row["longitude"]), float(row["latitude"]))
    return out


def build_rows(cpca: dict[str, tuple[str, float, float]]) -> list[dict[str, str]]:
    rows = []
    for city_code, members in MEMBERS.items():
        for code, name in members.items():
            assert code not in EXCLUDED, code
            province_code, province_name = PROVINCES[code[:2]]
            if code in MANUAL_COORDS:
                lon, lat, _ = MANUAL_COORDS[code]
            else:
                src_code = RENAMED[code][0] if code in RENAMED else code
                src_name, lon, lat = cpca[src_code]  # KeyError = missing in cpca
                expected = RENAMED[code][1] if code in RENAMED else name
                if src_name != expected:
                    raise ValueError(f"cpca {src_code} is {src_name}, expected {expected}")
            if city_code == "510100":
                pole = "成都"
            elif code in POLE_CHONGQING:
                pole = "重庆中心城区"
            else:
                pole = ""
            kind = division_type(name)
            # A pole's districts are its core; counties and county-level cities stay 县域 even inside
            # 成都, whose pole status is political, not a sign that 金堂 or 蒲江 are urban.
            urban_class = "county" if kind != "district" else ("core" if pole else "urban")
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "province_code": province_code,
                    "province_name": province_name,
                    "city_code": city_code,
                    "city_name": CITIES[city_code],
                    "membership": "partial" if code in PARTIAL else "full",
                    "pole": pole,
                    "division_type": kind,
                    "urban_class": urban_class,
                    "longitude": f"{lon:.6f}",
                    "latitude": f"{lat:.6f}",
                }
            )
    rows.sort(key=lambda r: r["code"])
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adcodes", type=Path, help="path to cpca's resources/adcodes.csv")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).resolve().with_name("counties.csv")
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the existing output instead of writing it"
    )
    args = parser.parse_args(argv)

    text = render(build_rows(load_cpca(args.adcodes)))
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print("identical" if same else f"DIFFERS: {args.output}")
        return 0 if same else 1
    with open(args.output, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    print(f"wrote {args.output} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
