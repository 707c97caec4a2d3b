import dns from 'node:dns';
import type { Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ConfigError, type DestinationConnection, type DestinationContext, type TargetField } from '@tributary/destination-sdk';
import type { DestinationRecord } from '../db/queries/destinations.ts';
import type { InstalledPlugin } from '../plugins/registry.ts';

/**
 * Where destinations may connect: the operator's policy (server/config.ts reads it from the
 * environment), applied to the fields each plugin marks with `target()`.
 */
export interface TargetPolicy {
  /** Accept values in endpoint overrides (`target(…, { override: true })`): tests, emulators, private links. */
  allowEndpointOverrides: boolean;
  /**
   * When set, the only hosts a destination may name: host names, `*.domain` (its subdomains), IP
   * addresses and CIDR blocks (these match hosts given as IP addresses). Null: any host.
   */
  destinationHosts: string[] | null;
  /** CIDR blocks of the private, loopback and link-local ranges destinations may still reach. */
  privateNetworks: string[];
  /** The folder every destination file (`target(…, { kind: 'file' })`) lives under. */
  filesDir: string;
  /** The addresses of a host name; by default the system resolver, the one the plugins' drivers use. */
  lookup?: (hostname: string) => Promise<string[]>;
}

export type TargetRefusalCode =
  'ENDPOINT_OVERRIDE_NOT_ALLOWED' | 'DESTINATION_HOST_NOT_ALLOWED' | 'INVALID_FILE_PATH' | 'FILE_PATH_NOT_A_FILE' | 'SECRETS_REQUIRED';

/**
 * A destination config the target policy refuses, with a stable code. It is a `ConfigError`, so
 * a sync run records it as a configuration failure (not retried).
 */
export class TargetRefusal extends ConfigError {
  readonly code: TargetRefusalCode;
  readonly field: string;
  constructor(code: TargetRefusalCode, message: string, field: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

// Addresses that are not on the public internet (IANA special-purpose registries): "this host",
// RFC 1918, carrier-grade NAT, loopback, link-local (169.254.169.254 and fd00:ec2::254 are cloud
// metadata services), documentation, benchmarking, multicast and reserved. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) match the IPv4 blocks: net.BlockList maps them.
const NON_PUBLIC_BLOCKS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];
const NON_PUBLIC = blockListOf(NON_PUBLIC_BLOCKS.map((block) => parseNetwork(block)!));

interface Network {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** A CIDR block (`10.0.0.0/8`, `fd00::/8`) or a single IP address; undefined when it is neither. */
export function parseNetwork(entry: string): Network | undefined {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  const version = net.isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An entry of the destination host allow-list: a host name, `*.domain`, an IP address or a CIDR block. */
export function isHostPattern(entry: string): boolean {
  const value = entry.trim().toLowerCase();
  return parseNetwork(value) !== undefined || isHostName(value.replace(/^\*\./, ''));
}

function blockListOf(networks: Network[]): net.BlockList {
  const list = new net.BlockList();
  for (const { address, prefix, family } of networks) list.addSubnet(address, prefix, family);
  return list;
}

const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A lower-case ASCII DNS name (a trailing dot allowed). */
function isHostName(value: string): boolean {
  const name = value.replace(/\.$/, '');
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
}

/** A host as the network sees it: an IP address, or a lower-case ASCII host name. */
interface Host {
  name: string;
  ip: boolean;
}

/**
 * The canonical form of a host name or IP address, as a resolver reads it (`127.1` and
 * `2130706433` are 127.0.0.1, names are lower-cased and punycoded), or undefined when it is not
 * a single host: lists (`a,b`), socket paths, ports and escapes are refused rather than guessed.
 */
function canonicalHost(raw: string): Host | undefined {
  let value = raw.trim().toLowerCase();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  if (net.isIP(value)) return { name: value, ip: true };
  if (value === '' || /[\s/\\?#@:%,[\]]/.test(value)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${value}`).hostname;
  } catch {
    return undefined;
  }
  if (net.isIP(hostname)) return { name: hostname, ip: true };
  return isHostName(hostname) ? { name: hostname.replace(/\.$/, ''), ip: false } : undefined;
}

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return net.isIPv4(address) ? 'ipv4' : 'ipv6';
}

// A zone index (fe80::1%eth0) says which interface, not which address.
const withoutZone = (address: string) => address.replace(/%.*$/, '');

async function systemLookup(hostname: string): Promise<string[]> {
  const addresses = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => entry.address);
}

/** The checks the host runs on a destination's target fields before storing or connecting. */
export interface TargetGuard {
  /**
   * At create and update, without network I/O: refuses endpoint overrides the operator did not
   * allow, hosts outside the allow-list and IP addresses in refused ranges, and bad file paths.
   * Returns the config with its file path normalised, and that path (the store keeps it unique).
   */
  checkConfig(
    plugin: InstalledPlugin,
    config: Record<string, unknown>,
  ): Promise<{ config: Record<string, unknown>; localFile: string | null }>;
  /**
   * The only way the host connects a plugin (sync runs and connection tests): refuses a
   * destination whose secrets were cleared, runs the checks of `checkConfig` again (the policy may
   * have changed), resolves every host and refuses it when an address is in a refused range (DNS
   * may have changed since the create), prepares the file's folder, and gives the plugin the
   * absolute path of its file.
   */
  connect(
    plugin: InstalledPlugin,
    dest: Pick<DestinationRecord, 'clearedSecrets'>,
    config: Record<string, unknown>,
    ctx: DestinationContext,
  ): Promise<DestinationConnection>;
  /**
   * The same host policy for a URL the server itself calls (alert webhooks), without network
   * I/O: an http(s) URL whose host is allowed. Throws a TargetRefusal naming `fieldName`.
   */
  checkUrl(fieldName: string, url: string): void;
  /** Before each call to such a URL: `checkUrl`, and every address its name resolves to. */
  checkUrlBeforeCall(fieldName: string, url: string): Promise<void>;
}

/** Builds the {@link TargetGuard} of a policy. */
export function createTargetGuard(policy: TargetPolicy): TargetGuard {
  const allowedPrivate = blockListOf(policy.privateNetworks.map((entry) => parseNetwork(entry)!));
  const lookup = policy.lookup ?? systemLookup;
  const filesDir = path.resolve(policy.filesDir);
  const listed = (policy.destinationHosts ?? []).map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''));
  const allowList = policy.destinationHosts && {
    names: new Set(listed.filter((entry) => !entry.startsWith('*.') && !parseNetwork(entry))),
    // `*.corp.example` matches the names ending in `.corp.example`
    suffixes: listed.filter((entry) => entry.startsWith('*.')).map((entry) => entry.slice(1)),
    networks: blockListOf(listed.flatMap((entry) => parseNetwork(entry) ?? [])),
  };

