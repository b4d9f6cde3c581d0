package deps

import (
	_ "github.com/gorilla/websocket"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/crypto/argon2"
	_ "github.com/pion/webrtc/v3"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/creack/pty"
	_ "modernc.org/sqlite"
	_ "github.com/shirou/gopsutil/v4/cpu"
	_ "github.com/kbinani/screenshot"
	_ "github.com/jezek/xgb"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/google/go-cmp/cmp"
	_ "go.uber.org/goleak"
	_ "golang.org/x/sys/windows"
	_ "github.com/charmbracelet/x/conpty"
)
