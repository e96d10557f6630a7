/**
 * Serverless plugin for deploying to AWS (registered as `./lib/deploy` in serverless.yml):
 *
 * - on a cloud stage, fails before anything is built when a required stage parameter is missing
 *   or malformed, naming it (lib/deploy/stage.ts);
 * - gives every function its own execution role, generated from the event catalog
 *   (lib/deploy/iam.ts), instead of the one shared role Serverless would create;
 * - gives every `msk` event source mapping Lambda's trigger settings from `custom.kafkaTrigger`
 *   (partial batch responses, retries, bisect) and its group's dead-letter topic as on-failure
 *   destination, through `resources.extensions` — which `serverless offline` reads too — unless
 *   the mapping's own extension entry says otherwise;
 * - checks every `msk` event's `filterPatterns` (osls turns them into the mapping's FilterCriteria)
 *   with the local filter engine, so a pattern Lambda would refuse fails packaging;
 * - makes every Kafka event source mapping wait for the deploy-time topics (`Custom::KafkaTopics`);
 * - refuses an HTTP route without the JWT authorizer unless it is listed as public; puts the
 *   operator scope on operator routes and takes public functions out of the VPC (lib/deploy/routes.ts);
 * - on a cloud stage, refuses a Kafka or Redis client that would not authenticate and encrypt
 *   (lib/deploy/transport.ts);
 * - puts the Kafka mappings in the stage's provisioned poller group (`custom.deploy.pollerGroupName`)
 *   and checks Lambda's poller limits, per mapping and per group (lib/deploy/pollers.ts);
 * - adds the alarms, their SNS topic and the dashboard of every consumer group (lib/deploy/alarms.ts);
 * - when packaging, fails when an `msk` event's consumer group or topic is not the one its
 *   function's handler was built for (lib/deploy/consumer-groups.ts).
 *
 * Settings, from serverless.yml:
 *   custom.deploy.stageParameters   the stage's parameters (`${param:...}`), checked and used here
 *   custom.deploy.publicRoutes      routes served without a token, e.g. `GET /health`
 *   custom.deploy.operatorRoutes    routes that need custom.deploy.operatorScope, e.g. `GET /stats`
 *   custom.deploy.pollerGroupName   the stage's poller group ('' or absent: pollers per mapping)
 *   custom.kafkaTrigger             mapping properties every Kafka trigger gets
 *   custom.deploy.monitoring        alarm thresholds and e-mail (lib/deploy/alarms.ts)
 */

import { deadLetterTopicFor } from '../../events/catalog';
import { errorMessage } from '../errors';
import { kafkaRecordFilter } from '../local/filter/kafka-record';
import { monitoringResources } from './alarms';
import { mskArns } from './arns';
import { consumerGroupProblems, declaredConsumer, loadHandler } from './consumer-groups';
import { functionRole, type KafkaTrigger, kafkaAccessOf, kafkaStatements, type RedisIdentity, redisStatements } from './iam';
import { monitoredGroups, monitoringSettings } from './monitoring';
import { type PollerConfig, pollerProblems, withPollerGroup } from './pollers';
import { applyRouteAccess, checkRoutesAuthorized, type RouteSettings, scopeOperatorRoutes } from './routes';
import { type Serverless, type ServerlessFunction, type ServerlessService, serviceDirOf, type TemplateResource } from './serverless-types';
import { checkStageParams, LOCAL_STAGE, rawStageParams } from './stage';
import { layerTracing } from './tracing';
import { checkFunctionTransport } from './transport';
import { mskTriggerEvents } from './trigger-events';

/** The service as the deploy plugin sees it: its settings, and the template once compiled. */
interface DeployService extends ServerlessService {
  provider: ServerlessService['provider'] & {
    compiledCloudFormationTemplate: { Resources: Record<string, TemplateResource>; Parameters?: Record<string, Record<string, unknown>> };
  };
  custom?: { deploy?: DeploySettings; kafkaTrigger?: Record<string, unknown> };
}

interface DeploySettings extends RouteSettings {
  stageParameters?: Record<string, unknown>;
  pollerGroupName?: unknown;
  monitoring?: Record<string, unknown>;
  /** The ADOT Lambda layer version ARN that exports spans on AWS (lib/deploy/tracing.ts); empty: none. */
  otelLayerArn?: unknown;
}

