// Container Apps environment with workload profiles: Consumption always, plus a serverless GPU profile
// when one is asked for. Logs go to Log Analytics through a diagnostic setting (no workspace key).

param location string
param tags object
param name string
param logAnalyticsWorkspaceId string

@description('Serverless GPU workload profile type; empty for none.')
param gpuProfileType string = ''

@description('Name the GPU profile gets in the environment (the worker selects it by this name).')
param gpuProfileName string = 'gpu'

var consumptionProfile = [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
var gpuProfile = empty(gpuProfileType) ? [] : [{ name: gpuProfileName, workloadProfileType: gpuProfileType }]

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: concat(consumptionProfile, gpuProfile)
  }
}

resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: environment
  name: 'logs-to-workspace'
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      { categoryGroup: 'allLogs', enabled: true }
    ]
  }
}

output id string = environment.id
output name string = environment.name
output workerProfileName string = empty(gpuProfileType) ? 'Consumption' : gpuProfileName
