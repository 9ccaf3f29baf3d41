import { type AwsService, classifyAwsError, describeAwsFailure, describeOtherAwsFailure } from '../aws/errors.js';
import { isLifeStatsError, SecretsError } from '../errors.js';

/** The message prefix of the SSM secret store. */
export const SOURCE = '[life-stats] [secrets:ssm]';

/** SSM, as the shared AWS messages name it. */
const SSM_SERVICE: AwsService = { name: 'SSM', endpointVariable: 'AWS_ENDPOINT_URL_SSM' };

/** What a failed request was doing, for the message. */
export interface FailedRequest {
  /** `read`, `write`, `list the users under`. */
  action: string;
  path: string;
  /** The SSM IAM action the request needs. */
  permission: string;
  /** The KMS action it needs on the parameter's key. */
  kms: string;
  /** The value being written: kept out of the message and the cause. */
  value?: string;
}

/**
 * Turn an AWS SDK (or network) error into a {@link SecretsError} that names the parameter path and
 * the IAM permission that is missing — never a value — and keeps the SDK error as `cause`.
 */
export function toSecretsError(error: unknown, request: FailedRequest): SecretsError {
  if (isLifeStatsError(error)) return error as SecretsError;
  const { action, path, permission, kms, value } = request;
  const failure = classifyAwsError(error);
  // AWS validation messages may quote the rejected input, i.e. the secret being written.
  if (value) failure.reason = failure.reason.split(value).join('[redacted]');
  const cause =
    value === undefined ? error : Object.assign(new Error(failure.reason), { name: failure.name || 'Error' });
  const make = ({ text, hint }: { text: string; hint: string }) =>
    new SecretsError(`${SOURCE} cannot ${action} ${path}: ${text}`, { hint, cause });

  if (failure.kind === 'access-denied') {
    // IAM's denial names the refused action in its message ("not authorized to perform: kms:Decrypt"):
    // a KMS action means the parameter's key, not SSM, said no.
    const viaKms = failure.name.startsWith('KMS') || /\bkms:/i.test(failure.reason);
    const resource = `arn:aws:ssm:<region>:<account>:parameter${path}`;
    return make({
      text: `access denied (${viaKms ? kms : permission} is missing)`,
      hint: viaKms
        ? `Allow ${kms} on the KMS key of the parameter to the role or user running life-stats.`
        : `Allow ${permission} on ${resource}${action === 'write' ? '' : '*'} (IAM can scope it to the prefix) to the role or user running life-stats.`,
    });
  }
  const shared = describeAwsFailure(
    failure,
    SSM_SERVICE,
    'Run again later; consider raising the Parameter Store throughput setting of the account.',
  );
  return make(shared ?? describeOtherAwsFailure(failure));
}
