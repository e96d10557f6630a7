/**
 * The parts of the Serverless Framework (osls, v3 plugin API) this project's plugins use: one set
 * of typings for the deploy plugin (lib/deploy) and the local ones (lib/local/offline-kafka,
 * lib/local/offline-gateway). The framework ships no types of its own. Values are read after
 * variable resolution, so `${param:...}` has become its value.
 *
 * @example
 * export class SomePlugin {
 *   constructor(private readonly serverless: Serverless) {}
 *   functionKeys(): string[] {
 *     return this.serverless.service.getAllFunctions();
 *   }
 * }
 */

/** A function of serverless.yml, as `service.getFunction(key)` returns it. */
export interface ServerlessFunction {
  /** Deployed name (`<service>-<stage>-<key>`). */
  name?: string;
  /** `functions/inventory.handler`: the file (no extension) and its export. */
  handler?: string;
  timeout?: number;
  role?: unknown;
  vpc?: unknown;
  reservedConcurrency?: unknown;
  environment?: Record<string, unknown>;
  /** One object per event, keyed by its type: `{ msk: {...} }`, `{ httpApi: {...} }`. */
  events?: Record<string, unknown>[];
}

/** A resource of the CloudFormation template. */
export interface TemplateResource {
  Type: string;
  DependsOn?: string | string[];
  Properties?: Record<string, unknown>;
}

/** `resources.extensions.<LogicalId>`: properties merged into a generated resource. */
export type ResourceExtensions = Record<string, { Properties?: Record<string, unknown> }>;

/** `serverless.service`. */
export interface ServerlessService {
  /** The service name. */
  service: string;
  provider: {
    stage?: string;
    region?: string;
    timeout?: number;
    vpc?: unknown;
    environment?: Record<string, unknown>;
  };
  custom?: Record<string, unknown>;
  resources?: { Parameters?: Record<string, { Default?: unknown }>; extensions?: ResourceExtensions };
  getAllFunctions(): string[];
  getFunction(key: string): ServerlessFunction;
}

/** osls's logical id rules (`serverless.getProvider('aws').naming`). */
export interface AwsNaming {
  getNormalizedFunctionName(functionKey: string): string;
  getLambdaLogicalId(functionKey: string): string;
  getMSKEventLogicalId(functionKey: string, clusterName: string, topic: string): string;
  getKafkaEventLogicalId(functionKey: string, topic: string): string;
}

/** The `serverless` object a plugin's constructor gets. */
export interface Serverless<Service extends ServerlessService = ServerlessService> {
  service: Service;
  serviceDir?: string;
  /** Older spelling of `serviceDir`. */
  config?: { servicePath?: string };
  getProvider(name: 'aws'): { naming: AwsNaming; getStage(): string };
  /** The framework's error: shown as a message, without a stack trace. */
  classes: { Error: new (message: string) => Error };
  /** serverless.yml as written, before variables are resolved. */
  configurationInput?: { provider?: { stage?: unknown }; params?: Record<string, unknown> };
}

/** The service's folder (where serverless.yml is). */
export function serviceDirOf(serverless: Pick<Serverless, 'serviceDir' | 'config'>): string {
  return serverless.serviceDir ?? serverless.config?.servicePath ?? process.cwd();
}
