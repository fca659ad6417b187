/**
 * Reads the parameter and result types of a WebAssembly module's exported functions from its
 * binary (the type, import, function and export sections of the wasm binary format, spec §5.5).
 * JavaScript sees only an exported function's arity; the kernel loader (./dense/kernelModule.ts)
 * uses this to check every export against the table the TypeScript calls are typed from.
 */

export type WasmValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface WasmFunctionType {
  params: WasmValueType[];
  results: WasmValueType[];
}

const VALUE_TYPES: Record<number, WasmValueType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

/** A cursor over the module's bytes; every read throws on a truncated or malformed module. */
class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at = 0,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('wasm module: unexpected end of the binary');
    return this.bytes[this.at++];
  }

  /** Unsigned LEB128 (sizes, counts and indices; at most 32 bits). */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
    }
    throw new Error('wasm module: a LEB128 number is too long');
  }

  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }

  valueType(): WasmValueType {
    const code = this.byte();
    const t = VALUE_TYPES[code];
    if (!t) throw new Error(`wasm module: unknown value type 0x${code.toString(16)}`);
    return t;
  }

  /** Limits of a memory or table: a flags byte, the minimum and (flag bit 0) a maximum. */
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** Reads one import: the type index of an imported function, null for anything else. */
function readImport(r: Reader): number | null {
  r.name();
  r.name();
  const kind = r.byte();
  if (kind === 0x00) return r.u32();
  if (kind === 0x01) {
    r.valueType(); // reference type
    r.limits();
  } else if (kind === 0x02) {
    r.limits();
  } else if (kind === 0x03) {
    r.valueType();
    r.byte(); // mutability
  } else {
    throw new Error(`wasm module: unknown import kind ${kind}`);
  }
  return null;
}

/**
 * The signature of every exported function, by export name. Throws on a binary that is not a
 * wasm module or is cut short.
 */
export function exportedFunctionTypes(bytes: Uint8Array): Map<string, WasmFunctionType> {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error('wasm module: not a WebAssembly binary');
  r.at = 8;
  const types: WasmFunctionType[] = [];
  const functionTypes: number[] = []; // type index of every function, imported ones first
  const exported = new Map<string, number>();
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error('wasm module: malformed function type');
        const params = Array.from({ length: r.u32() }, () => r.valueType());
        const results = Array.from({ length: r.u32() }, () => r.valueType());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const type = readImport(r);
        if (type !== null) functionTypes.push(type);
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) functionTypes.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        if (kind === 0x00) exported.set(name, index);
      }
    }
    r.at = end;
  }
  const out = new Map<string, WasmFunctionType>();
  for (const [name, index] of exported) {
    const type = types[functionTypes[index]];
    if (!type) throw new Error(`wasm module: export ${name} names function ${index}, which has no type`);
    out.set(name, type);
  }
  return out;
}

/** The payload of the module's first custom section named `name`, or null (read without compiling the module). */
export function customSection(bytes: Uint8Array, name: string): Uint8Array | null {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error('wasm module: not a WebAssembly binary');
  const r = new Reader(bytes, 8);
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 0 && r.name() === name) return bytes.subarray(r.at, end);
    r.at = end;
  }
  return null;
}
