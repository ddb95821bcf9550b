import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { SourceError } from '../errors';

/**
 * A call the allow-list refused: the URL's host is not allowed, a redirect
 * left the origin, or the scheme is not http(s).
 *
 * @public
 */
export class OutboundRefusedError extends SourceError {
  name = 'OutboundRefusedError' as const;
  constructor(message: string, cause?: unknown) {
    super(message, 'refused', cause);
  }
}

const REASONS = {
  timeout: 'timeout',
  connection: 'connection',
  'too-large': 'too-large',
  redirect: 'http-status',
} as const;

/**
 * The other side did not answer properly: connection refused, timeout,
 * response too large.
 *
 * @public
 */
export class OutboundFailedError extends SourceError {
  name = 'OutboundFailedError' as const;
  constructor(
    message: string,
    readonly code: keyof typeof REASONS,
    cause?: unknown,
  ) {
    super(message, REASONS[code], cause);
  }
}

/** @public */
export interface OutboundResponse {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** @public */
export interface OutboundRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

/**
 * Which hosts may be called: exact names, `*.suffix` wildcards, IP addresses
 * and CIDRs. A name that is not listed passes when every address it resolves
 * to lies inside a listed address or CIDR.
 *
 * @public
 */
export class HostAllowList {
  readonly #names = new Set<string>();
  readonly #suffixes: string[] = [];
  readonly #blocks = new net.BlockList();
  #hasBlocks = false;

