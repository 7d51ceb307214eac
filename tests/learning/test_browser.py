"""Mastery pages in a real browser, for the three audiences: a student, a teacher, a bureau.

Starts the real server (``educloud demo`` in a fresh home, the fixture of tests/browser.py)
and drives Debian's Chromium through it.
"""

from __future__ import annotations

import re

from educloud.accounts.api import DEMO_PASSWORD
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _page(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")
    return page, errors


def test_student_sees_the_mastery_map_and_practises(server, browser, tmp_path):
    page, errors = _page(browser, server, "student")
    page.get_by_role("link", name="学习与测评").click()
    page.get_by_role("link", name="我的知识掌握图谱").click()
    page.wait_for_selector("#mastery-graph canvas", timeout=10_000)
    assert page.get_by_test_id("weakest").locator("tbody tr").count() == 5
    page.screenshot(path=str(tmp_path / "student-map.png"))
    page.get_by_test_id("start-practice").click()
    item = page.get_by_test_id("practice-item")
    assert "最薄弱" in page.get_by_test_id("practice-reason").inner_text()
    # Answer whatever was offered (first option, "对", or a fill-in), then see the feedback.
    if item.locator("input[type=radio], input[type=checkbox]").count():
        item.locator("input[type=radio], input[type=checkbox]").first.check()
    else:
        page.get_by_test_id("fill-answer").fill("1")
    page.get_by_role("button", name="提交答案").click()
    feedback = page.locator(".flash").first.inner_text()
    assert re.search(r"回答(正确|错误).*掌握程度：.+% → \d+%", feedback), feedback
    assert errors == []


def test_teacher_sees_the_class_heatmap_with_remediation(server, browser, tmp_path):
    page, errors = _page(browser, server, "teacher")
    page.goto(server + "/learning/")
    page.get_by_role("link", name="查看班级知识掌握热力图").click()
    page.get_by_test_id("class-list").get_by_role("link", name="查看热力图").first.click()
    page.wait_for_selector("#class-heatmap canvas", timeout=10_000)
    remediation = page.get_by_test_id("remediation").inner_text()
    assert "全班平均掌握" in remediation
    assert "个人信息访问日志" in page.content()
    means = page.get_by_test_id("heatmap-table").locator("tbody tr td:nth-child(2)").all_inner_texts()
    practised = [int(m.rstrip("%")) for m in means if m.endswith("%")]
    assert practised and practised == sorted(practised)  # weakest first
    page.screenshot(path=str(tmp_path / "class-heatmap.png"), full_page=True)
    assert errors == []


def test_bureau_sees_aggregates_only(server, browser, tmp_path):
    page, errors = _page(browser, server, "yongchuan_bureau")
    page.goto(server + "/learning/")
    assert page.get_by_test_id("card-classes").count() == 0
    page.get_by_role("link", name="各校知识点掌握比例").click()
    page.wait_for_selector("#overview-chart canvas", timeout=10_000)
    table = page.get_by_test_id("aggregate-table").inner_text()
    assert "永川区" in table and "%" in table
    assert "学生A001" not in page.content() and "学生001-" not in page.content()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    response = page.goto(server + "/learning/classes/")
    assert "您没有可查看的班级" in page.content() and response.status == 200
    assert errors == []


# ---------------------------------------------------------------- stored XSS through chart tooltips
# A county bureau imports a knowledge point whose name is HTML. ECharts renders tooltip strings as
# HTML, so unless the name is escaped it becomes an <img> whose onerror runs in every student's,
# teacher's and bureau's browser (issue #11, item 1). Runs last in this module: it renames a point.

PAYLOAD = "有理数<img src=x onerror=alert(1)>"

_TOOLTIP_SHOWS_PAYLOAD_AS_TEXT = """(args) => {
  const [id, text] = args;
  return [...document.querySelectorAll('#' + id + ' div')].some(d => d.textContent.includes(text)
      && getComputedStyle(d).display !== 'none' && d.children.length < 20);
}"""
_NO_INJECTED_IMG = "document.querySelectorAll('img[src=\"x\"]').length === 0"


def _import_renamed_point(browser, base: str, code: str) -> None:  # type: ignore[no-untyped-def]
    """As the county bureau, through the page's real import form: point ``code`` renamed PAYLOAD."""
    import csv
    import io

    page, errors = _page(browser, base, "yongchuan_bureau")
    exported = page.request.get(base + "/learning/graphs/export.csv").text().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported)))
    row = next(r for r in rows if r["编码"] == code)
    row["名称"] = PAYLOAD
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerow(row)
    page.goto(base + "/learning/graphs/")
    page.locator("input[name=file]").set_input_files(
        {"name": "graph.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}
    )
    page.get_by_role("button", name="导入", exact=True).click()
    assert "导入成功" in page.get_by_test_id("import-report").inner_text()
    assert errors == []
    page.context.close()


def _watch(page):  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def _show_tip(page, chart_id: str, data_index: int) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        "([id, i]) => echarts.getInstanceByDom(document.getElementById(id))"
        ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: i})",
        [chart_id, data_index],
    )


