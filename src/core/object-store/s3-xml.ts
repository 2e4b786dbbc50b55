// The little XML the S3 API needs, read with regular expressions: S3's responses are flat,
// machine-written and namespaced the same way everywhere, so a parser would buy nothing.

const xmlUnescape = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&amp;/g, '&');

export const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Text of every `<tag>…</tag>` in order, unescaped. */
export function xmlAll(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(re)].map((m) => xmlUnescape(m[1]!));
}

export const xmlOne = (xml: string, tag: string): string | undefined => xmlAll(xml, tag)[0];

/** `<Error><Code>…</Code><Message>…</Message></Error>` (S3 and OBS alike), or undefined. */
export function xmlError(xml: string): { code: string; message: string } | undefined {
  const e = xmlOne(xml, 'Error');
  if (e === undefined) return undefined;
  return { code: xmlOne(e, 'Code') ?? '', message: xmlOne(e, 'Message') ?? '' };
}

export interface ListedPart {
  partNumber: number;
  etag: string;
}

export const parseParts = (xml: string): ListedPart[] =>
  xmlAll(xml, 'Part').map((p) => ({
    partNumber: Number(xmlOne(p, 'PartNumber')),
    etag: xmlOne(p, 'ETag') ?? '',
  }));

export const completeMultipartXml = (parts: ListedPart[]): string =>
  `<CompleteMultipartUpload>${parts
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${xmlEscape(p.etag)}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;

export const deleteObjectsXml = (keys: string[]): string =>
  `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join('')}</Delete>`;
