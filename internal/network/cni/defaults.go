package cni

// DefaultBridge is the Linux bridge pods attach to when Config names none.
const DefaultBridge = "bosun0"
