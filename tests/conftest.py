import pytest


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.fixture
def editor(django_user_model):
    """A staff member in the Editors group (created by migration 0005_roles)."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("edna", "edna@example.org", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("rita", "rita@example.org", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def second_reviewer(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("rob", "rob@example.org", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user
