// Container Apps environment with workload profiles: Consumption always, plus a serverless GPU profile for
// the worker app and one for the trainer app when they ask for them. Logs go to Log Analytics through a
// diagnostic setting (no workspace key).

param location string
param tags object
param name string
param logAnalyticsWorkspaceId string

@description('Serverless GPU workload profile type of the worker app; empty for none.')
param gpuProfileType string = ''

@description('Name the worker\'s GPU profile gets in the environment (the worker selects it by this name).')
param gpuProfileName string = 'gpu'

@description('Serverless GPU workload profile type of the trainer app; empty for none (or no trainer).')
param trainerGpuProfileType string = ''

@description('Name the trainer\'s GPU profile gets when its type differs from the worker\'s.')
param trainerGpuProfileName string = 'gpu-trainer'

// A serverless GPU profile is shared capacity billed per replica (one card each), so the trainer shares the
// worker's profile when it asks for the same type; the worker's profile keeps its name either way, so turning
// the trainer on never renames a profile the worker runs on.
var trainerNeedsOwnProfile = !empty(trainerGpuProfileType) && trainerGpuProfileType != gpuProfileType

var consumptionProfile = [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
var gpuProfile = empty(gpuProfileType) ? [] : [{ name: gpuProfileName, workloadProfileType: gpuProfileType }]
var trainerGpuProfile = trainerNeedsOwnProfile ? [{ name: trainerGpuProfileName, workloadProfileType: trainerGpuProfileType }] : []

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: concat(consumptionProfile, gpuProfile, trainerGpuProfile)
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
output trainerProfileName string = empty(trainerGpuProfileType)
  ? 'Consumption'
  : (trainerNeedsOwnProfile ? trainerGpuProfileName : gpuProfileName)
