"""Salesforce gateway for crm_sync: the port, the simple-salesforce adapter and a fake."""

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
