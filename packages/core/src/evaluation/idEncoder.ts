// External ids (strings from CSV / MovieLens files) become dense integers once, at the boundary,
// so that everything downstream can index typed arrays.
export interface EncodedIds {
  /** Dense index per input row. */
  readonly codes: Int32Array;
  /** Original id per dense index, in order of first appearance. */
  readonly ids: string[];
}

export function encodeIds(values: ArrayLike<string>, known: Map<string, number> = new Map()): EncodedIds {
  const codes = new Int32Array(values.length);
  const ids: string[] = [];
  for (const [id, code] of known) ids[code] = id;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let code = known.get(v);
    if (code === undefined) {
      code = ids.length;
      known.set(v, code);
      ids.push(v);
    }
    codes[i] = code;
  }
  return { codes, ids };
}
