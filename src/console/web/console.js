// @ts-check
// The analyst console: one page, no framework and no build step, so the file the browser runs
// is this file (type-checked by tsc with checkJs against the DOM library). Every value from the
// API is put on the page as text, never as markup.

/** @typedef {{ code: string, message: string }} Reason */
/** @typedef {{ entity: string, id: string, action: string, reason: string, author: string, createdAt: string, expiresAt: string }} Override */
/** @typedef {{ at: string, analyst: string, action: string, verdict?: string, comment?: string, override?: { entity: string, action: string, expiresAt: string } }} AuditEntry */
/** @typedef {{ transactionId: string, decidedAt: string, decision: string, score: number | null, amount: number, currency: string }} HistoryEntry */
/**
 * @typedef {{
 *   transactionId: string, decision: string, score: number | null, reasons: Reason[], ruleHits: string[],
 *   modelVersion: string | null, rulesVersion: string, degraded: boolean, latencyMs: number, decidedAt: string,
 *   scoreParts?: { base: number | null, online: number | null }, onlineModelVersion?: number
 * }} Decision
 */
/**
 * @typedef {{
 *   transactionId: string, occurredAt: string, cardId: string, merchantId: string, amount: number, currency: string,
 *   customerId?: string, merchantCategory?: string, channel?: string, deviceId?: string, ipAddress?: string,
 *   location?: { lat: number, lon: number }, country?: string
 * }} Transaction
 */
/**
 * @typedef {{
 *   transactionId: string, status: 'open' | 'closed', claimedBy: string | null, verdict: string | null,
 *   closedBy: string | null, closedAt: string | null, openedAt: string, priority: number,
 *   transaction: Transaction, decision: Decision, features: Record<string, number> | null,
 *   overrides: Override[], audit: AuditEntry[], cardHistory?: HistoryEntry[]
 * }} Case
 */
/** @typedef {{ total: number, offset: number, cases: Case[] }} Queue */
/** @typedef {{ analyst: string, csrfToken: string, expiresAt: string }} Session */
/**
 * @typedef {{
 *   generatedAt: string,
 *   minutes: { minute: string, approve: number, deny: number, review: number }[],
 *   days: number,
 *   queue: { open: number, oldestOpenedAt: string | null },
 *   rules: { rule: string, hits: number, fraud: number, legitimate: number, precision: number | null }[]
 * }} Overview
 */
/** @typedef {{ status: number, body: unknown }} Reply */

/** @type {{ session: Session | null, current: Case | null, meanings: Record<string, string> }} */
const state = { session: null, current: null, meanings: {} };

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const flashBox = /** @type {HTMLElement} */ (document.getElementById('flash'));
const searchInput = /** @type {HTMLInputElement} */ (document.getElementById('search-input'));

/**
 * An element with attributes and children; strings become text nodes.
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attrs]
 * @param {(Node | string | null | undefined)[]} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) el.append(child);
  return el;
}

/**
 * An SVG element (charts).
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {(Node | string)[]} children
 */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

/**
 * Styles set through the DOM rather than a style attribute, which the page's
 * Content-Security-Policy (no 'unsafe-inline') refuses.
 * @param {HTMLElement} el @param {Partial<Record<'width' | 'background', string>>} styles
 */
function styled(el, styles) {
  Object.assign(el.style, styles);
  return el;
}

/** @param {string} message @param {'ok' | 'error'} [kind] */
function flash(message, kind = 'ok') {
  flashBox.textContent = message;
  flashBox.className = `flash ${kind}`;
  flashBox.hidden = false;
}

/**
 * One call to the service's API with the session cookie; a request that changes something
 * carries the session's CSRF token.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<Reply>}
 */
async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.session !== null) headers['x-csrf-token'] = state.session.csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  /** @type {unknown} */
  const parsed = text === '' ? null : JSON.parse(text);
  if (res.status === 401 && path !== '/console/session') {
    state.session = null;
    showSignIn('Your session has ended: sign in again.');
  }
  return { status: res.status, body: parsed };
}

/** The API's error message, for a reply that is not a success. @param {Reply} reply */
function errorOf(reply) {
  const error = /** @type {{ error?: { code?: string, message?: string } } | null} */ (reply.body)?.error;
  return error?.message === undefined ? `HTTP ${String(reply.status)}` : `${error.message} (${error.code ?? ''})`;
}

