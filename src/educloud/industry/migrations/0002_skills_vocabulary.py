"""Load the skills vocabulary (data/skills.csv) with the historical models; idempotent, never deletes."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from educloud.industry.services import skills_load

    skills_load(skill_model=apps.get_model("industry", "Skill"), synonym_model=apps.get_model("industry", "SkillSynonym"))


class Migration(migrations.Migration):
    dependencies = [("industry", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
