"""``educloud seed --scale demo|region --seed N``: deterministic synthetic data, flagged as such."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from educloud.accounts.api import demo_people_seed, synthetic_people_delete
from educloud.assessment.api import demo_assessment_seed
from educloud.community.api import demo_community_seed
from educloud.governance.api import demo_governance_seed
from educloud.industry.api import demo_industry_seed
from educloud.learning.api import demo_learning_seed
from educloud.library.api import demo_library_seed
from educloud.pairing.api import demo_pairing_seed
from educloud.recommend.api import demo_recommend_seed
from educloud.regions.api import regions_load
from educloud.schools.api import synthetic_schools_seed


class Command(BaseCommand):
    help = (
        "Replace all synthetic data with a fresh deterministic set. 'demo': ~2,200 schools, one account "
        "per role, pseudonymous teachers and students, library resources, learning data; "
        "'region': ~20,000 schools for benchmarks (and no demo accounts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["demo", "region"], default="demo")
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        regions_load()
        synthetic_people_delete()  # people refer to schools: they go first, and come back for 'demo'
        report = synthetic_schools_seed(scale=scale, seed=seed)
        self.stdout.write(f"synthetic schools: {report.schools}, yearly statistics rows: {report.stats_rows}")
        if scale == "demo":
            people = demo_people_seed(seed=seed)
            self.stdout.write(
                f"synthetic accounts: {len(people.accounts)} roles, {people.teachers} teachers, "
                f"{people.students} students"
            )
            library = demo_library_seed(seed=seed)
            self.stdout.write(
                f"synthetic library: {library.resources} resources ({library.published} published), "
                f"{library.events} engagement events, {library.collections} collections"
            )
            self.stdout.write(str(demo_learning_seed(seed=seed)))
            self.stdout.write(str(demo_assessment_seed(seed=seed)))
            self.stdout.write(str(demo_recommend_seed(seed=seed)))
            self.stdout.write(str(demo_pairing_seed(seed=seed)))
            self.stdout.write(str(demo_governance_seed(seed=seed)))
            self.stdout.write(str(demo_community_seed(seed=seed)))
            self.stdout.write(str(demo_industry_seed(seed=seed)))
