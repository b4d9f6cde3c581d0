// Package recorder writes and reads Tether's session recordings.
//
// Recording happens in the gateway because the gateway sees every byte a
// technician sends and receives: neither side can bypass it. A terminal
// recording is an asciicast v2 file (playable by asciinema and
// asciinema-player) written while the session runs, so a crash of the
// gateway leaves a valid prefix rather than nothing:
//
//	shell bytes ──► Cast.Output ──► UTF-8 hold-back ──► JSON line ──► bufio ──► hashing sink ──► blob file
//	                                                                    │
//	                          time.AfterFunc(FlushEvery) ── Flush + Sync┘ (armed on the first write after a flush)
//
// Input is recorded too: as "i" events while the user's terminal shows it,
// as one "input hidden (...): N bytes" marker per episode while it does not
// (Cast.HiddenInput, input.go); the caller decides which from the echo state
// the client reports.
//
// Close seals the file: the SHA-256 of every byte written, optionally
// signed, which the caller (the recorder service, package recording)
// stores in the database and the audit chain. ReadCast is the bounded
// parser used to replay recordings. Verify checks a file of either kind
// (asciicast or .tsr) against its stored seal: it is the one check behind
// the API's recording meta and `tether-gateway recording verify`.
//
// The format is documented for operators in docs/recording-format.md.
package recorder
