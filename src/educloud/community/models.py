"""The 教师研修社区 (issue #15): groups, threads, chat, 集体备课, moderation, notifications.

``Group`` (教研组, cross-school and cross-province; public or invite-only; or a class space of one
teacher's class) → ``Membership`` (owner / moderator / member) and ``Invitation``. In a group:
``Thread`` with ``Post`` rows (the first post is the thread's text, the rest are replies); chat
messages are ``Post`` rows without a thread. ``Attachment`` links a post to a library resource the
poster could open. ``LessonPlan`` → numbered ``LessonPlanVersion`` (every save a new number; a save
based on an older number is refused, never merged silently) → ``VersionComment``. ``Report`` (any
member reports a post) and ``ModerationAction`` (hide / unhide with a reason: the audit of who did
what when). ``Notification`` (mention, reply, invitation) and ``Presence`` (one row per open
WebSocket: who is online in a group, across worker processes).

Students appear only as members of class spaces; synthetic demo rows carry ``is_synthetic``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from educloud.library.models import Resource
from educloud.schools.models import School

MAX_BODY = 4000  # characters of a post, chat message or comment
MAX_PLAN = 100_000  # characters of a lesson-plan version


class Group(models.Model):
    class Kind(models.TextChoices):
        TEACHING = "teaching", "教研组"
        CLASS_SPACE = "class_space", "班级空间"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "公开（社区成员可直接加入）"
        INVITE = "invite", "仅限邀请"

    name = models.CharField(max_length=60)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TEACHING)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A class space's class: school, grade and class label (the students' StudentProfile fields).
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    class_label = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="community_class_space_has_class",
                condition=Q(kind="teaching", school__isnull=True)
                | Q(kind="class_space", school__isnull=False, grade__isnull=False, visibility="invite"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "组长"
        MODERATOR = "moderator", "管理员"
        MEMBER = "member", "成员"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="community_one_membership")]
        # "my groups": every page and every WebSocket message checks membership by user
        indexes = [models.Index(fields=["user", "group"], name="community_member_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.group} · {self.role}"


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待回复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已谢绝"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "invitee"],
                condition=Q(status="pending"),
                name="community_one_pending_invite",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} → {self.group_id} ({self.status})"


class Thread(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_activity", "-pk"]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """A thread's text or reply (``thread`` set) or a chat message (``thread`` null)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="posts")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        # a group's chat history (thread null) and a thread's posts, newest last
        indexes = [models.Index(fields=["group", "thread", "id"], name="community_post_stream")]

    def __str__(self) -> str:
        return self.body[:40]


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "resource"], name="community_attach_once")]

    def __str__(self) -> str:
        return f"post {self.post_id} → resource {self.resource_id}"


class LessonPlan(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    current_number = models.PositiveIntegerField(default=0)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


class LessonPlanVersion(models.Model):
    plan = models.ForeignKey(LessonPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(max_length=MAX_PLAN)
    note = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        # the database refuses a second version with the same number (two saves racing)
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="community_version_number")]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class VersionComment(models.Model):
    version = models.ForeignKey(LessonPlanVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.body[:40]


class Report(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="community_report_once")]

    def __str__(self) -> str:
        return f"report of post {self.post_id}: {self.reason}"


class ModerationAction(models.Model):
    """The audit of moderation: who hid or unhid which post, when, and why."""

    class Action(models.TextChoices):
        HIDE = "hide", "隐藏"
        UNHIDE = "unhide", "恢复显示"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="moderation")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="moderation")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} post {self.post_id} by {self.actor_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", "提到了你"
        REPLY = "reply", "回复了你的主题"
        INVITATION = "invitation", "邀请你加入"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        # a user's unread notifications
        indexes = [models.Index(fields=["user", "read_at"], name="community_notif_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Presence(models.Model):
    """One open WebSocket of a member in a group (deleted on disconnect; stale after a silence)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["group", "last_seen"], name="community_presence_group")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"
