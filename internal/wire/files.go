package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// File transfers over the tether-files channel (ChannelFiles), scope files.
//
// One channel carries one transfer. Control messages are single JSON lines
// of at most MaxFileLine bytes; file bytes travel raw between them, exactly
// as many as announced, so neither side needs an escape.
//
// Collect (a file of the user's into the ticket):
//
//	gateway                                              client
//	  │ ── {"op":"collect","path":"/x/app.log",...}\n ──► │ path rules, stat, ask the user
//	  │ ◄── {"type":"accept","name","path","size"}\n ──── │ (or "refused" / "error", then close)
//	  │ ◄── size raw bytes ────────────────────────────── │
//	  │ ◄── {"type":"done","sha256":"..."}\n ──────────── │ the client's own hash; the gateway
//	  │                                                   │ compares it with what it received
//
// Send (a file the technician uploaded, into the user's Downloads):
//
//	│ ── {"op":"send","name","size","sha256"}\n ──────► │ ask the user
//	│ ◄── {"type":"accept"}\n ───────────────────────── │ (or "refused" / "error")
//	│ ── size raw bytes, then CloseWrite ─────────────► │ temp file in Downloads, hashed
//	│ ◄── {"type":"done","name","sha256"}\n ─────────── │ renamed only when the hash matches
//
// Either side closing the channel early (the user revoked files, pressed
// Stop, the technician went away) discards the partial file on both sides.
const ChannelFiles = "tether-files"

// Limits of the files channel.
const (
	MaxFileLine        = 8 << 10   // bytes in one control line
	MaxFilePath        = 1024      // bytes in a path the technician names
	MaxFileName        = 255       // bytes in a file name
	DefaultMaxFileSize = 100 << 20 // default bound on one file, both sides
	FileChunk          = 32 << 10  // bytes per write of file data
)

// File operations.
const (
	FileCollect = "collect"
	FileSend    = "send"
)

// File event types (client → gateway).
const (
	FileEventAccept  = "accept"
	FileEventRefused = "refused"
	FileEventError   = "error"
	FileEventDone    = "done"
)

