/**
 * Apple Health exports for tests and benchmarks, in the shape the Health app writes them
 * (Health → profile → Export All Health Data → `export.zip` holding `apple_health_export/export.xml`).
 *
 * What the shape is based on (public material, read for the format only, nothing copied):
 * - the export's own internal DTD, which opens every `export.xml` ("HealthKit Export Version" 3 to
 *   14); its text for versions 7, 11 and 13 is quoted verbatim in several public parsers and test
 *   fixtures found with code search (comments of a TypeScript `sax`-based HealthKit reader, a Rails
 *   export task, Python test fixtures), and matches the attribute lists read by e.g.
 *   github.com/martinkelly23/apple-health-extractor (`extractor/constants/metadata.py`) and the
 *   type list in github.com/chrislemke/ios-health-explorer (README);
 * - the DTD's note "Any Records that appear as children of a correlation also appear as
 *   top-level records in this document";
 * - timestamps `YYYY-MM-DD HH:MM:SS ±HHMM` in the recording place's offset, which changes inside
 *   one file (DST, travel); `device` as an escaped `<<HKDevice: 0x…>, name:…, …>` description;
 *   source names with typographic apostrophes ("Alex’s Apple Watch") and entities (`&amp;`);
 *   body fat as a fraction with `unit="%"` (`value="0.215"`), weight in `lb` or `kg`, sleep as
 *   `HKCategoryValueSleepAnalysis…` values with no unit (all as seen in public sample records).
 *
 * Small exports are built as strings ({@link exportXml}); big ones are streamed to disk
 * ({@link writeExport}) and never held in memory. Realistic multi-year data: `./apple-health-days`.
 *
 * Over 300 lines because it carries the export's internal DTD verbatim (90 of them): tests and the
 * benchmark parse what the Health app writes, DTD included.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** One `<Record>`. Dates are export timestamps (see {@link appleDate}). */
export interface HealthRecord {
  /** A HealthKit identifier, e.g. `HKQuantityTypeIdentifierStepCount`. */
  type: string;
  sourceName: string;
  sourceVersion?: string;
  /** The plain text of the device description (escaped when written). */
  device?: string;
  unit?: string;
  value?: string | number;
  startDate: string;
  /** @default startDate */
  endDate?: string;
  /** @default endDate */
  creationDate?: string;
  metadata?: Record<string, string>;
}

/** A top-level element of `<HealthData>`. */
export type ExportElement =
  | ({ kind: 'record' } & HealthRecord)
  | {
      kind: 'correlation';
      type: string;
      sourceName: string;
      startDate: string;
      endDate?: string;
      /** Its child records; an export repeats each of them at the top level too. */
      records: HealthRecord[];
    }
  | {
      kind: 'workout';
      workoutActivityType: string;
      sourceName: string;
      startDate: string;
      endDate: string;
      durationMinutes: number;
      /** `WorkoutStatistics` children: type → [sum, unit]. */
      statistics?: Record<string, [number, string]>;
    }
  | { kind: 'activity-summary'; date: string; activeEnergyBurned: number; exerciseMinutes: number; standHours: number };

/** Options of the document around the elements. */
export interface ExportOptions {
  /** @default 'en_US' */
  locale?: string;
  /** @default '2026-11-25 08:00:00 +0100' */
  exportDate?: string;
}

/** An export timestamp from a local wall time and its UTC offset: `appleDate('2026-03-29 01:30:00', '+0100')`. */
export function appleDate(wallTime: string, offset: string): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(wallTime) || !/^[+-]\d{4}$/.test(offset)) {
    throw new Error(`appleDate: expected "YYYY-MM-DD HH:MM:SS" and "+HHMM", got ${wallTime} / ${offset}`);
  }
  return `${wallTime} ${offset}`;
}

/** XML attribute text. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** The device description the export writes for an Apple device. */
export function hkDevice(name: string, model: string, hardware: string, software: string): string {
  return `<<HKDevice: 0x28308c0f0>, name:${name}, manufacturer:Apple Inc., model:${model}, hardware:${hardware}, software:${software}>`;
}

/** The export's internal DTD (HealthKit Export Version 13), as the Health app writes it. */
export const EXPORT_DTD = `<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                     CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse   CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  activeEnergyBurnedGoal   CDATA #IMPLIED
  activeEnergyBurnedUnit   CDATA #IMPLIED
  appleMoveTime            CDATA #IMPLIED
  appleMoveTimeGoal        CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
  appleExerciseTimeGoal    CDATA #IMPLIED
  appleStandHours          CDATA #IMPLIED
  appleStandHoursGoal      CDATA #IMPLIED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!-- Note: Heart Rate Variability records captured by Apple Watch may include an associated list of instantaneous beats-per-minute readings. -->
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>`;

