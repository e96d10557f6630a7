/**
 * The live dashboard page: plain HTML, CSS and JavaScript, no build step and no data of its own.
 * It reads a bearer token with the operator scope from the URL fragment (`/dashboard#token=...`,
 * removed from the address bar) or asks for one, and keeps it in sessionStorage only: gone when the
 * tab closes, never shared with other tabs, never left on disk. It polls `stats` (relative to the page, so a
 * stage path prefix works) every 2 seconds and draws:
 * - page views per path as a bar chart, and the top search terms;
 * - orders per step and videos per status;
 * - every consumer group's lag and dead-letter depth, amber when the lag grew since the last poll,
 *   red when the dead-letter topic grew;
 * - the live console: per topic and per group, records/s over the last 5 minutes as a sparkline
 *   and p50/p99 latency (the runtime's own figures, `live` in /stats: lib/stores/live-figures.ts);
 *   per group with dead letters, each one's reason (`x-dlq-*`, GET dead-letters/{group}) and
 *   redrive buttons for one record or all of the group (POST dead-letters/{group}/redrive, the
 *   same code as `npm run dlq`).
 * Every value from the API is inserted as text, never as HTML (paths and terms come from users).
 * It stays usable on a phone: one column below 420 px wide, nothing wider than the screen.
 */

