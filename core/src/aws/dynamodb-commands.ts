/**
 * The parts of `@aws-sdk/client-dynamodb` life-stats uses, by name: a bundler keeps these (and what
 * they need) and drops the rest of the client — the Lambda asset is smaller by every command, shape
 * and error class the function never sends (docs/performance.md, "Lambda bundle").
 */
export {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
