import type { Reporter, TestModule } from 'vitest/node';
import { type CaseResult, formatSummary, summarize } from './ledger.js';

/**
 * Prints the fault suite's summary line at the end of a vitest run that included fault cases,
 * computed from the figures each case recorded (never written by hand).
 */
export class FaultSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const cases: CaseResult[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const figures = test.meta().lifeStatsCase;
        if (figures) cases.push({ name: test.fullName, passed: test.result().state === 'passed', figures });
      }
    }
    if (cases.length === 0) return;
    process.stdout.write(`\n${formatSummary(summarize(cases))}\n`);
  }
}
