package diag

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetherhq/tether/internal/wire"
)

// allowFiles is a policy that reads only the given files (as if named with
// --allow-file), nobody asked.
func allowFiles(t testing.TB, paths ...string) *FilePolicy {
	t.Helper()
	p, err := NewFilePolicy(FilePolicyConfig{Roots: []string{}, Allowed: paths})
	if err != nil {
		t.Fatalf("NewFilePolicy: %v", err)
	}
	return p
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		goos, in, want string
		err            error
	}{
		{"linux", "/var/log/syslog", "/var/log/syslog", nil},
		{"linux", "/var/log//app/../syslog", "/var/log/syslog", nil},
		{"linux", "/var/log/../../etc/shadow", "/etc/shadow", nil}, // lexically fine; the roots decide
		{"linux", "/devices/x.log", "/devices/x.log", nil},
		{"linux", "var/log/syslog", "", ErrPathForm},
		{"linux", "./app.log", "", ErrPathForm},
		{"linux", "//host/share/x", "", ErrPathForm},
		{"linux", `\\host\share\x`, "", ErrPathForm},
		{"linux", "/dev/sda", "", ErrPathForm},
		{"linux", "/dev", "", ErrPathForm},
		{"linux", "/var/../dev/tty", "", ErrPathForm},
		{"linux", "/proc/self/environ", "", ErrPathForm},
		{"linux", "/sys/kernel/notes", "", ErrPathForm},
		{"linux", "/var/log/a\x1b[2Jb", "", ErrPathForm},
		{"linux", "", "", ErrPathForm},
		{"darwin", "/dev/disk0", "", ErrPathForm},
		{"windows", `C:\Windows\Logs\CBS\CBS.log`, `C:\Windows\Logs\CBS\CBS.log`, nil},
		{"windows", `c:/windows/logs/x.log`, `C:\windows\logs\x.log`, nil},
		{"windows", `C:\Windows\Logs\..\System32\config\SAM`, `C:\Windows\System32\config\SAM`, nil},
		{"windows", `\\host\share\x.log`, "", ErrPathForm},
		{"windows", `//host/share/x.log`, "", ErrPathForm},
		{"windows", `\\.\PhysicalDrive0`, "", ErrPathForm},
		{"windows", `\\?\C:\Windows\Logs\x.log`, "", ErrPathForm},
		{"windows", `\??\C:\x.log`, "", ErrPathForm},
		{"windows", `C:x.log`, "", ErrPathForm},
		{"windows", `\Windows\Logs\x.log`, "", ErrPathForm},
		{"windows", `logs\x.log`, "", ErrPathForm},
		{"windows", `/var/log/syslog`, "", ErrPathForm},
		{"windows", `C:\logs\a.log:secret`, "", ErrPathForm},
		{"windows", `C:\logs\*.log`, "", ErrPathForm},
		{"windows", `C:\logs\NUL`, "", ErrPathForm},
		{"windows", `C:\logs\com1.txt`, "", ErrPathForm},
		{"windows", `C:\logs\LPT¹`, "", ErrPathForm},
		{"windows", `C:\logs\CONOUT$`, "", ErrPathForm},
		{"windows", `C:\logs\x.log.`, "", ErrPathForm},
		{"windows", `C:\logs\x.log `, "", ErrPathForm},
		{"windows", `C:\logs\console.log`, `C:\logs\console.log`, nil},
	}
	for _, tt := range tests {
		got, err := CleanPath(tt.goos, tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("CleanPath(%s, %q) = %q, %v; want %q, %v", tt.goos, tt.in, got, err, tt.want, tt.err)
		}
	}
}

// fakeAsker answers questions from a table and records them.
type fakeAsker struct {
	mu        sync.Mutex
	yes       map[string]bool // path -> answer
	questions []string
}

func (f *fakeAsker) ask(_ context.Context, q string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.questions = append(f.questions, q)
	for p, yes := range f.yes {
		if strings.Contains(q, "read "+p+".") || strings.Contains(q, "leads to "+p+".") {
			return yes, nil
		}
	}
	return false, nil
}

