//go:build !unix

package tcpserver

func runHelper(mode string) int { return 2 }
