// Data-plane roles for one principal on the storage account. No account keys exist in deployed config:
// the apps use these roles through their managed identity, and SAS URLs are user-delegation SAS
// (Storage Blob Delegator lets the identity ask for the delegation key).

param storageAccountName string
param principalId string

@allowed(['ServicePrincipal', 'User', 'Group'])
param principalType string = 'ServicePrincipal'

@description('Also grant Storage Blob Data Owner (what the Functions host needs for its own AzureWebJobsStorage).')
param includeBlobDataOwner bool = false

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

var roleIds = concat(
  [storageBlobDataContributor, storageQueueDataContributor, storageTableDataContributor, storageBlobDelegator],
  includeBlobDataOwner ? [storageBlobDataOwner] : []
)

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleIds: {
    scope: storage
    name: guid(storage.id, principalId, roleId)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]
