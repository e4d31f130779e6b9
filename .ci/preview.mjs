// Drives /preview in headless Chromium against a running Vitrine with a
// seeded catalogue, and checks what a catalogue manager would see: the page
// loads with no console error and asks its own origin only; a customer's
// view shows the offerings of the JSON view, tailored name and price
// included; the internal switch greys out exactly the components the view
// leaves out. Run by .ci/preview, which says what the environment holds:
//   VITRINE_BASE_URL          the server, such as http://127.0.0.1:8080
//   VITRINE_ADMIN_KEY         an admin key
//   VITRINE_ARTIFACTS         where the screenshots go
//   VITRINE_PLAYWRIGHT_CORE   the node_modules folder holding playwright-core
//   CHROMIUM                  the browser (default /usr/bin/chromium)
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(require.resolve('playwright-core', { paths: [process.env.VITRINE_PLAYWRIGHT_CORE || '.'] }));

const base = (process.env.VITRINE_BASE_URL || '').replace(/\/+$/, '');
const adminKey = process.env.VITRINE_ADMIN_KEY || '';
const artifacts = process.env.VITRINE_ARTIFACTS || 'target/ci-artifacts';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !adminKey) {
  console.error('preview: VITRINE_BASE_URL and VITRINE_ADMIN_KEY are needed');
  process.exit(2);
}
const origin = new URL(base).origin;

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}

async function api(pathAndQuery, { key = adminKey, method = 'GET', body } = {}) {
  const response = await fetch(base + pathAndQuery, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Failure(`${method} ${pathAndQuery} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function listAll(collection) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`${collection}?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

const money = (m) => (m ? `${m.amount} ${m.currency}` : null);

/**
 * A customer whose view, on `day`, holds an offering tailored by an overlay:
 * its name differs from the offering's own, and one of its prices too.
 * Looked for among the customers of the overlays' groups only.
 */
async function tailoredCustomer(day) {
  const overlays = await listAll('/api/v1/overlays');
  check(overlays.length, 'the seeded catalogue has no overlay: nothing is tailored');
  const offerings = new Map();
  const prices = new Map();
  const seen = new Set();
  let nameOnly = null;
  for (const overlay of overlays) {
    const page = await api(`/api/v1/customers?limit=20&consumer_group_id=${overlay.consumer_group_id}`);
    for (const customer of page.items) {
      if (seen.has(customer.id)) continue;
      seen.add(customer.id);
      const view = await api(`/api/v1/customers/${customer.id}/view?on=${day}`);
      for (const offering of view.offerings) {
        if (!offerings.has(offering.id)) offerings.set(offering.id, await api(`/api/v1/offerings/${offering.id}`));
        if (offerings.get(offering.id).name === offering.name) continue;
        for (const price of offering.prices) {
          if (!prices.has(price.id)) prices.set(price.id, await api(`/api/v1/prices/${price.id}`));
          if (price.price && money(prices.get(price.id).price) !== money(price.price)) {
            return { customer, view, offering, price, baseName: offerings.get(offering.id).name, basePrice: money(prices.get(price.id).price) };
          }
        }
        nameOnly ??= { customer, view, offering, price: offering.prices.find((p) => p.price) || null, baseName: offerings.get(offering.id).name, basePrice: null };
      }
    }
  }
  check(nameOnly, `no customer's view on ${day} holds an offering renamed by an overlay`);
  return nameOnly;
}

/** The ids of the components the view shows, and of those it leaves out. */
async function componentsBehind(view) {
  const visible = new Set();
  const internal = new Set();
  const serviceIds = new Set(view.offerings.flatMap((o) => o.services.map((s) => s.id)));
  const products = new Set();
  for (const id of serviceIds) for (const p of (await api(`/api/v1/services/${id}`)).product_ids) products.add(p);
  for (const id of products) {
    for (const c of await listAll(`/api/v1/products/${id}/components`)) {
      (c.visibility === 'customer' && c.customer_label ? visible : internal).add(c.id);
    }
  }
  return { visible, internal };
}

const day = new Date().toISOString().slice(0, 10);
const subject = await tailoredCustomer(day);
const { customer, view, offering: tailored } = subject;
const behind = await componentsBehind(view);

const requests = [];
const problems = [];
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
// A page in a context of its own: its requests go to `requests`, and its
// console errors, page errors, failed requests and error answers to `found`.
async function watchedPage(found) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (message) => {
    if (message.type() === 'error') found.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => found.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) => found.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) found.push(`${response.status()} from ${response.url()}`);
  });
  return { context, page };
}

