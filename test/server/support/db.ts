/** A real SQLite file in a fresh temporary folder, migrated by the production `openDatabase`. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db, type OpenDatabase } from '../../../server/db/index.js';
import { authorizations, type AuthorizationStatus } from '../../../server/db/schema.js';
import type { DatabaseRows } from '../../support/stack.js';

export interface TempDatabase extends OpenDatabase {
  dir: string;
  path: string;
  /** Every byte of the database files (main file, WAL and shared memory). */
  fileBytes(): Buffer;
  dispose(): void;
}

export function tempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-test-'));
  const path = join(dir, 'test.db');
  const opened = openDatabase(path);
  return {
    ...opened,
    dir,
    path,
    fileBytes: () =>
      Buffer.concat(
        readdirSync(dir)
          .filter((f) => f.startsWith('test.db'))
          .map((f) => readFileSync(join(dir, f))),
      ),
    dispose: () => {
      opened.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts an authorization row as the OAuth flow would leave it. */
export function addAuthorization(
  db: Db,
  p: { orgId: string; label: string; tenantId: string | null; status: AuthorizationStatus; createdAt?: Date },
): string {
  const id = randomUUID();
  const at = p.createdAt ?? new Date();
  db.insert(authorizations)
    .values({ id, orgId: p.orgId, createdBy: 'test', label: p.label, tenantId: p.tenantId, status: p.status, createdAt: at, updatedAt: at })
    .run();
  return id;
}

/** {@link addAuthorization} on a database of either engine (test/support/stack.ts `DatabaseRows`). */
export async function addAuthorizationRow(
  rows: Pick<DatabaseRows, 'insert'>,
  p: { orgId: string; label: string; tenantId: string | null; status: AuthorizationStatus; createdAt?: Date },
): Promise<string> {
  const id = randomUUID();
  const at = p.createdAt ?? new Date();
  await rows.insert('authorizations', [{ id, orgId: p.orgId, createdBy: 'test', label: p.label, tenantId: p.tenantId, status: p.status, createdAt: at, updatedAt: at }]);
  return id;
}
