// Event Grid system topic for the storage account's events. The subscription that delivers
// blob-created events to the function is a separate module (event-subscription.bicep), deployed only
// once the function code (and so the blob extension's system key) exists.

param location string
param tags object
param name string
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
