// Cleans contract schemas into Fastify route schemas and prints operations.ts.
import { type Contract, deref, type Op, type Parameter, refName, type Schema } from './contract.ts';
import { type Code, Ident, print } from './print.ts';

/** Request schemas feed Ajv; response schemas feed fast-json-stringify. */
type Mode = 'request' | 'response';

/** Copied verbatim. Anything neither here, nor handled below, nor dropped makes the generator fail. */
const KEEP = new Set([
  'type',
  'enum',
  'const',
  'default',
  'required',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);
/** Annotations Ajv (strict mode) or fast-json-stringify have no use for. `x-*` keys go too. */
const DROP = new Set([
  'description',
  'example',
  'examples',
  'title',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
]);
/** Formats ajv-formats knows and we want enforced; int32/int64/float/double would make Ajv throw. */
const FORMATS = new Set(['date-time', 'uri', 'email', 'uuid']);

/**
 * Patterns that do not compile with the `u` flag Ajv uses, mapped to a minimal fix.
 * Empty: every pattern in the contract compiles as-is (checkPattern re-verifies on each run).
 */
const PATTERN_FIXES: Record<string, string> = {};

function checkPattern(p: string, where: string): string {
  const fixed = PATTERN_FIXES[p] ?? p;
  try {
    new RegExp(fixed, 'u');
  } catch (err) {
    throw new Error(
      `${where}: pattern ${p} does not compile with the u flag (add it to PATTERN_FIXES): ${err}`,
    );
  }
  return fixed;
}

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const SAFE = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/**
 * An integer the contract leaves unbounded gets its format's range (int32), or the range a
 * JavaScript number holds exactly (int64 and unformatted): `?limit=1e20` is a 400 at
 * validation, not a database error. Bounds the contract states are kept.
 */
function boundInteger(out: { [key: string]: Code }, format: unknown): void {
  const range = format === 'int32' ? INT32 : SAFE;
  if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = range.minimum;
  if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = range.maximum;
}

/**
 * Turns contract schemas into route schemas. Each referenced component becomes one top-level
 * const, shared by identity between operations (Ajv also caches compiled validators by schema
 * object, so a body used by two routes compiles once). A component whose tree holds a date-time
 * gets two consts, `_Req` and `_Res`, because responses drop that format (fast-json-stringify
 * would re-format Date values; erratum 4 wants our own 20-character form).
 */
class RouteSchemaBuilder {
  readonly consts: string[] = [];
  private readonly emitted = new Set<string>();
  private readonly modeSensitive = new Map<string, boolean>();

  constructor(private readonly schemas: Record<string, Schema>) {}

  ref(name: string, mode: Mode): Ident {
    const constName = this.isModeSensitive(name)
      ? `S_${name}_${mode === 'request' ? 'Req' : 'Res'}`
      : `S_${name}`;
    if (!this.emitted.has(constName)) {
      const code = this.clean(this.schemas[name], mode, name); // emits dependencies first
      this.emitted.add(constName);
      const declaration = `const ${constName}: JsonSchema = `;
      this.consts.push(`${declaration}${print(code, '', declaration.length)};`);
    }
    return new Ident(constName);
  }

  clean(schema: Schema, mode: Mode, where: string): Code {
    if (typeof schema.$ref === 'string') {
      if (Object.keys(schema).length > 1) throw new Error(`${where}: $ref with siblings is unsupported`);
      return this.ref(refName(schema.$ref, 'schemas'), mode);
    }
    const out: { [key: string]: Code } = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k.startsWith('x-') || DROP.has(k) || k === 'nullable') continue;
      const at = `${where}.${k}`;
      if (k === 'properties') {
        const props = v as Record<string, Schema>;
        out.properties = Object.fromEntries(
          Object.entries(props).map(([name, s]) => [name, this.clean(s, mode, `${where}.${name}`)]),
        );
      } else if (k === 'items') {
        out.items = this.clean(v as Schema, mode, at);
      } else if (k === 'additionalProperties') {
        // `false` is left out on purpose: unknown fields are tolerated, as MetaStudio does
        // (and Fastify's removeAdditional would otherwise silently strip them).
        if (v !== false) out[k] = v === true ? true : this.clean(v as Schema, mode, at);
      } else if (k === 'oneOf' || k === 'anyOf' || k === 'allOf') {
        out[k] = (v as Schema[]).map((s, i) => this.clean(s, mode, `${at}[${i}]`));
      } else if (k === 'format') {
        if (FORMATS.has(v as string) && !(v === 'date-time' && mode === 'response')) out.format = v as string;
      } else if (k === 'pattern') {
        out.pattern = checkPattern(v as string, where);
      } else if (KEEP.has(k)) {
        out[k] = v as Code;
      } else {
        throw new Error(`${at}: unsupported schema keyword`);
      }
    }
    if (mode === 'request' && schema.type === 'integer') boundInteger(out, schema.format);
    if (schema.nullable === true) {
      // OpenAPI 3.0 style; draft-07 spells it as a type union.
      const types = Array.isArray(out.type) ? out.type : [out.type ?? 'object'];
      out.type = [...types, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    }
    return out;
  }

  /** Whether cleaning differs between modes, i.e. the tree holds a date-time format. */
  private isModeSensitive(name: string): boolean {
    let known = this.modeSensitive.get(name);
    if (known === undefined) {
      const walk = (s: unknown): boolean => {
        if (Array.isArray(s)) return s.some(walk);
        if (!s || typeof s !== 'object') return false;
        const o = s as Schema;
        if (typeof o.$ref === 'string') return this.isModeSensitive(refName(o.$ref, 'schemas'));
        if (o.format === 'date-time') return true;
        return [
          o.properties && Object.values(o.properties),
          o.items,
          o.additionalProperties,
          o.oneOf,
          o.anyOf,
          o.allOf,
        ].some(walk);
      };
      known = walk(this.schemas[name]);
      this.modeSensitive.set(name, known);
    }
    return known;
  }
}

