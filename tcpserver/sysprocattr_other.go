//go:build unix && !linux

package tcpserver

import "syscall"

func childSysProcAttr() *syscall.SysProcAttr { return nil }
