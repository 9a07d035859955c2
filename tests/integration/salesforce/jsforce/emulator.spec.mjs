// Drives the Salesforce emulator with jsforce (pinned in package.json), asserting
// what a real org answers. Run by tests/integration/salesforce/test_jsforce.py:
//   SF_URL, SF_CLIENT_ID, SF_CLIENT_SECRET, RUN_ID, NODE_EXTRA_CA_CERTS=<emulator CA>
// Prints one JSON line: {"<case>": "ok" | "<failure>"} for every case below.
import assert from "node:assert/strict";
import jsforce from "jsforce";

const { SF_URL, SF_CLIENT_ID, SF_CLIENT_SECRET, RUN_ID } = process.env;
const EXT = "Cross_Sell_Play_Id__c";
const COMPLETE = {
  Signal_Source__c: "Gainsight",
  Executive_Sponsor_Name__c: "Dana Reyes",
  Executive_Sponsor_Title__c: "VP Operations",
  Discovery_Answer_1__c: "Seats run out",
  Discovery_Answer_2__c: "Budget in Q3",
  Discovery_Answer_3__c: "Ops lead decides",
};
const opp = (key, extra = {}) => ({
  [EXT]: `${RUN_ID}-${key}`,
  Name: `jsforce ${key}`,
  StageName: "Prospecting",
  CloseDate: "2030-06-30",
  Type: "Cross-Sell",
  ...extra,
});

const oauth = (clientId, clientSecret) =>
  new jsforce.OAuth2({ loginUrl: SF_URL, clientId, clientSecret });
const token = await oauth(SF_CLIENT_ID, SF_CLIENT_SECRET).requestToken({
  grant_type: "client_credentials",
});
const conn = new jsforce.Connection({
  instanceUrl: token.instance_url,
  accessToken: token.access_token,
  version: "59.0",
});
const ids = {};

const rejects = async (promise, check) => {
  try {
    await promise;
  } catch (err) {
    check(err);
    return;
  }
  assert.fail("expected an error");
};

