//go:build windows

package window

// rundll32 opens a URL in the default browser without a console window and
// without cmd.exe's quoting rules ("start" would read & in the URL).
var systemOpener = []string{"rundll32", "url.dll,FileProtocolHandler"}
