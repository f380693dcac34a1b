import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type Browser } from 'playwright-core';
import { z } from 'zod';
import { CHROMIUM, ensureChromium } from '../../scripts/stack/chromium';
import { OPERATIONS } from '../../src/http/openapi';
import { startTestApp } from '../support/app';

/**
 * The API's docs page in a real browser (Debian's Chromium, headless): that it renders every
 * operation of the document from the service's own assets, without a script error, and fits a
 * 1280 px wide window.
 */
describe('the /docs page in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;

  beforeAll(async () => {
    ensureChromium();
    app = await startTestApp();
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
    await app.close();
  });

  it('renders every operation from the service alone, with no script error and no horizontal scroll at 1280x800', async () => {
    const { port } = z.object({ port: z.number() }).parse(app.getHttpServer().address());
    const origin = `http://127.0.0.1:${String(port)}`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    await page.goto(`${origin}/docs`);
    // In the page (strings: this project's TypeScript has no DOM types).
    await page.waitForFunction(`document.querySelectorAll('.opblock').length >= ${String(OPERATIONS.length)}`, undefined, { timeout: 20_000 });
    const shown = await Promise.all((await page.locator('.opblock-summary-path').all()).map((path) => path.getAttribute('data-path')));
    expect(shown).toHaveLength(OPERATIONS.length);
    expect(shown).toEqual(expect.arrayContaining(['/v1/decisions', '/v1/cases/{transactionId}/verdict', '/openapi.json']));
    expect(errors).toEqual([]);
    expect(elsewhere).toEqual([]);
    const overflow = z.number().parse(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
