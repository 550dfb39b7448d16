// The TypeScript type of the values an Avro schema (written `as const`) decodes to with avsc's defaults. Used by the
// tests to prove hand-written interfaces and schemas agree field by field, at compile time.

interface Primitives {
  null: null;
  boolean: boolean;
  int: number;
  long: number;
  float: number;
  double: number;
  bytes: Buffer;
  string: string;
}

interface Field {
  readonly name: string;
  readonly type: unknown;
}

export type AvroValue<S> = S extends keyof Primitives
  ? Primitives[S]
  : S extends readonly (infer Branch)[]
    ? AvroValue<Branch>
    : S extends { readonly type: 'record'; readonly fields: readonly Field[] }
      ? { readonly [F in S['fields'][number] as F['name']]: AvroValue<F['type']> }
      : S extends { readonly type: 'enum'; readonly symbols: readonly (infer Symbol)[] }
        ? Symbol
        : S extends { readonly type: 'array'; readonly items: infer Item }
          ? readonly AvroValue<Item>[]
          : S extends { readonly type: 'map'; readonly values: infer Value }
            ? Readonly<Record<string, AvroValue<Value>>>
            : S extends { readonly type: 'fixed' }
              ? Buffer
              : // A primitive with attributes, e.g. { type: 'long', logicalType: 'timestamp-millis' }.
                S extends { readonly type: infer P extends keyof Primitives }
                ? Primitives[P]
                : never;
