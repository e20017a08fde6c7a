#!/bin/bash
# The streaming replica's start: on an empty volume, copy the primary with pg_basebackup -R (which writes
# standby.signal and primary_conninfo), then start as the official image does: a read-only hot standby.
# To rebuild a replica: stop it, empty its volume, start it (docs/scaling.md, "Rebuild a replica").
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -q; do
    echo "waiting for the primary at $PRIMARY_HOST..."; sleep 1
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$REPLICATION_PASSWORD" gosu postgres \
    pg_basebackup -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator -D "$PGDATA" -R -X stream -c fast
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
