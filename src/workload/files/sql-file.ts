// A .sql file of the application's statements, separated by semicolons. A comment `-- calls: N` before a
// statement says how often it runs (1 when absent); psql meta-commands (\set, \timing …) are skipped.
// Read in chunks: only the statement being read is held in memory.
import { fileObservation, WORKLOAD_CAPS, type SourceCollector } from '../collect.ts';
import { lex, type Token } from '../lexer.ts';
import type { Normalizer } from '../normalize.ts';
import { isOwnStatement } from '../own.ts';
import { OWN } from './log-records.ts';

const CALLS = /^--\s*calls:\s*(\d[\d_,]*)\s*$/i;

export async function readSqlFile(source: SourceCollector, normalizer: Normalizer, chunks: AsyncIterable<string>): Promise<void> {
  let buffer = '';
  let line = 1;
  const statement = (text: string, tokens: Token[], startLine: number) => {
    const code = tokens.filter((t) => t.type !== 'space' && t.type !== 'comment');
    if (!code.length) return;
    let calls = 1;
    for (const t of tokens) {
      if (t.type === 'comment') {
        const m = CALLS.exec(text.slice(t.start, t.end).trim());
        if (m) calls = Number(m[1].replace(/[_,]/g, ''));
      } else if (t.type !== 'space') break;
    }
    const at = startLine + countLines(text, 0, code[0].start);
    source.entries++;
    if (isOwnStatement(text.slice(code[0].start))) return source.skip(OWN, at);
    if (!calls) return source.skip('statements marked -- calls: 0', at);
    const n = normalizer.normalize(text.slice(code[0].start, code.at(-1)!.end));
    if ('skip' in n) return source.skip(n.skip, at);
    source.add(fileObservation(n, calls, null));
  };
  const take = (final: boolean) => {
    const tokens = lex(buffer);
    let from = 0;
    let fromToken = 0;
    const emit = (to: number, toToken: number) =>
      statement(buffer.slice(from, to), tokens.slice(fromToken, toToken).map((x) => ({ ...x, start: x.start - from, end: x.end - from })), line);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      // a psql meta-command runs to the end of its line
      if (t.type === 'op' && buffer[t.start] === '\\' && /(^|\n)[ \t]*$/.test(buffer.slice(Math.max(0, t.start - 200), t.start))) {
        const end = buffer.indexOf('\n', t.start);
        if (end < 0 && !final) break;
        emit(t.start, i);
        source.entries++;
        source.skip('psql meta-commands (\\set, \\timing …)', line + countLines(buffer, from, t.start));
        line += countLines(buffer, from, end < 0 ? buffer.length : end);
        from = end < 0 ? buffer.length : end;
        while (i + 1 < tokens.length && tokens[i + 1].start < from) i++;
        fromToken = i + 1;
      } else if (t.type === 'semicolon') {
        emit(t.start, i);
        line += countLines(buffer, from, t.end);
        from = t.end;
        fromToken = i + 1;
      }
    }
    if (final) emit(buffer.length, tokens.length);
    buffer = final ? '' : buffer.slice(from);
    if (buffer.length > WORKLOAD_CAPS.statementChars * 2) {
      // one statement larger than any the workload keeps: skip to its end
      source.entries++;
      source.skip(`statements longer than ${WORKLOAD_CAPS.statementChars.toLocaleString('en-US')} characters`, line);
      line += countLines(buffer, 0, buffer.length);
      buffer = '';
    }
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    take(false);
  }
  take(true);
}

function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
