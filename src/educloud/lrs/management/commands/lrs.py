"""``educloud lrs client-create | client-list | client-deactivate``: manage the LRS's clients.

``educloud lrs client-create --name Moodle --county 500118 --json`` prints ``{"key": ..., "secret": ...}``
(the secret is shown once; only its hash is stored). Scope: exactly one of ``--school CODE``,
``--county CODE``, ``--city CODE``, ``--province CODE`` or ``--circle``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from educloud.lib.errors import DomainError
from educloud.lrs.models import Client
from educloud.lrs.services import client_create, client_deactivate


def _scope_text(client: Client) -> str:
    code = (
        client.school.code if client.school_id else (client.county_id or client.city_id or client.province_id)
    )
    return f"{client.scope_kind}:{code}" if code else client.scope_kind


class Command(BaseCommand):
    help = "Manage LRS clients: client-create, client-list, client-deactivate."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("client-create", help="create a client and print its key and secret")
        create.add_argument("--name", required=True)
        scope = create.add_mutually_exclusive_group(required=True)
        scope.add_argument("--school", dest="school_code")
        scope.add_argument("--county", dest="county_code")
        scope.add_argument("--city", dest="city_code")
        scope.add_argument("--province", dest="province_code")
        scope.add_argument("--circle", action="store_true", help="both regions (川渝全域)")
        create.add_argument("--json", action="store_true", dest="as_json")
        listing = sub.add_parser("client-list", help="list clients (never their secrets)")
        listing.add_argument("--json", action="store_true", dest="as_json")
        deactivate = sub.add_parser("client-deactivate", help="refuse a client's requests from now on")
        deactivate.add_argument("key")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            if verb == "client-create":
                self._create(options)
            elif verb == "client-list":
                self._list(options["as_json"])
            else:
                client = client_deactivate(key=options["key"])
                self.stdout.write(f"deactivated {client.key} ({client.name})")
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _create(self, options: dict[str, Any]) -> None:
        new = client_create(
            name=options["name"],
            school_code=options["school_code"],
            county_code=options["county_code"],
            city_code=options["city_code"],
            province_code=options["province_code"],
            circle=options["circle"],
        )
        if options["as_json"]:
            self.stdout.write(json.dumps({"key": new.client.key, "secret": new.secret}))
        else:
            self.stdout.write(
                f"key:    {new.client.key}\nsecret: {new.secret}\nscope:  {_scope_text(new.client)}"
            )
            self.stdout.write("HTTP Basic credentials for /xapi/; the secret is shown only this once.")

    def _list(self, as_json: bool) -> None:
        clients = Client.objects.select_related("school").filter(is_internal=False)
        rows = [
            {
                "key": c.key,
                "name": c.name,
                "scope": _scope_text(c),
                "active": c.is_active,
                "created": c.created.isoformat(),
            }
            for c in clients
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            flag = "" if row["active"] else "  (deactivated)"
            self.stdout.write(f"{row['key']}  {row['scope']:<20} {row['name']}{flag}")
