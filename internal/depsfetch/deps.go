//go:build tools

// Package depsfetch pins modules that later work needs before any code imports them.

package deps

import (
	_ "github.com/charmbracelet/x/conpty"
	_ "github.com/creack/pty"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/gorilla/websocket"
	_ "github.com/jezek/xgb"
	_ "github.com/kbinani/screenshot"
	_ "github.com/pion/webrtc/v3"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/shirou/gopsutil/v4/cpu"
	_ "go.uber.org/goleak"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/sys/windows"
	_ "modernc.org/sqlite"
)
