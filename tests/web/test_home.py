import pytest

pytestmark = pytest.mark.django_db


def test_the_login_page_is_in_indonesian_by_default(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert response.headers["Content-Language"] == "id"
    assert "Masuk ke Sejahtera" in response.content.decode()


def test_the_interface_can_be_switched_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/")
    assert response.headers["Content-Language"] == "en"
    assert "Log in to Sejahtera" in response.content.decode()


def test_logging_in_with_a_wrong_password_says_so(client, make_user):
    user = make_user("village_operator", "3201011002")
    response = client.post("/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_admin_login_page_works(client):
    assert client.get("/admin/login/").status_code == 200
