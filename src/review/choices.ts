// The lines of the list an overlay offers — the section and export pickers, the statements `p` can plan, the
// review's write confirmation — in one place for the controller (moving, choosing) and the screen (drawing).
import { EXPORT_FORMATS } from '../migration/export/formats.ts';
import { viewTitles, type ReviewState } from './state.ts';

export interface OverlayChoice {
  label: string;
  /** what choosing it does: a view's index, an export format, a statement's index, or write/back */
  value: string;
}

/** The open overlay's list; empty when it has none (or its review is still being built). */
export function overlayChoices(state: ReviewState): OverlayChoice[] {
  const o = state.overlay;
  switch (o.kind) {
    case 'picker':
      return o.picker === 'section' ? viewTitles(state.data).map((t, i) => ({ label: t, value: String(i) })) : EXPORT_FORMATS.map((f) => ({ label: f, value: f }));
    case 'statements':
      return o.choices.map((c, i) => ({ label: c.label, value: String(i) }));
    case 'review': {
      if (!o.review && !o.error) return [];
      const back = { label: 'back to the review (Esc)', value: 'back' };
      return o.review && !o.review.conflicts.length ? [{ label: 'write them', value: 'write' }, back] : [back];
    }
    default:
      return [];
  }
}
