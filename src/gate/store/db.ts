import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = BetterSqlite3.Database;

/**
 * Opens (creating if needed) the SQLite file that keeps the callback outbox and the delivery log.
 * WAL lets the CLI read the log while the server writes; `synchronous = NORMAL` keeps each
 * enqueue a cheap fsync-free write that still survives a process crash.
 */
export function openHookDb(path: string, options: { readonly?: boolean } = {}): Db {
  if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
  // Loaded when callbacks are configured: a server without them never opens SQLite.
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (options.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      queue TEXT NOT NULL,
      event TEXT NOT NULL,
      dialect TEXT NOT NULL,
      signer TEXT NOT NULL,
      method TEXT NOT NULL,
      url TEXT NOT NULL,
      content_type TEXT NOT NULL,
      body TEXT NOT NULL,
      timeout_ms INTEGER NOT NULL,
      max_answer_bytes INTEGER,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outbox_queue ON outbox (queue, seq);
    CREATE TABLE IF NOT EXISTS deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      webhook_id TEXT NOT NULL,
      event TEXT NOT NULL,
      dialect TEXT NOT NULL,
      method TEXT NOT NULL,
      url TEXT NOT NULL,
      status INTEGER,
      answer TEXT NOT NULL,
      latency_ms REAL NOT NULL,
      attempt INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      detail TEXT NOT NULL,
      content_type TEXT NOT NULL DEFAULT '',
      body TEXT NOT NULL DEFAULT '',
      signer TEXT NOT NULL DEFAULT '',
      replay_of INTEGER
    );
    CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event, seq);
  `);
  addMissingColumns(db);
  return db;
}

/** Columns added since the first release: a database written by an older version gains them. */
function addMissingColumns(db: Db): void {
  const have = new Set((db.pragma('table_info(deliveries)') as Array<{ name: string }>).map((c) => c.name));
  const added: Array<[string, string]> = [
    ['content_type', "TEXT NOT NULL DEFAULT ''"],
    ['body', "TEXT NOT NULL DEFAULT ''"],
    ['signer', "TEXT NOT NULL DEFAULT ''"],
    ['replay_of', 'INTEGER'],
  ];
  for (const [name, type] of added) if (!have.has(name)) db.exec(`ALTER TABLE deliveries ADD COLUMN ${name} ${type}`);
}
