import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';

/** One stored parameter of the fake. */
export interface FakeParameter {
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
}

/** One request the fake answered. */
export interface SsmRequest {
  /** `GetParameter`, `GetParametersByPath`… */
  operation: string;
  /** The request body. */
  input: Record<string, unknown>;
}

export interface SsmFakeOptions {
  /**
   * Most parameters a `GetParametersByPath` page holds, whatever `MaxResults` asks (AWS allows at
   * most 10, and may return fewer).
   * @default 10
   */
  pageSize?: number;
}

/**
 * A local HTTP server speaking the SSM JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.<Operation>`)
 * for `GetParameter`, `GetParameters`, `GetParametersByPath` and `PutParameter`, with AWS's rules:
 * `ParameterNotFound`, SecureString values encrypted unless `WithDecryption`, `MaxResults` ≤ 10 and
 * real `NextToken` pagination, `Overwrite` required to replace a parameter.
 */
export interface SsmFake {
  endpoint: string;
  /** Client options for `endpoint`: region us-east-1 and dummy credentials. */
  clientConfig: SSMClientConfig;
  /** The stored parameters, by full name. Tests may read and seed them directly. */
  parameters: Map<string, FakeParameter>;
  /** Every request answered since the last {@link SsmFake.resetRequests}. */
  requests: SsmRequest[];
  resetRequests(): void;
  count(operation: string): number;
  /**
   * Answer `AccessDeniedException` (as IAM does) for the requests `deny` returns true for, e.g.
   * `(op) => op === 'PutParameter'`. No argument: allow everything again.
   */
  denyAccess(deny?: (operation: string, name: string) => boolean): void;
  /**
   * Answer `ThrottlingException` ("Rate exceeded", HTTP 400, as SSM does past its request rate) for
   * the requests `throttle` returns true for; `request` counts from 1 per operation since this call.
   * No argument: stop throttling.
   */
  throttle(throttle?: (operation: string, request: number) => boolean): void;
  /** Answer every request after `ms` (SSM's own latency, for benchmarks); 0: at once. */
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const NAME = /^[a-zA-Z0-9_.\-/]+$/;

class FakeError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSsmFake(options: SsmFakeOptions = {}): Promise<SsmFake> {
  const pageSize = Math.min(10, Math.max(1, options.pageSize ?? 10));
  const parameters = new Map<string, FakeParameter>();
  const requests: SsmRequest[] = [];
  let deny: ((operation: string, name: string) => boolean) | undefined;
  let throttle: ((operation: string, request: number) => boolean) | undefined;
  const throttleCounters = new Map<string, number>();
  let latencyMs = 0;

