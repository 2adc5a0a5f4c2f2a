import django.db.models.deletion
from django.db import migrations, models

import khabar.search.models

# The PostgreSQL backend searches `vector` through a GIN index and sorts by date through the
# second one; on other databases the table stays empty and needs neither.
POSTGRES_INDEXES = """
CREATE INDEX search_document_vector ON search_document USING gin (vector);
CREATE INDEX search_document_latest ON search_document (published_at DESC NULLS LAST, article_id DESC);
"""


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_INDEXES)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP INDEX IF EXISTS search_document_vector; DROP INDEX IF EXISTS search_document_latest;"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("articles", "0002_verbose_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("backend", models.CharField(max_length=20, unique=True)),
                ("fingerprint", models.CharField(max_length=64)),
                ("watermark", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("article", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="+", serialize=False, to="articles.article")),
                ("updated_at", models.DateTimeField()),
                ("source_id", models.BigIntegerField()),
                ("lang", models.CharField(blank=True, max_length=12)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("vector", khabar.search.models.TsVectorField()),
            ],
            options={
                "db_table": "search_document",
            },
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
