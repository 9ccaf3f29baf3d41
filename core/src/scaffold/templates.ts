import type { PluginNames } from './plugin-names.js';

/** The `@life-stats/core` range a new plugin declares as its peer dependency. */
const CORE_PEER_RANGE = '^0.1.0';

/** Files of a new plugin package, by path relative to its folder. */
export function pluginTemplates(names: PluginNames, coreVersion: string): Record<string, string> {
  return {
    'package.json': packageJson(names, coreVersion),
    'tsconfig.json': TSCONFIG,
    'src/index.ts': indexSource(names),
    'test/plugin.test.ts': testSource(names),
    'vitest.config.ts': VITEST_CONFIG,
    'README.md': readme(names),
    '.gitignore': 'node_modules\ndist\n',
  };
}

function packageJson(names: PluginNames, coreVersion: string): string {
  const pkg = {
    name: names.packageName,
    version: '0.1.0',
    description: `life-stats plugin: ${names.id}`,
    type: 'module',
    license: 'MIT',
    keywords: ['life-stats-plugin', 'life-stats'],
    engines: { node: '>=20.19' },
    files: ['dist'],
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'vitest run',
      prepublishOnly: 'npm run build && npm test',
    },
    peerDependencies: { '@life-stats/core': CORE_PEER_RANGE },
    devDependencies: {
      '@life-stats/core': `^${coreVersion}`,
      '@types/node': '^20.19.0',
      typescript: '~5.9.0',
      vitest: '^4.0.0',
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

// Its own config, so vitest does not pick up one from a parent folder (a monorepo's).
const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'] },
});
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      declaration: true,
      sourceMap: true,
      skipLibCheck: true,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

function indexSource(names: PluginNames): string {
  return `import { definePlugin, ReconnectRequiredError, RetryableError } from '@life-stats/core';

/** The entry's \`config\`, as validated against \`configSchema\`. */
interface Config {
  baseUrl: string;
}

/** One day as the provider's API returns it. */
interface ApiDay {
  date: string;
  value: number;
}

/**
 * ${names.id}: one number per day from a provider's HTTP API.
 * Replace the request and the response mapping with your provider's.
 */
export default definePlugin<Config>({
  id: '${names.id}',
  apiVersion: 1,
  metric: { type: '${names.metricType}', unit: 'count', description: 'Daily ${names.id}' },
  description: 'Daily ${names.id} from the provider API',
  configSchema: {
    type: 'object',
    properties: {
      baseUrl: { type: 'string', description: 'Root URL of the provider API' },
    },
    required: ['baseUrl'],
    additionalProperties: false,
  },
  exampleConfig: { baseUrl: 'https://api.example.com' },
  secrets: { user: ['api_key'] },
  maxDaysPerFetch: 30,
  async fetch(ctx) {
    const apiKey = ctx.secrets.get('api_key');
    if (!apiKey) {
      // Core adds the command that stores it (\`life-stats secrets set … --user …\`) as the hint.
      throw new ReconnectRequiredError('no api_key secret is stored for this user');
    }
    const url = new URL('daily', ctx.config.baseUrl.endsWith('/') ? ctx.config.baseUrl : \`\${ctx.config.baseUrl}/\`);
    url.searchParams.set('from', ctx.window.start);
    url.searchParams.set('to', ctx.window.end);
    url.searchParams.set('timezone', ctx.user.timezone);

    // ctx.signal: the run's timeout and cancellation reach the request.
    const response = await fetch(url, { headers: { authorization: \`Bearer \${apiKey}\` }, signal: ctx.signal });
    if (response.status === 401) throw new ReconnectRequiredError('the provider rejected the API key (401)');
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new RetryableError(\`the provider answered \${response.status}\`, {
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    if (!response.ok) throw new Error(\`the provider answered \${response.status} \${response.statusText}\`);

    const body = (await response.json()) as { days?: ApiDay[] };
    return (body.days ?? [])
      .filter((day) => day.date >= ctx.window.start && day.date <= ctx.window.end)
      .map((day) => ({ date: day.date, value: day.value }));
  },
});
`;
}

function testSource(names: PluginNames): string {
  return `import { createTestContext, describePlugin, startFakeServer } from '@life-stats/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

const API_KEY = 'test-api-key';

/** A fake provider: GET /daily?from&to answers one value per day for a valid key. */
function startFakeProvider() {
  return startFakeServer({
    'GET /daily': (request) => {
      if (request.headers.authorization !== \`Bearer \${API_KEY}\`) return { status: 401, json: { error: 'bad key' } };
      const days = [];
      const end = new Date(\`\${request.query.to}T00:00:00Z\`);
      for (let d = new Date(\`\${request.query.from}T00:00:00Z\`); d <= end; d.setUTCDate(d.getUTCDate() + 1)) {
        days.push({ date: d.toISOString().slice(0, 10), value: d.getUTCDate() });
      }
      return { json: { days } };
    },
  });
}

// The life-stats plugin kit: manifest, configSchema, output, abort handling, secret scoping.
describePlugin(plugin, {
  server: startFakeProvider,
  config: (url) => ({ baseUrl: url }),
  secrets: { api_key: API_KEY },
});

describe('${names.id}', () => {
  it('maps the provider days to observations', async () => {
    const server = await startFakeProvider();
    try {
      const { ctx } = createTestContext({
        plugin,
        config: { baseUrl: server.url },
        secrets: { api_key: API_KEY },
        window: { start: '2026-11-01', end: '2026-11-03' },
      });
      expect(await plugin.fetch(ctx)).toEqual([
        { date: '2026-11-01', value: 1 },
        { date: '2026-11-02', value: 2 },
        { date: '2026-11-03', value: 3 },
      ]);
    } finally {
      await server.close();
    }
  });
});
`;
}

function readme(names: PluginNames): string {
  return `# ${names.packageName}

A [life-stats](https://github.com/life-stats/life-stats) plugin: daily \`${names.metricType}\` from the provider API.

## Install and enable

\`\`\`sh
npm install ${names.packageName}
\`\`\`

Add an entry to \`life-stats.config.json\`:

\`\`\`json
{ "use": "${names.packageName}", "config": { "baseUrl": "https://api.example.com" } }
\`\`\`

Set the API key for each user:

\`\`\`sh
life-stats secrets set ${names.id} api_key --user me
\`\`\`

Check it is found with \`life-stats plugins\`, then \`life-stats run\`.

## Config

| option    | required | description                  |
| --------- | -------- | ---------------------------- |
| \`baseUrl\` | yes      | Root URL of the provider API |

## Secrets (namespace \`${names.id}\`)

- \`api_key\` (per user): the provider API key.

## Develop

\`\`\`sh
npm install
npm test        # the life-stats plugin kit against a local fake provider
npm run build
npm publish --provenance
\`\`\`

The plugin targets life-stats plugin \`apiVersion\` 1 and declares \`@life-stats/core\` ${CORE_PEER_RANGE} as a peer dependency.
`;
}
