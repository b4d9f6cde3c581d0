// Package screenrec writes and reads screen recordings (.tsr files): the
// frame records of the tether-screen channel, exactly as the client sent
// them, each behind the gateway's own timestamp, with an index of keyframes
// for seeking and a seal (SHA-256, optional Ed25519 signature) like the
// terminal recordings of package recorder.
//
// It exists so that the recording format has one owner: the API appends to a
// Writer while frames flow, tests and tools read with Reader and paint with
// Canvas, and the web UI's replay follows docs/recording-format.md.
//
// File layout (all integers big-endian):
//
//	offset  size  field
//	0       8     magic "TSREC01\n"
//	8       4     n: length of the JSON header (1..4096)
//	12      n     JSON Header {"version":1,"width",...}
//	...           entries, each:
//	              +0  8  t_ms: milliseconds since the recording started (gateway clock)
//	              +8  …  one tether-screen record: u32 L | u8 type | L-1 bytes
//	                     type 1 frame, 2 hello (screen size changed), 4 index (last)
//	end-16  8     offset of the index entry          } footer, only in a sealed file
//	end-8   8     magic "TSRINDEX"                    }
//
// The index record's body is m × (u64 t_ms, u64 offset of a keyframe's
// entry). A file cut short by a crash has no index and maybe a partial last
// entry: Reader stops cleanly at the last whole entry and Scan rebuilds the
// index, so the prefix stays playable.
package screenrec
