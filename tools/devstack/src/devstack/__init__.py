"""The local topology as processes: infra, the Dapr control plane, the apps and their sidecars."""
