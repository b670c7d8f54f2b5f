// A database whose names try to take over whatever shows them: terminal escape sequences (window title,
// colours), a line break that forges another finding, a right-to-left override, HTML and Markdown. Each
// table has a foreign key without an index (a finding with SQL); one also has a policy whose name and
// expression hold control characters (a finding whose SQL is spliced from the parsed policy).
import { expect } from 'vitest';

export const NAMES = {
  osc: 'osc\u001b]0;TITLE\u0007tbl',
  sgr: 'sgr\u001b[31mRED\u001b[0mtbl',
  newline: 'new\n  WARN  public.fake  forged finding',
  rtl: 'rtl\u202etxt.exe',
  html: '<script>alert(1)</script>',
  markdown: 'md|pipe`tick*star',
} as const;

export const POLICY = 'pol\u001b[2Jicy';

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export const UNTRUSTED_SQL = [
  'CREATE TABLE public.parent (id int PRIMARY KEY);',
  ...Object.values(NAMES).map((n) => `CREATE TABLE public.${q(n)} (id int PRIMARY KEY, ${q(`${n} col`)} int REFERENCES public.parent (id), owner text);`),
  `ALTER TABLE public.${q(NAMES.osc)} ENABLE ROW LEVEL SECURITY;`,
  // STABLE calls per row (the rewrite is spliced from the scanned expression, control characters and all)
  `CREATE POLICY ${q(POLICY)} ON public.${q(NAMES.osc)} USING (owner = current_setting('app.user\u001b[5m', true));`,
  'ANALYZE;',
].join('\n');

/** What a terminal must never receive from a name: the raw sequences, and any raw control or bidi character. */
export function expectNoRawNames(output: string, label = 'output'): void {
  for (const n of [...Object.values(NAMES), POLICY]) {
    if (/[\u0000-\u001f\u202e]/.test(n)) expect(output.includes(n), `${label} holds ${JSON.stringify(n)} raw`).toBe(false);
  }
  expect(output, `${label}: OSC`).not.toContain('\u001b]');
  expect(output, `${label}: BEL`).not.toContain('\u0007');
  expect(output, `${label}: the colour a name asked for`).not.toContain('\u001b[31mRED');
  expect(output, `${label}: the blink a string asked for`).not.toContain('\u001b[5m');
  expect(output, `${label}: bidi`).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  expect(output, `${label}: C1`).not.toMatch(/[\u0080-\u009f]/);
}

/** Plain text output (no styling of ours): nothing but printable characters and line feeds. */
export function expectPrintable(output: string, label = 'output'): void {
  expectNoRawNames(output, label);
  expect(output.replace(/\n/g, ''), `${label}: a control character`).not.toMatch(/[\u0000-\u001f\u007f]/);
}

/** The names as the rule shows them. */
export const SHOWN = {
  osc: 'osc\\x1b]0;TITLE\\x07tbl',
  sgr: 'sgr\\x1b[31mRED\\x1b[0mtbl',
  newline: 'new\\n  WARN  public.fake  forged finding',
  rtl: 'rtl\\u202etxt.exe',
} as const;
