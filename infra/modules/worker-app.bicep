// The queue worker: a container app with no ingress, scaled by KEDA on the length of the generate
// queue (azure-queue scaler, authenticated with the app's managed identity), from zero replicas.

param location string
param tags object
param name string
param environmentId string

@description('Workload profile the worker runs on: Consumption (CPU) or the environment\'s GPU profile.')
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
param generateQueueName string
param applicationInsightsConnectionString string

@minValue(1)
@maxValue(300)
param maxReplicas int = 10

@description('Queued messages per replica before KEDA adds one (each message carries up to Intake:ItemsPerMessage items).')
@minValue(1)
param messagesPerReplica int = 2

@description('Worker:Concurrency: messages one replica processes at once.')
@minValue(1)
@maxValue(64)
param concurrency int = 1

var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'

// Serverless GPU profiles give a replica the whole card; CPU replicas use a standard consumption size.
var sizes = {
  '': { cpu: '2.0', memory: '4Gi' }
  'Consumption-GPU-NC8as-T4': { cpu: '8.0', memory: '56Gi' }
  'Consumption-GPU-NC24-A100': { cpu: '24.0', memory: '220Gi' }
}
var size = sizes[gpuProfileType]

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'worker' })
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
      // A replica scaled in gets this long to finish its message; an unfinished one is redelivered
      // when its visibility timeout runs out (every job is idempotent).
      terminationGracePeriodSeconds: 120
      containers: [
        {
          name: 'worker'
          image: empty(image) ? placeholderImage : image
          resources: {
            cpu: json(size.cpu)
            memory: size.memory
          }
          env: [
            // appsettings.json points at Azurite; an empty connection string selects the service URIs below.
            { name: 'Storage__ConnectionString', value: '' }
            { name: 'Storage__BlobServiceUri', value: blobEndpoint }
            { name: 'Storage__QueueServiceUri', value: queueEndpoint }
            { name: 'Storage__TableServiceUri', value: tableEndpoint }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'Worker__Concurrency', value: string(concurrency) }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
          ]
        }
      ]
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        pollingInterval: 15
        cooldownPeriod: 300
        rules: [
          {
            name: 'generate-queue'
            azureQueue: {
              accountName: storageAccountName
              queueName: generateQueueName
              queueLength: messagesPerReplica
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