  const refusedAddress = (address: string) => {
    const bare = withoutZone(address);
    const family = familyOf(bare);
    return NON_PUBLIC.check(bare, family) && !allowedPrivate.check(bare, family);
  };

  function checkHost(field: TargetField, raw: string): Host {
    const host = canonicalHost(raw);
    if (!host)
      throw new TargetRefusal(
        'DESTINATION_HOST_NOT_ALLOWED',
        `${field.name}: "${raw}" is not a single host name or IP address`,
        field.name,
      );
    if (allowList) {
      const allowed = host.ip
        ? allowList.networks.check(withoutZone(host.name), familyOf(withoutZone(host.name)))
        : allowList.names.has(host.name) || allowList.suffixes.some((suffix) => host.name.endsWith(suffix));
      if (!allowed) {
        throw new TargetRefusal(
          'DESTINATION_HOST_NOT_ALLOWED',
          `${field.name}: ${host.name} is not among the hosts this server lets destinations connect to`,
          field.name,
        );
      }
    }
    if (host.ip && refusedAddress(host.name)) throw privateRefusal(field, host.name, false);
    return host;
  }

  function privateRefusal(field: TargetField, name: string, resolved: boolean) {
    // the addresses a name resolves to stay out of the message: it would map the internal network
    const what = resolved
      ? `${name} resolves to a private, loopback or link-local address`
      : `${name} is a private, loopback or link-local address`;
    return new TargetRefusal(
      'DESTINATION_HOST_NOT_ALLOWED',
      `${field.name}: ${what}, which this server does not let destinations reach (TRIBUTARY_DESTINATION_PRIVATE_NETWORKS)`,
      field.name,
    );
  }

  /** The hosts of the config's address fields, checked; overrides refused unless allowed. */
  function checkAddresses(plugin: InstalledPlugin, config: Record<string, unknown>): { field: TargetField; host: Host }[] {
    const hosts: { field: TargetField; host: Host }[] = [];
    for (const field of plugin.targetFields) {
      const value = config[field.name];
      if (value === undefined || value === null || (field.kind !== 'host' && field.kind !== 'url')) continue;
      if (field.override && !policy.allowEndpointOverrides) {
        throw new TargetRefusal(
          'ENDPOINT_OVERRIDE_NOT_ALLOWED',
          `${field.name} overrides the plugin's endpoint (for tests and private links), which this server does not allow (TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES)`,
          field.name,
        );
      }
      let raw = String(value);
      if (field.kind === 'url') {
        if (!URL.canParse(raw)) throw new TargetRefusal('DESTINATION_HOST_NOT_ALLOWED', `${field.name} is not a URL`, field.name);
        raw = new URL(raw).hostname;
      }
      hosts.push({ field, host: checkHost(field, raw) });
    }
    return hosts;
  }

  function fileField(plugin: InstalledPlugin): TargetField | undefined {
    return plugin.targetFields.find((field) => field.kind === 'file');
  }

