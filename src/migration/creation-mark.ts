/** How the comment on an index pgadvisor created begins: `pgadvisor: created for <finding> from the snapshot of <time>`. */
export const CREATION_MARK = 'pgadvisor: created for';

/** The comment a migration puts on an index it creates for `findingId`, from the snapshot taken at `takenAt`. */
export function creationComment(findingId: string, takenAt: string): string {
  return `${CREATION_MARK} ${findingId} from the snapshot of ${takenAt}`;
}

/**
 * When the snapshot behind an index pgadvisor created was taken (the index was created after it), read from
 * the index's comment; null for an index without pgadvisor's mark or with a time that does not parse.
 */
export function createdAfter(comment: string | null | undefined): Date | null {
  if (!comment?.startsWith(CREATION_MARK)) return null;
  const m = / from the snapshot of (\S+)$/.exec(comment);
  const t = m ? new Date(m[1]) : null;
  return t && Number.isFinite(t.getTime()) ? t : null;
}
