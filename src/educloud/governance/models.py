"""Governance of the circle (seed §3.4): the 成渝教育协同发展专项基金 and the joint meetings.

Fund: ``FundCall`` → ``Application`` (a school's, by its admin or a teacher) → ``ReviewAssignment``
(an expert, never one in conflict: ``services.conflict_reason``) with a raw score on the call's
scale → ``SelectionRun`` (one rule's result, ``SelectionOutcome`` per application with the reason)
→ ``ProjectReport`` (progress, spend, outputs; the DEA's data) → ``Award``.

Meetings: ``JointMeeting`` (host province, agenda, attendance, minutes) → ``Resolution`` →
``ActionItem`` (owner government = a province, owner person, deadline) → ``ActionUpdate`` (progress
with evidence: a link or a library resource). ``AuditEntry`` records every write of this app.

Money is in whole yuan (integers). Synthetic demo rows carry ``is_synthetic``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from educloud.library.models import Resource
from educloud.regions.models import County, Province
from educloud.schools.models import School


class ExpertProfile(models.Model):
    """Where an expert reviewer works: the basis of conflict-of-interest exclusion."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    organisation = models.CharField(max_length=64, blank=True)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expertise = models.CharField(max_length=64, blank=True)
    is_synthetic = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


class FundCall(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "征集中"
        REVIEWING = "reviewing", "评审中"
        SELECTED = "selected", "已立项"
        CLOSED = "closed", "已结项"

    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField()
    budget = models.PositiveBigIntegerField(help_text="本批次资助总额（元）")
    max_request = models.PositiveBigIntegerField(help_text="单个项目申请上限（元）")
    score_max = models.PositiveSmallIntegerField(default=100, help_text="评分满分（0 到满分）")
    reviewers_per_application = models.PositiveSmallIntegerField(default=3)
    deadline = models.DateField()
    floor_cq = models.PositiveBigIntegerField(default=0, help_text="重庆项目最低资助额（元，仅背包规则）")
    floor_sc = models.PositiveBigIntegerField(default=0, help_text="四川项目最低资助额（元，仅背包规则）")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(name="call_cap_within_budget", condition=Q(max_request__lte=F("budget"))),
            models.CheckConstraint(name="call_score_max_positive", condition=Q(score_max__gte=1)),
        ]

    def __str__(self) -> str:
        return self.title


class Application(models.Model):
    class Category(models.TextChoices):
        SMART = "smart", "智慧教育"
        TEACHERS = "teachers", "师资协同"
        CURRICULUM = "curriculum", "课程共建"
        VOCATIONAL = "vocational", "产教融合"
        EQUITY = "equity", "均衡帮扶"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        FUNDED = "funded", "已立项"
        NOT_FUNDED = "not_funded", "未立项"
        WITHDRAWN = "withdrawn", "已撤回"

    call = models.ForeignKey(FundCall, on_delete=models.CASCADE, related_name="applications")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    # SET_NULL: the application stays the school's when its author's account goes.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    category = models.CharField(max_length=12, choices=Category.choices)
    budget_requested = models.PositiveBigIntegerField(help_text="申请金额（元）")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(name="application_budget_positive", condition=Q(budget_requested__gt=0))
        ]
        # applications of a call by status: the call page and the selection run
        indexes = [models.Index(fields=["call", "status"], name="gov_app_call_status")]

    def __str__(self) -> str:
        return self.title


