"""The catalog format and its files: `records` (the format, record shapes, diffs), `importer` (validate and
apply), `export` (JSON data and CSV), `files` (read and write). The recorded, all-or-nothing import that
editors and `import_catalog` use, with history, is therapies/curation/imports.py."""
