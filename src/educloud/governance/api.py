"""Public Python interface of the governance app (fund, joint meetings)."""

from __future__ import annotations

from educloud.governance.demo import GovernanceSeedReport, demo_governance_seed
from educloud.governance.models import ActionItem, Application, FundCall, JointMeeting, SelectionRun
from educloud.governance.selectors import action_list, application_list, call_list, performance
from educloud.governance.services import selection_run

__all__ = [
    "ActionItem",
    "Application",
    "FundCall",
    "GovernanceSeedReport",
    "JointMeeting",
    "SelectionRun",
    "action_list",
    "application_list",
    "call_list",
    "demo_governance_seed",
    "performance",
    "selection_run",
]
