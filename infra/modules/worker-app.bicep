// A queue-consuming container app running the worker image: no ingress, from zero replicas, one KEDA
// azure-queue scale rule per job kind it serves (authenticated with the app's managed identity), and
// Worker__Queues naming exactly those kinds. main.bicep deploys it twice: the inference `worker` app and the
// `trainer` app (docs/deploy.md says why they are separate).

param location string
param tags object
param name string
param environmentId string

@description('Which of the two apps this is: `worker` (the azd service of that name) or `trainer` (follows the worker\'s image).')
@allowed(['worker', 'trainer'])
param role string = 'worker'

@description('Workload profile the app runs on: Consumption (CPU) or one of the environment\'s GPU profiles.')
param workloadProfileName string

@description('Serverless GPU workload profile type, or empty for consumption CPU (sizes the container).')
param gpuProfileType string = ''

param identityId string
param identityClientId string
param registryLoginServer string

@description('Image to run; empty before the first `azd deploy` (a placeholder runs until then).')
param image string = ''

param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param applicationInsightsConnectionString string

@description('Job kinds the app serves; each is also its queue\'s name (QueueNames, no prefix in a deployment). Every kind needs a handler in the image: the worker refuses to start on a kind it cannot run.')
@minLength(1)
param queues string[]

@description('Per served kind, settings that differ from the app-wide ones below: `messagesPerReplica` (its scale rule) and the worker\'s Worker:PerQueue:{kind} settings.')
param queueSettings { *: queueSettingsType } = {}

@minValue(1)
@maxValue(300)
param maxReplicas int = 10

@description('Default queued messages (visible or in flight) per replica before KEDA adds one (a generate message carries up to Intake:ItemsPerMessage items).')
@minValue(1)
param messagesPerReplica int = 2

@description('Worker:Concurrency: messages of one queue a replica processes at once.')
@minValue(1)
@maxValue(64)
param concurrency int = 1

@description('Worker:VisibilityTimeout in seconds: how long a received message stays invisible; the worker renews it every third of that while it works.')
@minValue(1)
@maxValue(7200)
param visibilityTimeoutSeconds int = 120

@description('Worker:MaxDequeueCount: deliveries after which a message goes to its -poison queue. A hand-back on shutdown counts as a delivery.')
@minValue(1)
@maxValue(100)
param maxDequeueCount int = 5

@description('Seconds a stopping replica (scale-in, new revision) gets between SIGTERM and SIGKILL. Keep every served queue\'s visibility timeout at least 1.5 times this (docs/deploy.md). Container Apps allows up to 600.')
@minValue(30)
@maxValue(600)
param terminationGracePeriodSeconds int = 60

@description('Worker:Generate:BatchRows: rows of one generation batch; 0 keeps the worker\'s default (16, for CPU replicas).')
@minValue(0)
@maxValue(4096)
param generateBatchRows int = 0

type queueSettingsType = {
  @description('Queued messages (visible or in flight) per replica before KEDA adds one.')
  @minValue(1)
  messagesPerReplica: int?

  @description('Worker:PerQueue:{kind}:Concurrency.')
  @minValue(1)
  @maxValue(64)
  concurrency: int?

  @description('Worker:PerQueue:{kind}:VisibilityTimeout, in seconds.')
  @minValue(1)
  @maxValue(7200)
  visibilityTimeoutSeconds: int?

  @description('Worker:PerQueue:{kind}:MaxDequeueCount.')
  @minValue(1)
  @maxValue(100)
  maxDequeueCount: int?

  @description('Worker:PerQueue:{kind}:ReceiveBatch: messages a replica holds at once (generate gathers their items into shared generation batches).')
  @minValue(1)
  @maxValue(32)
  receiveBatch: int?
}

// A TimeSpan the .NET configuration binder reads ("00:02:00"); visibility timeouts stay under the worker's 2 h limit.
func timeSpan(seconds int) string => format('{0:D2}:{1:D2}:{2:D2}', seconds / 3600, (seconds % 3600) / 60, seconds % 60)

// The Worker:PerQueue:{kind}:* values one queue's settings set (messagesPerReplica is the scale rule's, not the worker's).
func workerOverrides(settings queueSettingsType) object =>
  union(
    settings.?concurrency == null ? {} : { Concurrency: string(settings.?concurrency) },
    settings.?visibilityTimeoutSeconds == null ? {} : { VisibilityTimeout: timeSpan(settings.?visibilityTimeoutSeconds!) },
    settings.?maxDequeueCount == null ? {} : { MaxDequeueCount: string(settings.?maxDequeueCount) },
    settings.?receiveBatch == null ? {} : { ReceiveBatch: string(settings.?receiveBatch) }
  )

