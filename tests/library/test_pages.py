"""The Chinese HTML pages: browse, search, resource, forms, inboxes, collections, dashboard."""

from __future__ import annotations

import json
import re

import pytest

from educloud.library.models import AccessRequest, Resource

from .conftest import PDF, upload

pytestmark = pytest.mark.django_db


def test_nav_links_to_the_library(client):
    assert 'href="/library/"' in client.get("/").content.decode()


def test_browse_with_facets_and_the_synthetic_label(client):
    page = client.get("/library/").content.decode()
    assert "成渝共享资源库" in page and "学科" in page and "合成数据" in page
    assert "未登录仅显示公开资源" in page
    filtered = client.get("/library/?subject=physics&province_code=500000").content.decode()
    count = int(re.search(r"共 (\d+) 条", filtered).group(1))
    assert (
        count
        == Resource.objects.filter(
            status="published", visibility="public", subject="physics", province_code="500000"
        ).count()
    )


def test_search_box_returns_highlighted_results_and_htmx_partials(client):
    page = client.get("/library/?q=勾股定理").content.decode()
    assert "与“勾股定理”相关" in page
    partial = client.get("/library/?q=勾股定理", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "勾股定理" in partial


def test_bad_facet_in_the_page_is_a_chinese_error(client):
    response = client.get("/library/?subject=alchemy")
    assert response.status_code == 400 and "alchemy" in response.content.decode()


def test_suggestions(client):
    html = client.get("/library/suggest/?q=勾股").content.decode()
    assert "<datalist" in html and "勾股" in html
    assert "<option" not in client.get("/library/suggest/?q=").content.decode()


def test_resource_page_previews_and_records_a_view(client, make_resource):
    resource = make_resource(status="published")
    page = client.get(f"/library/r/{resource.pk}/").content.decode()
    assert resource.title in page and 'data-testid="preview-pdf"' in page and "评价" in page
    resource.refresh_from_db()
    assert resource.view_count == 1


def test_demo_videos_are_real_playable_mp4s(client):
    video = Resource.objects.filter(
        is_synthetic=True, type="video", status="published", visibility="public"
    ).first()
    blob = video.versions.get().blob
    assert (blob.kind, blob.content_type) == ("mp4", "video/mp4") and blob.size < 20_000
    page = client.get(f"/library/r/{video.pk}/").content.decode()
    assert 'data-testid="preview-video"' in page  # served and played: test_browser.py


def test_restricted_resource_page_offers_an_access_request(login, make_resource):
    resource = make_resource(status="published", visibility="school", license="school_only")
    client = login("jintang_bureau")
    response = client.get(f"/library/r/{resource.pk}/")
    page = response.content.decode()
    # The same 404 as for a missing id, nothing of the resource shown (test_restricted.py); the form stays.
    assert response.status_code == 404 and "申请访问" in page and resource.title not in page
    response = client.post(f"/library/r/{resource.pk}/request/", {"message": "教研"})
    assert response.status_code == 302
    assert AccessRequest.objects.filter(resource=resource, status="pending").exists()
    inbox = login("teacher").get("/library/requests/").content.decode()
    assert resource.title in inbox and "同意" in inbox


def test_upload_form_submit_and_approve_by_pages(login):
    client = login("teacher")
    assert "上传资源" in client.get("/library/new/").content.decode()
    response = client.post(
        "/library/new/",
        {
            "title": "永川区五年级科学《简单电路》实验讲义",
            "description": "实验步骤与安全提示",
            "type": "document",
            "subject": "science",
            "stage": "primary",
            "grade": "g5",
            "license": "cc-by-nc",
            "visibility": "circle",
            "tags": "简单电路，串联",
            "file": upload("讲义.pdf", PDF),
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(title="永川区五年级科学《简单电路》实验讲义")
    assert resource.tags == ["简单电路", "串联"] and resource.versions.count() == 1
    client.post(f"/library/r/{resource.pk}/submit/")
    assert resource.title in login("school_admin").get("/library/review/").content.decode()
    login("school_admin").post(f"/library/r/{resource.pk}/approve/", {"next": "/library/review/"})
    resource.refresh_from_db()
    assert resource.status == "published"
    assert resource.title in login("teacher").get("/library/mine/").content.decode()


def test_edit_page_is_for_the_owner(login, make_resource):
    resource = make_resource()
    assert login("teacher").get(f"/library/r/{resource.pk}/edit/").status_code == 200
    assert login("school_admin").get(f"/library/r/{resource.pk}/edit/").status_code == 403


def test_rating_form_and_favourite(login, make_resource):
    resource = make_resource(status="published")
    client = login("student")
    client.post(f"/library/r/{resource.pk}/rate/", {"value": "5", "review": "非常清楚"})
    client.post(f"/library/r/{resource.pk}/favourite/")
    page = client.get(f"/library/r/{resource.pk}/").content.decode()
    assert "非常清楚" in page and "取消收藏" in page
    bad = client.post(f"/library/r/{resource.pk}/rate/", {"value": "9"}, follow=True).content.decode()
    assert "1 到 5" in bad


def test_collections_pages(client):
    page = client.get("/library/collections/").content.decode()
    assert "重庆名校公开课" in page
    from educloud.library.models import Collection

    collection = Collection.objects.get(title="重庆名校公开课")
    assert "重庆市教委" in client.get(f"/library/collections/{collection.pk}/").content.decode()


def test_curator_removes_a_resource_from_a_collection(login, make_resource):
    from educloud.library import services

    resource = make_resource(status="published")
    curator = bureau_user("cq_bureau")
    collection = services.collection_create(actor=curator, title="乡村课堂", kind="topic")
    services.collection_add(actor=curator, collection_id=collection.pk, resource_id=resource.pk)
    bureau = login("cq_bureau")
    remove_url = f"/library/collections/{collection.pk}/remove/{resource.pk}/"
    page = bureau.get(f"/library/collections/{collection.pk}/").content.decode()
    assert resource.title in page and remove_url in page
    # Another bureau sees the collection but neither the button nor the right to remove.
    other = login("sc_bureau")
    assert remove_url not in other.get(f"/library/collections/{collection.pk}/").content.decode()
    assert other.post(remove_url).status_code == 403
    assert collection.items.filter(resource=resource).exists()
    done = login("cq_bureau").post(remove_url, follow=True).content.decode()
    assert "已从合集中移除" in done and not collection.items.filter(resource=resource).exists()
    again = login("cq_bureau").post(remove_url, follow=True).content.decode()
    assert "该资源不在合集中" in again


def bureau_user(username: str):  # type: ignore[no-untyped-def]
    from educloud.accounts.api import User

    return User.objects.get(username=username)


def test_sharing_dashboard_is_for_bureaus_and_passes_data_as_json(login):
    assert login("teacher").get("/library/sharing/").status_code == 403
    page = login("joint_office").get("/library/sharing/").content.decode()
    assert "四川用户使用重庆资源" in page and "vendor/echarts.min.js" in page
    data = json.loads(
        re.search(r'<script id="sharing-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert len(data["months"]) >= 10 and sum(data["sc_to_cq"]) > 0 and sum(data["cq_to_sc"]) > 0


def test_pages_that_need_login_redirect(client):
    for url in (
        "/library/new/",
        "/library/mine/",
        "/library/review/",
        "/library/requests/",
        "/library/sharing/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_action_redirects_stay_on_this_site(login, make_resource):
    resource = make_resource(status="published")
    response = login("student").post(f"/library/r/{resource.pk}/favourite/", {"next": "//evil.example/x"})
    assert response.status_code == 302 and response["Location"] == f"/library/r/{resource.pk}/"
