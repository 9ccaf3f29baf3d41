import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realisticExport } from '@life-stats/testing/apple-health-days';
import type { HealthRecord } from '@life-stats/testing/apple-health-export';
import { describe, expect, it } from 'vitest';
import { DATA_TYPE_NAMES } from '../src/data-types.js';
import { exportFile, exportXml, fetchDays, fetchError, HK, PHONE, rec, tempFolder, WATCH } from './support.js';

const dir = tempFolder('life-stats-apple-formats-');
const window = { start: '2026-01-01', end: '2026-01-31' };

describe('the export formats', () => {
  it('gives the same rows for every data type from export.zip and from the bare export.xml', async () => {
    const elements = [...realisticExport({ from: '2026-01-01', days: 10, timeZone: 'Europe/Berlin' })];
    const xml = await exportFile(dir, elements);
    const zip = await exportFile(dir, elements, {
      format: 'zip',
      extraEntries: { 'apple_health_export/export_cda.xml': '<?xml version="1.0"?><ClinicalDocument/>' },
    });
    for (const dataType of DATA_TYPE_NAMES) {
      const fromXml = await fetchDays(xml, dataType, { window });
      const fromZip = await fetchDays(zip, dataType, { window });
      expect(fromZip.observations, dataType).toEqual(fromXml.observations);
      expect(fromXml.observations.length, dataType).toBeGreaterThan(0);
    }
    // Counted once: the generator's iPhone and watch each record the whole day's steps.
    const { days } = await fetchDays(zip, 'steps', { window });
    const phoneOnly = await fetchDays(zip, 'steps', { window, sources: [PHONE] });
    expect(days['2026-01-05']).toBeGreaterThan(10_000);
    expect(days['2026-01-05']! / phoneOnly.days['2026-01-05']!).toBeCloseTo(1, 1);
  });

  it('skips the records inside a Correlation (they repeat top-level ones), Workouts and ActivitySummaries', async () => {
    const water: HealthRecord = {
      type: HK.water,
      sourceName: 'Lifesum',
      unit: 'mL',
      value: 300,
      startDate: '2026-01-05 12:00:00 +0100',
    };
    const file = await exportFile(dir, [
      { kind: 'record', ...water },
      {
        kind: 'correlation',
        type: 'HKCorrelationTypeIdentifierFood',
        sourceName: 'Lifesum',
        startDate: '2026-01-05 12:00:00 +0100',
        records: [water],
      },
      {
        kind: 'workout',
        workoutActivityType: 'HKWorkoutActivityTypeWalking',
        sourceName: WATCH,
        startDate: '2026-01-05 13:00:00 +0100',
        endDate: '2026-01-05 14:00:00 +0100',
        durationMinutes: 60,
        statistics: { HKQuantityTypeIdentifierStepCount: [6000, 'count'] },
      },
      { kind: 'activity-summary', date: '2026-01-05', activeEnergyBurned: 500, exerciseMinutes: 60, standHours: 12 },
    ]);
    expect((await fetchDays(file, 'water', { window })).days).toEqual({ '2026-01-05': 300 });
    expect((await fetchDays(file, 'steps', { window })).days).toEqual({});
    expect((await fetchDays(file, 'exercise-minutes', { window })).days).toEqual({});
  });

  it('reads entities and typographic apostrophes in source names, MetadataEntry children, and heart-rate noise', async () => {
    const file = await exportFile(dir, [
      rec(HK.steps, 'Scale & Co', '2026-01-06 09:00:00 +0100', '2026-01-06 09:10:00 +0100', 100, 'count', {
        metadata: { HKWasUserEntered: '1', HKMetadataKeySyncIdentifier: 'a<b>&"c"' },
      }),
      rec(HK.heartRate, WATCH, '2026-01-06 09:00:00 +0100', '2026-01-06 09:00:00 +0100', 80, 'count/min'),
      rec(HK.steps, WATCH, '2026-01-06 09:00:00 +0100', '2026-01-06 09:10:00 +0100', 120, 'count'),
    ]);
    expect(readFileSync(file, 'utf8')).toContain('sourceName="Scale &amp; Co"');
    expect((await fetchDays(file, 'steps', { window })).days).toEqual({ '2026-01-06': 120 });
    expect((await fetchDays(file, 'steps', { window, sources: ['Scale & Co'] })).days).toEqual({ '2026-01-06': 100 });
  });

  it('reads a hand-written export with character references and no DTD', async () => {
    const file = join(dir, 'hand.xml');
    writeFileSync(
      file,
      '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="de_DE">\n' +
        ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Jos&#xe9;&#x2019;s Apple Watch" unit="count" startDate="2026-01-07 10:00:00 +0100" endDate="2026-01-07 10:05:00 +0100" value="42"/>\n' +
        '</HealthData>\n',
    );
    const { days, logs } = await fetchDays(file, 'steps', { window });
    expect(days).toEqual({ '2026-01-07': 42 });
    expect(logs.find((l) => l.message === 'parsed the export')?.fields).toMatchObject({
      sources: ['José’s Apple Watch'],
    });
  });

  it('builds the same XML as a string and as a streamed file', async () => {
    const elements = [rec(HK.steps, WATCH, '2026-01-07 10:00:00 +0100', '2026-01-07 10:05:00 +0100', 42, 'count')];
    expect(readFileSync(await exportFile(dir, elements), 'utf8')).toBe(exportXml(elements));
  });
});