var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'

// Serverless GPU profiles give a replica the whole card; CPU replicas use a standard consumption size.
var sizes = {
  '': { cpu: '2.0', memory: '4Gi' }
  'Consumption-GPU-NC8as-T4': { cpu: '8.0', memory: '56Gi' }
  'Consumption-GPU-NC24-A100': { cpu: '24.0', memory: '220Gi' }
}
var size = sizes[gpuProfileType]

// The host's own stop deadline lands this long before SIGKILL, so a stopping replica always gets to hand its
// message back (the consumer allows itself 5 s for that) and flush telemetry instead of being killed mid-way.
var shutdownMarginSeconds = 15

// A stopping train-shard job saves its current step before it hands the message back (Training:StopCheckpointTimeout):
// the save gets the host's shutdown timeout less this, which leaves the hand-back (5 s) its own time.
var stopCheckpointMarginSeconds = 10

// Per-queue overrides travel as command-line arguments (the host reads them after the environment), not as
// Worker__PerQueue__{kind}__* variables: Container Apps accepts only letters, digits and '_' in variable names,
// and kinds have '-' (train-shard). The placeholder image gets none: it would not know them.
var perQueueArguments = flatten(map(
  queues,
  kind => map(items(workerOverrides(queueSettings[?kind] ?? {})), s => '--Worker:PerQueue:${kind}:${s.key}=${s.value}')
))

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  // Only the worker app is azd's `worker` service; two resources with the tag would stop `azd deploy`.
  tags: union(tags, role == 'worker' ? { 'azd-service-name': 'worker' } : { 'lvm-app': role })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
    }
    template: {
      // A replica scaled in, or replaced by a new revision, gets SIGTERM and this long before SIGKILL. The worker
      // stops its handlers and hands their messages back (visible again at once); a handler may first finish
      // short bookkeeping, or a training handler its checkpoint interval. A message whose replica is killed
      // anyway reappears when its visibility timeout runs out; every job is idempotent.
      terminationGracePeriodSeconds: terminationGracePeriodSeconds
      containers: [
        {
          name: role
          image: empty(image) ? placeholderImage : image
          args: empty(image) ? [] : perQueueArguments
          resources: {
            cpu: json(size.cpu)
            memory: size.memory
          }
          env: concat([
            // appsettings.json points at Azurite; an empty connection string selects the service URIs below.
            { name: 'Storage__ConnectionString', value: '' }
            { name: 'Storage__BlobServiceUri', value: blobEndpoint }
            { name: 'Storage__QueueServiceUri', value: queueEndpoint }
            { name: 'Storage__TableServiceUri', value: tableEndpoint }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            // Exactly the kinds the scale rules below watch: a replica started for a queue serves it.
            { name: 'Worker__Queues', value: join(queues, ',') }
            { name: 'Worker__Concurrency', value: string(concurrency) }
            { name: 'Worker__VisibilityTimeout', value: timeSpan(visibilityTimeoutSeconds) }
            { name: 'Worker__MaxDequeueCount', value: string(maxDequeueCount) }
            // HostOptions.ShutdownTimeout (30 s unless set): how long the host waits for its services to stop.
            { name: 'DOTNET_SHUTDOWNTIMEOUTSECONDS', value: string(terminationGracePeriodSeconds - shutdownMarginSeconds) }
            { name: 'Training__StopCheckpointTimeout', value: timeSpan(terminationGracePeriodSeconds - shutdownMarginSeconds - stopCheckpointMarginSeconds) }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
          ], generateBatchRows == 0 ? [] : [
            { name: 'Worker__Generate__BatchRows', value: string(generateBatchRows) }
          ])
        }
      ]
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        pollingInterval: 15
        cooldownPeriod: 300
        // One rule per served queue; the app runs as many replicas as the busiest rule asks for. The scaler
        // counts visible and invisible (in-flight) messages, so a replica working on a message keeps its queue
        // counted and is not scaled to zero under it.
        rules: [
          for kind in queues: {
            name: '${kind}-queue'
            azureQueue: {
              accountName: storageAccountName
              queueName: kind
              queueLength: queueSettings[?kind].?messagesPerReplica ?? messagesPerReplica
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
