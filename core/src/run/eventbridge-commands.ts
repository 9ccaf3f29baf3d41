/**
 * The parts of `@aws-sdk/client-eventbridge` the run-completed event uses, by name, so a bundler
 * drops the rest of the client (see aws/dynamodb-commands.ts).
 */
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
