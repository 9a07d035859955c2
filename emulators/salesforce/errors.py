"""Salesforce REST errors as the emulator raises and renders them.

Real Salesforce answers errors as a JSON *array* of objects; simple-salesforce
reads ``response.json()[0]["errorCode"]`` on a 401, so any other shape crashes
the client. Per-record results of sObject Collections use ``statusCode``
instead of ``errorCode``; both renderings live here so they cannot diverge.
"""

from __future__ import annotations

from typing import Any

INVALID_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)


class SfError(Exception):
    """One Salesforce error; ``status`` is the HTTP status of a whole-call failure."""

    def __init__(
        self,
        error_code: str,
        message: str,
        status: int = 400,
        fields: list[str] | None = None,
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.status = status
        self.fields = fields or []

    def as_rest(self) -> dict[str, Any]:
        return {"message": self.message, "errorCode": self.error_code, "fields": self.fields}

    def as_record_error(self) -> dict[str, Any]:
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields}

    def body(self) -> list[dict[str, Any]]:
        return [self.as_rest()]


def invalid_field(sobject: str, field: str) -> SfError:
    return SfError(
        "INVALID_FIELD", f"No such column '{field}' on entity '{sobject}'. {INVALID_FIELD_HINT}"
    )


def invalid_dml_field(sobject: str, field: str) -> SfError:
    """An unknown field in a record body (create, update, upsert): not the SOQL wording."""
    return SfError("INVALID_FIELD", f"No such column '{field}' on sobject of type {sobject}")


def not_found() -> SfError:
    return SfError("NOT_FOUND", "The requested resource does not exist", status=404)


def entity_deleted() -> SfError:
    return SfError("ENTITY_IS_DELETED", "entity is deleted", status=404)


def malformed_query(message: str) -> SfError:
    return SfError("MALFORMED_QUERY", message)


def session_invalid() -> SfError:
    return SfError("INVALID_SESSION_ID", "Session expired or invalid", status=401)


def limit_exceeded() -> SfError:
    return SfError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", status=403)


def lock_error() -> SfError:
    return SfError(
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record or 1 records",
    )


def rolled_back() -> SfError:
    return SfError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using "
        "AllOrNone header",
    )
