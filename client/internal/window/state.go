package window

import (
	"time"

	"github.com/tetherhq/tether/internal/wire"
)

// Phases of the page, in the order a session goes through them.
const (
	phaseStarting   = "starting"   // nothing to ask yet (connecting)
	phaseCode       = "code"       // asking the invite code
	phaseConsent    = "consent"    // asking consent
	phaseConnecting = "connecting" // consent given, waiting for the session
	phaseHelped     = "helped"     // the session runs
	phaseEnded      = "ended"      // the session is over
)

// Bounds of what the page keeps.
const (
	maxActivity = 200
	maxChat     = 500
	maxNowLines = 30
	maxPending  = 8 // asks or file questions waiting at once
)

// state is everything the page shows; it is sent whole, as JSON, on every
// change. Every string in it from the gateway was cleaned by package wire
// or the agent, and the page sets it with textContent only.
type state struct {
	Version    int64          `json:"version"`
	Phase      string         `json:"phase"`
	Problem    string         `json:"problem,omitempty"` // a sentence to show in red
	Technician string         `json:"technician,omitempty"`
	Ticket     *wire.Ticket   `json:"ticket,omitempty"`
	Expires    *time.Time     `json:"expires_at,omitempty"`
	Scopes     []scopeView    `json:"scopes,omitempty"` // consent: what is asked
	Granted    []scopeView    `json:"granted"`
	Connected  bool           `json:"connected"`
	Now        nowView        `json:"now"`
	Activity   []activityLine `json:"activity"` // newest first
	Chat       []chatLine     `json:"chat"`     // oldest first
	Ask        *askView       `json:"ask,omitempty"`
	File       *fileView      `json:"file,omitempty"`
	Transfer   *transferView  `json:"transfer,omitempty"` // the latest file transfer
	Ended      *endedView     `json:"ended,omitempty"`
	consentRes chan consentAns
	codeRes    chan string
	asks       []*askView // pending, oldest first; Ask is asks[0]
	files      []*fileView
	open       map[wire.Scope]int // channels open now, per scope
}

type scopeView struct {
	Scope     wire.Scope `json:"scope"`
	Meaning   string     `json:"meaning"`
	Details   []string   `json:"details,omitempty"`
	Available bool       `json:"available"`
	Why       string     `json:"why,omitempty"` // why it cannot be offered here
}

// nowView is what is open right now.
type nowView struct {
	Shell       bool     `json:"shell"`
	Diagnostics bool     `json:"diagnostics"`
	DiagLines   []string `json:"diag_lines,omitempty"` // files read, hosts contacted, newest last
	Screen      bool     `json:"screen"`
	Control     bool     `json:"control"`
}

type activityLine struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

type chatLine struct {
	Sender string    `json:"sender"` // "user" or "technician"
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

type askView struct {
	ID         string      `json:"id"`
	Technician string      `json:"technician"`
	Reason     string      `json:"reason,omitempty"`
	Scopes     []scopeView `json:"scopes"`
	res        chan wire.Scopes
}

type fileView struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "read" (diagnostics) or "transfer" (files)
	Text string `json:"text"`
	res  chan bool
}

// transferView is a file transfer as the window shows it, with its
// progress while active and its outcome after.
type transferView struct {
	Name   string `json:"name"`
	Text   string `json:"text"`
	Done   int64  `json:"done"`
	Total  int64  `json:"total"`
	Active bool   `json:"active"`
}

type endedView struct {
	Reason  string `json:"reason"`
	CanRate bool   `json:"can_rate"`
	Rated   bool   `json:"rated"`
}

type consentAns struct {
	scopes  wire.Scopes
	decline bool
}

func newState() state {
	return state{Phase: phaseStarting, Granted: []scopeView{}, Activity: []activityLine{},
		Chat: []chatLine{}, open: map[wire.Scope]int{}}
}

func describe(sc wire.Scope) scopeView {
	return scopeView{Scope: sc, Meaning: meaning(sc), Available: true}
}

// meaning is the plain sentence for a scope, for someone who never saw a
// terminal.
func meaning(sc wire.Scope) string {
	switch sc {
	case wire.ScopeDiagnostics:
		return "Check this computer's health: system facts, disks, network settings and logs. Read-only: nothing is changed."
	case wire.ScopeShell:
		return "Type commands on this computer, as you, in a command window you do not see. They can change files and settings."
	case wire.ScopeScreen:
		return "See your screen, live. You will see a sign on screen while they watch."
	case wire.ScopeControl:
		return "Move your mouse, type on your keyboard and copy text to and from your clipboard, while they see your screen."
	case wire.ScopeFiles:
		return "Collect a file from this computer into the ticket, or save a file into your Downloads folder. You are asked about each file, and can refuse or stop it."
	}
	return sc.Describe()
}

// update runs f on the state under the lock and wakes every /events stream.
func (w *Window) update(f func(st *state)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.st)
	w.st.Version++
	close(w.changed)
	w.changed = make(chan struct{})
}

// snapshot returns a copy of the state to encode and the channel closed
// at the next change.
func (w *Window) snapshot() (state, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.st
	if len(st.asks) > 0 {
		st.Ask = st.asks[0]
	}
	if len(st.files) > 0 {
		st.File = st.files[0]
	}
	if st.Ended != nil {
		e := *st.Ended // changed later under the lock (Rated)
		st.Ended = &e
	}
	return st, w.changed
}

func (st *state) log(at time.Time, text string) {
	if text == "" {
		return
	}
	st.Activity = append([]activityLine{{At: at, Text: text}}, st.Activity...)
	if len(st.Activity) > maxActivity {
		st.Activity = st.Activity[:maxActivity]
	}
}

func (st *state) setGranted(sc wire.Scopes) {
	st.Granted = []scopeView{}
	for _, s := range sc {
		st.Granted = append(st.Granted, describe(s))
	}
}

func (st *state) granted() wire.Scopes {
	var out []string
	for _, g := range st.Granted {
		out = append(out, string(g.Scope))
	}
	sc, _ := wire.NewScopes(out)
	return sc
}
