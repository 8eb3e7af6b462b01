//go:build !unix

package poll

// Read returns ErrUnsupported.
func Read(fd int, p []byte) (int, error) { return 0, ErrUnsupported }

// Write returns ErrUnsupported.
func Write(fd int, p []byte) (int, error) { return 0, ErrUnsupported }

// Close returns ErrUnsupported.
func Close(fd int) error { return ErrUnsupported }

// ShutdownWrite returns ErrUnsupported.
func ShutdownWrite(fd int) error { return ErrUnsupported }

// SetNonblock returns ErrUnsupported.
func SetNonblock(fd int) error { return ErrUnsupported }

// IsAgain reports false.
func IsAgain(err error) bool { return false }

// SocketError returns ErrUnsupported.
func SocketError(fd int) error { return ErrUnsupported }

// IOVecs is scratch space for Writev.
type IOVecs struct{}

// Writev returns ErrUnsupported.
func (v *IOVecs) Writev(fd int, bufs [][]byte) (int, error) { return 0, ErrUnsupported }
