"""Coaching material for a cross-sell play: hypothesis, talk track and a language check.

Everything here is pure and deterministic (no clock, no network); the only I/O is reading the
versioned language rules file.
"""

from services.play_orchestrator.coaching.context import (
    Account,
    CatalogEntry,
    CoreProduct,
    GateCheck,
    MetricEvidence,
    NoteEvidence,
    Play,
    PlayContext,
    QuoteEvidence,
    Signal,
    SignalType,
    Stakeholder,
    WorkaroundEvidence,
)
from services.play_orchestrator.coaching.evidence import evidence_phrases
from services.play_orchestrator.coaching.hypothesis import (
    GIVE_GET_RULES,
    GiveGet,
    Hypothesis,
    SignalSummary,
    build_hypothesis,
)
from services.play_orchestrator.coaching.language import (
    LanguageFinding,
    LanguageReport,
    LanguageRules,
    LanguageRulesError,
    check_language,
    default_language_rules,
    load_language_rules,
)
from services.play_orchestrator.coaching.people import PersonPick
from services.play_orchestrator.coaching.talk_track import (
    DiscoveryQuestion,
    TalkTrack,
    ValueMap,
    build_talk_track,
)

__all__ = [
    "GIVE_GET_RULES",
    "Account",
    "CatalogEntry",
    "CoreProduct",
    "DiscoveryQuestion",
    "GateCheck",
    "GiveGet",
    "Hypothesis",
    "LanguageFinding",
    "LanguageReport",
    "LanguageRules",
    "LanguageRulesError",
    "MetricEvidence",
    "NoteEvidence",
    "PersonPick",
    "Play",
    "PlayContext",
    "QuoteEvidence",
    "Signal",
    "SignalSummary",
    "SignalType",
    "Stakeholder",
    "TalkTrack",
    "ValueMap",
    "WorkaroundEvidence",
    "build_hypothesis",
    "build_talk_track",
    "check_language",
    "default_language_rules",
    "evidence_phrases",
    "load_language_rules",
]
