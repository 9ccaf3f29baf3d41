import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
// node:stream and node:string_decoder are taken when an export is opened, not with the plugin, which
// `validate` and a run's planning import too (docs/performance.md).
import type { Readable } from 'node:stream';
import type { Entry, ZipFile } from 'yauzl';

/** The export's XML as a text stream, and how to let go of the file. */
export interface OpenedExport {
  text: Readable;
  /** `xml`, or `zip` with the entry read. */
  format: 'xml' | 'zip';
  entry?: string;
  close(): void;
}

/** A problem with the file itself (not a zip, no export.xml in it…), for the user. */
export class FileProblem extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'FileProblem';
  }
}

const READ_CHUNK = 1024 * 1024;

/** The export.xml inside a Health app zip, whatever its folder: `apple_health_export/export.xml` usually. */
function isExportXml(name: string): boolean {
  return /(^|\/)export\.xml$/i.test(name);
}

/** Is this a zip (local file header or an empty archive's end record)? Sniffed, not guessed from the name. */
async function sniff(path: string): Promise<'zip' | 'xml'> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 0) throw new FileProblem('is empty (0 bytes): not an Apple Health export');
    return head.readUInt16LE(0) === 0x4b50 && bytesRead === 4 && (head[2] === 3 || head[2] === 5) ? 'zip' : 'xml';
  } finally {
    await handle.close();
  }
}

/**
 * Open an export: a bare `export.xml`, or an `export.zip` from which only the export.xml entry is
 * inflated, as a stream. yauzl reads the zip's central directory (at its end) with random access,
 * so the rest of the archive (routes, ECGs) is never read, and it supports the Zip64 format of
 * exports over 4 GB.
 */
export async function openExport(path: string): Promise<OpenedExport> {
  if ((await sniff(path)) === 'xml') {
    const text = createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK });
    return { text, format: 'xml', close: () => text.destroy() };
  }
  // Loaded only for zips: a run on a bare export.xml never loads it.
  const yauzl = await import('yauzl');
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch (cause) {
    throw new FileProblem(
      `is not a readable zip (${(cause as Error).message}); the file may be cut short — a copy or download that did not finish`,
    );
  }
  try {
    const entry = await findEntry(zip);
    const stream = await zip.openReadStreamPromise(entry);
    return {
      text: process.getBuiltinModule('node:stream').Readable.from(coalesce(stream, READ_CHUNK)),
      format: 'zip',
      entry: entry.fileName,
      close: () => {
        stream.destroy();
        zip.close();
      },
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** The export.xml entry; a zip without one is not a Health export. */
function findEntry(zip: ZipFile): Promise<Entry> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    zip.on('entry', (entry: Entry) => {
      if (isExportXml(entry.fileName)) {
        zip.removeAllListeners('entry');
        zip.removeAllListeners('end');
        resolve(entry);
        return;
      }
      if (names.length < 5) names.push(entry.fileName);
      zip.readEntry();
    });
    zip.once('end', () => {
      const listed =
        names.length === 0
          ? 'it is empty'
          : `it holds ${names.map((n) => JSON.stringify(n)).join(', ')}${zip.entryCount > names.length ? '…' : ''}`;
      reject(new FileProblem(`is a zip without an export.xml (${listed}): not an Apple Health export`));
    });
    zip.once('error', (cause: Error) => reject(new FileProblem(`is not a readable zip (${cause.message})`)));
    zip.readEntry();
  });
}

/**
 * The inflater's 16 KiB pieces joined into ~1 MiB ones before UTF-8 decoding (a decoder keeps a
 * character split across two pieces whole): the parser's per-write cost is then paid 64 times less
 * often, which makes the zip as fast to parse as the bare file.
 */
async function* coalesce(stream: Readable, size: number): AsyncGenerator<string> {
  const { StringDecoder } = process.getBuiltinModule('node:string_decoder');
  const decoder = new StringDecoder('utf8');
  let pieces: Buffer[] = [];
  let length = 0;
  for await (const piece of stream) {
    pieces.push(piece as Buffer);
    length += (piece as Buffer).length;
    if (length >= size) {
      yield decoder.write(Buffer.concat(pieces, length));
      pieces = [];
      length = 0;
    }
  }
  const rest = decoder.write(Buffer.concat(pieces, length)) + decoder.end();
  if (rest !== '') yield rest;
}
