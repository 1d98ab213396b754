type TypedArray = Uint8Array | Uint32Array | BigUint64Array;
type TypedArrayCtor<T extends TypedArray> = { new (length: number): T };

/** Doubles a typed array's capacity, keeping its content. `width` elements per row. */
export function grow<T extends TypedArray>(array: T, ctor: TypedArrayCtor<T>, rows: number, width = 1): T {
  if (array.length >= rows * width) return array;
  let capacity = Math.max(16, array.length / width);
  while (capacity < rows) capacity *= 2;
  const next = new ctor(capacity * width);
  (next as Uint8Array).set(array as Uint8Array);
  return next;
}
