import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. A user who can subscribe to alerts must not make the server call into
 * its own network (server-side request forgery: a database port, a cloud metadata address, an
 * admin page on localhost). So a webhook goes to a public address over https; an address that is
 * loopback, private, link-local, shared, multicast or reserved is refused unless the operator
 * allows it in `TRUCE_WEBHOOK_ALLOW` (host names, addresses or CIDR ranges, comma-separated:
 * `localhost,10.2.0.0/16,hooks.internal`), and plain http only to an allowed target.
 *
 * Host names are checked at every connection, on the addresses the connection will use (the
 * lookup below is the socket's own), so a name that resolves to a public address when the
 * subscription is made and to a private one later (DNS rebinding) is refused then.
 */
export class WebhookTargets {
  readonly #allowedHosts: Set<string>;
  readonly #allowedAddresses = new BlockList();
  readonly allowList: readonly string[];

  constructor(allow: readonly string[] = []) {
    this.allowList = allow;
    this.#allowedHosts = new Set();
    for (const raw of allow) {
      const item = raw.trim().toLowerCase();
      if (item === '') continue;
      const [address, prefix] = item.split('/');
      const family = isIP(unbracket(address ?? ''));
      if (family === 0) {
        if (prefix !== undefined)
          throw new Error(`TRUCE_WEBHOOK_ALLOW: ${raw} is not a CIDR range`);
        this.#allowedHosts.add(item);
        continue;
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#allowedAddresses.addAddress(unbracket(address!), type);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
          throw new Error(`TRUCE_WEBHOOK_ALLOW: ${raw} is not a CIDR range`);
        }
        this.#allowedAddresses.addSubnet(unbracket(address!), bits, type);
      }
    }
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): WebhookTargets {
    const items = (env.TRUCE_WEBHOOK_ALLOW ?? '').split(',').map((item) => item.trim());
    return new WebhookTargets(items.filter((item) => item !== ''));
  }

  /** What is wrong with a webhook URL before any lookup, or null (a subscription's check). */
  urlProblem(text: string): string | null {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'not a URL';
    }
    if (url.username || url.password)
      return 'no credentials in the URL; the signature authenticates';
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'use https';
    const host = unbracket(url.hostname).toLowerCase();
    const allowed = this.#hostAllowed(host);
    if (url.protocol === 'http:' && !allowed) {
      return 'use https (plain http only to a target the operator allows in TRUCE_WEBHOOK_ALLOW)';
    }
    if (!allowed && (host === 'localhost' || host.endsWith('.localhost'))) {
      return `${host} is this machine; the operator may allow it in TRUCE_WEBHOOK_ALLOW`;
    }
    if (isIP(host) !== 0) return this.addressProblem(host);
    return null;
  }

  /** Why a connection to this address is refused, or null. */
  addressProblem(address: string, host?: string): string | null {
    const plain = unbracket(address).toLowerCase();
    if (host !== undefined && this.#hostAllowed(host.toLowerCase())) return null;
    if (this.#addressAllowed(plain)) return null;
    const range = internalRange(plain);
    if (range === undefined) return null;
    return `${host !== undefined && host !== plain ? `${host} resolves to ` : ''}${plain}, a ${range} address; the operator may allow it in TRUCE_WEBHOOK_ALLOW`;
  }

  /**
   * A `lookup` for `http.request`: resolves like the system does, then refuses the connection
   * if any address it would use is internal and not allowed.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string } | number,
    callback: (...args: unknown[]) => void,
  ): void => {
    const all = typeof options === 'object' && options.all === true;
    const family = typeof options === 'number' ? options : Number(options.family ?? 0) || 0;
    dnsLookup(hostname, { all: true, family: family as 0 | 4 | 6 }, (error, addresses) => {
      if (error) {
        callback(error);
        return;
      }
      const list = addresses as LookupAddress[];
      for (const { address } of list) {
        const problem = this.addressProblem(address, hostname);
        if (problem !== null) {
          callback(Object.assign(new Error(problem), { code: 'WEBHOOK_TARGET_REFUSED' }));
          return;
        }
      }
      if (all) callback(null, list);
      else callback(null, list[0]?.address, list[0]?.family);
    });
  };

  #hostAllowed(host: string): boolean {
    const plain = unbracket(host);
    return this.#allowedHosts.has(plain) || (isIP(plain) !== 0 && this.#addressAllowed(plain));
  }

  #addressAllowed(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.#allowedAddresses.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** IANA special-purpose ranges a webhook must not reach (RFC 6890 and its updates). */
const internal: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b:1::', 48, 'ipv6', 'local NAT64'],
  ['100::', 64, 'ipv6', 'discard-only'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const internalRanges = internal.map(([address, bits, type, name]) => {
  const list = new BlockList();
  list.addSubnet(address, bits, type);
  return { list, type, name };
});

/** The name of the internal range holding `address`, or undefined for a public address. */
export function internalRange(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'unparsable';
  if (family === 6) {
    // IPv4 written in IPv6 (::ffff:10.0.0.1, NAT64 64:ff9b::10.0.0.1): judged as the IPv4 inside.
    const embedded = embeddedIpv4(address);
    if (embedded !== undefined) return internalRange(embedded);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return internalRanges.find((range) => range.type === type && range.list.check(address, type))
    ?.name;
}

function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
