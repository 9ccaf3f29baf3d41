import { parseAppleDate } from './apple-date.js';
import { ASLEEP_VALUES, AWAKE_VALUE, DATA_TYPE_NAMES, DATA_TYPES, type DataTypeName } from './data-types.js';
import { RecordProblem } from './errors.js';
import { createLocalDays, dayToDate, type LocalDays } from './local-days.js';
import { countOnce } from './overlap.js';
import { SampleColumns } from './sample-columns.js';
import { rankSources } from './source-priority.js';
import { knownUnits, unitFactor } from './units.js';

/** The attributes of a `<Record>` the aggregator reads. */
export interface RecordAttributes {
  readonly type?: string;
  readonly sourceName?: string;
  readonly unit?: string;
  readonly value?: string;
  readonly startDate?: string;
  readonly endDate?: string;
}

/** Every data type's figure per local date (`YYYY-MM-DD` → value in the stored unit). */
export interface DailySummary {
  days: Record<DataTypeName, Record<string, number>>;
  /** Records of the table's types that were read. */
  records: number;
  /** Source names seen in those records, highest priority first. */
  sources: string[];
  /** Records skipped as impossible (end before start, a negative amount), by data type. */
  skipped: Partial<Record<DataTypeName, number>>;
}

const MAX_SOURCES = 65_535;

/** 3 decimals: cleans float noise (0.1 + 0.2) and pro-rata tails without losing anything a person reads. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Collects the records of one export, in one pass, into per-day figures of every data type at once
 * — so the several entries reading one file share one parse. Means and last samples are folded in
 * as records arrive (memory: days × types); cumulative types keep their samples compactly until
 * {@link finish}, because the overlap rule needs them all (see sample-columns.ts).
 */
export class DailyAggregator {
  private readonly days: LocalDays;
  private readonly sourceIndex = new Map<string, number>();
  private readonly sourceNames: string[] = [];
  private readonly samples = new Map<DataTypeName, SampleColumns>();
  private readonly means = new Map<DataTypeName, Map<number, { sum: number; count: number }>>();
  private readonly lasts = new Map<DataTypeName, Map<number, { at: number; value: number }>>();
  private readonly factors = new Map<string, number>();
  private readonly skipped: Partial<Record<DataTypeName, number>> = {};
  private records = 0;

  constructor(
    timeZone: string,
    private readonly preferredSources: readonly string[] = [],
  ) {
    this.days = createLocalDays(timeZone);
  }

  /** Add one top-level record of a data type of the table. Throws {@link RecordProblem} for one it cannot read. */
  add(name: DataTypeName, attrs: RecordAttributes): void {
    const spec = DATA_TYPES[name];
    const start = parseAppleDate(attrs.startDate ?? '');
    const end = attrs.endDate === undefined ? start : parseAppleDate(attrs.endDate);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      const bad = Number.isNaN(start)
        ? `startDate ${JSON.stringify(attrs.startDate ?? null)}`
        : `endDate ${JSON.stringify(attrs.endDate)}`;
      throw new RecordProblem(`a ${spec.hkType} record has ${bad}, not a timestamp like "2026-03-29 01:30:00 +0100"`);
    }
    this.records++;
    if (end < start) {
      this.skip(name);
      return;
    }
    const source = this.source(attrs.sourceName ?? '');

    if (spec.aggregation === 'sleep') {
      // Only asleep values are sleep; "awake" covers a lower source's time without counting; "in bed" is no statement about sleep.
      const asleep = ASLEEP_VALUES.has(attrs.value ?? '');
      if (!asleep && attrs.value !== AWAKE_VALUE) return;
      const seconds = Math.round((end - start) / 1000);
      this.columns(name).push(start, seconds, asleep ? seconds / 60 : -1, source);
      return;
    }

