/**
 * One classification of AWS failures for every adapter, checked on what the real SDK throws: a
 * closed port, a missing region, and the service errors the SDK builds from an AWS answer.
 */
import { createServer } from 'node:net';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { classifyAwsError, describeAwsFailure } from '../../src/aws/errors.js';
import { classifyError } from '../../src/run/classify-error.js';
import { NETWORK_ERROR_CODES } from '../../src/util/network-errors.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function serviceError(name: string, message: string) {
  return new DynamoDBServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

const SSM = { name: 'SSM', endpointVariable: 'AWS_ENDPOINT_URL_SSM' };

describe('classifyAwsError', () => {
  it('a closed port is a network failure, worded with the service and its endpoint variable', async () => {
    const client = new SSMClient({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const error = await client.send(new GetParameterCommand({ Name: '/x' })).catch((e: unknown) => e);
    client.destroy();
    const failure = classifyAwsError(error);
    expect(failure).toMatchObject({ kind: 'network', networkCode: 'ECONNREFUSED' });
    expect(describeAwsFailure(failure, SSM, 'later')).toEqual({
      text: 'cannot reach SSM (ECONNREFUSED)',
      hint: 'Check the network and AWS_REGION; when using a local endpoint, check AWS_ENDPOINT_URL_SSM.',
    });
    // The run engine retries the very same failure: one list of network codes.
    expect(classifyError(error)).toBe('retry');
    expect(NETWORK_ERROR_CODES.has('ECONNREFUSED')).toBe(true);
  });

  it('a client without a region fails before sending: worded as a missing region', async () => {
    const saved = { region: process.env.AWS_REGION, def: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const client = new SSMClient({ credentials, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
      const error = await client.send(new GetParameterCommand({ Name: '/x' })).catch((e: unknown) => e);
      client.destroy();
      const failure = classifyAwsError(error);
      expect(failure.kind).toBe('region');
      expect(describeAwsFailure(failure, SSM, 'later')?.hint).toBe('Set AWS_REGION (or a region in your AWS profile).');
    } finally {
      if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
      if (saved.def !== undefined) process.env.AWS_DEFAULT_REGION = saved.def;
    }
  });

  it.each([
    ['UnrecognizedClientException', 'credentials'],
    ['ExpiredTokenException', 'credentials'],
    ['AccessDeniedException', 'access-denied'],
    ['KMSAccessDeniedException', 'access-denied'],
    ['ThrottlingException', 'throttled'],
    ['ProvisionedThroughputExceededException', 'throttled'],
    ['ResourceNotFoundException', 'service'],
  ] as const)('%s is %s', (name, kind) => {
    const failure = classifyAwsError(serviceError(name, 'the reason'));
    expect(failure).toMatchObject({ kind, name, reason: 'the reason' });
  });

  it('words credentials and throttling once for every adapter; leaves service errors to the adapter', () => {
    expect(describeAwsFailure(classifyAwsError(serviceError('ExpiredTokenException', 'expired')), SSM, 'x')).toEqual({
      text: 'the AWS credentials were refused or not found (ExpiredTokenException: expired)',
      hint: 'Check AWS_PROFILE / AWS_ACCESS_KEY_ID or your SSO session (`aws sso login`), and AWS_REGION.',
    });
    expect(
      describeAwsFailure(classifyAwsError(serviceError('ThrottlingException', 'Rate exceeded')), SSM, 'wait'),
    ).toEqual({
      text: 'SSM is throttling requests even after retries (ThrottlingException)',
      hint: 'wait',
    });
    expect(describeAwsFailure(classifyAwsError(serviceError('ValidationException', 'bad')), SSM, 'x')).toBeUndefined();
  });
});
