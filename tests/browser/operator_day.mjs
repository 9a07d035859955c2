// The operator's day in the console (run by console.spec.mjs, views phase):
// one play worked end to end from its page (an exception, a brief refused for
// a missing item then completed, a meeting in the past refused then booked,
// discovery, the sponsor, closed won), a review resolved, the plays board
// filtered, sorted and exported to CSV (checked against the API), drill-down
// from the pipeline, the account page, and labels in words everywhere.

import assert from 'node:assert/strict';
import fs from 'node:fs';

const SNAKE = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;

export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else if (c !== '\r') cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

export async function wordsOnly(page, where) {
  const text = await page.evaluate(() => document.querySelector('main').innerText);
  const snake = [...new Set(text.match(SNAKE) || [])];
  assert.deepEqual(snake, [], `${where} shows raw identifiers: ${snake.join(', ')}`);
}

const local = (iso) => iso.slice(0, 16); // datetime-local input value (UTC page)

export async function operatorDay(page, t) {
  const { step, shot, orchestrator, CONSOLE_URL, ACTOR, allow, results } = t;
  const serverNow = async () => new Date((await (await fetch(new URL('config.json', CONSOLE_URL))).json()).now);
  const state = (s) => page.waitForSelector(`[data-testid=play-state] .badge[data-state=${s}]`);
  const submit = (form) => page.click(`[data-testid=submit-${form}]`);
  const formError = (form) => page.textContent(`[data-testid=form-${form}] [data-testid=form-error]`);
  let play;

  await step('a play worked end to end from the console, refusals shown inline', async () => {
    const open = (await orchestrator('/v1/plays', { state: 'open', limit: 50 })).items;
    assert.ok(open.length, 'the demo left no open play');
    play = open[0];
    const before = (await orchestrator(`/v1/plays/${play.id}`)).history.length;
    await page.goto(`${CONSOLE_URL}?poll=2#/play/${play.id}`);
    await page.waitForSelector('[data-testid=form-brief]');
    await wordsOnly(page, 'the play page');

    // the window may be short (the clock moved): a written exception first
    await page.click('[data-testid=action-exception]');
    await page.fill('[data-testid=form-exception] [name=reason]', 'too short');
    allow(`/v1/plays/${play.id}/exception`);
    await submit('exception');
    await page.waitForFunction(() => document.querySelector('[data-testid=form-exception] [data-testid=form-error]').textContent.includes('20 characters'));
    await page.fill('[data-testid=form-exception] [name=reason]', 'The customer asked to meet after their quarter close; agreed with the manager');
    await submit('exception');
    await page.waitForSelector('[data-testid=form-brief]'); // back to the next step

    // the brief without its executive sponsor is refused, item 4 named at its field
    allow(`/v1/plays/${play.id}/brief`);
    await page.fill('[data-testid=form-brief] [name="sponsor.name"]', '');
    await page.fill('[data-testid=form-brief] [name="sponsor.title"]', '');
    await submit('brief');
    await page.waitForFunction(() => document.querySelector('[data-error-for="sponsor.name"]').textContent.includes('item 4'));
    assert.equal(await page.getAttribute('[data-testid=form-brief]', 'data-status'), '422');
    await shot(page, 'play-brief-refused');
    await page.fill('[data-testid=form-brief] [name="sponsor.name"]', 'Grace Liu');
    await page.fill('[data-testid=form-brief] [name="sponsor.title"]', 'VP Operations');
    if (!(await page.inputValue('[data-testid=form-brief] [name="pain.operator.name"]'))) {
      await page.fill('[data-testid=form-brief] [name="pain.operator.name"]', 'Dana Ruiz');
      await page.fill('[data-testid=form-brief] [name="pain.operator.title"]', 'Operations Lead');
      await page.fill('[data-testid=form-brief] [name="pain.where"]', 'recorded call, weekly ops review');
      await page.fill('[data-testid=form-brief] [name="pain.confirmed_at"]', (await serverNow()).toISOString().slice(0, 10));
    }
    await submit('brief');
    await state('briefed');

    // a meeting in the past is refused with the API's words; then booked ahead
    const now = await serverNow();
    allow(`/v1/plays/${play.id}/meeting`);
    await page.fill('[data-testid=form-meeting] [name=meeting_at]', local(new Date(now.getTime() - 86_400_000).toISOString()));
    await page.fill('[data-testid=form-meeting] [name=attendees]', `Dana Ruiz, ${ACTOR}`);
    await submit('meeting');
    await page.waitForFunction(() => document.querySelector('[data-testid=form-meeting] [data-testid=form-error]').textContent.includes('in the past'));
    await page.fill('[data-testid=form-meeting] [name=meeting_at]', local(new Date(now.getTime() + 2 * 86_400_000).toISOString()));
    await page.fill('[data-testid=form-meeting] [name=agenda]', 'How the weekly hand-offs run today');
    await submit('meeting');
    await state('meeting_booked');

    await page.fill('[data-testid=form-discovery] [name=current_workflow]', 'Two coordinators re-key every order into the planning board, weekly.');
    await page.fill('[data-testid=form-discovery] [name=time_or_accuracy_loss]', 'About 20 hours a week, and last quarter two launches slipped.');
    await page.fill('[data-testid=form-discovery] [name=one_fix]', 'Orders create the next task themselves; the planners feel it first.');
    await submit('discovery');
    await state('discovery_done');

    await submit('sponsor'); // the brief's sponsor, pre-filled: one record of the person
    await state('sponsor_engaged');
    const owner = await page.textContent('[data-testid=sponsor-owner]');
    assert.equal(await page.textContent('[data-testid=brief-owner]'), owner);
    assert.equal(await page.textContent('[data-testid=sponsor-name]'), 'Grace Liu');

    await page.fill('[data-testid=form-close] [name=amount]', '42000');
    await submit('close');
    await state('won');
    const after = await orchestrator(`/v1/plays/${play.id}`);
    assert.equal(after.state, 'won');
    assert.equal(after.won_amount, 42000);
    const mine = after.history.slice(before).filter((h) => h.actor !== 'system');
    assert.deepEqual(mine.map((h) => h.command), ['grant_exception', 'submit_brief', 'book_meeting', 'record_discovery(fit)', 'engage_sponsor', 'close(won)']);
    assert.ok(mine.every((h) => h.actor === ACTOR), `actors: ${mine.map((h) => h.actor)}`);
    const shown = await page.$$eval('[data-testid=history-actor]', (cells) => cells.map((c) => c.textContent));
    assert.equal(shown.filter((a) => a === ACTOR).length, mine.length);
    results.worked_play = play.id;
    await shot(page, 'play-won');
  });

  await step('the account page: facts, gates, signals and plays', async () => {
    await page.click('[data-testid=account-link]');
    await page.waitForSelector('#account-body[data-loaded="true"]');
    assert.equal((await page.textContent('[data-testid=account-name]')).trim(), play.account_name);
    assert.ok(await page.$(`[data-testid=account-plays] a[href="#/play/${encodeURIComponent(play.id)}"]`));
    await wordsOnly(page, 'the account page');
    await shot(page, 'account');
  });

  await step('a review resolved from the queue: note required, then gone, in the history', async () => {
    await page.goto(`${CONSOLE_URL}?poll=2#/reviews`);
    await page.waitForSelector('#review-rows[data-loaded="true"]');
    const review = (await orchestrator('/v1/reviews', { limit: 50 })).items[0];
    assert.ok(review, 'no review due');
    await page.click(`[data-review-id="${review.id}"] [data-testid=resolve]`);
    allow(`/v1/reviews/${encodeURIComponent(review.id)}/resolve`);
    await submit('resolve');
    await page.waitForFunction(() => document.querySelector('[data-testid=form-resolve] [data-error-for=note]').textContent.length > 0);
    await page.selectOption('[data-testid=form-resolve] [name=outcome]', 'escalated');
    await page.fill('[data-testid=form-resolve] [name=note]', 'Sponsor unreachable for two weeks; VP call booked for Monday');
    await shot(page, 'reviews-resolve');
    await submit('resolve');
    await page.waitForSelector(`[data-review-id="${review.id}"]`, { state: 'detached' });
    const after = await orchestrator(`/v1/plays/${review.play_id}`);
    const last = after.history.at(-1);
    assert.equal(last.command, 'resolve_review');
    assert.equal(last.actor, ACTOR);
    assert.match(last.reason, /escalated: Sponsor unreachable/);
    const queue = await orchestrator('/v1/reviews', { limit: 200 });
    assert.ok(!queue.items.some((r) => r.id === review.id), 'the resolved review is still due');
    await wordsOnly(page, 'the review queue');
  });

  await step('plays board: filter by part of an owner, sort a column, CSV rows = the API', async () => {
    const every = await orchestrator('/v1/board/plays', { limit: 500 });
    const owner = every.items.find((p) => p.owner)?.owner;
    const part = owner.split(' ').at(-1).toLowerCase();
    await page.goto(`${CONSOLE_URL}?poll=30#/plays?state=all`);
    await page.waitForSelector('#plays-rows[data-loaded="true"]');
    await page.fill('[data-testid=filter-owner]', part);
    await page.press('[data-testid=filter-owner]', 'Enter');
    await page.waitForFunction((p) => window.location.hash.includes(`owner=${p}`), part);
    await page.waitForSelector('#plays-rows[data-loaded="true"]');
    const owners = await page.$$eval('[data-testid=cell-owner]', (cells) => cells.map((c) => c.firstChild.textContent.trim()));
    assert.ok(owners.length > 0 && owners.every((o) => o.toLowerCase().includes(part)), `owners ${owners}`);
    const filtered = await orchestrator('/v1/board/plays', { owner: part, limit: 500 });
    assert.equal(Number(await page.getAttribute('[data-testid=chip-all]', 'data-count')), filtered.total);

    await page.click('[data-testid=sort-expected_amount]');
    await page.waitForFunction(() => window.location.hash.includes('sort=expected_amount'));
    await page.waitForSelector('#plays-rows[data-loaded="true"]');
    const amounts = await page.$$eval('[data-testid=cell-expected]', (cells) => cells.map((c) => Number(c.dataset.value)));
    assert.deepEqual(amounts, [...amounts].sort((a, b) => a - b));
    await page.click('[data-testid=sort-expected_amount]');
    await page.waitForFunction(() => window.location.hash.includes('sort=-expected_amount'));
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('[data-testid=cell-expected]')].map((c) => Number(c.dataset.value));
      return v.length > 1 ? v[0] >= v.at(-1) : true;
    });
    await wordsOnly(page, 'the plays board');
    await shot(page, 'plays-filtered');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=plays-csv]')]);
    const rows = parseCsv(fs.readFileSync(await download.path(), 'utf8'));
    const api = [];
    for (const name of new Set(rows.map((r) => r.owner))) {
      let cursor = null;
      do {
        const pageOf = await orchestrator('/v1/plays', { owner: name, limit: 200, ...(cursor ? { cursor } : {}) });
        api.push(...pageOf.items);
        cursor = pageOf.next_cursor;
      } while (cursor);
    }
    const key = (p) => `${p.id}|${p.state}|${p.owner}|${p.account_id}|${Number(p.expected_amount)}`;
    assert.equal(rows.length, filtered.total);
    assert.deepEqual(rows.map(key).sort(), api.filter((p) => p.owner.toLowerCase().includes(part)).map(key).sort());
    const csvAmounts = rows.map((r) => Number(r.expected_amount));
    assert.deepEqual(csvAmounts, [...csvAmounts].sort((a, b) => b - a), 'the CSV keeps the board order');
    results.csv_rows_checked = rows.length;
  });

  await step('drill-down: a state bar and the win-rate tile open the plays behind them', async () => {
    await page.goto(`${CONSOLE_URL}?poll=30#/pipeline`);
    await page.waitForSelector('#pipeline-body[data-loaded="true"]');
    await wordsOnly(page, 'the pipeline');
    const bar = await page.$('[data-testid=state-chart] a.drill g.state-won, [data-testid=state-chart] a.drill g.bar.state-won');
    await (bar || (await page.$('[data-testid=state-chart] a.drill'))).click();
    await page.waitForFunction(() => window.location.hash.startsWith('#/plays') && window.location.hash.includes('state='));
    const wanted = new URLSearchParams(await page.evaluate(() => window.location.hash.split('?')[1])).get('state');
    await page.waitForSelector('#plays-rows[data-loaded="true"]');
    const states = await page.$$eval('[data-testid=play-row]', (rows) => rows.map((r) => r.dataset.state));
    assert.ok(states.length > 0 && states.every((s) => s === wanted), `${wanted}: ${states}`);
    await page.goto(`${CONSOLE_URL}?poll=30#/pipeline`);
    await page.click('[data-testid=kpi-win-rate]');
    await page.waitForFunction(() => window.location.hash.includes('state=won'));
    await page.waitForSelector('#plays-rows[data-loaded="true"]');
    assert.ok((await page.$$eval('[data-testid=play-row]', (r) => r.map((x) => x.dataset.state))).every((s) => s === 'won'));
  });
}
