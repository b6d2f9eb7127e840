// The image a container app runs now, so that `azd provision` after `azd deploy` keeps it
// instead of resetting the app to the placeholder image.

param name string
param exists bool

resource existingApp 'Microsoft.App/containerApps@2025-01-01' existing = if (exists) {
  name: name
}

output image string = exists ? existingApp!.properties.template.containers[0].image : ''
