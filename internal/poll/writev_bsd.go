//go:build unix && !linux

package poll

// IOVecs is scratch space for Writev. Owned by one goroutine.
type IOVecs struct{}

// Writev writes the buffers in order with one write per buffer, stopping at
// the first short write or error.
func (s *IOVecs) Writev(fd int, bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := Write(fd, b)
		if n > 0 {
			total += n
		}
		if err != nil {
			if total > 0 && IsAgain(err) {
				return total, nil
			}
			return total, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}
