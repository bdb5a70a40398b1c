import type { IncomingMessage } from 'node:http';
import type ProxyAddr from 'proxy-addr';
import { FastTsError } from '../errors/codes.js';
import { lazy } from '../internal/lazy.js';

// Loaded by the first app that trusts a proxy.
const proxyaddr = lazy<typeof ProxyAddr>('proxy-addr');

/**
 * Which peers may tell the app who the client is, as Express's `trust proxy`:
 * `true` for every hop, a number for that many hops in front of the app,
 * addresses or subnets (`'loopback'`, `'10.0.0.0/8'`, a list or a
 * comma-separated string), or a function of the address and its hop.
 */
export type TrustProxy = boolean | number | string | readonly string[] | ((address: string, hop: number) => boolean);

/** A compiled `TrustProxy`: is the peer at `hop` (0 = the socket's) trusted? */
export type Trust = (address: string, hop: number) => boolean;

/** Undefined when nothing is trusted, so a request without a proxy tests one field. Refuses a bad address at start with FASTTS_ERR_TRUST_PROXY. */
export function compileTrust(option: TrustProxy | undefined): Trust | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return () => true;
  if (typeof option === 'function') return option;
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 0) throw new FastTsError('FASTTS_ERR_TRUST_PROXY', String(option), 'a hop count is a whole number of 0 or more');
    return (_address, hop) => hop < option;
  }
  const list = typeof option === 'string' ? option.split(',').map((entry) => entry.trim()) : [...option];
  try {
    return proxyaddr().compile(list);
  } catch (err) {
    throw new FastTsError('FASTTS_ERR_TRUST_PROXY', list.join(', '), (err as Error).message);
  }
}

/** The client's address: the socket's peer, or the nearest untrusted address in X-Forwarded-For. */
export function clientAddress(raw: IncomingMessage, trust: Trust): string | undefined {
  // proxy-addr reads `connection.remoteAddress`, which node keeps as an alias of the socket.
  return raw.socket.remoteAddress === undefined ? undefined : proxyaddr()(raw, trust);
}

/**
 * The first value of a forwarded header, when the socket's peer is trusted
 * (Express reads X-Forwarded-Proto and -Host the same way). The first is the
 * one the outermost proxy wrote: further proxies append.
 */
export function forwarded(raw: IncomingMessage, trust: Trust | undefined, name: 'x-forwarded-proto' | 'x-forwarded-host'): string | undefined {
  if (trust === undefined) return undefined;
  const value = raw.headers[name];
  if (typeof value !== 'string' || value === '') return undefined;
  const peer = raw.socket.remoteAddress;
  if (peer === undefined || !trust(peer, 0)) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim() || undefined;
}
