// The status page: one HTML document with its style and script inline, so it needs no build
// step, no external assets and no network beyond Sluice itself. The script polls /api/status
// and works out rates from the difference between two polls. Every value that comes from data
// (tenant ids, metric names, error messages) is set as text, never as HTML.

const STYLE = `
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #5d6778; --line: #d9dde4; --ok: #1a7f37; --warn: #b35900; --bad: #c62828; --accent: #2456b3; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
  header { padding: 16px 24px; background: #1d2330; color: #fff; }
  header h1 { margin: 0 0 4px; font-size: 20px; }
  header p { margin: 0; color: #c9d1de; max-width: 70em; }
  main { padding: 16px 24px 32px; display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  section.wide { grid-column: 1 / -1; }
  h2 { margin: 0 0 2px; font-size: 16px; }
  .hint { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
  .pipeline { border-top: 1px solid var(--line); padding: 10px 0; }
  .pipeline h3 { margin: 0 0 8px; font-size: 14px; }
  .pipeline h3 .meta { color: var(--muted); font-weight: normal; margin-left: 8px; }
  .flow { display: flex; align-items: stretch; flex-wrap: wrap; gap: 4px; }
  .arrow { align-self: center; color: var(--muted); font-size: 18px; padding: 0 2px; }
  .node { min-width: 150px; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 6px 10px; background: #fbfcfd; }
  .node.receiver { border-left-color: #6f42c1; }
  .node.exporter { border-left-color: #0b7285; }
  .node .kind { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
  .node .name { font-weight: 600; margin-bottom: 2px; }
  .fig { display: flex; justify-content: space-between; gap: 10px; font-variant-numeric: tabular-nums; }
  .fig span:first-child { color: var(--muted); }
  .bar { height: 6px; background: #e8ebf0; border-radius: 3px; overflow: hidden; margin-top: 4px; }
  .bar > div { height: 100%; background: var(--ok); }
  .bar.high > div { background: var(--bad); }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  td.num, th.num { text-align: right; }
  .ok { color: var(--ok); } .late { color: var(--bad); font-weight: 600; } .bad { color: var(--bad); }
  .empty { color: var(--muted); font-style: italic; }
  #status.down { color: #ffb4b4; }
`;

