/**
 * What DynamoDB accepts as a table name, or a table ARN (which it accepts wherever it takes a name).
 * Its own module so that config validation can check names without loading the DynamoDB adapter.
 */
export const DYNAMODB_TABLE_NAME = /^(?:arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/)?[\w.-]{3,255}$/;