const style = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #667085; --bar: #3d7bfd; --warn: #f59e0b; --bad: #dc2626; --ok: #16a34a; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1217; --card: #171b22; --ink: #e6e8eb; --muted: #98a2b3; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: baseline; gap: 1rem; padding: 1rem 1.5rem; }
h1 { font-size: 1.25rem; margin: 0; }
#status { color: var(--muted); }
#status.error { color: var(--bad); }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1rem; padding: 0 1.5rem 1.5rem; }
@media (min-width: 1100px) { .wide { grid-column: span 2; } }
section { background: var(--card); border-radius: 8px; padding: 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: .95rem; margin: 0 0 .75rem; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.row { display: grid; grid-template-columns: minmax(120px, 45%) 1fr auto; gap: .5rem; align-items: center; margin: .3rem 0; }
.label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.track { background: rgba(127,127,127,.15); border-radius: 4px; height: 14px; }
.bar { background: var(--bar); height: 100%; border-radius: 4px; min-width: 2px; transition: width .4s ease; }
.count { font-variant-numeric: tabular-nums; min-width: 3ch; text-align: right; }
.empty { color: var(--muted); font-style: italic; }
.stages { display: flex; gap: .5rem; flex-wrap: wrap; }
.stage { flex: 1; min-width: 70px; text-align: center; padding: .5rem; border-radius: 6px; background: rgba(127,127,127,.1); }
.stage b { display: block; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid rgba(127,127,127,.2); white-space: nowrap; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.warn { color: var(--warn); font-weight: 700; }
td.bad { color: var(--bad); font-weight: 700; }
td.ok { color: var(--ok); }
form { display: flex; gap: .5rem; padding: 0 1.5rem 1rem; }
.live { display: grid; grid-template-columns: minmax(0, 1fr) 120px auto; gap: .25rem .75rem; align-items: center; }
.live .label { min-width: 0; }
.live .figures { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; color: var(--muted); }
.live .figures b { color: var(--ink); }
svg.spark { width: 120px; height: 24px; }
svg.spark polyline { fill: none; stroke: var(--bar); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
h3 { font-size: .85rem; margin: 1rem 0 .4rem; }
.letters { list-style: none; padding: 0; margin: 0; }
.letter { border-top: 1px solid rgba(127,127,127,.2); padding: .4rem 0; display: flex; gap: .5rem; align-items: flex-start; flex-wrap: wrap; }
.letter .why { flex: 1 1 220px; min-width: 0; overflow-wrap: anywhere; }
.letter .why small { display: block; color: var(--muted); }
.letter.redriven .why { opacity: .6; }
button { font: inherit; padding: .25rem .6rem; }
@media (max-width: 520px) { main { grid-template-columns: minmax(0, 1fr); padding: 0 .75rem .75rem; } header, form { padding-left: .75rem; padding-right: .75rem; flex-wrap: wrap; } .hide-narrow { display: none; } .live { grid-template-columns: minmax(0, 1fr) 90px; } .live .figures { grid-column: 1 / -1; text-align: left; } svg.spark { width: 90px; } }
form[hidden] { display: none; }
input { flex: 1; padding: .4rem; font: inherit; }
`;

const script = `
'use strict';
const REFRESH_MS = 2000;
const TOKEN_KEY = 'dashboard-token';
// via=dashboard: the local gateway logs this polling at DEBUG (lib/local/offline-gateway).
const statsUrl = new URL('stats?via=dashboard', location.href).toString();
const $ = (id) => document.getElementById(id);
let previous = {};

function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
  }
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function bars(container, rows, kind) {
  container.replaceChildren();
  if (rows.length === 0) { container.append(el('p', { class: 'empty' }, 'Nothing yet')); return; }
  const max = Math.max(1, ...rows.map((r) => r.value));
  for (const row of rows) {
    const line = el('div', { class: 'row', 'data-kind': kind, 'data-name': row.name });
    const track = el('div', { class: 'track' });
    const bar = el('div', { class: 'bar' });
    bar.style.width = (100 * row.value / max).toFixed(1) + '%';
    track.append(bar);
    line.append(el('span', { class: 'label', title: row.name }, row.name), track, el('span', { class: 'count' }, row.value));
    container.append(line);
  }
}

function stages(container, counts) {
  container.replaceChildren();
  for (const [name, value] of Object.entries(counts)) {
    const box = el('div', { class: 'stage', 'data-stage': name });
    box.append(el('b', {}, value), el('span', {}, name));
    container.append(box);
  }
}

function trendClass(key, value, growing) {
  const before = previous[key];
  previous[key] = value;
  if (value === null || value === undefined) return '';
  if (before !== undefined && before !== null && value > before) return growing;
  return value === 0 ? 'ok' : '';
}

function groups(body, list) {
  body.replaceChildren();
  for (const g of list) {
    const tr = el('tr', { 'data-group': g.group });
    const lag = el('td', { class: 'num lag ' + trendClass('lag:' + g.group, g.lag, 'warn') }, g.lag === null ? '?' : g.lag);
    const dlq = el('td', { class: 'num dlq ' + trendClass('dlq:' + g.group, g.dead_letters, 'bad') }, g.dead_letters === null ? '?' : g.dead_letters);
    if (g.error) tr.title = g.error;
    tr.append(el('td', {}, g.group), el('td', { class: 'hide-narrow' }, g.topic), lag, dlq);
    body.append(tr);
  }
}

const SVG = 'http://www.w3.org/2000/svg';
const latestRate = (series) => (series.length ? series[series.length - 1] : 0);

function sparkline(series) {
  const svg = document.createElementNS(SVG, 'svg');
  const max = Math.max(1, ...series);
  const points = series.map((v, i) => i + ',' + (20 - (20 * v) / max + 2).toFixed(1)).join(' ');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 ' + Math.max(1, series.length - 1) + ' 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'records per second, last 5 minutes');
  svg.dataset.points = series.join(',');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}

function liveRows(container, rows, kind) {
  container.replaceChildren();
  for (const row of rows) {
    const figures = el('span', { class: 'figures' });
    figures.append(el('b', {}, latestRate(row.records_per_second)), document.createTextNode(' rec/s'));
    if (row.latency_ms) figures.append(document.createTextNode(' · p50 ' + row.latency_ms.p50 + ' ms · p99 ' + row.latency_ms.p99 + ' ms'));
    const label = el('span', { class: 'label', title: row.name }, row.name);
    const line = [label, sparkline(row.records_per_second), figures];
    for (const node of line) node.dataset[kind] = row.name;
    container.append(...line);
  }
}

// Dead letters: fetched for a group when its dead-letter topic's depth changes, and after a redrive.
const letterDepth = {};
const letterLists = {};

async function api(path, init) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(new URL(path, location.href).toString(), {
    ...init,
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    cache: 'no-store',
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || body.title || 'answered ' + response.status);
  return body;
}

async function loadLetters(group) {
  try {
    letterLists[group] = (await api('dead-letters/' + encodeURIComponent(group))).dead_letters;
  } catch (error) {
    letterLists[group] = { error: error.message };
  }
  drawLetters();
}

async function redrive(group, selection, button) {
  button.disabled = true;
  try {
    const report = await api('dead-letters/' + encodeURIComponent(group) + '/redrive', { method: 'POST', body: JSON.stringify(selection) });
    setStatus('Redrove ' + report.redriven.length + ' dead letter(s) of ' + group, false);
  } catch (error) {
    setStatus('Redrive failed: ' + error.message, true);
  }
  await loadLetters(group);
}

function drawLetters() {
  const container = $('letters');
  container.replaceChildren();
  const groups = Object.keys(letterLists).filter((g) => letterDepth[g] > 0);
  if (groups.length === 0) { container.append(el('p', { class: 'empty' }, 'No dead letters')); return; }
  for (const group of groups) {
    const list = letterLists[group];
    const heading = el('h3', { 'data-letters-group': group }, group + ' ');
    const pending = Array.isArray(list) ? list.filter((l) => !l.redriven).length : 0;
    if (pending > 0) {
      const all = el('button', { type: 'button', class: 'redrive-all', 'data-group': group }, 'Redrive all ' + pending);
      all.addEventListener('click', () => redrive(group, { all: true }, all));
      heading.append(all);
    }
    container.append(heading);
    if (!Array.isArray(list)) { container.append(el('p', { class: 'empty' }, 'Could not list: ' + list.error)); continue; }
    const ul = el('ul', { class: 'letters' });
    for (const letter of list) {
      const id = letter.partition + ':' + letter.offset;
      const li = el('li', { class: 'letter' + (letter.redriven ? ' redriven' : ''), 'data-group': group, 'data-letter': id, 'data-event-id': letter.event_id });
      const why = el('span', { class: 'why' });
      why.append(el('b', { class: 'error-class' }, letter.error_class || letter.condition || 'Error'), document.createTextNode(': '), el('span', { class: 'error' }, letter.error));
      why.append(el('small', {}, letter.source.topic + '-' + letter.source.partition + '@' + letter.source.offset + ' · ' + letter.attempts + ' attempt(s)' + (letter.failed_at ? ' · ' + letter.failed_at : '') + ' · ' + letter.event_id));
      li.append(why);
      if (letter.redriven) li.append(el('span', { class: 'state' }, 'redriven'));
      else {
        const button = el('button', { type: 'button', class: 'redrive' }, 'Redrive');
        button.addEventListener('click', () => redrive(group, { offsets: [id] }, button));
        li.append(button);
      }
      ul.append(li);
    }
    container.append(ul);
  }
}

function watchLetters(groups) {
  for (const g of groups) {
    if (g.dead_letters === null) continue;
    const changed = letterDepth[g.group] !== g.dead_letters;
    letterDepth[g.group] = g.dead_letters;
    if (changed && g.dead_letters > 0) loadLetters(g.group);
  }
  drawLetters();
}

function render(stats) {
  bars($('pages'), stats.pages.map((p) => ({ name: p.path, value: p.views })), 'page');
  bars($('terms'), stats.search_terms.map((t) => ({ name: t.term, value: t.searches })), 'term');
  bars($('orders'), stats.orders.by_step.map((s) => ({ name: s.group + ' · ' + s.status, value: s.count })), 'order-step');
  stages($('videos'), stats.videos.by_status);
  groups($('groups'), stats.consumer_groups);
  liveRows($('live-topics'), stats.live.topics.map((t) => ({ ...t, name: t.topic })), 'liveTopic');
  liveRows($('live-groups'), stats.live.groups.map((g) => ({ ...g, name: g.group })), 'liveGroup');
  watchLetters(stats.consumer_groups);
  $('totals').textContent = stats.totals.page_views + ' page views · ' + stats.totals.searches + ' searches';
}

function setStatus(text, error) {
  const status = $('status');
  status.textContent = text;
  status.className = error ? 'error' : '';
}

async function refresh() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  $('login').hidden = Boolean(token);
  if (!token) { setStatus('Paste a bearer token with the operator scope to start', true); return; }
  try {
    const response = await fetch(statsUrl, { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('login').hidden = false;
      const why = response.status === 403 ? 'it lacks the operator scope' : 'it is not valid';
      setStatus('The token was refused (' + response.status + ', ' + why + '): paste another', true);
      return;
    }
    if (!response.ok) throw new Error('stats answered ' + response.status);
    render(await response.json());
    setStatus('Updated ' + new Date().toLocaleTimeString(), false);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    setStatus('Could not load stats: ' + error.message, true);
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, REFRESH_MS);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  refresh();
});

