"""Per condition and format, how many approaches offered in that format have public evidence for it.

The browse page counts, for each listed condition, the approaches that pass the other filters; with one
format as the only other filter, that count is this table's (docs/performance.md). Kept like ConditionStats
(0007): the condition refresh, which every trigger there already calls with the conditions a statement
touched, now rewrites these rows too, under the same row locks; and a change to an approach's formats
refreshes the conditions its links name.
"""
import django.db.models.deletion
from django.db import migrations, models

# The condition refresh as 0007 created it (restated here: a migration stands alone), and below the same
# refresh with the per-format rows added; rows for a format with no approaches are left out (0).
CONDITION_REFRESH_BODY = """CREATE OR REPLACE FUNCTION therapies_refresh_condition_stats(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM therapies_conditionstats WHERE condition_id = ANY(ids) ORDER BY condition_id FOR UPDATE;
    DELETE FROM therapies_conditionstats stats WHERE stats.condition_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM therapies_condition c WHERE c.id = stats.condition_id);
    INSERT INTO therapies_conditionstats (condition_id, approach_count)
    SELECT c.id, count(DISTINCT l.approach_id)
    FROM therapies_condition c
    LEFT JOIN (therapies_evidencelink l JOIN therapies_approach a ON a.id = l.approach_id AND a.status = 'published')
        ON l.condition_id = c.id AND l.status = 'published' AND c.status = 'published'
    WHERE c.id = ANY(ids)
    GROUP BY c.id
    ON CONFLICT (condition_id) DO UPDATE SET approach_count = EXCLUDED.approach_count
    WHERE therapies_conditionstats.approach_count IS DISTINCT FROM EXCLUDED.approach_count;
"""
CONDITION_REFRESH_0007 = CONDITION_REFRESH_BODY + "$$;\n"
PER_FORMAT_ROWS = """    DELETE FROM therapies_conditionformatstats WHERE condition_id = ANY(ids);
    INSERT INTO therapies_conditionformatstats (condition_id, format_id, approach_count)
    SELECT l.condition_id, f.format_id, count(DISTINCT l.approach_id)
    FROM therapies_evidencelink l
    JOIN therapies_condition c ON c.id = l.condition_id AND c.status = 'published'
    JOIN therapies_approach a ON a.id = l.approach_id AND a.status = 'published'
    JOIN therapies_approach_formats f ON f.approach_id = l.approach_id
    WHERE l.condition_id = ANY(ids) AND l.status = 'published'
    GROUP BY l.condition_id, f.format_id
    ON CONFLICT (condition_id, format_id) DO UPDATE SET approach_count = EXCLUDED.approach_count;
"""

REFRESH = "\n" + CONDITION_REFRESH_BODY + PER_FORMAT_ROWS + "$$;\n" + """
CREATE FUNCTION therapies_approach_formats_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approaches bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT approach_id) INTO approaches FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT approach_id) INTO approaches FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT changed.approach_id) INTO approaches
        FROM (SELECT approach_id FROM new_rows UNION SELECT approach_id FROM old_rows) AS changed;
    END IF;
    IF approaches IS NOT NULL THEN  -- approaches first, like every other refresh (lock order)
        PERFORM therapies_refresh_approach_stats(approaches);
        PERFORM therapies_refresh_condition_stats(ARRAY(
            SELECT DISTINCT condition_id FROM therapies_evidencelink WHERE approach_id = ANY(approaches)
        ));
    END IF;
    RETURN NULL;
END;
$$;
""" + "".join(
    f"CREATE TRIGGER therapies_approach_formats_stats_{event} AFTER {event.upper()} ON therapies_approach_formats "
    f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION therapies_approach_formats_stats();\n"
    for event, transition in (("insert", "NEW TABLE AS new_rows"), ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                              ("delete", "OLD TABLE AS old_rows"))
) + """
SELECT therapies_refresh_condition_stats(ARRAY(SELECT id FROM therapies_condition));
"""

# Back to 0007's refresh.
UNDO = """
DROP TRIGGER IF EXISTS therapies_approach_formats_stats_insert ON therapies_approach_formats;
DROP TRIGGER IF EXISTS therapies_approach_formats_stats_update ON therapies_approach_formats;
DROP TRIGGER IF EXISTS therapies_approach_formats_stats_delete ON therapies_approach_formats;
DROP FUNCTION IF EXISTS therapies_approach_formats_stats();
""" + CONDITION_REFRESH_0007


class Migration(migrations.Migration):

    dependencies = [
        ('therapies', '0010_home_category_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConditionFormatStats',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('approach_count', models.IntegerField()),
                ('condition', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='format_stats', to='therapies.condition')),
                ('format', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='therapies.format')),
            ],
            options={
                'verbose_name_plural': 'condition format stats',
                'constraints': [models.UniqueConstraint(fields=('condition', 'format'), name='therapies_conditionformatstats_unique')],
            },
        ),
        migrations.RunSQL(REFRESH, UNDO),
    ]
