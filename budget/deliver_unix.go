//go:build unix

package budget

import (
	"os/exec"
	"syscall"
)

// killGroup runs cmd in its own process group and, at the timeout, kills
// the whole group: `sh -c` forks the user's programs, and killing only the
// shell would leave them running.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