const money = new Intl.NumberFormat('en', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
/** @param {number} amount @param {string} currency */
const amountText = (amount, currency) => `${money.format(amount)} ${currency}`;
/** @param {number | null | undefined} score */
const scoreText = (score) => (score === null || score === undefined ? '–' : score.toFixed(3));
/** @param {string} iso */
const timeText = (iso) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
/** @param {string} iso */
function ageText(iso) {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${String(minutes)} min`;
  if (minutes < 48 * 60) return `${String(Math.round(minutes / 60))} h`;
  return `${String(Math.round(minutes / 1440))} d`;
}
/** @param {number} value */
const featureText = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, ''));

/** @param {string} text */
const outcomeTag = (text) => h('span', { class: `tag ${text}` }, text);

function setNav() {
  const route = location.hash.split('/')[1] ?? 'queue';
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.getAttribute('data-nav') === route);
}

/** @param {string} [notice] */
function showSignIn(notice) {
  for (const id of ['nav', 'search', 'sign-out']) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = true;
  /** @type {HTMLElement} */ (document.getElementById('who')).textContent = '';
  const key = h('input', { id: 'key', type: 'password', autocomplete: 'current-password', required: true, 'aria-label': 'Review key' });
  const form = h(
    'form',
    { id: 'sign-in', class: 'panel sign-in' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Your review key (or an admin key). It is exchanged for a session cookie and not kept in the browser.'),
    h('label', { for: 'key' }, 'Key'),
    key,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(/** @type {HTMLInputElement} */ (key).value);
  });
  main.replaceChildren(form);
  if (notice !== undefined) flash(notice, 'error');
  key.focus();
}

/** @param {string} key */
async function signIn(key) {
  const reply = await api('POST', '/console/session', { key });
  if (reply.status !== 201) {
    flash(`Not signed in: ${errorOf(reply)}`, 'error');
    return;
  }
  flashBox.hidden = true;
  // The key leaves the page at once: keys pressed while the queue loads are shortcuts, not more key.
  main.replaceChildren();
  started(/** @type {Session} */ (reply.body));
  await route();
}

/** @param {Session} session */
function started(session) {
  state.session = session;
  for (const id of ['nav', 'search', 'sign-out']) /** @type {HTMLElement} */ (document.getElementById(id)).hidden = false;
  /** @type {HTMLElement} */ (document.getElementById('who')).textContent = session.analyst;
}

async function signOut() {
  await api('DELETE', '/console/session');
  state.session = null;
  showSignIn();
}

// The page asked for last. A page's reply that comes back after the analyst has moved on (the
// queue still loading when o is pressed) is dropped rather than drawn over the newer page.
let asked = 0;

async function route() {
  if (state.session === null) {
    showSignIn();
    return;
  }
  setNav();
  const ask = ++asked;
  const stale = () => ask !== asked;
  const [, page, arg] = location.hash.split('/');
  if (page === 'case' && arg !== undefined) return showCase(decodeURIComponent(arg), stale);
  if (page === 'overview') return showOverview(stale);
  const card = new URLSearchParams(location.hash.split('?')[1] ?? '').get('card');
  return showQueue(card, stale);
}

/**
 * @param {string | null} card
 * @param {() => boolean} stale
 */
async function showQueue(card, stale) {
  const reply = await api('GET', card === null ? '/v1/cases?limit=100' : `/v1/cases?limit=100&cardId=${encodeURIComponent(card)}`);
  if (stale()) return;
  if (reply.status !== 200) {
    flash(errorOf(reply), 'error');
    return;
  }
  const queue = /** @type {Queue} */ (reply.body);
  state.current = null;
  const rows = queue.cases.map((c) =>
    h(
      'tr',
      { 'data-case': c.transactionId },
      h('td', {}, h('a', { href: `#/case/${encodeURIComponent(c.transactionId)}` }, c.transactionId)),
      h('td', { class: 'num' }, scoreText(c.decision.score)),
      h('td', { class: 'num' }, amountText(c.transaction.amount, c.transaction.currency)),
      h('td', {}, c.transaction.merchantId),
      h('td', {}, c.decision.reasons.map((r) => r.code).join(', ')),
      h('td', { class: 'num' }, ageText(c.openedAt)),
      h('td', {}, c.status === 'closed' ? `closed: ${c.verdict ?? ''}` : (c.claimedBy ?? '')),
    ),
  );
  // Narrows the page shown (up to 100 cases, by priority) to the rows holding the text: a reason code, a merchant, an analyst.
  const filter = h('input', { id: 'queue-filter', type: 'search', placeholder: 'Filter: reason, merchant, analyst', 'aria-label': 'Filter the cases shown' });
  filter.addEventListener('input', () => {
    const wanted = /** @type {HTMLInputElement} */ (filter).value.trim().toLowerCase();
    for (const row of rows) row.hidden = wanted !== '' && !row.textContent.toLowerCase().includes(wanted);
  });
  const title = card === null ? `Open cases (${String(queue.total)})` : `Cases of card ${card} (${String(queue.total)})`;
  main.replaceChildren(
    h(
      'section',
      { class: 'panel' },
      h('div', { class: 'head' }, h('h1', {}, title), filter, h('button', { id: 'claim-next', type: 'button' }, 'Claim next (n)')),
      rows.length === 0
        ? h('p', { class: 'empty' }, card === null ? 'The queue is empty.' : 'No cases for this card.')
        : h(
            'table',
            { class: 'queue' },
            h('thead', {}, h('tr', {}, ...['Transaction', 'Score', 'Amount', 'Merchant', 'Reasons', 'Age', 'Analyst'].map((t) => h('th', {}, t)))),
            h('tbody', {}, ...rows),
          ),
    ),
  );
  document.getElementById('claim-next')?.addEventListener('click', () => void claimNext());
}

