"""Catalog records: approaches, conditions, formats, sources, the evidence links between them and each
source's own rating of a link."""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from therapies.choices import AgeGroup, Level, Population, Status, level_rank_expression
from therapies.evidence_querysets import EvidenceLinkQuerySet, FormatQuerySet, SourceQuerySet
from therapies.querysets import ApproachQuerySet, ConditionQuerySet
from therapies.search.vectors import approach_vector, condition_vector
from therapies.text import evidence_anchor, range_text, slug_url


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Curated(TimeStamped):
    """A record curators edit in the admin: its version number guards against lost concurrent edits."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one on every save; an edit based on an older one is refused."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (update_fields is None or "version" in update_fields):
            self.version += 1
        super().save(*args, **kwargs)


class Format(models.Model):
    """How therapy is delivered: individual, group, family, couples, online, self-guided."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the site, lowest first.")

    objects = FormatQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("therapies:therapy-list") + f"?format={self.slug}"


class Source(models.Model):
    """A document that rates evidence: a guideline, review, trial or expert-body rating."""

    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        META_ANALYSIS = "meta_analysis", "Meta-analysis"
        TRIAL = "trial", "Trial"
        REVIEW = "review", "Review"
        EXPERT_BODY_RATING = "expert_body_rating", "Expert-body rating"
        PATIENT_INFORMATION = "patient_information", "Patient information"

    key = models.SlugField(max_length=80, unique=True, help_text="Short stable key, e.g. nice-ng222.")
    short_name = models.CharField(max_length=120, help_text="How the source is named on the site.")
    authors = models.CharField(
        max_length=500, blank=True, db_default="",
        help_text="Authors as cited (\"Smith J, Jones K\"); blank when the issuing body is the author.",
    )
    title = models.CharField(max_length=500, help_text="Full title, or the full citation when there is no URL.")
    publisher = models.CharField(max_length=200, help_text="Issuing body, or the journal for articles.")
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank for undated pages.")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    url = models.URLField(max_length=500, blank=True, help_text="The canonical address; never a mirror or cache.")
    doi = models.CharField(max_length=200, blank=True, help_text="Bare DOI, e.g. 10.1037/a0037167.")
    code = models.CharField(
        max_length=40, blank=True, db_default="", help_text="The issuer's own code for a guideline, e.g. NG116.",
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="therapies_source_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return self.link

    @property
    def link(self) -> str:
        """Where a reader can check the source: the canonical URL, else the DOI resolver."""
        if self.url:
            return self.url
        return f"https://doi.org/{self.doi}" if self.doi else ""

    def clean(self) -> None:
        if self.doi.lower().startswith(("http://", "https://", "doi:")):
            raise ValidationError({"doi": "Give the bare DOI (10.xxxx/...), not a link."})


class Approach(Curated):
    """A therapy approach (a modality) such as CBT or EMDR."""

    class Family(models.TextChoices):
        COGNITIVE_BEHAVIOURAL = "cognitive_behavioural", "Cognitive-behavioural"
        THIRD_WAVE = "third_wave", "Third-wave and mindfulness-based"
        PSYCHODYNAMIC = "psychodynamic", "Psychodynamic"
        HUMANISTIC = "humanistic", "Humanistic-experiential"
        SYSTEMIC = "systemic", "Systemic and family"
        CREATIVE_ARTS = "creative_arts", "Creative arts"
        INTEGRATIVE = "integrative", "Integrative and other"

    AgeGroup = AgeGroup

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    abbreviation = models.CharField(max_length=20, blank=True, help_text="E.g. CBT. Leave blank if none.")
    other_names = ArrayField(
        models.CharField(max_length=80),
        default=list,
        blank=True,
        help_text="Abbreviations, everyday names and UK/US spellings people search for, comma-separated.",
    )
    family = models.CharField(max_length=30, choices=Family.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The broader approach this is a form of (ERP is a form of CBT).",
    )
    differs_from_parent = models.CharField(
        max_length=300, blank=True, default="", db_default="",  # db_default: bulk loaders may leave it out
        help_text="One plain sentence on how this differs from its parent, for pages that list both; from the "
        "two approaches' own descriptions, no new claims. Blank if none.",
    )
    summary = models.CharField(max_length=300, help_text="Plain language, 1-2 sentences, reading age about 12.")
    session_description = models.TextField(help_text="What a session is like: a short paragraph.")
    sessions_min = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Typical number of sessions, lower end. Blank when it varies."
    )
    sessions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    session_minutes_min = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Typical session length in minutes. Blank when it varies."
    )
    session_minutes_max = models.PositiveSmallIntegerField(null=True, blank=True)
    formats = models.ManyToManyField(Format, blank=True, related_name="approaches")
    age_groups = ArrayField(models.CharField(max_length=20, choices=AgeGroup.choices), default=list, blank=True)
    is_umbrella = models.BooleanField(
        default=False, db_default=False,
        help_text="A way in rather than one therapy (online, group, couples): rated only on evidence about it as a "
        "whole, never on a narrower approach's evidence; its forms are listed on its page.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True, help_text="When a curator last checked this record.")
    search_vector = models.GeneratedField(expression=approach_vector(), output_field=SearchVectorField(), db_persist=True)

    objects = ApproachQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "approaches"
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="therapies_approach_unique_slug"),
            models.CheckConstraint(
                condition=Q(sessions_min__isnull=True)
                | Q(sessions_max__isnull=True)
                | Q(sessions_min__lte=models.F("sessions_max")),
                name="therapies_approach_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(sessions_min__isnull=True) | Q(sessions_min__gte=1),
                name="therapies_approach_sessions_positive",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes_min__isnull=True)
                | Q(session_minutes_max__isnull=True)
                | Q(session_minutes_min__lte=models.F("session_minutes_max")),
                name="therapies_approach_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes_min__isnull=True) | Q(session_minutes_min__gte=5),
                name="therapies_approach_minutes_positive",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="therapies_approach_not_own_parent"),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="therapies_approach_search_idx"),
            # Browse's default order: the first page of published approaches by name is 20 index entries.
            models.Index(fields=["name"], condition=Q(status="published"), name="therapies_approach_pubname"),
            # "Which approaches are published", with what the facets group by: an index-only scan instead
            # of reading every wide row (descriptions, search vector) for the browse counts.
            models.Index(fields=["id"], include=["family", "age_groups"], condition=Q(status="published"),
                         name="therapies_approach_published"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("therapies:therapy-detail", self.slug)

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    @property
    def age_group_labels(self) -> list[str]:
        labels = dict(self.AgeGroup.choices)
        return [labels[age] for age in self.AgeGroup.values if age in self.age_groups]

    @property
    def sessions_text(self) -> str:
        return range_text(self.sessions_min, self.sessions_max, "sessions")

    @property
    def session_length_text(self) -> str:
        return range_text(self.session_minutes_min, self.session_minutes_max, "minutes")

    def clean(self) -> None:
        errors = {}
        if self.sessions_min and self.sessions_max and self.sessions_min > self.sessions_max:
            errors["sessions_max"] = "The most sessions cannot be fewer than the fewest."
        if self.sessions_min is not None and self.sessions_min < 1:
            errors["sessions_min"] = "At least one session."
        if (
            self.session_minutes_min
            and self.session_minutes_max
            and self.session_minutes_min > self.session_minutes_max
        ):
            errors["session_minutes_max"] = "The longest session cannot be shorter than the shortest."
        if self.session_minutes_min is not None and self.session_minutes_min < 5:
            errors["session_minutes_min"] = "A session lasts at least 5 minutes."
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "An approach cannot be its own parent."
        if errors:
            raise ValidationError(errors)


class Condition(Curated):
    """A mental-health problem people look up, such as depression or OCD."""

    class Category(models.TextChoices):
        ANXIETY = "anxiety", "Anxiety"
        MOOD = "mood", "Mood"
        TRAUMA_STRESS = "trauma_stress", "Trauma and stress"
        OBSESSIVE_COMPULSIVE = "obsessive_compulsive", "Obsessive-compulsive"
        EATING = "eating", "Eating"
        PERSONALITY = "personality", "Personality"
        PSYCHOSIS = "psychosis", "Psychosis"
        SUBSTANCE_USE = "substance_use", "Substance use"
        SLEEP = "sleep", "Sleep"
        NEURODEVELOPMENTAL = "neurodevelopmental", "Neurodevelopmental"
        RELATIONSHIPS_WELLBEING = "relationships_wellbeing", "Relationships and wellbeing"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    other_names = ArrayField(
        models.CharField(max_length=80),
        default=list,
        blank=True,
        help_text="Abbreviations and everyday names (OCD, panic attacks), comma-separated.",
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    summary = models.CharField(max_length=300, help_text="Plain language, 1-2 sentences, reading age about 12.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True, help_text="When a curator last checked this record.")
    search_vector = models.GeneratedField(expression=condition_vector(), output_field=SearchVectorField(), db_persist=True)

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="therapies_condition_unique_slug")]
        indexes = [
            GinIndex(fields=["search_vector"], name="therapies_condition_search_idx"),
            # The home page reads the first few published conditions of each category from this index.
            models.Index(fields=["category", "name"], condition=Q(status="published"), name="therapies_condition_pubcat"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("therapies:condition-detail", self.slug)


class EvidenceLink(Curated):
    """How well one approach is supported for one condition in one population, with its sources."""

    Population = Population

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="evidence")
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="evidence")
    population = models.CharField(max_length=30, choices=Population.choices, default=Population.ALL)
    level = models.CharField(
        max_length=20, choices=Level.choices, help_text="The curators' overall synthesis of the sources below."
    )
    level_rank = models.GeneratedField(expression=level_rank_expression(), output_field=models.SmallIntegerField(), db_persist=True)
    finding = models.CharField(max_length=300, help_text="One sentence: what the evidence shows, and why.")
    formats = models.ManyToManyField(
        Format, blank=True, related_name="evidence", help_text="Only when the evidence concerns some formats."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True)

    objects = EvidenceLinkQuerySet.as_manager()

    class Meta:
        ordering = ["approach__name", "condition__name", "population"]
        verbose_name = "evidence link"
        constraints = [
            models.UniqueConstraint(
                fields=["approach", "condition", "population"], name="therapies_evidencelink_unique_triple"
            ),
        ]
        indexes = [
            models.Index(fields=["condition", "status", "level_rank"], name="therapies_evidence_cond_idx"),
            models.Index(fields=["approach", "status"], name="therapies_evidence_appr_idx"),
            # Facet counts ("how many approaches have evidence for each condition") read only this:
            # an index-only scan in condition order, no sort of every link.
            models.Index(
                fields=["condition", "approach"], include=["level_rank", "population"],
                condition=Q(status="published"), name="therapies_evidence_pub_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approach} for {self.condition} ({self.get_population_display().lower()})"

    def get_absolute_url(self) -> str:
        """The link's row on its approach page (follows approach and condition)."""
        return self.approach.get_absolute_url() + "#" + evidence_anchor(self.condition.slug, self.population)



class SourceRating(models.Model):
    """One source's own rating of an evidence link, kept so sources can be shown side by side."""

    link = models.ForeignKey(EvidenceLink, on_delete=models.CASCADE, related_name="ratings")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="ratings")
    level = models.CharField(max_length=20, choices=Level.choices, help_text="The level as this source puts it.")
    finding = models.CharField(max_length=400, help_text="What this source found, in our own words.")
    population = models.CharField(
        max_length=30, choices=Population.choices, blank=True, db_default="",
        help_text="Whom this source's evidence was about, when that differs from the link's population "
        "(blank: the same). A link's population may not be wider than its sources' together.",
    )
    is_about_umbrella = models.BooleanField(
        default=False, db_default=False,
        help_text="On an umbrella's link (online, group, couples therapy): this source is about the umbrella as a "
        "whole, not only about a narrower approach. An umbrella is rated only on such sources.",
    )

    class Meta:
        ordering = ["source__short_name"]
        constraints = [models.UniqueConstraint(fields=["link", "source"], name="therapies_sourcerating_unique_source")]

    def __str__(self) -> str:
        return f"{self.source}: {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return self.source.link
