import Database from 'better-sqlite3';
import { applySqliteMigration, SQLITE_MIGRATIONS } from '../../src/store/sqlite/sqlite-migrations.js';

/**
 * Creates the SQLite file at `path` as a release that had run only the first `count` migrations
 * left it (its `user_version` says so), open for a test to put rows in before a store of this
 * release upgrades it. The caller closes it.
 */
export function sqliteFileAt(path: string, count: number): Database.Database {
  const db = new Database(path);
  for (const migration of SQLITE_MIGRATIONS.slice(0, count)) applySqliteMigration(db, migration);
  db.pragma(`user_version = ${count}`);
  return db;
}
