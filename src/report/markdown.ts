// How a value from a result row reads in a report, and clipping long ones.

/** How a value from a result row reads in a report. */
export function display(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // never between the two halves of a surrogate pair
  const end = /[\ud800-\udbff]/.test(text[max - 2] ?? '') ? max - 2 : max - 1;
  return text.slice(0, end) + '…';
}
