from relief.demo import ACCOUNTS


def test_login_page_renders_in_chinese(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_every_demo_role_reaches_its_home_page(client, demo):
    for account in ACCOUNTS:
        client.force_login(demo.user(account.username))
        response = client.get("/")
        assert response.status_code == 200, account.username
        assert account.role in response.content.decode()
