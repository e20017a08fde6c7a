"""The curators' rights over questions to ask, and a first short list of general questions.

Editors write questions (drafts, sent to review) and Reviewers also publish and delete them, as for other
curated records (0005_roles). The general questions are about the process of therapy, not medical facts;
questions about one approach are left to editors. Reversing removes the questions this migration added.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = ["add_questiontoask", "change_questiontoask", "view_questiontoask"]
REVIEWERS = EDITORS + ["delete_questiontoask"]
# In the order a reader meets them: getting started, the format, the sessions, progress, what if not.
GENERAL_QUESTIONS = [
    "How long would I wait to start, and is there anything I can do while I wait?",
    "Can I have it one-to-one, in a group or online, and can I choose?",
    "How many sessions would I have, how often, and how long is each one?",
    "How will we know whether it is helping? How will my progress be measured?",
    "What happens if it does not help, or if I feel worse for a while?",
    "Who would I see, and what training do they have in this approach?",
]


def add_permissions_and_questions(apps, schema_editor) -> None:
    # Permissions are normally created after all migrations; create ours now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in {"Editors": EDITORS, "Reviewers": REVIEWERS}.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*Permission.objects.filter(content_type__app_label="therapies", codename__in=codenames))
    QuestionToAsk = apps.get_model("therapies", "QuestionToAsk")
    QuestionToAsk.objects.bulk_create(
        QuestionToAsk(text=text, position=(index + 1) * 10, status="published")
        for index, text in enumerate(GENERAL_QUESTIONS)
    )


def remove_questions(apps, schema_editor) -> None:
    apps.get_model("therapies", "QuestionToAsk").objects.filter(approach=None, text__in=GENERAL_QUESTIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("therapies", "0012_questiontoask"),
        ("therapies", "0005_roles"),
    ]
    operations = [migrations.RunPython(add_permissions_and_questions, remove_questions)]