    const value = this.amount(name, attrs);
    switch (spec.aggregation) {
      case 'sum': {
        if (value < 0) {
          this.skip(name);
          return;
        }
        this.columns(name).push(start, Math.round((end - start) / 1000), value, source);
        return;
      }
      case 'mean': {
        const byDay = this.mapOf(this.means, name);
        const day = this.days.dayOf(start);
        const acc = byDay.get(day);
        if (acc) {
          acc.sum += value;
          acc.count++;
        } else byDay.set(day, { sum: value, count: 1 });
        return;
      }
      case 'last': {
        const byDay = this.mapOf(this.lasts, name);
        const day = this.days.dayOf(start);
        const last = byDay.get(day);
        // ">=": on a tie the later record in the file wins.
        if (!last || start >= last.at) byDay.set(day, { at: start, value });
        return;
      }
    }
  }

  /** The figures of every data type, per local date. */
  finish(): DailySummary {
    const ranked = rankSources(this.sourceNames, this.preferredSources);
    const priority = ranked.map((name) => this.sourceIndex.get(name) as number);
    const days = {} as DailySummary['days'];
    for (const name of DATA_TYPE_NAMES) {
      const out: Record<string, number> = {};
      const spec = DATA_TYPES[name];
      if (spec.aggregation === 'sum' || spec.aggregation === 'sleep') {
        const columns = this.samples.get(name);
        if (columns) {
          const dayOf = spec.aggregation === 'sleep' ? this.days.sleepDayOf : this.days.dayOf;
          for (const [day, total] of countOnce(columns, priority, dayOf)) out[dayToDate(day)] = round(total);
        }
      } else if (spec.aggregation === 'mean') {
        for (const [day, { sum, count }] of this.means.get(name) ?? []) out[dayToDate(day)] = round(sum / count);
      } else {
        for (const [day, { value }] of this.lasts.get(name) ?? []) out[dayToDate(day)] = round(value);
      }
      days[name] = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    this.samples.clear();
    return { days, records: this.records, sources: ranked, skipped: this.skipped };
  }

  private amount(name: DataTypeName, attrs: RecordAttributes): number {
    const spec = DATA_TYPES[name];
    const unit = attrs.unit ?? '';
    const key = `${name}\u0000${unit}`;
    let factor = this.factors.get(key);
    if (factor === undefined) {
      factor = unitFactor(spec.unit, unit);
      if (factor === undefined) {
        throw new RecordProblem(
          `a ${spec.hkType} record has the unit ${JSON.stringify(unit)}, which the plugin cannot convert to ${spec.unit} (it knows ${knownUnits(spec.unit).join(', ')})`,
          "Report the unit at the plugin's issue tracker; until then, change the unit of this data type in the Health app and export again.",
        );
      }
      this.factors.set(key, factor);
    }
    const raw = attrs.value ?? '';
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) {
      throw new RecordProblem(
        `a ${spec.hkType} record has the value ${JSON.stringify(attrs.value ?? null)}, not a number`,
      );
    }
    return value * factor;
  }

  private source(name: string): number {
    let index = this.sourceIndex.get(name);
    if (index === undefined) {
      if (this.sourceNames.length >= MAX_SOURCES)
        throw new RecordProblem(`more than ${MAX_SOURCES} different sourceName values`);
      index = this.sourceNames.length;
      this.sourceNames.push(name);
      this.sourceIndex.set(name, index);
    }
    return index;
  }

  private columns(name: DataTypeName): SampleColumns {
    let columns = this.samples.get(name);
    if (!columns) {
      columns = new SampleColumns();
      this.samples.set(name, columns);
    }
    return columns;
  }

  private mapOf<V>(maps: Map<DataTypeName, Map<number, V>>, name: DataTypeName): Map<number, V> {
    let map = maps.get(name);
    if (!map) {
      map = new Map();
      maps.set(name, map);
    }
    return map;
  }

  private skip(name: DataTypeName): void {
    this.skipped[name] = (this.skipped[name] ?? 0) + 1;
  }
}
