import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProtectimusError } from '../src/errors';
import { parseBody, readBody } from '../src/web/request';

describe('readBody', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const limit = Number(req.headers['x-limit'] ?? 4096);
      readBody(req, limit).then(
        (text) => res.end(JSON.stringify({ text })),
        (err: ProtectimusError) => {
          res.statusCode = err.status;
          res.end(JSON.stringify({ code: err.code }));
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(base, { method: 'POST', body, headers });
    return { status: res.status, json: (await res.json()) as { text?: string; code?: string } };
  };

  it('reads a body as UTF-8', async () => {
    expect(await post('otp=123456&name=%C3%A9')).toEqual({ status: 200, json: { text: 'otp=123456&name=%C3%A9' } });
    expect((await post(Buffer.from('{"otp":"é"}', 'utf8'))).json.text).toBe('{"otp":"é"}');
  });

  it('accepts a body of exactly the limit', async () => {
    expect((await post('x'.repeat(100), { 'x-limit': '100' })).json.text).toHaveLength(100);
  });

  it('refuses a body past the limit from its Content-Length', async () => {
    expect(await post('x'.repeat(101), { 'x-limit': '100' })).toEqual({ status: 400, json: { code: 'INVALID_INPUT' } });
  });

  it('refuses past the default 4 KiB', async () => {
    expect((await post('x'.repeat(4097))).json.code).toBe('INVALID_INPUT');
    expect((await post('x'.repeat(4096))).status).toBe(200);
  });

  it('refuses a chunked body that grows past the limit', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i += 1) controller.enqueue(new TextEncoder().encode('y'.repeat(50)));
        controller.close();
      },
    });
    const res = await fetch(base, { method: 'POST', body: stream, headers: { 'x-limit': '200' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'INVALID_INPUT' });
  });

  it('refuses a compressed body', async () => {
    expect((await post('abc', { 'content-encoding': 'gzip' })).json.code).toBe('INVALID_INPUT');
  });
});

describe('parseBody', () => {
  it('parses JSON, whatever its charset parameter', () => {
    expect(parseBody('application/json', '{"otp":"123456"}')).toEqual({ otp: '123456' });
    expect(parseBody('Application/JSON; charset=utf-8', '{"otp":"1"}')).toEqual({ otp: '1' });
  });

  it('parses a urlencoded form into a prototype-free object', () => {
    const fields = parseBody('application/x-www-form-urlencoded', 'otp=1234+56&_csrf=a%2Bb&__proto__=x') as Record<string, unknown>;
    expect(fields.otp).toBe('1234 56');
    expect(fields._csrf).toBe('a+b');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(fields['__proto__']).toBe('x');
  });

  it('turns repeated fields into arrays', () => {
    expect(parseBody('application/x-www-form-urlencoded', 'otp=1&otp=2&otp=3')).toEqual(
      Object.assign(Object.create(null) as object, { otp: ['1', '2', '3'] }),
    );
  });

  it.each([
    ['application/json', '{not json'],
    ['text/plain', 'otp=123456'],
    ['multipart/form-data; boundary=x', '--x--'],
    [undefined, 'otp=1'],
    ['application/xml', '<otp/>'],
  ])('refuses %s %j', (type, raw) => {
    expect(() => parseBody(type, raw)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
