import pytest


@pytest.mark.django_db
def test_home_page_in_chinese_for_staff(cast, login):
    response = login(cast.office_staff).get("/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
