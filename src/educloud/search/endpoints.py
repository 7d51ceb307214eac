"""REST endpoints of the search app, mounted under /api/v1/search/.

A web-layer module: it turns the caller into visibility keys (``visibility_keys_for``) and asks
``search.api``; anonymous callers see public documents only.
"""

# No `from __future__ import annotations`: Django Ninja reads these annotations at run time.

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from educloud.lib.api_errors import with_errors
from educloud.lib.bounds import PAGE_MAX
from educloud.search.api import MAX_PAGE_SIZE, search, suggest, visibility_keys_for

router = Router(tags=["search"])

DEFAULT_SOURCE = "library.resource"


class SearchParams(Schema):
    q: str = Field(
        "", description="查询词（中文、繁体、拼音首字母均可）；为空时按质量与时间浏览", max_length=200
    )
    source: str = Field(DEFAULT_SOURCE, description="来源，例如 library.resource")
    page: int = Field(1, description="页码，从 1 开始", le=PAGE_MAX)
    page_size: int = Field(20, description=f"每页条数，1–{MAX_PAGE_SIZE}")


class HitOut(Schema):
    object_id: str
    title: str
    url: str
    score: float
    highlight_title: str = Field(description="HTML：已转义，命中词以 <mark> 标出")


class SearchOut(Schema):
    items: list[HitOut]
    count: int = Field(description="命中条数；超过 10,000 时为 10,000，且 count_exact 为 false")
    count_exact: bool


@router.get("/", response=with_errors(SearchOut), summary="全文检索（按调用者权限过滤）")
def search_endpoint(request: HttpRequest, params: Query[SearchParams]) -> dict[str, object]:
    result = search(
        query=params.q,
        source=params.source,
        visibility_keys=visibility_keys_for(request.user),
        page=params.page,
        page_size=params.page_size,
    )
    return {"items": result.items, "count": result.count, "count_exact": result.count_exact}


class SuggestParams(Schema):
    q: str = Field("", description="已输入的文字；最后一个词按前缀匹配，也可用拼音首字母", max_length=200)
    source: str = Field(DEFAULT_SOURCE, description="来源，例如 library.resource")


@router.get("/suggest", response=with_errors(list[str]), summary="输入提示（标题）")
def suggest_endpoint(request: HttpRequest, params: Query[SuggestParams]) -> list[str]:
    return suggest(prefix=params.q, source=params.source, visibility_keys=visibility_keys_for(request.user))
