// Delivers blob-created events of one file name in one container (a batch's manifest.jsonl, a dataset's
// sentences.jsonl) to a function's blob trigger (Event Grid source).
// The endpoint is the blob extension's webhook, authorised by the host's `blobs_extension` system key.
// That key exists only after the function code is deployed and the host has started with the blob
// extension, so this module runs on a later `azd provision` (deployEventSubscription=true).

param systemTopicName string
param subscriptionName string
param functionAppName string
param functionName string
param containerName string
param manifestFileName string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

// The host's keys (sites/host has no resource type of its own to declare, so listKeys takes its id).
var blobsExtensionKey = listKeys('${functionApp.id}/host/default', '2024-11-01').systemKeys.blobs_extension

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/blobs/'
      subjectEndsWith: '/${manifestFileName}'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output name string = subscription.name