let failed = null;
let summary = '';
try {
  const { context, page } = await watchedPage(problems);
  const noProblems = (when) => check(!problems.length, `${when}:\n  ${problems.join('\n  ')}`);
  const noJunk = async (when) => {
    const junk = (await page.locator('body').innerText()).match(/.*(\[object |undefined|NaN|null).*/);
    check(!junk, `${when}: the page shows "${junk && junk[0]}"`);
  };

  // 1. The page loads, under its content security policy.
  const loaded = await page.goto(`${base}/preview`, { waitUntil: 'load' });
  check(loaded && loaded.status() === 200, `GET /preview answered ${loaded && loaded.status()}`);
  check(/default-src 'self'/.test(loaded.headers()['content-security-policy'] || ''),
    'GET /preview has no Content-Security-Policy with default-src \'self\'');
  await page.getByTestId('key-input').waitFor();
  noProblems('loading /preview');

  // 2. The admin key, a day, a customer found by its exact name.
  await page.getByTestId('key-input').fill(adminKey);
  await page.getByTestId('connect').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="subject-picker"]').options.length > 1);
  const listed = await page.getByTestId('subject-picker').evaluate((select) => select.options.length - 1);
  check(listed <= 50, `the customer picker loaded ${listed} customers at once, more than a page of 50`);
  await page.getByTestId('day-input').fill(day);
  await page.getByTestId('find-input').fill(customer.name);
  await page.getByTestId('find').click();
  await page.waitForFunction(
    ({ name, count }) => document.querySelector('[data-testid="view-title"]').textContent === name
      && document.getElementById('view').getAttribute('aria-busy') === 'false'
      && document.querySelectorAll('[data-testid="offering"]').length === count,
    { name: customer.name, count: view.offerings.length },
  );
  noProblems(`showing ${customer.name}'s view`);

  await noJunk(`${customer.name}'s view`);
  const cards = await page.getByTestId('offering-name').allTextContents();
  const shown = [...cards].sort();
  const expected = view.offerings.map((o) => o.name).sort();
  check(JSON.stringify(shown) === JSON.stringify(expected),
    `the cards are not the view's offerings:\n  cards: ${JSON.stringify(shown)}\n  view:  ${JSON.stringify(expected)}`);
  check(cards.includes(tailored.name), `no card is named "${tailored.name}", the tailored name`);
  const card = page.locator(`[data-testid="offering"][data-offering-id="${tailored.id}"]`);
  check(await card.getByTestId('offering-name').textContent() === tailored.name,
    `the card of offering ${tailored.id} is not named "${tailored.name}"`);
  if (subject.price) {
    const priceTexts = await card.getByTestId('price').allTextContents();
    check(priceTexts.some((t) => t.includes(subject.price.price.amount)),
      `the card "${tailored.name}" does not show the tailored amount ${subject.price.price.amount}: ${JSON.stringify(priceTexts)}`);
  }
  const shownBefore = await page.locator('[data-testid="component"]').count();
  const inView = view.offerings.reduce((n, o) => n + o.services.reduce((m, s) => m + s.components.length, 0), 0);
  check(shownBefore === inView, `${shownBefore} components shown before the switch, the view holds ${inView}`);
  check(await page.locator('[data-testid="component"][data-internal="true"]').count() === 0,
    'components marked internal are shown before the internal switch is on');
  await page.screenshot({ path: path.join(artifacts, 'preview.png'), fullPage: true });

  // 3. The internal switch: the components the view leaves out, greyed.
  await page.getByTestId('internal-switch').check();
  await page.waitForFunction(() => document.getElementById('view').getAttribute('aria-busy') === 'false'
    && document.querySelector('[data-testid="status"]').textContent === ''
    && document.querySelector('[data-testid="component"][data-internal="true"]'));
  noProblems('turning the internal switch on');
  await noJunk('with the internal switch on');
  check(await page.getByTestId('problem').isHidden(), `the page shows a problem: ${await page.getByTestId('problem').textContent()}`);
  const components = await page.locator('[data-testid="component"]').evaluateAll((nodes) => nodes.map((node) => {
    const style = getComputedStyle(node);
    const [r, g, b] = (style.color.match(/\d+(\.\d+)?/g) || []).map(Number);
    return {
      id: node.dataset.componentId || null,
      internal: node.dataset.internal === 'true',
      text: node.textContent,
      opacity: Number(style.opacity),
      grey: Math.max(r, g, b) - Math.min(r, g, b) < 24 && Math.max(r, g, b) > 80,
    };
  }));
  const internalShown = components.filter((c) => c.internal);
  const visibleShown = components.filter((c) => !c.internal);
  check(internalShown.length > 0, 'no component is marked internal with the switch on');
  for (const c of components) {
    check(c.id, `a component has no data-component-id with the switch on: "${c.text}"`);
    if (behind.visible.has(c.id)) check(!c.internal, `component ${c.id} is in the JSON view but marked internal`);
    else check(behind.internal.has(c.id), `component ${c.id} is not a component of the view's products`);
  }
  for (const c of internalShown) {
    check(behind.internal.has(c.id), `component ${c.id} is marked internal but the view shows it`);
    check(/internal/i.test(c.text), `internal component ${c.id} does not say "internal": "${c.text}"`);
    check(c.opacity < 1 || c.grey, `internal component ${c.id} is not greyed (opacity ${c.opacity})`);
  }
  check(visibleShown.length === inView, `${visibleShown.length} visible components with the switch on, the view holds ${inView}`);
  await page.screenshot({ path: path.join(artifacts, 'preview-internal.png'), fullPage: true });
  await page.screenshot({ path: path.join(artifacts, 'preview-internal-first-screen.png') });

  // Off again: the customer's view alone.
  await page.getByTestId('internal-switch').uncheck();
  check(await page.locator('[data-testid="component"][data-internal="true"]').count() === 0,
    'internal components are still shown with the switch off');
  noProblems('turning the internal switch off');

  // 4. A key bound to the customer: the page learns from /api/v1/me whose
  // view it reads and shows it, asking nothing the key may not read; the
  // internal switch says it is not for this key.
  const secret = (await api('/api/v1/api-keys', { method: 'POST', body: { role: 'customer', customer_id: customer.id, name: 'ci-preview' } })).secret;
  const ownProblems = [];
  const { context: own, page: mine } = await watchedPage(ownProblems);
  await mine.goto(`${base}/preview`);
  await mine.getByTestId('key-input').fill(secret);
  await mine.getByTestId('connect').click();
  await mine.getByTestId('internal-switch').and(mine.locator(':disabled')).waitFor();
  await mine.getByTestId('day-input').fill(day);
  await mine.waitForFunction(
    ({ name, count }) => document.querySelector('[data-testid="view-title"]').textContent === name
      && document.getElementById('view').getAttribute('aria-busy') === 'false'
      && document.querySelectorAll('[data-testid="offering"]').length === count,
    { name: customer.name, count: view.offerings.length },
  );
  const ownCards = (await mine.getByTestId('offering-name').allTextContents()).sort();
  check(JSON.stringify(ownCards) === JSON.stringify(expected), `with the customer's key, the cards are not the view's offerings: ${JSON.stringify(ownCards)}`);
  const note = await mine.getByTestId('internal-note').textContent();
  check(/internal/i.test(note), `with the customer's key, the internal switch does not say why it is off: "${note}"`);
  check(!ownProblems.length, `with the customer's key:\n  ${ownProblems.join('\n  ')}`);
  await own.close();

  const outside = requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  check(!outside.length, `the page asked other origins than ${origin}:\n  ${outside.join('\n  ')}`);
  summary = `preview: ok: ${customer.name} on ${day}: ${cards.length} offerings shown, tailored "${tailored.name}"`
    + `${subject.price ? ` at ${money(subject.price.price)}` : ''}; components ${visibleShown.length} visible, `
    + `${internalShown.length} internal greyed; ${requests.length} requests, all to ${origin}; no console error as admin; `
    + `customer key: same ${ownCards.length} offerings, no error, internal refused; screenshots in ${artifacts}`;
  await context.close();
} catch (error) {
  failed = error;
} finally {
  await browser.close();
}

if (failed) {
  console.error(`preview: FAILED: ${failed instanceof Failure ? failed.message : failed.stack || failed}`);
  process.exit(1);
}
console.log(summary);
