// Renders an ink tree into a fake terminal of a fixed size (ink-testing-library's stdout is fixed at
// 100 columns with no rows, so the size-dependent screens need their own), with ANSI-stripped frames and
// press(key) that writes and waits for the next frame.
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  shiftTab: '\u001B[Z',
  ctrlC: '\u0003',
  backspace: '\u007F',
} as const;

const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  /** when each frame was written (performance.now()) */
  readonly frameTimes: number[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    this.frameTimes.push(performance.now());
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Rendered {
  /** the last frame without colours */
  frame(): string;
  frames: string[];
  /** when each of `frames` was written (performance.now()) */
  frameTimes: number[];
  press(key: string): Promise<string>;
  type(text: string): Promise<string>;
  waitFor(predicate: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  resize(columns: number, rows: number): Promise<string>;
  unmount(): void;
  exited: Promise<unknown>;
}

export async function renderTui(tree: ReactElement, size: { columns: number; rows: number } = { columns: 100, rows: 30 }): Promise<Rendered> {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout(size.columns, size.rows);
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frame = () => stripAnsi(stdout.frames[stdout.frames.length - 1] ?? '');
  const waitFor = async (predicate: (f: string) => boolean, timeoutMs = 3000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (predicate(frame())) return frame();
      await sleep(5);
    }
    throw new Error(`timed out waiting for the screen; last frame:\n${frame()}`);
  };
  const nextFrame = async (before: number) => {
    const until = Date.now() + 500;
    while (stdout.frames.length === before && Date.now() < until) await sleep(2);
    await tick();
    return frame();
  };
  // input handlers attach in effects: let them subscribe before the first key
  await sleep(20);
  return {
    frame,
    frames: stdout.frames,
    frameTimes: stdout.frameTimes,
    press: async (key) => {
      const before = stdout.frames.length;
      stdin.write(key);
      return nextFrame(before);
    },
    type: async (text) => {
      for (const ch of text) {
        const before = stdout.frames.length;
        stdin.write(ch);
        await nextFrame(before);
      }
      return frame();
    },
    waitFor,
    resize: async (columns, rows) => {
      const before = stdout.frames.length;
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
      await nextFrame(before);
      // ink redraws the old tree at the new width, then the App re-renders for its new size
      let seen = stdout.frames.length;
      for (;;) {
        await sleep(30);
        if (stdout.frames.length === seen) return frame();
        seen = stdout.frames.length;
      }
    },
    unmount: () => {
      instance.unmount();
      instance.cleanup();
    },
    exited: instance.waitUntilExit(),
  };
}
