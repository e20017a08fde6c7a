
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import therapies.search.vectors
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('therapies', '0002_published_link_requires_source'),
    ]

    operations = [
        # array_to_string is only STABLE; generated columns need IMMUTABLE. Joining text with a
        # space is immutable in fact, so this wrapper declares it.
        migrations.RunSQL(
            "CREATE FUNCTION therapies_array_text(text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
            "AS $$ SELECT array_to_string($1, ' ') $$;",
            "DROP FUNCTION IF EXISTS therapies_array_text(text[]);",
        ),
        migrations.AddField(
            model_name='approach',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('name', 'abbreviation', therapies.search.vectors.ArrayText('other_names'), config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('summary', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector('session_description', config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddField(
            model_name='condition',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('name', therapies.search.vectors.ArrayText('other_names'), config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector('summary', config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='approach',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='therapies_approach_search_idx'),
        ),
        migrations.AddIndex(
            model_name='condition',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='therapies_condition_search_idx'),
        ),
    ]