/** `{ type: 'object', properties, required }` for a parameter list (params, querystring, headers). */
function paramsObject(params: Parameter[], b: RouteSchemaBuilder, where: string, allRequired = false): Code {
  const properties: { [key: string]: Code } = {};
  for (const p of params) properties[p.name] = b.clean(p.schema, 'request', `${where}.${p.name}`);
  const required = params.filter((p) => allRequired || p.required).map((p) => p.name);
  return required.length ? { type: 'object', properties, required } : { type: 'object', properties };
}

function routeSchema(op: Op, b: RouteSchemaBuilder): Code {
  for (const p of op.pathParams) {
    if (p.schema.type !== 'string') throw new Error(`${op.id}: path param ${p.name} is not a string`);
  }
  const schema: { [key: string]: Code } = { params: paramsObject(op.pathParams, b, `${op.id}.params`, true) };
  // No additionalProperties:false anywhere: unknown query params and headers are tolerated.
  if (op.queryParams.length) schema.querystring = paramsObject(op.queryParams, b, `${op.id}.query`);
  if (op.headerParams.length) schema.headers = paramsObject(op.headerParams, b, `${op.id}.headers`);
  if (op.bodySchema) schema.body = b.clean(op.bodySchema, 'request', `${op.id}.body`);
  const response: { [key: string]: Code } = {};
  if (op.responseSchema)
    response[op.successStatus] = b.clean(op.responseSchema, 'response', `${op.id}.response`);
  schema.response = response;
  return schema;
}

export function operationsFile(ops: Op[], doc: Contract): string {
  const b = new RouteSchemaBuilder(doc.components.schemas);
  const entries = ops.map((op) => {
    const isArray = (p: Parameter) => deref(p.schema, doc).type === 'array';
    const def: { [key: string]: Code } = {
      operationId: op.id,
      method: op.method,
      path: op.path,
      url: op.url,
      tag: op.tag,
      summary: op.summary,
      successStatus: op.successStatus,
      throttle: op.throttle,
      responseContentType: op.responseContentType,
      hasBody: op.responseContentType === 'application/octet-stream' || op.responseSchema !== undefined,
      bodyRequired: op.bodyRequired,
      arrayQueryParams: op.queryParams.filter(isArray).map((p) => p.name),
      scalarQueryParams: op.queryParams.filter((p) => !isArray(p)).map((p) => p.name),
      schema: routeSchema(op, b),
    };
    return `  ${print(def, '  ')},`;
  });
  return `import type { OperationId } from './types.ts';

/** A JSON Schema object as Fastify's Ajv and fast-json-stringify take it (all $refs inlined). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** Requests per second per tenant, by region (x-throttle). */
export interface Throttle {
  readonly 'cn-north-4': number;
  readonly 'cn-east-3': number;
  readonly 'ap-southeast-1': number;
}

/** A Fastify route schema. Fastify marks these objects as visited, so they are not frozen. */
export interface RouteSchema {
  readonly params: JsonSchema;
  readonly querystring?: JsonSchema;
  /** Operation-specific headers only, names lowercased; Authorization belongs to the auth layer. */
  readonly headers?: JsonSchema;
  readonly body?: JsonSchema;
  /** The success status only; empty when the response has no JSON body. */
  readonly response: { readonly [status: number]: JsonSchema };
}

export interface OperationDef {
  readonly operationId: OperationId;
  readonly method: HttpMethod;
  /** OpenAPI template, e.g. /v1/{project_id}/digital-assets/{asset_id} */
  readonly path: string;
  /** Fastify form of path, e.g. /v1/:project_id/digital-assets/:asset_id */
  readonly url: string;
  readonly tag: string;
  readonly summary: string;
  readonly successStatus: number;
  readonly throttle: Throttle | null;
  readonly responseContentType: 'application/json' | 'application/octet-stream';
  /** Whether the success response has a body. */
  readonly hasBody: boolean;
  /** Whether a request body must be present (only meaningful when schema.body is set). */
  readonly bodyRequired: boolean;
  /** Query params of type array: comma-separated values are split into items. */
  readonly arrayQueryParams: readonly string[];
  /** The other query params: repeated keys are joined. */
  readonly scalarQueryParams: readonly string[];
  readonly schema: RouteSchema;
}

// Shared component schemas, dependencies first.
${b.consts.join('\n')}

export const operations: readonly OperationDef[] = [
${entries.join('\n')}
];
`;
}
