// Which window of lines to show: keeps the selected item in view and moves as little as possible.

const MARGIN = 3;

/** First line shown, given the previous one and the selected item's lines [start, end). */
export function scrollTop(prev: number, start: number, end: number, height: number, total: number): number {
  const h = Math.max(1, height);
  // a few lines of context around the item when there is room
  const margin = Math.max(0, Math.min(MARGIN, Math.floor((h - (end - start)) / 2)));
  const from = Math.max(0, start - margin);
  const to = Math.min(total, end + margin);
  let top = Math.min(prev, Math.max(0, total - h));
  if (from < top) top = from;
  else if (to > top + h) top = Math.min(from, to - h);
  return Math.max(0, Math.min(top, Math.max(0, total - h)));
}
