package api

import (
	"fmt"
	"net/http"
	"time"
)

// throttleLogin applies the sign-in limits for actor (the bounded user
// name) from the request's address, before any credential is checked:
//
//   - per address and per account+address: refuse (429) once spent;
//   - per account: never refuse outright, but make each attempt beyond the
//     burst wait a growing delay (auth.Limiter.Slow), with only a few waits
//     per account at once (Hold; more are answered 429);
//   - an account+address that signed in before (Vouch) skips the account's
//     slow-down, so guesses from elsewhere cannot keep the real user out.
//
// It returns the account+address key (to reset and vouch for after a
// successful sign-in) and false when it has answered the request itself.
// Every attempt waits the same whatever the password, so the delay tells a
// guesser nothing.
func (a *API) throttleLogin(w http.ResponseWriter, r *http.Request, actor string) (pair string, ok bool) {
	lim := a.cfg.LoginLimiter
	ip := remoteIP(r)
	pair = "pair:" + actor + "|" + ip
	for _, key := range []string{"ip:" + ip, pair} {
		if ok, retry := lim.Allow(key); !ok {
			w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
			writeError(w, http.StatusTooManyRequests, "too many sign-in attempts; try again later")
			return pair, false
		}
	}
	if lim.Vouched(pair) {
		return pair, true
	}
	d := lim.Slow("user:" + actor)
	if d <= 0 {
		return pair, true
	}
	release, ok := lim.Hold("user:" + actor)
	if !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(d.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many sign-in attempts for this account; try again in a few seconds")
		return pair, false
	}
	defer release()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
	if r.Context().Err() != nil {
		return pair, false // the caller gave up; nothing was checked
	}
	return pair, true
}
