/** openInWalMode on a new database file: the switch to WAL mode, and the deadline of its retries. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openInWalMode } from '../../src/storage/sqlite-wal.js';
import { useSqliteRig } from './support/sqlite-rig.js';

const { freshPath, handles } = useSqliteRig();

/** A new database file in rollback mode (what better-sqlite3 creates), and a way to open it. */
function newDatabase(): (timeoutMs: number) => Database.Database {
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  const open = (timeoutMs: number) => {
    const db = new Database(path, { timeout: timeoutMs });
    handles.push(db);
    return db;
  };
  open(50).exec('CREATE TABLE t (x)');
  return open;
}

describe('openInWalMode', () => {
  it('switches a new database to WAL mode, and a later open finds it in WAL mode', async () => {
    const open = newDatabase();
    let connects = 0;
    const connect = () => {
      connects++;
      return open(2000);
    };
    expect((await openInWalMode(connect, 2000)).pragma('journal_mode', { simple: true })).toBe('wal');
    expect((await openInWalMode(connect, 2000)).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(connects).toBe(2);
  });

  it('tries again on new connections while the file is busy, and gives up with the busy error at its deadline', async () => {
    const open = newDatabase();
    // Another connection keeps an exclusive transaction open: no connection can read or switch the mode.
    const holder = open(50);
    holder.exec('BEGIN EXCLUSIVE');
    let connects = 0;
    const started = Date.now();
    await expect(
      openInWalMode(() => {
        connects++;
        return open(50);
      }, 300),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(connects).toBeGreaterThan(1);
    holder.exec('ROLLBACK');
    // Once the file is free, the next open switches it.
    expect((await openInWalMode(() => open(50), 300)).pragma('journal_mode', { simple: true })).toBe('wal');
  });
});
