// Reads the slice of OpenAPI 3.1 the generator needs and normalises each operation into an Op.
export type Schema = { [keyword: string]: unknown };
type Ref = { $ref: string };
export type Throttle = { 'cn-north-4': number; 'cn-east-3': number; 'ap-southeast-1': number };
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: Schema;
}
type Content = Record<string, { schema?: Schema }>;
interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  parameters?: (Parameter | Ref)[];
  requestBody?: { required?: boolean; content: Content };
  responses: Record<string, { content?: Content } | Ref>;
  'x-throttle'?: Throttle;
}
export interface Contract {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
}

/** One operation, normalised: the shape both emitters work from. */
export interface Op {
  id: string;
  method: string;
  path: string;
  url: string;
  tag: string;
  summary: string;
  successStatus: number;
  throttle: Throttle | null;
  responseContentType: 'application/json' | 'application/octet-stream';
  responseSchema: Schema | undefined; // JSON response body, undefined when none
  bodySchema: Schema | undefined;
  bodyRequired: boolean;
  pathParams: Parameter[];
  queryParams: Parameter[];
  headerParams: Parameter[]; // names lowercased, Authorization removed
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const THROTTLE_REGIONS = ['cn-north-4', 'cn-east-3', 'ap-southeast-1'] as const;

export function refName(ref: string, kind: 'schemas' | 'parameters'): string {
  const prefix = `#/components/${kind}/`;
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

export function readOperations(doc: Contract): Op[] {
  const ops: Op[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const params = (raw.parameters ?? []).map((p) =>
        '$ref' in p ? doc.components.parameters[refName(p.$ref, 'parameters')] : p,
      );
      const pathParams = params.filter((p) => p.in === 'path');
      const placeholders = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      if (placeholders.join() !== pathParams.map((p) => p.name).join()) {
        // Also catches a template placeholder declared in a different order than the parameters.
        throw new Error(`${raw.operationId}: path params ${pathParams.map((p) => p.name)} vs ${template}`);
      }
      const successes = Object.keys(raw.responses).filter((s) => /^2\d\d$/.test(s));
      if (successes.length !== 1) throw new Error(`${raw.operationId}: expected one 2xx response`);
      const success = raw.responses[successes[0]];
      if ('$ref' in success) throw new Error(`${raw.operationId}: $ref success response unsupported`);
      const contentTypes = Object.keys(success.content ?? {});
      if (contentTypes.length > 1) throw new Error(`${raw.operationId}: several response content types`);
      const responseContentType = contentTypes[0] ?? 'application/json';
      if (responseContentType !== 'application/json' && responseContentType !== 'application/octet-stream') {
        throw new Error(`${raw.operationId}: unsupported response content type ${responseContentType}`);
      }
      const bodyContent = raw.requestBody?.content;
      if (bodyContent && Object.keys(bodyContent).join() !== 'application/json') {
        throw new Error(`${raw.operationId}: only JSON request bodies are supported`);
      }
      const throttle = raw['x-throttle'] ?? null;
      if (throttle && Object.keys(throttle).sort().join() !== [...THROTTLE_REGIONS].sort().join()) {
        throw new Error(`${raw.operationId}: unexpected x-throttle regions`);
      }
      ops.push({
        id: raw.operationId,
        method: method.toUpperCase(),
        path: template,
        url: template.replace(/\{(\w+)\}/g, ':$1'),
        tag: raw.tags[0],
        summary: raw.summary,
        successStatus: Number(successes[0]),
        throttle,
        responseContentType,
        responseSchema:
          responseContentType === 'application/json'
            ? success.content?.[responseContentType]?.schema
            : undefined,
        bodySchema: bodyContent?.['application/json'].schema,
        bodyRequired: raw.requestBody?.required === true,
        pathParams,
        queryParams: params.filter((p) => p.in === 'query'),
        // The auth layer owns Authorization (AK/SK signature); it is not an operation header.
        headerParams: params
          .filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'authorization')
          .map((p) => ({ ...p, name: p.name.toLowerCase() })),
      });
    }
  }
  return ops;
}

export function deref(schema: Schema, doc: Contract): Schema {
  return typeof schema.$ref === 'string'
    ? deref(doc.components.schemas[refName(schema.$ref, 'schemas')], doc)
    : schema;
}
