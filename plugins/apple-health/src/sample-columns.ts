/**
 * The samples of one cumulative data type, column by column in typed arrays, because the overlap
 * rule needs every sample of a type at once: 22 bytes a sample (start 8, duration 4, value 8,
 * source 2), so the ~4 million cumulative samples of a 1 GB export take under 100 MB. Growing by
 * half keeps the copy during growth small.
 */
export class SampleColumns {
  length = 0;
  /** Start instant, epoch ms. */
  start: Float64Array;
  /** Duration in whole seconds (the export's timestamps have second precision). */
  duration: Uint32Array;
  /** Value in the stored unit; negative: covers time but counts nothing (an "awake" sleep sample). */
  value: Float64Array;
  /** Index into the aggregator's source names. */
  source: Uint16Array;

  constructor(capacity = 1024) {
    this.start = new Float64Array(capacity);
    this.duration = new Uint32Array(capacity);
    this.value = new Float64Array(capacity);
    this.source = new Uint16Array(capacity);
  }

  push(startMs: number, durationSeconds: number, value: number, source: number): void {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    this.start[i] = startMs;
    this.duration[i] = durationSeconds;
    this.value[i] = value;
    this.source[i] = source;
  }

  private grow(): void {
    const capacity = Math.ceil(this.start.length * 1.5) + 1024;
    const copy = <T extends Float64Array | Uint32Array | Uint16Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.start = copy(this.start, new Float64Array(capacity));
    this.duration = copy(this.duration, new Uint32Array(capacity));
    this.value = copy(this.value, new Float64Array(capacity));
    this.source = copy(this.source, new Uint16Array(capacity));
  }
}
