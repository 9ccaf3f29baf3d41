/**
 * Which source wins where samples of several sources overlap: the entry's `sources` list in its
 * order, then any source whose name contains "Watch", then any containing "iPhone", then the rest
 * by name. Names match without regard to case or to the kind of apostrophe (the Health app writes
 * "Alex’s Apple Watch" with a typographic one that few people type).
 */

function normalize(name: string): string {
  return name
    .normalize('NFC')
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .toLowerCase();
}

/** The source names ordered from highest to lowest priority. */
export function rankSources(names: readonly string[], preferred: readonly string[] = []): string[] {
  const listed = new Map<string, number>();
  preferred.forEach((name, i) => {
    const key = normalize(name);
    if (!listed.has(key)) listed.set(key, i);
  });
  const group = (name: string): number => {
    const key = normalize(name);
    if (listed.has(key)) return 0;
    if (key.includes('watch')) return 1;
    if (key.includes('iphone')) return 2;
    return 3;
  };
  return [...names].sort((a, b) => {
    const ga = group(a);
    const gb = group(b);
    if (ga !== gb) return ga - gb;
    if (ga === 0) return (listed.get(normalize(a)) ?? 0) - (listed.get(normalize(b)) ?? 0);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
