// Notebook prose, rendered simply: headings bold, `code` dim, **bold**, bullets, fenced code dim.
import { blank, sqlLines, wrapSegs, type Line, type Seg } from './lines.ts';
import { printable } from './text.ts';

/** Inline markup of one paragraph: `code`, **bold** and *emphasis*; the rest plain. */
export function inline(text: string, base: Omit<Seg, 'text'> = {}): Seg[] {
  const segs: Seg[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) segs.push({ ...base, text: printable(text.slice(last, m.index)) });
    if (m[1] !== undefined) segs.push({ ...base, dim: true, text: printable(m[1]) });
    else if (m[2] !== undefined) segs.push({ ...base, bold: true, text: printable(m[2]) });
    else segs.push({ ...base, italic: true, text: printable(m[3]) });
    last = m.index + m[0].length;
  }
  if (last < text.length) segs.push({ ...base, text: printable(text.slice(last)) });
  return segs;
}

const BULLET = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

export function markdownLines(text: string, width: number, indent = ''): Line[] {
  const out: Line[] = [];
  const src = text.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(...wrapSegs(inline(para.join(' ')), width, indent));
    para = [];
  };
  for (let i = 0; i < src.length; i++) {
    const raw = src[i];
    const fence = /^\s*(```|~~~)/.exec(raw);
    if (fence) {
      flush();
      const body: string[] = [];
      for (i++; i < src.length && !src[i].trimStart().startsWith(fence[1]); i++) body.push(src[i]);
      out.push(...sqlLines(body.join('\n'), width, indent + '  ', { dim: true }));
      continue;
    }
    if (raw.trim() === '') {
      flush();
      if (out.length && out[out.length - 1].segs.length) out.push(blank());
      continue;
    }
    const heading = /^\s*(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      flush();
      out.push(...wrapSegs(inline(heading[2], { bold: true, color: heading[1].length <= 2 ? 'cyan' : undefined }), width, indent));
      continue;
    }
    const bullet = BULLET.exec(raw);
    if (bullet) {
      flush();
      // continuation lines of the item are indented further than its marker
      let body = bullet[3];
      while (i + 1 < src.length && src[i + 1].trim() !== '' && !BULLET.test(src[i + 1]) && /^\s{2,}/.test(src[i + 1])) body += ' ' + src[++i].trim();
      const depth = Math.min(3, Math.floor(bullet[1].length / 2));
      const pad = indent + '  '.repeat(depth);
      const marker = /\d/.test(bullet[2]) ? bullet[2] + ' ' : '• ';
      out.push(...wrapSegs(inline(body), width, pad + ' '.repeat(marker.length), pad + marker));
      continue;
    }
    para.push(raw.trim());
  }
  flush();
  while (out.length && out[out.length - 1].segs.length === 0) out.pop();
  return out;
}
