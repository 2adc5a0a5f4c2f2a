from django.db import migrations, models

# The PostgreSQL backend's index: one row per article, its terms in a pre-analyzed tsvector.
# Created on PostgreSQL only; on SQLite the tantivy backend keeps its index in files.
CREATE_DOCUMENTS = """
CREATE TABLE search_document (
    article_id bigint PRIMARY KEY REFERENCES articles_article (id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL,
    source_id bigint NOT NULL,
    lang varchar(12) NOT NULL DEFAULT '',
    published_at timestamptz NULL,
    vector tsvector NOT NULL
);
CREATE INDEX search_document_vector ON search_document USING gin (vector);
CREATE INDEX search_document_latest ON search_document (published_at DESC NULLS LAST, article_id DESC);
"""


def create_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_DOCUMENTS)


def drop_documents(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_document")


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
        migrations.RunPython(create_documents, drop_documents),
    ]
