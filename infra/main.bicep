// LvmCloud on Azure, as `azd up` provisions it (see docs/deploy.md).
// Subscription scope: creates the resource group rg-{environmentName} and everything in it.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name (AZURE_ENV_NAME); names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource (AZURE_LOCATION).')
param location string

@description('Object id of the deploying user or service principal (AZURE_PRINCIPAL_ID): gets data access to the storage account and push access to the registry. Empty: none.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Worker workload profile: empty for consumption CPU, or a serverless GPU profile type.')
@allowed(['', 'Consumption-GPU-NC8as-T4', 'Consumption-GPU-NC24-A100'])
param workerGpuProfile string = ''

@description('Create the Event Grid subscription to the manifest trigger. Needs the function code deployed first: run `azd up`, then set this to true and run `azd provision` again.')
param deployEventSubscription bool = false

@description('Whether the worker container app exists already (azd sets SERVICE_WORKER_RESOURCE_EXISTS); keeps its deployed image.')
param workerExists bool = false

@description('Most worker replicas KEDA may run.')
@minValue(1)
@maxValue(300)
param workerMaxReplicas int = 10

@description('Job kinds the worker app serves, as Worker__Queues spells them (the worker refuses to start on a kind it has no handler for). Both inference kinds by default; `generate` alone keeps retokenization off this app.')
@allowed(['generate', 'generate,tokenize'])
param workerQueues string = 'generate,tokenize'

@description('When scheduled retokenization looks for new dataset lines and images: a six-field NCRONTAB (second minute hour day month weekday). Hourly by default.')
param tokenizeSchedule string = '0 0 * * * *'

@description('Deploy the trainer app that serves train-shard jobs (DiLoCo training runs). Opt-in: set DEPLOY_TRAINER=true.')
param deployTrainer bool = false

@description('Trainer workload profile: empty for consumption CPU, or a serverless GPU profile type.')
@allowed(['', 'Consumption-GPU-NC8as-T4', 'Consumption-GPU-NC24-A100'])
param trainerGpuProfile string = ''

@description('Most trainer replicas KEDA may run: one per train-shard job in progress, so at least the shards per round you want in parallel.')
@minValue(1)
@maxValue(100)
param trainerMaxReplicas int = 4

@description('Most instances the Functions app may scale out to.')
@minValue(1)
@maxValue(1000)
param apiMaximumInstanceCount int = 40

// Names the code uses (StorageLayout, QueueNames, the [Function] name of the manifest trigger).
var manifestContainerName = 'batches'
var manifestFileName = 'manifest.jsonl'
var manifestFunctionName = 'ManifestUploaded'
var datasetsContainerName = 'datasets'
var sentencesFileName = 'sentences.jsonl'
var sentencesFunctionName = 'SentencesUploaded'
var trainingContainerName = 'training'
var runSpecFileName = 'run.json'
var runSpecFunctionName = 'RunUploaded'
var generateQueueName = 'generate'
var tokenizeQueueName = 'tokenize'
var trainShardQueueName = 'train-shard'

// The inference kinds' queues (a queue is named by its kind): KEDA adds a worker replica per
// messagesPerReplica messages, visible or in flight; the rest are Worker:PerQueue:{kind} settings. Both are
// short jobs, so short visibility timeouts: the worker renews a lease every third of it while it works, and
// the timeout is how long the message of a replica that died waits before it is delivered again.
var inferenceQueueSettings = {
  // A message is up to Intake:ItemsPerMessage (4) items. A CPU replica holds 8 (the worker's default) and 2 per
  // replica scales out early for a user's batch; a GPU replica fills 64-row generation batches from up to 32
  // messages, so it gets 16 before another starts (docs/platform.md, "Benchmark: generation batch size").
  '${generateQueueName}': union(
    { concurrency: 1, visibilityTimeoutSeconds: 120 },
    empty(workerGpuProfile) ? { messagesPerReplica: 2 } : { messagesPerReplica: 16, receiveBatch: 32 }
  )
  // Scheduled retokenization is background work: a backlog scales the app out more slowly than generate does.
  '${tokenizeQueueName}': { messagesPerReplica: 4, concurrency: 1, visibilityTimeoutSeconds: 300 }
}

// The inference app stops at once on SIGTERM and hands its messages back; 60 s covers that and the host's stop.
var workerTerminationGracePeriodSeconds = 60

// A train-shard message is one long job (many optimizer steps, a checkpoint every N) holding one GPU:
// - one message per replica and one replica per message;
// - the longest grace period Container Apps allows, the budget for a stopping trainer to finish its current
//   checkpoint interval and save it before it hands the message back (the checkpoint interval should fit in it);
// - a visibility timeout at least 1.5 times the grace period: renewed every third of it, a message stays hidden
//   for the whole grace period even if no renewal succeeds after SIGTERM, so no second replica starts the shard
//   while the stopping one still writes its checkpoint;
// - more deliveries before poison: every hand-back (scale-in, new revision) counts as one, without a failure.
var trainerTerminationGracePeriodSeconds = 600
var trainerQueueSettings = {
  messagesPerReplica: 1
  concurrency: 1
  visibilityTimeoutSeconds: 1200
  maxDequeueCount: 20
}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package-api-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module apiIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-api-${resourceToken}'
  }
}

module workerIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-worker-${resourceToken}'
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    deploymentContainerName: deploymentContainerName
  }
}

module apiStorageAccess 'modules/storage-access.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: apiIdentity.outputs.principalId
    includeBlobDataOwner: true
  }
}

module workerStorageAccess 'modules/storage-access.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: workerIdentity.outputs.principalId
  }
}

module userStorageAccess 'modules/storage-access.bicep' = if (!empty(principalId)) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: principalId
    principalType: principalType
  }
}

module registry 'modules/registry.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
    pullPrincipalIds: [workerIdentity.outputs.principalId]
    pushPrincipalId: principalId
    pushPrincipalType: principalType
  }
}

module api 'modules/function-app.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    planName: 'plan-${resourceToken}'
    appName: 'func-api-${resourceToken}'
    identityId: apiIdentity.outputs.id
    identityClientId: apiIdentity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    maximumInstanceCount: apiMaximumInstanceCount
    tokenizeSchedule: tokenizeSchedule
  }
  // The host reads its storage and package through the identity from its first start.
  dependsOn: [apiStorageAccess]
}

module containerAppsEnvironment 'modules/container-apps-environment.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cae-${resourceToken}'
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    gpuProfileType: workerGpuProfile
    // An empty GPU profile costs nothing, but needs quota: ask for the trainer's only with the trainer.
    trainerGpuProfileType: deployTrainer ? trainerGpuProfile : ''
  }
}

module workerImage 'modules/existing-image.bicep' = {
  scope: rg
  params: {
    name: 'ca-worker-${resourceToken}'
    exists: workerExists
  }
}

module worker 'modules/worker-app.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'ca-worker-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.workerProfileName
    gpuProfileType: workerGpuProfile
    identityId: workerIdentity.outputs.id
    identityClientId: workerIdentity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    image: workerImage.outputs.image
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    queues: split(workerQueues, ',')
    queueSettings: inferenceQueueSettings
    generateBatchRows: empty(workerGpuProfile) ? 0 : 64
    maxReplicas: workerMaxReplicas
    terminationGracePeriodSeconds: workerTerminationGracePeriodSeconds
  }
  // Reading the queue length (KEDA) and storage use the identity's role assignments.
  dependsOn: [workerStorageAccess]
}

// The trainer: the same image as the worker app, serving only train-shard, so that training is scaled by its
// own queue alone (the inference queues' lengths neither scale it in nor starve it) and gets its own replica
// size, GPU profile, timeouts and grace period. It runs as the worker identity: same image, same data (models,
// tokens, training, job state, the queues), and the roles are account-wide, so a second identity would narrow
// nothing. It is not an azd service: it takes the image the worker app runs when provisioned.
module trainer 'modules/worker-app.bicep' = if (deployTrainer) {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'ca-trainer-${resourceToken}'
    role: 'trainer'
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.trainerProfileName
    gpuProfileType: trainerGpuProfile
    identityId: workerIdentity.outputs.id
    identityClientId: workerIdentity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    image: workerImage.outputs.image
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    queues: [trainShardQueueName]
    // It serves one queue, so that queue's settings are simply the app's.
    messagesPerReplica: trainerQueueSettings.messagesPerReplica
    concurrency: trainerQueueSettings.concurrency
    visibilityTimeoutSeconds: trainerQueueSettings.visibilityTimeoutSeconds
    maxDequeueCount: trainerQueueSettings.maxDequeueCount
    maxReplicas: trainerMaxReplicas
    terminationGracePeriodSeconds: trainerTerminationGracePeriodSeconds
  }
  dependsOn: [workerStorageAccess]
}

module eventGridTopic 'modules/event-grid-topic.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'evgt-${resourceToken}'
    storageAccountName: storage.outputs.name
  }
}

module manifestEvents 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  scope: rg
  params: {
    systemTopicName: eventGridTopic.outputs.name
    subscriptionName: 'manifest-uploaded'
    functionAppName: api.outputs.name
    functionName: manifestFunctionName
    containerName: manifestContainerName
    manifestFileName: manifestFileName
  }
}

// The same for datasets: an uploaded sentences.jsonl plans its retokenization.
module datasetEvents 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  scope: rg
  params: {
    systemTopicName: eventGridTopic.outputs.name
    subscriptionName: 'sentences-uploaded'
    functionAppName: api.outputs.name
    functionName: sentencesFunctionName
    containerName: datasetsContainerName
    manifestFileName: sentencesFileName
  }
}

// And for training: an uploaded training/{runId}/run.json starts the run.
module runEvents 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  scope: rg
  params: {
    systemTopicName: eventGridTopic.outputs.name
    subscriptionName: 'run-uploaded'
    functionAppName: api.outputs.name
    functionName: runSpecFunctionName
    containerName: trainingContainerName
    manifestFileName: runSpecFileName
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_WORKER_NAME string = worker.outputs.name
output TRAINER_APP_NAME string = trainer.?outputs.name ?? ''
output API_URL string = api.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output EVENT_GRID_SYSTEM_TOPIC_NAME string = eventGridTopic.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
