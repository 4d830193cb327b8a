/**
 * The ownership guard: teardown deletes (or detaches, or starts) only what carries this run's
 * `aurora-lab:run-id` tag. An id in the run's state is not proof: the create may never have happened
 * and someone else may since have made a resource with that name.
 */
import { AwsError } from '../../errors.js';
import { TAG_RUN_ID, tagValue, type Tag } from '../tags.js';

export class NotOwnedError extends AwsError {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly runId: string,
    readonly tags: Tag[],
  ) {
    const found = tagValue(tags, TAG_RUN_ID);
    super(
      `refusing to delete ${type} ${id}: ${found ? `it belongs to run ${found}` : `it has no ${TAG_RUN_ID} tag`}, not to run ${runId}`,
      {
        code: 'NOT_OWNED',
        hint: 'aurora-lab deletes only what a run created and tagged; delete it yourself if it is yours, then run teardown again',
      },
    );
  }
}

export function isOwned(tags: Tag[], runId: string): boolean {
  return tagValue(tags, TAG_RUN_ID) === runId;
}

export function assertOwned(runId: string, type: string, id: string, tags: Tag[]): void {
  if (!isOwned(tags, runId)) throw new NotOwnedError(type, id, runId, tags);
}
