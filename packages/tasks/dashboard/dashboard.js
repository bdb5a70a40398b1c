// The task dashboard: polls the JSON API beside this file about once a second
// for the counts and the list, follows the open task live through its
// server-sent events (polling it too only when they fail), and redraws.
// Every value from the server reaches the page as text
// (textContent, append of strings), never as markup; the page's CSP refuses
// inline scripts and other origins besides.

const api = new URL('../api/', import.meta.url);
const POLL_MS = 1000;
const HIDDEN_POLL_MS = 5000;
const LIST_LIMIT = 100;
const states = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled'];
const retryable = new Set(['failed', 'dead', 'cancelled']);
const cancellable = new Set(['queued', 'running', 'retrying']);
const finished = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

const $ = (id) => document.getElementById(id);
const filters = $('filters');
const detail = $('detail');

/** An element with properties and children (strings become text nodes). */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

// The view lives in the fragment (#state=failed&task=…), so a reload or a shared link shows the same.
const view = () => new URLSearchParams(location.hash.slice(1));
function link(changes) {
  const params = view();
  for (const [key, value] of Object.entries(changes)) value ? params.set(key, value) : params.delete(key);
  return `#${params}`;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const time = (iso) => (iso ? el('time', { dateTime: iso, title: iso, textContent: clock.format(new Date(iso)) }) : '');
function span(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
const took = (from, to) => (from ? span((to ? Date.parse(to) : Date.now()) - Date.parse(from)) : '');
/** How long the latest attempt took (or has been running), or when a retrying task runs again. */
function timing(record) {
  if (record.state === 'retrying' && record.runAt) return `again in ${span(Date.parse(record.runAt) - Date.now())}`;
  if (record.state === 'running' || record.finishedAt) return took(record.startedAt, record.finishedAt);
  return '';
}
// Short values on one line; longer ones indented.
function json(value) {
  if (value === undefined) return '';
  const line = JSON.stringify(value);
  return line.length <= 60 ? line : JSON.stringify(value, null, 2);
}
const badge = (state) => el('span', { className: `state state-${states.includes(state) ? state : 'unknown'}`, textContent: state });

async function call(path, init = {}) {
  // The header is what a cross-site form cannot send: the API refuses a retry or a cancel without it.
  const res = await fetch(new URL(path, api), { ...init, headers: { accept: 'application/json', 'x-tasks-dashboard': '1' }, cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(typeof body.detail === 'string' ? body.detail : `HTTP ${res.status}`), { status: res.status });
  return body;
}

function drawCounts(counts) {
  const current = view().get('state') ?? '';
  const items = [['', 'all', Object.values(counts).reduce((a, b) => a + b, 0)], ...states.map((s) => [s, s, counts[s] ?? 0])];
  $('counts').replaceChildren(
    ...items.map(([state, label, count]) =>
      el('li', { className: `count state-${state || 'all'}` }, el('a', { href: link({ state }), ...(state === current ? { ariaCurrent: 'true' } : {}) }, el('strong', { textContent: String(count) }), ` ${label}`)),
    ),
  );
}

function drawQueues(byQueue, depth) {
  $('queues').tBodies[0].replaceChildren(
    ...Object.entries(byQueue).map(([queue, counts]) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, el('a', { href: link({ queue }), textContent: queue })),
        ...states.map((s) => el('td', { className: 'num', textContent: String(counts[s] ?? 0) })),
        el('td', { className: 'num', textContent: depth[queue] ? `${depth[queue].waiting} / ${depth[queue].maxQueued}` : '' }),
      ),
    ),
  );
  const select = filters.elements.queue;
  const names = Object.keys(byQueue);
  if (select.options.length - 1 !== names.length || names.some((name, i) => select.options[i + 1].value !== name)) {
    select.replaceChildren(el('option', { value: '', textContent: 'any' }), ...names.map((name) => el('option', { value: name, textContent: name })));
  }
  select.value = view().get('queue') ?? '';
}

function progressCell(record) {
  if (record.progress === undefined) return '';
  return el('span', { className: 'progress' }, el('progress', { max: 100, value: record.progress }), ` ${record.progress}%`);
}

function row(record, selected) {
  const tr = el(
    'tr',
    { className: record.id === selected ? 'selected' : '' },
    el('td', {}, el('a', { href: link({ task: record.id }), className: 'id', textContent: record.id.slice(0, 8), title: record.id })),
    el('td', { textContent: record.name }),
    el('td', { textContent: record.queue }),
    el('td', { className: 'state-cell' }, badge(record.state)),
    el('td', { className: 'num', textContent: `${record.attempts} / ${record.maxAttempts}` }),
    el('td', {}, progressCell(record)),
    el('td', {}, time(record.createdAt)),
    el('td', { className: 'num', textContent: timing(record) }),
  );
  tr.dataset.id = record.id;
  return tr;
}

function drawList(items) {
  const selected = view().get('task');
  const rows = items.map((record) => row(record, selected));
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colSpan: 8, className: 'empty', textContent: 'No task matches.' })));
  $('tasks').tBodies[0].replaceChildren(...rows);
  const names = [...new Set(items.map((r) => r.name))].sort();
  $('names').replaceChildren(...names.map((name) => el('option', { value: name })));
}

