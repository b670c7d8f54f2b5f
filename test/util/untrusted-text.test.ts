// The one rendering rule for untrusted text: terminal, Markdown (checked with a real CommonMark renderer,
// markdown-it), HTML and JSON forms, on the hostile names of the issue and on generated strings.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import {
  hasUnsafeText,
  html,
  htmlBlock,
  htmlText,
  jsonText,
  markdownCode,
  markdownCodeBlock,
  markdownProse,
  markdownText,
  rawHtml,
  terminalBlock,
  terminalText,
} from '../../src/util/untrusted-text.ts';

/** Names a role that may create a table can choose. */
export const HOSTILE = [
  'osc\u001b]0;TITLE\u0007tbl',
  'osc52\u001b]52;c;ZWNobyBwd25lZA==\u0007',
  'sgr\u001b[31mRED\u001b[0mtbl',
  'csi8bit\u009b31mC1',
  'new\nline  WARN  public.fake  Fake finding',
  'cr\roverwrite',
  'rtl\u202etxt.exe',
  'isolate\u2066x\u2069',
  '<script>alert(1)</script>',
  'md|pipe`tick*star',
  '[link](javascript:alert(1)) **bold** _em_ # h',
  'zero\u200bwidth\ufeff',
  'tag\u{e0041}\u{e0042}',
];

// Every character the rule must never let through.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings full of what the rule is about: controls, bidi, invisible characters, markup, surrogates. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u001b', '\u0007', '\n', '\r', '\t', '\u0000', '\u007f', '\u0085', '\u009b', '\u061c', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069', '\u2028', '\u2029', '\u200b', '\u200d', '\ufeff', '\u{e0041}', '\ud800', '\udc00'),
    fc.constantFrom('|', '`', '*', '_', '[', ']', '(', ')', '<', '>', '#', '\\', '&', ';', '!', '~', '-', '+', '=', '.', ':', '/', '@', '"', "'", ' ', '1'),
    fc.constantFrom('a', 'Z', 'é', '表', '😀', 'www', 'http', 'amp', 'copy'),
  ),
  maxLength: 40,
});

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
// markdown-it as GitHub renders: raw HTML allowed, links found in text
const md = new MarkdownIt({ html: true, linkify: true });

describe('terminalText', () => {
  it('shows every control, bidirectional and invisible character as a visible escape', () => {
    expect(terminalText('osc\u001b]0;TITLE\u0007tbl')).toBe('osc\\x1b]0;TITLE\\x07tbl');
    expect(terminalText('new\nline\ttab\rcr')).toBe('new\\nline\\ttab\\rcr');
    expect(terminalText('del\u007f c1\u009b nul\u0000')).toBe('del\\x7f c1\\x9b nul\\x00');
    expect(terminalText('rtl\u202etxt \u2066iso\u2069 \u200elrm\u200f \u061c')).toBe('rtl\\u202etxt \\u2066iso\\u2069 \\u200elrm\\u200f \\u061c');
    expect(terminalText('ls\u2028ps\u2029')).toBe('ls\\u2028ps\\u2029');
    expect(terminalText('z\u200bw\ufeff\u2060')).toBe('z\\u200bw\\ufeff\\u2060');
    expect(terminalText('tag\u{e0041}')).toBe('tag\\u{e0041}');
    expect(terminalText('lone\ud800 \udc00')).toBe('lone\\ud800 \\udc00');
  });

  it('leaves letters, wide characters, emoji and joiners alone', () => {
    for (const s of ['Ünïcødé', '表 テーブル', 'עברית العربية', '😀 👨‍👩‍👧', 'نیم‌فاصله', 'a\\b "q"']) expect(terminalText(s)).toBe(s);
  });

  it('never lets an unsafe character through, is idempotent, and keeps one line', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const t = terminalText(s);
        expect(t).not.toMatch(UNSAFE_CHARS);
        expect(hasUnsafeText(t)).toBe(false);
        expect(terminalText(t)).toBe(t);
        expect(hasUnsafeText(s)).toBe(t !== s);
      }),
      { numRuns: 2000 },
    );
  });

  it('terminalBlock keeps line feeds and tabs, and nothing else', () => {
    expect(terminalBlock('a\nb\tc\rd\u001b[2J')).toBe('a\nb\tc\\rd\\x1b[2J');
    fc.assert(
      fc.property(nasty, (s) => {
        expect(terminalBlock(s).replace(/[\n\t]/g, '')).not.toMatch(UNSAFE_CHARS);
      }),
    );
  });
});

