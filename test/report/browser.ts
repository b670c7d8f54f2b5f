// A report page in a real browser: Debian's chromium, headless, driven by playwright-core. Loads the file,
// records console errors and every request, checks that the charts rendered as SVG with their data,
// and takes a screenshot whose size and pixels say it is not blank.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const NO_CHROMIUM = `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH): browser checks of the HTML report skipped`;

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface PageCheck {
  consoleErrors: string[];
  /** every request the page made other than the file itself */
  requests: string[];
  charts: { id: string; marks: number; labelled: number; width: number }[];
  screenshot: { bytes: number; colours: number; inkShare: number };
  dark: { background: string; text: string; chartText: string };
  print: { navHidden: boolean };
}

/** Loads `file` in chromium and reports what a reader's browser would show; the screenshot goes to `shot`. */
export async function checkPage(file: string, shot: string): Promise<PageCheck> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'pgadv-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  try {
    const url = pathToFileURL(file).href;
    const page = await ctx.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        return {
          id: f.id,
          marks: svg ? svg.querySelectorAll('g.mark-rect path').length : 0,
          labelled: svg ? [...svg.querySelectorAll('g.mark-rect path')].filter((p) => (p.getAttribute('aria-label') ?? '').includes(':')).length : 0,
          width: svg ? svg.getBoundingClientRect().width : 0,
        };
      }),
    );
    const png = await page.screenshot({ path: shot });
    const pixels = await pixelStats(await ctx.newPage(), png);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => ({
      background: getComputedStyle(document.documentElement).backgroundColor,
      text: getComputedStyle(document.body).color,
      chartText: (() => {
        const t = document.querySelector('figure.chart svg text');
        return t ? getComputedStyle(t).fill : '';
      })(),
    }));
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    const navHidden = await page.evaluate(() => getComputedStyle(document.querySelector('nav.toc')!).display === 'none');
    return { consoleErrors, requests, charts, screenshot: { bytes: png.length, ...pixels }, dark, print: { navHidden } };
  } finally {
    await ctx.close();
    await fs.rm(profile, { recursive: true, force: true });
  }
}

/** Distinct colours and the share of pixels that differ from the corner's (the page background). */
async function pixelStats(page: Page, png: Buffer): Promise<{ colours: number; inkShare: number }> {
  await page.setContent('<canvas></canvas>');
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.querySelector('canvas')!;
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set<number>();
    let ink = 0;
    const bg = [d[0], d[1], d[2]];
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 30) ink++;
    }
    return { colours: colours.size, inkShare: ink / (d.length / 4) };
  }, png.toString('base64'));
}