// Wrapped in a function when written out: a global named like a window property (top, name,
// status) would stop the whole script.
const SCRIPT = `
'use strict';
const ITEMS = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };
let prev = null;
let cur = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'style') node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}
function series(s, name) { const f = s && s.metrics[name]; return f ? f.series : []; }
function matches(labels, want) { for (const k in want) if (labels[k] !== want[k]) return false; return true; }
function total(s, name, want) { let t = 0; for (const x of series(s, name)) if (matches(x.labels, want)) t += x.value; return t; }
function rate(name, want) {
  if (prev === null) return null;
  const dt = (cur.now - prev.now) / 1000;
  return dt > 0 ? Math.max(0, (total(cur, name, want) - total(prev, name, want)) / dt) : null;
}
function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '…';
  if (v >= 1e9) return (v / 1e9).toFixed(2) + 'G';
  if (v >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (v >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}
function fmtRate(v) { return v === null ? '…' : fmtNum(v) + '/s'; }
function fmtAge(s) {
  if (s < 1) return Math.round(s * 1000) + ' ms';
  if (s < 120) return s.toFixed(1) + ' s';
  return Math.round(s / 60) + ' min';
}
function fig(label, key, value, cls) {
  return el('div', { class: 'fig' }, el('span', {}, label), el('b', { 'data-fig': key, class: cls || '' }, value));
}

/** A quantile from cumulative histogram buckets (as Prometheus interpolates within a bucket). */
function quantile(q, bounds, buckets) {
  const count = buckets[buckets.length - 1];
  if (!(count > 0)) return null;
  const rank = q * count;
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i] >= rank) {
      if (i === bounds.length) return bounds[bounds.length - 1];
      const lower = i === 0 ? 0 : bounds[i - 1];
      const below = i === 0 ? 0 : buckets[i - 1];
      const inBucket = buckets[i] - below;
      return lower + (bounds[i] - lower) * (inBucket > 0 ? (rank - below) / inBucket : 1);
    }
  }
  return null;
}
/** Buckets summed over series matching want; over the last refresh when that saw items, else since start. */
function lagQuantile(name, want, q) {
  const f = cur.metrics[name];
  if (!f || !f.bounds) return null;
  const sumBuckets = (s) => {
    const out = new Array(f.bounds.length + 1).fill(0);
    for (const x of series(s, name)) if (matches(x.labels, want)) x.buckets.forEach((b, i) => (out[i] += b));
    return out;
  };
  const now = sumBuckets(cur);
  if (prev !== null) {
    const before = sumBuckets(prev);
    const delta = now.map((b, i) => b - before[i]);
    if (delta[delta.length - 1] > 0) return quantile(q, f.bounds, delta);
  }
  return quantile(q, f.bounds, now);
}

function receiverNode(id, pipeline) {
  const items = ITEMS[pipeline.signal];
  const node = el('div', { class: 'node receiver', 'data-component': id }, el('div', { class: 'kind' }, 'receiver'), el('div', { class: 'name' }, id));
  if (series(cur, 'sluice_heartbeat_sent_total').some((x) => x.labels.receiver === id)) {
    node.append(fig('beats sent', 'in', fmtNum(total(cur, 'sluice_heartbeat_sent_total', { receiver: id, pipeline: pipeline.id }))));
    return node;
  }
  node.append(
    fig('in', 'in', fmtRate(rate('otelcol_receiver_accepted_' + items + '_total', { receiver: id }))),
    fig('refused', 'refused', fmtRate(rate('otelcol_receiver_refused_' + items + '_total', { receiver: id }))),
    fig('total in', 'total', fmtNum(total(cur, 'otelcol_receiver_accepted_' + items + '_total', { receiver: id }))),
  );
  return node;
}
function processorNode(id, pipeline) {
  const want = { processor: id, pipeline: pipeline.id };
  return el('div', { class: 'node', 'data-component': id },
    el('div', { class: 'kind' }, 'processor'), el('div', { class: 'name' }, id),
    fig('in', 'in', fmtRate(rate('otelcol_processor_incoming_items_total', want))),
    fig('out', 'out', fmtRate(rate('otelcol_processor_outgoing_items_total', want))));
}
function exporterNode(id, pipeline) {
  const items = ITEMS[pipeline.signal];
  const sent = rate('otelcol_exporter_sent_' + items + '_total', { exporter: id });
  const failedSend = rate('otelcol_exporter_send_failed_' + items + '_total', { exporter: id });
  const failedQueue = rate('otelcol_exporter_enqueue_failed_' + items + '_total', { exporter: id });
  const failed = failedSend === null ? null : failedSend + failedQueue;
  const node = el('div', { class: 'node exporter', 'data-component': id },
    el('div', { class: 'kind' }, 'exporter'), el('div', { class: 'name' }, id),
    fig('out', 'out', fmtRate(sent)),
    fig('failed', 'refused', fmtRate(failed), failed > 0 ? 'bad' : ''));
  const size = series(cur, 'otelcol_exporter_queue_size').find((x) => matches(x.labels, { exporter: id, data_type: pipeline.signal }));
  const capacity = series(cur, 'otelcol_exporter_queue_capacity').find((x) => matches(x.labels, { exporter: id, data_type: pipeline.signal }));
  if (size && capacity && capacity.value > 0) {
    const fill = size.value / capacity.value;
    node.append(fig('queue', 'queue', Math.round(fill * 100) + '% (' + size.value + '/' + capacity.value + ')'),
      el('div', { class: 'bar' + (fill > 0.8 ? ' high' : '') }, el('div', { style: 'width:' + Math.min(100, fill * 100) + '%' })));
  }
  return node;
}

function renderPipelines() {
  const box = document.getElementById('pipelines');
  const rows = [];
  for (const p of cur.pipelines) {
    const flow = el('div', { class: 'flow' });
    const add = (node) => { if (flow.childNodes.length > 0) flow.append(el('span', { class: 'arrow' }, '→')); flow.append(node); };
    const receivers = el('div', {}, ...p.receivers.map((id) => receiverNode(id, p)));
    receivers.style.display = 'grid';
    receivers.style.gap = '4px';
    add(receivers);
    for (const id of p.processors) add(processorNode(id, p));
    const exporters = el('div', {}, ...p.exporters.map((id) => exporterNode(id, p)));
    exporters.style.display = 'grid';
    exporters.style.gap = '4px';
    add(exporters);
    const lag = lagQuantile('sluice_ingest_lag_seconds', { pipeline: p.id }, 0.99);
    rows.push(el('div', { class: 'pipeline', 'data-pipeline': p.id },
      el('h3', {}, p.id, el('span', { class: 'meta' }, p.signal + ' · ingest lag p99 ', el('b', { 'data-fig': 'lag' }, lag === null ? '…' : fmtAge(lag)))), flow));
  }
  box.replaceChildren(...(rows.length ? rows : [el('p', { class: 'empty' }, 'No pipelines are running.')]));
}

function table(id, head, rows, empty) {
  const box = document.getElementById(id);
  if (rows.length === 0) { box.replaceChildren(el('p', { class: 'empty' }, empty)); return; }
  box.replaceChildren(el('table', {},
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { class: h.num ? 'num' : '' }, h.label)))),
    el('tbody', {}, ...rows)));
}
function cells(values, head) { return values.map((v, i) => el('td', { class: head[i].num ? 'num' : '' }, v)); }

function renderHeartbeats() {
  const head = [{ label: 'pipeline' }, { label: 'exporter' }, { label: 'last delivered', num: true }, { label: 'latency p50', num: true }, { label: 'lost', num: true }, { label: 'state' }];
  const rows = series(cur, 'sluice_heartbeat_last_success_timestamp_seconds').map((x) => {
    const want = { pipeline: x.labels.pipeline, exporter: x.labels.exporter };
    const age = Math.max(0, cur.now / 1000 - x.value);
    const deadline = total(cur, 'sluice_heartbeat_deadline_seconds', { pipeline: x.labels.pipeline });
    const late = deadline > 0 && age > deadline;
    const latency = lagQuantile('sluice_heartbeat_latency_seconds', want, 0.5);
    const row = el('tr', { 'data-heartbeat': x.labels.pipeline + ' ' + x.labels.exporter }, ...cells([x.labels.pipeline, x.labels.exporter, fmtAge(age) + ' ago', latency === null ? '…' : fmtAge(latency), fmtNum(total(cur, 'sluice_heartbeat_lost_total', want))], head));
    row.append(el('td', { class: late ? 'late' : 'ok' }, late ? 'LATE (deadline ' + deadline + ' s)' : 'flowing'));
    return row;
  });
  table('heartbeats', head, rows, 'No heartbeat receiver is configured; add one to a pipeline to prove data flows end to end.');
}

function busiest(list, n) { return list.sort((a, b) => b.sort - a.sort).slice(0, n); }

function renderTenants() {
  const head = [{ label: 'tenant' }, { label: 'items/s', num: true }, { label: 'bytes/s', num: true }, { label: 'items since start', num: true }, { label: 'refused/s', num: true }];
  const tenants = new Set(series(cur, 'sluice_tenant_received_items_total').map((x) => x.labels.tenant));
  const list = [...tenants].map((tenant) => {
    const r = rate('sluice_tenant_received_items_total', { tenant });
    return { tenant, r, sort: r === null ? total(cur, 'sluice_tenant_received_items_total', { tenant }) : r };
  });
  const rows = busiest(list, 10).map(({ tenant, r }) => el('tr', { 'data-tenant': tenant }, ...cells([tenant, fmtRate(r), fmtRate(rate('sluice_tenant_received_bytes_total', { tenant })),
    fmtNum(total(cur, 'sluice_tenant_received_items_total', { tenant })), fmtRate(rate('sluice_tenant_refused_items_total', { tenant }))], head)));
  table('tenants', head, rows, 'No tenant processor is configured, or no data has arrived yet.');
}

function renderSampling() {
  const head = [{ label: 'sampler' }, { label: 'key' }, { label: 'kept share', num: true }, { label: 'one kept stands for', num: true }];
  const list = series(cur, 'sluice_sampling_key_rate').map((x) => ({ x, sort: -x.value }));
  const share = (p) => (p >= 0.001 ? (p * 100).toFixed(p < 0.1 ? 2 : 1) + '%' : p > 0 ? (p * 100).toExponential(1) + '%' : '0%');
  const standsFor = (p) => (p <= 0 ? '—' : 1 / p > 1e9 ? 'over 1G traces' : fmtNum(1 / p) + ' traces');
  const rows = busiest(list, 10).map(({ x }) => el('tr', {}, ...cells([x.labels.processor, x.labels.key, share(x.value), standsFor(x.value)], head)));
  table('sampling', head, rows, 'No adaptive_sampling processor is configured, or it has not learned any key yet.');
}

function renderCardinality() {
  const head = [{ label: 'processor' }, { label: 'metric' }, { label: 'tenant' }, { label: 'active series', num: true }, { label: 'overflow points/s', num: true }];
  const list = series(cur, 'sluice_cardinality_active_series').map((x) => ({ x, sort: x.value }));
  const rows = busiest(list, 10).map(({ x }) => el('tr', {}, ...cells([x.labels.processor, x.labels.metric, x.labels.tenant || '', fmtNum(x.value), fmtRate(rate('sluice_cardinality_overflow_points_total', x.labels))], head)));
  table('cardinality', head, rows, 'No cardinality_limit processor is configured, or no metrics have arrived yet.');
}

function renderErrors() {
  const head = [{ label: 'when' }, { label: 'component' }, { label: 'problem' }];
  const rows = cur.errors.slice(0, 20).map((e) => el('tr', {}, ...cells([new Date(e.at).toLocaleTimeString(), e.component, e.message], head)));
  table('errors', head, rows, 'No failures since start.');
}

async function poll() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('api/status', { cache: 'no-store' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const next = await response.json();
    prev = cur;
    cur = next;
    renderPipelines(); renderHeartbeats(); renderTenants(); renderSampling(); renderCardinality(); renderErrors();
    status.textContent = 'updated ' + new Date(cur.now).toLocaleTimeString();
    status.className = '';
  } catch (error) {
    status.textContent = 'Sluice is not answering (' + error.message + '); retrying';
    status.className = 'down';
  }
}
poll();
setInterval(poll, REFRESH_MS);
`;

