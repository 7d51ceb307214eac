"""ASGI entry point: ``uvicorn educloud.config.asgi:application --workers N``."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educloud.config.settings")
application = get_asgi_application()
