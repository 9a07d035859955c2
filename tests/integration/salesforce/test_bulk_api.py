"""Bulk API 2.0 over HTTPS as its resources answer: job states, CSV in and out, errors."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests

from emulators.salesforce.server import EmulatorServer
from tests.integration.salesforce.conftest import fetch_token

EXT = "Cross_Sell_Play_Id__c"


class Bulk:
    def __init__(self, emulator: EmulatorServer, http: requests.Session) -> None:
        token = fetch_token(emulator, http)
        self.base = token["instance_url"] + "/services/data/v59.0/jobs"
        self.http = http
        self.auth = {"Authorization": f"Bearer {token['access_token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.http.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def csv_rows(self, path: str, **params: str) -> list[dict[str, str]]:
        response = self.call("GET", path, params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.text)))


@pytest.fixture
def bulk(emulator: EmulatorServer, http: requests.Session) -> Bulk:
    return Bulk(emulator, http)


def _upload(bulk: Bulk, job_id: str, text: str) -> requests.Response:
    return bulk.call(
        "PUT", f"/ingest/{job_id}/batches", data=text.encode(), headers={"Content-Type": "text/csv"}
    )


def test_ingest_job_lifecycle_and_results(bulk: Bulk, uid: str) -> None:
    created = bulk.call(
        "POST",
        "/ingest",
        json={"object": "Opportunity", "operation": "upsert", "externalIdFieldName": EXT},
    ).json()
    assert (created["state"], created["jobType"], created["contentType"]) == (
        "Open",
        "V2Ingest",
        "CSV",
    )
    assert created["id"].startswith("750")
    assert created["contentUrl"] == f"services/data/v59.0/jobs/ingest/{created['id']}/batches"
    job = f"/ingest/{created['id']}"
    early = bulk.call("GET", f"{job}/successfulResults")
    assert early.status_code == 400 and early.json()[0]["errorCode"]
    data = (
        f"{EXT},Name,StageName,CloseDate,Amount,Description\n"
        f'{uid}-1,One,Prospecting,2030-01-31,10,"multi\nline, quoted"\n'
        f"{uid}-2,,Prospecting,2030-01-31,20,\n"
        f"{uid}-3,Three,Nope,2030-01-31,#N/A,\n"
    )
    assert _upload(bulk, created["id"], data).status_code == 201
    again = _upload(bulk, created["id"], data)
    assert again.status_code == 400 and "multiple contents" in again.json()[0]["message"]
    closed = bulk.call("PATCH", job, json={"state": "UploadComplete"}).json()
    assert closed["state"] == "UploadComplete"
    info = bulk.call("GET", job).json()
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        3,
        2,
    )
    [ok] = bulk.csv_rows(f"{job}/successfulResults")
    assert (ok["sf__Created"], ok[EXT], ok["Description"]) == (
        "true",
        f"{uid}-1",
        "multi\nline, quoted",
    )
    failed = bulk.csv_rows(f"{job}/failedResults")
    assert [r["sf__Error"].split(":")[0] for r in failed] == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]
    assert failed[0]["sf__Error"].endswith(":Name --")
    assert bulk.csv_rows(f"{job}/unprocessedrecords") == []
    assert bulk.call("DELETE", job).status_code == 204
    assert bulk.call("GET", job).status_code == 404


def test_job_with_an_unknown_column_fails_whole(bulk: Bulk, uid: str) -> None:
    created = bulk.call("POST", "/ingest", json={"object": "Account", "operation": "insert"})
    job_id = created.json()["id"]
    _upload(bulk, job_id, f"Name,Bogus__c\n{uid},x\n")
    bulk.call("PATCH", f"/ingest/{job_id}", json={"state": "UploadComplete"})
    info = bulk.call("GET", f"/ingest/{job_id}").json()
    assert info["state"] == "Failed" and "Bogus__c" in info["errorMessage"]


def test_bad_job_requests_are_refused(bulk: Bulk) -> None:
    no_ext = bulk.call("POST", "/ingest", json={"object": "Opportunity", "operation": "upsert"})
    assert no_ext.status_code == 400
    bad_op = bulk.call("POST", "/ingest", json={"object": "Opportunity", "operation": "merge"})
    assert bad_op.status_code == 400
    unknown = bulk.call("GET", "/ingest/750000000000000AAA")
    assert unknown.status_code == 404 and unknown.json()[0]["errorCode"] == "NOT_FOUND"


def test_query_job_pages_csv_with_a_locator(
    bulk: Bulk, uid: str, emulator: EmulatorServer, http: requests.Session
) -> None:
    created = bulk.call("POST", "/ingest", json={"object": "Account", "operation": "insert"})
    job_id = created.json()["id"]
    rows = "".join(f"{uid}-{i:02d},{i * 1000}\n" for i in range(25))
    _upload(bulk, job_id, "Name,AnnualRevenue\n" + rows)
    bulk.call("PATCH", f"/ingest/{job_id}", json={"state": "UploadComplete"})
    soql = (
        "SELECT Name, AnnualRevenue, Owner.Name FROM Account "
        f"WHERE Name LIKE '{uid}-%' ORDER BY Name"
    )
    query = bulk.call("POST", "/query", json={"operation": "query", "query": soql}).json()
    assert query["state"] == "UploadComplete"
    assert bulk.call("GET", f"/query/{query['id']}").json()["state"] == "JobComplete"
    first = bulk.call("GET", f"/query/{query['id']}/results", params={"maxRecords": "10"})
    assert first.headers["Sforce-NumberOfRecords"] == "10"
    locator = first.headers["Sforce-Locator"]
    names = [r["Name"] for r in csv.DictReader(io.StringIO(first.text))]
    while locator != "null":
        page = bulk.call(
            "GET",
            f"/query/{query['id']}/results",
            params={"maxRecords": "10", "locator": locator},
        )
        locator = page.headers["Sforce-Locator"]
        names += [r["Name"] for r in csv.DictReader(io.StringIO(page.text))]
    assert names == [f"{uid}-{i:02d}" for i in range(25)]
    header = first.text.splitlines()[0]
    assert header == '"Name","AnnualRevenue","Owner.Name"'
    bad = bulk.call("POST", "/query", json={"operation": "query", "query": "SELECT FROM"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "MALFORMED_QUERY"