func TestFilePolicyAuthorize(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if content != "" {
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	link := func(target, rel string) string {
		p := mk(rel, "")
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("symlink: %v", err)
		}
		return p
	}
	root := filepath.Dir(mk("log/app.log", "INFO x\n"))
	inRoot := filepath.Join(root, "app.log")
	shadow := mk("etc/shadow", "root:$6$secret:19000\n")
	outside := mk("home/u/app.log", "ERROR y\n")
	missing := filepath.Join(dir, "home/u/none.log")
	escape := link(shadow, "log/escape.log")                   // a link in the root to a file outside
	inner := link(inRoot, "log/inner.log")                     // a link that stays inside
	toDev := link("/dev/zero", "log/zero.log")                 // a link to a device
	outLink := link(inRoot, "home/u/points-into-log.log")      // outside, but leads into the root
	toShare := link("//attacker/share/x.log", "log/share.log") // a link to a network share
	relLink := link("../etc/shadow", "log/rel.log")            // a relative link out of the root

	type policy struct {
		name    string
		allowed []string
		yes     map[string]bool // nil: not interactive (--accept)
	}
	accept := policy{name: "accept"}
	allowed := policy{name: "allow-file", allowed: []string{outside}}
	askYes := policy{name: "asked yes", yes: map[string]bool{outside: true, shadow: true}}
	askNo := policy{name: "asked no", yes: map[string]bool{}}

	tests := []struct {
		policy  policy
		path    string
		want    string // resolved path when allowed
		err     error
		asked   int  // questions put to the user
		resolve bool // whether the file system may be touched
	}{
		{accept, inRoot, inRoot, nil, 0, true},
		{accept, inner, inRoot, nil, 0, true},
		{accept, outside, "", ErrFileRefused, 0, false},
		{accept, missing, "", ErrFileRefused, 0, false},
		{accept, shadow, "", ErrFileRefused, 0, false},
		{accept, escape, "", ErrFileRefused, 0, true},
		{accept, toDev, "", ErrPathForm, 0, true},
		{accept, outLink, "", ErrFileRefused, 0, false},
		{accept, toShare, "", ErrPathForm, 0, true},
		{accept, relLink, "", ErrFileRefused, 0, true},
		{accept, root + "/../etc/shadow", "", ErrFileRefused, 0, false},
		{accept, "/dev/sda", "", ErrPathForm, 0, false},
		{accept, "/proc/self/environ", "", ErrPathForm, 0, false},
		{accept, "relative/app.log", "", ErrPathForm, 0, false},
		{accept, "//host/share/app.log", "", ErrPathForm, 0, false},
		{allowed, outside, outside, nil, 0, true},
		{allowed, shadow, "", ErrFileRefused, 0, false},
		{askYes, outside, outside, nil, 1, true},
		{askYes, escape, shadow, nil, 1, true}, // asked about where the link leads
		{askYes, relLink, shadow, nil, 1, true},
		{askYes, "/dev/sda", "", ErrPathForm, 0, false},
		{askNo, outside, "", ErrFileRefused, 1, false},
		{askNo, missing, "", ErrFileRefused, 1, false},
		{askNo, escape, "", ErrFileRefused, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.policy.name+" "+strings.TrimPrefix(tt.path, dir), func(t *testing.T) {
			fa := &fakeAsker{yes: tt.policy.yes}
			resolved := 0
			cfg := FilePolicyConfig{GOOS: "linux", Roots: []string{root}, Allowed: tt.policy.allowed,
				resolve: func(p string) (string, error) { resolved++; return resolveLinks("linux")(p) }}
			if tt.policy.yes != nil {
				cfg.Ask = fa.ask
			}
			p, err := NewFilePolicy(cfg)
			if err != nil {
				t.Fatal(err)
			}
			resolved = 0 // NewFilePolicy resolves its roots and allowed files
			got, err := p.Authorize(context.Background(), "Alice", tt.path, true)
			if tt.err == nil {
				if want, _ := filepath.EvalSymlinks(tt.path); got != want {
					t.Errorf("resolved %q, filepath.EvalSymlinks says %q", got, want)
				}
			}
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Authorize(%q) = %q, %v; want %q, %v", tt.path, got, err, tt.want, tt.err)
			}
			if len(fa.questions) != tt.asked {
				t.Errorf("asked %d questions %q, want %d", len(fa.questions), fa.questions, tt.asked)
			}
			if !tt.resolve && resolved > 0 {
				t.Errorf("a refused path touched the file system (%d resolves)", resolved)
			}
			for _, q := range fa.questions {
				if !strings.HasPrefix(q, "Alice asks to read ") || !strings.HasSuffix(q, "Allow? [y/N] ") {
					t.Errorf("question %q, want \"Alice asks to read PATH. Allow? [y/N] \"", q)
				}
			}
		})
	}
}

func TestResolveLinksLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink(b, a); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveLinks("linux")(a); err == nil || !strings.Contains(err.Error(), "too many symbolic links") {
		t.Errorf("link loop: %v, want too many symbolic links", err)
	}
}

func TestFilePolicyRefusalHidesExistence(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(exists, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := NewFilePolicy(FilePolicyConfig{Roots: []string{filepath.Join(dir, "log")}})
	if err != nil {
		t.Fatal(err)
	}
	_, e1 := p.Authorize(context.Background(), "", exists, true)
	_, e2 := p.Authorize(context.Background(), "", filepath.Join(dir, "no_such_key"), true)
	if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
		t.Errorf("existing file: %v; missing file: %v; want the same refusal", e1, e2)
	}
}

func TestFilePolicyRemembersAnswers(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "app.log")
	if err := os.WriteFile(f, []byte("ERROR x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fa := &fakeAsker{yes: map[string]bool{f: true}}
	p, err := NewFilePolicy(FilePolicyConfig{Roots: []string{}, Ask: fa.ask})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := p.Authorize(context.Background(), "Alice", f, true); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if len(fa.questions) != 1 {
		t.Errorf("asked %d times (%q), want once for the session", len(fa.questions), fa.questions)
	}
	if _, err := p.Authorize(context.Background(), "Alice", f, false); err != nil {
		t.Errorf("approved path without asking: %v, want allowed", err)
	}
}

func TestFilePolicyWindowsRoots(t *testing.T) {
	p, err := NewFilePolicy(FilePolicyConfig{GOOS: "windows", Roots: []string{`C:\Windows\Logs`},
		resolve: func(s string) (string, error) { return s, nil }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		err  error
	}{
		{`C:\Windows\Logs\CBS\CBS.log`, nil},
		{`c:\windows\logs\x.log`, nil},
		{`C:\Windows\LogsX\x.log`, ErrFileRefused},
		{`C:\Windows\Logs\..\System32\config\SAM`, ErrFileRefused},
		{`C:\Users\u\.ssh\id_rsa`, ErrFileRefused},
		{`\\attacker\share\x.log`, ErrPathForm},
		{`\\?\C:\Windows\Logs\x.log`, ErrPathForm},
		{`\\.\C:`, ErrPathForm},
	}
	for _, tt := range tests {
		_, err := p.Authorize(context.Background(), "", tt.path, true)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("Authorize(%q) = %v, want %v", tt.path, err, tt.err)
		}
	}
	if _, err := NewFilePolicy(FilePolicyConfig{GOOS: "windows", Allowed: []string{`\\host\share\x`}}); !errors.Is(err, ErrPathForm) {
		t.Errorf("--allow-file of a UNC path: %v, want %v", err, ErrPathForm)
	}
}

// TestRunReportsAccessAndRefusals runs the logs, dns and connectivity
// checks and looks at what the user would be shown and what the report says.
func TestRunReportsAccessAndRefusals(t *testing.T) {
	dir := t.TempDir()
	allowed := filepath.Join(dir, "app.log")
	secret := filepath.Join(dir, "secret.txt")
	for p, body := range map[string]string{allowed: "ERROR app broke\n", secret: "ERROR top-secret-line\n"} {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := newRunner(t, Config{GOOS: "plan9", Files: allowFiles(t, allowed)})
	var access []string
	req := wire.DiagRequest{Checks: []string{"logs", "dns"}, Params: wire.DiagParams{
		Names: []string{"localhost"}, LogFiles: []string{allowed, secret, "/proc/self/environ"}}}
	res := r.RunWith(context.Background(), req, Options{Access: func(a Access) { access = append(access, a.String()) }})
	want := []string{
		"reading " + allowed,
		"refused to read " + secret + " (not in the standard log locations and not approved by the user)",
		"refused to read /proc/self/environ (device, network (UNC) and relative paths are never read)",
		"looking up localhost",
	}
	slices.Sort(access)
	slices.Sort(want)
	if !slices.Equal(access, want) {
		t.Errorf("access lines:\n got %q\nwant %q", access, want)
	}
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), "top-secret-line") {
		t.Errorf("report holds the refused file's content: %s", b)
	}
	logs := res[0]
	if logs.Status != wire.DiagWarn || !strings.Contains(logs.Summary, "refused by the client (outside what the user allowed): "+secret+", /proc/self/environ") {
		t.Errorf("logs: %s %q, want warn naming the refused files", logs.Status, logs.Summary)
	}
	refused := 0
	for _, s := range logs.Data["sources"].([]*logStats) {
		if s.Refused {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("refused sources: got %d, want 2", refused)
	}
}

func TestHostsBounded(t *testing.T) {
	r := newRunner(t, Config{MaxHosts: 2})
	req := wire.DiagRequest{Checks: []string{"connectivity", "dns"}, Params: wire.DiagParams{
		Targets: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, Names: []string{"a.invalid", "b.invalid", "c.invalid"}}}
	var access []string
	res := r.RunWith(context.Background(), req, Options{Access: func(a Access) { access = append(access, a.String()) }})
	for _, x := range res {
		if x.Status != wire.DiagError || !strings.Contains(x.Summary, "at most 2 per run") {
			t.Errorf("%s: %s %q, want error \"at most 2 per run\"", x.Name, x.Status, x.Summary)
		}
	}
	if len(access) != 0 {
		t.Errorf("contacted %q, want nothing", access)
	}
	if got := (&Config{MaxHosts: 100}).maxHosts(); got != wire.MaxDiagHosts {
		t.Errorf("MaxHosts 100: got %d, want the wire bound %d", got, wire.MaxDiagHosts)
	}
}

// FuzzCleanPath: whatever the technician sends, an accepted path is
// absolute, clean, not a share and not under a device tree, and cleaning
// it again changes nothing.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/var/log/syslog", "/var/log/../../dev/sda", "//host/x", `\\host\share\x`, `\\?\C:\x`,
		`C:\Windows\Logs\x.log`, `c:/x/../NUL`, `C:\a\b:c`, "/proc/../proc/self", "relative"} {
		f.Add("linux", s)
		f.Add("windows", s)
	}
	f.Fuzz(func(t *testing.T, goos, name string) {
		if goos != "windows" {
			goos = "linux"
		}
		c, err := CleanPath(goos, name)
		if err != nil {
			if !errors.Is(err, ErrPathForm) || c != "" {
				t.Fatalf("CleanPath(%q) = %q, %v", name, c, err)
			}
			return
		}
		again, err := CleanPath(goos, c)
		if err != nil || again != c {
			t.Fatalf("CleanPath(%q) = %q, but again %q, %v", name, c, again, err)
		}
		if goos == "windows" {
			if strings.HasPrefix(c, `\\`) || len(c) < 3 || c[1] != ':' || c[2] != '\\' || strings.Contains(c, "/") {
				t.Fatalf("CleanPath(windows, %q) = %q: not a drive path", name, c)
			}
			return
		}
		if !strings.HasPrefix(c, "/") || strings.HasPrefix(c, "//") || strings.Contains(c, "/../") || strings.HasSuffix(c, "/..") {
			t.Fatalf("CleanPath(%q) = %q: not clean and absolute", name, c)
		}
		for _, d := range unixDevices {
			if c == d || strings.HasPrefix(c, d+"/") {
				t.Fatalf("CleanPath(%q) = %q: a device path", name, c)
			}
		}
	})
}
