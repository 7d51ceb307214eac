"""Public Python interface of the industry app (产教融合)."""

from __future__ import annotations

from educloud.industry.demo import IndustrySeedReport, demo_industry_seed
from educloud.industry.models import Demand, Enterprise, Skill, Supply
from educloud.industry.selectors import demand_list, supply_demand_gap, supply_list
from educloud.industry.services import SkillsLoadReport, skills_load

__all__ = [
    "Demand",
    "Enterprise",
    "IndustrySeedReport",
    "Skill",
    "SkillsLoadReport",
    "Supply",
    "demand_list",
    "demo_industry_seed",
    "skills_load",
    "supply_demand_gap",
    "supply_list",
]
