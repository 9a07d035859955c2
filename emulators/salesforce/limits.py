"""The ``limits`` resource: the org's main allocations and what is left of them.

Only DailyApiRequests, DailyBulkApiBatches and DailyBulkV2QueryJobs move
(the emulator counts them); the rest report a new Enterprise org's
allocations untouched, so clients that read them find the keys they expect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> Max, as a Developer/Enterprise org reports them.
STATIC_MAX = {
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentSyncReportRuns": 20,
    "DailyAsyncApexExecutions": 250_000,
    "DailyBulkApiBatches": 15_000,
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyBulkV2QueryJobs": 10_000,
    "DailyDurableGenericStreamingApiEvents": 10_000,
    "DailyDurableStreamingApiEvents": 10_000,
    "DailyGenericStreamingApiEvents": 10_000,
    "DailyStandardVolumePlatformEvents": 10_000,
    "DailyStreamingApiEvents": 10_000,
    "DailyWorkflowEmails": 1_000,
    "DataStorageMB": 5,
    "FileStorageMB": 20,
    "HourlyAsyncReportRuns": 1_200,
    "HourlyDashboardRefreshes": 200,
    "HourlyDashboardResults": 5_000,
    "HourlyODataCallout": 10_000,
    "HourlyPublishedPlatformEvents": 50_000,
    "HourlySyncReportRuns": 500,
    "HourlyTimeBasedWorkflow": 50,
    "MassEmail": 10,
    "PermissionSets": 1_500,
    "SingleEmail": 15,
}


def org_limits(
    api_limit: int, api_used: int, used_of: Callable[[str], int]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        "DailyApiRequests": {"Max": api_limit, "Remaining": max(0, api_limit - api_used)}
    }
    for name, maximum in STATIC_MAX.items():
        out[name] = {"Max": maximum, "Remaining": max(0, maximum - used_of(name))}
    return dict(sorted(out.items()))
