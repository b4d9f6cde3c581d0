package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/tetherhq/tether/certs"
	"github.com/tetherhq/tether/internal/wire"
)

// ErrAlreadyRated means the gateway has this session's rating already.
var ErrAlreadyRated = errors.New("this session was rated already")

// Rate posts the user's rating (1 to 5) and comment to the gateway, once,
// after the session ended (it also works while it runs). It goes to the
// gateway of the join string over the same pinned TLS as the session, with
// the feedback token of the session's Welcome.
func (a *Agent) Rate(ctx context.Context, rating int, comment string) error {
	if rating < 1 || rating > 5 {
		return fmt.Errorf("agent: rating must be 1 to 5, got %d", rating)
	}
	a.mu.Lock()
	id, token := a.id, a.feedback
	a.mu.Unlock()
	if id == "" || token == "" {
		return errors.New("agent: this gateway gave no feedback token; the session cannot be rated")
	}
	cfg := &a.cfg
	body, _ := json.Marshal(wire.Feedback{SessionID: id, Token: token, Rating: rating, Comment: wire.CleanChatText(comment)})
	tlsConf := cfg.TLS
	if tlsConf == nil {
		host, _, _ := net.SplitHostPort(cfg.Join.Addr)
		tlsConf = certs.PinnedClientConfig(cfg.Join.Fingerprint, host)
	}
	tr := &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment, DialContext: cfg.Dial, ForceAttemptHTTP2: false}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.HandshakeTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := url.URL{Scheme: "https", Host: cfg.Join.Addr, Path: wire.FeedbackPath}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("agent: rate: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tether-client/"+cfg.Version)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("agent: rate: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK:
		return nil
	case http.StatusConflict:
		return ErrAlreadyRated
	}
	return fmt.Errorf("agent: rate: the gateway answered %s", wire.CleanText(resp.Status, 64))
}
