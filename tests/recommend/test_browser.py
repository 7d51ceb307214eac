"""The student's learning-path flow in a real browser: the real server (``educloud demo`` in a fresh
home) and Debian's Chromium. A demo student opens 为你推荐, plans a path, studies the current step's
resource, practises its items (answers looked up in the shipped item bank by stem), sees mastery
rise, and the path advances to the next step."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS
ITEMS = Path(__file__).resolve().parents[2] / "src/educloud/learning/data/items_junior.csv"


def _answers() -> dict[str, tuple[str, str]]:
    with ITEMS.open(encoding="utf-8") as f:
        return {row["题干"]: (row["题型"], row["答案"]) for row in csv.DictReader(f)}


def test_student_follows_a_learning_path(server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    answers = _answers()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/login/")
    page.get_by_label("用户名").fill("student")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")

    page.get_by_role("link", name="推荐与学习路径").click()
    reasons = page.get_by_test_id("rec-reason").all_inner_texts()
    assert any("掌握度" in r for r in reasons), reasons
    page.get_by_test_id("link-paths").click()
    page.get_by_test_id("target-select").select_option("MJ-24")
    page.get_by_role("button", name="规划路径").click()
    page.wait_for_selector("[data-testid=current-step]")
    page.screenshot(path=str(tmp_path / "path.png"), full_page=True)
    first = page.get_by_test_id("current-point").inner_text()
    first_code = page.locator("[data-testid=path-steps] li").first.get_attribute("data-code")
    done_before = int(re.search(r"已完成 (\d+)", page.get_by_test_id("path-progress").inner_text()).group(1))

    # Study the step's resource: the library page opens, then "学完了" records the completion.
    resource = page.get_by_test_id("step-resources").get_by_role("link").first
    href = resource.get_attribute("href")
    page.goto(server + href)
    assert page.locator("h1").count() == 1
    page.go_back()
    page.get_by_test_id("study").first.click()
    assert "已记录学习完成" in page.locator(".flash").first.inner_text()

    masteries = [float(page.get_by_test_id("current-mastery").inner_text())]
    for _ in range(12):
        if (
            page.get_by_test_id("path-complete").count()
            or page.get_by_test_id("current-point").inner_text() != first
        ):
            break
        form = page.get_by_test_id("practice-item")
        kind, answer = answers[form.locator(".stem").inner_text().strip()]
        if kind in ("单选", "多选"):
            for letter in answer:
                form.locator(f"input[value='{letter}']").check()
        elif kind == "判断":
            form.locator(f"input[value='{answer}']").check()
        else:
            page.get_by_test_id("fill-answer").fill(answer.split("|")[0])
        page.get_by_role("button", name="提交答案").click()
        flash = page.locator(".flash").first.inner_text()
        assert "回答正确" in flash, flash
        after = float(re.search(r"→ ([\d.]+)", flash).group(1))
        assert after >= masteries[-1]
        masteries.append(after)
    assert masteries[-1] > masteries[0]  # mastery rose
    assert page.get_by_test_id("current-point").inner_text() != first  # the path advanced
    done_after = int(re.search(r"已完成 (\d+)", page.get_by_test_id("path-progress").inner_text()).group(1))
    assert done_after > done_before
    codes = [li.get_attribute("data-code") for li in page.locator("[data-testid=path-steps] li").all()]
    assert first_code not in codes
    page.screenshot(path=str(tmp_path / "path-advanced.png"), full_page=True)
    assert errors == []