/** The document's opening: declaration, DTD, `<HealthData>`, `ExportDate` and `Me`. */
export function exportHead(options: ExportOptions = {}): string {
  const exportDate = options.exportDate ?? '2026-11-25 08:00:00 +0100';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n${EXPORT_DTD}\n<HealthData locale="${escapeXml(options.locale ?? 'en_US')}">\n` +
    ` <ExportDate value="${exportDate}"/>\n` +
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1988-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"' +
    ' HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"' +
    ' HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
  );
}

/** The document's end. */
export const EXPORT_TAIL = '</HealthData>\n';

function recordXml(r: HealthRecord, indent: string): string {
  const end = r.endDate ?? r.startDate;
  let attrs = `type="${r.type}" sourceName="${escapeXml(r.sourceName)}"`;
  if (r.sourceVersion !== undefined) attrs += ` sourceVersion="${escapeXml(r.sourceVersion)}"`;
  if (r.device !== undefined) attrs += ` device="${escapeXml(r.device)}"`;
  if (r.unit !== undefined) attrs += ` unit="${escapeXml(r.unit)}"`;
  attrs += ` creationDate="${r.creationDate ?? end}" startDate="${r.startDate}" endDate="${end}"`;
  if (r.value !== undefined) attrs += ` value="${escapeXml(String(r.value))}"`;
  const meta = Object.entries(r.metadata ?? {});
  if (meta.length === 0) return `${indent}<Record ${attrs}/>\n`;
  const children = meta.map(([k, v]) => `${indent}  <MetadataEntry key="${escapeXml(k)}" value="${escapeXml(v)}"/>\n`);
  return `${indent}<Record ${attrs}>\n${children.join('')}${indent}</Record>\n`;
}

/** One top-level element as XML text. */
export function elementXml(element: ExportElement): string {
  switch (element.kind) {
    case 'record':
      return recordXml(element, ' ');
    case 'correlation': {
      const end = element.endDate ?? element.startDate;
      const head = ` <Correlation type="${element.type}" sourceName="${escapeXml(element.sourceName)}" creationDate="${end}" startDate="${element.startDate}" endDate="${end}">\n`;
      return `${head}${element.records.map((r) => recordXml(r, '  ')).join('')} </Correlation>\n`;
    }
    case 'workout': {
      const stats = Object.entries(element.statistics ?? {}).map(
        ([type, [sum, unit]]) =>
          `  <WorkoutStatistics type="${type}" startDate="${element.startDate}" endDate="${element.endDate}" sum="${sum}" unit="${unit}"/>\n`,
      );
      return (
        ` <Workout workoutActivityType="${element.workoutActivityType}" duration="${element.durationMinutes}" durationUnit="min" sourceName="${escapeXml(element.sourceName)}" creationDate="${element.endDate}" startDate="${element.startDate}" endDate="${element.endDate}">\n` +
        `  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n${stats.join('')} </Workout>\n`
      );
    }
    case 'activity-summary':
      return ` <ActivitySummary dateComponents="${element.date}" activeEnergyBurned="${element.activeEnergyBurned}" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" appleExerciseTime="${element.exerciseMinutes}" appleExerciseTimeGoal="30" appleStandHours="${element.standHours}" appleStandHoursGoal="12"/>\n`;
  }
}

/** A whole small export as a string. */
export function exportXml(elements: Iterable<ExportElement>, options: ExportOptions = {}): string {
  let xml = exportHead(options);
  for (const element of elements) xml += elementXml(element);
  return xml + EXPORT_TAIL;
}

/** Options of {@link writeExport}. */
export interface WriteExportOptions extends ExportOptions {
  /** `xml`: a bare export.xml; `zip`: an export.zip holding it. @default 'xml' */
  format?: 'xml' | 'zip';
  /** The XML's path inside the zip. @default 'apple_health_export/export.xml' */
  entryName?: string;
  /** Other zip entries (name → content), like `apple_health_export/export_cda.xml`. */
  extraEntries?: Record<string, string>;
  /** Deflate the zip's export.xml (as the Health app does); `false` stores it as is. @default true */
  compress?: boolean;
  /** Text written instead of the usual head (e.g. a file that is not an export). */
  head?: string;
  /** Text written instead of {@link EXPORT_TAIL} (e.g. `''` for a cut file). */
  tail?: string;
}

/** Write `text` to `out`, waiting when it is full, so a 1 GB export streams in constant memory. */
async function write(out: Writable, text: string): Promise<number> {
  if (!out.write(text)) await once(out, 'drain');
  return Buffer.byteLength(text);
}

const FLUSH_AT = 256 * 1024;

/**
 * Stream an export to `path` (xml, or a zip with the xml at `entryName`); elements are pulled one
 * at a time from the (possibly generated) iterable. Resolves to the XML's size in bytes.
 */
export async function writeExport(
  path: string,
  elements: Iterable<ExportElement>,
  options: WriteExportOptions = {},
): Promise<number> {
  const xml = new PassThrough({ highWaterMark: 1024 * 1024 });
  let done: Promise<unknown>;
  if (options.format === 'zip') {
    const zip = new yazl.ZipFile();
    zip.addReadStream(xml, options.entryName ?? 'apple_health_export/export.xml', {
      compress: options.compress ?? true,
    });
    for (const [name, content] of Object.entries(options.extraEntries ?? {})) zip.addBuffer(Buffer.from(content), name);
    zip.end();
    done = pipeline(zip.outputStream, createWriteStream(path));
  } else {
    done = pipeline(xml, createWriteStream(path));
  }
  let bytes = 0;
  let pending = options.head ?? exportHead(options);
  for (const element of elements) {
    pending += elementXml(element);
    if (pending.length >= FLUSH_AT) {
      bytes += await write(xml, pending);
      pending = '';
    }
  }
  bytes += await write(xml, pending + (options.tail ?? EXPORT_TAIL));
  xml.end();
  await done;
  return bytes;
}
