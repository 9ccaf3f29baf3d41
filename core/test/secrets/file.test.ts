import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatError, type LifeStatsError } from '../../src/errors.js';
import { createFileSecrets } from '../../src/secrets/file.js';
import { describeSecrets } from '../../src/testing/describe-secrets.js';

const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'life-stats-secrets-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Write a secrets file by hand, with an exact mode (umask would otherwise change it). */
async function handWritten(content: string, mode = 0o600): Promise<string> {
  const path = join(await tempDir(), 'secrets.json');
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<LifeStatsError> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: LifeStatsError) => error,
  );
}

describeSecrets('file', async () => createFileSecrets({ path: join(await tempDir(), '.life-stats', 'secrets.json') }));

describe('createFileSecrets', () => {
  it('creates the file in the documented layout', async () => {
    const path = join(await tempDir(), '.life-stats', 'secrets.json');
    const store = createFileSecrets({ path });
    await store.set('google-fit', 'client_id', 'the-client-id');
    await store.set('google-fit', 'token', 'me-refresh-token', 'me');
    await store.set('csv', 'api_key', 'csv-api-key');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      'google-fit': { client_id: 'the-client-id', users: { me: { token: 'me-refresh-token' } } },
      csv: { api_key: 'csv-api-key' },
    });
  });

  it.skipIf(!posix)('creates its folder with mode 0700 and the file with mode 0600', async () => {
    const folder = join(await tempDir(), '.life-stats');
    const path = join(folder, 'secrets.json');
    await createFileSecrets({ path }).set('google-fit', 'token', 'me-refresh-token', 'me');
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('treats a missing file as an empty store, and reading does not create it', async () => {
    const dir = await tempDir();
    const store = createFileSecrets({ path: join(dir, 'nested', 'secrets.json') });
    await expect(store.get('google-fit', 'client_id')).resolves.toBeUndefined();
    await expect(store.get('google-fit', 'token', 'me')).resolves.toBeUndefined();
    await expect(store.listUsers('google-fit')).resolves.toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('treats an empty file as an empty store', async () => {
    const store = createFileSecrets({ path: await handWritten('') });
    await expect(store.listUsers('google-fit')).resolves.toEqual([]);
  });

  it.skipIf(!posix)(
    'refuses a file other users can read, with the chmod that fixes it, never showing a value',
    async () => {
      const content = JSON.stringify({
        'google-fit': { client_id: 'client-id-9137', users: { me: { token: 'tok-5521' } } },
      });
      const path = await handWritten(content, 0o644);
      const store = createFileSecrets({ path });

      const error = await failure(store.get('google-fit', 'client_id'));
      expect(error.code).toBe('E_SECRETS');
      expect(error.message).toContain('[life-stats] [secrets:file]');
      expect(error.message).toContain(`readable by other users (mode 0644); run: chmod 600 ${path}`);
      expect(formatError(error)).not.toContain('client-id-9137');
      expect(formatError(error)).not.toContain('tok-5521');

      // A write is refused too, and leaves the file as it was.
      const writeError = await failure(store.set('google-fit', 'token', 'new-token-value', 'me'));
      expect(writeError.message).toContain('chmod 600');
      expect(await readFile(path, 'utf8')).toBe(content);

      // Fixed as told, the same store reads it: a refusal is not cached.
      await chmod(path, 0o600);
      await expect(store.get('google-fit', 'token', 'me')).resolves.toBe('tok-5521');
    },
  );

  it.skipIf(!posix)('refuses a file other users can write', async () => {
    const path = await handWritten('{}', 0o620);
    const error = await failure(createFileSecrets({ path }).listUsers('google-fit'));
    expect(error.message).toContain(`(mode 0620); run: chmod 600 ${path}`);
  });

  it('reports corrupt JSON with the file and where, without echoing the content', async () => {
    const path = await handWritten('{\n  "google-fit": {\n    "client_id": "leaky-secret-value" "x"\n  }\n}\n');
    const error = await failure(createFileSecrets({ path }).get('google-fit', 'client_id'));
    expect(error.code).toBe('E_SECRETS');
    expect(error.message).toContain(`[life-stats] [secrets:file] ${path} is not valid JSON at line 3`);
    expect(error.hint).toContain('life-stats secrets set');
    expect(formatError(error)).not.toContain('leaky');
    expect(error.cause).toBeUndefined();
  });

  it('reports a wrong layout with the path of each problem inside the file, without echoing values', async () => {
    const path = await handWritten(
      JSON.stringify({
        'google-fit': {
          client_id: ['array-secret-value'],
          users: { me: { token: 12345678 }, bob: 'bob-secret-value' },
        },
        csv: 'string-secret-value',
        ok: { users: { alice: { token: 'fine' } } },
      }),
    );
    const error = await failure(createFileSecrets({ path }).get('ok', 'token', 'alice'));
    expect(error.code).toBe('E_SECRETS');
    expect(error.message).toContain(`${path} does not have the expected layout`);
    expect(error.message).toContain('google-fit.client_id: must be a string (found array)');
    expect(error.message).toContain('google-fit.users.me.token: must be a string (found number)');
    expect(error.message).toContain('google-fit.users.bob: must be an object (found string)');
    expect(error.message).toContain('csv: must be an object (found string)');
    for (const value of ['array-secret-value', '12345678', 'bob-secret-value', 'string-secret-value']) {
      expect(formatError(error)).not.toContain(value);
    }
  });

  it('reports a file holding something other than an object', async () => {
    const path = await handWritten('["not", "an", "object"]');
    const error = await failure(createFileSecrets({ path }).listUsers('csv'));
    expect(error.message).toContain('the file must hold a JSON object (found array)');
  });

  it.skipIf(!posix || root)('reports a file it may not read', async () => {
    const path = await handWritten('{}', 0o000);
    const error = await failure(createFileSecrets({ path }).get('csv', 'api_key'));
    expect(error.code).toBe('E_SECRETS');
    expect(error.message).toBe(`[life-stats] [secrets:file] cannot read ${path}: permission denied.`);
    expect(error.hint).toContain(`chmod 600 ${path}`);
  });

  it('writes atomically, leaving no temporary file behind', async () => {
    const dir = await tempDir();
    const store = createFileSecrets({ path: join(dir, 'secrets.json') });
    for (let i = 0; i < 5; i++) await store.set('google-fit', 'token', `token-${i}`, 'me');
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.set('csv', `key_${i}`, `value-${i}`)));
    expect(await readdir(dir)).toEqual(['secrets.json']);
    if (posix) expect((await stat(join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);
  });

  it('keeps every write of parallel sets from two stores on the same file', async () => {
    const path = join(await tempDir(), 'secrets.json');
    const first = createFileSecrets({ path });
    const second = createFileSecrets({ path });
    const sets = Array.from({ length: 30 }, (_, i) =>
      (i % 2 === 0 ? first : second).set('google-fit', 'token', `token-${i}`, `user${i}`),
    );
    await Promise.all(sets);
    const fresh = createFileSecrets({ path });
    expect(await fresh.listUsers('google-fit')).toHaveLength(30);
    for (let i = 0; i < 30; i++) await expect(fresh.get('google-fit', 'token', `user${i}`)).resolves.toBe(`token-${i}`);
  });

  it('keeps entries another process wrote after this store read the file', async () => {
    const path = await handWritten(JSON.stringify({ 'google-fit': { users: { me: { token: 'old-token' } } } }));
    const store = createFileSecrets({ path });
    await expect(store.get('google-fit', 'token', 'me')).resolves.toBe('old-token');
    // Meanwhile `life-stats secrets set` (another process) adds a shared secret.
    await writeFile(
      path,
      JSON.stringify({ 'google-fit': { client_id: 'added-client-id', users: { me: { token: 'old-token' } } } }),
    );
    await store.set('google-fit', 'token', 'rotated-token', 'me');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      'google-fit': { client_id: 'added-client-id', users: { me: { token: 'rotated-token' } } },
    });
    await expect(store.get('google-fit', 'client_id')).resolves.toBe('added-client-id');
  });

  it('reads the file once per store', async () => {
    const path = await handWritten(JSON.stringify({ csv: { api_key: 'first-key' } }));
    const store = createFileSecrets({ path });
    await expect(store.get('csv', 'api_key')).resolves.toBe('first-key');
    await writeFile(path, JSON.stringify({ csv: { api_key: 'second-key' } }));
    await expect(store.get('csv', 'api_key')).resolves.toBe('first-key');
    await expect(createFileSecrets({ path }).get('csv', 'api_key')).resolves.toBe('second-key');
  });

  it('refuses a shared secret named "users", which the layout reserves', async () => {
    const path = join(await tempDir(), 'secrets.json');
    const error = await failure(createFileSecrets({ path }).set('csv', 'users', 'some-value'));
    expect(error.code).toBe('E_SECRETS');
    expect(error.message).toContain('reserves that key');
    expect(formatError(error)).not.toContain('some-value');
  });

  it('keeps names such as __proto__ as plain data', async () => {
    const path = join(await tempDir(), 'secrets.json');
    const store = createFileSecrets({ path });
    await expect(store.get('csv', '__proto__')).resolves.toBeUndefined();
    await store.set('__proto__', '__proto__', 'proto-value', 'constructor');
    await expect(createFileSecrets({ path }).get('__proto__', '__proto__', 'constructor')).resolves.toBe('proto-value');
    await expect(createFileSecrets({ path }).listUsers('__proto__')).resolves.toEqual(['constructor']);
  });

  it.skipIf(!posix)('writes through a symlink instead of replacing it', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'dotfiles'));
    const real = join(dir, 'dotfiles', 'secrets.json');
    await writeFile(real, '{}', { mode: 0o600 });
    const link = join(dir, 'secrets.json');
    await symlink(real, link);
    await createFileSecrets({ path: link }).set('csv', 'api_key', 'linked-key');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toEqual({ csv: { api_key: 'linked-key' } });
    expect((await readdir(join(dir, 'dotfiles'))).sort()).toEqual(['secrets.json']);
  });
});
