//go:build !agent13

package window

import (
	"strings"

	"github.com/tetherhq/tether/client/internal/agent"
)

// controlActive says whether an EventControl means "control taken".
// Until the agent's Event has Active (issue 13, contract section 3; build
// with -tags agent13 once it has), the message tells.
func controlActive(e agent.Event) bool {
	return !strings.Contains(strings.ToLower(e.Message), "releas")
}
