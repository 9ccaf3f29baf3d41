/**
 * Findings of the AWS Solutions checks (cdk-nag, run on every synthesized stack by
 * `tests/infra/nag.test.ts`) that are there by design, acknowledged in code with the reason — CDK's
 * `Validations.of(…).acknowledge()`, which cdk-nag v3 reads. Everything else is fixed instead.
 */
import { type IResolvable, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A resource ARN as cdk-nag names it in a finding: intrinsic functions flattened to text, a `Ref`
 * as `<Name>` (`arn:<AWS::Partition>:ssm:<AWS::Region>:…`), exactly as its IAM5 rule writes it.
 */
function flattenArn(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenArn).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattenArn(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenArn(resource)}.${flattenArn(attribute)}>`;
    }
    if ('Ref' in node) return `<${flattenArn(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/**
 * Acknowledge cdk-nag's `AwsSolutions-IAM5` finding for one wildcard resource of `scope`'s
 * policies, with why the wildcard is the narrowest grant that works.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string | IResolvable, reason: string): void {
  const flat = flattenArn(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