/** The page, with the refresh interval written in. */
export function statusPageHtml(refreshMs: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Sluice status <small id="status" style="font-size:13px;font-weight:normal;margin-left:8px">loading…</small></h1>
  <p>Sluice is a telemetry pipeline: it receives traces, metrics and logs (OTLP), passes them through processors, and sends them on to backends. This page shows it live and refreshes itself every ${refreshMs / 1000} s. Rates are per second over the last refresh.</p>
</header>
<main>
  <section class="wide"><h2>Pipelines</h2><p class="hint">Each row is one pipeline. Data enters at the receivers on the left, passes the processors in order, and leaves through the exporters on the right. <i>refused</i> is what a receiver turned away (load, quota, bad data); <i>failed</i> is what an exporter could not deliver or queue; <i>queue</i> is how full the exporter's sending queue is.</p><div id="pipelines"></div></section>
  <section class="wide"><h2>Heartbeat per pipeline</h2><p class="hint">A heartbeat is a small synthetic item sent through a pipeline at a fixed interval. It proves that data flows end to end, not just that the process is up. A beat not delivered within the deadline is lost, and the pipeline is reported unhealthy.</p><div id="heartbeats"></div></section>
  <section><h2>Busiest tenants</h2><p class="hint">Who sends the most data: the basis for per-tenant cost attribution.</p><div id="tenants"></div></section>
  <section><h2>Sampling: busiest keys</h2><p class="hint">The tail sampler keeps every error and slow trace, and a share of the rest per key (service, root span, status). A busy key gets a small share.</p><div id="sampling"></div></section>
  <section><h2>Cardinality: busiest metrics</h2><p class="hint">Distinct series per metric. Beyond its limit a metric's new series fold into one overflow series, so totals stay right.</p><div id="cardinality"></div></section>
  <section><h2>Last errors</h2><p class="hint">The latest failures reported by components: failed exports, overdue heartbeats.</p><div id="errors"></div></section>
</main>
<script>(() => {
const REFRESH_MS = ${Math.round(refreshMs)};${SCRIPT}})();</script>
</body>
</html>
`;
}
