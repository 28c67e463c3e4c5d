package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// CheckAddr checks an address byok listens on ([proxy] addr, [serve] addr,
// --addr): a loopback host and a port, written so that net.Listen binds
// it on loopback. The host is a 127.0.0.0/8 address (127.0.0.2 too: Linux
// routes the whole block to loopback), ::1 in brackets, or localhost in
// any case (the system resolves it; the servers check that what they bound
// is loopback before they serve). The port is a number from 0 to 65535, 0 asking for
// any free port, which the servers print. Anything reachable from another
// machine, and ports net.Listen would look up by name ("http"), are
// refused; the config check and the servers apply this one rule, so a
// config that loads also serves.
func CheckAddr(addr string) error {
	if why := addrProblem(addr); why != "" {
		return fmt.Errorf("address %q: %s", addr, why)
	}
	return nil
}

// addrProblem says what is wrong with a listen address and what to write
// instead, or "" when nothing is.
func addrProblem(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case err != nil || port == "":
		return "write it as 127.0.0.1:PORT, [::1]:PORT or localhost:PORT"
	case strings.Contains(host, "%"):
		return "leave out the zone after %: write [::1]:PORT"
	case !IsLoopbackName(host):
		return "byok listens on loopback only, so that no other machine can reach your keys or your spend: use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT"
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "the port must be a number from 1 to 65535, or 0 for any free port"
	}
	return ""
}

// IsLoopbackName reports whether host (without port or brackets) names the
// loopback interface: "localhost" in any case, a 127.0.0.0/8 address, or
// ::1. An address with a zone (::1%lo) is not such a name: a Host header or
// an Origin never needs one to reach byok.
func IsLoopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if strings.Contains(host, "%") {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
