/**
 * Column values in a resizable ArrayBuffer (ES2024; Node ≥ 20): the reader grows a column in place instead of copying
 * it into a larger array (a copy holds the old and the new array at once: 2.25× the column at the last growth), and
 * the dataset builder gives a column's memory back to the system as soon as its rows are in X (shrinking a
 * resizable buffer releases the pages at once; a dropped array waits for the garbage collector). Pages never written
 * are never resident, so reserving room for the largest possible file costs address space only.
 */

/** The ES2024 resizable ArrayBuffer, which the ES2022 library types do not describe. */
interface ResizableArrayBuffer extends ArrayBuffer {
  readonly resizable: boolean;
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

type ResizableConstructor = new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

function resizableOf(values: Float64Array): ResizableArrayBuffer | undefined {
  const buffer = values.buffer as ResizableArrayBuffer;
  return buffer.resizable === true ? buffer : undefined;
}

/**
 * `capacity` values that can grow in place up to `maxCapacity`; a plain array when that cannot be reserved (no
 * resizable buffers, or not that much address space) or is not larger.
 */
export function growableValues(capacity: number, maxCapacity: number): Float64Array {
  if (maxCapacity > capacity) {
    try {
      const buffer = new (ArrayBuffer as unknown as ResizableConstructor)(capacity * 8, { maxByteLength: maxCapacity * 8 });
      return new Float64Array(buffer, 0, capacity);
    } catch {
      // fall back to a plain array (copied when it grows)
    }
  }
  return new Float64Array(capacity);
}

/**
 * `values` with room for `capacity` values (the first `keep` kept): in place when its buffer can grow that far,
 * else in a new array. A view of a shrunk buffer is not valid any more: use the returned one.
 */
export function resizeValues(values: Float64Array, capacity: number, keep = Math.min(values.length, capacity)): Float64Array {
  const buffer = resizableOf(values);
  if (buffer && values.byteOffset === 0 && capacity * 8 <= buffer.maxByteLength) {
    buffer.resize(capacity * 8);
    return new Float64Array(buffer, 0, capacity);
  }
  const resized = new Float64Array(capacity);
  resized.set(keep === values.length ? values : values.subarray(0, keep));
  return resized;
}

/** Whether {@link shrinkValues} gives `values`'s memory back at once. */
export function canShrinkInPlace(values: Float64Array): boolean {
  return resizableOf(values) !== undefined && values.byteOffset === 0;
}

/**
 * Keeps the first `length` values and gives the rest of the memory back at once (a resizable buffer), returning the
 * new view; for a plain array, a view of its first `length` values (freed when the array is collected).
 */
export function shrinkValues(values: Float64Array, length: number): Float64Array {
  const buffer = resizableOf(values);
  if (!buffer || values.byteOffset !== 0) return values.subarray(0, length);
  buffer.resize(length * 8);
  return new Float64Array(buffer, 0, length);
}
