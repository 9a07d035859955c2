// Small SVG charts drawn here (no chart library): horizontal bars and a funnel.
// Each returns an html`` value holding one <svg> that scales to its container.

import { html, label } from './dom.js';

const ROW = 30;
const BAR = 18;

// rows: [{label, value, text, cls, href}] ; max: the value of a full bar; a
// row with href drills down (a link around its bar).
export function barChart(rows, { max = null, labelWidth = 170, width = 560, testid = '' } = {}) {
  if (!rows.length) return html`<p class="empty">No data in this period.</p>`;
  const top = max ?? Math.max(...rows.map((r) => r.value), 1);
  const plot = width - labelWidth - 90;
  const height = rows.length * ROW + 6;
  return html`<svg class="chart" data-testid="${testid}" viewBox="0 0 ${width} ${height}" role="img"
      preserveAspectRatio="xMinYMin meet">
    ${rows.map((r, i) => {
      const y = i * ROW + 4;
      const w = top > 0 ? Math.max(r.value > 0 ? 2 : 0, (plot * r.value) / top) : 0;
      const open = r.href ? html`<a href="${r.href}" class="drill" data-testid="drill-${testid}">` : '';
      return html`${open}<g class="bar ${r.cls || ''}" data-label="${r.label}" data-value="${r.value}">
        <text x="${labelWidth - 8}" y="${y + BAR / 2 + 4}" text-anchor="end" class="axis">${label(r.label)}</text>
        <rect x="${labelWidth}" y="${y}" width="${plot}" height="${BAR}" class="track" rx="3"></rect>
        <rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" class="fill" rx="3"></rect>
        <text x="${labelWidth + w + 6}" y="${y + BAR / 2 + 4}" class="value">${r.text ?? r.value}</text>
      </g>${r.href ? html`</a>` : ''}`;
    })}
  </svg>`;
}

// stages: [{stage, plays, conversion_pct}] from GET /v1/metrics/funnel.
export function funnelChart(stages, { width = 560, href = null } = {}) {
  const first = stages[0]?.plays || 0;
  if (!first) return html`<p class="empty">No play opened in this period.</p>`;
  const labelWidth = 150;
  const plot = width - labelWidth - 130;
  const rowH = 40;
  const height = stages.length * rowH;
  return html`<svg class="chart funnel" data-testid="funnel-chart" viewBox="0 0 ${width} ${height}" role="img"
      preserveAspectRatio="xMinYMin meet">
    ${stages.map((s, i) => {
      const y = i * rowH + 6;
      const w = Math.max(s.plays ? 3 : 0, (plot * s.plays) / first);
      const x = labelWidth + (plot - w) / 2;
      const conv = s.conversion_pct === null ? '' : `${s.conversion_pct.toFixed(0)}% of prev.`;
      return html`${href ? html`<a href="${href(s.stage)}" class="drill">` : ''}<g class="stage stage-${s.stage}" data-stage="${s.stage}" data-plays="${s.plays}">
        <text x="${labelWidth - 10}" y="${y + 18}" text-anchor="end" class="axis">${label(s.stage)}</text>
        <rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="26" rx="4" class="fill"></rect>
        <text x="${labelWidth + plot / 2}" y="${y + 18}" text-anchor="middle" class="inbar">${s.plays}</text>
        <text x="${labelWidth + plot + 12}" y="${y + 18}" class="value">${conv}</text>
      </g>${href ? html`</a>` : ''}`;
    })}
  </svg>`;
}

// A thin gauge for a usage reading against its limit (signals feed).
export function gauge(value, limit, { width = 160 } = {}) {
  if (!limit) return html``;
  const share = Math.min(1, value / limit);
  const cls = share >= 0.9 ? 'hot' : share >= 0.8 ? 'warm' : '';
  return html`<svg class="gauge ${cls}" viewBox="0 0 ${width} 10" width="${width}" height="10" role="img">
    <rect width="${width}" height="10" rx="5" class="track"></rect>
    <rect width="${(width * share).toFixed(1)}" height="10" rx="5" class="fill"></rect>
    <line x1="${width * 0.8}" x2="${width * 0.8}" y1="0" y2="10" class="mark"></line>
  </svg>`;
}
