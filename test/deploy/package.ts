/**
 * Runs `serverless package` for a stage, offline (dummy AWS credentials, nothing reaches AWS),
 * into a folder of its own, and returns the generated CloudFormation template.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** Valid-looking parameters of a cloud stage (nothing here exists). */
/** custom.deploy.operatorRoutes of serverless.yml, as the tests expect them, and their functions. */
export const OPERATOR_ROUTES: readonly string[] = ['GET /stats', 'GET /dead-letters/{group}', 'POST /dead-letters/{group}/redrive'];
export const OPERATOR_FUNCTIONS: readonly string[] = ['stats', 'deadLetters', 'redrive'];

export const CLOUD_PARAMS = {
  mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-2',
  subnetIds: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
  securityGroupIds: 'sg-0123456789abcdef0',
  jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  jwtAudience: 'test-client-id',
  redisUrl: 'rediss://master.cache.example.euw1.cache.amazonaws.com:6379',
  redisUser: 'kafka-lambda-system',
  redisCacheName: 'orders-cache',
  dashboardOrigin: 'https://dashboard.example.com',
} as const;

export interface CfnResource {
  Type: string;
  DependsOn?: string | string[];
  Properties: Record<string, unknown>;
}

export interface Template {
  Parameters?: Record<string, { Default?: unknown }>;
  Resources: Record<string, CfnResource>;
}

export interface PackageResult {
  code: number;
  output: string;
  template?: Template;
}

export interface PackageOptions {
  /** Package a changed copy of serverless.yml (written next to it for the run, then removed). */
  editConfig?: (serverlessYml: string) => string;
}

let runs = 0;

export async function packageStage(stage: string, params: Record<string, string>, options: PackageOptions = {}): Promise<PackageResult> {
  const dir = mkdtempSync(join(tmpdir(), `sls-package-${stage}-`));
  const run = `${process.pid}-${++runs}`;
  const work = `.local/esbuild-test-${run}`;
  const args = ['package', '--stage', stage, '--package', dir, ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  // The copy sits in the service folder: its relative paths (handlers, plugins, files) stay valid.
  const config = options.editConfig ? `serverless.test-${run}.yml` : undefined;
  if (config && options.editConfig) {
    writeFileSync(join(ROOT, config), options.editConfig(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')));
    args.push('--config', config);
  }
  try {
    const child = spawn(join(ROOT, 'node_modules/.bin/serverless'), args, {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        ESBUILD_WORK_FOLDER: work,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
    const file = join(dir, 'cloudformation-template-update-stack.json');
    const template = code === 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Template) : undefined;
    return { code, output, template };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(ROOT, work), { recursive: true, force: true });
    if (config) rmSync(join(ROOT, config), { force: true });
  }
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
