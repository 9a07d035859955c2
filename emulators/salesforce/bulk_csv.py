"""CSV as Bulk API 2.0 reads and writes it.

Upload: the first line names the fields (``Account.Ext__c`` sets a lookup by
the parent's external id); an empty value leaves a field alone and ``#N/A``
sets it to null. Results: every value quoted, LF line endings, ``sf__Id`` /
``sf__Created`` / ``sf__Error`` columns in front of the row as uploaded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from emulators.salesforce.errors import SfError
from emulators.salesforce.schema import ObjectDef

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL = "#N/A"


def parse(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows); a row whose length differs from the header is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter])
    lines = [row for row in reader if row != []]
    if not lines:
        raise SfError("INVALIDJOB", "No data was found in the uploaded content")
    header = [h.strip() for h in lines[0]]
    if len(set(h.lower() for h in header)) != len(header):
        raise SfError("INVALIDJOB", "Duplicate header column in the uploaded content")
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != len(header):
            raise SfError(
                "INVALIDJOB",
                f"ClientInputError : LineNumber {number}: the number of columns in the row "
                "doesn't match the header",
            )
    return header, lines[1:]


def check_header(obj: ObjectDef, header: Sequence[str]) -> None:
    for name in header:
        head, _, child = name.partition(".")
        known = obj.relationship(head) is not None if child else obj.field(head) is not None
        if not known:
            raise SfError("INVALIDJOB", f"Field name not found : {name}")


def body(obj: ObjectDef, header: Sequence[str], row: Sequence[str]) -> dict[str, Any]:
    """The record a CSV row stands for, typed like a JSON body would be."""
    out: dict[str, Any] = {}
    for name, raw in zip(header, row, strict=True):
        if raw == "":
            continue
        value: Any = None if raw == NULL else raw
        head, _, child = name.partition(".")
        if child:
            out[head] = {child: value}
            continue
        fdef = obj.field(head)
        if value is not None and fdef is not None and fdef.type == "boolean":
            value = _boolean(value)
        out[head] = value
    return out


def _boolean(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return text  # coerce() refuses it with the JSON wording, as for a bad JSON value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def render(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    delimiter: str = "COMMA",
    line_ending: str = "LF",
    quote_all: bool = True,
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=DELIMITERS[delimiter],
        lineterminator=LINE_ENDINGS[line_ending],
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


def error_text(err: SfError) -> str:
    """``sf__Error`` as Salesforce writes it: ``CODE:message:fields --``."""
    return f"{err.error_code}:{err.message}:{','.join(err.fields)} --"
