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
    // Stored without compression: a zip made by hand (`zip -0`) rather than by the Health app.
    const stored = await exportFile(dir, elements, { format: 'zip', compress: false });
    expect(centralEntry(readFileSync(stored), 'apple_health_export/export.xml').method).toBe(0);
    expect(centralEntry(readFileSync(zip), 'apple_health_export/export.xml').method).toBe(8);
    for (const dataType of DATA_TYPE_NAMES) {
      const fromXml = await fetchDays(xml, dataType, { window });
      const fromZip = await fetchDays(zip, dataType, { window });
      expect(fromZip.observations, dataType).toEqual(fromXml.observations);
      expect((await fetchDays(stored, dataType, { window })).observations, dataType).toEqual(fromXml.observations);
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

  it('a zip whose deflated data is damaged', async () => {
    const zip = await exportFile(dir, good, { format: 'zip' });
    const bytes = readFileSync(zip);
    const { dataStart, compressedSize } = centralEntry(bytes, 'apple_health_export/export.xml');
    // Overwrite 8 bytes early in the deflate stream (the zip's directory stays intact): zlib stops.
    const at = dataStart + Math.floor(compressedSize / 10);
    bytes.fill(0xff, at, at + 8);
    const damaged = join(dir, 'damaged.zip');
    writeFileSync(damaged, bytes);
    const error = await fetchError(damaged);
    expect(error.code).toBe('E_PLUGIN_FAILED');
    expect(error.message).toBe(
      `[life-stats] [plugin:apple-health] ${damaged}: its apple_health_export/export.xml cannot be unpacked: invalid distance too far back`,
    );
    expect(error.hint).toContain('Export All Health Data');
  });

  it('a zip whose export.xml inflates to another size than its directory declares', async () => {
    const zip = await exportFile(dir, good, { format: 'zip' });
    const { size, sizeAt } = centralEntry(readFileSync(zip), 'apple_health_export/export.xml');
    for (const [declared, problem] of [
      [size - 100, `it inflates to more than the ${size - 100} bytes the zip declares`],
      [size + 100, `it inflates to ${size} bytes, not the ${size + 100} the zip declares`],
    ] as const) {
      const bytes = readFileSync(zip);
      bytes.writeUInt32LE(declared, sizeAt);
      const lying = join(dir, `lying-${declared}.zip`);
      writeFileSync(lying, bytes);
      expect((await fetchError(lying)).message).toBe(
        `[life-stats] [plugin:apple-health] ${lying}: its apple_health_export/export.xml cannot be unpacked: ${problem}`,
      );
    }
  });

  it('a zip whose export.xml is encrypted or compressed in a way it cannot read', async () => {
    const zip = await exportFile(dir, good, { format: 'zip' });
    const { methodAt, flagsAt } = centralEntry(readFileSync(zip), 'apple_health_export/export.xml');
    const bzip2 = readFileSync(zip);
    bzip2.writeUInt16LE(12, methodAt);
    const bzipped = join(dir, 'bzip2.zip');
    writeFileSync(bzipped, bzip2);
    const error = await fetchError(bzipped);
    expect(error.message).toBe(
      `[life-stats] [plugin:apple-health] ${bzipped}: holds its apple_health_export/export.xml compressed with method 12, which cannot be read`,
    );
    expect(error.hint).toContain('unzip');
    const locked = readFileSync(zip);
    locked.writeUInt16LE(locked.readUInt16LE(flagsAt) | 1, flagsAt);
    const encrypted = join(dir, 'encrypted.zip');
    writeFileSync(encrypted, locked);
    expect((await fetchError(encrypted)).message).toBe(
      `[life-stats] [plugin:apple-health] ${encrypted}: holds its apple_health_export/export.xml encrypted, which cannot be read`,
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

/**
 * An entry of a zip's central directory (PKWARE APPNOTE.TXT 4.3.12: signature 0x02014b50, flags at
 * +8, method at +10, compressed size at +20, uncompressed size at +24, name length at +28, extra
 * and comment lengths at +30 and +32, the local header's offset at +42, the name at +46) and where
 * its data starts (the local header, 4.3.7: 30 bytes, then its own name and extra field).
 */
function centralEntry(zip: Buffer, name: string) {
  for (let at = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])); at >= 0; at--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) continue;
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) !== name) continue;
    const local = zip.readUInt32LE(at + 42);
    return {
      method: zip.readUInt16LE(at + 10),
      methodAt: at + 10,
      flagsAt: at + 8,
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      sizeAt: at + 24,
      dataStart: local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28),
    };
  }
  throw new Error(`no central directory entry ${name}`);
}
