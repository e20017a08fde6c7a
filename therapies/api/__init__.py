"""The public read-only API under /api/v1/ (Django REST Framework, OpenAPI 3.1 by drf-spectacular)."""