async function claimNext() {
  const reply = await api('POST', '/v1/review-queue/claim');
  if (reply.status === 204) {
    flash('No open case is waiting.');
    return;
  }
  if (reply.status !== 200) {
    flash(errorOf(reply), 'error');
    return;
  }
  const next = /** @type {Case} */ (reply.body);
  flashBox.hidden = true;
  location.hash = `#/case/${encodeURIComponent(next.transactionId)}`;
}

/**
 * @param {string} id
 * @param {() => boolean} stale
 */
async function showCase(id, stale) {
  const reply = await api('GET', `/v1/cases/${encodeURIComponent(id)}`);
  if (stale()) return;
  if (reply.status !== 200) {
    flash(errorOf(reply), 'error');
    return;
  }
  renderCase(/** @type {Case} */ (reply.body));
}

/** @param {[string, Node | string | null | undefined][]} pairs */
const facts = (pairs) => h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => (v === undefined || v === null ? [] : [h('dt', {}, k), h('dd', {}, v)])));

/** @param {Case} c */
function renderCase(c) {
  state.current = c;
  const { transaction: tx, decision: d } = c;
  const mine = c.status === 'open' && c.claimedBy === state.session?.analyst;
  const status =
    c.status === 'closed'
      ? `Closed as ${c.verdict ?? ''} by ${c.closedBy ?? ''} at ${timeText(c.closedAt ?? '')}`
      : c.claimedBy === null
        ? 'Open, not claimed'
        : mine
          ? 'Claimed by you'
          : `Claimed by ${c.claimedBy}`;

  const transaction = h(
    'section',
    { class: 'panel', id: 'transaction' },
    h('h2', {}, 'Transaction'),
    facts([
      ['Amount', amountText(tx.amount, tx.currency)],
      ['Occurred', timeText(tx.occurredAt)],
      ['Card', h('a', { href: `#/queue?card=${encodeURIComponent(tx.cardId)}` }, tx.cardId)],
      ['Merchant', tx.merchantId],
      ['Category', tx.merchantCategory],
      ['Channel', tx.channel],
      ['Device', tx.deviceId],
      ['Customer', tx.customerId],
      ['Country', tx.country],
      ['IP address', tx.ipAddress],
      ['Location', tx.location === undefined ? undefined : `${String(tx.location.lat)}, ${String(tx.location.lon)}`],
    ]),
  );

  const decision = h(
    'section',
    { class: 'panel', id: 'decision' },
    h('h2', {}, 'Decision'),
    facts([
      ['Outcome', outcomeTag(d.decision)],
      ['Score', scoreText(d.score)],
      ['Base model', d.scoreParts === undefined ? undefined : scoreText(d.scoreParts.base)],
      ['Online model', d.scoreParts === undefined ? undefined : `${scoreText(d.scoreParts.online)} (v${String(d.onlineModelVersion ?? 0)})`],
      ['Model', d.modelVersion ?? 'none'],
      ['Rules', d.rulesVersion],
      ['Decided', `${timeText(d.decidedAt)} in ${d.latencyMs.toFixed(1)} ms${d.degraded ? ' (degraded)' : ''}`],
    ]),
    h('h3', {}, 'Why'),
    h(
      'ul',
      { class: 'reasons', id: 'reasons' },
      ...d.reasons.map((r) => h('li', {}, h('code', {}, r.code), ' ', r.message)),
      ...(d.reasons.length === 0 ? [h('li', {}, 'No reason recorded.')] : []),
    ),
    d.ruleHits.length === 0 ? null : h('p', { class: 'muted' }, `Rule hits: ${d.ruleHits.join(', ')}`),
  );

  const features = h(
    'section',
    { class: 'panel', id: 'features' },
    h('h2', {}, 'Features the model saw'),
    c.features === null
      ? h('p', { class: 'empty' }, 'No features were computed for this decision (velocity check unavailable).')
      : h(
          'table',
          { class: 'features' },
          h(
            'tbody',
            {},
            ...Object.entries(c.features).map(([name, value]) =>
              h('tr', {}, h('th', {}, name), h('td', { class: 'num' }, featureText(value)), h('td', { class: 'muted' }, state.meanings[name] ?? '')),
            ),
          ),
        ),
  );

  const history = c.cardHistory ?? [];
  const cardHistory = h(
    'section',
    { class: 'panel', id: 'history' },
    h('h2', {}, "Card's recent decisions"),
    history.length === 0
      ? h('p', { class: 'empty' }, 'No other recent decision on this card.')
      : h(
          'table',
          {},
          h(
            'tbody',
            {},
            ...history.map((e) =>
              h(
                'tr',
                { class: e.transactionId === c.transactionId ? 'this' : undefined },
                h('td', {}, timeText(e.decidedAt)),
                h('td', {}, outcomeTag(e.decision)),
                h('td', { class: 'num' }, scoreText(e.score)),
                h('td', { class: 'num' }, amountText(e.amount, e.currency)),
                h('td', { class: 'muted' }, e.transactionId),
              ),
            ),
          ),
        ),
  );

  const overrides = h(
    'section',
    { class: 'panel', id: 'overrides' },
    h('h2', {}, 'Overrides in force'),
    c.overrides.length === 0
      ? h('p', { class: 'empty' }, 'None on this card, merchant or device.')
      : h('ul', {}, ...c.overrides.map((o) => h('li', {}, `${o.action} ${o.entity} ${o.id} until ${timeText(o.expiresAt)} (${o.author}: ${o.reason})`))),
    mine ? overrideForm(c) : null,
  );

  const audit = h(
    'section',
    { class: 'panel', id: 'audit' },
    h('h2', {}, 'Audit log'),
    h(
      'ol',
      { class: 'audit' },
      ...c.audit.map((a) =>
        h(
          'li',
          {},
          h('span', { class: 'muted' }, timeText(a.at)),
          ` ${a.analyst} ${a.action}`,
          a.verdict === undefined ? '' : ` as ${a.verdict}`,
          a.override === undefined ? '' : `: ${a.override.action} ${a.override.entity} until ${timeText(a.override.expiresAt)}`,
          a.comment === undefined ? '' : ` – “${a.comment}”`,
        ),
      ),
    ),
  );

  main.replaceChildren(
    h(
      'div',
      { class: 'case', 'data-case': c.transactionId },
      h('div', { class: 'head' }, h('h1', {}, `Case ${c.transactionId}`), h('span', { class: 'status', id: 'status' }, status), actions(c, mine)),
      h('div', { class: 'columns' }, h('div', {}, decision, cardHistory, transaction, overrides, audit), h('div', {}, features)),
    ),
  );
}

