import type { Schema, Type } from 'avsc';
import avro from 'avsc';

/**
 * An Avro schema: a schema object (as in an .avsc file; `as const` objects are fine), its JSON text, a primitive type
 * name, or an avsc `Type`.
 */
export type AvroSchema = string | Type | AvroSchemaObject | readonly AvroSchema[];
export interface AvroSchemaObject {
  readonly type: unknown;
  readonly [attribute: string]: unknown;
}

/** The avsc `Type` of a schema. Records decode to plain objects (no generated methods), as users wrote them. */
export function avroType(schema: AvroSchema): Type {
  const definition = typeof schema === 'string' ? parseSchemaText(schema) : schema;
  if (avro.Type.isType(definition)) return definition as Type;
  return avro.Type.forSchema(definition as Schema, { omitRecordMethods: true });
}

/** The schema's JSON text as the registry should store it: as written (docs, logical types, defaults). */
export function schemaText(schema: AvroSchema): string {
  if (typeof schema === 'string') return JSON.stringify(parseSchemaText(schema));
  if (avro.Type.isType(schema)) return JSON.stringify((schema as Type).schema({ exportAttrs: true }));
  return JSON.stringify(schema);
}

export function parseSchemaText(text: string): AvroSchema {
  const trimmed = text.trim();
  // A bare primitive name ("string") is a valid schema too.
  return /^[[{"]/.test(trimmed) ? (JSON.parse(trimmed) as AvroSchema) : trimmed;
}

/** The full name of a named type (`ns.Metric`), else the type name (`string`). */
export function avroTypeName(type: Type): string {
  const t = type as Type & { name?: string; typeName: string };
  return t.name ?? t.typeName;
}
