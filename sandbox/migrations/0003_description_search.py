"""An index for the case-insensitive description filter (see sandbox/search.py):
pg_trgm GIN on PostgreSQL, an FTS5 trigram table kept by triggers on SQLite."""

from django.db import migrations

from sandbox.search import index_create, index_drop


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0002_control_plane")]

    operations = [migrations.RunPython(index_create, index_drop)]
