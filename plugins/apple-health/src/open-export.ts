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
/** A zip entry's compression method: stored as is (the other one yauzl reads, 8, is deflate). */
const STORED = 0;

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
    const { pieces, release } = await openEntry(zip, entry);
    return {
      text: process.getBuiltinModule('node:stream').Readable.from(coalesce(pieces, READ_CHUNK)),
      format: 'zip',
      entry: entry.fileName,
      close: () => {
        release();
        zip.close();
      },
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/**
 * The entry's bytes, inflated here rather than by yauzl when it is deflated (an export always is):
 * yauzl's inflater hands over 16 KiB at a time, a thread-pool round trip each, and while the parser
 * works through a piece the next is not being inflated, so the zip ran ~1.4× slower than the bare
 * file. An inflater with 1 MiB output buffers inflates the next MiB while the parser reads this one,
 * and the zip parses as fast as the bare export.xml (docs/performance.md, "Apple Health export").
 * What yauzl checks of an inflated entry is checked here too: the size its header declares.
 */
async function openEntry(zip: ZipFile, entry: Entry): Promise<{ pieces: AsyncIterable<Buffer>; release(): void }> {
  if (!entry.canDecodeFileData()) {
    throw new FileProblem(
      `holds its ${entry.fileName} ${entry.isEncrypted() ? 'encrypted' : `compressed with method ${entry.compressionMethod}`}, which cannot be read`,
      'Export the data again on the iPhone (Health → your picture → Export All Health Data) and point `file` at the new export.zip, or unzip this one with a tool that supports it and point `file` at its export.xml.',
    );
  }
  if (entry.compressionMethod === STORED) {
    const stream = await zip.openReadStreamPromise(entry);
    return { pieces: stream, release: () => stream.destroy() };
  }
  const raw = await zip.openReadStreamPromise(entry, { decodeFileData: false });
  const { createInflateRaw } = process.getBuiltinModule('node:zlib');
  const { pipeline } = process.getBuiltinModule('node:stream');
  const inflater = createInflateRaw({ chunkSize: READ_CHUNK });
  // A failure of either stream ends the other, and reaches the reader through `inflater`.
  pipeline(raw, inflater, () => {});
  return {
    pieces: checkSize(inflater, entry.uncompressedSize),
    release: () => {
      inflater.destroy();
      raw.destroy();
    },
  };
}

/** The inflated bytes, failing as soon as they outgrow the size the zip declares, or at the end when short of it. */
async function* checkSize(stream: Readable, declared: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const piece of stream) {
    seen += (piece as Buffer).length;
    if (seen > declared) throw new Error(`it inflates to more than the ${declared} bytes the zip declares`);
    yield piece as Buffer;
  }
  if (seen !== declared) throw new Error(`it inflates to ${seen} bytes, not the ${declared} the zip declares`);
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
 * The entry's pieces joined into ~1 MiB ones before UTF-8 decoding (a decoder keeps a character split
 * across two pieces whole): the parser's per-write cost is then paid once a MiB, whatever size the
 * pieces come in (a stored entry's are the file reads', an inflated one's up to 1 MiB already).
 */
async function* coalesce(stream: AsyncIterable<Buffer>, size: number): AsyncGenerator<string> {
  const { StringDecoder } = process.getBuiltinModule('node:string_decoder');
  const decoder = new StringDecoder('utf8');
  let pieces: Buffer[] = [];
  let length = 0;
  for await (const piece of stream) {
    pieces.push(piece);
    length += piece.length;
    if (length >= size) {
      yield decoder.write(pieces.length === 1 ? piece : Buffer.concat(pieces, length));
      pieces = [];
      length = 0;
    }
  }
  const rest = decoder.write(Buffer.concat(pieces, length)) + decoder.end();
  if (rest !== '') yield rest;
}
