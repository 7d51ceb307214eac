"""Issue #11 item 5: after approval, changes that widen the audience or replace what a published
resource shows go back through review; the approved state stays live until then. Narrowing the
visibility applies at once."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from educloud.library import services
from educloud.library.models import Resource, ResourceVersion

from .conftest import MP4, PNG, TXT, upload, user

pytestmark = pytest.mark.django_db

OLD = "人教版八年级数学《勾股定理》课件"
NEW = "【改】勾股定理课件（新版）"


def _api(resource: Resource, client: Client | None = None) -> dict:
    response = (client or Client()).get(f"/api/v1/library/resources/{resource.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def _search_titles(query: str) -> list[str]:
    body = Client().get(f"/api/v1/library/resources?q={query}&page_size=100").json()
    return [item["title"] for item in body["items"]]


def test_a_new_title_and_description_wait_for_review_through_the_api(login, make_resource):
    resource = make_resource(status="published", visibility="public")
    teacher = login("teacher")
    changed = teacher.patch(
        f"/api/v1/library/resources/{resource.pk}",
        {"title": NEW, "description": "新的简介"},
        content_type="application/json",
    ).json()
    assert changed["title"] == OLD and changed["status"] == "published"
    assert changed["change_under_review"] is True
    assert changed["pending_changes"] == {"title": NEW, "description": "新的简介"}
    # Anonymous callers see the approved title, and nothing of what is pending.
    seen = _api(resource)
    assert seen["title"] == OLD and seen["pending_changes"] == {} and seen["change_under_review"] is False
    page = Client().get(f"/library/r/{resource.pk}/").content.decode()
    assert OLD in page and NEW not in page and "新的简介" not in page
    assert NEW not in _search_titles("勾股定理课件")
    # The owner's pages show the held change; the reviewer's inbox lists it.
    assert NEW in teacher.get(f"/library/r/{resource.pk}/").content.decode()
    assert "修改待审核" in teacher.get("/library/mine/").content.decode()
    inbox = login("school_admin").get("/library/review/").content.decode()
    assert f"/library/r/{resource.pk}/" in inbox and "已发布资源的修改" in inbox
    # Approval makes it live.
    approved = login("school_admin").post(
        f"/api/v1/library/resources/{resource.pk}/approve", {"note": "可以"}, content_type="application/json"
    )
    assert approved.status_code == 200
    seen = _api(resource)
    assert seen["title"] == NEW and seen["description"] == "新的简介"
    assert NEW in Client().get(f"/library/r/{resource.pk}/").content.decode()
    assert NEW in _search_titles("勾股定理课件")


def test_the_owner_cannot_approve_and_a_rejection_keeps_the_approved_state(login, make_resource):
    resource = make_resource(status="published", visibility="public")
    teacher = login("teacher")
    teacher.patch(f"/api/v1/library/resources/{resource.pk}", {"title": NEW}, content_type="application/json")
    own = teacher.post(
        f"/api/v1/library/resources/{resource.pk}/approve", {}, content_type="application/json"
    )
    assert own.status_code == 403
    rejected = login("school_admin").post(
        f"/api/v1/library/resources/{resource.pk}/reject",
        {"note": "标题不规范"},
        content_type="application/json",
    ).json()
    assert rejected["status"] == "published" and rejected["title"] == OLD
    resource.refresh_from_db()
    assert resource.pending_changes == {} and not resource.change_under_review
    assert _api(resource)["title"] == OLD
    again = login("school_admin").post(
        f"/api/v1/library/resources/{resource.pk}/approve", {}, content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["field"] == "status"


def test_widening_the_visibility_waits_for_review(login, make_resource):
    resource = make_resource(status="published", visibility="school")
    teacher = login("teacher")
    changed = teacher.patch(
        f"/api/v1/library/resources/{resource.pk}", {"visibility": "public"}, content_type="application/json"
    ).json()
    assert changed["visibility"] == "school" and changed["pending_changes"] == {"visibility": "public"}
    assert Client().get(f"/api/v1/library/resources/{resource.pk}").status_code == 404
    assert Client().get(f"/library/r/{resource.pk}/").status_code == 404
    services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert _api(resource)["visibility"] == "public"


def test_narrowing_the_visibility_applies_at_once(login, make_resource):
    resource = make_resource(status="published", visibility="public")
    teacher = login("teacher")
    teacher.patch(f"/api/v1/library/resources/{resource.pk}", {"title": NEW}, content_type="application/json")
    changed = teacher.patch(
        f"/api/v1/library/resources/{resource.pk}", {"visibility": "county"}, content_type="application/json"
    ).json()
    assert changed["visibility"] == "county" and changed["pending_changes"] == {"title": NEW}
    assert Client().get(f"/api/v1/library/resources/{resource.pk}").status_code == 404
    # A held widening is dropped by a later narrowing; setting a field back drops its held change.
    teacher.patch(
        f"/api/v1/library/resources/{resource.pk}", {"visibility": "public"}, content_type="application/json"
    )
    teacher.patch(
        f"/api/v1/library/resources/{resource.pk}", {"visibility": "school"}, content_type="application/json"
    )
    back = teacher.patch(
        f"/api/v1/library/resources/{resource.pk}", {"title": OLD}, content_type="application/json"
    ).json()
    assert back["visibility"] == "school" and back["pending_changes"] == {}
    assert back["change_under_review"] is False


def test_a_new_file_waits_for_review_and_the_approved_file_stays_live(login, make_resource):
    resource = make_resource(status="published", visibility="public")
    teacher = login("teacher")
    done = teacher.post(
        f"/api/v1/library/resources/{resource.pk}/versions", {"file": upload("新版.mp4", MP4)}
    )
    assert done.status_code == 201 and done.json()["review"] == "pending"
    anonymous = Client()
    assert [v["number"] for v in _api(resource, anonymous)["versions"]] == [1]
    assert anonymous.get(f"/library/r/{resource.pk}/v/2/file").status_code == 404
    page = anonymous.get(f"/library/r/{resource.pk}/").content.decode()
    assert "新版.mp4" not in page and "/v/1/file" in page
    # Owner and reviewer see (and may fetch) the pending version.
    assert [v["number"] for v in _api(resource, teacher)["versions"]] == [2, 1]
    assert teacher.get(f"/library/r/{resource.pk}/v/2/file").status_code == 200
    reviewer = login("school_admin")
    assert reviewer.get(f"/library/r/{resource.pk}/v/2/file").status_code == 200
    assert 'data-testid="pending-change"' in reviewer.get(f"/library/r/{resource.pk}/").content.decode()
    services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert [v["number"] for v in _api(resource, Client())["versions"]] == [2, 1]
    assert Client().get(f"/library/r/{resource.pk}/v/2/file").status_code == 200


def test_a_rejected_file_stays_hidden_even_after_a_later_approval(make_resource):
    resource = make_resource(status="published", visibility="public")
    teacher, admin = user("teacher"), user("school_admin")
    services.version_upload(actor=teacher, resource_id=resource.pk, fileobj=io.BytesIO(TXT), filename="b.txt")
    services.resource_reject(actor=admin, resource_id=resource.pk, note="文件有误")
    services.resource_update(actor=teacher, resource_id=resource.pk, changes={"description": "补充说明"})
    services.resource_approve(actor=admin, resource_id=resource.pk)
    states = dict(resource.versions.values_list("number", "review"))
    assert states == {1: ResourceVersion.Review.APPROVED, 2: ResourceVersion.Review.REJECTED}
    assert [v["number"] for v in _api(resource)["versions"]] == [1]
    assert Client().get(f"/library/r/{resource.pk}/v/2/file").status_code == 404


def test_a_new_cover_waits_for_review(login, make_resource):
    resource = make_resource(status="published", visibility="public")
    done = login("teacher").post(
        f"/api/v1/library/resources/{resource.pk}/cover", {"file": upload("c.png", PNG)}
    )
    assert done.status_code == 200 and done.json()["cover_url"] is None
    assert Client().get(f"/library/r/{resource.pk}/cover").status_code == 400  # "该资源没有封面"
    services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert b"".join(Client().get(f"/library/r/{resource.pk}/cover").streaming_content) == PNG


def test_the_edit_page_holds_changes_and_the_review_page_approves_them(login, make_resource):
    resource = make_resource(status="published", visibility="school")
    teacher = login("teacher")
    form = {name: getattr(resource, name) for name in services.EDITABLE_FIELDS}
    form.update(title=NEW, visibility="public", tags="勾股定理，直角三角形", grade=resource.grade)
    saved = teacher.post(
        f"/library/r/{resource.pk}/edit/", {**form, "file": upload("新版.txt", TXT)}, follow=True
    )
    assert "需经审核" in saved.content.decode()
    resource.refresh_from_db()
    assert resource.title == OLD and resource.visibility == "school" and resource.change_under_review
    assert resource.pending_changes == {"title": NEW, "visibility": "public"}
    assert Client().get(f"/library/r/{resource.pk}/").status_code == 404  # still school only
    # The form shows what the owner proposed, so saving it again keeps the held change.
    assert NEW in teacher.get(f"/library/r/{resource.pk}/edit/").content.decode()
    reviewer = login("school_admin")
    page = reviewer.get(f"/library/r/{resource.pk}/").content.decode()
    assert NEW in page and 'data-testid="approve"' in page and "新版.txt" in page
    reviewer.post(f"/library/r/{resource.pk}/approve/", {"next": "/library/review/"})
    anonymous = Client().get(f"/library/r/{resource.pk}/").content.decode()
    assert NEW in anonymous and "新版.txt" in anonymous


def test_changes_before_the_first_approval_still_apply_directly(make_resource):
    resource = make_resource(status="draft", visibility="school")
    changed = services.resource_update(
        actor=user("teacher"), resource_id=resource.pk, changes={"title": NEW, "visibility": "public"}
    )
    assert changed.title == NEW and changed.visibility == "public" and changed.pending_changes == {}
    services.resource_submit(actor=user("teacher"), resource_id=resource.pk)
    services.resource_approve(actor=user("school_admin"), resource_id=resource.pk)
    assert _api(resource)["title"] == NEW
    assert resource.versions.get().review == ResourceVersion.Review.APPROVED


def test_a_pending_file_is_not_reported_as_a_duplicate_nor_in_oai(login, make_resource):
    held = make_resource(status="published", visibility="public")
    teacher = login("teacher")
    teacher.post(f"/api/v1/library/resources/{held.pk}/versions", {"file": upload("新版.mp4", MP4)})
    other = make_resource(data=None, title="同一段视频的另一个条目")
    body = teacher.post(
        f"/api/v1/library/resources/{other.pk}/versions", {"file": upload("video.mp4", MP4)}
    ).json()
    assert held.pk not in body["duplicate_of"]
    identifier = f"oai:educloud.local:{held.uid}"
    record = Client().get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}")
    assert "video/mp4" not in record.content.decode() and "application/pdf" in record.content.decode()
