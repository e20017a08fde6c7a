import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('therapies', '0011_condition_format_stats'),
    ]

    operations = [
        migrations.CreateModel(
            name='QuestionToAsk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('version', models.PositiveIntegerField(default=1, editable=False, help_text='Goes up by one on every save; an edit based on an older one is refused.')),
                ('text', models.CharField(help_text="One question in the reader's own words, e.g. “How long is the wait to start?”", max_length=200)),
                ('position', models.PositiveSmallIntegerField(default=0, help_text='Order on the summary, lowest first.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('published', 'Published'), ('archived', 'Archived')], default='draft', help_text='Only published questions are printed. Keep each list short: a summary fits on two pages.', max_length=20)),
                ('approach', models.ForeignKey(blank=True, help_text='Leave blank for a general question, printed once for every summary.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='therapies.approach')),
            ],
            options={
                'verbose_name': 'question to ask',
                'verbose_name_plural': 'questions to ask',
                'ordering': ['position', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='therapies_questiontoask_text_not_blank')],
            },
        ),
    ]