class ConflictDeclaration(models.Model):
    """A conflict an expert or the joint office declared beyond the automatic school/county rule."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reviewer", "application"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} ↔ {self.application}"


class ReviewAssignment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_once"),
            models.CheckConstraint(
                name="review_score_nonnegative", condition=Q(score__isnull=True) | Q(score__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class SelectionRun(models.Model):
    class Rule(models.TextChoices):
        KNAPSACK = "knapsack", "精确背包（总分最大）"
        GREEDY = "greedy", "贪心（按分数）"
        GREEDY_RATIO = "greedy_ratio", "贪心（按每元得分）"
        MES = "mes", "等份额法（MES，贪心补足）"
        PHRAGMEN = "phragmen", "Phragmén 顺序法"

    call = models.ForeignKey(FundCall, on_delete=models.CASCADE, related_name="runs")
    rule = models.CharField(max_length=16, choices=Rule.choices)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    budget = models.PositiveBigIntegerField()
    total_cost = models.PositiveBigIntegerField()
    objective = models.FloatField()
    adopted = models.BooleanField(default=False, help_text="是否为本批次采用的立项结果")

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"], condition=Q(adopted=True), name="one_adopted_run_per_call"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.rule}"


class SelectionOutcome(models.Model):
    run = models.ForeignKey(SelectionRun, on_delete=models.CASCADE, related_name="outcomes")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    funded = models.BooleanField()
    reason = models.CharField(max_length=20)
    detail = models.FloatField(null=True)
    score = models.FloatField(null=True, help_text="标准化后的平均分")
    rank = models.PositiveIntegerField()
    explanation = models.CharField(max_length=200)

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.application} · {self.reason}"


class ProjectReport(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    period = models.CharField(max_length=20, help_text="如“2026 上半年”")
    progress = models.PositiveSmallIntegerField(help_text="完成度（%）")
    spend = models.PositiveBigIntegerField(help_text="本期支出（元）")
    teachers_trained = models.PositiveIntegerField(default=0)
    students_reached = models.PositiveIntegerField(default=0)
    resources_created = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "pk"]
        constraints = [models.CheckConstraint(name="report_progress_percent", condition=Q(progress__lte=100))]

    def __str__(self) -> str:
        return f"{self.application} · {self.period}"


class Award(models.Model):
    class Level(models.TextChoices):
        FIRST = "first", "一等奖"
        SECOND = "second", "二等奖"
        THIRD = "third", "三等奖"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="award")
    level = models.CharField(max_length=8, choices=Level.choices)
    citation = models.CharField(max_length=200)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.application} · {self.level}"


# ------------------------------------------------------------------------------------------ meetings


class JointMeeting(models.Model):
    title = models.CharField(max_length=120)
    session = models.PositiveSmallIntegerField(help_text="第几次联席会议")
    date = models.DateField()
    host_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=64)
    minutes = models.TextField(blank=True, help_text="会议纪要")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["session"], name="meeting_session_unique")]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    presenter = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="attendance")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=32)
    position = models.CharField(max_length=64)
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ["province_id", "pk"]

    def __str__(self) -> str:
        return self.name


class Resolution(models.Model):
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="resolutions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["meeting_id", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="resolution_number_unique")]

    def __str__(self) -> str:
        return f"{self.meeting} · 决议 {self.number}"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        DONE = "done", "已完成"

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=120)
    owner_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deadline = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["deadline", "pk"]
        constraints = [models.CheckConstraint(name="action_progress_percent", condition=Q(progress__lte=100))]
        # a bureau's open items by deadline
        indexes = [models.Index(fields=["owner_province", "status", "deadline"], name="gov_action_owner")]

    def __str__(self) -> str:
        return self.title


class ActionUpdate(models.Model):
    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField()
    progress = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=ActionItem.Status.choices)
    evidence_url = models.URLField(blank=True)
    evidence_resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_id", "pk"]

    def __str__(self) -> str:
        return f"{self.action} · {self.progress}%"


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=40)
    target = models.CharField(max_length=80)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.verb} {self.target}"


class PolicyDocument(models.Model):
    """A policy of either government (or a joint one) in the searchable policy library.

    The row is the source of truth; ``services`` copies it into the search index
    (``search.api``, source ``governance.policy``, visible to everyone: policies are public).
    """

    class Category(models.TextChoices):
        PLAN = "plan", "规划计划"
        FUND = "fund", "经费资助"
        TEACHERS = "teachers", "教师队伍"
        DIGITAL = "digital", "教育数字化"
        VOCATIONAL = "vocational", "职业教育"
        EQUITY = "equity", "均衡发展"

    title = models.CharField(max_length=200)
    number = models.CharField(max_length=64, blank=True, help_text="文号")
    issuer = models.CharField(max_length=64, help_text="发文机关")
    # null: issued jointly by both governments
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    category = models.CharField(max_length=12, choices=Category.choices)
    summary = models.TextField()
    url = models.URLField(blank=True, max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.title


# ------------------------------------------------------------------------ research alliance (§3.3.2)


class ResearchProject(models.Model):
    """A joint research project of the alliance: always one 重庆 and one 四川 partner."""

    class Status(models.TextChoices):
        ONGOING = "ongoing", "在研"
        DONE = "done", "已结题"

    title = models.CharField(max_length=200)
    lead_institution = models.CharField(max_length=64)
    lead_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    partner_institution = models.CharField(max_length=64)
    partner_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    theme = models.CharField(max_length=64)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ONGOING)
    summary = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="research_across_both", condition=~Q(lead_province=F("partner_province"))
            ),
            models.CheckConstraint(
                name="research_end_after_start", condition=Q(end__isnull=True) | Q(end__gte=F("start"))
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AllianceEvent(models.Model):
    class Kind(models.TextChoices):
        FORUM = "forum", "论坛"
        SEMINAR = "seminar", "研讨会"
        WORKSHOP = "workshop", "工作坊"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    date = models.DateField()
    host_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    project = models.ForeignKey(
        ResearchProject, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title


class ResearchOutput(models.Model):
    class Kind(models.TextChoices):
        PAPER = "paper", "论文"
        REPORT = "report", "研究报告"
        COURSE = "course", "课程"
        RESOURCE = "resource", "教学资源"
        POLICY = "policy", "政策建议"

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="outputs")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField()
    url = models.URLField(blank=True, max_length=300)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-pk"]

    def __str__(self) -> str:
        return self.title
