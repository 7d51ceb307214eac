"""Synthetic community data for the demo (labelled 演示数据): three 教研组 across 重庆 and 四川, a
class space of the demo teacher's class, threads with replies and @mentions, chat messages, a
lesson plan with three versions and comments, one report and one moderation action.

Deterministic; deletes and recreates only synthetic groups (``is_synthetic``). The rows are written
directly (not through the services) so that seeding publishes nothing to the channel layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from educloud.accounts.api import StudentProfile, User
from educloud.community.models import (
    Group,
    Invitation,
    LessonPlan,
    LessonPlanVersion,
    Membership,
    ModerationAction,
    Notification,
    Post,
    Report,
    Thread,
    VersionComment,
)


@dataclass(frozen=True)
class CommunitySeedReport:
    groups: int
    members: int
    posts: int
    plans: int

    def __str__(self) -> str:
        return (
            f"synthetic community: {self.groups} groups, {self.members} memberships, {self.posts} posts, "
            f"{self.plans} lesson plans"
        )


PLAN_V1 = (
    "课题：勾股定理（第一课时）\n一、导入：赵爽弦图\n二、探究：拼图验证\n三、练习：课本习题 1–3\n四、小结"
)
PLAN_V2 = (
    "课题：勾股定理（第一课时）\n一、导入：赵爽弦图（川渝两地学生分组讨论）\n二、探究：拼图验证\n"
    "三、练习：课本习题 1–3\n四、小结"
)
PLAN_V3 = (
    "课题：勾股定理（第一课时）\n一、导入：赵爽弦图（川渝两地学生分组讨论）\n二、探究：拼图验证，"
    "双师课堂同步展示\n三、练习：课本习题 1–3，分层作业\n四、小结与课后延伸"
)


@transaction.atomic
def demo_community_seed(*, seed: int) -> CommunitySeedReport:
    Group.objects.filter(is_synthetic=True).delete()
    users = {u.username: u for u in User.objects.filter(is_synthetic=True, username__regex=r"^[a-z_]+$")}
    teacher = users["teacher"]
    # teachers of the other demo schools (金堂县, 永川区), pseudonymous
    others = list(User.objects.filter(is_synthetic=True, username__startswith="t_").order_by("username"))
    sc_teachers = [u for u in others if u.username.startswith("t_S510")][:3]
    cq_teachers = [u for u in others if u.username.startswith("t_S500")][:2]

    def group(name: str, description: str, owner: User, visibility: str = "public") -> Group:
        g = Group.objects.create(
            name=name, description=description, owner=owner, visibility=visibility, is_synthetic=True
        )
        Membership.objects.create(group=g, user=owner, role=Membership.Role.OWNER)
        return g

    maths = group("川渝初中数学教研组（演示）", "跨省教研：单元设计、同课异构、双师课堂", teacher)
    for u in sc_teachers + cq_teachers[:1]:
        Membership.objects.create(group=maths, user=u)
    if sc_teachers:
        Membership.objects.filter(group=maths, user=sc_teachers[0]).update(role=Membership.Role.MODERATOR)
    for u in ("school_admin", "yongchuan_bureau", "jintang_bureau"):
        Membership.objects.create(group=maths, user=users[u])
    reading = group(
        "乡村阅读推广联盟（演示）",
        "成渝乡村学校整本书阅读经验交流",
        sc_teachers[0] if sc_teachers else teacher,
    )
    Membership.objects.get_or_create(group=reading, user=teacher)
    mentoring = group(
        "新教师成长营（演示·仅限邀请）", "新入职教师的导师制研修", users["school_admin"], visibility="invite"
    )
    if len(sc_teachers) > 1:  # a pending invitation (to a pseudonymous 金堂 teacher)
        Invitation.objects.create(group=mentoring, invitee=sc_teachers[1], invited_by=users["school_admin"])

    student_profile = StudentProfile.objects.filter(user=users["student"]).select_related("school").first()
    if student_profile is not None:
        space = Group.objects.create(
            name=f"{student_profile.grade}年级{student_profile.class_label}班级空间（演示）",
            description="本班学习交流（学生以化名显示）",
            kind=Group.Kind.CLASS_SPACE,
            visibility=Group.Visibility.INVITE,
            owner=teacher,
            school=student_profile.school,
            grade=student_profile.grade,
            class_label=student_profile.class_label,
            is_synthetic=True,
        )
        Membership.objects.create(group=space, user=teacher, role=Membership.Role.OWNER)
        Membership.objects.create(group=space, user=users["student"])
        Post.objects.create(
            group=space, author=teacher, body="同学们好，本周作业已发布在资源库。", is_synthetic=True
        )

    partner = sc_teachers[0] if sc_teachers else users["school_admin"]
    thread = Thread.objects.create(group=maths, author=teacher, title="勾股定理单元：同课异构安排（演示）")
    Post.objects.create(
        group=maths,
        thread=thread,
        author=teacher,
        is_synthetic=True,
        body=f"下周两地同上勾股定理第一课时，@{partner.username} 请分享金堂的导入设计。",
    )
    reply = Post.objects.create(
        group=maths,
        thread=thread,
        author=partner,
        is_synthetic=True,
        body="我们用赵爽弦图导入，已上传课件到资源库。",
    )
    Notification.objects.create(user=partner, kind=Notification.Kind.MENTION, group=maths, actor=teacher)
    Notification.objects.create(
        user=teacher, kind=Notification.Kind.REPLY, group=maths, post=reply, actor=partner
    )
    spam = Post.objects.create(
        group=maths,
        thread=thread,
        author=cq_teachers[0] if cq_teachers else partner,
        is_synthetic=True,
        body="（演示）与教研无关的广告内容",
        hidden=True,
    )
    Report.objects.create(post=spam, reporter=teacher, reason="广告", resolved=True)
    ModerationAction.objects.create(
        post=spam, group=maths, actor=partner, action=ModerationAction.Action.HIDE, reason="与教研无关的广告"
    )
    for author, body in [
        (teacher, "各位老师好，本周四晚 7 点线上集体备课。"),
        (partner, "收到，金堂这边三位老师参加。"),
    ]:
        Post.objects.create(group=maths, author=author, body=body, is_synthetic=True)

    plan = LessonPlan.objects.create(
        group=maths,
        title="勾股定理（第一课时）教案（演示）",
        created_by=teacher,
        current_number=3,
        is_synthetic=True,
    )
    authors = [teacher, partner, teacher]
    for number, (body, note) in enumerate(
        [(PLAN_V1, "初稿"), (PLAN_V2, "导入加入两地分组讨论"), (PLAN_V3, "双师课堂与分层作业")], start=1
    ):
        v = LessonPlanVersion.objects.create(
            plan=plan, number=number, body=body, note=note, author=authors[number - 1]
        )
        if number == 2:
            VersionComment.objects.create(version=v, author=teacher, body="分组讨论的时间控制在 5 分钟内。")
    return CommunitySeedReport(
        groups=Group.objects.filter(is_synthetic=True).count(),
        members=Membership.objects.filter(group__is_synthetic=True).count(),
        posts=Post.objects.filter(is_synthetic=True).count(),
        plans=LessonPlan.objects.filter(is_synthetic=True).count(),
    )
