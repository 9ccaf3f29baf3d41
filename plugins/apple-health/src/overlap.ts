import type { SampleColumns } from './sample-columns.js';

/**
 * Count a cumulative quantity once across sources. Where samples of several sources overlap in
 * time, only the highest-priority source counts for that time: each sample counts for the share of
 * its duration that no higher-priority source covers (pro rata), and samples of one source never
 * cancel each other. An instantaneous sample (start = end) counts unless a higher-priority sample
 * covers its instant, ends included.
 *
 * Sources are taken in priority order. For each, its samples (sorted by start) are measured
 * against the union of the higher sources' time, kept as sorted disjoint intervals, which one
 * pointer walks forward; then its own intervals are merged into that union. Cost: a sort per
 * source plus O(sources × samples); memory: the union, at most one interval per sample.
 *
 * Returns, per day number (from `dayOf(start)`), the counted total, for every day on which at
 * least one counting sample (value ≥ 0) starts — a day whose samples were all covered gets 0, a
 * day without samples gets nothing.
 */
export function countOnce(
  samples: SampleColumns,
  sourcesByPriority: readonly number[],
  dayOf: (startMs: number) => number,
): Map<number, number> {
  const { start, duration, value, source } = samples;
  const n = samples.length;

  // Indices grouped by source (counting sort), in priority order.
  const rankOf = new Int32Array(65_536).fill(-1);
  sourcesByPriority.forEach((s, rank) => {
    rankOf[s] = rank;
  });
  const counts = new Uint32Array(sourcesByPriority.length + 1);
  for (let i = 0; i < n; i++) (counts[(rankOf[source[i] as number] as number) + 1] as number)++;
  const offsets = new Uint32Array(sourcesByPriority.length + 1);
  for (let r = 1; r <= sourcesByPriority.length; r++) offsets[r] = (offsets[r - 1] as number) + (counts[r] as number);
  const order = new Uint32Array(n);
  const fill = offsets.slice();
  for (let i = 0; i < n; i++) {
    const r = rankOf[source[i] as number] as number;
    const at = fill[r] as number;
    order[at] = i;
    fill[r] = at + 1;
  }

  const totals = new Map<number, number>();
  let unionStart: Float64Array = new Float64Array(0);
  let unionEnd: Float64Array = new Float64Array(0);
  let unionLength = 0;

  for (let r = 0; r < sourcesByPriority.length; r++) {
    const group = order.subarray(offsets[r], (offsets[r] as number) + (counts[r + 1] as number));
    if (group.length === 0) continue;
    sortByStart(group, start);

    let p = 0;
    for (let g = 0; g < group.length; g++) {
      const i = group[g] as number;
      const s = start[i] as number;
      const e = s + (duration[i] as number) * 1000;
      while (p < unionLength && (unionEnd[p] as number) < s) p++;
      let share: number;
      if (e === s) {
        share = p < unionLength && (unionStart[p] as number) <= s ? 0 : 1;
      } else {
        let covered = 0;
        for (let q = p; q < unionLength && (unionStart[q] as number) < e; q++) {
          const from = Math.max(s, unionStart[q] as number);
          const to = Math.min(e, unionEnd[q] as number);
          if (to > from) covered += to - from;
        }
        share = 1 - covered / (e - s);
      }
      const v = value[i] as number;
      if (v >= 0) {
        const day = dayOf(s);
        totals.set(day, (totals.get(day) ?? 0) + v * share);
      }
    }

    if (r < sourcesByPriority.length - 1) {
      [unionStart, unionEnd, unionLength] = mergeInto(unionStart, unionEnd, unionLength, group, start, duration);
    }
  }
  return totals;
}

/** Sort sample indices by start, keeping file order on ties; skipped when already sorted (the usual export order). */
function sortByStart(group: Uint32Array, start: Float64Array): void {
  for (let g = 1; g < group.length; g++) {
    if ((start[group[g] as number] as number) < (start[group[g - 1] as number] as number)) {
      group.sort((a, b) => (start[a] as number) - (start[b] as number) || a - b);
      return;
    }
  }
}

/** The union of sorted disjoint intervals and a group's intervals (sorted by start), as sorted disjoint intervals. */
function mergeInto(
  uStart: Float64Array,
  uEnd: Float64Array,
  uLength: number,
  group: Uint32Array,
  start: Float64Array,
  duration: Uint32Array,
): [Float64Array, Float64Array, number] {
  const outStart = new Float64Array(uLength + group.length);
  const outEnd = new Float64Array(uLength + group.length);
  let length = 0;
  let u = 0;
  let g = 0;
  while (u < uLength || g < group.length) {
    let s: number;
    let e: number;
    const gi = g < group.length ? (group[g] as number) : -1;
    if (gi >= 0 && (u >= uLength || (start[gi] as number) < (uStart[u] as number))) {
      s = start[gi] as number;
      e = s + (duration[gi] as number) * 1000;
      g++;
    } else {
      s = uStart[u] as number;
      e = uEnd[u] as number;
      u++;
    }
    if (length > 0 && s <= (outEnd[length - 1] as number)) {
      if (e > (outEnd[length - 1] as number)) outEnd[length - 1] = e;
    } else {
      outStart[length] = s;
      outEnd[length] = e;
      length++;
    }
  }
  return [outStart, outEnd, length];
}
