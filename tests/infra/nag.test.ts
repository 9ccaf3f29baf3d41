/**
 * The cdk-nag gate of support/synth.ts can fail: a stack with what the AWS Solutions pack flags (a
 * topic that takes plain HTTP, an outdated runtime, a wildcard nobody acknowledged) does not
 * synthesize, and the error names each rule and construct. An acknowledgment with a reason is what
 * lets a finding through, and only the finding it names.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { addNagChecks, removeSynthOutputs, synthOutdir, synthWithNag } from './support/synth.js';

afterAll(removeSynthOutputs);

function careless(acknowledge = false): App {
  const app = new App({ outdir: synthOutdir() });
  addNagChecks(app);
  const stack = new Stack(app, 'Careless');
  new sns.Topic(stack, 'Topic');
  const fn = new lambda.Function(stack, 'Old', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
  if (acknowledge) {
    Validations.of(stack).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SNS3', reason: 'a test topic' },
      { id: 'AwsSolutions::AwsSolutions-L1', reason: 'a test runtime' },
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'a test role',
      },
    );
  }
  return app;
}

describe('the cdk-nag gate', () => {
  it('refuses to synthesize unacknowledged findings, naming each rule and construct', () => {
    let message = '';
    try {
      synthWithNag(careless());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('cdk-nag (AwsSolutions) found what the stack does not acknowledge');
    expect(message).toMatch(/error AwsSolutions-SNS3 at Careless\/Topic\/Resource/);
    expect(message).toMatch(/error AwsSolutions-L1 at Careless\/Old\/Resource/);
    expect(message).toMatch(
      /error AwsSolutions-IAM5\[Resource::arn:aws:s3:::bucket\/\*\] at Careless\/Old\/ServiceRole\/DefaultPolicy\/Resource/,
    );
  });

  it('lets through exactly the findings acknowledged with a reason', () => {
    let message = '';
    try {
      synthWithNag(careless(true));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toMatch(/AwsSolutions-(SNS3|L1|IAM4)/);
    // The wildcard was not acknowledged: it still fails the synthesis.
    expect(message).toMatch(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::bucket\/\*\]/);
  });
});