const cases = {
  async oauth_client_credentials() {
    assert.equal(token.token_type, "Bearer");
    assert.match(token.id, /\/id\/00D\w{15}\/005\w{15}$/);
    for (const key of ["access_token", "instance_url", "issued_at", "signature"]) {
      assert.ok(token[key], key);
    }
  },
  async oauth_errors_name_the_wrong_part() {
    await rejects(oauth(SF_CLIENT_ID, "wrong").requestToken({ grant_type: "client_credentials" }),
      (err) => assert.equal(err.name, "invalid_client"));
    await rejects(oauth("nope", "x").requestToken({ grant_type: "client_credentials" }),
      (err) => assert.equal(err.name, "invalid_client_id"));
  },
  async identity_and_userinfo() {
    const me = await conn.identity();
    assert.equal(me.id, token.id);
    assert.equal(me.username, "integration@crosssell.emulator");
    assert.match(me.organization_id, /^00D/);
    const info = await conn.request("/services/oauth2/userinfo");
    assert.equal(info.preferred_username, "integration@crosssell.emulator");
    assert.equal(info.user_id, me.user_id);
  },
  async collections_create_update_with_lowercase_id() {
    const created = await conn.sobject("Opportunity").create([opp("a"), opp("b")]);
    assert.deepEqual(created.map((r) => r.success), [true, true]);
    [ids.a, ids.b] = created.map((r) => r.id);
    // jsforce sends {"id": …} per record, as the REST docs do.
    const updated = await conn.sobject("Opportunity").update([
      { Id: ids.a, StageName: "Qualification" },
      { Id: ids.b, Amount: 1234 },
    ]);
    assert.deepEqual(updated.map((r) => [r.id, r.success]), [[ids.a, true], [ids.b, true]]);
    const a = await conn.sobject("Opportunity").retrieve(ids.a);
    assert.equal(a.StageName, "Qualification");
  },
  async collections_retrieve_post_and_get() {
    const missing = "006000000000000AAA";
    const got = await conn
      .sobject("Opportunity")
      .retrieve([ids.a, missing, ids.b], { fields: ["Name", "Amount"] });
    assert.equal(got.length, 3);
    assert.equal(got[0].Name, "jsforce a");
    assert.equal(got[1], null);
    assert.equal(got[2].Amount, 1234);
    const viaGet = await conn.request(
      `/services/data/v59.0/composite/sobjects/Opportunity?ids=${ids.a},${ids.b}&fields=Name`,
    );
    assert.deepEqual(viaGet.map((r) => r.Name), ["jsforce a", "jsforce b"]);
    assert.equal(viaGet[0].attributes.type, "Opportunity");
  },
  async collections_upsert_by_external_id() {
    const first = await conn.sobject("Opportunity").upsert([opp("u1"), opp("a", { StageName: "Qualification" })], EXT);
    assert.deepEqual(first.map((r) => [r.success, r.created]), [[true, true], [true, false]]);
    assert.equal(first[1].id, ids.a);
  },
  async soql_owner_name_count_group_by() {
    const where = `WHERE ${EXT} LIKE '${RUN_ID}-%'`;
    const owned = await conn.query(`SELECT Id, Owner.Name FROM Opportunity ${where}`);
    assert.equal(owned.records[0].Owner.Name, "Integration User");
    const count = await conn.query(`SELECT COUNT() FROM Opportunity ${where}`);
    assert.equal(count.totalSize, 3);
    assert.deepEqual(count.records, []);
    const grouped = await conn.query(
      `SELECT StageName, COUNT(Id) FROM Opportunity ${where} GROUP BY StageName ORDER BY StageName`,
    );
    assert.deepEqual(
      grouped.records.map((r) => [r.attributes.type, r.StageName, r.expr0]),
      [["AggregateResult", "Prospecting", 2], ["AggregateResult", "Qualification", 1]],
    );
  },
  async soql_child_subquery_and_date_literals() {
    await conn.sobject("Task").create({ WhatId: ids.a, Subject: `Review ${RUN_ID}` });
    const res = await conn.query(
      `SELECT Id, (SELECT Subject FROM Tasks) FROM Opportunity WHERE Id IN ('${ids.a}', '${ids.b}') ORDER BY Name`,
    );
    assert.equal(res.records[0].Tasks.totalSize, 1);
    assert.equal(res.records[0].Tasks.records[0].Subject, `Review ${RUN_ID}`);
    assert.equal(res.records[1].Tasks, null);
    for (const literal of ["TODAY", "THIS_YEAR", "LAST_N_DAYS:1", "THIS_MONTH"]) {
      const dated = await conn.query(
        `SELECT COUNT() FROM Opportunity WHERE CreatedDate = ${literal} AND ${EXT} LIKE '${RUN_ID}-%'`,
      );
      assert.equal(dated.totalSize, 3, literal);
    }
    const last = await conn.query(`SELECT COUNT() FROM Opportunity WHERE CreatedDate = LAST_YEAR AND ${EXT} LIKE '${RUN_ID}-%'`);
    assert.equal(last.totalSize, 0);
  },
  async query_columns_true() {
    const q = encodeURIComponent(`SELECT Id, Owner.Name, (SELECT Subject FROM Tasks) FROM Opportunity`);
    const meta = await conn.request(`/services/data/v59.0/query?q=${q}&columns=true`);
    assert.equal(meta.entityName, "Opportunity");
    assert.deepEqual(meta.columnMetadata.map((c) => [c.columnName, c.aggregate]),
      [["Id", false], ["Owner", false], ["Tasks", true]]);
    assert.equal(meta.columnMetadata[1].joinColumns[0].columnName, "Name");
  },
  async limits_main_entries() {
    const limits = await conn.limits();
    for (const name of ["DailyApiRequests", "DailyBulkApiBatches", "DailyBulkV2QueryJobs",
      "DailyAsyncApexExecutions", "DataStorageMB"]) {
      assert.ok(limits[name].Max > 0 && limits[name].Remaining <= limits[name].Max, name);
    }
  },
  async errors_are_salesforce_arrays() {
    await rejects(conn.sobject("Opportunity").create({ ...opp("bad"), Bogus__c: 1 }), (err) => {
      assert.equal(err.errorCode, "INVALID_FIELD");
      assert.equal(err.message, "No such column 'Bogus__c' on sobject of type Opportunity");
    });
    await rejects(conn.request("/services/data/v59.0/no/such/resource"),
      (err) => assert.equal(err.errorCode, "NOT_FOUND"));
    await rejects(conn.request("/services/nothing-here"),
      (err) => assert.equal(err.errorCode, "NOT_FOUND"));
    await rejects(
      conn.request({
        method: "PATCH",
        url: `/services/data/v59.0/sobjects/Opportunity/${EXT}/${RUN_ID}-a`,
        body: JSON.stringify({ [EXT]: `${RUN_ID}-other`, Amount: 5 }),
        headers: { "content-type": "application/json" },
      }),
      (err) => assert.equal(err.errorCode, "INVALID_FIELD"),
    );
  },
  async validation_rule_is_enforced() {
    await rejects(conn.sobject("Opportunity").create(opp("late", { StageName: "Closed Won" })),
      (err) => assert.equal(err.errorCode, "FIELD_CUSTOM_VALIDATION_EXCEPTION"));
    const ok = await conn.sobject("Opportunity").create(opp("late2", { StageName: "Closed Won", ...COMPLETE }));
    assert.ok(ok.success);
  },
  async bulk2_ingest_upsert_with_a_failed_row() {
    conn.bulk2.pollInterval = 100;
    const rows = [opp("bulk1"), opp("bulk2", { StageName: "Closed Won" }), opp("bulk3")];
    const res = await conn.bulk2.loadAndWaitForResults({
      object: "Opportunity",
      operation: "upsert",
      externalIdFieldName: EXT,
      input: rows,
    });
    assert.deepEqual(res.successfulResults.map((r) => [r[EXT], r.sf__Created]),
      [[`${RUN_ID}-bulk1`, "true"], [`${RUN_ID}-bulk3`, "true"]]);
    assert.equal(res.failedResults.length, 1);
    assert.equal(res.failedResults[0][EXT], `${RUN_ID}-bulk2`);
    assert.match(res.failedResults[0].sf__Error, /^FIELD_CUSTOM_VALIDATION_EXCEPTION:/);
    assert.deepEqual(res.unprocessedRecords, []);
    const again = await conn.bulk2.loadAndWaitForResults({
      object: "Opportunity", operation: "upsert", externalIdFieldName: EXT,
      input: [opp("bulk1", { Amount: 99 })],
    });
    assert.equal(again.successfulResults[0].sf__Created, "false");
  },
  async bulk2_insert_csv_then_delete() {
    conn.bulk2.pollInterval = 100;
    const csv = `Name,AnnualRevenue\n"${RUN_ID} One, Inc",1000\n${RUN_ID} Two,2000\n`;
    const inserted = await conn.bulk2.loadAndWaitForResults({
      object: "Account", operation: "insert", input: csv,
    });
    assert.deepEqual(inserted.successfulResults.map((r) => r.Name), [`${RUN_ID} One, Inc`, `${RUN_ID} Two`]);
    const ids = inserted.successfulResults.map((r) => ({ Id: r.sf__Id }));
    const deleted = await conn.bulk2.loadAndWaitForResults({
      object: "Account", operation: "delete", input: ids,
    });
    assert.equal(deleted.successfulResults.length, 2);
    const left = await conn.query(`SELECT COUNT() FROM Account WHERE Name LIKE '${RUN_ID}%'`);
    assert.equal(left.totalSize, 0);
  },
  async collections_delete_and_describe() {
    const res = await conn.sobject("Opportunity").destroy([ids.b]);
    assert.deepEqual(res.map((r) => [r.id, r.success]), [[ids.b, true]]);
    const found = await conn.sobject("Opportunity").find({ Id: ids.b }).execute();
    assert.deepEqual(found, []);
    const meta = await conn.sobject("Opportunity").describe();
    assert.ok(meta.fields.some((f) => f.name === EXT && f.externalId));
  },
  async bulk2_query() {
    conn.bulk2.pollInterval = 100;
    const stream = await conn.bulk2.query(
      `SELECT Id, ${EXT}, Owner.Name FROM Opportunity WHERE ${EXT} LIKE '${RUN_ID}-bulk%' ORDER BY ${EXT}`,
    );
    const records = await stream.toArray();
    assert.deepEqual(records.map((r) => r[EXT]), [`${RUN_ID}-bulk1`, `${RUN_ID}-bulk3`]);
    assert.equal(records[0]["Owner.Name"], "Integration User");
  },
};

const report = {};
for (const [name, run] of Object.entries(cases)) {
  try {
    await run();
    report[name] = "ok";
  } catch (err) {
    report[name] = `${err.name}: ${err.message}`.slice(0, 2000);
  }
}
process.stdout.write(`${JSON.stringify(report)}\n`);
