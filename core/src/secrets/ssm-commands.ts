/**
 * The parts of `@aws-sdk/client-ssm` the SSM secret store uses, by name, so a bundler drops the rest
 * of the client (see aws/dynamodb-commands.ts).
 */
export { GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
