import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  DESTINATION_API_VERSION,
  EVENT_ROW_COLUMNS,
  PermanentError,
  RetryableError,
  checkWarehouse,
  classifyError,
  configJsonSchema,
  copyText,
  copyTextValue,
  createClassifiedRunner,
  createErrorClassifier,
  defineDestination,
  encodeCopyText,
  parseDestinationConfig,
  runCheckSteps,
  secret,
  secretFieldNames,
  target,
  targetFields,
  validateDestinationDefinition,
} from '@tributary/destination-sdk';
import { isoFromEpochMicros } from '@tributary/destination-sdk/testing';

function validDefinition(overrides: Record<string, unknown> = {}) {
  return {
    id: 'acme-lake',
    displayName: 'Acme Lake',
    version: '1.2.3',
    apiVersion: DESTINATION_API_VERSION,
    description: 'Loads events into Acme Lake.',
    config: z.object({
      account: z.string().describe('Account name'),
      apiKey: secret(z.string().min(10)).describe('API key'),
      password: secret(z.string()).optional(),
      region: z.enum(['eu', 'us']).default('eu'),
    }),
    connect: async () => {
      throw new Error('not used');
    },
    ...overrides,
  };
}

describe('validateDestinationDefinition', () => {
  it('accepts a valid definition and a module namespace whose default export is one', () => {
    const definition = validDefinition();
    expect(validateDestinationDefinition(definition)).toEqual({ ok: true, definition });
    expect(validateDestinationDefinition({ default: definition })).toEqual({ ok: true, definition });
  });

  it.each([
    ['a missing export', undefined, 'does not export a destination'],
    ['a non-kebab-case id', validDefinition({ id: 'Acme_Lake' }), 'must be kebab-case'],
    ['an id with a double dash', validDefinition({ id: 'acme--lake' }), 'must be kebab-case'],
    ['an empty displayName', validDefinition({ displayName: ' ' }), 'displayName'],
    ['a version that is not semver', validDefinition({ version: '1.2' }), 'is not a semantic version'],
    ['a newer apiVersion', validDefinition({ apiVersion: DESTINATION_API_VERSION + 1 }), 'upgrade Tributary'],
    ['an older apiVersion', validDefinition({ apiVersion: 0 }), 'upgrade the plugin'],
    ['a fractional apiVersion', validDefinition({ apiVersion: 1.5 }), 'must be an integer'],
    ['a config that is not a zod object', validDefinition({ config: { account: 'string' } }), 'zod 4 object schema'],
    ['a config that is a zod string', validDefinition({ config: z.string() }), 'zod 4 object schema'],
    ['a missing connect', validDefinition({ connect: undefined }), 'connect must be a function'],
    [
      'two file fields',
      validDefinition({ config: z.object({ a: target(z.string(), { kind: 'file' }), b: target(z.string(), { kind: 'file' }) }) }),
      'marks 2 fields as files (a, b); at most one',
    ],
    [
      'an override that is not an address',
      validDefinition({ config: z.object({ a: target(z.string(), { override: true }) }) }),
      'its target kind must be host or url',
    ],
    [
      'a secret file',
      validDefinition({ config: z.object({ a: target(secret(z.string()), { kind: 'file' }) }) }),
      'a file, which cannot be secret',
    ],
  ])('rejects %s with one clear message', (_name, candidate, message) => {
    const result = validateDestinationDefinition(candidate);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(message);
  });

  it('names the plugin in the message', () => {
    const result = validateDestinationDefinition(validDefinition({ version: 'one' }));
    expect(!result.ok && result.error).toMatch(/^destination "acme-lake": version "one"/);
  });

  it('defineDestination returns the definition and throws on an invalid one', () => {
    const definition = validDefinition();
    expect(defineDestination(definition)).toBe(definition);
    expect(() => defineDestination(validDefinition({ version: 'x' }))).toThrow(/semantic version/);
  });
});

