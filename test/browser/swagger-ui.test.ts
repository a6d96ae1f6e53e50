import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const CHROMIUM = process.env.QUILL_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

let s: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  s = await startTestServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe.skipIf(!available)('Swagger UI at /docs in a real browser', () => {
  it('renders the API and runs a request with a bearer token', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.baseUrl}/docs`);
    await page.getByText('Quill Document Store', { exact: false }).first().waitFor();
    await expect(page.locator('.opblock-summary-path', { hasText: '/v1/documents/{id}/download-url' }).count()).resolves.toBeGreaterThan(0);

    // Authorize with a token, then "Try it out" on GET /v1/document-types
    const token = await s.token('browser.user', ['clinician']);
    await page.getByRole('button', { name: /authorize/i }).first().click();
    await page.locator('.modal-ux input[type=text], .modal-ux input:not([type])').first().fill(token);
    await page.locator('.modal-ux button.modal-btn.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    const op = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: /^\/v1\/document-types$/ }) });
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: /try it out/i }).click();
    await op.getByRole('button', { name: /execute/i }).click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('200');
    await expect(op.locator('.live-responses-table').innerText()).resolves.toContain('373942005');
    await page.screenshot({ path: `${process.env.QUILL_SCREENSHOT_DIR ?? '/tmp'}/quill-docs.png`, fullPage: false });
  });
});