function field(term, value, wide = false) {
  if (value === undefined || value === null || value === '') return [];
  const className = wide ? 'wide' : '';
  return [el('dt', { className, textContent: term }), el('dd', { className }, value)];
}

function drawDetail(record) {
  detail.hidden = !record;
  if (!record) return;
  detail.dataset.id = record.id;
  detail.dataset.state = record.state;
  $('detail-title').replaceChildren(`${record.name} `, badge(record.state));
  $('retry').disabled = !retryable.has(record.state);
  $('cancel').disabled = !cancellable.has(record.state);
  $('fields').replaceChildren(
    ...field('id', record.id, true),
    ...field('queue', record.queue),
    ...field('priority', String(record.priority)),
    ...field('attempts', `${record.attempts} of ${record.maxAttempts}`),
    ...field('progress', record.progress === undefined ? undefined : progressCell(record), true),
    ...field('created', time(record.createdAt)),
    ...field('started', time(record.startedAt)),
    ...field('finished', time(record.finishedAt)),
    ...field('runs again', record.state === 'retrying' ? time(record.runAt) : undefined),
    ...field('duplicate of', record.duplicateOf, true),
    ...field('route', record.route, true),
    ...field('request', record.requestId, true),
  );
  $('args').textContent = 'args' in record ? json(record.args) : 'Hidden: the dashboard is mounted without exposeArgs.';
  $('result-section').hidden = !('result' in record);
  $('result').textContent = json(record.result);
  $('error-section').hidden = !record.error;
  $('error').textContent = record.error ? `${record.error.name}${record.error.code ? ` [${record.error.code}]` : ''}: ${record.error.message}` : '';
  $('attempts').tBodies[0].replaceChildren(
    ...record.history.map((attempt) =>
      el(
        'tr',
        {},
        el('td', { className: 'num', textContent: String(attempt.attempt) }),
        el('td', {}, time(attempt.startedAt)),
        el('td', { className: 'num', textContent: attempt.finishedAt ? took(attempt.startedAt, attempt.finishedAt) : 'running' }),
        el('td', { className: 'error', textContent: attempt.error ? `${attempt.error.name}: ${attempt.error.message}` : '' }),
      ),
    ),
  );
}

