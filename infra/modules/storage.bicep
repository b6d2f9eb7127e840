// The platform's storage account: blob containers, queues and the job-state table, reached by managed
// identity only (shared-key access is off, so no connection string with a key can work).
// The names are StorageLayout and QueueNames in src/LvmCloud.Platform (a test keeps them equal).

param location string
param tags object
param name string

@description('Container the Functions app package is deployed to (Flex Consumption).')
param deploymentContainerName string

// Blob containers (StorageLayout.*Container).
var blobContainerNames = [
  'batches'
  'results'
  'models'
  'datasets'
  'tokens'
  'training'
]

// Job queues and their poison twins (QueueNames.All() with no prefix).
var queueNames = [
  'generate'
  'generate-poison'
  'tokenize'
  'tokenize-poison'
  'train-shard'
  'train-shard-poison'
]

// Tables (StorageLayout.JobStateTable).
var tableNames = [
  'jobstate'
]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in concat(blobContainerNames, [deploymentContainerName]): {
    parent: blobService
    name: containerName
    properties: { publicAccess: 'None' }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
