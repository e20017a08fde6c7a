"""The two curator roles, as groups holding exactly the permissions they need.

Editors write drafts and propose changes; Reviewers can also publish, unpublish, approve others'
proposals (`therapies.review`), delete, and import the catalog. Superusers manage accounts.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ["approach", "condition", "evidencelink", "sourcerating", "source"]
EDITORS = (
    [f"{action}_{model}" for model in CURATED for action in ("add", "change", "view")]
    + ["view_format", "view_catalogimport", "view_revision", "view_pendingchange"]
    + ["view_readerreport", "change_readerreport"]
)
REVIEWERS = EDITORS + [f"delete_{model}" for model in CURATED] + [
    "add_format", "change_format", "change_pendingchange", "review",
]
ROLES = {"Editors": EDITORS, "Reviewers": REVIEWERS}


def create_roles(apps, schema_editor) -> None:
    # Permissions are normally created after all migrations; create ours now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="therapies", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("therapies", "0004_curation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
