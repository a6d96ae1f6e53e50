/// <reference lib="dom" />
// The clinician's page at / in real Chromium (playwright-core), against the real service with the development secret
// (so the page's development sign-in is on): a clinician signs in, finds a patient, uploads a PDF with progress, sees
// it listed, opens it (SHA-256 verified), adds a version; a records manager marks it entered-in-error; an auditor sees
// it all in the trail; a clinician scoped to one patient cannot reach another's; a 50 MB upload cut off mid-way
// through the DevTools protocol resumes and completes with the right hash. axe-core runs on every screen. Every request
// any of these pages makes goes to the service itself: no font, script, style or image from another origin (a clinical
// system must not depend on, or tell, a third party; hospital networks often block them).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/routes/web/web-bundle.ts';
import { OTHER_PATIENT, PATIENT, pdfBytes, sha256 } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { clamdMissing, eicar, startClamd, type Clamd } from '../support/clamav.ts';

const CHROMIUM = process.env.QUILL_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
const SHOTS = path.resolve('docs', 'screenshots');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const MiB = 1024 * 1024;

let s: TestServer;
/** A real clamd scanning the page's uploads (test-servers/clamav), where it is installed (required under CI). */
let clamd: Clamd | null = null;
let browser: Browser;
let tmp: string;
const state: { documentId?: string; v1?: Buffer; v2?: Buffer } = {};

beforeAll(async () => {
  if (!available) return;
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: npm run build:web (npm install does it)');
  // QUILL_JWT_SECRET '' = unset: the embedded development secret signs tokens, so development sign-in is offered
  if (!clamdMissing()) clamd = await startClamd();
  s = await startTestServer({ QUILL_JWT_SECRET: '', QUILL_MAX_UPLOAD_BYTES: String(80 * MiB), ...(clamd ? { QUILL_CLAMD_URL: clamd.url } : {}) });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quill-web-'));
  await mkdir(SHOTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
  await clamd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * axe-core in the page: no serious or critical WCAG 2.x A/AA (2.2 included) violations. It is evaluated through the
 * DevTools protocol: the page's Content-Security-Policy rightly refuses an injected <script>.
 */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(await readFile(AXE, 'utf8'));
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
  });
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `axe on the ${screen} screen`).toEqual([]);
}

/** Every URL the pages below requested (documents, scripts, styles, fonts, images, API calls, from frames and workers). */
const requested: string[] = [];

/** What the page's Content-Security-Policy refused, on any page below (Chromium reports each refusal on the console). */
const refusedByPolicy: string[] = [];

/**
 * A page in its own browser context, every request of which is recorded in `requested`, and every refusal by the
 * Content-Security-Policy in `refusedByPolicy`.
 */
async function newPage(options: { viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const page = await browser.newPage({ ...options, locale: 'en-GB' });
  page.context().on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) refusedByPolicy.push(`${page.url()}: ${m.text()}`);
  });
  // not every refusal reaches the console (a refused WebAssembly compile is only an exception the page catches)
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy refused ${e.blockedURI} (${e.violatedDirective})`)),
  );
  return page;
}

async function signIn(page: Page, sub: string, role: string, patients: string[] = []): Promise<void> {
  await page.goto(`${s.baseUrl}/#/sign-in`);
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  await page.getByLabel('User name').fill(sub);
  await page.locator(`input[name=role][value="${role}"]`).check();
  if (patients.length) await page.getByLabel('Limit to these patients (optional)').fill(patients.join(', '));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as`).waitFor();
}

async function findPatient(page: Page, nhs: string): Promise<void> {
  await page.getByLabel('NHS number').fill(nhs);
  await page.getByRole('button', { name: 'Find documents' }).click();
  await page.getByRole('heading', { level: 1, name: /Documents for NHS number/ }).waitFor();
  await page.locator('#documents, #no-documents, .nhsuk-error-summary').first().waitFor();
}

/** A real one-page PDF (Chromium's viewer renders it) showing `text`, padded to about `size` with an unused stream. */
function realPdf(text: string, size: number): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const pad = randomBytes(size);
  const objects = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>'),
    Buffer.from(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.concat([Buffer.from(`<< /Length ${pad.length} >>\nstream\n`), pad, Buffer.from('\nendstream')]),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  let at = parts[0]!.length;
  objects.forEach((o, i) => {
    offsets.push(at);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), o, Buffer.from('\nendobj\n')]);
    parts.push(b);
    at += b.length;
  });
  const xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}

async function pdfFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = realPdf(`${name}: a test letter`, size);
  const p = path.join(tmp, name);
  await writeFile(p, bytes);
  return { path: p, bytes };
}

async function devToken(sub: string, role: string, patients?: string[]): Promise<string> {
  const r = await fetch(`${s.baseUrl}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, role, patients }) });
  return ((await r.json()) as { token: string }).token;
}