// FileRequest is the gateway's first line on a files channel.
type FileRequest struct {
	Op string `json:"op"`
	// Path is the file to collect (collect only), as the technician named it.
	Path string `json:"path,omitempty"`
	// Name, Size and SHA256 describe the file to send (send only).
	Name   string `json:"name,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// Ticket is the ticket the file goes to or comes from, for the question.
	Ticket int64 `json:"ticket,omitempty"`
	// MaxSize is the gateway's bound; the client applies the smaller of its own and this.
	MaxSize int64 `json:"max_size,omitempty"`
}

// FileEvent is one control line from the client.
type FileEvent struct {
	Type   string `json:"type"`
	Name   string `json:"name,omitempty"`
	Path   string `json:"path,omitempty"`
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Error  string `json:"error,omitempty"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ErrFilePath is the refusal of a path by form, before anything is touched.
var ErrFilePath = errors.New("refused: only absolute local paths, without \"..\", devices or network (UNC) paths")

// CheckFilePath applies, to the string only, the form rules both sides
// share: absolute (/x or C:\x), no ".." component, no control characters,
// no UNC (\\host, //host), device (\\.\, \\?\, \??\) or kernel (/dev,
// /proc, /sys) path. The client then applies the diagnostics rules of its
// own OS (diag.CleanPath) and resolves links before it opens anything.
func CheckFilePath(p string) error {
	if p == "" || len(p) > MaxFilePath || hasControl(p) || strings.ContainsRune(p, 0) {
		return ErrFilePath
	}
	s := strings.ReplaceAll(p, `\`, "/")
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return ErrFilePath
		}
	}
	switch {
	case strings.HasPrefix(s, "//"): // UNC, \\.\, \\?\
		return ErrFilePath
	case strings.HasPrefix(s, "/??/"):
		return ErrFilePath
	case strings.HasPrefix(s, "/"):
		for _, d := range []string{"/dev", "/proc", "/sys"} {
			if s == d || strings.HasPrefix(s, d+"/") {
				return ErrFilePath
			}
		}
		return nil
	case len(s) >= 3 && isASCIILetter(s[0]) && s[1] == ':' && s[2] == '/':
		return nil
	}
	return ErrFilePath
}

func isASCIILetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// CheckFileName checks a file name offered for sending: a base name only.
// The client still makes its own safe name from it (files.SafeName).
func CheckFileName(n string) error {
	switch {
	case n == "" || len(n) > MaxFileName:
		return fmt.Errorf("file name must be 1 to %d bytes", MaxFileName)
	case hasControl(n) || strings.ContainsRune(n, 0):
		return errors.New("file name contains control characters")
	case strings.ContainsAny(n, `/\`):
		return errors.New("file name must not contain a path separator")
	case strings.Trim(n, ". ") == "":
		return errors.New("file name must not be only dots or spaces")
	}
	return nil
}

// ParseFileRequest decodes and validates the gateway's request line.
func ParseFileRequest(b []byte) (FileRequest, error) {
	var r FileRequest
	if len(b) > MaxFileLine {
		return r, fmt.Errorf("files: request too large (%d bytes)", len(b))
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("files: bad request: %w", err)
	}
	if r.Size < 0 || r.MaxSize < 0 || r.Ticket < 0 {
		return r, errors.New("files: negative size or ticket")
	}
	switch r.Op {
	case FileCollect:
		if err := CheckFilePath(r.Path); err != nil {
			return r, err
		}
		if r.Name != "" || r.Size != 0 || r.SHA256 != "" {
			return r, errors.New("files: collect takes a path only")
		}
	case FileSend:
		if err := CheckFileName(r.Name); err != nil {
			return r, fmt.Errorf("files: %w", err)
		}
		if !sha256Hex.MatchString(r.SHA256) {
			return r, errors.New("files: sha256 must be 64 lowercase hex digits")
		}
		if r.Path != "" {
			return r, errors.New("files: send takes no path")
		}
	default:
		return r, fmt.Errorf("files: unknown op %q", CleanText(r.Op, 32))
	}
	return r, nil
}

// ParseFileEvent decodes and validates one control line from the client;
// its texts are cleaned.
func ParseFileEvent(b []byte) (FileEvent, error) {
	var e FileEvent
	if len(b) > MaxFileLine {
		return e, fmt.Errorf("files: event too large (%d bytes)", len(b))
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("files: bad event: %w", err)
	}
	switch e.Type {
	case FileEventAccept, FileEventRefused, FileEventError, FileEventDone:
	default:
		return e, fmt.Errorf("files: unknown event %q", CleanText(e.Type, 32))
	}
	if e.Size < 0 {
		return e, errors.New("files: negative size")
	}
	if e.SHA256 != "" && !sha256Hex.MatchString(e.SHA256) {
		return e, errors.New("files: sha256 must be 64 lowercase hex digits")
	}
	e.Name = CleanText(e.Name, MaxFileName)
	e.Path = CleanText(e.Path, MaxFilePath)
	e.Error = CleanText(e.Error, 300)
	return e, nil
}

// FileWriteLine writes v as one JSON control line.
func FileWriteLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("files: encode: %w", err)
	}
	if len(b) > MaxFileLine {
		return fmt.Errorf("files: line too large (%d bytes)", len(b))
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// FileReadLine reads one control line byte by byte (so that no file data
// after it is consumed), at most MaxFileLine bytes. io.EOF at a clean end.
func FileReadLine(r io.Reader) ([]byte, error) {
	var line []byte
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return line, nil
			}
			if len(line) >= MaxFileLine {
				return nil, fmt.Errorf("files: line longer than %d bytes", MaxFileLine)
			}
			line = append(line, b[0])
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}
