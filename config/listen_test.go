package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestListenAddr runs spellings of a listen address through CheckAddr and
// through [proxy] and [serve] in a config file: both give the same answer
// and the same advice, and an address they accept binds on loopback.
func TestListenAddr(t *testing.T) {
	const (
		form     = "write it as 127.0.0.1:PORT"
		loopback = "byok listens on loopback only"
		port     = "the port must be a number from 1 to 65535, or 0 for any free port"
	)
	tests := []struct {
		addr string
		want string // "" when accepted, else what the refusal says
	}{
		{"127.0.0.1:8787", ""},
		{"127.0.0.2:8787", ""},
		{"127.255.255.254:8787", ""},
		{"[::1]:8787", ""},
		{"[::ffff:127.0.0.1]:8787", ""},
		{"[127.0.0.1]:8787", ""},
		{"localhost:8787", ""},
		{"LocalHost:8787", ""},
		{"127.0.0.1:0", ""},
		{"localhost:0", ""},
		{"127.0.0.1:65535", ""},
		{"127.0.0.1:08787", ""},
		{"0.0.0.0:8787", loopback},
		{":8787", loopback},
		{"[::]:8787", loopback},
		{"192.168.1.10:8787", loopback},
		{"example.com:8787", loopback},
		{"localhost.evil.com:8787", loopback},
		{"localhost.:8787", loopback},
		{"127.1:8787", loopback},
		{"[::1%lo]:8787", "leave out the zone"},
		{" 127.0.0.1:8787", loopback},
		{"", form},
		{"127.0.0.1", form},
		{"localhost", form},
		{"127.0.0.1:", form},
		{"::1:8787", form},
		{"127.0.0.1:65536", port},
		{"127.0.0.1:http", port},
		{"127.0.0.1:+80", port},
		{"127.0.0.1:-1", port},
		{"127.0.0.1:8787 ", port},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := CheckAddr(tt.addr)
			if tt.want == "" && err != nil {
				t.Fatalf("CheckAddr(%q) = %v, want it accepted", tt.addr, err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("CheckAddr(%q) = %v, want a refusal that says %q", tt.addr, err, tt.want)
			}
			for _, table := range []string{"proxy", "serve"} {
				c := Default()
				perr := Parse(fmt.Appendf(nil, "[%s]\naddr = %q\n", table, tt.addr), &c, "config.toml")
				if tt.want == "" && perr != nil {
					t.Errorf("[%s] addr %q refused: %v", table, tt.addr, perr)
				}
				if tt.want != "" && (perr == nil || !strings.Contains(perr.Error(), fmt.Sprintf("config.toml:2: %s addr %q: %s", table, tt.addr, tt.want))) {
					t.Errorf("[%s] addr %q: %v, want a refusal on line 2 that says %q", table, tt.addr, perr, tt.want)
				}
			}
			if tt.want == "" {
				listensOnLoopback(t, tt.addr)
			}
		})
	}
}

// listensOnLoopback binds the host of addr, on any free port so that the
// test takes no port another program may hold, and checks that the
// listener is on loopback.
func listensOnLoopback(t *testing.T, addr string) {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		// macOS gives loopback only 127.0.0.1, and a machine may have
		// IPv6 off: the address is loopback, but not on this machine.
		t.Skipf("this machine has no %s: %v", host, err)
	}
	if err != nil {
		t.Fatalf("accepted %q, but it does not bind: %v", addr, err)
	}
	defer l.Close()
	if tcp, ok := l.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		t.Fatalf("accepted %q, which binds %v, off loopback", addr, l.Addr())
	}
}
