import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { z } from 'zod';
import { CHROMIUM, ensureChromium } from '../../scripts/stack/chromium';
import { fraudLabelSchema } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics } from '../support/kafka';
import { testNote } from '../support/service-log';

// A database of its own: the queue and the overview's counters are global to a Redis database.
const DB = 10;
const ANA = 'ana-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const SCORING = 'scoring-key-0123456789abcdef';
const ROOT = join(__dirname, '..', '..');
// The README's picture of the case page: written where the README shows it when asked
// (UPDATE_SCREENSHOTS=1), else beside the test logs, so a test run leaves the tree clean.
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'console-case.png') : join(ROOT, '.cache', 'screenshots', 'console-case.png');

const decisionReply = z.looseObject({ transactionId: z.string(), decision: z.enum(['approve', 'deny', 'review']), degraded: z.boolean() });

/**
 * The analyst console in a real browser (Debian's Chromium, headless, 1280x800), driven by
 * the keyboard against two service instances on the test stack: sign in, claim the next case,
 * read why it was flagged and what the model saw, confirm it as fraud, and see that verdict
 * come back as a label on fraud-labels and in the card's next decision.
 */
describe('the analyst console in Chromium', () => {
  const topics = uniqueTopics('console');
  const redisUrl = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  const config = testConfig({ ...topics, REDIS_URL: redisUrl });
  // Budgets far past the shared machine's worst stall, with Chromium and other suites beside
  // it: a decision here must be the rules' and the model's, never a degraded one.
  const keys = {
    REVIEW_API_KEYS: `ana:${ANA},bob:${BOB}`,
    SCORING_API_KEYS: SCORING,
    BUDGET_TOTAL_MS: '10000',
    BUDGET_VELOCITY_MS: '9000',
    BUDGET_RULES_MS: '9500',
    BUDGET_MODEL_MS: '9500',
    IDEMPOTENCY_LEASE_MS: '20000',
  };
  let serving: NestFastifyApplication;
  let other: NestFastifyApplication;
  let browser: Browser;
  let origin: string;
  const sent = { approve: 0, deny: 0, review: 0 };

  beforeAll(async () => {
    ensureChromium();
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await createTopics(config);
    // The instance the analysts use consumes the labels; the other only scores.
    serving = await startTestApp({ ...topics, ...keys, REDIS_URL: redisUrl, KAFKA_GROUP_ID: config.kafka.groupId, KAFKA_CONSUMER_ENABLED: 'true' });
    other = await startTestApp({ ...topics, ...keys, REDIS_URL: redisUrl });
    const { port } = z.object({ port: z.number() }).parse(serving.getHttpServer().address());
    origin = `http://127.0.0.1:${String(port)}`;
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
    await other.close();
    await serving.close();
  });

  const decide = async (app: NestFastifyApplication, cardId: string, amount: number) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${SCORING}` },
      payload: aTransaction({ cardId, amount, occurredAt: new Date().toISOString() }),
    });
    const reply = decisionReply.parse(res.json());
    sent[reply.decision] += 1;
    return reply;
  };

  /** A browser window of its own (cookies included), failing the test on any script error. */
  const windowFor = async (): Promise<{ context: BrowserContext; page: Page; errors: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) errors.push(`fetched from elsewhere: ${request.url()}`);
    });
    return { context, page, errors };
  };
  const signIn = async (page: Page, key: string) => {
    await page.goto(`${origin}/console`);
    await page.locator('#key').fill(key);
    await page.keyboard.press('Enter');
    await page.locator('#who').filter({ hasText: /\S/ }).waitFor();
  };
  // In the page (strings: this project's TypeScript has no DOM types).
  const overflow = async (page: Page) => z.number().parse(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
  /** A call from the page's own fetch, with its cookie; the CSRF token is the caller's to give. */
  const fetchIn = async (page: Page, method: string, path: string, csrf?: string, body?: object) => {
    const headers = { ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const init = JSON.stringify({ method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return z
      .object({ status: z.number(), code: z.string().nullable() })
      .parse(
        await page.evaluate(
          `fetch(${JSON.stringify(path)}, ${init}).then(async (r) => ({ status: r.status, code: r.status === 204 ? null : ((await r.json()).error?.code ?? null) }))`,
        ),
      );
  };
  /** A feature's row on the case page, by its exact name. */
  const featureRow = (page: Page, name: string) => page.locator('#features tr').filter({ has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) });

  it('takes an analyst from sign-in through claim-next to a fraud verdict by keyboard; the label reaches fraud-labels and the card', async () => {
    const card = `card-console-${String(Date.now())}`;
    // The card's earlier, ordinary payments (its recent history), then a 12,000 EUR payment the
    // default rules send to review, scored on the other instance.
    for (const amount of [18.5, 42, 7.2]) expect(await decide(other, card, amount)).toMatchObject({ decision: 'approve', degraded: false });
    const flagged = await decide(other, card, 12_000);
    expect(flagged).toMatchObject({ decision: 'review', degraded: false, ruleHits: ['amount-ceiling'] });

    const ana = await windowFor();
    await signIn(ana.page, ANA);
    await ana.page.locator('table.queue tr[data-case]').first().waitFor();
    expect(await ana.page.locator('#who').textContent()).toBe('ana');
    expect(await overflow(ana.page)).toBeLessThanOrEqual(0);
    // The queue narrows to the rows holding a filter's text.
    const visible = () => ana.page.locator('table.queue tr[data-case]:visible').count();
    await ana.page.locator('#queue-filter').fill('AMOUNT_OVER_CEILING');
    expect(await visible()).toBe(await ana.page.locator('table.queue tr[data-case]').count());
    await ana.page.locator('#queue-filter').fill('no-such-merchant');
    expect(await visible()).toBe(0);
    await ana.page.locator('#queue-filter').press('Escape');

    await ana.page.keyboard.press('n');
    await ana.page.locator('.case #status').filter({ hasText: 'Claimed by you' }).waitFor();
    expect(await ana.page.locator('.case').getAttribute('data-case')).toBe(flagged.transactionId);
    expect(await ana.page.locator('#reasons').textContent()).toContain('AMOUNT_OVER_CEILING');
    // The features as the model saw them, each with its meaning from the catalogue.
    const cardCount = featureRow(ana.page, 'card_count_1h');
    expect(await cardCount.locator('td').nth(0).textContent()).toBe('3');
    expect(await cardCount.locator('td').nth(1).textContent()).toBe("card's transactions in the previous hour");
    // The card's recent decisions: this one and the three before it, newest first.
    const history = await ana.page.locator('#history tr').allTextContents();
    expect(history).toHaveLength(4);
    expect(history[0]).toContain(flagged.transactionId);
    expect(history.slice(1).every((row) => row.includes('approve'))).toBe(true);
    expect(await overflow(ana.page)).toBeLessThanOrEqual(0);

    // A second analyst cannot take the case: the page says who holds it, and the API refuses.
    const bob = await windowFor();
    await signIn(bob.page, BOB);
    await bob.page.goto(`${origin}/console#/case/${flagged.transactionId}`);
    await bob.page.locator('#claim').filter({ hasText: 'Held by ana' }).waitFor();
    const bobCsrf = z.object({ csrfToken: z.string() }).parse(await bob.page.evaluate("fetch('/console/session').then((r) => r.json())")).csrfToken;
    expect(await fetchIn(bob.page, 'POST', `/v1/cases/${flagged.transactionId}/claim`, bobCsrf)).toEqual({ status: 409, code: 'CASE_HELD' });
    expect(await fetchIn(bob.page, 'POST', `/v1/cases/${flagged.transactionId}/verdict`, bobCsrf, { verdict: 'legitimate' })).toEqual({
      status: 409,
      code: 'CASE_NOT_CLAIMED',
    });

    // Without the session, or with the session and a forged CSRF token, nothing changes.
    const stranger = await windowFor();
    await stranger.page.goto(`${origin}/console`);
    await stranger.page.locator('#sign-in').waitFor();
    expect(await fetchIn(stranger.page, 'POST', '/v1/review-queue/claim')).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await fetchIn(ana.page, 'POST', `/v1/cases/${flagged.transactionId}/claim`, 'forged-token')).toEqual({ status: 403, code: 'CSRF_INVALID' });
    expect(await fetchIn(ana.page, 'DELETE', `/v1/cases/${flagged.transactionId}/claim`)).toEqual({ status: 403, code: 'CSRF_INVALID' });

    await ana.page.screenshot({ path: SCREENSHOT, fullPage: false });
    testNote(`console case page screenshot: ${SCREENSHOT}`);

    await ana.page.locator('#comment').fill('cardholder does not recognise it');
    await ana.page.locator('#comment').press('Escape');
    await ana.page.keyboard.press('f');
    await ana.page.locator('.case #status').filter({ hasText: 'Closed as fraud by ana' }).waitFor();
    expect(await ana.page.locator('#audit li').allTextContents()).toEqual([
      expect.stringMatching(/ana claimed$/),
      expect.stringMatching(/ana closed as fraud – “cardholder does not recognise it”$/),
    ]);

    const labels = await collect(config, config.kafka.topics.labels, (all) => all.some((m) => m.key === flagged.transactionId));
    const label = fraudLabelSchema.parse(JSON.parse(labels.find((m) => m.key === flagged.transactionId)?.value ?? '{}'));
    expect(label).toMatchObject({ transactionId: flagged.transactionId, fraud: true, cardId: card, source: 'analyst', author: 'ana' });

    // The card's next flagged payment: its case shows the fraud the card is now known for.
    let next = '';
    await waitUntil('the verdict counted on the card', async () => {
      next = (await decide(serving, card, 12_000)).transactionId;
      const features = await ana.page.evaluate(`fetch('/v1/cases/${next}').then((r) => r.json()).then((c) => c.features)`);
      return z.record(z.string(), z.number()).parse(features).card_frauds_known === 1;
    });
    await ana.page.goto(`${origin}/console#/case/${next}`);
    const known = featureRow(ana.page, 'card_frauds_known').locator('td').first();
    await known.filter({ hasText: '1' }).waitFor();
    for (const context of [ana.context, bob.context, stranger.context]) await context.close();
    expect([...ana.errors, ...bob.errors, ...stranger.errors]).toEqual([]);
  });

  it('shows the overview of both instances: decisions per minute by outcome, the queue, and the rules with their verdict precision', async () => {
    const ana = await windowFor();
    // The queue the sign-in opens answers only once the overview has been asked for: its late
    // reply must not be drawn over the page the analyst moved on to.
    let overviewAsked = (): void => undefined;
    const asked = new Promise<void>((resolve) => (overviewAsked = resolve));
    ana.page.on('request', (request) => {
      if (request.url().endsWith('/v1/overview')) overviewAsked();
    });
    await ana.page.route('**/v1/cases?limit=100', async (route) => {
      await asked;
      await route.continue();
    });
    const queueAnswered = ana.page.waitForResponse((response) => response.url().endsWith('/v1/cases?limit=100'));
    await signIn(ana.page, ANA);
    await ana.page.keyboard.press('o');
    const total = sent.approve + sent.deny + sent.review;
    await ana.page
      .locator('#throughput h1')
      .filter({ hasText: `(${String(total)}, all instances)` })
      .waitFor();
    await queueAnswered;
    // A round trip of the page's own after the queue's reply: its handler has run by then.
    await ana.page.evaluate("fetch('/console/session').then((r) => r.json())");
    await ana.page.locator('#throughput').waitFor();
    expect(await ana.page.locator('table.queue').count()).toBe(0);
    // One bar segment a minute and outcome that had decisions; their titles carry the counts.
    const titles = await ana.page.locator('#throughput svg rect title').allTextContents();
    const counted = (outcome: string) => titles.filter((t) => t.includes(` ${outcome}: `)).reduce((sum, t) => sum + Number(t.split(': ')[1]), 0);
    expect({ approve: counted('approve'), review: counted('review'), deny: counted('deny') }).toEqual(sent);
    const ceiling = ana.page.locator('#rule-stats tr').filter({ hasText: 'amount-ceiling' });
    expect(await ceiling.locator('td').allTextContents()).toEqual(['amount-ceiling', String(sent.review), '', '1 / 0', '1.00', '']);
    expect(await ana.page.locator('#queue-stats dd').first().textContent()).toBe(String(sent.review - 1));
    expect(await overflow(ana.page)).toBeLessThanOrEqual(0);
    await ana.context.close();
    expect(ana.errors).toEqual([]);
  });
});
