package proxy

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

func TestCheckBrowser(t *testing.T) {
	tests := []struct {
		name, host, origin, site string
		ok                       bool
	}{
		{"ipv4 with port", "127.0.0.1:8787", "", "", true},
		{"localhost with port", "localhost:8787", "", "", true},
		{"LOCALHOST in capitals", "LOCALHOST:8787", "", "", true},
		{"ipv6 loopback", "[::1]:8787", "", "", true},
		{"other 127/8 address", "127.0.0.53:8787", "", "", true},
		{"local page origin", "127.0.0.1:8787", "http://localhost:3000", "same-site", true},
		{"fetch from the address bar", "127.0.0.1:8787", "", "none", true},
		{"empty host", "", "", "", false},
		{"host without port", "127.0.0.1", "", "", false},
		{"wrong port", "127.0.0.1:8788", "", "", false},
		{"rebound name", "evil.example:8787", "", "", false},
		{"localhost as a subdomain", "localhost.evil.com:8787", "", "", false},
		{"subdomain of localhost", "evil.localhost:8787", "", "", false},
		{"trailing dot", "localhost.:8787", "", "", false},
		{"unspecified address", "0.0.0.0:8787", "", "", false},
		{"private address", "192.168.1.2:8787", "", "", false},
		{"ipv4-mapped public address", "[::ffff:8.8.8.8]:8787", "", "", false},
		{"zone on loopback", "[::1%25lo]:8787", "", "", false},
		{"cross-site origin", "127.0.0.1:8787", "https://evil.example", "", false},
		{"origin null", "127.0.0.1:8787", "null", "", false},
		{"origin file", "127.0.0.1:8787", "file://", "", false},
		{"origin with loopback-looking name", "127.0.0.1:8787", "http://127.0.0.1.evil.example", "", false},
		{"cross-site fetch", "127.0.0.1:8787", "", "cross-site", false},
		{"cross-site fetch in capitals", "127.0.0.1:8787", "", "Cross-Site", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBrowser(tt.host, tt.origin, tt.site, "8787")
			if (err == nil) != tt.ok {
				t.Errorf("checkBrowser(%q, %q, %q) = %v, want ok=%v", tt.host, tt.origin, tt.site, err, tt.ok)
			}
		})
	}
}

// FuzzCheckBrowser checks that whatever checkBrowser accepts really is the
// proxy on the loopback interface, asked by something that is not a
// cross-site page. The seed corpus is in testdata/fuzz/FuzzCheckBrowser.
func FuzzCheckBrowser(f *testing.F) {
	f.Add("127.0.0.1:8787", "", "", "8787")
	f.Add("evil.example:8787", "https://evil.example", "cross-site", "8787")
	f.Fuzz(func(t *testing.T, host, origin, site, port string) {
		if checkBrowser(host, origin, site, port) != nil {
			return
		}
		// The Host names the proxy's port on a loopback address, read the
		// way an HTTP client would read it.
		u, err := url.Parse("http://" + host + "/")
		if err != nil {
			t.Fatalf("accepted Host %q that is not a valid authority: %v", host, err)
		}
		if !loopbackOracle(u.Hostname()) {
			t.Fatalf("accepted Host %q whose name %q is not loopback", host, u.Hostname())
		}
		if p := u.Port(); p != port && (p != "" || port != "80") {
			t.Fatalf("accepted Host %q on port %q, want %q", host, p, port)
		}
		if origin != "" {
			o, err := url.Parse(origin)
			if err != nil || !loopbackOracle(o.Hostname()) {
				t.Fatalf("accepted Origin %q", origin)
			}
		}
		if strings.EqualFold(strings.TrimSpace(site), "cross-site") {
			t.Fatalf("accepted Sec-Fetch-Site %q", site)
		}
	})
}

// loopbackOracle is an independent statement of "a loopback name".
func loopbackOracle(name string) bool {
	if strings.ToLower(name) == "localhost" {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && (ip.Equal(net.IPv6loopback) || (ip.To4() != nil && ip.To4()[0] == 127))
}

func TestClientName(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"OpenAI/Go 3.96.0", "OpenAI/Go"},
		{"Anthropic/Go 1.60.0", "Anthropic/Go"},
		{"curl/8.5.0", "curl"},
		{"python-requests/2.31.0", "python-requests"},
		{"google-genai-sdk/1.77.0 gl-go/1.26", "google-genai-sdk"},
		{"aider", "aider"},
		{"", ""},
		{"  spaced/1.0  ", "spaced"},
		{"evil\x1b[31mred/1.0", "evil[31mred"},
		{strings.Repeat("a", 100), strings.Repeat("a", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.ua, func(t *testing.T) {
			if got := clientName(tt.ua); got != tt.want {
				t.Errorf("clientName(%q) = %q, want %q", tt.ua, got, tt.want)
			}
		})
	}
}