describe('config schema and secrets', () => {
  it('lists the fields marked secret, also when optional or described afterwards', () => {
    expect(secretFieldNames(validDefinition())).toEqual(['apiKey', 'password']);
  });

  it('derives a JSON Schema whose secret fields are write-only', () => {
    const schema = configJsonSchema(validDefinition()) as {
      type: string;
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(schema.type).toBe('object');
    expect(schema.properties.apiKey).toMatchObject({ type: 'string', writeOnly: true, 'x-secret': true, description: 'API key' });
    expect(schema.properties.password).toMatchObject({ writeOnly: true, 'x-secret': true });
    expect(schema.properties.account).toEqual({ type: 'string', description: 'Account name' });
    expect(schema.properties.region).toMatchObject({ enum: ['eu', 'us'], default: 'eu' });
    expect(schema.properties.apiKey).not.toHaveProperty('secret');
    expect(schema.required.sort()).toEqual(['account', 'apiKey']);
  });

  it('lists the fields marked target with their kind, also when combined with secret, optional, default or describe', () => {
    const definition = validDefinition({
      config: z.object({
        url: target(secret(z.url()), { kind: 'url' }).optional().describe('URL'),
        host: target(z.string(), { kind: 'host' }).optional(),
        port: target(z.number()).default(5432),
        endpoint: target(z.url(), { kind: 'url', override: true }).optional(),
        file: target(z.string(), { kind: 'file' }).describe('File'),
        schema: z.string().default('main'),
      }),
    });
    expect(targetFields(definition)).toEqual([
      { name: 'url', kind: 'url', override: false },
      { name: 'host', kind: 'host', override: false },
      { name: 'port', override: false },
      { name: 'endpoint', kind: 'url', override: true },
      { name: 'file', kind: 'file', override: false },
    ]);
    expect(secretFieldNames(definition)).toEqual(['url']);
    const schema = configJsonSchema(definition) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.url).toMatchObject({
      'x-target': true,
      'x-target-kind': 'url',
      'x-secret': true,
      writeOnly: true,
      description: 'URL',
    });
    expect(schema.properties.port).toMatchObject({ 'x-target': true, default: 5432 });
    expect(schema.properties.port).not.toHaveProperty('x-target-kind');
    expect(schema.properties.endpoint).toMatchObject({ 'x-target': true, 'x-target-kind': 'url', 'x-endpoint-override': true });
    expect(schema.properties.file).toMatchObject({ 'x-target': true, 'x-target-kind': 'file', description: 'File' });
    expect(schema.properties.schema).not.toHaveProperty('x-target');
    for (const property of Object.values(schema.properties)) expect(property).not.toHaveProperty('target');
  });

  it('parseDestinationConfig returns the parsed config or a ConfigError that hides secret values', () => {
    const definition = validDefinition();
    expect(parseDestinationConfig(definition, { account: 'a', apiKey: '0123456789' })).toEqual({
      account: 'a',
      apiKey: '0123456789',
      region: 'eu',
    });
    let error: unknown;
    try {
      parseDestinationConfig(definition, { apiKey: 'short-key', region: 'mars' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('account:');
    expect((error as Error).message).toContain('region:');
    expect((error as Error).message).not.toContain('short-key');
  });
});

describe('classifyError', () => {
  it.each([
    [new RetryableError('busy'), 'retryable'],
    [new PermanentError('bad password'), 'permanent'],
    [new ConfigError('no such database'), 'config'],
    [{ kind: 'permanent', message: 'from another copy of the SDK' }, 'permanent'],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'retryable'],
    [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'retryable'],
    [Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), 'retryable'],
    [Object.assign(new Error('slow down'), { status: 429 }), 'retryable'],
    [Object.assign(new Error('bad gateway'), { statusCode: 502 }), 'retryable'],
    [Object.assign(new Error('forbidden'), { response: { status: 403 } }), 'permanent'],
    [Object.assign(new Error('bad request'), { status: 400 }), 'permanent'],
    [Object.assign(new Error('request timeout'), { status: 408 }), 'retryable'],
    [new Error('wrapped', { cause: Object.assign(new Error('x'), { status: 401 }) }), 'permanent'],
    [new DOMException('aborted', 'AbortError'), 'retryable'],
    [new Error('something nobody classified'), 'retryable'],
    ['a string', 'retryable'],
  ])('classifies %s as %s', (error, expected) => {
    expect(classifyError(error)).toBe(expected);
  });

  it('keeps a readable message and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new RetryableError('loading events: socket hang up', { cause });
    expect(error.message).toBe('loading events: socket hang up');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('RetryableError');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('runCheckSteps', () => {
  it('stops at the first failing step and reports the rest as skipped', async () => {
    const ran: string[] = [];
    const steps = await runCheckSteps([
      { step: 'connect', run: async () => (ran.push('connect'), 'connected') },
      {
        step: 'write',
        run: async () => {
          ran.push('write');
          throw new PermanentError('permission denied');
        },
      },
      { step: 'clean up', run: async () => (ran.push('clean up'), 'cleaned') },
    ]);
    expect(ran).toEqual(['connect', 'write']);
    expect(steps.map(({ durationMs: _d, ...step }) => step)).toEqual([
      { step: 'connect', ok: true, skipped: false, message: 'connected' },
      { step: 'write', ok: false, skipped: false, message: 'permanent: permission denied' },
      { step: 'clean up', ok: false, skipped: true, message: 'skipped: an earlier step failed' },
    ]);
  });
});

describe('createErrorClassifier and createClassifiedRunner', () => {
  const classify = createErrorClassifier({
    rules: (err) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'QUOTA') return { kind: 'retryable', retryAfterMs: 60_000 };
      return code === 'NO_DB' ? 'config' : undefined;
    },
    describe: (err) => `${(err as Error).message} [${String((err as { code?: unknown }).code)}]`,
  });

  it("applies the plugin's rules, then classifyError, and words the message `doing: text`", () => {
    const quota = classify(Object.assign(new Error('over quota'), { code: 'QUOTA' }), 'loading events');
    expect(quota).toBeInstanceOf(RetryableError);
    expect(quota.message).toBe('loading events: over quota [QUOTA]');
    expect((quota as RetryableError).retryAfterMs).toBe(60_000);
    expect(classify(Object.assign(new Error('gone'), { code: 'NO_DB' }), 'connecting')).toBeInstanceOf(ConfigError);
    // unknown to the rules: an HTTP status decides, and the error stays the cause
    const forbidden = Object.assign(new Error('forbidden'), { status: 403 });
    const permanent = classify(forbidden, 'creating tables');
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(permanent.cause).toBe(forbidden);
    expect(classify(new Error('who knows'), 'x')).toBeInstanceOf(RetryableError);
  });

  it('returns an error the plugin classified already as it is', () => {
    const own = new PermanentError('the probe row differs');
    expect(classify(own, 'reading')).toBe(own);
  });

  it('runs work classified, and not at all once aborted', async () => {
    const classified = createClassifiedRunner(classify);
    await expect(classified('connecting', async () => 'ok')).resolves.toBe('ok');
    await expect(
      classified('connecting', async () => Promise.reject(Object.assign(new Error('x'), { code: 'NO_DB' }))),
    ).rejects.toBeInstanceOf(ConfigError);
    const aborted = AbortSignal.abort();
    let ran = false;
    await expect(createClassifiedRunner(classify, aborted)('loading', async () => (ran = true))).rejects.toBeInstanceOf(RetryableError);
    expect(ran).toBe(false);
  });
});

describe('checkWarehouse', () => {
  const classified = createClassifiedRunner(createErrorClassifier({ rules: () => undefined }));
  function warehouse() {
    const staged = new Map<string, number>();
    const calls: string[] = [];
    return {
      calls,
      staged,
      probe: {
        connect: async () => (calls.push('connect'), 'connected'),
        createTables: async () => void calls.push('create tables'),
        writeProbe: async (row: { event_id: string; event_type: string | null }) => {
          calls.push('write');
          expect(row.event_type).toBeNull();
          staged.set(row.event_id, (staged.get(row.event_id) ?? 0) + 1);
        },
        countProbe: async (eventId: string) => (calls.push('read back'), staged.get(eventId) ?? 0),
        deleteProbe: async (eventId: string) => void (calls.push('clean up'), staged.delete(eventId)),
      },
    };
  }

  it('runs the standard steps in order around a unique probe row and leaves nothing behind', async () => {
    const { calls, staged, probe } = warehouse();
    const steps = await checkWarehouse(
      { ...probe, createSchema: async () => (calls.push('create schema'), 'schema "t" exists') },
      classified,
    );
    expect(steps.map((s) => [s.step, s.ok, s.message])).toEqual([
      ['connect', true, 'connected'],
      ['create schema', true, 'schema "t" exists'],
      ['create tables', true, 'tables events, raw_events and the definition tables exist'],
      ['write', true, 'wrote a probe row to raw_events'],
      ['read back', true, 'read the probe row back'],
      ['clean up', true, 'deleted the probe row'],
    ]);
    expect(calls).toEqual(['connect', 'create schema', 'create tables', 'write', 'read back', 'clean up']);
    expect(staged.size).toBe(0);
  });

  it('fails a probe row that is not read back as a config error, and skips the rest; no schema step without createSchema', async () => {
    const { probe } = warehouse();
    const steps = await checkWarehouse({ ...probe, countProbe: async () => 0 }, classified);
    expect(steps.map((s) => s.step)).toEqual(['connect', 'create tables', 'write', 'read back', 'clean up']);
    expect(steps[3]).toMatchObject({ ok: false, skipped: false });
    expect(steps[3]!.message).toBe('config: the probe row written to raw_events could not be read back (found 0)');
    expect(steps[4]).toMatchObject({ ok: false, skipped: true });
  });
});

describe('isoFromEpochMicros', () => {
  it('formats microseconds in the SDK time format, before and after 1970', () => {
    expect(isoFromEpochMicros('1795687200123456')).toBe('2026-11-26T10:00:00.123456Z');
    expect(isoFromEpochMicros(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoFromEpochMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
  });
});

describe('copyText', () => {
  // Each column holds its own name, so a column written out of order or twice shows.
  const row = Object.fromEntries(EVENT_ROW_COLUMNS.map((column) => [column, `${column}:\\ \t \n \r é`])) as never;
  const tombstone = { ...(row as object), event_type: null, event_properties: null, source_properties: null, session_id: null } as never;

  it('writes every column in EVENT_ROW_COLUMNS order, escaped, one line per row', () => {
    const expected = [row, tombstone]
      .map((r: Record<string, string | null>) => EVENT_ROW_COLUMNS.map((column) => copyTextValue(r[column]!)).join('\t') + '\n')
      .join('');
    expect(copyText([row, tombstone])).toBe(expected);
    expect(copyText([row]).split('\t')[1]).toBe('event_time:\\\\ \\t \\n \\r é');
    expect(copyText([tombstone]).split('\t')[4]).toBe('\\N');
    expect(encodeCopyText([row, tombstone])).toEqual({ text: Buffer.from(expected, 'utf8'), rows: 2 });
    expect(copyText([])).toBe('');
    // a range: rows from `from` to before `to`, clamped to the rows there are
    const lines = expected.split('\n');
    expect(copyText([row, tombstone], 1)).toBe(`${lines[1]}\n`);
    expect(copyText([row, tombstone], 0, 1)).toBe(`${lines[0]}\n`);
    expect(copyText([row, tombstone], -3, 50)).toBe(expected);
    expect(copyText([row, tombstone], 2)).toBe('');
  });
});
