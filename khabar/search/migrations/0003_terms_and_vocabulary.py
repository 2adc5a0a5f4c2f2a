from django.db import migrations, models

import khabar.search.models

# The PostgreSQL backend's new layout (khabar.search._postgres): one `terms` tsvector with
# marker lexemes instead of `vector`, and the vocabulary table. The old index is emptied and
# its state forgotten, so the worker's repair rebuilds it; other databases keep both tables
# empty and need no index. Searches plan with the statistics (khabar.search._postgres.IndexStats):
# they keep the 10,000 most common lexemes of `terms` (not 1,000), and dates in 1,000 quantiles.
POSTGRES_INDEXES = """
CREATE INDEX search_document_terms ON search_document USING gin (terms);
CREATE INDEX search_term_grams ON search_term USING gin (grams);
ALTER TABLE search_document ALTER COLUMN terms SET STATISTICS 1000;
ALTER TABLE search_document ALTER COLUMN published_at SET STATISTICS 1000;
"""


def forget_old_index(apps, schema_editor):
    apps.get_model("search", "SearchDocument").objects.all().delete()
    apps.get_model("search", "SearchState").objects.filter(backend="postgres").delete()


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_INDEXES)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP INDEX IF EXISTS search_document_terms; DROP INDEX IF EXISTS search_term_grams;"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0002_rerank_terms"),
    ]

    operations = [
        migrations.RunPython(forget_old_index, migrations.RunPython.noop),
        migrations.RemoveField(model_name="searchdocument", name="vector"),
        migrations.AddField(
            model_name="searchdocument",
            name="terms",
            field=khabar.search.models.TsVectorField(default=""),
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("term", models.TextField(primary_key=True, serialize=False)),
                ("grams", khabar.search.models.TsVectorField(default="")),
            ],
            options={
                "db_table": "search_term",
            },
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
