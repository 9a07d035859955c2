"""Pure domain of crm_sync: no I/O, no clock; time and Salesforce state are passed in.

- ``opportunity``: play snapshot -> Opportunity fields; field ownership (``merge_for_write``).
- ``hygiene``: the required fields, ``Cross_Sell_Hygiene__c``, stage gate, hygiene Task.
- ``feedback``: Salesforce changes -> ``crosssell.crm`` messages; echo detection.
- ``soap`` / ``webhook``: the two inbound notification formats, parsed and checked.
- ``tasks``: review/deadline Tasks, one open per (play, purpose), keyed in the Subject.
"""

from .evidence import EvidenceQuote, SignalEvidence, format_evidence
from .feedback import (
    CrmCommand,
    DiscoveryAnswersChanged,
    OpportunityClosed,
    SponsorChanged,
    feedback_commands,
    is_echo,
    is_older,
)
from .hygiene import (
    EnforcementConfig,
    EnforcementDecision,
    OpportunityChange,
    enforce,
    hygiene_text,
    missing_items,
)
from .opportunity import PlaySnapshot, merge_for_write, opportunity_fields, signal_source_value
from .soap import (
    Notification,
    OutboundMessage,
    SoapParseError,
    ack_response,
    build_outbound_message,
    parse_outbound_message,
    soap_fault,
)
from .tasks import TaskAction, TaskDecision, TaskPurpose, TaskSpec, play_task, task_key
from .webhook import (
    SignatureError,
    WebhookNotification,
    WebhookParseError,
    parse_webhook,
    sign,
    verify_signature,
)

__all__ = [
    "CrmCommand",
    "DiscoveryAnswersChanged",
    "EnforcementConfig",
    "EnforcementDecision",
    "EvidenceQuote",
    "Notification",
    "OpportunityChange",
    "OpportunityClosed",
    "OutboundMessage",
    "PlaySnapshot",
    "SignalEvidence",
    "SignatureError",
    "SoapParseError",
    "SponsorChanged",
    "TaskAction",
    "TaskDecision",
    "TaskPurpose",
    "TaskSpec",
    "WebhookNotification",
    "WebhookParseError",
    "ack_response",
    "build_outbound_message",
    "enforce",
    "feedback_commands",
    "format_evidence",
    "hygiene_text",
    "is_echo",
    "is_older",
    "merge_for_write",
    "missing_items",
    "opportunity_fields",
    "parse_outbound_message",
    "parse_webhook",
    "play_task",
    "sign",
    "signal_source_value",
    "soap_fault",
    "task_key",
    "verify_signature",
]
