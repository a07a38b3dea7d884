/**
 * The subset of JSON Schema that zod's `toJSONSchema` writes for stackbook's profiles and driver arguments, and
 * how a form reads each node. Plain module: the schema form and the profile document share it.
 */

/** A JSON Schema node (draft 2020-12), only the keywords a form needs. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
}

/** How a form shows a schema node. */
export type FieldKind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'secret'
  | 'object'
  | 'record'
  | 'list'
  | 'tuple'
  | 'array'
  | 'any';

const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/** True for `{ secret: NAME }`: an object whose only property is a required `secret`. */
export function isSecretSchema(schema: JsonSchema): boolean {
  const keys = Object.keys(schema.properties ?? {});
  return keys.length === 1 && keys[0] === 'secret' && (schema.required ?? []).includes('secret');
}

function isScalarSchema(schema: JsonSchema | false | undefined): boolean {
  return !!schema && (SCALARS.has(typeOf(schema) ?? '') || !!schema.enum);
}

/**
 * The kind of field for a schema node. A union picks the variant an operator means: a number when one is
 * allowed (zod writes integers as `number | numeric string`), a list when "one or a list" is allowed.
 */
export function fieldKind(schema: JsonSchema): FieldKind {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    if (variants.some((v) => ['number', 'integer'].includes(typeOf(v) ?? ''))) return 'number';
    const list = variants.find((v) => typeOf(v) === 'array');
    if (list) return fieldKind(list);
    return variants[0] ? fieldKind(variants[0]) : 'any';
  }
  if (schema.enum) return 'enum';
  switch (typeOf(schema)) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (isSecretSchema(schema)) return 'secret';
      return schema.properties ? 'object' : 'record';
    case 'array':
      if (schema.prefixItems) return 'tuple';
      return isScalarSchema(schema.items) ? 'list' : 'array';
    default:
      return 'any';
  }
}

/** The variant of a union that holds the structure (the list of "one or a list"), or the node itself. */
export function structural(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  return variants?.find((v) => ['array', 'object'].includes(typeOf(v) ?? '')) ?? schema;
}

/** The schema of `schema[key]`, or undefined when the schema does not describe that child. */
export function childSchema(schema: JsonSchema, key: string | number): JsonSchema | undefined {
  const node = structural(schema);
  if (typeof key === 'number') {
    if (node.prefixItems) return node.prefixItems[key];
    return node.items || undefined;
  }
  const property = node.properties?.[key];
  if (property) return property;
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

/** The schema of the value at `path`, or undefined where the schema does not describe it. */
export function schemaAt(schema: JsonSchema, path: readonly (string | number)[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const key of path) node = node && childSchema(node, key);
  return node;
}

/** The declared property order of the object at `path` (where a new key belongs among its siblings). */
export function propertyOrder(schema: JsonSchema, path: readonly (string | number)[]): string[] {
  return Object.keys(structural(schemaAt(schema, path) ?? {}).properties ?? {});
}

/** A value for a new item: required properties filled with their defaults or empty strings. */
export function emptyValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  switch (fieldKind(schema)) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, emptyValue(schema.properties?.[key] ?? {})]),
      );
    case 'secret':
      return { secret: '' };
    case 'list':
    case 'array':
      return [];
    case 'tuple':
      return (schema.prefixItems ?? []).map(() => '');
    case 'record':
      return {};
    case 'boolean':
      return false;
    case 'enum':
      return schema.enum?.[0] ?? '';
    default:
      return '';
  }
}

/** A label from a property name: `pm_addr` → `pm addr`, unless the schema has a title. */
export function labelOf(key: string | number, schema?: JsonSchema): string {
  return schema?.title ?? String(key).replace(/_/g, ' ');
}
