"""Pure domain of signal_ingest: catalog, account state, signal rules, gates,
scoring and vendor mappings. No I/O, no clock: time is passed in."""

from .catalog import Catalog, CatalogError, Settings, load_catalog, parse_catalog
from .codec import state_from_dict, state_to_dict
from .engine import ApplyResult, EventOutcome, apply_event, process_event, record_play_event
from .gates import (
    GateAssessment,
    Reevaluation,
    assess_gates,
    classify,
    classify_candidate,
    evaluate_gates,
    reevaluate_suppressed,
)
from .mapping_config import MappingError, VendorMapping, load_mapping, parse_mapping
from .scoring import PlayScore, play_score, score_for_play, should_open_play
from .signals import (
    GATE_ORDER,
    HEALTH_YELLOW_FLAG,
    MISSING_FACT_FLAG,
    GateReason,
    MissingFact,
    Signal,
    SignalCandidate,
    SignalStatus,
    SignalType,
    missing_facts,
)
from .state import AccountState
from .vendor_mapping import MappedItem, map_churnzero, map_gainsight
from .views import account_view

__all__ = [
    "GATE_ORDER",
    "HEALTH_YELLOW_FLAG",
    "MISSING_FACT_FLAG",
    "MissingFact",
    "missing_facts",
    "AccountState",
    "ApplyResult",
    "Catalog",
    "CatalogError",
    "EventOutcome",
    "GateAssessment",
    "GateReason",
    "MappedItem",
    "MappingError",
    "PlayScore",
    "Reevaluation",
    "Settings",
    "Signal",
    "SignalCandidate",
    "SignalStatus",
    "SignalType",
    "VendorMapping",
    "account_view",
    "apply_event",
    "assess_gates",
    "classify",
    "classify_candidate",
    "evaluate_gates",
    "load_catalog",
    "load_mapping",
    "map_churnzero",
    "map_gainsight",
    "parse_mapping",
    "parse_catalog",
    "play_score",
    "process_event",
    "record_play_event",
    "reevaluate_suppressed",
    "score_for_play",
    "should_open_play",
    "state_from_dict",
    "state_to_dict",
]
