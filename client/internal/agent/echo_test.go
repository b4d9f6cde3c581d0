package agent

import (
	"errors"
	"slices"
	"testing"

	"github.com/tetherhq/tether/client/internal/shell"
	"github.com/tetherhq/tether/internal/wire"
)

type fakeEcho struct{ e shell.Echo }

func (f *fakeEcho) Echo() shell.Echo { return f.e }

type fakeReqCh struct {
	sent []string // echo values sent
	err  error
}

func (f *fakeReqCh) SendRequest(name string, wantReply bool, payload []byte) (bool, error) {
	if name != wire.RequestEcho || !wantReply {
		return false, errors.New("unexpected request")
	}
	if f.err != nil {
		return false, f.err
	}
	n, err := wire.ParseEchoNotice(payload)
	if err != nil {
		return false, err
	}
	f.sent = append(f.sent, n.Echo)
	return true, nil
}

func TestEchoReporterSendsChangesOnly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		states []shell.Echo
		want   []string
	}{
		{"first state is always sent", []shell.Echo{shell.EchoOn}, []string{"on"}},
		{"unchanged is not resent", []shell.Echo{shell.EchoOn, shell.EchoOn, shell.EchoOn}, []string{"on"}},
		{"each change is sent", []shell.Echo{shell.EchoOn, shell.EchoOff, shell.EchoOff, shell.EchoOn}, []string{"on", "off", "on"}},
		{"starts off", []shell.Echo{shell.EchoOff}, []string{"off"}},
		{"unknown is never sent", []shell.Echo{shell.EchoUnknown, shell.EchoUnknown}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, ch := &fakeEcho{}, &fakeReqCh{}
			r := &echoReporter{sh: sh, ch: ch}
			for _, e := range tc.states {
				sh.e = e
				r.check()
			}
			if !slices.Equal(ch.sent, tc.want) {
				t.Errorf("notices: got %v, want %v", ch.sent, tc.want)
			}
		})
	}
}

func TestEchoReporterRetriesAfterSendError(t *testing.T) {
	sh, ch := &fakeEcho{e: shell.EchoOff}, &fakeReqCh{err: errors.New("closed")}
	r := &echoReporter{sh: sh, ch: ch}
	r.check()
	ch.err = nil
	r.check()
	if want := []string{"off"}; !slices.Equal(ch.sent, want) {
		t.Errorf("notices: got %v, want %v (a failed notice is tried again)", ch.sent, want)
	}
}
