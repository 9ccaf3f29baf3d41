import { loadConfig } from '@life-stats/core';
import { bundleHandler } from '@life-stats/infra';
const config = await loadConfig({ configPath: 'life-stats.config.json', env: {} });
const b = await bundleHandler({ config, outDir: '/tmp/fs-bundle' });
console.log(b.bytes);
const pk = new Map<string, number>(); for (const [p, n] of Object.entries(b.inputs)) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? (p.includes('core/src') ? 'core:' + p.split('core/src/')[1]?.split('/')[0] : p); pk.set(m, (pk.get(m) ?? 0) + n); }
console.log([...pk].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, v]) => `${k} ${v}`).join('\n'));
