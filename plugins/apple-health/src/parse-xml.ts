import type { Readable } from 'node:stream';
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import type { DailyAggregator, RecordAttributes } from './daily-aggregator.js';
import { DATA_TYPE_BY_HK_TYPE } from './data-types.js';
import { RecordProblem } from './errors.js';

/**
 * A new saxes parser. saxes is loaded on the first parse or probe, not with the plugin: `validate`,
 * `plugins` and a run's planning import the plugin too, and Node reads the package's CommonJS
 * exports with a lexer pass over its 74 KB (docs/performance.md).
 */
async function createParser(): Promise<SaxesParser> {
  const { SaxesParser } = await import('saxes');
  return new SaxesParser();
}

/** What a parse saw, for the log and for telling "not an export" from "cut short". */
export interface XmlStats {
  /** Characters read. */
  chars: number;
  /** Top-level elements of `<HealthData>` (records, correlations, workouts…). */
  elements: number;
}

/** Why a parse failed, with what the user should be told. */
export class XmlProblem extends Error {
  constructor(
    message: string,
    readonly kind: 'not-export' | 'truncated' | 'malformed' | 'record',
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'XmlProblem';
  }
}

/**
 * One streaming pass of saxes (a strict, non-validating XML parser: it reads the export's internal
 * DTD without acting on it, decodes entities and character references, and rejects what is not
 * well-formed) over an export's text. Only `<Record>`s directly under `<HealthData>` are read:
 * `Correlation` children repeat top-level records (the export's DTD says so), and `Workout`,
 * `ActivitySummary`, `MetadataEntry` and the like carry nothing the Data types table stores.
 */
export async function parseExportXml(text: Readable, into: DailyAggregator, signal: AbortSignal): Promise<XmlStats> {
  const parser = await createParser();
  const stats: XmlStats = { chars: 0, elements: 0 };
  let depth = 0;
  let sawRoot = false;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    depth++;
    if (depth === 2) {
      stats.elements++;
      if (tag.name !== 'Record') return;
      const attrs = tag.attributes as RecordAttributes;
      const name = DATA_TYPE_BY_HK_TYPE.get(attrs.type ?? '');
      if (name === undefined) return;
      try {
        into.add(name, attrs);
      } catch (error) {
        if (!(error instanceof RecordProblem)) throw error;
        throw new XmlProblem(`line ${parser.line}: ${error.message}`, 'record', error.hint);
      }
    } else if (depth === 1) {
      sawRoot = true;
      if (tag.name !== 'HealthData') {
        throw new XmlProblem(
          `is not an Apple Health export: its root element is <${tag.name}>, not <HealthData>`,
          'not-export',
        );
      }
    }
  });
  parser.on('closetag', () => {
    depth--;
  });
  // saxes reports a problem here and would go on; stop at the first one while reading, and
  // collect them all at close() (a cut file gives "unclosed tag" and "unexpected end" together).
  const problems: string[] = [];
  let closing = false;
  parser.on('error', (error) => {
    problems.push(error.message);
    if (!closing) throw new XmlProblem(error.message, 'malformed');
  });

  try {
    for await (const chunk of text) {
      if (signal.aborted) throw signal.reason;
      const piece = chunk as string;
      stats.chars += piece.length;
      parser.write(piece);
    }
    if (signal.aborted) throw signal.reason;
    closing = true;
    parser.close();
  } catch (error) {
    if (!(error instanceof XmlProblem) || error.kind !== 'malformed') throw error;
  }
  if (problems.length > 0) throw classify(problems, sawRoot, closing);
  if (!sawRoot) throw new XmlProblem('is not an Apple Health export: it holds no XML element', 'not-export');
  return stats;
}

function classify(problems: readonly string[], sawRoot: boolean, atEnd: boolean): XmlProblem {
  const first = problems[0] ?? 'unknown problem';
  if (!sawRoot) return new XmlProblem(`is not an Apple Health export (not an XML document: ${first})`, 'not-export');
  if (atEnd && problems.some((p) => /unclosed tag|unexpected end/.test(p))) {
    const where = /^(\d+):(\d+)/.exec(first);
    const at = where ? ` at line ${where[1]}, column ${where[2]}` : '';
    const midTag = problems.some((p) => /unexpected end/.test(p)) ? ', in the middle of an element' : '';
    return new XmlProblem(`is cut short: the XML stops${at}${midTag}, before </HealthData>`, 'truncated');
  }
  return new XmlProblem(`is not well-formed XML: ${first}`, 'malformed');
}

/**
 * Read only as far as the root element and say whether it is `<HealthData>` (for `check`): a
 * gigabyte export is verified in milliseconds.
 */
export async function probeExportXml(text: Readable): Promise<void> {
  const parser = await createParser();
  let root: string | undefined;
  const problems: string[] = [];
  parser.on('opentag', (tag) => {
    root ??= tag.name;
  });
  parser.on('error', (error) => {
    problems.push(error.message);
  });
  for await (const chunk of text) {
    parser.write(chunk as string);
    if (root !== undefined || problems.length > 0) break;
  }
  if (root === undefined) throw classify(problems.length > 0 ? problems : ['no element'], false, false);
  if (root !== 'HealthData') {
    throw new XmlProblem(
      `is not an Apple Health export: its root element is <${root}>, not <HealthData>`,
      'not-export',
    );
  }
}