/** @param {Case} c @param {boolean} mine */
function actions(c, mine) {
  if (c.status === 'closed') return h('span');
  if (!mine) {
    const claim = h('button', { type: 'button', id: 'claim' }, c.claimedBy === null ? 'Claim' : `Held by ${c.claimedBy}`);
    claim.addEventListener('click', () => void claimCase(c.transactionId));
    return h('div', { class: 'actions' }, claim);
  }
  const comment = h('textarea', { id: 'comment', rows: '1', placeholder: 'Comment (optional)', 'aria-label': 'Comment', maxlength: '2000' });
  /** @param {string} verdict @param {string} label @param {string} key */
  const button = (verdict, label, key) => {
    const b = h('button', { type: 'button', class: `verdict ${verdict}`, 'data-verdict': verdict }, `${label} (${key})`);
    b.addEventListener('click', () => void decide(verdict));
    return b;
  };
  const release = h('button', { type: 'button', id: 'release' }, 'Release (r)');
  release.addEventListener('click', () => void releaseCase());
  return h(
    'div',
    { class: 'actions' },
    comment,
    button('fraud', 'Fraud', 'f'),
    button('legitimate', 'Legitimate', 'l'),
    button('inconclusive', 'Inconclusive', 'i'),
    release,
  );
}

/** @param {Case} c */
function overrideForm(c) {
  const entity = h(
    'select',
    { id: 'override-entity', 'aria-label': 'What' },
    h('option', { value: 'card' }, 'card'),
    h('option', { value: 'merchant' }, 'merchant'),
  );
  if (c.transaction.deviceId !== undefined) entity.append(h('option', { value: 'device' }, 'device'));
  const action = h(
    'select',
    { id: 'override-action', 'aria-label': 'Action' },
    h('option', { value: 'block' }, 'block'),
    h('option', { value: 'allow' }, 'allow'),
  );
  const hours = h(
    'select',
    { id: 'override-hours', 'aria-label': 'For' },
    ...[
      ['1', '1 hour'],
      ['24', '1 day'],
      ['168', '7 days'],
      ['720', '30 days'],
    ].map(([v, t]) => h('option', { value: v }, t)),
  );
  const reason = h('input', { id: 'override-reason', required: true, maxlength: '500', placeholder: 'Reason', 'aria-label': 'Reason' });
  const form = h('form', { class: 'override' }, action, entity, h('span', {}, 'for'), hours, reason, h('button', { type: 'submit' }, 'Set'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (/** @type {Element} */ el) => /** @type {HTMLInputElement} */ (el).value;
    const expiresAt = new Date(Date.now() + Number(value(hours)) * 3_600_000).toISOString();
    void act(
      `/v1/cases/${encodeURIComponent(c.transactionId)}/override`,
      { entity: value(entity), action: value(action), expiresAt, reason: value(reason) },
      'Override set.',
    );
  });
  return form;
}

