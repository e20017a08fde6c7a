"""A published evidence link must cite at least one source: enforced by Postgres itself.

The check is a deferred constraint trigger, so a link and its ratings can be written in any order inside
one transaction; the rule is checked at commit.
"""
from django.db import migrations

CREATE = """
CREATE FUNCTION therapies_published_link_requires_source() RETURNS trigger AS $$
DECLARE
    checked_link bigint;
BEGIN
    IF TG_TABLE_NAME = 'therapies_evidencelink' THEN
        checked_link := NEW.id;
    ELSE
        checked_link := OLD.link_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM therapies_evidencelink link
        WHERE link.id = checked_link AND link.status = 'published'
          AND NOT EXISTS (SELECT 1 FROM therapies_sourcerating rating WHERE rating.link_id = link.id)
    ) THEN
        RAISE EXCEPTION 'A published evidence link (id %) must cite at least one source.', checked_link
            USING ERRCODE = 'check_violation', CONSTRAINT = 'therapies_evidencelink_published_has_source';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER therapies_evidencelink_published_has_source
    AFTER INSERT OR UPDATE ON therapies_evidencelink
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION therapies_published_link_requires_source();

CREATE CONSTRAINT TRIGGER therapies_sourcerating_keeps_link_sourced
    AFTER UPDATE OR DELETE ON therapies_sourcerating
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION therapies_published_link_requires_source();
"""

DROP = """
DROP TRIGGER IF EXISTS therapies_sourcerating_keeps_link_sourced ON therapies_sourcerating;
DROP TRIGGER IF EXISTS therapies_evidencelink_published_has_source ON therapies_evidencelink;
DROP FUNCTION IF EXISTS therapies_published_link_requires_source();
"""


class Migration(migrations.Migration):
    dependencies = [("therapies", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
