package admin

// This file holds the command-line side of the operator commands: flag
// parsing, the password read from stdin, and the text and exit status the
// operator sees. tether-gateway hands "user add", "audit verify", "audit
// export" and "recording verify" to Command.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Command runs the operator command name ("user add", "user list", "user
// reset-password", "audit verify",
// "audit export", "recording verify" or "fingerprint") with its arguments, as typed after
// "tether-gateway", and returns the process exit status: 0 on success, 1
// when the command failed or found a problem, 2 for bad usage. ok is false
// when name is not one of these commands.
func Command(name string, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int, ok bool) {
	switch name {
	case "user add":
		return userAdd(args, stdin, stdout, stderr), true
	case "user list":
		return userList(args, stdout, stderr), true
	case "user reset-password":
		return userResetPassword(args, stdin, stdout, stderr), true
	case "audit verify":
		return auditVerify(args, stdout, stderr), true
	case "audit export":
		return auditExport(args, stdout, stderr), true
	case "recording verify":
		return recordingVerify(args, stdout, stderr), true
	case "fingerprint":
		return fingerprint(args, stdout, stderr), true
	}
	return 0, false
}

func userAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "admin, technician or auditor")
	display := fs.String("display-name", "", "name shown to end users")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *name == "" || *role == "" {
		fmt.Fprintln(stderr, "tether-gateway user add: --name and --role are required; the password is read from stdin")
		return 2
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(stderr, "tether-gateway user add: no password on stdin")
		return 2
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := AddUser(context.Background(), *data, *name, *role, *display, pw); err != nil {
		fmt.Fprintf(stderr, "tether-gateway user add: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", strings.ToLower(strings.TrimSpace(*name)), *role)
	return 0
}

func userList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rows, err := ListUsers(context.Background(), *data)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway user list: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tDISABLED\tMFA\tLAST LOGIN")
	for _, u := range rows {
		last := "never"
		if !u.LastLogin.IsZero() {
			last = u.LastLogin.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, yesNo(u.Disabled), onOff(u.MFA), last)
	}
	tw.Flush()
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// userResetPassword sets NAME's password: generated and printed once with
// --generate, or read from the first line of stdin.
func userResetPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	generate := fs.Bool("generate", false, "generate a password and print it once")
	fs.Bool("password-stdin", false, "read the password from stdin (the default without --generate)")
	// NAME may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() != 0 || name == "" {
		fmt.Fprintln(stderr, "tether-gateway user reset-password: give one user NAME, then --generate or the password on stdin")
		return 2
	}
	var pw string
	if *generate {
		var err error
		if pw, err = GeneratePassword(); err != nil {
			fmt.Fprintf(stderr, "tether-gateway user reset-password: %v\n", err)
			return 1
		}
	} else {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(stderr, "tether-gateway user reset-password: no password on stdin (or use --generate)")
			return 2
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if err := ResetPassword(context.Background(), *data, name, pw); err != nil {
		fmt.Fprintf(stderr, "tether-gateway user reset-password: %v\n", err)
		return 1
	}
	n := strings.ToLower(strings.TrimSpace(name))
	if *generate {
		fmt.Fprintf(stdout, "new password for %s (shown only this once):\n\n    %s\n\n", n, pw)
	}
	fmt.Fprintf(stdout, "password of %s reset; every sign-in of %s has ended\n", n, n)
	return 0
}

func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := VerifyAudit(context.Background(), *data)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway audit verify: %v\n", err)
		return 1
	}
	if !res.OK {
		fmt.Fprintf(stdout, "audit chain BROKEN at seq %d: %s\n%d entries checked; head hash %s\n", res.FirstBad, res.Reason, res.Entries, headOrNone(res.Head))
		return 1
	}
	fmt.Fprintf(stdout, "audit chain OK: %d entries; head hash %s\n", res.Entries, headOrNone(res.Head))
	fmt.Fprintln(stdout, "Keep the head hash elsewhere: a later verify that does not reach it means the log was cut or rewritten.")
	return 0
}

func headOrNone(h string) string {
	if h == "" {
		return "(empty log)"
	}
	return h
}

func auditExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "data", "data directory")
	out := fs.String("out", "", "file to write (default stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "tether-gateway audit export: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := ExportAudit(context.Background(), *data, w); err != nil {
		fmt.Fprintf(stderr, "tether-gateway audit export: %v\n", err)
		return 1
	}
	return 0
}

func recordingVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("recording verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory: the seal is taken from its audit chain (default: none; give --sha256)")
	pub := fs.String("pubkey", "", "gateway signing public key (default DATA/keys/signing.pub)")
	sum := fs.String("sha256", "", "the sealed SHA-256 (hex), instead of looking it up in --data")
	sig := fs.String("signature", "", "the seal's signature (base64)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "tether-gateway recording verify: give one recording FILE")
		return 2
	}
	res, err := VerifyRecording(context.Background(), *data, *pub, fs.Arg(0), *sum, *sig)
	if err != nil {
		fmt.Fprintf(stderr, "tether-gateway recording verify: %v\n", err)
		return 1
	}
	sealed := res.Sealed
	if sealed == "" {
		sealed = "(none)"
	}
	fmt.Fprintf(stdout, "file sha256:   %s\nsealed sha256: %s\n", res.SHA256, sealed)
	if res.SealSeq != 0 {
		fmt.Fprintf(stdout, "seal:          audit entry %d\n", res.SealSeq)
	}
	if len(res.Problems) > 0 {
		for _, p := range res.Problems {
			fmt.Fprintf(stdout, "NOT VERIFIED: %s\n", p)
		}
		return 1
	}
	if !res.Intact {
		fmt.Fprintln(stdout, "NOT INTACT: the file does not match its seal")
		return 1
	}
	if res.SignatureOK {
		fmt.Fprintln(stdout, "OK: intact, and the seal's Ed25519 signature verifies")
		return 0
	}
	fmt.Fprintf(stdout, "INTACT but not authenticated: %s\n", res.Note)
	if res.Note == "" {
		fmt.Fprintln(stdout, "NOT AUTHENTIC: the signature does not verify")
	}
	return 1
}
