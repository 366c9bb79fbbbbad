/**
 * A core over a test database, for tests that build the app with `createApp` and call it with
 * `app.request()`: the production core with a random secret key and an identity client that is
 * never asked to reach Microsoft (these tests do not run the consent flow).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../../server/config.js';
import { createCore, type Core } from '../../../server/core/index.js';
import { SecretBox } from '../../../server/crypto.js';
import type { Db } from '../../../server/db/index.js';
import { IdentityClient } from '../../../server/microsoft/identity.js';
import type { Store } from '../../../server/store/index.js';

/** A core over a SQLite connection, or over a store of either engine. */
export function testCore(db: Db | Store, config: Config, now: () => Date = () => new Date()): Core {
  const identity = new IdentityClient({
    clientId: '00000000-0000-4000-8000-000000000001',
    clientSecret: 'unused',
    loginUrl: 'http://127.0.0.1:9',
    redirectUri: `${config.publicUrl}/oauth/callback`,
  });
  const over = 'engine' in db && typeof db.ping === 'function' ? { store: db as Store } : { db: db as Db };
  return createCore({ ...over, box: new SecretBox(randomBytes(32)), identity, config, now });
}
