from __future__ import annotations

import pytest
from django.test import Client

from educloud.accounts.api import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_home_shows_the_circle_and_the_synthetic_banner(client):
    page = client.get("/").content.decode()
    assert "成渝智慧教育云" in page and "合成的虚构数据" in page
    assert "开州区" in page and "云阳县" in page and "142" in page
    assert "vendor/echarts.min.js" in page


def test_county_page_and_unknown_county(client):
    assert "永川区" in client.get("/counties/500118/").content.decode()
    response = client.get("/counties/999999/")
    assert response.status_code == 404 and "不在成渝地区双城经济圈成员区县中" in response.content.decode()


def test_unknown_url_gets_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_school_page_requires_login(client):
    response = client.get("/schools/anything/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_login_and_logout():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/login/", {"username": "yongchuan_bureau", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "我的工作范围" in home and "永川区" in home


def test_wrong_password_locks_out_after_five_tries_and_even_the_right_one_is_refused(client):
    for _ in range(4):
        response = client.post("/login/", {"username": "jintang_bureau", "password": "wrong"})
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = client.post("/login/", {"username": "jintang_bureau", "password": "wrong"})
    assert response.status_code == 429 and "已被锁定" in response.content.decode()
    response = client.post("/login/", {"username": "jintang_bureau", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "yongchuan_bureau", "password": DEMO_PASSWORD})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/", "/library/", "/equity/", "/search/", "/learning/", "/login/"])
def test_pages_load_no_asset_from_another_host(client, path):
    import re

    response = client.get(path, follow=True)  # pages for members only redirect to the login page
    assert response.status_code == 200
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', response.content.decode())
    assert all(a.startswith("/") for a in assets), assets
