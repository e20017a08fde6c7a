"""Admin sign-in: repeated failures lock the account out for a while; sessions expire; the URL can move."""
import importlib

import pytest
from django.conf import settings
from django.urls import clear_url_caches, reverse

pytestmark = pytest.mark.django_db


def test_sign_in_locks_out_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user("staff", password="the-right-password-123", is_staff=True)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "staff", "password": "wrong"})
        assert response.status_code == 200  # the usual "enter a correct username and password"
    response = client.post(url, {"username": "staff", "password": "wrong"})
    assert response.status_code == 429
    # Locked out: even the right password is refused during the cool-off.
    response = client.post(url, {"username": "staff", "password": "the-right-password-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_sign_in_works(client, django_user_model):
    django_user_model.objects.create_user("staff", password="the-right-password-123", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "staff", "password": "the-right-password-123"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_admin_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 24 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_admin_url_comes_from_a_setting(settings):
    import explorer.urls

    settings.ADMIN_URL = "curation-desk/"
    try:
        clear_url_caches()
        importlib.reload(explorer.urls)
        assert reverse("admin:index") == "/curation-desk/"
    finally:
        settings.ADMIN_URL = "admin/"
        importlib.reload(explorer.urls)
        clear_url_caches()
    assert reverse("admin:index") == "/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["username", "password", "next"])
def test_an_overlong_sign_in_field_is_refused_not_a_server_error(client, field):
    """Found by the form fuzzer: axes stored the posted name in a 255-character column."""
    data = {"username": "someone", "password": "wrong", field: "x" * 5000}
    response = client.post(reverse("admin:login"), data)
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode() or response.context["form"].errors


def test_behind_the_proxy_one_clients_wrong_passwords_lock_out_only_that_client(client, django_user_model):
    """Behind the TLS proxy every request comes from the proxy's address: the lockout keys on the client
    it names (X-Forwarded-For from a trusted proxy) together with the username."""
    django_user_model.objects.create_user("staff", password="the-right-password-123", is_staff=True)
    url = reverse("admin:login")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "staff", "password": "wrong"}, **proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    locked = client.post(url, {"username": "staff", "password": "the-right-password-123"}, **proxy,
                         HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert locked.status_code == 429
    editor = client.post(url, {"username": "staff", "password": "the-right-password-123"}, **proxy,
                         HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert editor.status_code == 302 and "_auth_user_id" in client.session


def test_an_untrusted_peer_cannot_dodge_the_lockout_with_x_forwarded_for(client, django_user_model):
    django_user_model.objects.create_user("staff", password="the-right-password-123", is_staff=True)
    url = reverse("admin:login")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "staff", "password": "wrong"}, REMOTE_ADDR="203.0.113.5",
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
    response = client.post(url, {"username": "staff", "password": "the-right-password-123"}, REMOTE_ADDR="203.0.113.5",
                           HTTP_X_FORWARDED_FOR="10.0.0.200")
    assert response.status_code == 429