def test_an_imported_knowledge_point_name_shows_as_text_in_every_tooltip(server, browser):
    student, errors = _page(browser, server, "student")
    student.goto(server + "/learning/me/")
    code = student.evaluate("JSON.parse(document.getElementById('graph-data').textContent).nodes[0].code")
    _import_renamed_point(browser, server, code)

    # The student hovers the point on the mastery map: the tooltip shows the name as text.
    dialogs = _watch(student)
    student.goto(server + "/learning/me/")
    student.wait_for_selector("#mastery-graph canvas", timeout=10_000)
    x, y = student.evaluate(
        """(code) => {
          const el = document.getElementById('mastery-graph'), chart = echarts.getInstanceByDom(el);
          const node = chart.getOption().series[0].data.find(n => n.code === code);
          const [px, py] = chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
          const box = el.getBoundingClientRect();
          return [box.left + px, box.top + py];
        }""",
        code,
    )
    student.mouse.move(x, y)
    student.wait_for_function(_TOOLTIP_SHOWS_PAYLOAD_AS_TEXT, arg=["mastery-graph", PAYLOAD], timeout=5_000)
    assert student.evaluate(_NO_INJECTED_IMG)
    assert dialogs == [] and errors == []

    # The teacher's class heatmap: the point is a row; its cells' tooltips name it.
    teacher, errors = _page(browser, server, "teacher")
    dialogs = _watch(teacher)
    teacher.goto(server + "/learning/classes/")
    teacher.get_by_test_id("class-list").get_by_role("link", name="查看热力图").first.click()
    teacher.wait_for_selector("#class-heatmap canvas", timeout=10_000)
    cell = teacher.evaluate(
        """(name) => {
          const heat = JSON.parse(document.getElementById('heatmap-data').textContent);
          const row = heat.points.indexOf(name);
          return heat.cells.findIndex(c => c[1] === row);
        }""",
        PAYLOAD,
    )
    assert cell >= 0
    _show_tip(teacher, "class-heatmap", cell)
    teacher.wait_for_function(_TOOLTIP_SHOWS_PAYLOAD_AS_TEXT, arg=["class-heatmap", PAYLOAD], timeout=5_000)
    assert teacher.evaluate(_NO_INJECTED_IMG)
    assert dialogs == [] and errors == []

    # The bureau's overview bar chart (ECharts' own axis tooltip).
    bureau, errors = _page(browser, server, "yongchuan_bureau")
    dialogs = _watch(bureau)
    bureau.goto(server + "/learning/overview/")
    bureau.wait_for_selector("#overview-chart canvas", timeout=10_000)
    bar = bureau.evaluate(
        "(name) => JSON.parse(document.getElementById('overview-data').textContent).points.indexOf(name)",
        PAYLOAD,
    )
    assert bar >= 0
    _show_tip(bureau, "overview-chart", bar)
    bureau.wait_for_function(_TOOLTIP_SHOWS_PAYLOAD_AS_TEXT, arg=["overview-chart", PAYLOAD], timeout=5_000)
    assert bureau.evaluate(_NO_INJECTED_IMG)
    assert dialogs == [] and errors == []
