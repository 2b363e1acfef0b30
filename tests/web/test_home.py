import pytest

pytestmark = pytest.mark.django_db


def test_landing_page_is_in_indonesian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "id"
    assert 'lang="id"' in response.content.decode()


def test_landing_page_can_be_switched_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"
    assert "persons without NIK" in response.content.decode()


def test_admin_login_page_works(client):
    assert client.get("/admin/login/").status_code == 200
