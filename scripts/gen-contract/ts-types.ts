// Prints types.ts: a TS type per component schema plus per-operation request/response types.
import { type Contract, type Op, type Parameter, refName, type Schema } from './contract.ts';
import { key, lit } from './print.ts';

function docComment(text: unknown, indent: string): string {
  if (typeof text !== 'string' || !text.trim()) return '';
  return `${indent}/** ${text.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/')} */\n`;
}

interface Field {
  name: string;
  type: string;
  optional: boolean;
  doc?: unknown;
}

function objectType(fields: Field[], indent: string): string {
  if (!fields.length) return 'Record<string, never>';
  const inner = `${indent}  `;
  const lines = fields.map(
    (f) => `${docComment(f.doc, inner)}${inner}${key(f.name)}${f.optional ? '?' : ''}: ${f.type};`,
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function tsType(schema: Schema, indent: string): string {
  if (typeof schema.$ref === 'string') return refName(schema.$ref, 'schemas');
  let t: string;
  if (Array.isArray(schema.enum)) {
    const members = schema.enum.map((v) => (typeof v === 'string' ? lit(v) : JSON.stringify(v)));
    t = members.join(' | ');
    // Long literal unions get one member per line.
    if (t.length > 80) t = members.map((m) => `\n${indent}  | ${m}`).join('');
  } else if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) {
    t = ((schema.oneOf ?? schema.anyOf) as Schema[]).map((s) => tsType(s, indent)).join(' | ');
  } else if (Array.isArray(schema.allOf)) {
    t = (schema.allOf as Schema[]).map((s) => tsType(s, indent)).join(' & ');
  } else {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    t = types.map((type) => typeOf(schema, type, indent)).join(' | ');
  }
  return schema.nullable === true ? `${t} | null` : t;
}

function typeOf(schema: Schema, type: unknown, indent: string): string {
  switch (type) {
    case 'string':
    case 'boolean':
    case 'number':
    case 'null':
      return type;
    case 'integer':
      return 'number';
    case 'array': {
      const item = tsType((schema.items ?? {}) as Schema, indent);
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object': {
      const props = schema.properties as Record<string, Schema> | undefined;
      if (props) {
        const required = new Set((schema.required ?? []) as string[]);
        const fields = Object.entries(props).map(([name, s]) => ({
          name,
          type: tsType(s, `${indent}  `),
          optional: !required.has(name),
          doc: s.description,
        }));
        return objectType(fields, indent);
      }
      const extra = schema.additionalProperties;
      return extra && typeof extra === 'object'
        ? `Record<string, ${tsType(extra as Schema, indent)}>`
        : 'Record<string, unknown>';
    }
    default:
      return 'unknown';
  }
}

function paramFields(params: Parameter[], allRequired = false): Field[] {
  // Ajv fills in defaults (useDefaults), so a param with a default is always present after validation.
  return params.map((p) => ({
    name: p.name,
    type: tsType(p.schema, '    '),
    optional: !(allRequired || p.required || p.schema.default !== undefined),
    doc: p.description,
  }));
}

export function typesFile(ops: Op[], doc: Contract): string {
  const parts: string[] = [];
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    const comment = docComment(schema.description, '');
    const isInterface = schema.type === 'object' && schema.properties && !schema.enum && !schema.nullable;
    parts.push(
      isInterface
        ? `${comment}export interface ${name} ${tsType(schema, '')}`
        : `${comment}export type ${name} = ${tsType(schema, '')};`,
    );
  }
  const opTypes = ops.map((op) => {
    const body = op.bodySchema
      ? tsType(op.bodySchema, '    ') + (op.bodyRequired ? '' : ' | undefined')
      : 'undefined';
    const response =
      op.responseContentType === 'application/octet-stream'
        ? 'Uint8Array'
        : op.responseSchema
          ? tsType(op.responseSchema, '    ')
          : 'undefined';
    return `  /** ${op.method} ${op.path} — ${op.summary} */
  ${op.id}: {
    params: ${objectType(paramFields(op.pathParams, true), '    ')};
    query: ${objectType(paramFields(op.queryParams), '    ')};
    headers: ${objectType(paramFields(op.headerParams), '    ')};
    body: ${body};
    response: ${response};
  };`;
  });
  return `// Component schemas, in contract order.

${parts.join('\n\n')}

/**
 * Per-operation request and response types, as handlers see them after validation: query
 * params with a default are always present, integers are numbers, header names are lowercase.
 * \`response\` is undefined when the success response has no body (Uint8Array for octet-stream).
 */
export interface OperationTypes {
${opTypes.join('\n')}
}

export type OperationId = keyof OperationTypes;
`.replace(/ +\n/g, '\n'); // `key: ` before a multi-line union leaves a trailing space
}
