import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  HostAllowList,
  OutboundFailedError,
  OutboundHttp,
  OutboundRefusedError,
} from './OutboundHttp';

describe('HostAllowList', () => {
  it('matches names, wildcards, addresses and CIDRs', () => {
    const list = new HostAllowList([
      'localhost',
      '*.svc.example.com',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
    expect(list.allowsName('localhost')).toBe(true);
    expect(list.allowsName('orders.svc.example.com')).toBe(true);
    expect(list.allowsName('svc.example.com')).toBe(false);
    expect(list.allowsName('evil-svc.example.com')).toBe(false);
    expect(list.allowsName('10.1.2.3')).toBe(true);
    expect(list.allowsName('11.1.2.3')).toBe(false);
    expect(list.allowsName('[::1]')).toBe(true);
    expect(list.allowsName('fd00::5')).toBe(true);
    expect(list.mayAllow('169.254.169.254')).toBe(false);
    expect(list.mayAllow('some-name')).toBe(true); // checked again after DNS
    expect(new HostAllowList([]).mayAllow('localhost')).toBe(false);
  });
});

describe('OutboundHttp', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big') {
        res.end('x'.repeat(10_000));
      } else if (req.url === '/big-chunked') {
        res.write('x'.repeat(6000));
        res.write('x'.repeat(6000));
        res.end();
      } else if (req.url === '/redirect-same') {
        res.writeHead(302, { location: '/ok' }).end();
      } else if (req.url === '/redirect-other') {
        res.writeHead(302, { location: 'http://localhost:1/ok' }).end();
      } else if (req.url === '/slow-body') {
        res.write('{');
        // never ends
      } else {
        res.end('ok');
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  const client = () =>
    new OutboundHttp(new HostAllowList(['127.0.0.1']), {
      timeoutMs: 500,
      maxResponseBytes: 8000,
      maxRedirects: 2,
    });

  it('follows same-origin redirects and refuses others', async () => {
    const c = client();
    expect((await c.request(`${base}/redirect-same`)).body.toString()).toBe(
      'ok',
    );
    await expect(c.request(`${base}/redirect-other`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    c.close();
  });

  it('limits the response size', async () => {
    const c = client();
    await expect(c.request(`${base}/big`)).rejects.toMatchObject({
      code: 'too-large',
    });
    await expect(c.request(`${base}/big-chunked`)).rejects.toMatchObject({
      code: 'too-large',
    });
    c.close();
  });

  it('times out a body that never ends', async () => {
    const c = client();
    const started = Date.now();
    await expect(c.request(`${base}/slow-body`)).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    c.close();
  });

  it('refuses hosts, schemes and names resolving outside the list', async () => {
    const c = client();
    await expect(c.request('http://169.254.169.254/')).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    await expect(c.request('file:///etc/passwd')).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    await expect(c.request(`http://user:pw@127.0.0.1/`)).rejects.toBeInstanceOf(
      OutboundRefusedError,
    );
    // a CIDR list lets names through to DNS, and checks the resolved address
    const cidr = new OutboundHttp(new HostAllowList(['10.0.0.0/8']), {
      timeoutMs: 500,
      maxResponseBytes: 1000,
      maxRedirects: 0,
    });
    const port = new URL(base).port;
    await expect(
      cidr.request(`http://localhost:${port}/`),
    ).rejects.toBeInstanceOf(OutboundRefusedError);
    cidr.close();
    c.close();
  });

  it('reports refused connections as failures, not refusals', async () => {
    const c = client();
    await expect(c.request('http://127.0.0.1:1/')).rejects.toBeInstanceOf(
      OutboundFailedError,
    );
    c.close();
  });
});
