import dns from 'node:dns';
import net from 'node:net';

/**
 * Which addresses a webhook may reach: none that is private, loopback, link-local, multicast,
 * reserved or documentation space, unless the operator listed it (WEBHOOK_ALLOWED_ADDRESSES).
 * Checked at connect time (the request's `lookup`), so a hostname that resolves elsewhere after
 * the endpoint was saved (DNS rebinding) is refused too.
 */
const BLOCKED_V4 = [
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
];
// IPv4-mapped, NAT64 and 6to4 spaces embed IPv4 addresses: refused whole (no public receiver needs them).
const BLOCKED_V6 = [
  '::/127',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

function subnetList(cidrs: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const c of cidrs) {
    const [ip, bits] = c.split('/');
    const family = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  return list;
}

export interface AddressPolicy {
  permits(address: string): boolean;
  /** A `lookup` for http.request: resolves, then refuses the connection if any address is not permitted. */
  lookup: net.LookupFunction;
  /** Resolves a hostname (or takes an IP literal) and refuses it as the connection would. */
  check(hostname: string): Promise<void>;
}

export const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

export function addressPolicy(allowed: string[] = []): AddressPolicy {
  const v4 = subnetList(BLOCKED_V4);
  const v6 = subnetList(BLOCKED_V6);
  const exempt = subnetList(allowed);

  const permits = (address: string): boolean => {
    const family = net.isIP(address);
    if (family === 0) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (exempt.check(address, type)) return true;
    return !(family === 4 ? v4.check(address, 'ipv4') : v6.check(address, 'ipv6'));
  };
  const refuse = (hostname: string, address: string) =>
    new BlockedAddressError(`${hostname} resolves to ${address}, a private, loopback or reserved address`);

  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !permits(a.address));
      if (bad || list.length === 0) return callback(refuse(hostname, bad?.address ?? 'nothing'), '', 0);
      // Node asks for every address (autoSelectFamily) or for one.
      if ((options as dns.LookupOptions).all) (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, list[0].address, list[0].family);
    });
  };

  return {
    permits,
    lookup,
    async check(hostname) {
      const host = bareHost(hostname);
      const addresses = net.isIP(host) ? [{ address: host }] : await dns.promises.lookup(host, { all: true });
      const bad = addresses.find((a) => !permits(a.address));
      if (bad || addresses.length === 0) throw refuse(host, bad?.address ?? 'nothing');
    },
  };
}
