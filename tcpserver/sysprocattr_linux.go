package tcpserver

import "syscall"

// childSysProcAttr makes a child get SIGTERM if the parent dies, so that
// children are not left serving without anyone to restart them.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
