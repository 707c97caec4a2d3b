/**
 * The Snowflake fake's stages: `PUT` (answered the way Snowflake answers it, so snowflake-sdk
 * uploads the files itself), `REMOVE`, and `COPY INTO <table>` from CSV files, run on DuckDB.
 *
 * Stages live in a folder the fake owns. The PUT answer is of the driver's `LOCAL_FS` stage type
 * (its test-only storage client copies the files into `stageInfo.location`); a real account
 * answers `S3`/`AZURE`/`GCS` with short-lived credentials and the driver encrypts and uploads to
 * the cloud instead. Table stages (`@%t`, `@schema.%t`) and user stages (`@~`) exist; named stages
 * do not.
 *
 * `COPY INTO` enforces the documented rules the plugin relies on: the file format options (CSV
 * only; `FIELD_OPTIONALLY_ENCLOSED_BY` or `ESCAPE_UNENCLOSED_FIELD`, `EMPTY_FIELD_AS_NULL`, `NULL_IF`,
 * `SKIP_HEADER`, `TIMESTAMP_FORMAT` else the session's `TIMESTAMP_INPUT_FORMAT`, `COMPRESSION`), `ON_ERROR =
 * ABORT_STATEMENT` (the default: the first bad record fails the statement and loads nothing),
 * `ERROR_ON_COLUMN_COUNT_MISMATCH` (on the first record of each file, and on every record with too
 * few fields), column types (every value converted, or the statement fails), load metadata (a file
 * loaded before with the same name and content is skipped unless `FORCE = TRUE`) and `PURGE`.
 * Options it does not model are refused rather than ignored.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';

/** An error Snowflake would answer: code, SQLSTATE and message. */
export class FakeSqlError extends Error {
  readonly code: string;
  readonly sqlState: string;
  constructor(code: string, sqlState: string, message: string) {
    super(message);
    this.code = code;
    this.sqlState = sqlState;
  }
}

/** What a stage operation needs from the session that runs it. */
export interface StageSession {
  user: string;
  connection: DuckDBConnection;
  inTransaction: boolean;
  /** The session's TIMESTAMP_INPUT_FORMAT. */
  timestampInputFormat: string;
  /** Temporary stages the session created (upper-case names). */
  tempStages: Set<string>;
}

/** A result table: column names with their kind, and rows. */
export interface StageResult {
  columns: [string, 'text' | 'fixed'][];
  rows: (string | number | null)[][];
}

interface StageRef {
  /** Folder of the stage (table or user stage). */
  dir: string;
  /** Path after the stage name ('' or `prefix/…`). */
  path: string;
  /** For table stages: the table, as `SCHEMA.TABLE`. */
  table?: { schema: string; name: string };
  /** Name as written, for messages. */
  label: string;
}

/** The fake's stages, rooted in `root`. */
export class FakeStages {
  /** Files loaded per table (`SCHEMA.TABLE` → stage-relative path → md5): COPY's load metadata. */
  private readonly loaded = new Map<string, Map<string, string>>();

  readonly root: string;
  private readonly tableExists: (schema: string, name: string) => Promise<boolean>;
  constructor(root: string, tableExists: (schema: string, name: string) => Promise<boolean>) {
    this.root = root;
    this.tableExists = tableExists;
  }

  /** Every file currently on a stage, relative to the stages' root (for tests). */
  async files(): Promise<string[]> {
    return (await listFiles(this.root)).map((file) => relative(this.root, file).split(sep).join('/')).sort();
  }

