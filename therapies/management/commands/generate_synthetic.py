"""Fill the database with a synthetic catalog at a chosen scale, for benchmarks and query-plan checks.

Scale 1 adds about 40 approaches, 25 conditions, 1,000 evidence links (2 source ratings each) and 100
sources; the counts grow linearly, so scale 100 adds about 4,000 approaches, 2,500 conditions, 100,000
links, 200,000 ratings and 10,000 sources. The shape follows the real catalog: most approaches have
evidence for a few conditions and a few have it for many (a Pareto spread), popular conditions and
much-cited sources get more links (Zipf weights), and about one record in twelve is not published.

Rows go in with COPY, all in one transaction, so the deferred rule "a published link cites a source"
(migration 0002) is checked once at commit with every rating already in place. Search vectors and
level ranks are generated columns: Postgres fills them. The same --seed gives the same rows.
Synthetic records have slugs and keys starting with "syn-"; --replace removes earlier ones first.
"""
from __future__ import annotations

import bisect
import datetime
import io
import itertools
import random
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from therapies.models import Approach, Condition, EvidenceLink, Format, Source

PREFIX = "syn-"
PER_SCALE = {"approaches": 40, "conditions": 25, "links": 1000, "sources": 100}
RATINGS_PER_LINK = 2
CREATED = "2026-01-01 00:00:00+00"
STANDARD_FORMATS = [
    ("individual", "Individual"), ("group", "Group"), ("family", "Family"), ("couples", "Couples"),
    ("online", "Online with a therapist"), ("self_guided", "Self-guided"),
]

# Everyday vocabulary, so full-text search over synthetic records behaves like search over real ones.
APPROACH_WORDS = [
    "cognitive", "behavioural", "mindfulness", "compassion", "narrative", "schema", "exposure", "acceptance",
    "interpersonal", "psychodynamic", "family", "group", "trauma", "emotion", "solution", "focused",
    "integrative", "creative", "music", "art", "drama", "play", "movement", "systemic", "mentalisation",
    "dialectical", "attachment", "relational", "brief", "guided", "sensorimotor", "existential", "gestalt",
    "person-centred", "metacognitive", "imagery", "rescripting", "motivational", "problem-solving", "body",
]
APPROACH_KINDS = ["therapy", "counselling", "training", "programme", "psychotherapy", "coaching", "approach"]
CONDITION_BASES = [
    "anxiety", "panic", "depression", "insomnia", "phobia", "grief", "trauma", "stress", "burnout", "anger",
    "loneliness", "self-harm", "bulimia", "binge eating", "hoarding", "tics", "stammering", "gambling",
    "alcohol use", "cannabis use", "nightmares", "health anxiety", "social anxiety", "low self-esteem",
    "perfectionism", "body image worries", "chronic pain distress", "postnatal depression", "worry",
    "adjustment difficulties", "relationship distress", "school refusal", "attention difficulties",
]
CONDITION_QUALIFIERS = [
    "childhood", "adolescent", "late-life", "perinatal", "work-related", "recurrent", "persistent", "mild",
    "severe", "seasonal", "situational", "complex", "acute", "chronic", "early-onset", "late-onset",
    "performance", "sleep-related", "illness-related", "caregiver", "student", "veteran", "refugee",
    "migrant", "shift-work", "post-surgical", "post-viral", "exam", "sport", "online", "family",
    "bereavement", "retirement", "parental", "digital", "academic", "financial", "separation", "night-time",
]
FAMILIES = [value for value, _ in Approach.Family.choices]
CATEGORIES = [value for value, _ in Condition.Category.choices]
AGES = [value for value, _ in Approach.AgeGroup.choices]
SOURCE_KINDS = [value for value, _ in Source.Kind.choices]
LEVELS = ["strong", "moderate", "emerging", "insufficient", "not_recommended"]
LEVEL_WEIGHTS = [15, 30, 25, 25, 5]
POPULATIONS = ["all", "adults", "children_and_adolescents"]
POPULATION_WEIGHTS = [60, 30, 10]
# Not everything is public: drafts, records in review and archived ones are part of any real catalog.
RECORD_STATUSES = ["published", "draft", "in_review", "archived"]
RECORD_STATUS_WEIGHTS = [92, 4, 3, 1]


