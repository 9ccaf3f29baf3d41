/**
 * The fault suite's ledger: what each case recorded, and the summary line computed from it.
 * Cases record their figures in vitest task meta (see `case.ts`); the reporter sums them.
 */

/** A fault survived (the store healed) or a bad input rejected (nothing written). */
export type CaseKind = 'fault' | 'bad-input';

/** What one case found; set on the vitest task as `meta.lifeStatsCase`. */
export interface CaseFigures {
  kind: CaseKind;
  /** e.g. `provider`, `plugin`, `storage`, `process`, `secrets`, `config`, `cli`, `output`. */
  group: string;
  /** Expected observations missing or with a wrong value after the fault cleared. */
  lost: number;
  /** Observations stored more than once, or that the source never had. */
  duplicated: number;
  /** Planted secret values found in anything captured (logs, summaries, errors, output, argv). */
  leaked: number;
  /** Did the case check the store? (A fault case must.) */
  checkedStore: boolean;
}

declare module 'vitest' {
  interface TaskMeta {
    lifeStatsCase?: CaseFigures;
  }
}

/** One finished case as the reporter sees it. */
export interface CaseResult {
  name: string;
  passed: boolean;
  figures?: CaseFigures;
}

export interface SuiteSummary {
  faults: { total: number; survived: number; lost: number; duplicated: number; leaked: number };
  badInputs: { total: number; rejected: number; leaked: number };
}

/** Sum the cases. A fault survives when its test passed with nothing lost, duplicated or leaked. */
export function summarize(cases: readonly CaseResult[]): SuiteSummary {
  const summary: SuiteSummary = {
    faults: { total: 0, survived: 0, lost: 0, duplicated: 0, leaked: 0 },
    badInputs: { total: 0, rejected: 0, leaked: 0 },
  };
  for (const c of cases) {
    const f = c.figures;
    if (!f) continue;
    const clean = f.lost === 0 && f.duplicated === 0 && f.leaked === 0;
    if (f.kind === 'fault') {
      summary.faults.total++;
      summary.faults.lost += f.lost;
      summary.faults.duplicated += f.duplicated;
      summary.faults.leaked += f.leaked;
      if (c.passed && clean && f.checkedStore) summary.faults.survived++;
    } else {
      summary.badInputs.total++;
      summary.badInputs.leaked += f.leaked;
      if (c.passed && clean) summary.badInputs.rejected++;
    }
  }
  return summary;
}

/** `faults: N/N survived, 0 lost, 0 duplicated, 0 secrets leaked; bad inputs: M/M rejected` */
export function formatSummary(s: SuiteSummary): string {
  const leaked = s.faults.leaked + s.badInputs.leaked;
  return (
    `faults: ${s.faults.survived}/${s.faults.total} survived, ${s.faults.lost} lost, ` +
    `${s.faults.duplicated} duplicated, ${leaked} secrets leaked; ` +
    `bad inputs: ${s.badInputs.rejected}/${s.badInputs.total} rejected`
  );
}