/**
 * A state-changing call on the case shown; the case as it is after it, or the error.
 * @param {string} path @param {unknown} body @param {string} done
 */
async function act(path, body, done) {
  const reply = await api('POST', path, body);
  if (reply.status !== 200) {
    flash(errorOf(reply), 'error');
    return;
  }
  renderCase(/** @type {Case} */ (reply.body));
  flash(done);
}

/** @param {string} id */
async function claimCase(id) {
  await act(`/v1/cases/${encodeURIComponent(id)}/claim`, undefined, 'Claimed.');
}

/** @param {string} verdict */
async function decide(verdict) {
  const c = state.current;
  if (c?.status !== 'open' || c.claimedBy !== state.session?.analyst) return;
  const comment = /** @type {HTMLTextAreaElement | null} */ (document.getElementById('comment'))?.value.trim() ?? '';
  const sent = verdict === 'inconclusive' ? 'no label sent' : 'label sent';
  await act(
    `/v1/cases/${encodeURIComponent(c.transactionId)}/verdict`,
    comment === '' ? { verdict } : { verdict, comment },
    `Closed as ${verdict} (${sent}). n for the next case.`,
  );
}

async function releaseCase() {
  const c = state.current;
  if (c === null || c.claimedBy !== state.session?.analyst) return;
  const reply = await api('DELETE', `/v1/cases/${encodeURIComponent(c.transactionId)}/claim`);
  if (reply.status !== 204) {
    flash(errorOf(reply), 'error');
    return;
  }
  flash('Released to the queue.');
  location.hash = '#/queue';
}

/** @param {string} query */
async function search(query) {
  const q = query.trim();
  if (q === '') return;
  const reply = await api('GET', `/v1/cases/${encodeURIComponent(q)}`);
  location.hash = reply.status === 200 ? `#/case/${encodeURIComponent(q)}` : `#/queue?card=${encodeURIComponent(q)}`;
}

const COLOURS = { approve: '#3b8c5a', review: '#c98a12', deny: '#c0392b' };

/** @param {Overview['minutes']} minutes */
function minutesChart(minutes) {
  const width = 1180;
  const height = 220;
  const top = Math.max(1, ...minutes.map((m) => m.approve + m.review + m.deny));
  const step = width / Math.max(1, minutes.length);
  const bars = minutes.flatMap((m, i) => {
    let y = height;
    return /** @type {const} */ (['approve', 'review', 'deny']).map((outcome) => {
      const h2 = (m[outcome] / top) * (height - 20);
      y -= h2;
      return svg(
        'rect',
        { x: i * step + 1, y, width: Math.max(1, step - 2), height: h2, fill: COLOURS[outcome] },
        svg('title', {}, `${m.minute} ${outcome}: ${String(m[outcome])}`),
      );
    });
  });
  return svg(
    'svg',
    { viewBox: `0 0 ${String(width)} ${String(height)}`, class: 'chart', role: 'img', 'aria-label': 'Decisions per minute by outcome' },
    svg('text', { x: 4, y: 12, class: 'axis' }, `max ${String(top)}/min`),
    ...bars,
  );
}