class Progress:
    """A one-line progress bar on stderr, redrawn when the percentage changes."""

    def __init__(self, total: int, stream=sys.stderr, width: int = 30) -> None:
        self.total, self.done, self.stream, self.width = max(total, 1), 0, stream, width
        self.label, self.shown, self.started = "", -1, time.monotonic()

    def step(self, count: int, label: str) -> None:
        self.done, self.label = min(self.done + count, self.total), label
        percent = self.done * 100 // self.total
        if percent != self.shown:
            self.shown = percent
            filled = self.width * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {label:<28}")
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(f"\r[{'#' * self.width}] 100% done in {time.monotonic() - self.started:.1f} s{' ' * 20}\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Add a deterministic synthetic catalog: --scale 100 is about 4,000 approaches and 100,000 links."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="1 = 40 approaches, 25 conditions, 1,000 links.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same records.")
        parser.add_argument("--replace", action="store_true", help="Delete earlier synthetic records first.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args: Any, scale: float, seed: int, replace: bool, no_progress: bool, **options: Any) -> None:
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        counts = {name: max(1, round(per * scale)) for name, per in PER_SCALE.items()}
        counts["sources"] = max(counts["sources"], RATINGS_PER_LINK)
        plan = SyntheticCatalog(random.Random(seed), **counts)
        progress = Progress(
            counts["approaches"] + counts["conditions"] + counts["sources"] + counts["links"] * (1 + RATINGS_PER_LINK),
            stream=io.StringIO() if no_progress else sys.stderr,
        )
        with transaction.atomic(), connection.cursor() as cursor:
            if replace:
                delete_synthetic(cursor)
            elif Approach.objects.filter(slug__startswith=PREFIX).exists():
                raise CommandError("Synthetic records are already there; pass --replace to regenerate them.")
            plan.write(cursor, progress)
            progress.step(0, "commit: links cite sources?")
        # What autovacuum would soon do after a bulk load: statistics for the planner and, outside a
        # transaction, a vacuum that sets the visibility map (index-only scans need it) and clears the
        # dead rows the evidence totals' triggers left behind.
        tables = ("therapies_approach, therapies_condition, therapies_evidencelink, therapies_sourcerating, "
                  "therapies_source, therapies_approach_formats, therapies_evidencelink_formats, "
                  "therapies_approachstats, therapies_conditionstats")
        with connection.cursor() as cursor:
            cursor.execute(("ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) ") + tables)
        progress.finish()
        self.stdout.write(
            f"Added {counts['approaches']} approaches, {counts['conditions']} conditions, {plan.link_count} evidence "
            f"links with {plan.link_count * RATINGS_PER_LINK} source ratings, and {counts['sources']} sources "
            f"(scale {scale:g}, seed {seed})."
        )


class SyntheticCatalog:
    """Draws the records from one random generator, then writes them table by table with COPY."""

    def __init__(self, rng: random.Random, *, approaches: int, conditions: int, links: int, sources: int) -> None:
        self.rng, self.approaches, self.conditions, self.links, self.sources = rng, approaches, conditions, links, sources
        self.link_count = 0

    def write(self, cursor, progress: Progress) -> None:
        rng = self.rng
        format_ids = ensure_formats()
        source_ids = copy_rows(cursor, Source, ["key", "short_name", "title", "publisher", "year", "kind", "url", "doi"],
                               self.source_rows(), progress, "sources")
        condition_ids = copy_rows(
            cursor, Condition,
            ["created_at", "updated_at", "version", "name", "slug", "other_names", "category", "summary", "status",
             "last_reviewed"],
            self.condition_rows(), progress, "conditions",
        )
        approach_ids = copy_rows(
            cursor, Approach,
            ["created_at", "updated_at", "version", "name", "slug", "abbreviation", "other_names", "family", "parent_id",
             "summary", "session_description", "sessions_min", "sessions_max", "session_minutes_min",
             "session_minutes_max", "age_groups", "status", "last_reviewed"],
            self.approach_rows(), progress, "approaches", parent_of=True,
        )
        copy_plain(cursor, "therapies_approach_formats", ["approach_id", "format_id"],
                   ((a, f) for a in approach_ids for f in rng.sample(format_ids, rng.choice([1, 1, 2, 2, 3, 4]))))
        triples = self.link_triples(len(approach_ids), len(condition_ids))
        self.link_count = len(triples)
        link_ids = copy_rows(
            cursor, EvidenceLink,
            ["created_at", "updated_at", "version", "approach_id", "condition_id", "population", "level", "finding",
             "status", "last_reviewed"],
            ((CREATED, CREATED, 1, approach_ids[a], condition_ids[c], population, level,
              f"Synthetic finding {n}: {level.replace('_', ' ')} evidence for this group.",
              weighted(rng, RECORD_STATUSES, RECORD_STATUS_WEIGHTS), self.review_date())
             for n, (a, c, population, level) in enumerate(triples)),
            progress, "evidence links",
        )
        copy_plain(cursor, "therapies_evidencelink_formats", ["evidencelink_id", "format_id"],
                   ((link, rng.choice(format_ids)) for link in link_ids if rng.random() < 0.1))
        cited = zipf_cumulative(len(source_ids), 0.9)
        copy_plain(cursor, "therapies_sourcerating", ["link_id", "source_id", "level", "finding"],
                   self.rating_rows(link_ids, triples, source_ids, cited), progress, "source ratings")

    def source_rows(self) -> Iterable[tuple]:
        rng = self.rng
        for n in range(self.sources):
            kind = weighted(rng, SOURCE_KINDS, [20, 25, 20, 20, 5, 8, 2])
            doi = f"10.5555/syn.{n}" if rng.random() < 0.6 else ""
            url = "" if doi and rng.random() < 0.5 else f"https://example.org/evidence/{n}"
            yield (f"{PREFIX}source-{n}", f"Synthetic source {n}", f"A synthetic {kind.replace('_', ' ')} number {n}",
                   f"Publisher {n % 97}", rng.choice([None] + list(range(1995, 2027))), kind, url, doi)

    def condition_rows(self) -> Iterable[tuple]:
        rng = self.rng
        names = distinct_names(rng, self.conditions, CONDITION_QUALIFIERS, CONDITION_BASES, lambda q, b: f"{q} {b}".capitalize())
        for n, name in enumerate(names):
            base = name.split(" ", 1)[1]
            yield (CREATED, CREATED, 1, name, f"{PREFIX}condition-{n}", array_literal([base]), rng.choice(CATEGORIES),
                   f"Synthetic condition {n}: {name.lower()} that gets in the way of everyday life.",
                   weighted(rng, RECORD_STATUSES, RECORD_STATUS_WEIGHTS), self.review_date())

    def approach_rows(self) -> Iterable[tuple]:
        rng = self.rng
        names = distinct_names(rng, self.approaches, APPROACH_WORDS, APPROACH_KINDS, lambda w, k: f"{w} {k}".capitalize())
        for n, name in enumerate(names):
            words = name.lower().split()
            sessions = rng.choice([None, (6, 12), (8, 16), (12, 20), (16, 24), (1, 6)])
            minutes = rng.choice([None, (50, 60), (60, 90), (30, 45)])
            # About one approach in five is a form of an earlier one (its index; resolved to an id on write).
            parent = rng.randrange(n) if n and rng.random() < 0.2 else None
            yield (CREATED, CREATED, 1, name, f"{PREFIX}approach-{n}", "", array_literal([f"{words[0]} based {words[-1]}"]),
                   rng.choice(FAMILIES), parent,
                   f"Synthetic approach {n}: {' '.join(rng.sample(APPROACH_WORDS, 3))} work with a trained therapist.",
                   f"In a session you and the therapist work on {rng.choice(CONDITION_BASES)} "
                   f"using {' and '.join(rng.sample(APPROACH_WORDS, 2))} exercises.",
                   sessions[0] if sessions else None, sessions[1] if sessions else None,
                   minutes[0] if minutes else None, minutes[1] if minutes else None,
                   array_literal(sorted(rng.sample(AGES, rng.randint(1, 3)), key=AGES.index)),
                   weighted(rng, RECORD_STATUSES, RECORD_STATUS_WEIGHTS), self.review_date())

    def link_triples(self, approaches: int, conditions: int) -> list[tuple[int, int, str, str]]:
        """(approach index, condition index, population, level): a long-tailed number of links per approach."""
        rng = self.rng
        # Even the most-studied approach has evidence for well under half of all conditions.
        cap = max(1, conditions * len(POPULATIONS) * 2 // 5)
        degrees = long_tail(rng, approaches, self.links, cap)
        popular = zipf_cumulative(conditions, 0.6)
        population_cumulative = list(itertools.accumulate(POPULATION_WEIGHTS))
        triples = []
        for approach, degree in enumerate(degrees):
            if degree * 2 > conditions * len(POPULATIONS):  # dense: choose among every pair
                pairs = rng.sample([(c, p) for c in range(conditions) for p in POPULATIONS], degree)
            else:
                chosen: dict[tuple[int, str], None] = {}
                while len(chosen) < degree:
                    for c, p in zip(rng.choices(range(conditions), cum_weights=popular, k=degree - len(chosen)),
                                    rng.choices(POPULATIONS, cum_weights=population_cumulative, k=degree - len(chosen))):
                        chosen.setdefault((c, p))
                pairs = list(chosen)
            triples += [(approach, c, p, weighted(rng, LEVELS, LEVEL_WEIGHTS)) for c, p in pairs]
        return triples

    def rating_rows(self, link_ids: Sequence[int], triples: Sequence[tuple], source_ids: Sequence[int],
                    cited: list[float]) -> Iterable[tuple]:
        rng = self.rng
        for link_id, (_, _, _, level) in zip(link_ids, triples):
            picked: list[int] = []
            while len(picked) < RATINGS_PER_LINK:
                index = bisect.bisect_left(cited, rng.random() * cited[-1])
                if index not in picked:
                    picked.append(index)
            for number, index in enumerate(picked):
                # Sources mostly agree with the synthesis; the second one sometimes rates a level lower.
                rated = level if number == 0 or rng.random() < 0.7 else LEVELS[min(LEVELS.index(level) + 1, 4)]
                yield (link_id, source_ids[index], rated, f"The source rates this {rated.replace('_', ' ')}.")

    def review_date(self) -> str:
        return (datetime.date(2023, 1, 1) + datetime.timedelta(days=self.rng.randrange(1400))).isoformat()


def weighted(rng: random.Random, values: Sequence[str], weights: Sequence[int]) -> str:
    return rng.choices(values, weights=weights)[0]


def zipf_cumulative(count: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights: item 0 is the most popular."""
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


def long_tail(rng: random.Random, count: int, total: int, cap: int) -> list[int]:
    """`count` positive integers (each at most cap) summing to about `total`, Pareto-distributed."""
    raw = [rng.paretovariate(1.3) for _ in range(count)]
    factor = total / sum(raw)
    degrees = [min(cap, max(1, round(value * factor))) for value in raw]
    # Rounding and the cap move the sum; spread the difference over approaches that have room.
    difference, order = total - sum(degrees), list(range(count))
    rng.shuffle(order)
    while difference and order:
        for index in list(order):
            if difference == 0:
                break
            step = 1 if difference > 0 else -1
            if 1 <= degrees[index] + step <= cap:
                degrees[index] += step
                difference -= step
            else:
                order.remove(index)
    return degrees


def distinct_names(rng: random.Random, count: int, first: Sequence[str], second: Sequence[str], make) -> list[str]:
    """`count` distinct names from word pairs; numbered once the pairs run out."""
    pairs = list(itertools.product(first, second))
    rng.shuffle(pairs)
    names = []
    for n in range(count):
        word, kind = pairs[n % len(pairs)]
        round_number = n // len(pairs)
        names.append(make(word, kind) + (f" {round_number + 1}" if round_number else ""))
    return names


def array_literal(values: Iterable[str]) -> str:
    """A Postgres text-array literal; the generated words contain no quotes or backslashes."""
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


def copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_plain(cursor, table: str, columns: list[str], rows: Iterable[tuple], progress: Progress | None = None,
               label: str = "", chunk: int = 20_000) -> int:
    """COPY rows into a table in chunks (so memory stays flat); returns how many went in."""
    written, buffer, pending = 0, io.StringIO(), 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def flush() -> None:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(copy_text(value) for value in row) + "\n")
        written += 1
        pending += 1
        if pending == chunk:
            flush()
            if progress:
                progress.step(pending, label)
            pending = 0
    if pending:
        flush()
        if progress:
            progress.step(pending, label)
    return written


def copy_rows(cursor, model, columns: list[str], rows: Iterable[tuple], progress: Progress, label: str,
              parent_of: bool = False) -> list[int]:
    """COPY model rows with ids taken from the table's identity sequence; returns the new ids in order."""
    table = model._meta.db_table
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = cursor.fetchone()[0] + 1
    parent_column = columns.index("parent_id") if parent_of else None

    def numbered() -> Iterable[tuple]:
        for n, row in enumerate(rows):
            if parent_column is not None and row[parent_column] is not None:
                row = row[:parent_column] + (first + row[parent_column],) + row[parent_column + 1:]
            yield (first + n,) + row

    count = copy_plain(cursor, table, ["id"] + columns, numbered(), progress, label)
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + count - 1])
    return list(range(first, first + count))


def ensure_formats() -> list[int]:
    """The ids of the delivery formats, creating the six standard ones when the database has none."""
    if not Format.objects.exists():
        for position, (slug, name) in enumerate(STANDARD_FORMATS):
            Format.objects.create(slug=slug, name=name, description=f"{name} therapy.", position=position)
    return list(Format.objects.order_by("position", "pk").values_list("pk", flat=True))


def delete_synthetic(cursor) -> None:
    """Remove every synthetic record (slug or key starting with syn-), ratings and links first."""
    like = PREFIX + "%"
    cursor.execute("DELETE FROM therapies_sourcerating WHERE link_id IN (SELECT l.id FROM therapies_evidencelink l "
                   "JOIN therapies_approach a ON a.id = l.approach_id JOIN therapies_condition c ON c.id = l.condition_id "
                   "WHERE a.slug LIKE %s OR c.slug LIKE %s)", [like, like])
    cursor.execute("DELETE FROM therapies_sourcerating WHERE source_id IN "
                   "(SELECT id FROM therapies_source WHERE key LIKE %s)", [like])
    cursor.execute("DELETE FROM therapies_approach_formats WHERE approach_id IN "
                   "(SELECT id FROM therapies_approach WHERE slug LIKE %s)", [like])
    cursor.execute("DELETE FROM therapies_evidencelink_formats WHERE evidencelink_id IN (SELECT l.id FROM "
                   "therapies_evidencelink l JOIN therapies_approach a ON a.id = l.approach_id JOIN therapies_condition c "
                   "ON c.id = l.condition_id WHERE a.slug LIKE %s OR c.slug LIKE %s)", [like, like])
    cursor.execute("DELETE FROM therapies_evidencelink WHERE approach_id IN (SELECT id FROM therapies_approach WHERE "
                   "slug LIKE %s) OR condition_id IN (SELECT id FROM therapies_condition WHERE slug LIKE %s)", [like, like])
    cursor.execute("UPDATE therapies_approach SET parent_id = NULL WHERE parent_id IN "
                   "(SELECT id FROM therapies_approach WHERE slug LIKE %s)", [like])
    cursor.execute("DELETE FROM therapies_approach WHERE slug LIKE %s", [like])
    cursor.execute("DELETE FROM therapies_condition WHERE slug LIKE %s", [like])
    cursor.execute("DELETE FROM therapies_source WHERE key LIKE %s", [like])
