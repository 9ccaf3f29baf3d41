/**
 * The AWS a deployed Lambda sees, on loopback: DynamoDB (dynalite) and SSM (a fake), with the
 * process environment pointing the SDK at them for the time of a test file.
 */
import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { type SsmFake, startSsmFake } from '@life-stats/testing/ssm-fake';

export interface LocalAws {
  dynamo: LocalDynamoDb;
  ssm: SsmFake;
  /** Stop both and restore the environment. */
  stop(): Promise<void>;
}

/** Start DynamoDB and SSM on loopback and point `AWS_*` (and Powertools' logging) at them. */
export async function startLocalAws(): Promise<LocalAws> {
  const [dynamo, ssm] = await Promise.all([startLocalDynamoDb(), startSsmFake()]);
  const saved = new Map<string, string | undefined>();
  const env: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    POWERTOOLS_DEV: undefined,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  };
  for (const [key, value] of Object.entries(env)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return {
    dynamo,
    ssm,
    async stop() {
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await Promise.all([dynamo.stop(), ssm.stop()]);
    },
  };
}