/** @param {Overview['rules']} rules */
function rulesChart(rules) {
  const top = Math.max(1, ...rules.map((r) => r.hits));
  return h(
    'table',
    { class: 'rules' },
    h('thead', {}, h('tr', {}, ...['Rule', 'Hits', '', 'Verdicts (fraud / legitimate)', 'Precision', ''].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...rules.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, h('code', {}, r.rule)),
          h('td', { class: 'num' }, String(r.hits)),
          h('td', { class: 'barcell' }, styled(h('span', { class: 'bar' }), { width: `${String(Math.round((r.hits / top) * 100))}%` })),
          h('td', { class: 'num' }, `${String(r.fraud)} / ${String(r.legitimate)}`),
          h('td', { class: 'num' }, r.precision === null ? '–' : r.precision.toFixed(2)),
          h(
            'td',
            { class: 'barcell' },
            r.precision === null ? null : styled(h('span', { class: 'bar precision' }), { width: `${String(Math.round(r.precision * 100))}%` }),
          ),
        ),
      ),
    ),
  );
}

/** @param {() => boolean} stale */
async function showOverview(stale) {
  const reply = await api('GET', '/v1/overview');
  if (stale()) return;
  if (reply.status !== 200) {
    flash(errorOf(reply), 'error');
    return;
  }
  const o = /** @type {Overview} */ (reply.body);
  state.current = null;
  const total = o.minutes.reduce((s, m) => s + m.approve + m.review + m.deny, 0);
  main.replaceChildren(
    h(
      'div',
      { class: 'overview' },
      h(
        'section',
        { class: 'panel', id: 'throughput' },
        h('div', { class: 'head' }, h('h1', {}, `Decisions per minute, last ${String(o.minutes.length)} min (${String(total)}, all instances)`)),
        h('p', { class: 'legend' }, ...Object.entries(COLOURS).map(([k, colour]) => h('span', {}, styled(h('i'), { background: colour }), k))),
        minutesChart(o.minutes),
      ),
      h(
        'section',
        { class: 'panel', id: 'queue-stats' },
        h('h2', {}, 'Review queue'),
        facts([
          ['Open cases', String(o.queue.open)],
          ['Oldest open', o.queue.oldestOpenedAt === null ? '–' : `${ageText(o.queue.oldestOpenedAt)} (${timeText(o.queue.oldestOpenedAt)})`],
        ]),
      ),
      h(
        'section',
        { class: 'panel', id: 'rule-stats' },
        h('h2', {}, `Top rules by hits, last ${String(o.days)} days, with the precision of analysts’ verdicts`),
        rulesChart(o.rules),
      ),
    ),
  );
}

document.addEventListener('keydown', (event) => {
  if (state.session === null || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = /** @type {HTMLElement} */ (event.target);
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
    if (event.key === 'Escape') target.blur();
    return;
  }
  /** @type {Record<string, () => unknown>} */
  const keys = {
    n: claimNext,
    f: () => decide('fraud'),
    l: () => decide('legitimate'),
    i: () => decide('inconclusive'),
    r: releaseCase,
    q: () => (location.hash = '#/queue'),
    o: () => (location.hash = '#/overview'),
    '/': () => {
      searchInput.focus();
    },
  };
  const run = keys[event.key];
  if (run === undefined) return;
  event.preventDefault();
  void run();
});

document.getElementById('search')?.addEventListener('submit', (event) => {
  event.preventDefault();
  void search(searchInput.value);
});
document.getElementById('sign-out')?.addEventListener('click', () => void signOut());
window.addEventListener('hashchange', () => void route());

async function start() {
  /** @type {unknown} */
  const meanings = await fetch('/console/assets/features.json').then((res) => res.json());
  state.meanings = /** @type {Record<string, string>} */ (meanings);
  const reply = await api('GET', '/console/session');
  if (reply.status === 200) started(/** @type {Session} */ (reply.body));
  await route();
}

void start();
