import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import { createFileSecrets } from '../../src/secrets/file.js';

/**
 * The file store with writers in several real processes at once (DESIGN.md "Secrets"): every write
 * that said it was stored is in the file. The children run the built package (`npm test` builds
 * first), as a user runs it: the CLI's `secrets set`, and a script rotating a token in a loop.
 */
const posix = process.platform !== 'win32';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'core/bin/life-stats.js');
const dist = (file: string) => pathToFileURL(join(ROOT, 'core/dist', file)).href;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnNode(file: string, args: string[], stdin?: string): Promise<Exit> {
  const child: ChildProcess = spawn(process.execPath, [file, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin?.end(stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The rotation script: rotates one user's token `times` times, printing each value once its set() resolved. */
function rotationScript(): string {
  const file = join(tempDir('life-stats-file-procs-'), 'rotate.mjs');
  writeFileSync(
    file,
    `import { createFileSecrets } from '${dist('secrets/file.js')}';
const [path, user, times] = process.argv.slice(2);
const store = createFileSecrets({ path });
for (let i = 1; i <= Number(times); i++) {
  const value = user + '-token-' + i;
  await store.set('oura', 'token', value, user);
  process.stdout.write(value + '\\n');
}
`,
  );
  return file;
}

describe('file secret store across processes', () => {
  it('keeps every `life-stats secrets set` of 12 processes started at once', async () => {
    const project = tempDir('life-stats-file-procs-project-');
    const config = join(project, 'life-stats.config.json');
    writeFileSync(config, JSON.stringify({ secrets: { type: 'file', path: 'secrets.json' }, plugins: [] }));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        spawnNode(
          CLI,
          ['secrets', 'set', 'acme', `key_${i}`, '--user', `user${i}`, '--config', config],
          `value-${i}\n`,
        ),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`Stored user user${i}'s secret acme/key_${i}`);
    }
    const file = join(project, 'secrets.json');
    const users = JSON.parse(readFileSync(file, 'utf8')).acme.users;
    expect(Object.keys(users)).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect(users[`user${i}`]).toEqual({ [`key_${i}`]: `value-${i}` });
    // No temp file or lock left behind; the file is the owner's alone.
    expect(readdirSync(project).sort()).toEqual(['life-stats.config.json', 'secrets.json']);
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 120_000);

  it('two processes rotating tokens while others set secrets: each last write is in the file, every read parses', async () => {
    const script = rotationScript();
    const file = join(tempDir('life-stats-file-procs-rotate-'), 'secrets.json');
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      // A reader never sees half a file, whatever the writers do.
      while (!stop) {
        try {
          JSON.parse(readFileSync(file, 'utf8'));
          reads++;
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOENT') throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const [a, b, ...others] = await Promise.all([
      spawnNode(script, [file, 'ann', '25']),
      spawnNode(script, [file, 'bob', '25']),
      ...Array.from({ length: 4 }, (_, i) => spawnNode(script, [file, `extra${i}`, '5'])),
    ]);
    stop = true;
    await reader;
    for (const result of [a, b, ...others]) expect(result.code, result.stderr).toBe(0);
    expect(a?.stdout.trim().split('\n')).toHaveLength(25);
    const users = JSON.parse(readFileSync(file, 'utf8')).oura.users;
    expect(users.ann).toEqual({ token: 'ann-token-25' });
    expect(users.bob).toEqual({ token: 'bob-token-25' });
    for (let i = 0; i < 4; i++) expect(users[`extra${i}`]).toEqual({ token: `extra${i}-token-5` });
    expect(reads).toBeGreaterThan(0);
  }, 120_000);
});

describe('file secret store lock', () => {
  it('takes over a lock left by a process that died holding it', async () => {
    const dir = tempDir('life-stats-file-lock-');
    const path = join(dir, 'secrets.json');
    const lock = `${path}.lock`;
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await createFileSecrets({ path }).set('acme', 'token', 'after-a-crash', 'me');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ acme: { users: { me: { token: 'after-a-crash' } } } });
    expect(readdirSync(dir)).toEqual(['secrets.json']);
  });

  it('gives up on a lock another process keeps holding, naming it, and writes nothing', async () => {
    const dir = tempDir('life-stats-file-lock-');
    const path = join(dir, 'secrets.json');
    mkdirSync(`${path}.lock`);
    const store = createFileSecrets({ path, lock: { waitMs: 300 } });
    const error = await store.set('acme', 'token', 'never-written', 'me').then(
      () => undefined,
      (e: Error & { code?: string; hint?: string }) => e,
    );
    expect(error?.code).toBe('E_SECRETS');
    expect(error?.message).toBe(
      `[life-stats] [secrets:file] cannot write ${path}: another process has held its lock ${path}.lock for too long.`,
    );
    expect(error?.hint).toContain(`remove the folder ${path}.lock`);
    expect(readdirSync(dir)).toEqual(['secrets.json.lock']);
  });
});
