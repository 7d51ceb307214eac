"""The REST API: one Django Ninja instance at ``/api/v1/``, routers from each app.

Errors: a ``DomainError`` from a service becomes ``{"detail": message, "field": name}`` with
its status; request validation failures become 422 with a Chinese summary, the first wrong
parameter as ``field`` and pydantic's per-field list, so a client can point at the parameter that
is wrong. The bodies' schemas, documented on every operation, are in ``educloud.lib.api_errors``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from educloud.assessment.endpoints import router as assessment_router
from educloud.community.endpoints import router as community_router
from educloud.equity.endpoints import router as equity_router
from educloud.governance.endpoints import router as governance_router
from educloud.industry.endpoints import router as industry_router
from educloud.learning.endpoints import router as learning_router
from educloud.lib.errors import DomainError
from educloud.library.endpoints import router as library_router
from educloud.lrs.endpoints import router as lrs_router
from educloud.pairing.endpoints import router as pairing_router
from educloud.recommend.endpoints import router as recommend_router
from educloud.regions.endpoints import router as regions_router
from educloud.schools.endpoints import router as schools_router
from educloud.search.endpoints import router as search_router

api = NinjaAPI(
    title="成渝智慧教育云 API",
    version="1",
    description="educloud REST API. 公共接口无需登录；学校等数据按角色权限范围返回。演示数据均为合成数据。",
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/regions", regions_router)
api.add_router("/schools", schools_router)
api.add_router("/search", search_router)
api.add_router("/lrs", lrs_router)
api.add_router("/library", library_router)
api.add_router("/learning", learning_router)
api.add_router("/equity", equity_router)
api.add_router("/assessment", assessment_router)
api.add_router("/recommend", recommend_router)
api.add_router("/pairing", pairing_router)
api.add_router("/governance", governance_router)
api.add_router("/community", community_router)
api.add_router("/industry", industry_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(p) for p in e.get("loc", ())[1:]) or str(e.get("loc")) for e in exc.errors]
    return api.create_response(
        request,
        {
            "detail": f"请求参数有误：{', '.join(fields)}",
            "field": fields[0] if fields else None,
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "请先登录", "field": None}, status=401)