describe('bad files fail the pair with the file and what is wrong', () => {
  const good = [rec(HK.steps, WATCH, '2026-01-08 10:00:00 +0100', '2026-01-08 10:05:00 +0100', 42, 'count')];

  it('a truncated zip', async () => {
    const zip = await exportFile(dir, good, { format: 'zip' });
    const bytes = readFileSync(zip);
    const cut = join(dir, 'cut.zip');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const error = await fetchError(cut);
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toMatch(
      new RegExp(
        `^\\[life-stats\\] \\[plugin:apple-health\\] ${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not a readable zip \\(.+\\); the file may be cut short`,
      ),
    );
    expect(error.hint).toContain('Export All Health Data');
  });

  it('an XML cut mid-element', async () => {
    const xml = exportXml(good);
    const cut = join(dir, 'cut.xml');
    writeFileSync(cut, xml.slice(0, xml.indexOf('startDate="2026-01-08')));
    expect((await fetchError(cut)).message).toBe(
      `[life-stats] [plugin:apple-health] ${cut}: is cut short: the XML stops at line 99, column 136, in the middle of an element, before </HealthData>`,
    );
  });

  it('an XML cut between elements, inside a zip', async () => {
    const zip = await exportFile(dir, good, { format: 'zip', tail: '' });
    expect((await fetchError(zip)).message).toMatch(
      /: is cut short: the XML stops at line \d+, column \d+, before <\/HealthData> \(its apple_health_export\/export\.xml\)$/,
    );
  });

  it('a zip without export.xml', async () => {
    const zip = await exportFile(dir, good, {
      format: 'zip',
      entryName: 'photos/IMG_0001.xml',
      name: 'not-health.zip',
    });
    expect((await fetchError(zip)).message).toBe(
      `[life-stats] [plugin:apple-health] ${zip}: is a zip without an export.xml (it holds "photos/IMG_0001.xml"): not an Apple Health export`,
    );
  });

  it('a file that is not a Health export: another XML, a CSV, an empty file, a missing file', async () => {
    const other = join(dir, 'feed.xml');
    writeFileSync(other, '<?xml version="1.0"?><rss version="2.0"><channel/></rss>');
    expect((await fetchError(other)).message).toBe(
      `[life-stats] [plugin:apple-health] ${other}: is not an Apple Health export: its root element is <rss>, not <HealthData>`,
    );
    const csv = join(dir, 'weight.csv');
    writeFileSync(csv, 'date,kg\n2026-01-08,79.1\n');
    expect((await fetchError(csv)).message).toMatch(
      /weight\.csv: is not an Apple Health export \(not an XML document: \d+:\d+: text data outside of root node\.\)$/,
    );
    const empty = join(dir, 'empty.zip');
    writeFileSync(empty, '');
    expect((await fetchError(empty)).message).toBe(
      `[life-stats] [plugin:apple-health] ${empty}: is empty (0 bytes): not an Apple Health export`,
    );
    const missing = join(dir, 'nope.zip');
    const error = await fetchError(missing);
    expect(error.message).toBe(`[life-stats] [plugin:apple-health] ${missing}: file not found`);
    expect(error.hint).toContain("Check `file` in the entry's config");
  });

  it('a record with an impossible date', async () => {
    const file = await exportFile(dir, [
      rec(HK.steps, WATCH, '2026-01-08T10:00:00Z', '2026-01-08 10:05:00 +0100', 1, 'count'),
    ]);
    expect((await fetchError(file)).message).toContain(
      'line 99: a HKQuantityTypeIdentifierStepCount record has startDate "2026-01-08T10:00:00Z", not a timestamp like "2026-03-29 01:30:00 +0100"',
    );
  });
});
