// The HTTP API and the manifest trigger: a Functions app on Flex Consumption (FC1), .NET isolated.
// Host storage and the "Storage" connection are identity-based (user-assigned identity, no keys); the
// package is deployed to a blob container the identity can read.

@description('NCRONTAB schedule of the retokenization timer (TokenizeSchedule function).')
param tokenizeSchedule string

param location string
param tags object
param planName string
param appName string

@description('Resource id, client id of the app\'s user-assigned identity.')
param identityId string
param identityClientId string

param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string

@description('dotnet-isolated version the app targets (the project targets net10.0).')
param runtimeVersion string = '10.0'

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
  }
}

// Flex Consumption sets FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION itself; they must not be set here.
resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Host storage by identity.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The "Storage" connection of the blob trigger, and StorageOptions (Storage:BlobServiceUri, ...) of the platform.
    Storage__blobServiceUri: blobEndpoint
    Storage__queueServiceUri: queueEndpoint
    Storage__tableServiceUri: tableEndpoint
    Storage__credential: 'managedidentity'
    Storage__clientId: identityClientId
    // DefaultAzureCredential in StorageClients picks the user-assigned identity by this id.
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    // The retokenization timer's binding (%Tokenize:Schedule%) is resolved by the host from this setting.
    Tokenize__Schedule: tokenizeSchedule
  }
}

// Deployments sign in with Entra ID; basic publishing credentials are off.
resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
