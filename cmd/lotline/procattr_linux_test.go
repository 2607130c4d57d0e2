package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes a server process the tests start die with the test
// binary, so a test run killed midway leaves no server behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
