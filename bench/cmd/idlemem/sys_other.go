//go:build !linux

package main

import "errors"

var errLinuxOnly = errors.New("idlemem: Linux only (it reads /proc/PID/status)")

func raiseNoFile() (uint64, error) { return 0, errLinuxOnly }

func vmRSS(pid int) (int64, error) { return 0, errLinuxOnly }
