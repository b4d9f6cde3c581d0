package consent

import (
	"fmt"
	"strings"

	"github.com/tetherhq/tether/internal/wire"
)

// While a session runs the user can type commands on the terminal.
const CommandHelp = `Type "say TEXT" to write to the technician, "revoke SCOPE" (for example "revoke shell") to withdraw a permission at once, "end" to end the session, "help" for this text.`

// Command is one line the user typed during a session.
type Command struct {
	Revoke wire.Scopes // scopes to withdraw
	End    bool        // end the session
	Help   bool        // show CommandHelp
	Say    string      // a chat message to send (say TEXT, chat TEXT), as typed
}

// ParseCommand understands "revoke SCOPE[,SCOPE]", "r SCOPE", "end", "quit",
// "help" and "?". An empty line is no command.
func ParseCommand(line string) (Command, error) {
	f := strings.Fields(strings.ToLower(line))
	if len(f) == 0 {
		return Command{}, nil
	}
	switch f[0] {
	case "say", "chat":
		text := strings.TrimSpace(strings.TrimSpace(line)[len(f[0]):])
		if text == "" {
			return Command{}, fmt.Errorf("say what? For example: say The printer works again")
		}
		return Command{Say: text}, nil
	case "revoke", "r":
		if len(f) < 2 {
			return Command{}, fmt.Errorf("revoke what? %s", scopeList())
		}
		sc, err := wire.ParseScopes(strings.Join(f[1:], ","))
		if err != nil {
			return Command{}, err
		}
		return Command{Revoke: sc}, nil
	case "end", "quit", "exit", "stop":
		return Command{End: true}, nil
	case "help", "?", "h":
		return Command{Help: true}, nil
	}
	return Command{}, fmt.Errorf("unknown command %q. %s", f[0], CommandHelp)
}

func scopeList() string {
	return "Say one of: diagnostics, shell, screen, control, files."
}