  constructor(readonly entries: string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes('/')) {
        const [ip, prefixText] = entry.split('/');
        const family = net.isIP(ip);
        const prefix = Number(prefixText);
        if (!family || !Number.isInteger(prefix)) {
          throw new Error(`Invalid CIDR in serviceHealth.allowedHosts: ${raw}`);
        }
        this.#blocks.addSubnet(ip, prefix, family === 6 ? 'ipv6' : 'ipv4');
        this.#hasBlocks = true;
      } else if (net.isIP(stripBrackets(entry))) {
        const ip = stripBrackets(entry);
        this.#blocks.addAddress(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4');
        this.#hasBlocks = true;
      } else if (entry.startsWith('*.')) {
        this.#suffixes.push(entry.slice(1));
      } else {
        this.#names.add(entry);
      }
    }
  }

  /** Whether an address (after DNS) is inside a listed address or CIDR. */
  allowsAddress(address: string): boolean {
    const family = net.isIP(address);
    if (!family || !this.#hasBlocks) return false;
    return this.#blocks.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** Whether the host name itself is listed (no DNS needed). */
  allowsName(hostname: string): boolean {
    const host = stripBrackets(hostname.toLowerCase());
    if (this.#names.has(host)) return true;
    if (net.isIP(host)) return this.allowsAddress(host);
    return this.#suffixes.some(s => host.endsWith(s) && host.length > s.length);
  }

  /**
   * A quick check without DNS: true when the name is listed or could pass
   * through CIDRs. IP literals outside the list are refused here.
   */
  mayAllow(hostname: string): boolean {
    const host = stripBrackets(hostname.toLowerCase());
    if (this.allowsName(host)) return true;
    if (net.isIP(host)) return false;
    return this.#hasBlocks;
  }
}

function stripBrackets(host: string) {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The only way the plugin calls services named by catalog annotations:
 * allow-listed hosts (checked again on the resolved address, so DNS cannot
 * point a listed name's lookup elsewhere unnoticed for CIDR entries), http(s)
 * only, same-origin redirects only, a response size limit and a deadline
 * covering the whole exchange.
 *
 * @public
 */
export class OutboundHttp {
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  readonly #httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 512 });

  constructor(
    readonly allowList: HostAllowList,
    readonly defaults: {
      timeoutMs: number;
      maxResponseBytes: number;
      maxRedirects: number;
    },
  ) {}

  /**
   * The trusted-origin mode, for an upstream named in the app-config
   * (Prometheus, Jaeger, Tempo) rather than in a catalog file: its host is
   * allowed as configured; everything else (same-origin redirects, the size
   * limit, the deadline) is as for any call.
   */
  static forTrustedOrigin(
    baseUrl: string | URL,
    limits: {
      timeoutMs: number;
      maxResponseBytes: number;
      maxRedirects: number;
    },
  ): OutboundHttp {
    return new OutboundHttp(
      new HostAllowList([new URL(baseUrl).hostname]),
      limits,
    );
  }

  /** Throws OutboundRefusedError when the URL may not be called. */
  assertAllowed(url: string | URL): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OutboundRefusedError(`Invalid URL: ${String(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new OutboundRefusedError(
        `Only http and https URLs may be called, not ${parsed.protocol}`,
      );
    }
    if (parsed.username || parsed.password) {
      throw new OutboundRefusedError('URLs with credentials are refused');
    }
    if (!this.allowList.mayAllow(parsed.hostname)) {
      throw new OutboundRefusedError(
        `Host "${parsed.hostname}" is not allowed by serviceHealth.allowedHosts`,
      );
    }
    return parsed;
  }

  async request(
    url: string | URL,
    options: OutboundRequestOptions = {},
  ): Promise<OutboundResponse> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    const maxBytes = options.maxResponseBytes ?? this.defaults.maxResponseBytes;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([deadline, options.signal])
      : deadline;

    let current = this.assertAllowed(url);
    for (let hop = 0; ; hop++) {
      const response = await this.#once(
        current,
        options,
        maxBytes,
        signal,
        deadline,
        timeoutMs,
      );
      const location = response.headers.location;
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current);
        if (next.origin !== current.origin) {
          throw new OutboundRefusedError(
            `Redirect from ${current.origin} to another origin (${next.origin}) refused`,
          );
        }
        if (hop >= this.defaults.maxRedirects) {
          throw new OutboundFailedError(
            `Too many redirects from ${url}`,
            'redirect',
          );
        }
        current = next;
        continue;
      }
      return response;
    }
  }

  #once(
    url: URL,
    options: OutboundRequestOptions,
    maxBytes: number,
    signal: AbortSignal,
    deadline: AbortSignal,
    timeoutMs: number,
  ): Promise<OutboundResponse> {
    const allowList = this.allowList;
    const hostname = stripBrackets(url.hostname);
    const byName = allowList.allowsName(hostname);
    const lookup: net.LookupFunction = (host, lookupOptions, callback) => {
      dns.lookup(
        host,
        { all: true, family: lookupOptions.family as number | undefined },
        (err, addresses) => {
          if (err) {
            (callback as any)(err);
            return;
          }
          const list = addresses as dns.LookupAddress[];
          if (!byName && !list.every(a => allowList.allowsAddress(a.address))) {
            (callback as any)(
              new OutboundRefusedError(
                `Host "${host}" resolves to an address not allowed by serviceHealth.allowedHosts`,
              ),
            );
            return;
          }
          if ((lookupOptions as any).all) {
            (callback as any)(null, list);
          } else {
            (callback as any)(null, list[0].address, list[0].family);
          }
        },
      );
    };

    return new Promise<OutboundResponse>((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const lib = isHttps ? https : http;
      const req = lib.request(
        url,
        {
          method: options.method ?? 'GET',
          headers: {
            'user-agent': 'backstage-service-health',
            ...options.headers,
          },
          agent: isHttps ? this.#httpsAgent : this.#httpAgent,
          lookup: net.isIP(hostname) ? undefined : lookup,
          signal,
        },
        res => {
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            reject(tooLarge(url, maxBytes));
            res.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              reject(tooLarge(url, maxBytes));
              res.destroy();
              req.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              url: url.toString(),
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', e => reject(mapError(e, url, deadline, timeoutMs)));
          res.on('aborted', () =>
            reject(mapError(new Error('aborted'), url, deadline, timeoutMs)),
          );
        },
      );
      req.on('error', e => reject(mapError(e, url, deadline, timeoutMs)));
      if (options.body) req.write(options.body);
      req.end();
    });
  }

  close() {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}

function tooLarge(url: URL, maxBytes: number) {
  return new OutboundFailedError(
    `Response from ${url.origin}${url.pathname} exceeds ${maxBytes} bytes`,
    'too-large',
  );
}

function mapError(
  e: unknown,
  url: URL,
  deadline: AbortSignal,
  timeoutMs: number,
) {
  if (e instanceof OutboundRefusedError || e instanceof OutboundFailedError) {
    return e;
  }
  if ((e as any)?.cause instanceof OutboundRefusedError) {
    return (e as any).cause;
  }
  if (deadline.aborted) {
    return new OutboundFailedError(
      `No complete answer from ${url.origin}${url.pathname} within ${timeoutMs} ms`,
      'timeout',
    );
  }
  const err = e as NodeJS.ErrnoException;
  return new OutboundFailedError(
    `${url.origin}${url.pathname}: ${err?.code ?? err?.message ?? String(e)}`,
    'connection',
    e,
  );
}
