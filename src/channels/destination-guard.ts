import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';

/**
 * Where provider and webhook calls may go. Calls never reach loopback, private, link-local or
 * metadata addresses unless the operator allows the private network, or names the host.
 * `EngineConfig` carries these fields (TIDINGS_ALLOW_PRIVATE_NETWORK, TIDINGS_ALLOWED_HOSTS).
 */
export interface DestinationPolicy {
  allowPrivateNetwork: boolean;
  /** Host names (or `*.suffix`) that may resolve to any address: an operator's own relay. */
  allowedHosts: readonly string[];
  /** How host names are resolved; `dns.lookup` unless a test injects its own resolver. */
  lookup?: LookupFunction;
}

/** The policy when nothing is configured: public addresses only. */
export const PUBLIC_DESTINATIONS_ONLY: DestinationPolicy = { allowPrivateNetwork: false, allowedHosts: [] };

/**
 * The address ranges no call may reach: this host and unspecified (0.0.0.0/8, ::), loopback,
 * the private networks, carrier-grade NAT (100.64/10: some clouds' metadata services live there),
 * link-local (169.254/16 holds the metadata endpoint of most clouds) and unique-local IPv6.
 * `BlockList` matches an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) against the IPv4 rules.
 */
const DENIED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  DENIED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // `::` and `::1`, and the deprecated IPv4-compatible form (`::127.0.0.1`).
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  DENIED.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address lies in a range no call may reach. */
export function isDeniedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // An IPv4-mapped address written in dotted form (`::ffff:10.0.0.1`) is checked as IPv4 too.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined && DENIED.check(mapped[1], 'ipv4')) return true;
    return DENIED.check(address, 'ipv6');
  }
  return DENIED.check(address, 'ipv4');
}

/** A call refused before it connected: the address its host resolved to is not allowed. */
export class DestinationNotAllowedError extends Error {
  readonly code = 'EDESTINATIONNOTALLOWED';

  constructor(host: string, address: string) {
    super(
      host === address
        ? `${address} is a loopback, private or link-local address; calls there are not allowed`
        : `${host} resolves to ${address}, a loopback, private or link-local address; calls there are not allowed`,
    );
    this.name = 'DestinationNotAllowedError';
  }
}

export function isDestinationNotAllowed(error: unknown): boolean {
  let cause: unknown = error;
  // undici and nodemailer may wrap a connection's error; look a few levels down.
  for (let depth = 0; depth < 4 && cause; depth += 1) {
    if (cause instanceof DestinationNotAllowedError) return true;
    if ((cause as { code?: string }).code === 'EDESTINATIONNOTALLOWED') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Whether `host` matches a pattern: the same name (case-insensitive), `*.example.com` for any
 * name under example.com (not example.com itself), or `*` for any host.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '*') return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return p === h;
}

function isAllowedHost(policy: DestinationPolicy, host: string): boolean {
  return policy.allowedHosts.some((pattern) => hostMatches(pattern, host));
}

/**
 * A `lookup` for `net.connect` and `tls.connect` that drops the denied addresses a name resolves
 * to, and fails with DestinationNotAllowedError when none is left. The check is made on the
 * address the socket then connects to, so a name that resolves differently the second time (DNS
 * rebinding) cannot slip through.
 */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  const resolve = policy.lookup ?? (dnsLookup as LookupFunction);
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) return callback(error, '', 0);
      const addresses = (Array.isArray(resolved) ? resolved : [{ address: resolved, family: 0 }]) as LookupAddress[];
      const allowed = addresses.filter((a) => !isDeniedAddress(a.address));
      const first = allowed[0];
      if (first === undefined)
        return callback(new DestinationNotAllowedError(hostname, addresses[0]?.address ?? hostname), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, first.address, first.family || isIP(first.address));
    });
  };
}

/** Whether connections to `host` go unchecked: the private network allowed, or the host named. */
function unchecked(policy: DestinationPolicy, host: string): boolean {
  return policy.allowPrivateNetwork || isAllowedHost(policy, host);
}

/** A denied IP literal, which `net.connect` connects to without any lookup to check it in. */
function refusedLiteral(host: string): DestinationNotAllowedError | null {
  return isIP(host) !== 0 && isDeniedAddress(host) ? new DestinationNotAllowedError(host, host) : null;
}

const dispatchers = new WeakMap<DestinationPolicy, Dispatcher | undefined>();

/**
 * The undici dispatcher for calls under `policy`, one per policy (its connections are reused):
 * its connector refuses a denied IP literal (which `net.connect` never looks up) and resolves
 * names through guardedLookup. With the private network allowed and no resolver injected,
 * undefined: undici's global dispatcher, unchanged.
 */
export function destinationDispatcher(policy: DestinationPolicy): Dispatcher | undefined {
  if (dispatchers.has(policy)) return dispatchers.get(policy);
  let dispatcher: Dispatcher | undefined;
  if (!policy.allowPrivateNetwork || policy.lookup) {
    const guarded = buildConnector({ lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
    const plain = buildConnector((policy.lookup ? { lookup: policy.lookup } : {}) as buildConnector.BuildOptions);
    dispatcher = new Agent({
      connect: (options, callback) => {
        if (unchecked(policy, options.hostname)) return plain(options, callback);
        const refused = refusedLiteral(options.hostname);
        if (refused) return void callback(refused, null);
        guarded(options, callback);
      },
    });
  }
  dispatchers.set(policy, dispatcher);
  return dispatcher;
}

/**
 * A plain TCP connection to `host:port` under `policy`, for clients that open their own sockets
 * (nodemailer's `getSocket`): the same checks as destinationDispatcher. Fails after `timeoutMs`.
 */
export function connectGuarded(
  policy: DestinationPolicy,
  host: string,
  port: number,
  timeoutMs: number,
  callback: (error: Error | null, socket?: Socket) => void,
): void {
  const free = unchecked(policy, host);
  const refused = free ? null : refusedLiteral(host);
  if (refused) return void setImmediate(() => callback(refused));
  const lookup = free ? policy.lookup : guardedLookup(policy);
  const socket = netConnect({ host, port, ...(lookup ? { lookup } : {}) });
  let done = false;
  const finish = (error: Error | null) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('error', finish);
    if (error) {
      socket.destroy();
      callback(error);
    } else callback(null, socket);
  };
  const timer = setTimeout(
    () => finish(Object.assign(new Error(`connection to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    timeoutMs,
  );
  socket.once('connect', () => finish(null));
  socket.once('error', finish);
}
