package window

import "github.com/tetherhq/tether/client/internal/agent"

// controlActive says whether an EventControl means "control taken".
func controlActive(e agent.Event) bool { return e.Active }