  // The sorted names of a listing, taken at its first page and kept for its next pages (as a
  // snapshot): paging through 100,000 parameters then costs a slice per page, not a sort.
  let listing: { key: string; names: string[] } | undefined;
  const matchingNames = (base: string, recursive: boolean, first: boolean): string[] => {
    const key = `${recursive}\u0000${base}`;
    if (!first && listing?.key === key) return listing.names;
    const names = [...parameters.keys()]
      .filter((n) => n.startsWith(base) && (recursive || !n.slice(base.length).includes('/')))
      .sort();
    listing = { key, names };
    return names;
  };
  const encrypted = (name: string) => `AQICAHencrypted${Buffer.from(name).toString('base64')}`;
  const arn = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  const show = (name: string, p: FakeParameter, decrypt: unknown) => ({
    Name: name,
    Type: p.type,
    Value: p.type === 'SecureString' && decrypt !== true ? encrypted(name) : p.value,
    Version: p.version,
    LastModifiedDate: 1_764_000_000,
    ARN: arn(name),
    DataType: 'text',
  });
  const check = (operation: string, name: string) => {
    if (deny?.(operation, name)) {
      throw new FakeError(
        'AccessDeniedException',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/life-stats/fn is not authorized to perform: ssm:${operation} ` +
          `on resource: ${arn(name)} because no identity-based policy allows the ssm:${operation} action`,
      );
    }
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetParameter(input) {
      const name = String(input.Name);
      check('GetParameter', name);
      const p = parameters.get(name);
      if (!p) throw new FakeError('ParameterNotFound', '');
      return { Parameter: show(name, p, input.WithDecryption) };
    },
    GetParameters(input) {
      const names = (input.Names as string[] | undefined) ?? [];
      if (names.length < 1 || names.length > 10) {
        throw new FakeError('ValidationException', 'Names must hold between 1 and 10 names');
      }
      for (const name of names) check('GetParameters', name);
      const found = names.filter((n) => parameters.has(n));
      return {
        Parameters: found.map((n) => show(n, parameters.get(n) as FakeParameter, input.WithDecryption)),
        InvalidParameters: names.filter((n) => !parameters.has(n)),
      };
    },
    GetParametersByPath(input) {
      const path = String(input.Path ?? '');
      check('GetParametersByPath', path);
      if (!path.startsWith('/')) throw new FakeError('ValidationException', 'The parameter path must begin with "/"');
      const max = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
      if (!Number.isInteger(max) || max < 1 || max > 10) {
        throw new FakeError(
          'ValidationException',
          `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`,
        );
      }
      const base = path.endsWith('/') ? path : `${path}/`;
      const matching = matchingNames(base, input.Recursive === true, input.NextToken === undefined);
      const offset =
        input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64').toString());
      if (!Number.isInteger(offset) || offset < 0) throw new FakeError('InvalidNextToken', 'The token is not valid.');
      const page = matching.slice(offset, offset + Math.min(max, pageSize));
      const next = offset + page.length;
      return {
        Parameters: page.flatMap((n) => {
          const p = parameters.get(n);
          return p ? [show(n, p, input.WithDecryption)] : [];
        }),
        ...(next < matching.length ? { NextToken: Buffer.from(String(next)).toString('base64') } : {}),
      };
    },
    PutParameter(input) {
      const name = String(input.Name ?? '');
      check('PutParameter', name);
      if (!NAME.test(name) || name.length > 2048) {
        throw new FakeError(
          'ValidationException',
          `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`,
        );
      }
      const value = String(input.Value ?? '');
      if (value.length === 0 || value.length > 8192) {
        // Like AWS, a constraint violation quotes the rejected input: here, the value.
        throw new FakeError(
          'ValidationException',
          `1 validation error detected: Value '${value}' at 'value' failed to satisfy constraint: Member must have length less than or equal to 8192`,
        );
      }
      if (value.length > 4096) {
        throw new FakeError(
          'ValidationException',
          'Standard tier parameters support a maximum parameter value of 4096 characters.',
        );
      }
      const existing = parameters.get(name);
      if (existing && input.Overwrite !== true) {
        throw new FakeError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      const type = (input.Type as FakeParameter['type'] | undefined) ?? existing?.type;
      if (!type)
        throw new FakeError('ValidationException', 'A parameter type is required when you create a parameter.');
      const version = (existing?.version ?? 0) + 1;
      parameters.set(name, { value, type, version });
      return { Version: version, Tier: 'Standard' };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake' });
      res.end(text);
    };
    const run = operations[operation];
    if (!run) return send(400, { __type: 'UnknownOperationException', message: `unknown target ${target}` });
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(400, { __type: 'SerializationException', message: 'bad JSON' });
    }
    requests.push({ operation, input });
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (throttle) {
      const request = (throttleCounters.get(operation) ?? 0) + 1;
      throttleCounters.set(operation, request);
      if (throttle(operation, request)) return send(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    }
    try {
      send(200, run(input));
    } catch (error) {
      if (error instanceof FakeError) return send(400, { __type: error.type, message: error.message });
      send(500, { __type: 'InternalServerError', message: String(error) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    clientConfig: { endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    parameters,
    requests,
    resetRequests() {
      requests.length = 0;
    },
    count(operation) {
      return requests.filter((r) => r.operation === operation).length;
    },
    denyAccess(next) {
      deny = next;
    },
    throttle(next) {
      throttle = next;
      throttleCounters.clear();
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
