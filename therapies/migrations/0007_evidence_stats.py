"""Evidence totals per approach and per condition, kept by Postgres itself.

Browse facets and the compare picker need "how many approaches have public evidence for each condition"
and "each approach's strongest level"; computed per request they read every link (100,000 at benchmark
scale 100). These tables hold the totals, and statement-level triggers on links, approaches and
conditions refresh exactly the rows a statement touched, inside the same transaction: a reader never sees
totals that disagree with the rows, whoever or whatever wrote them (admin, import, curation's
queryset.update(), raw SQL). Every approach and condition has one row, from its insert to its delete.
"Public" evidence: the link, its approach and its condition are all published.
"""

import django.db.models.deletion
from django.db import migrations, models


# Each refresh first locks the rows it will rewrite (in id order, approaches before conditions, so two
# refreshes cannot deadlock on them). A refresh that had to wait for another transaction's commit then
# counts with a fresh snapshot (these functions are VOLATILE: every statement takes a new one), so it
# includes that transaction's changes instead of overwriting them with totals from before its commit.
REFRESH = """
CREATE FUNCTION therapies_refresh_approach_stats(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM therapies_approachstats WHERE approach_id = ANY(ids) ORDER BY approach_id FOR UPDATE;
    DELETE FROM therapies_approachstats stats WHERE stats.approach_id = ANY(ids)
        AND NOT EXISTS (SELECT 1 FROM therapies_approach a WHERE a.id = stats.approach_id);
    INSERT INTO therapies_approachstats (approach_id, best_rank, condition_count, link_count)
    SELECT a.id, max(l.level_rank), count(DISTINCT l.condition_id), count(l.id)
    FROM therapies_approach a
    LEFT JOIN (therapies_evidencelink l JOIN therapies_condition c ON c.id = l.condition_id AND c.status = 'published')
        ON l.approach_id = a.id AND l.status = 'published' AND a.status = 'published'
    WHERE a.id = ANY(ids)
    GROUP BY a.id
    ON CONFLICT (approach_id) DO UPDATE SET
        best_rank = EXCLUDED.best_rank, condition_count = EXCLUDED.condition_count, link_count = EXCLUDED.link_count
    WHERE (therapies_approachstats.best_rank, therapies_approachstats.condition_count, therapies_approachstats.link_count)
        IS DISTINCT FROM (EXCLUDED.best_rank, EXCLUDED.condition_count, EXCLUDED.link_count);
$$;

CREATE FUNCTION therapies_refresh_condition_stats(ids bigint[]) RETURNS void LANGUAGE sql AS $$
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
$$;
"""

# Transition tables allow one event per trigger, so each table has one trigger per event, sharing a function.
TRIGGERS = """
CREATE FUNCTION therapies_evidencelink_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approaches bigint[];
    conditions bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT approach_id), array_agg(DISTINCT condition_id) INTO approaches, conditions
        FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT approach_id), array_agg(DISTINCT condition_id) INTO approaches, conditions
        FROM old_rows;
    ELSE  -- only rows whose status, level, approach or condition changed
        SELECT array_agg(DISTINCT changed.approach_id), array_agg(DISTINCT changed.condition_id)
        INTO approaches, conditions
        FROM new_rows n JOIN old_rows o ON o.id = n.id,
             LATERAL (VALUES (n.approach_id, n.condition_id), (o.approach_id, o.condition_id))
                 AS changed (approach_id, condition_id)
        WHERE (n.status, n.level_rank, n.approach_id, n.condition_id)
              IS DISTINCT FROM (o.status, o.level_rank, o.approach_id, o.condition_id);
    END IF;
    IF approaches IS NOT NULL THEN
        PERFORM therapies_refresh_approach_stats(approaches);
        PERFORM therapies_refresh_condition_stats(conditions);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION therapies_approach_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approaches bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO approaches FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(id) INTO approaches FROM old_rows;
    ELSE
        SELECT array_agg(n.id) INTO approaches FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status IS DISTINCT FROM o.status;
    END IF;
    IF approaches IS NOT NULL THEN
        PERFORM therapies_refresh_approach_stats(approaches);
        PERFORM therapies_refresh_condition_stats(ARRAY(
            SELECT DISTINCT condition_id FROM therapies_evidencelink WHERE approach_id = ANY(approaches)
        ));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION therapies_condition_stats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    conditions bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO conditions FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(id) INTO conditions FROM old_rows;
    ELSE
        SELECT array_agg(n.id) INTO conditions FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status IS DISTINCT FROM o.status;
    END IF;
    IF conditions IS NOT NULL THEN  -- approaches first, like every other refresh (lock order)
        PERFORM therapies_refresh_approach_stats(ARRAY(
            SELECT DISTINCT approach_id FROM therapies_evidencelink WHERE condition_id = ANY(conditions)
        ));
        PERFORM therapies_refresh_condition_stats(conditions);
    END IF;
    RETURN NULL;
END;
$$;
"""

TABLES = {"therapies_evidencelink": "therapies_evidencelink_stats", "therapies_approach": "therapies_approach_stats",
          "therapies_condition": "therapies_condition_stats"}
EVENTS = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
          "delete": "OLD TABLE AS old_rows"}

CREATE = REFRESH + TRIGGERS + "".join(
    f"CREATE TRIGGER {table}_stats_{event} AFTER {event.upper()} ON {table} REFERENCING {transition} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
    for table, function in TABLES.items() for event, transition in EVENTS.items()
) + """
SELECT therapies_refresh_approach_stats(ARRAY(SELECT id FROM therapies_approach));
SELECT therapies_refresh_condition_stats(ARRAY(SELECT id FROM therapies_condition));
"""

DROP = "".join(
    f"DROP TRIGGER IF EXISTS {table}_stats_{event} ON {table};\n" for table in TABLES for event in EVENTS
) + "".join(f"DROP FUNCTION IF EXISTS {function}();\n" for function in TABLES.values()) + """
DROP FUNCTION IF EXISTS therapies_refresh_approach_stats(bigint[]);
DROP FUNCTION IF EXISTS therapies_refresh_condition_stats(bigint[]);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('therapies', '0006_published_evidence_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApproachStats',
            fields=[
                ('approach', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='stats', serialize=False, to='therapies.approach')),
                ('best_rank', models.SmallIntegerField(null=True)),
                ('condition_count', models.IntegerField(default=0)),
                ('link_count', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name_plural': 'approach stats',
                'indexes': [models.Index(fields=['-link_count'], name='therapies_approachstats_links')],
            },
        ),
        migrations.CreateModel(
            name='ConditionStats',
            fields=[
                ('condition', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='stats', serialize=False, to='therapies.condition')),
                ('approach_count', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name_plural': 'condition stats',
                'indexes': [models.Index(fields=['-approach_count'], name='therapies_conditionstats_count')],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
