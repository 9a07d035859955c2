"""The product catalog: core products, adjacent products and every threshold.

Loaded from YAML and validated once at start (and on reload). Lookups the hot
path needs (metric -> adjacent products, workaround kind -> ...) are built
once here so rules never scan the catalog per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from .signals import SignalType

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, max_length=600)]


class CatalogError(ValueError):
    """The catalog file is missing, not YAML, or fails validation."""


def normalise_key(value: str) -> str:
    """Topics, personas and kinds compare case- and separator-insensitively."""
    return value.strip().lower().replace("-", "_").replace(" ", "_")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Settings(_Strict):
    usage_ceiling_fire_pct: float = Field(default=80, gt=0, le=100)
    usage_ceiling_rearm_pct: float = Field(default=70, gt=0, le=100)
    adjacent_pain_min_requesters: int = Field(default=3, ge=1)
    adjacent_pain_window_days: int = Field(default=60, ge=1)
    workaround_min_events: int = Field(default=3, ge=1)
    workaround_window_days: int = Field(default=30, ge=1)
    renewal_window_days_ahead: int = Field(default=60, ge=0)
    renewal_quiet_days_after_close: int = Field(default=30, ge=0)
    low_adoption_pct: float = Field(default=60, ge=0, le=100)
    declining_usage_pct: float = Field(default=20, gt=0, le=100)
    declining_usage_window_days: int = Field(default=30, ge=1)
    competitor_bought_lookback_days: int = Field(default=548, ge=0)
    cooldown_days: int = Field(default=90, ge=0)
    play_window_days: int = Field(default=14, ge=1)
    play_threshold: float = Field(default=10, gt=0)
    # Pain by meaning: a ticket resembles an adjacent product's pain when the
    # mean of its two best cosine similarities to the product's pain_examples
    # reaches this (a product may set its own). Calibrated on the evaluation
    # set in tests/meaning (see its README).
    pain_similarity: float = Field(default=0.42, gt=0, le=1)
    weights: dict[SignalType, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.usage_ceiling_rearm_pct >= self.usage_ceiling_fire_pct:
            raise ValueError("usage_ceiling_rearm_pct must be below usage_ceiling_fire_pct")
        missing = [t.value for t in SignalType if t not in self.weights]
        if missing:
            raise ValueError(f"weights: missing signal types {missing}")
        bad = [t.value for t, w in self.weights.items() if not w > 0]
        if bad:
            raise ValueError(f"weights: must be > 0 for {bad}")
        return self


# Threshold 10: usage_ceiling, adjacent_pain and competitive_adjacent open a play
# alone; stakeholder_expansion and strategic_shift (5) need a second signal.
DEFAULT_WEIGHTS: dict[SignalType, float] = {
    SignalType.USAGE_CEILING: 10,
    SignalType.ADJACENT_PAIN: 10,
    SignalType.COMPETITIVE_ADJACENT: 12,
    SignalType.WORKAROUND: 8,
    SignalType.SEAT_MILESTONE: 6,
    SignalType.PARTNER_FLAG: 6,
    SignalType.STAKEHOLDER_EXPANSION: 5,
    SignalType.STRATEGIC_SHIFT: 5,
}


class CoreProduct(_Strict):
    id: Ident
    name: Phrase
    metrics: list[Ident] = Field(min_length=1)
    primary_metric: Ident

    @model_validator(mode="after")
    def _primary_is_a_metric(self) -> CoreProduct:
        if self.primary_metric not in self.metrics:
            raise ValueError(f"primary_metric {self.primary_metric!r} is not in metrics")
        return self


class MetricRef(_Strict):
    product: Ident
    metric: Ident


class Milestone(_Strict):
    product: Ident
    metric: Ident
    module: Phrase | None = None
    value: float = Field(gt=0)

    @property
    def key(self) -> str:
        return f"{self.product}/{self.metric}/{self.module or '*'}/{self.value:g}"


@dataclass(frozen=True, slots=True)
class ProductKeys:
    topics: frozenset[str]
    phrases: tuple[str, ...]
    kinds: frozenset[str]
    names: tuple[str, ...]


class AdjacentProduct(_Strict):
    id: Ident
    name: Phrase
    aliases: list[Phrase] = Field(default_factory=list)
    extends: list[Ident] = Field(min_length=1)
    pain_topics: list[Phrase] = Field(default_factory=list)
    pain_phrases: list[Phrase] = Field(default_factory=list)
    # The pain in sentences an operator might write; tickets are compared to
    # them by meaning (none: phrases and topics only).
    pain_examples: list[Phrase] = Field(default_factory=list)
    pain_similarity: float | None = Field(default=None, gt=0, le=1)
    workaround_kinds: list[Phrase] = Field(default_factory=list)
    personas: list[Phrase] = Field(default_factory=list)
    competitors: list[Phrase] = Field(default_factory=list)
    ceiling_metrics: list[MetricRef] = Field(default_factory=list)
    seat_milestones: list[Milestone] = Field(default_factory=list)
    # Coaching copy (hypothesis, talk track, value map); all optional, so older
    # catalogs still load and consumers fall back to their own wording.
    solves: Sentence = ""  # how it removes the pain, in the customer's terms
    workflow: Sentence = ""  # the adjacent workflow, e.g. "quarterly access reviews"
    problem_area: Sentence = ""  # e.g. "access control and audit readiness"
    integration_points: list[Sentence] = Field(default_factory=list)
    typical_outcome: Sentence = ""
    typical_timeline: Sentence = ""
    buyer_personas: list[Phrase] = Field(default_factory=list)  # job titles holding budget
    user_personas: list[Phrase] = Field(default_factory=list)  # job titles using it daily

    @cached_property
    def keys(self) -> ProductKeys:
        """Normalised lookups, built once (a plain object: the hot path reads
        it without pydantic's private-attribute indirection)."""
        return ProductKeys(
            topics=frozenset(normalise_key(t) for t in self.pain_topics),
            phrases=tuple(p.lower() for p in self.pain_phrases),
            kinds=frozenset(normalise_key(k) for k in self.workaround_kinds),
            names=tuple({n.lower() for n in (self.id, self.name, *self.aliases)}),
        )

    def removes_workaround(self, kind: str) -> bool:
        return normalise_key(kind) in self.keys.kinds

    def pain_match(self, topics: list[str], subject: str, description: str) -> list[str]:
        """The topics and phrases of this product's pain the ticket mentions."""
        keys = self.keys
        found = [t for t in topics if normalise_key(t) in keys.topics]
        if keys.phrases:
            text = f"{subject}\n{description}".lower()
            found.extend(p for p in keys.phrases if p in text)
        return found

    def pain_threshold(self, settings: Settings) -> float:
        own = self.pain_similarity
        return own if own is not None else settings.pain_similarity

    def named_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(n in lowered for n in self.keys.names)


@dataclass(frozen=True, slots=True)
class CatalogIndex:
    core: dict[str, CoreProduct]
    adjacent: dict[str, AdjacentProduct]
    by_metric: dict[tuple[str, str], tuple[str, ...]]
    by_persona: dict[str, tuple[str, ...]]
    by_competitor: dict[str, tuple[str, ...]]
    milestones: dict[tuple[str, str], tuple[tuple[str, Milestone], ...]]


class Catalog(_Strict):
    version: int = 1
    settings: Settings = Field(default_factory=Settings)
    core_products: list[CoreProduct] = Field(min_length=1)
    adjacent_products: list[AdjacentProduct] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        core = {c.id: c for c in self.core_products}
        if len(core) != len(self.core_products):
            raise ValueError("core_products: duplicate id")
        seen: set[str] = set()
        for i, adj in enumerate(self.adjacent_products):
            where = f"adjacent_products[{i}] ({adj.id})"
            if adj.id in seen or adj.id in core:
                raise ValueError(f"{where}: duplicate id {adj.id!r}")
            seen.add(adj.id)
            for p in adj.extends:
                if p not in core:
                    raise ValueError(f"{where}.extends: unknown core product {p!r}")
            refs: list[MetricRef | Milestone] = [*adj.ceiling_metrics, *adj.seat_milestones]
            for ref in refs:
                if ref.product not in adj.extends:
                    raise ValueError(f"{where}: {ref.product!r} is not in its extends list")
                if ref.metric not in core[ref.product].metrics:
                    raise ValueError(
                        f"{where}: unknown metric {ref.metric!r} of core product {ref.product!r}"
                    )
        return self

    @cached_property
    def index(self) -> CatalogIndex:
        """Lookups by id, metric, persona and competitor, built once."""
        by_metric: dict[tuple[str, str], list[str]] = {}
        by_persona: dict[str, list[str]] = {}
        by_competitor: dict[str, list[str]] = {}
        milestones: dict[tuple[str, str], list[tuple[str, Milestone]]] = {}
        for adj in self.adjacent_products:
            for ms in adj.seat_milestones:
                milestones.setdefault((ms.product, ms.metric), []).append((adj.id, ms))
            for ref in adj.ceiling_metrics:
                by_metric.setdefault((ref.product, ref.metric), []).append(adj.id)
            for persona in adj.personas:
                by_persona.setdefault(normalise_key(persona), []).append(adj.id)
            for competitor in adj.competitors:
                by_competitor.setdefault(competitor.lower(), []).append(adj.id)
        return CatalogIndex(
            core={c.id: c for c in self.core_products},
            adjacent={a.id: a for a in self.adjacent_products},
            by_metric={k: tuple(v) for k, v in by_metric.items()},
            by_persona={k: tuple(v) for k, v in by_persona.items()},
            by_competitor={k: tuple(v) for k, v in by_competitor.items()},
            milestones={k: tuple(v) for k, v in milestones.items()},
        )

    def core(self, product_id: str) -> CoreProduct | None:
        return self.index.core.get(product_id)

    def adjacent(self, product_id: str) -> AdjacentProduct | None:
        return self.index.adjacent.get(product_id)

    def adjacent_for_ceiling(self, product: str, metric: str) -> tuple[str, ...]:
        return self.index.by_metric.get((product, metric), ())

    def milestones_for(self, product: str, metric: str) -> tuple[tuple[str, Milestone], ...]:
        return self.index.milestones.get((product, metric), ())

    def adjacent_for_persona(self, persona: str) -> tuple[str, ...]:
        return self.index.by_persona.get(normalise_key(persona), ())

    def adjacent_for_competitor(self, competitor: str) -> tuple[str, ...]:
        return self.index.by_competitor.get(competitor.strip().lower(), ())

    def resolve_adjacent(self, named: str | None, text: str = "") -> list[str]:
        """An explicitly named adjacent product (by id, name or alias), else the
        ones whose name appears in the text."""
        if named:
            key = named.strip().lower()
            return [a.id for a in self.adjacent_products if key in a.keys.names]
        return [a.id for a in self.adjacent_products if text and a.named_in(text)]

    def weight(self, signal_type: SignalType) -> float:
        return self.settings.weights[signal_type]


def parse_catalog(raw: object) -> Catalog:
    if not isinstance(raw, dict):
        raise CatalogError("catalog: the top level must be a mapping")
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(format_errors("catalog", exc)) from exc


def load_catalog(path: str | Path) -> Catalog:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"catalog {path}: cannot read ({exc.strerror})") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog {path}: not valid YAML ({exc})") from exc
    try:
        return parse_catalog(raw)
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from exc


def format_errors(what: str, exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:limit]:
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc or what}: {msg}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
