package main

import "github.com/tetherhq/tether/client/internal/agent"

// diagHandler returns the diagnostics runner (nil until diagnostics are wired).
func diagHandler() agent.DiagHandler { return nil }
