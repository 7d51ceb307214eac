"""Synthetic demo people: one account per role, and pseudonymous teachers and students.

All flagged ``is_synthetic``. Every demo account shares one published password
(``DEMO_PASSWORD``), hashed once with Argon2 and reused, so seeding stays fast. The accounts
are deleted and recreated by every seed; a deployment with real users never runs the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction

from educloud.accounts.models import Role, RoleAssignment, StudentProfile, TeacherProfile, User
from educloud.accounts.scoping import roles_changed
from educloud.schools.api import School

DEMO_PASSWORD = "educloud-demo-2026"  # noqa: S105 — published demo password for synthetic accounts only
DEMO_COUNTY_CQ = "500118"  # 永川区
DEMO_COUNTY_SC = "510121"  # 金堂县
_SUBJECTS = ["语文", "数学", "英语", "物理", "化学", "体育", "音乐", "美术", "信息技术", "道德与法治"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    where: str


@dataclass(frozen=True)
class PeopleReport:
    accounts: list[DemoAccount]
    teachers: int
    students: int


def _demo_schools(county_code: str, n: int) -> list[School]:
    return list(
        School.objects.filter(
            is_synthetic=True, county_id=county_code, stage__in=["primary", "junior", "nine_year"]
        )
        .select_related("county")
        .order_by("code")[:n]
    )


def synthetic_people_delete() -> int:
    """Delete every synthetic user (and, by cascade, their roles and profiles)."""
    deleted, _ = User.objects.filter(is_synthetic=True).delete()
    return deleted


@transaction.atomic
def demo_people_seed(*, seed: int) -> PeopleReport:
    """Replace all synthetic users with one account per role plus a few schools' people."""
    synthetic_people_delete()
    rng = np.random.default_rng(seed)
    password_hash = make_password(DEMO_PASSWORD)
    schools_cq = _demo_schools(DEMO_COUNTY_CQ, 2)
    schools_sc = _demo_schools(DEMO_COUNTY_SC, 2)
    if not schools_cq or not schools_sc:
        raise ValueError("demo people need synthetic schools in 永川区 and 金堂县: run the school seed first")
    home = schools_cq[0]
    plan: list[tuple[str, Role, str, dict[str, object], str]] = [
        ("joint_office", Role.JOINT_OFFICE, "川渝教育协同联合办公室", {}, "全域"),
        ("cq_bureau", Role.PROVINCE_BUREAU, "重庆市教委（演示）", {"province_id": "500000"}, "重庆市"),
        ("sc_bureau", Role.PROVINCE_BUREAU, "四川省教育厅（演示）", {"province_id": "510000"}, "四川省"),
        ("chengdu_bureau", Role.CITY_BUREAU, "成都市教育局（演示）", {"city_id": "510100"}, "成都市"),
        (
            "yongchuan_bureau",
            Role.COUNTY_BUREAU,
            "永川区教委（演示）",
            {"county_id": DEMO_COUNTY_CQ},
            "永川区",
        ),
        (
            "jintang_bureau",
            Role.COUNTY_BUREAU,
            "金堂县教育局（演示）",
            {"county_id": DEMO_COUNTY_SC},
            "金堂县",
        ),
        ("school_admin", Role.SCHOOL_ADMIN, f"{home.name}管理员", {"school": home}, home.name),
        ("teacher", Role.TEACHER, "教师甲（化名）", {"school": home}, home.name),
        ("student", Role.STUDENT, "学生A001", {"school": home}, home.name),
        ("enterprise", Role.ENTERPRISE, "示例智能制造企业", {}, "—"),
        ("expert", Role.EXPERT, "评审专家甲（化名）", {}, "—"),
    ]
    accounts: list[DemoAccount] = []
    for username, role, display, scope, where in plan:
        user = User.objects.create(
            username=username, display_name=display, password=password_hash, is_synthetic=True
        )
        RoleAssignment.objects.create(user=user, role=role, **scope)
        accounts.append(DemoAccount(username=username, role=role, where=where))
    TeacherProfile.objects.create(
        user=User.objects.get(username="teacher"), school=home, subject="数学", is_synthetic=True
    )
    StudentProfile.objects.create(
        user=User.objects.get(username="student"),
        school=home,
        pseudonym="学生A001",
        grade=5,
        class_label="1班",
        is_synthetic=True,
    )

    teachers = students = 0
    for school in schools_cq + schools_sc:
        first_grade = 7 if school.stage == "junior" else 5
        for t in range(6):
            user = User.objects.create(
                username=f"t_{school.code}_{t}",
                display_name=f"教师{school.code[-4:]}-{t}",
                password=password_hash,
                is_synthetic=True,
            )
            RoleAssignment.objects.create(user=user, role=Role.TEACHER, school=school)
            TeacherProfile.objects.create(
                user=user, school=school, subject=str(rng.choice(_SUBJECTS)), is_synthetic=True
            )
            teachers += 1
        new_users = [
            User(username=f"s_{school.code}_{i:03d}", is_synthetic=True, password="!")  # noqa: S106 — "!" marks an unusable password
            for i in range(60)
        ]
        User.objects.bulk_create(new_users)
        created = User.objects.filter(username__startswith=f"s_{school.code}_").order_by("username")
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role=Role.STUDENT, school=school) for u in created]
        )
        roles_changed(u.pk for u in created)  # bulk_create sends no signals (scoping.py)
        StudentProfile.objects.bulk_create(
            [
                StudentProfile(
                    user=u,
                    school=school,
                    pseudonym=f"学生{school.code[-3:]}-{i + 1:03d}",
                    grade=first_grade,
                    class_label=f"{i // 30 + 1}班",
                    is_synthetic=True,
                )
                for i, u in enumerate(created)
            ]
        )
        students += len(new_users)
    return PeopleReport(accounts=accounts, teachers=teachers + 1, students=students + 1)