describe.skipIf(!available)('the clinician\'s page at / in Chromium', () => {
  it('has no web font to wait for: headings draw at once in the system font (the NHS fallback, Arial), never blank', async () => {
    const page = await newPage();
    await page.goto(`${s.baseUrl}/`);
    const heading = page.getByRole('heading', { name: 'Sign in', level: 1 });
    await heading.waitFor();
    expect(await page.evaluate(() => [...document.fonts].map((f) => f.family))).toEqual([]);
    expect(await heading.evaluate((h) => getComputedStyle(h).fontFamily)).toMatch(/^arial, sans-serif$/i);
    await page.close();
  });

  it('clinician: signs in, finds a patient, uploads a PDF with progress, sees it listed, opens it verified, adds a version', async () => {
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${s.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.screenshot({ path: path.join(SHOTS, 'sign-in.png') });
    // no token in any browser storage, ever
    await signIn(page, 'dr.jones', 'clinician');
    await page.getByRole('heading', { name: 'Find a patient', level: 1 }).waitFor();
    await expectAccessible(page, 'find a patient');
    // the NHS number is checked as the API checks it (modulus 11)
    await page.getByLabel('NHS number').fill('943 476 5918');
    await page.getByRole('button', { name: 'Find documents' }).click();
    await page.locator('.nhsuk-error-summary').getByText('Enter a valid 10-digit NHS number').waitFor();
    await expectAccessible(page, 'find a patient (error)');
    await findPatient(page, '943 476 5919');
    await page.locator('#no-documents').waitFor();
    await expectAccessible(page, 'patient documents (empty) with upload form');
    // the records manager's and auditor's controls are not there for a clinician
    expect(await page.locator('#filter-eie').count()).toBe(0);
    expect(await page.getByText('View the audit trail').count()).toBe(0);

    const v1 = await pdfFile('discharge-letter.pdf', 4 * MiB);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    // slow the link (4 MiB/s up) so the progress bar has something to show
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB });
    await page.getByLabel('File', { exact: true }).setInputFiles(v1.path);
    await page.getByText('Selected: discharge-letter.pdf').waitFor();
    await page.locator('#doc-type').selectOption({ label: 'Discharge summary' });
    await page.locator('#doc-title').fill('Discharge summary, ward 7');
    await page.locator('#doc-date').fill('2026-11-02');
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
      const bar = document.getElementById('upload-progress') as HTMLProgressElement;
      new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true });
      const t = setInterval(() => (document.getElementById('upload-progress') ? seen.push((document.getElementById('upload-progress') as HTMLProgressElement).value) : clearInterval(t)), 50);
    });
    await page.getByRole('button', { name: 'Upload document' }).click();
    await page.locator('#upload-progress-block:not([hidden])').waitFor();
    await page.getByText('Document uploaded').waitFor({ timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen).catch(() => [] as number[]);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    state.documentId = page.url().match(/documents\/([0-9a-f-]{36})/)![1];
    state.v1 = v1.bytes;
    // the page navigated away when done, so the evaluate may have lost its window; progress was shown either way
    if (seen.length) expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    await expect(page.locator('.nhsuk-summary-list').innerText()).resolves.toContain(sha256(v1.bytes));
    await expectAccessible(page, 'document (just uploaded)');

    await page.locator('#open').click();
    await page.locator('#verified').waitFor();
    await expect(page.locator('#verified').innerText()).resolves.toContain(sha256(v1.bytes));
    expect(await page.locator('iframe.quill-viewer').count()).toBe(1);
    await expectAccessible(page, 'document opened, hash verified');
    await page.locator('#open').scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -200));
    await page.waitForTimeout(2000); // let the PDF viewer draw
    await page.screenshot({ path: path.join(SHOTS, 'document-verified.png') });
    expect(await page.locator('#eie').count()).toBe(0);

    const v2 = await pdfFile('discharge-letter-v2.pdf', 256 * 1024);
    await page.getByLabel('New version of the file').setInputFiles(v2.path);
    await page.getByRole('button', { name: 'Add version' }).click();
    await page.getByText('Version 2 added').waitFor();
    state.v2 = v2.bytes;
    expect(await page.locator('#versions tbody tr').count()).toBe(2);
    await expect(page.locator('.nhsuk-summary-list').innerText()).resolves.toContain(sha256(v2.bytes));

    await page.getByRole('link', { name: /NHS number 943 476 5919/ }).click();
    const row = page.locator('#documents tbody tr', { hasText: 'Discharge summary, ward 7' });
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    expect(cells).toEqual(['Discharge summary', '2 November 2026', 'Discharge summary, ward 7', '2', expect.stringMatching(/KB$/), 'Current']);
    await expectAccessible(page, 'patient documents (listed)');
    // filters: a type with nothing in it, then back
    await page.locator('#filter-type').selectOption({ index: 2 });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('#no-documents').waitFor();
    await page.getByLabel('Clinical date from').fill('2026-11-01');
    await page.locator('#filter-type').selectOption({ value: '' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'patient-documents.png') });
    const stored = await page.evaluate(() => ({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage), cookie: document.cookie }));
    expect(stored.local + stored.session + stored.cookie).not.toMatch(/eyJ/);
    await page.close();
  }, 90_000);

  it('pages through a patient\'s documents', async () => {
    const token = await devToken('dr.paging', 'clinician');
    for (let i = 0; i < 12; i++) {
      const form = new FormData();
      form.set('patient', OTHER_PATIENT);
      form.set('type', '373942005');
      form.set('title', `Letter ${i + 1}`);
      form.set('file', new Blob([new Uint8Array(pdfBytes(`p${i}`))], { type: 'application/pdf' }), `p${i}.pdf`);
      expect((await fetch(`${s.baseUrl}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })).status).toBe(201);
    }
    const page = await newPage();
    await signIn(page, 'dr.paging', 'clinician');
    await findPatient(page, OTHER_PATIENT);
    expect(await page.locator('#documents tbody tr').count()).toBe(10);
    await page.getByRole('link', { name: /Next/ }).click();
    // exactly 'Letter 2': a row of the first page ('Letter 12') contains that text too, and may still be showing
    await page.locator('#documents tbody').getByRole('link', { name: 'Letter 2', exact: true }).waitFor();
    expect(await page.locator('#documents tbody tr').count()).toBe(2);
    await page.getByRole('link', { name: /Previous/ }).click();
    await page.locator('#documents tbody').getByRole('link', { name: 'Letter 12', exact: true }).waitFor();
    expect(await page.locator('#documents tbody tr').count()).toBe(10);
    await page.close();
  }, 60_000);

  it('records manager marks the document entered in error with a reason', async () => {
    expect(state.documentId).toBeTruthy();
    const page = await newPage();
    await signIn(page, 'rm.smith', 'records-manager');
    await page.goto(`${s.baseUrl}/#/documents/${state.documentId}`);
    await page.getByRole('heading', { name: 'Mark as entered in error' }).waitFor();
    await expectAccessible(page, 'document (records manager)');
    await page.getByRole('button', { name: 'Mark as entered in error' }).click();
    await page.locator('.nhsuk-error-summary').getByText('Enter the reason').waitFor();
    await page.getByLabel('Reason').fill('Filed against the wrong patient');
    await page.getByRole('button', { name: 'Mark as entered in error' }).click();
    await page.locator('#eie-reason', { hasText: 'Filed against the wrong patient' }).waitFor();
    expect(await page.locator('.nhsuk-tag--red', { hasText: 'Entered in error' }).count()).toBe(1);
    expect(await page.locator('#eie').count()).toBe(0);
    expect(await page.locator('#add-version').count()).toBe(0);
    await page.close();
  });

  it('auditor sees all of it in the trail, and no document controls', async () => {
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, 'aud.khan', 'auditor');
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    expect(await page.getByText('Find a patient').count()).toBe(0);
    await page.getByLabel('Document ID').fill(state.documentId!);
    // wait for the filtered answer itself: the unfiltered first page may already show a matching row
    const filtered = page.waitForResponse((r) => r.url().includes('/v1/audit') && r.url().includes(`document=${state.documentId!}`));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await filtered;
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr')].every((r) => (r as HTMLElement).dataset.action !== 'auth'));
    await page.locator('#audit tbody tr[data-action="document.enter-in-error"]').waitFor();
    const actions = await page.locator('#audit tbody tr').evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.action}:${(r as HTMLElement).dataset.outcome}`));
    expect(actions).toEqual(expect.arrayContaining(['document.create:success', 'document.content:success', 'document.version.create:success', 'document.enter-in-error:success']));
    await expect(page.locator('#audit').innerText()).resolves.toContain('Reason: Filed against the wrong patient');
    await expectAccessible(page, 'audit trail');
    await page.screenshot({ path: path.join(SHOTS, 'audit-trail.png') });
    // the auditor cannot open documents even by URL
    await page.goto(`${s.baseUrl}/#/documents/${state.documentId}`);
    await page.locator('.nhsuk-error-summary').getByText('You do not have permission').waitFor();
    await page.close();
  });

  it('a slow answer for an earlier screen never draws over a later one', async () => {
    const page = await newPage();
    await signIn(page, 'aud.slow', 'auditor');
    await page.getByLabel('Document ID').waitFor();
    // hold the first screen's answer until the second screen is drawn
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/v1\/audit\?.*actor=aud\.first/, async (r) => {
      await held;
      await r.continue();
    });
    const slow = page.waitForResponse((r) => r.url().includes('actor=aud.first'));
    await page.evaluate(() => (location.hash = '#/audit?actor=aud.first'));
    await page.evaluate(() => (location.hash = '#/audit?actor=aud.second'));
    await expect.poll(() => page.getByLabel('User', { exact: true }).inputValue()).toBe('aud.second');
    await page.getByLabel('Document ID').fill('typed after the second screen was drawn');
    release();
    await slow;
    // let the page run whatever the late answer scheduled, two frames on
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50)))));
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('aud.second');
    expect(await page.getByLabel('Document ID').inputValue()).toBe('typed after the second screen was drawn');
    await page.close();
  });

  it('a clinician scoped to one patient cannot reach another patient\'s documents', async () => {
    const admin = await devToken('admin.a', 'admin');
    const form = new FormData();
    form.set('patient', OTHER_PATIENT);
    form.set('type', '373942005');
    form.set('title', 'Not yours');
    form.set('file', new Blob([new Uint8Array(pdfBytes('not yours'))], { type: 'application/pdf' }), 'x.pdf');
    const other = (await (await fetch(`${s.baseUrl}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form })).json()) as { id: string };
    const page = await newPage();
    await signIn(page, 'dr.scoped', 'clinician', [PATIENT]);
    await findPatient(page, OTHER_PATIENT);
    await page.locator('.nhsuk-error-summary').getByText('You do not have access to this patient’s records').waitFor();
    expect(await page.locator('#documents').count()).toBe(0);
    expect(await page.locator('#upload').count()).toBe(0);
    await expectAccessible(page, 'patient refused');
    await page.goto(`${s.baseUrl}/#/documents/${other.id}`);
    await page.locator('.nhsuk-error-summary').getByText('You do not have access to this patient’s records').waitFor();
    expect(await page.getByText('Not yours').count()).toBe(0);
    await page.close();
  });

  it('says clearly why an upload is refused: wrong type, too large, damaged on the way', async () => {
    const page = await newPage();
    await signIn(page, 'dr.refused', 'clinician');
    await findPatient(page, PATIENT);
    const upload = async (file: string, title: string) => {
      await page.getByLabel('File', { exact: true }).setInputFiles(file);
      await page.locator('#doc-type').selectOption({ label: 'Discharge summary' });
      await page.locator('#doc-title').fill(title);
      await page.getByRole('button', { name: 'Upload document' }).click();
    };
    // a PNG named .pdf: the service reads the first bytes and refuses it
    const fake = path.join(tmp, 'not-really.pdf');
    await writeFile(fake, Buffer.concat([Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'), randomBytes(1024)]));
    await upload(fake, 'Not a PDF');
    await page.locator('#upload-errors .nhsuk-error-summary').getByText('The file’s contents do not match its type').waitFor();
    await expectAccessible(page, 'upload refused');
    // larger than the limit: refused before anything is sent
    const huge = path.join(tmp, 'huge.pdf');
    const fh = await import('node:fs/promises').then((f) => f.open(huge, 'w'));
    await fh.truncate(80 * MiB + 1);
    await fh.close();
    await upload(huge, 'Too big');
    await page.locator('#upload-errors .nhsuk-error-summary').getByText('the limit is 80 MB').waitFor();
    // damaged on the way: the SHA-256 the page sends no longer matches what arrives (simulated by rewriting it)
    await page.route('**/v1/uploads', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const h = route.request().headers();
      const meta = h['upload-metadata']!.split(',').map((kv) => (kv.startsWith('sha256 ') ? `sha256 ${Buffer.from('0'.repeat(64)).toString('base64')}` : kv)).join(',');
      await route.continue({ headers: { ...h, 'upload-metadata': meta } });
    });
    const ok = await pdfFile('damaged.pdf', 64 * 1024);
    await upload(ok.path, 'Damaged');
    await page.locator('#upload-errors .nhsuk-error-summary').getByText('its SHA-256 does not match. Nothing was saved').waitFor();
    const [n] = await s.sql`select count(*)::int as n from documents where title = 'Damaged'`;
    expect(n!.n).toBe(0);
    await page.close();
  }, 60_000);

  it('says clearly that a file with malware was not saved, naming what the scanner found', async () => {
    if (!clamd) {
      if (process.env.CI === 'true') throw new Error(clamdMissing()!);
      return console.warn(`[web page] malware message not checked: ${clamdMissing()}`);
    }
    const page = await newPage();
    await signIn(page, 'dr.malware', 'clinician');
    await findPatient(page, PATIENT);
    const file = path.join(tmp, 'letter-from-patient.txt');
    await writeFile(file, eicar());
    await page.getByLabel('File', { exact: true }).setInputFiles(file);
    await page.locator('#doc-type').selectOption({ label: 'Discharge summary' });
    await page.locator('#doc-title').fill('Patient-supplied letter');
    await page.getByRole('button', { name: 'Upload document' }).click();
    const summary = page.locator('#upload-errors .nhsuk-error-summary');
    await summary.getByText('This file contains malware, so it has not been saved.').waitFor();
    await summary.getByText('The scanner found: eicar.com.UNOFFICIAL.').waitFor();
    await expectAccessible(page, 'malware refused');
    const [n] = await s.sql`select count(*)::int as n from documents where title = 'Patient-supplied letter'`;
    expect(n!.n).toBe(0);
    await page.close();
  }, 60_000);

  it('a 50 MB upload cut off mid-way (DevTools offline) resumes and completes with the right hash', async () => {
    const page = await newPage();
    await signIn(page, 'dr.big', 'clinician');
    await findPatient(page, PATIENT);
    const big = await pdfFile('scanned-notes.pdf', 50 * MiB);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20 * MiB });
    const requests: string[] = [];
    const resumedAt: number[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/uploads')) requests.push(r.method());
    });
    page.on('response', (r) => {
      if (r.request().method() === 'HEAD' && r.url().includes('/v1/uploads/')) resumedAt.push(Number(r.headers()['upload-offset']));
    });
    await page.getByLabel('File', { exact: true }).setInputFiles(big.path);
    await page.locator('#doc-type').selectOption({ label: 'Discharge summary' });
    await page.locator('#doc-title').fill('Scanned notes bundle');
    if (process.env.QUILL_TEST_DEBUG) {
      page.on('console', (m) => console.log('console', m.text()));
      page.on('requestfailed', (r) => console.log('failed', r.method(), r.url(), r.failure()?.errorText));
      page.on('response', (r) => console.log('response', r.request().method(), r.url(), r.status(), r.headers()['upload-offset']));
    }
    await page.getByRole('button', { name: 'Upload document' }).click();
    await page.waitForFunction(() => {
      const label = document.getElementById('upload-progress-label')?.textContent;
      const v = (document.getElementById('upload-progress') as HTMLProgressElement | null)?.value ?? 0;
      return label === 'Uploading' && v >= 30;
    }, undefined, { timeout: 60_000, polling: 100 });
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await new Promise((r) => setTimeout(r, 1500));
    const failedWhileOffline = requests.length;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByText('Document uploaded').waitFor({ timeout: 90_000 });
    // tus-js-client asked the service where to resume (HEAD) and went on from there
    expect(requests.slice(failedWhileOffline - 1)).toContain('HEAD');
    // …and carried on from there, not from the start: what was sent before the cut was kept
    expect(resumedAt.length).toBeGreaterThan(0);
    expect(resumedAt[0]).toBeGreaterThan(0);
    expect(resumedAt[0]).toBeLessThan(big.bytes.length);
    const id = page.url().match(/documents\/([0-9a-f-]{36})/)![1]!;
    const [row] = await s.sql`select v.sha256, v.size from document_versions v where v.document_id = ${id}`;
    expect(row).toMatchObject({ sha256: sha256(big.bytes), size: String(big.bytes.length) });
    const [u] = await s.sql`select state, jsonb_array_length(parts) as parts from resumable_uploads where document_id = ${id}`;
    expect(u!.state).toBe('committed');
    await page.close();
  }, 180_000);

  it('every request the pages above made went to the service itself: nothing from another origin', () => {
    // the tests above ran first (vitest runs a file's tests in order); alone, this one has nothing to judge and fails
    expect(requested.length).toBeGreaterThan(0);
    const origin = new URL(s.baseUrl).origin;
    // data: never leaves the browser, nor do chrome: and chrome-extension: (Chromium's own PDF viewer, drawing an
    // opened document); a blob: URL's origin is the page's own (the downloaded document)
    const inBrowser = ['data:', 'chrome:', 'chrome-extension:'];
    expect(requested.filter((u) => !inBrowser.includes(new URL(u).protocol) && new URL(u).origin !== origin)).toEqual([]);
  });

  it('the pages above worked under their Content-Security-Policy: nothing they do was refused by it (issue 25)', async () => {
    expect(requested.length).toBeGreaterThan(0);
    const csp = (await fetch(`${s.baseUrl}/`)).headers.get('content-security-policy');
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(refusedByPolicy).toEqual([]);
  });
});