  /** The answer to `PUT file://… @stage …`: where the driver is to upload, and how. */
  async put(sql: string, session: StageSession, queryId: string): Promise<Record<string, unknown>> {
    const match = /^\s*PUT\s+(?:'file:\/\/([^']*)'|file:\/\/(\S+))\s+('@[^']*'|@\S+)(.*)$/is.exec(sql);
    if (!match) throw syntaxError(sql);
    const localPath = (match[1] ?? match[2])!;
    const stage = await this.resolve(unquote(match[3]!), session);
    const options = parseOptions(match[4]!, sql);
    for (const name of Object.keys(options)) {
      if (!['PARALLEL', 'AUTO_COMPRESS', 'SOURCE_COMPRESSION', 'OVERWRITE'].includes(name)) throw syntaxError(sql, name);
    }
    const sourceCompression = word(options.SOURCE_COMPRESSION ?? 'AUTO_DETECT');
    if (!['AUTO_DETECT', 'GZIP', 'BZ2', 'BROTLI', 'ZSTD', 'DEFLATE', 'RAW_DEFLATE', 'NONE'].includes(sourceCompression)) {
      throw syntaxError(sql, sourceCompression);
    }
    return {
      command: 'UPLOAD',
      src_locations: [localPath],
      parallel: Number(word(options.PARALLEL ?? '4')),
      autoCompress: bool(options.AUTO_COMPRESS ?? 'TRUE'),
      sourceCompression: sourceCompression.toLowerCase(),
      overwrite: bool(options.OVERWRITE ?? 'FALSE'),
      stageInfo: {
        locationType: 'LOCAL_FS',
        location: join(stage.dir, stage.path),
        path: stage.path,
        region: null,
        storageAccount: null,
        isClientSideEncrypted: false,
        creds: {},
      },
      encryptionMaterial: null,
      presignedUrls: [],
      queryId,
      statementTypeId: 0x7000,
      rowtype: [],
      rowset: [],
      parameters: [],
    };
  }

  /** `REMOVE @stage[/path]`: deletes the files under the path. */
  async remove(sql: string, session: StageSession): Promise<StageResult> {
    const match = /^\s*REMOVE\s+('@[^']*'|@\S+)\s*$/is.exec(sql);
    if (!match) throw syntaxError(sql);
    const stage = await this.resolve(unquote(match[1]!), session);
    const files = await this.filesOf(stage);
    for (const file of files) await rm(join(stage.dir, file));
    return {
      columns: [
        ['name', 'text'],
        ['result', 'text'],
      ],
      rows: files.map((file) => [file, 'removed']),
    };
  }

  /** `COPY INTO <table> (cols) FROM @stage[/path] FILE_FORMAT = (…) copyOptions`. */
  async copy(sql: string, session: StageSession): Promise<StageResult> {
    const match = /^\s*COPY\s+INTO\s+([\w.]+)\s*(?:\(([^)]*)\))?\s+FROM\s+('@[^']*'|@\S+)(.*)$/is.exec(sql);
    if (!match) throw syntaxError(sql);
    const [schema, name] = qualified(match[1]!);
    if (!(await this.tableExists(schema, name))) {
      throw new FakeSqlError('002003', '42S02', `SQL compilation error:\nTable '${schema}.${name}' does not exist or not authorized.`);
    }
    const stage = await this.resolve(unquote(match[3]!), session);
    const options = parseOptions(match[4]!, sql);
    const format = parseOptions(stripParens(options.FILE_FORMAT ?? '(TYPE = CSV)', sql), sql);
    delete options.FILE_FORMAT;
    for (const option of Object.keys(options)) {
      if (!['ON_ERROR', 'PURGE', 'FORCE'].includes(option)) throw notModelled(`copy option ${option}`);
    }
    const onError = word(options.ON_ERROR ?? 'ABORT_STATEMENT');
    if (onError !== 'ABORT_STATEMENT') throw notModelled(`ON_ERROR = ${onError}`);
    const csv = csvOptions(format);

    const types = await columnTypes(session.connection, schema, name);
    const columns = match[2] ? match[2].split(',').map((c) => c.trim().toLowerCase()) : [...types.keys()];
    for (const column of columns) {
      if (!types.has(column))
        throw new FakeSqlError(
          '000904',
          '42000',
          `SQL compilation error: error line 1 at position 0\ninvalid identifier '${column.toUpperCase()}'`,
        );
    }

    const table = `${schema}.${name}`;
    const metadata = this.loaded.get(table) ?? new Map<string, string>();
    const force = bool(options.FORCE ?? 'FALSE');
    const candidates: { file: string; md5: string }[] = [];
    for (const file of await this.filesOf(stage)) {
      const md5 = await md5Of(join(stage.dir, file));
      if (!force && metadata.get(file) === md5) continue;
      candidates.push({ file, md5 });
    }
    if (candidates.length === 0) return { columns: [['status', 'text']], rows: [['Copy executed with 0 files processed.']] };

    const select = columns.map((column, i) => `${csv.convert(`c${i + 1}`, types.get(column)!)} AS ${column}`).join(', ');
    const paths = candidates.map(({ file }) => join(stage.dir, file));
    for (const [i, path] of paths.entries()) await checkFirstRecord(path, csv, columns.length, candidates[i]!.file);
    // Snowflake undoes a failed statement alone, inside an open transaction too; DuckDB cannot
    // (no savepoints), and the plugin copies outside transactions.
    if (session.inTransaction) throw notModelled('COPY INTO inside an explicit transaction');
    const counts = new Map<string, number>();
    await session.connection.run('BEGIN TRANSACTION');
    try {
      // DuckDB skips blank lines, which Snowflake fails (SKIP_BLANK_LINES = FALSE): looked for on
      // the side. Enclosed fields may hold them as data.
      const blank = csv.quote === '' ? Promise.all(paths.map((path) => hasBlankLine(path))) : Promise.resolve([]);
      blank.catch(() => {});
      // One INSERT per file, in the statement's transaction: its count is the file's rows_loaded
      // (DuckDB spreads each file's parse and write over its threads, so this is as fast as one
      // read of all the files, measured with the bench's files).
      for (const [i, path] of paths.entries()) {
        const source = `read_csv(${literal(path)}, ${csv.reader(columns.length)})`;
        try {
          const inserted = await session.connection.run(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM ${source}`);
          counts.set(path, inserted.rowsChanged);
        } catch (err) {
          throw copyError(err, candidates[i]!.file);
        }
      }
      const withBlank = (await blank).findIndex(Boolean);
      if (withBlank !== -1)
        throw notModelled(`a blank line in ${candidates[withBlank]!.file} (Snowflake fails it: SKIP_BLANK_LINES = FALSE)`);
      await session.connection.run('COMMIT');
    } catch (err) {
      await session.connection.run('ROLLBACK').catch(() => {});
      throw err;
    }
    for (const { file, md5 } of candidates) metadata.set(file, md5);
    this.loaded.set(table, metadata);
    if (bool(options.PURGE ?? 'FALSE')) for (const { file } of candidates) await rm(join(stage.dir, file), { force: true });
    return {
      columns: [
        ['file', 'text'],
        ['status', 'text'],
        ['rows_parsed', 'fixed'],
        ['rows_loaded', 'fixed'],
        ['error_limit', 'fixed'],
        ['errors_seen', 'fixed'],
        ['first_error', 'text'],
        ['first_error_line', 'fixed'],
        ['first_error_character', 'fixed'],
        ['first_error_column_name', 'text'],
      ],
      rows: candidates.map(({ file }, i) => {
        const rows = counts.get(paths[i]!) ?? 0;
        return [file, 'LOADED', rows, rows, 1, 0, null, null, null, null];
      }),
    };
  }

  private async resolve(text: string, session: StageSession): Promise<StageRef> {
    const match = /^@(~|(?:(\w+)\.)?%(\w+)|(?:\w+\.)?([\w$]+))(\/.*)?$/.exec(text);
    if (!match) throw syntaxError(text);
    const path = (match[5] ?? '').replace(/^\/+/, '');
    if (match[1] === '~') return { dir: join(this.root, `~${session.user}`), path, label: '@~' };
    if (match[3]) {
      // A table stage: the table must exist (unqualified names would need a current schema; the
      // plugin always qualifies them).
      if (!match[2]) throw notModelled('a table stage without its schema');
      const schema = match[2].toUpperCase();
      const name = match[3].toUpperCase();
      if (!(await this.tableExists(schema, name))) {
        throw new FakeSqlError('002003', '02000', `SQL compilation error:\nTable '${schema}.${name}' does not exist or not authorized.`);
      }
      return { dir: join(this.root, schema, `%${name}`), path, table: { schema, name }, label: text };
    }
    const named = match[4]!.toUpperCase();
    if (session.tempStages.has(named)) {
      // The driver's own stage for array binds past CLIENT_STAGE_ARRAY_BINDING_THRESHOLD.
      throw notModelled(`uploads to the temporary stage ${named}`);
    }
    throw new FakeSqlError('002003', '02000', `SQL compilation error:\nStage '${named}' does not exist or not authorized.`);
  }

  private async filesOf(stage: StageRef): Promise<string[]> {
    const files = (await listFiles(stage.dir)).map((file) => relative(stage.dir, file).split(sep).join('/'));
    return files.filter((file) => file.startsWith(stage.path)).sort();
  }
}

interface CsvOptions {
  reader(columns: number): string;
  convert(field: string, type: string): string;
  quote: string;
  delimiter: string;
  skipHeader: number;
}

/**
 * The CSV options the fake models, with Snowflake's defaults; any other option is refused. Two
 * ways of writing a field are modelled: enclosed in FIELD_OPTIONALLY_ENCLOSED_BY (RFC 4180
 * quoting, ESCAPE_UNENCLOSED_FIELD = NONE), or never enclosed with backslash escapes (Snowflake's
 * defaults: no enclosure, ESCAPE_UNENCLOSED_FIELD `\\`, which turns `\\`, `\n`, `\r`, `\t` back
 * into their characters). NULL_IF is matched on the field as written, before unescaping.
 */
function csvOptions(format: Record<string, string>): CsvOptions {
  const type = word(format.TYPE ?? 'CSV');
  if (type !== 'CSV') throw notModelled(`file format TYPE = ${type}`);
  const known = [
    'TYPE',
    'COMPRESSION',
    'FIELD_DELIMITER',
    'RECORD_DELIMITER',
    'SKIP_HEADER',
    'FIELD_OPTIONALLY_ENCLOSED_BY',
    'ESCAPE',
    'ESCAPE_UNENCLOSED_FIELD',
    'EMPTY_FIELD_AS_NULL',
    'NULL_IF',
    'ERROR_ON_COLUMN_COUNT_MISMATCH',
    'TIMESTAMP_FORMAT',
    'TRIM_SPACE',
    'ENCODING',
  ];
  for (const option of Object.keys(format)) if (!known.includes(option)) throw notModelled(`file format option ${option}`);
  const compression = word(format.COMPRESSION ?? 'AUTO');
  if (!['AUTO', 'GZIP', 'ZSTD', 'NONE'].includes(compression)) throw notModelled(`COMPRESSION = ${compression}`);
  const delimiter = stringValue(format.FIELD_DELIMITER ?? `','`);
  if (delimiter.length !== 1) throw notModelled(`FIELD_DELIMITER = ${format.FIELD_DELIMITER}`);
  if (format.RECORD_DELIMITER !== undefined && stringValue(format.RECORD_DELIMITER) !== '\n')
    throw notModelled('a RECORD_DELIMITER other than newline');
  const quote =
    format.FIELD_OPTIONALLY_ENCLOSED_BY === undefined || word(format.FIELD_OPTIONALLY_ENCLOSED_BY) === 'NONE'
      ? ''
      : stringValue(format.FIELD_OPTIONALLY_ENCLOSED_BY);
  const escape =
    format.ESCAPE_UNENCLOSED_FIELD === undefined
      ? '\\'
      : word(format.ESCAPE_UNENCLOSED_FIELD) === 'NONE'
        ? ''
        : stringValue(format.ESCAPE_UNENCLOSED_FIELD);
  if (escape !== '' && escape !== '\\') throw notModelled(`ESCAPE_UNENCLOSED_FIELD = ${format.ESCAPE_UNENCLOSED_FIELD}`);
  if (quote !== '' && escape !== '')
    throw notModelled('enclosed fields together with escapes in unenclosed ones (say ESCAPE_UNENCLOSED_FIELD = NONE)');
  if (word(format.ESCAPE ?? 'NONE') !== 'NONE') throw notModelled('ESCAPE other than NONE');
  if (bool(format.TRIM_SPACE ?? 'FALSE')) throw notModelled('TRIM_SPACE = TRUE');
  if (format.ENCODING !== undefined && !['UTF8', 'UTF-8'].includes(stringValue(format.ENCODING).toUpperCase()))
    throw notModelled(`ENCODING = ${format.ENCODING}`);
  if (!bool(format.ERROR_ON_COLUMN_COUNT_MISMATCH ?? 'TRUE')) throw notModelled('ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE');
  const emptyAsNull = bool(format.EMPTY_FIELD_AS_NULL ?? 'TRUE');
  const nullIf = format.NULL_IF === undefined ? ['\\N'] : listValue(format.NULL_IF);
  const skipHeader = Number(word(format.SKIP_HEADER ?? '0'));
  const timestampFormat =
    format.TIMESTAMP_FORMAT === undefined || word(format.TIMESTAMP_FORMAT) === 'AUTO' ? undefined : stringValue(format.TIMESTAMP_FORMAT);
  const never = '\u0001never\u0001';
  return {
    quote,
    delimiter,
    skipHeader,
    reader: (columns) =>
      [
        `columns = {${Array.from({ length: columns }, (_, i) => `'c${i + 1}': 'VARCHAR'`).join(', ')}}`,
        'header = false',
        `skip = ${skipHeader}`,
        `delim = ${literal(delimiter)}`,
        `quote = ${literal(quote)}`,
        `escape = ${literal(quote)}`,
        // Enclosed: an empty unenclosed field is NULL (when EMPTY_FIELD_AS_NULL), "" is ''.
        // Unenclosed: DuckDB returns fields as written, but for the one NULL_IF string, which it
        // matches as written too; the conversion below does the rest.
        `nullstr = ${literal(quote !== '' ? (emptyAsNull ? '' : never) : nullIf.length === 1 ? nullIf[0]! : never)}`,
        'allow_quoted_nulls = false',
        `compression = ${literal(compression === 'AUTO' ? 'auto' : compression.toLowerCase())}`,
        'auto_detect = false',
        'strict_mode = true',
        'null_padding = false',
      ].join(', '),
    convert: (field, type) => {
      let value = escape === '' ? field : `CASE WHEN contains(${field}, '\\') THEN ${unescape(field)} ELSE ${field} END`;
      if (escape !== '' && emptyAsNull) value = `CASE WHEN ${field} = '' THEN NULL ELSE ${value} END`;
      if (nullIf.length > (quote === '' ? 1 : 0))
        value = `CASE WHEN ${field} IN (${nullIf.map(literal).join(', ')}) THEN NULL ELSE ${value} END`;
      if (type.startsWith('TIMESTAMP')) return timestampFormat === undefined ? `sf_ts(${value})` : timestampParser(value, timestampFormat);
      // DuckDB parses text into a DECIMAL wider than 18 digits very slowly; through HUGEINT is exact.
      const wide = /^DECIMAL\((\d+),0\)$/.exec(type);
      if (wide && Number(wide[1]) > 18) return `CAST(CAST(${value} AS HUGEINT) AS ${type})`;
      return value;
    },
  };
}

/** Snowflake's unescaping of an unenclosed field: `\\` → `\`, `\n`, `\r`, `\t` → their characters. */
function unescape(field: string): string {
  return `array_to_string(list_transform(string_split(${field}, '\\\\'), lambda x: replace(replace(replace(x, '\\n', chr(10)), '\\r', chr(13)), '\\t', chr(9))), '\\')`;
}

/** A DuckDB expression parsing `value` as a TIMESTAMP_NTZ with a Snowflake format (AUTO: ISO 8601). */
export function timestampParser(value: string, format: string): string {
  return format.toUpperCase() === 'AUTO' ? `CAST(${value} AS TIMESTAMP)` : `strptime(${value}, ${literal(strptimeFormat(format))})`;
}

/** A Snowflake time format (`YYYY-MM-DD"T"HH24:MI:SS.FF6`) as a DuckDB strptime format. */
export function strptimeFormat(format: string): string {
  const tokens: [RegExp, string][] = [
    [/^"([^"]*)"/, ''],
    [/^YYYY/, '%Y'],
    [/^MM/, '%m'],
    [/^DD/, '%d'],
    [/^HH24/, '%H'],
    [/^HH12/, '%I'],
    [/^MI/, '%M'],
    [/^SS/, '%S'],
    [/^FF[6-9]?/, '%f'],
    [/^AM|^PM/, '%p'],
    [/^TZH:TZM/, '%z'],
    [/^[-/:. ,T]/, ''],
  ];
  let out = '';
  let rest = format;
  while (rest.length > 0) {
    const found = tokens.map(([pattern, replacement]) => [pattern.exec(rest), replacement] as const).find(([m]) => m);
    if (!found) throw new FakeSqlError('100096', '22007', `Can't parse '${format}' as timestamp format: unsupported element at '${rest}'`);
    const [m, replacement] = found;
    out += replacement === '' ? (m![1] ?? m![0]).replaceAll('%', '%%') : replacement;
    rest = rest.slice(m![0].length);
  }
  return out;
}

// ERROR_ON_COLUMN_COUNT_MISMATCH for records with too many fields, which DuckDB's reader ignores:
// the first record of each file is counted here (a writer's mistake shows on every record).
async function checkFirstRecord(path: string, csv: CsvOptions, expected: number, file: string): Promise<void> {
  const head = await firstRecord(path, csv.skipHeader);
  if (head === undefined) return;
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < head.length; i += 1) {
    const ch = head[i]!;
    if (csv.quote && ch === csv.quote) quoted = !quoted;
    else if (!quoted && ch === csv.delimiter) fields += 1;
  }
  if (fields !== expected) {
    throw new FakeSqlError(
      '100080',
      '22000',
      `Number of columns in file (${fields}) does not match that of the corresponding table (${expected}), use file format option error_on_column_count_mismatch=false to ignore this error\n  File '${file}', line ${csv.skipHeader + 1}, character 1`,
    );
  }

  async function firstRecord(filePath: string, skip: number): Promise<string | undefined> {
    const { source, text } = await decompressed(filePath);
    let buffered = '';
    let records = 0;
    let quoted = false;
    let start = 0;
    try {
      for await (const chunk of text) {
        const from = buffered.length;
        buffered += (chunk as Buffer).toString('utf8');
        for (let i = from; i < buffered.length; i += 1) {
          const ch = buffered[i]!;
          if (csv.quote && ch === csv.quote) quoted = !quoted;
          else if (!quoted && ch === '\n') {
            if (records === skip) return buffered.slice(start, i);
            records += 1;
            start = i + 1;
          }
        }
      }
      return records === skip && buffered.length > start ? buffered.slice(start) : undefined;
    } finally {
      source.destroy();
    }
  }
}

/** Snowflake's error for a DuckDB text → TIMESTAMP or NUMBER conversion failure, if it is one. */
export function conversionError(message: string, at = ''): FakeSqlError | undefined {
  const parse = /Could not parse string "([^"]*)" according to format specifier/.exec(message);
  if (parse) return new FakeSqlError('100035', '22007', `Timestamp '${parse[1]}' is not recognized${at}`);
  const convert = /Could not convert string ["']([^"']*)["'] to (DECIMAL|INT|BIGINT)/i.exec(message);
  if (convert) return new FakeSqlError('100038', '22018', `Numeric value '${convert[1]}' is not recognized${at}`);
  return undefined;
}