// Each refresh draws only if no later one has started, so answers arriving out of order never go back in time.
let generation = 0;
let timer;
async function refresh() {
  clearTimeout(timer);
  const mine = ++generation;
  const params = view();
  const query = new URLSearchParams({ limit: String(LIST_LIMIT) });
  for (const key of ['state', 'name', 'queue']) if (params.get(key)) query.set(key, params.get(key));
  const id = params.get('task');
  // The open task comes from its event stream; it is polled only when the stream has failed.
  const polled = id && live.id === id && live.failed;
  try {
    const [stats, list, record] = await Promise.all([
      call('tasks/stats'),
      call(`tasks?${query}`),
      polled ? call(`tasks/${encodeURIComponent(id)}`).catch((err) => (err.status === 404 ? null : Promise.reject(err))) : undefined,
    ]);
    if (mine !== generation) return;
    drawCounts(stats.counts);
    drawQueues(stats.byQueue, stats.queues);
    drawList(list.items);
    if (polled) drawDetail(record);
    if (polled && !record) $('status').textContent = `Task ${id} not found.`;
    else $('status').textContent = `Updated ${clock.format(new Date())}`;
    document.body.classList.remove('offline');
  } catch (err) {
    if (mine !== generation) return;
    $('status').textContent = `Cannot reach the API (${err.message}); trying again.`;
    document.body.classList.add('offline');
  } finally {
    if (mine === generation) timer = setTimeout(refresh, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }
}

/**
 * The open task, followed through GET tasks/{id}/events: a `state` event
 * carries the task's view, a `progress` event its new progress. The stream
 * ends when the task finishes. EventSource reconnects by itself (sending
 * Last-Event-ID, so nothing is repeated); while it is down or has given up
 * (an error status, a proxy that refuses streams), the task is polled with
 * the rest.
 */
const live = { id: null, source: null, record: null, failed: false };
function follow(id, again = false) {
  if (live.id === id && !again) return;
  live.source?.close();
  Object.assign(live, { id, source: null, record: null, failed: false });
  if (!id) return drawDetail(null);
  if (typeof EventSource !== 'function') return void (live.failed = true);
  const source = (live.source = new EventSource(new URL(`tasks/${encodeURIComponent(id)}/events`, api)));
  const show = (record) => {
    if (live.source !== source) return;
    live.record = record;
    drawDetail(record);
    if (finished.has(record.state)) source.close();
  };
  source.addEventListener('state', (event) => show(JSON.parse(event.data)));
  source.addEventListener('progress', (event) => live.record && show({ ...live.record, ...JSON.parse(event.data) }));
  // While the stream is down (reconnecting, or given up on), the task is polled with the rest.
  source.addEventListener('open', () => {
    if (live.source === source) live.failed = false;
  });
  source.addEventListener('error', () => {
    if (live.source !== source || live.failed) return;
    live.failed = true;
    refresh();
  });
}

async function act(button, method, suffix) {
  const id = detail.dataset.id;
  button.disabled = true;
  $('message').textContent = '';
  try {
    await call(`tasks/${encodeURIComponent(id)}${suffix}`, { method });
  } catch (err) {
    $('message').textContent = err.message;
  }
  // A retried task runs again and a cancelled one changes: its stream may have ended, so follow it anew.
  follow(id, true);
  await refresh();
}

function syncFilters() {
  const params = view();
  filters.elements.state.value = params.get('state') ?? '';
  filters.elements.name.value = params.get('name') ?? '';
  filters.elements.queue.value = params.get('queue') ?? '';
}

filters.elements.state.append(...states.map((s) => el('option', { value: s, textContent: s })));
filters.addEventListener('submit', (event) => event.preventDefault());
filters.addEventListener('change', (event) => {
  const { name, value } = event.target;
  // Another filter leaves the open task open: it is shown whether or not it matches.
  location.hash = link({ [name]: value.trim() });
});
$('retry').addEventListener('click', (event) => act(event.currentTarget, 'POST', '/retry'));
$('cancel').addEventListener('click', (event) => act(event.currentTarget, 'DELETE', ''));
$('close').addEventListener('click', (event) => {
  event.preventDefault();
  location.hash = link({ task: '' });
});
window.addEventListener('hashchange', () => {
  $('message').textContent = '';
  syncFilters();
  follow(view().get('task'));
  refresh();
});
document.addEventListener('visibilitychange', () => document.hidden || refresh());
syncFilters();
follow(view().get('task'));
refresh();
