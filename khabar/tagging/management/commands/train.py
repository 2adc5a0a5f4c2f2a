import importlib.util
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

WHAT = ("topics", "entities", "keyphrases", "rerank")


class Command(BaseCommand):
    help = (
        "Trains the topic classifier (or the entity tagger, the keyphrases' word "
        "frequencies, or the search reranker) from the shared corpora and saves a new model version in the data dir's models/ folder. The corpora are read from "
        "../shared/data next to the project, or from $KHABAR_SHARED_DATA."
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=WHAT, help="topics, entities, keyphrases or rerank")
        parser.add_argument(
            "--out", type=Path, help="where to save the model (default: DATA_DIR/models)"
        )
        parser.add_argument(
            "--clusters",
            type=Path,
            help="entities: reuse this word clusters file (plain or .gz) instead of learning it",
        )

    def handle(self, *args, what, out, clusters=None, **options):
        # Imported here so `khabar help` does not load scikit-learn.
        from khabar.tagging import topics

        data_dir = topics.shared_data_dir()
        if not data_dir.is_dir():
            raise CommandError(
                f"shared data not found: {data_dir} (set KHABAR_SHARED_DATA to the folder that "
                "holds ant-corpus-v1.1/ and ant-corpus-multisource-v2.1/)"
            )
        out_dir = out or Path(settings.DATA_DIR) / "models"
        if what == "entities":
            self.train_entities(data_dir=data_dir, out_dir=out_dir, clusters=clusters)
            return
        if what == "keyphrases":
            self.train_keyphrases(data_dir=data_dir, out_dir=out_dir)
            return
        if what == "rerank":
            self.train_rerank(data_dir=data_dir, out_dir=out_dir)
            return
        started = time.perf_counter()
        try:
            path = topics.train_topics(data_dir=data_dir, out_dir=out_dir)
        except topics.TopicModelError as error:
            raise CommandError(str(error)) from None
        model = topics.load_topic_model(path)
        self.stdout.write(
            f"topic model v{model.card['version']} saved to {path} "
            f"({path.stat().st_size / 1024:.0f} KiB, {len(model.labels)} labels, "
            f"{model.card['articles']:,} articles) in {time.perf_counter() - started:.0f} s"
        )

    def train_entities(self, *, data_dir: Path, out_dir: Path, clusters: Path | None) -> None:
        if importlib.util.find_spec("khabar.tagging.entities") is None:
            raise CommandError("the entity tagger is not part of this khabar yet")
        from khabar.tagging.entities import train_entities

        started = time.perf_counter()
        try:
            path = train_entities(data_dir=data_dir, out_dir=out_dir, clusters_file=clusters)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"entity model saved to {path} in {time.perf_counter() - started:.0f} s")

    def train_keyphrases(self, *, data_dir: Path, out_dir: Path) -> None:
        from khabar.tagging.keyphrases import train_keyphrases

        started = time.perf_counter()
        try:
            path = train_keyphrases(data_dir=data_dir, out_dir=out_dir)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"keyphrase document frequencies saved to {path} in "
            f"{time.perf_counter() - started:.0f} s"
        )

    def train_rerank(self, *, data_dir: Path, out_dir: Path) -> None:
        from khabar.search.rerank_training import train_rerank

        started = time.perf_counter()
        try:
            path = train_rerank(data_dir=data_dir, out_dir=out_dir, progress=self.stdout.write)
        except FileNotFoundError as error:
            raise CommandError(f"corpus not found: {error.filename}") from None
        self.stdout.write(
            f"search reranker saved to {path} in {time.perf_counter() - started:.0f} s"
        )