function copyError(err: unknown, file: string): FakeSqlError {
  if (err instanceof FakeSqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const where = `\n  File '${file}'`;
  const line = /Line: (\d+)/.exec(message)?.[1];
  const at = line ? `${where}, line ${line}` : where;
  const conversion = conversionError(message, at);
  if (conversion) return conversion;
  const count = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (count) {
    return new FakeSqlError(
      '100080',
      '22000',
      `Number of columns in file (${count[2]}) does not match that of the corresponding table (${count[1]}), use file format option error_on_column_count_mismatch=false to ignore this error${at}`,
    );
  }
  if (/CSV Error|unterminated quotes|Invalid unicode/i.test(message))
    return new FakeSqlError('100065', '22000', `Found character while parsing the file: ${message.split('\n')[0]}${at}`);
  return new FakeSqlError('100069', '22000', `Error parsing the file: ${message.split('\n')[0]}${at}`);
}

async function columnTypes(connection: DuckDBConnection, schema: string, name: string): Promise<Map<string, string>> {
  const reader = await connection.runAndReadAll(
    `SELECT lower(column_name) AS name, data_type FROM duckdb_columns() WHERE upper(schema_name) = ${literal(schema)} AND upper(table_name) = ${literal(name)} ORDER BY column_index`,
  );
  return new Map(reader.getRowObjectsJS().map((row) => [String(row.name), String(row.data_type)]));
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Whether a staged file's text (`decompressed`) has an empty line. */
async function hasBlankLine(path: string): Promise<boolean> {
  const { source, text } = await decompressed(path);
  let last = 0x0a; // a first line that is empty is blank too
  try {
    for await (const chunk of text) {
      const bytes = chunk as Buffer;
      if (bytes.length === 0) continue;
      if ((last === 0x0a && bytes[0] === 0x0a) || bytes.includes('\n\n')) return true;
      last = bytes[bytes.length - 1]!;
    }
    return false;
  } finally {
    source.destroy();
  }
}

/** A staged file's text: gzip or zstd (by their magic bytes) decompressed, else as it is. */
async function decompressed(path: string): Promise<{ source: ReadStream; text: AsyncIterable<unknown> }> {
  const head = await firstBytes(path, 4);
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  if (head[0] === 0x1f && head[1] === 0x8b) return { source, text: source.pipe(createGunzip({ chunkSize: 1 << 20 })) };
  if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528)
    return { source, text: source.pipe(createZstdDecompress({ chunkSize: 1 << 20 })) };
  return { source, text: source };
}

async function firstBytes(path: string, n: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Splits `KEY = value KEY2 = (…) …` (values: quoted strings, parenthesised groups, words). */
function parseOptions(text: string, sql: string): Record<string, string> {
  const options: Record<string, string> = {};
  let rest = text.trim();
  while (rest.length > 0) {
    const key = /^(\w+)\s*=\s*/.exec(rest);
    if (!key) throw syntaxError(sql, rest.split(/\s/)[0]);
    rest = rest.slice(key[0].length);
    let value: string;
    if (rest.startsWith("'")) {
      let i = 1;
      for (; i < rest.length; i += 1) {
        if (rest[i] === "'" && rest[i + 1] === "'") i += 1;
        else if (rest[i] === "'") break;
      }
      value = rest.slice(0, i + 1);
    } else if (rest.startsWith('(')) {
      let depth = 0;
      let i = 0;
      let quoted = false;
      for (; i < rest.length; i += 1) {
        const ch = rest[i];
        if (ch === "'") quoted = !quoted;
        else if (!quoted && ch === '(') depth += 1;
        else if (!quoted && ch === ')' && --depth === 0) break;
      }
      value = rest.slice(0, i + 1);
    } else {
      value = /^[^\s,]+/.exec(rest)?.[0] ?? '';
    }
    options[key[1]!.toUpperCase()] = value;
    rest = rest.slice(value.length).replace(/^[\s,]+/, '');
  }
  return options;
}

function stripParens(value: string, sql: string): string {
  if (!value.startsWith('(') || !value.endsWith(')')) throw syntaxError(sql, value);
  return value.slice(1, -1);
}

function stringValue(value: string): string {
  if (!value.startsWith("'")) return value;
  return value
    .slice(1, -1)
    .replaceAll("''", "'")
    .replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'" })[ch] ?? ch);
}

function listValue(value: string): string[] {
  const inner = value.replace(/^\(|\)$/g, '').trim();
  if (inner === '') return [];
  return inner.split(/\s*,\s*/).map(stringValue);
}

function word(value: string): string {
  return stringValue(value).toUpperCase();
}

function bool(value: string): boolean {
  return word(value) === 'TRUE';
}

function unquote(value: string): string {
  return value.startsWith("'") ? value.slice(1, -1) : value;
}

function qualified(name: string): [string, string] {
  const parts = name.split('.').map((part) => part.toUpperCase());
  if (parts.length !== 2) throw notModelled(`an unqualified or database-qualified table name (${name})`);
  return [parts[0]!, parts[1]!];
}

/** A SQL string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function syntaxError(sql: string, near?: string): FakeSqlError {
  return new FakeSqlError(
    '001003',
    '42000',
    `SQL compilation error:\nsyntax error line 1 at position 0 unexpected '${near ?? sql.trim().split(/\s/)[0]}'.`,
  );
}

function notModelled(what: string): FakeSqlError {
  return new FakeSqlError('0A000', '0A000', `the Snowflake fake does not model ${what}`);
}
