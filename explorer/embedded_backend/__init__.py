"""A Postgres database backend for the embedded server (explorer/embedded_db.py): the server is found or
started when a connection is first needed, not when settings are imported."""
