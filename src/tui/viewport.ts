// Which window of lines to show: keeps the selected item in view and moves as little as possible.

/** First line shown, given the previous one and the selected item's lines [start, end). */
export function scrollTop(prev: number, start: number, end: number, height: number, total: number): number {
  const h = Math.max(1, height);
  let top = Math.min(prev, Math.max(0, total - h));
  if (start < top) top = start;
  else if (end > top + h) top = Math.min(start, end - h);
  // a few lines of context above the item when there is room (the prose that introduces a cell)
  return Math.max(0, Math.min(top, Math.max(0, total - h)));
}
