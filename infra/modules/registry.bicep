// Container registry for the worker image. No admin user: the worker pulls with its managed identity
// (AcrPull), the deploying principal pushes with its own Entra ID sign-in (AcrPush).

param location string
param tags object
param name string

@description('Principal ids (managed identities) that pull images.')
param pullPrincipalIds array

@description('Object id of the deploying user or service principal; empty grants no push role.')
param pushPrincipalId string = ''

@allowed(['ServicePrincipal', 'User', 'Group'])
param pushPrincipalType string = 'User'

var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var acrPush = '8311e382-0749-4cb8-b61a-304f252e45ec'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in pullPrincipalIds: {
    scope: registry
    name: guid(registry.id, principalId, acrPull)
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    }
  }
]

resource push 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(pushPrincipalId)) {
  scope: registry
  name: guid(registry.id, pushPrincipalId, acrPush)
  properties: {
    principalId: pushPrincipalId
    principalType: pushPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPush)
  }
}

output id string = registry.id
output name string = registry.name
output loginServer string = registry.properties.loginServer
