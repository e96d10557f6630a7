/**
 * The stage parameter rules and the MSK resource ARNs the deploy plugin derives, without packaging.
 */
import { mskArns } from '../../lib/deploy/arns';
import { checkStageParams, rawStageParams } from '../../lib/deploy/stage';
import { CLOUD_PARAMS } from './package';

describe('stage parameter rules', () => {
  it('asks nothing of the local stage', () => {
    expect(() => checkStageParams('local', {})).not.toThrow();
  });

  it('accepts a complete cloud stage and names each missing parameter otherwise', () => {
    expect(() => checkStageParams('dev', CLOUD_PARAMS)).not.toThrow();
    expect(() => checkStageParams('dev', { ...CLOUD_PARAMS, jwtAudience: '' })).toThrow(/Missing required parameter "jwtAudience"/);
    expect(() => checkStageParams('dev', { ...CLOUD_PARAMS, jwtIssuer: 'http://insecure.example' })).toThrow(/Invalid parameter "jwtIssuer"/);
  });

  it('takes --param over the stage’s params over the defaults, as osls does', () => {
    const params = { default: { a: '1', b: '1', c: '1' }, prod: { b: '2', c: '2' } };
    expect(rawStageParams(params, 'prod', ['c=3=x'])).toEqual({ a: '1', b: '2', c: '3=x' });
  });
});

describe('MSK resource ARNs', () => {
  it('derives topic and group ARNs from the cluster ARN', () => {
    const arns = mskArns('arn:aws:kafka:us-east-1:123456789012:cluster/orders/abcd-1234-5');
    expect(arns.topic('order.placed')).toBe('arn:aws:kafka:us-east-1:123456789012:topic/orders/abcd-1234-5/order.placed');
    expect(arns.group('inventory-service')).toBe('arn:aws:kafka:us-east-1:123456789012:group/orders/abcd-1234-5/inventory-service');
  });

  it('refuses anything else', () => {
    expect(() => mskArns('arn:aws:kafka:us-east-1:123456789012:topic/orders/abcd/x')).toThrow(/not an MSK cluster ARN/);
    expect(() => mskArns('*')).toThrow(/not an MSK cluster ARN/);
  });
});