/** Logical id of a function's generated execution role. */
export function roleLogicalId(normalizedFunctionName: string): string {
  return `${normalizedFunctionName}ExecutionRole`;
}

export class DeployPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;

  constructor(
    private readonly serverless: Serverless<DeployService>,
    options: { stage?: string; param?: string | string[] } = {},
  ) {
    // Before variables are resolved: a missing parameter is named here rather than surfacing as a
    // schema error elsewhere. Checked again, resolved, on `initialize`.
    const configured = serverless.configurationInput?.provider?.stage;
    const stage = options.stage ?? (typeof configured === 'string' && !configured.includes('${') ? configured : LOCAL_STAGE);
    this.guard(() => checkStageParams(stage, rawStageParams(serverless.configurationInput?.params, stage, [options.param ?? []].flat())));
    this.hooks = {
      initialize: () =>
        this.guard(() => {
          this.checkParameters();
          this.normalizeAuthorizers();
          this.applyKafkaTriggerSettings();
          applyRouteAccess(this.functionObjects(), this.settings);
        }),
      'before:package:setupProviderConfiguration': () =>
        this.guard(() => {
          this.assignRoles();
          this.checkConsumerGroups();
        }),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.guard(() => this.completeTemplate()),
      'before:deploy:deploy': () => this.guard(() => this.refuseLocalDeploy()),
    };
  }

  private get settings(): DeploySettings {
    return this.serverless.service.custom?.deploy ?? {};
  }

  private get stage(): string {
    return this.serverless.getProvider('aws').getStage();
  }

  /** Errors become Serverless errors: a clear message, no stack trace. */
  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof this.serverless.classes.Error) throw error;
      throw new this.serverless.classes.Error(errorMessage(error));
    }
  }

  private functionObjects(): Record<string, ServerlessFunction> {
    const { service } = this.serverless;
    return Object.fromEntries(service.getAllFunctions().map((name) => [name, service.getFunction(name)]));
  }

  /** The ElastiCache user and cache of an IAM-authenticated stage; none locally. */
  private redisIdentity(): RedisIdentity | undefined {
    const params = this.settings.stageParameters ?? {};
    if (params.redisAuth !== 'iam' || !params.redisUser || !params.redisCacheName) return undefined;
    return { userId: String(params.redisUser), cacheName: String(params.redisCacheName), serverless: String(params.redisServerless) === 'true' };
  }

  private checkParameters(): void {
    checkStageParams(this.stage, this.settings.stageParameters ?? {});
  }

  /**
   * `authorizer: jwt` and `authorizer: { name: jwt }` mean the same to osls, but serverless-offline
   * only understands the second (it takes a string for the name of an authorizer function).
   */
  private normalizeAuthorizers(): void {
    const { service } = this.serverless;
    for (const name of service.getAllFunctions()) {
      for (const event of service.getFunction(name).events ?? []) {
        const route = event.httpApi as { authorizer?: unknown } | undefined;
        if (route && typeof route.authorizer === 'string') route.authorizer = { name: route.authorizer };
      }
    }
  }

  /**
   * The `msk` event has no option for partial batch responses, retries, bisect or an on-failure
   * destination: merge them into every mapping here, so adding a consumer is a function and its
   * `msk` event, and no mapping can be forgotten (without ReportBatchItemFailures Lambda would
   * ignore the runtime's batchItemFailures and skip failed records for good).
   */
  private applyKafkaTriggerSettings(): void {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const defaults = service.custom?.kafkaTrigger ?? {};
    service.resources ??= {};
    service.resources.extensions ??= {};
    const extensions = service.resources.extensions;
    for (const { functionKey, event: msk, logicalId } of mskTriggerEvents(service, naming)) {
      if (!msk.topic || !msk.consumerGroupId) continue;
      // A pattern Lambda would refuse (or one naming a field other than the value) fails here, not at deploy.
      if (msk.filterPatterns) {
        try {
          kafkaRecordFilter(msk.filterPatterns.map((pattern) => JSON.stringify(pattern)));
        } catch (error) {
          throw new Error(`Function "${functionKey}", msk event on ${msk.topic}: filterPatterns: ${errorMessage(error)}`);
        }
      }
      const own = extensions[logicalId] ?? {};
      extensions[logicalId] = {
        ...own,
        Properties: {
          ...defaults,
          DestinationConfig: { OnFailure: { Destination: `kafka://${deadLetterTopicFor(msk.consumerGroupId)}` } },
          ...own.Properties,
        },
      };
    }
  }

  private refuseLocalDeploy(): void {
    if (this.stage === LOCAL_STAGE) {
      throw new Error('The "local" stage runs on this machine (npm run dev) and cannot be deployed: use --stage dev or --stage prod');
    }
  }

  /** Points every function at its own role, so Serverless creates no shared one. */
  private assignRoles(): void {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      if (fn.role !== undefined) {
        throw new Error(`Function "${name}" sets its own role: remove it, lib/deploy generates a least-privilege role per function from events/catalog.ts`);
      }
      fn.role = roleLogicalId(naming.getNormalizedFunctionName(name));
    }
  }

  /** Each msk event's group and topic are the ones its handler was built for (lib/deploy/consumer-groups.ts). */
  private checkConsumerGroups(): void {
    const serviceDir = serviceDirOf(this.serverless);
    const triggers = mskTriggerEvents(this.serverless.service, this.serverless.getProvider('aws').naming);
    const problems = consumerGroupProblems(triggers, (handler) => declaredConsumer(loadHandler(serviceDir, handler)));
    if (problems.length > 0) throw new Error(`Consumer groups do not match their handlers:\n  ${problems.join('\n  ')}`);
  }

  private completeTemplate(): void {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const topicResources = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::KafkaTopics');
    this.addRoles(resources, managedTopics(topicResources));
    if (resources.IamRoleLambdaExecution) throw new Error('A shared IamRoleLambdaExecution was generated: every function must use its own role');

    // A mapping on a topic that does not exist yet would start failing: create the topics first.
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::Lambda::EventSourceMapping' || topicResources.length === 0) continue;
      const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
      resource.DependsOn = [...new Set([...dependsOn, ...topicResources.map(([id]) => id)])];
    }
    this.groupPollers(resources);
    checkRoutesAuthorized(this.functionObjects(), this.settings);
    scopeOperatorRoutes(resources, this.settings);
    this.pinClusterParameter();
    if (this.stage !== LOCAL_STAGE) checkFunctionTransport(resources);
    this.addMonitoring(resources);
    this.addTracingLayer(resources);
  }

  /** With `otelLayerArn`: every function gets the ADOT layer, its wrapper and settings, and its role the X-Ray write actions. */
  private addTracingLayer(resources: Record<string, TemplateResource>): void {
    const tracing = layerTracing(typeof this.settings.otelLayerArn === 'string' ? this.settings.otelLayerArn : undefined);
    if (!tracing || this.stage === LOCAL_STAGE) return;
    for (const resource of Object.values(resources)) {
      const properties = resource.Properties;
      if (!properties) continue;
      if (resource.Type === 'AWS::Lambda::Function') {
        properties.Layers = [...((properties.Layers as unknown[] | undefined) ?? []), ...tracing.layers];
        const environment = (properties.Environment ?? {}) as { Variables?: Record<string, unknown> };
        properties.Environment = { ...environment, Variables: { ...environment.Variables, ...tracing.environment } };
      } else if (resource.Type === 'AWS::IAM::Role') {
        const policies = (properties.Policies ?? []) as { PolicyDocument: { Statement: unknown[] } }[];
        policies[0]?.PolicyDocument.Statement.push(...tracing.statements);
      }
    }
  }

  /**
   * The mappings take the cluster from the `MskCluster` parameter (so their logical ids do not
   * depend on the ARN) while IAM comes from the stage parameter: allowing only the stage's value
   * makes the stage parameter the one source, and a `--parameter-overrides MskCluster=...` that
   * would point the mappings elsewhere than their permissions fails CloudFormation's validation.
   */
  private pinClusterParameter(): void {
    const parameter = this.serverless.service.provider.compiledCloudFormationTemplate.Parameters?.MskCluster;
    const arn = String(this.settings.stageParameters?.mskClusterArn ?? '');
    if (parameter && arn) parameter.AllowedValues = [arn];
  }

  /**
   * The `msk` event has no option for PollerGroupName: every Kafka mapping gets the stage's group
   * here (one that names its own in resources.extensions keeps it), then Lambda's limits are checked.
   */
  private groupPollers(resources: Record<string, TemplateResource>): void {
    const group = typeof this.settings.pollerGroupName === 'string' ? this.settings.pollerGroupName.trim() : '';
    const mappings = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping' && (r.Properties?.AmazonManagedKafkaEventSourceConfig || r.Properties?.SelfManagedEventSource),
    );
    for (const [, resource] of mappings) {
      const config = withPollerGroup(resource.Properties?.ProvisionedPollerConfig as PollerConfig | undefined, group);
      if (config && resource.Properties) resource.Properties.ProvisionedPollerConfig = config;
    }
    const problems = pollerProblems(mappings.map(([logicalId, r]) => ({ logicalId, config: (r.Properties?.ProvisionedPollerConfig ?? {}) as PollerConfig })));
    if (problems.length > 0) throw new Error(`Provisioned pollers break Lambda's limits:\n  ${problems.join('\n  ')}`);
  }

  private addMonitoring(resources: Record<string, TemplateResource>): void {
    const { service } = this.serverless;
    const triggers = this.kafkaTriggers();
    const functions = service.getAllFunctions().map((name) => ({
      name: service.getFunction(name).name ?? name,
      groups: (triggers.get(name) ?? []).map((trigger) => trigger.group),
    }));
    const settings = monitoringSettings(this.settings.monitoring ?? {}, {
      stage: this.stage,
      hasHttpApi: 'HttpApi' in resources,
    });
    Object.assign(resources, monitoringResources(monitoredGroups(functions), settings));
  }

  /** Each function's Kafka triggers, by function key; an msk event without a group fails the package. */
  private kafkaTriggers(): Map<string, KafkaTrigger[]> {
    const triggers = new Map<string, KafkaTrigger[]>();
    for (const { functionKey, event } of mskTriggerEvents(this.serverless.service, this.serverless.getProvider('aws').naming)) {
      if (!event.consumerGroupId) throw new Error(`Function "${functionKey}": every msk event needs a consumerGroupId (one of events/catalog.ts)`);
      triggers.set(functionKey, [...(triggers.get(functionKey) ?? []), { group: event.consumerGroupId, topic: String(event.topic) }]);
    }
    return triggers;
  }

  /** Every function's own least-privilege role: its Kafka triggers, the topics it publishes or manages, Redis. */
  private addRoles(resources: Record<string, TemplateResource>, managed: ReadonlyMap<string, string[]>): void {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const arns = mskArns(String(this.settings.stageParameters?.mskClusterArn ?? ''));
    const redis = this.redisIdentity();
    const triggers = this.kafkaTriggers();
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      const access = kafkaAccessOf(name, triggers.get(name) ?? [], managed.get(naming.getLambdaLogicalId(name)) ?? []);
      // `vpc: null` (public functions, lib/deploy/routes.ts) opts out of provider.vpc.
      const inVpc = fn.vpc === null || fn.vpc === false ? false : Boolean(fn.vpc ?? service.provider.vpc);
      resources[roleLogicalId(naming.getNormalizedFunctionName(name))] = functionRole({
        deployedName: fn.name ?? name,
        kafka: kafkaStatements(access, arns),
        // Every function in the VPC but the topic provisioner uses Redis.
        redis: redis && inVpc && access.manages.length === 0 ? redisStatements(redis) : [],
        inVpc,
      }) as unknown as TemplateResource;
    }
  }
}

/** The topics each provisioner function manages, by its logical id: what its `Custom::KafkaTopics` resources list. */
function managedTopics(topicResources: readonly [string, TemplateResource][]): Map<string, string[]> {
  const managed = new Map<string, string[]>();
  for (const [, resource] of topicResources) {
    const target = (resource.Properties?.ServiceToken as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    const topics = (resource.Properties?.Topics as { name: string }[] | undefined) ?? [];
    if (target) managed.set(target, [...(managed.get(target) ?? []), ...topics.map((t) => t.name)]);
  }
  return managed;
}
