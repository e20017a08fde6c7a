#!/bin/bash
# Runs once, when the official postgres image initialises the primary's empty volume
# (/docker-entrypoint-initdb.d): a role the replica streams WAL with, allowed in by pg_hba.conf.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