takeTokenFromFragment();
loop();
`;

export const dashboardStyle = style;
export const dashboardScript = script;

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Live dashboard</title>
<style>${style}</style>
</head>
<body>
<header><h1>Live dashboard</h1><span id="totals"></span><span id="status">Loading…</span></header>
<form id="login" hidden><input id="token" type="password" autocomplete="off" placeholder="Bearer token" aria-label="Bearer token"><button>Use token</button></form>
<main>
  <section class="wide"><h2>Page views</h2><div id="pages"></div></section>
  <section><h2>Search terms</h2><div id="terms"></div></section>
  <section><h2>Orders by step</h2><div id="orders"></div></section>
  <section><h2>Videos by status</h2><div id="videos" class="stages"></div></section>
  <section class="wide"><h2>Live: records/s, last 5 minutes</h2>
    <h3>Topics</h3><div id="live-topics" class="live"></div>
    <h3>Consumer groups (latency: appended to Kafka → processed)</h3><div id="live-groups" class="live"></div>
  </section>
  <section class="wide"><h2>Dead letters</h2><div id="letters"><p class="empty">No dead letters</p></div></section>
  <section class="wide"><h2>Consumer groups</h2>
    <table><thead><tr><th>group</th><th class="hide-narrow">topic</th><th class="num">lag</th><th class="num">dead letters</th></tr></thead><tbody id="groups"></tbody></table>
  </section>
</main>
<script>${script}</script>
</body>
</html>
`;
