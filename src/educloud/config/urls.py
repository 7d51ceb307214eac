"""URL map: pages (``web``), the REST API (``/api/v1/``)."""

from __future__ import annotations

from django.urls import include, path

from educloud.config.api import api
from educloud.library.views import oai_endpoint

urlpatterns = [
    path("api/v1/", api.urls),
    path("xapi/", include("educloud.lrs.urls")),  # the xAPI LRS (its own HTTP rules, not Ninja)
    path("library/", include("educloud.library.urls")),
    path("oai", oai_endpoint, name="oai"),  # OAI-PMH 2.0 provider (library's public and circle resources)
    path("search/", include("educloud.search.urls")),
    path("learning/", include("educloud.learning.urls")),
    path("equity/", include("educloud.equity.urls")),
    path("assessment/", include("educloud.assessment.urls")),
    path("recommend/", include("educloud.recommend.urls")),
    path("pairing/", include("educloud.pairing.urls")),
    path("governance/", include("educloud.governance.urls")),
    path("community/", include("educloud.community.urls")),
    path("industry/", include("educloud.industry.urls")),
    path("", include("educloud.web.urls")),
]

handler403 = "educloud.web.views.error_403"
handler404 = "educloud.web.views.error_404"
