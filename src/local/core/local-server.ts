/**
 * The servers the local data plane runs, one class per engine. Engine-neutral code takes the
 * InstanceServer interface; code that is not (the PostgreSQL IAM front, the PI extension) narrows on
 * `engine` first.
 */
import type { MariaServer } from '../engines/mysql/maria-server.js';
import type { PgServer } from '../engines/postgres/pg-server.js';

export type LocalServer = PgServer | MariaServer;
