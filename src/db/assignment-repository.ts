import type { Db } from './database.js';
import { assignmentWriteQueries } from './assignment-write-queries.js';
import { assignmentProgressQueries } from './assignment-progress-queries.js';

export type {
  AssignmentScope,
  AssignmentStatus,
  GroupAssignmentRow,
  UserAssignmentRow,
} from './assignment-progress-queries.js';

/** Assignments of credentials to users and groups, and the progress of those they cover. */
export function assignmentRepository(db: Db) {
  return { ...assignmentWriteQueries(db), ...assignmentProgressQueries(db) };
}

export type AssignmentRepository = ReturnType<typeof assignmentRepository>;
