import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { SeededRandom } from '../../src/offline/random';
import { valueForSchema, type ValueContext } from '../../src/offline/schema-value';

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
  email: /^[^@\s]+@[^@\s]+\.[a-z]+$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
};
// The agents module validates with Ajv's default (draft-07); formats are checked here with plain patterns.
const ajv = new Ajv({ allErrors: true, strict: false });
for (const [name, re] of Object.entries(FORMATS)) ajv.addFormat(name, re);
const ctx = (seed: string): ValueContext => ({ rnd: new SeededRandom(seed), topic: 'audit the parser', files: ['src/parser.ts'] });

const SCHEMAS: Record<string, Record<string, unknown>> = {
  findings: {
    type: 'object',
    properties: {
      findings: {
        type: 'array',
        minItems: 2,
        maxItems: 4,
        items: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            line: { type: 'integer', minimum: 1, maximum: 500 },
            severity: { enum: ['low', 'medium', 'high'] },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
            issue: { type: 'string', minLength: 10, maxLength: 80 },
          },
          required: ['file', 'line', 'severity', 'issue'],
          additionalProperties: false,
        },
      },
    },
    required: ['findings'],
    additionalProperties: false,
  },
  scalars: {
    type: 'object',
    properties: {
      flag: { type: 'boolean' },
      nothing: { type: 'null' },
      fixed: { const: 'v1' },
      maybe: { type: ['string', 'null'] },
      even: { type: 'integer', multipleOf: 2, minimum: 3, maximum: 9 },
      open: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      negative: { type: 'number', maximum: -5 },
      when: { type: 'string', format: 'date-time' },
      email: { type: 'string', format: 'email' },
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', pattern: '^[a-z]+$' },
      short: { type: 'string', maxLength: 3 },
      long: { type: 'string', minLength: 200 },
    },
    required: ['flag', 'nothing', 'fixed', 'maybe', 'even', 'open', 'negative', 'when', 'email', 'id', 'code', 'short', 'long'],
  },
  combinators: {
    $defs: { point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] } },
    type: 'object',
    properties: {
      at: { $ref: '#/$defs/point' },
      either: { anyOf: [{ type: 'integer', minimum: 10 }, { type: 'string' }] },
      one: { oneOf: [{ type: 'boolean' }, { type: 'string' }] },
      both: {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'integer' } }, required: ['b'] },
        ],
      },
      pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false, minItems: 2 },
      tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true, minItems: 3 },
    },
    required: ['at', 'either', 'one', 'both', 'pair', 'tags'],
  },
  recursive: {
    $defs: {
      node: {
        type: 'object',
        properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        required: ['name', 'children'],
      },
    },
    $ref: '#/$defs/node',
  },
  wrapped: {
    type: 'object',
    properties: { value: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    required: ['value'],
    additionalProperties: false,
  },
};

describe('valueForSchema', () => {
  test.each(Object.entries(SCHEMAS))('%s: values validate for many seeds', (_name, schema) => {
    const validate = ajv.compile(schema);
    for (let i = 0; i < 40; i++) {
      const value = valueForSchema(schema, ctx(`seed-${i}`));
      if (!validate(value)) throw new Error(`seed-${i}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
    }
  });

  test('2020-12 tuples (prefixItems) validate too', () => {
    const schema = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer', minimum: 5 }], items: false, minItems: 2 };
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (let i = 0; i < 20; i++) expect(validate(valueForSchema(schema, ctx(`t${i}`)))).toBe(true);
  });

  test('the same seed gives the same value; other seeds vary', () => {
    const schema = SCHEMAS.findings;
    expect(valueForSchema(schema, ctx('a'))).toEqual(valueForSchema(schema, ctx('a')));
    const distinct = new Set(Array.from({ length: 10 }, (_, i) => JSON.stringify(valueForSchema(schema, ctx(`s${i}`)))));
    expect(distinct.size).toBeGreaterThan(5);
  });

  test('fields named file or path take files from the prompt, free text mentions the topic', () => {
    const v = valueForSchema(
      { type: 'object', properties: { path: { type: 'string' }, summary: { type: 'string' } }, required: ['path', 'summary'] },
      ctx('x'),
    ) as Record<string, string>;
    expect(v.path).toBe('src/parser.ts');
    expect(v.summary).toContain('audit the parser');
  });
});
