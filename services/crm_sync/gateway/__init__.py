"""Salesforce gateway for crm_sync: the port and the simple-salesforce adapter.

The fake (over an in-process emulator org) lives in ``tests/support``.
"""

from services.crm_sync.gateway.config import GatewayConfig, RetrySettings
from services.crm_sync.gateway.port import (
    ApiLimitExceeded,
    ApiUsage,
    GatewayError,
    RecordResult,
    SalesforceAuthError,
    SalesforceGateway,
    SalesforceRequestError,
    SalesforceUnavailable,
)

__all__ = [
    "ApiLimitExceeded",
    "ApiUsage",
    "GatewayConfig",
    "GatewayError",
    "RecordResult",
    "RetrySettings",
    "SalesforceAuthError",
    "SalesforceGateway",
    "SalesforceRequestError",
    "SalesforceUnavailable",
]
