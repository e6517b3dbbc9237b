"""Checks that the deployment artifacts agree with the code, the launcher and the pinned Dapr."""