describe('markdownText, rendered by a CommonMark renderer', () => {
  it('renders as exactly the (terminal-safe) text: no markup, no link, no HTML', () => {
    for (const s of HOSTILE) {
      expect(md.renderInline(markdownText(s)), s).toBe(escapeHtml(terminalText(s)));
    }
    fc.assert(
      fc.property(nasty, (s) => {
        expect(md.renderInline(markdownText(s))).toBe(escapeHtml(terminalText(s)));
      }),
      { numRuns: 2000 },
    );
  });

  it('is one paragraph at the start of a line, and one cell in a table, whatever the text', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const text = escapeHtml(terminalText(s));
        if (text.trim() !== '') expect(md.render(markdownText(s))).toBe(`<p>${text}</p>\n`);
        const rendered = md.render(`| h | k |\n|---|---|\n| ${markdownText(s) || ' '} | x |\n`);
        expect(rendered.match(/<td>/g)).toHaveLength(2);
        expect(rendered).toContain(`<td>${text}</td>\n<td>x</td>`);
      }),
      { numRuns: 1000 },
    );
  });

  it('breaks autolinks', () => {
    for (const s of ['https://evil.example/x', 'www.evil.example', 'mail me@evil.example']) {
      expect(md.renderInline(markdownText(s))).not.toContain('<a ');
    }
  });
});

describe('markdownCode', () => {
  it('is a code span holding exactly the text, whatever backticks and spaces it has', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const t = terminalText(s);
        if (t.trim() === '') return;
        expect(md.renderInline(markdownCode(s))).toBe(`<code>${escapeHtml(t)}</code>`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('markdownCodeBlock', () => {
  it('is one code block holding the text, which no fence inside can close', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(nasty, fc.constantFrom('```', '````', '~~~', '```sql')), { maxLength: 6 }), (lines) => {
        const text = lines.join('\n');
        const body = terminalBlock(text).replace(/\s+$/, '');
        const rendered = md.render(markdownCodeBlock(text, 'sql'));
        expect(rendered).toBe(`<pre><code class="language-sql">${escapeHtml(body)}${body ? '\n' : ''}</code></pre>\n`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('markdownProse', () => {
  it('keeps notebook formatting and safe links, but no raw HTML, no javascript: link, no escape sequence', () => {
    const prose = [
      '# Title',
      '',
      'Some **bold** and `code`, a [wiki link](https://wiki.postgresql.org/wiki/Don%27t_Do_This).',
      '<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- c -->',
      '[click](javascript:alert(1)) and [x]: javascript:alert(2)',
      '',
      '[ref]: javascript:alert(3)',
      'title change \u001b]0;pwned\u0007 and \u202e',
    ].join('\n');
    const out = md.render(markdownProse(prose));
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<strong>bold</strong>');
    expect(out).toContain('<a href="https://wiki.postgresql.org/wiki/Don%27t_Do_This">wiki link</a>');
    expect(out).not.toMatch(/<script|<img|<!--|href="javascript/i);
    expect(out.replace(/\n/g, '')).not.toMatch(UNSAFE_CHARS);
    expect(out).toContain('title change \\x1b]0;pwned\\x07 and \\u202e');
  });
});

describe('HTML', () => {
  it('htmlText escapes markup and quotes after the terminal rule', () => {
    expect(htmlText('<script>alert("x" & \'y\')</script>\u001b')).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;\\x1b');
  });

  it('the html template escapes every interpolated value, in content and in quoted attributes', () => {
    fc.assert(
      fc.property(nasty, nasty, (title, target) => {
        const out = html`<tr><td title="${target}">${title}</td><td>${[title, rawHtml('<br>'), null, 3]}</td></tr>`.html;
        const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        const m = /^<tr><td title="([^"<>]*)">([^<>]*)<\/td><td>([^<>]*)<br>([^<>]*)<\/td><\/tr>$/.exec(out);
        expect(m, out).not.toBeNull();
        expect(decode(m![1])).toBe(terminalText(target));
        expect(decode(m![2])).toBe(terminalText(title));
        expect(decode(m![3])).toBe(terminalText(title));
        expect(m![4]).toBe('3');
        expect(out).not.toMatch(UNSAFE_CHARS);
      }),
      { numRuns: 1000 },
    );
  });

  it('htmlBlock keeps lines for <pre>', () => {
    expect(htmlBlock('SELECT "<b>"\nFROM t\u001b').html).toBe('SELECT &quot;&lt;b&gt;&quot;\nFROM t\\x1b');
  });
});

describe('jsonText', () => {
  it('parses back to exactly the same value, and prints no character a terminal acts on', () => {
    fc.assert(
      fc.property(fc.dictionary(nasty, fc.oneof(nasty, fc.array(nasty), fc.integer())), fc.constantFrom(undefined, 2), (value, space) => {
        const text = jsonText(value, space);
        expect(JSON.parse(text)).toEqual(value);
        expect(text.replace(/\n/g, '')).not.toMatch(UNSAFE_CHARS);
      }),
      { numRuns: 1000 },
    );
  });

  it('is a JavaScript literal of the same value', () => {
    for (const s of HOSTILE) expect(new Function(`return ${jsonText(s)};`)()).toBe(s);
  });
});