  /**
   * Walks the file's path below the files folder: no component may be a symbolic link (which
   * could lead out of it or onto another destination's file), the parents must be folders and the
   * file, when it exists, a regular file.
   */
  async function checkFileOnDisk(field: TargetField, relative: string): Promise<void> {
    let current = filesDir;
    const segments = relative.split('/');
    for (const [index, segment] of segments.entries()) {
      current = path.join(current, segment);
      let stats: Stats;
      try {
        stats = await lstat(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      if (stats.isSymbolicLink())
        throw new TargetRefusal('INVALID_FILE_PATH', `${field.name}: ${relative} goes through a symbolic link`, field.name);
      const last = index === segments.length - 1;
      if (last && !stats.isFile())
        throw new TargetRefusal('FILE_PATH_NOT_A_FILE', `${field.name}: ${relative} exists and is not a file`, field.name);
      if (!last && !stats.isDirectory())
        throw new TargetRefusal(
          'INVALID_FILE_PATH',
          `${field.name}: ${segments.slice(0, index + 1).join('/')} is not a folder`,
          field.name,
        );
    }
  }

  async function checkFile(
    plugin: InstalledPlugin,
    config: Record<string, unknown>,
  ): Promise<{ field: TargetField; relative: string } | null> {
    const field = fileField(plugin);
    const value = field && config[field.name];
    if (!field || value === undefined || value === null) return null;
    const relative = normaliseFilePath(field, String(value));
    await checkFileOnDisk(field, relative);
    return { field, relative };
  }

  function checkUrl(fieldName: string, url: string): Host {
    const field: TargetField = { name: fieldName, kind: 'url' };
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.username || parsed.password) {
      throw new TargetRefusal(
        'DESTINATION_HOST_NOT_ALLOWED',
        `${fieldName} must be an http:// or https:// URL without credentials`,
        fieldName,
      );
    }
    return checkHost(field, parsed.hostname);
  }

  return {
    checkUrl(fieldName, url) {
      checkUrl(fieldName, url);
    },

    async checkUrlBeforeCall(fieldName, url) {
      const host = checkUrl(fieldName, url);
      if (host.ip) return;
      const addresses = await lookup(host.name);
      if (addresses.length === 0 || addresses.some(refusedAddress)) throw privateRefusal({ name: fieldName, kind: 'url' }, host.name, true);
    },

    async checkConfig(plugin, config) {
      checkAddresses(plugin, config);
      const file = await checkFile(plugin, config);
      return { config: file ? { ...config, [file.field.name]: file.relative } : config, localFile: file?.relative ?? null };
    },

    async connect(plugin, dest, config, ctx) {
      requireSecrets(dest);
      for (const { field, host } of checkAddresses(plugin, config)) {
        if (host.ip) continue;
        const addresses = await lookup(host.name);
        if (addresses.length === 0 || addresses.some(refusedAddress)) throw privateRefusal(field, host.name, true);
      }
      let connectConfig = config;
      const file = await checkFile(plugin, config);
      if (file) {
        await mkdir(path.dirname(path.join(filesDir, file.relative)), { recursive: true });
        connectConfig = { ...config, [file.field.name]: path.join(filesDir, file.relative) };
      }
      return plugin.definition.connect(connectConfig, ctx);
    },
  };
}

/**
 * Refuses a destination whose secrets were cleared by a change of its target and not given
 * again: without this, a plugin whose secrets are optional would connect without them.
 */
export function requireSecrets(dest: Pick<DestinationRecord, 'clearedSecrets'>): void {
  if (dest.clearedSecrets?.length) {
    throw new TargetRefusal(
      'SECRETS_REQUIRED',
      `the target of this destination changed, so its stored secrets were cleared: give ${dest.clearedSecrets.join(', ')} again (null to go without)`,
      'config',
    );
  }
}

const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_FILE_DEPTH = 8;
const MAX_FILE_PATH = 255;

/**
 * A file path relative to the files folder, normalised (`./a//b.duckdb` is `a/b.duckdb`).
 * Absolute paths, `..` and hidden names are refused, never resolved: a path always means the same
 * file, and the store can keep one destination per file.
 */
function normaliseFilePath(field: TargetField, value: string): string {
  const refuse = (why: string) => new TargetRefusal('INVALID_FILE_PATH', `${field.name}: ${why}`, field.name);
  if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value))
    throw refuse('give a path relative to the folder of destination files, not an absolute one');
  const segments = value.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw refuse('.. is not allowed: the file stays inside the folder of destination files');
  if (segments.length === 0 || segments.length > MAX_FILE_DEPTH || !segments.every((segment) => FILE_SEGMENT.test(segment))) {
    throw refuse(`use up to ${MAX_FILE_DEPTH} names of letters, digits, ., _ and - separated by /, none starting with .`);
  }
  const relative = segments.join('/');
  if (relative.length > MAX_FILE_PATH) throw refuse(`at most ${MAX_FILE_PATH} characters`);
  return relative;
}
