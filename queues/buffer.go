package queues

// buffer holds a queue's items in the order its kind takes them out: first
// in first out (a ring), last in first out (a stack), or lowest first (a
// binary heap ordered by cmp). The zero buffer is FIFO. Not safe for
// concurrent use: the Queue's mutex guards it.
type buffer[T any] struct {
	items []T
	start int // FIFO: index of the first item in the ring
	n     int
	lifo  bool
	cmp   func(a, b T) int // set for a priority queue
}

func (b *buffer[T]) len() int { return b.n }

func (b *buffer[T]) push(x T) {
	switch {
	case b.cmp != nil:
		b.items = append(b.items, x)
		b.n++
		b.up(b.n - 1)
	case b.lifo:
		b.items = append(b.items, x)
		b.n++
	default:
		if b.n == len(b.items) {
			b.grow()
		}
		b.items[(b.start+b.n)%len(b.items)] = x
		b.n++
	}
}

// pop removes and returns the next item; the buffer must not be empty.
func (b *buffer[T]) pop() T {
	var zero T
	switch {
	case b.cmp != nil:
		x := b.items[0]
		b.n--
		b.items[0] = b.items[b.n]
		b.items[b.n] = zero
		b.items = b.items[:b.n]
		b.down(0)
		return x
	case b.lifo:
		b.n--
		x := b.items[b.n]
		b.items[b.n] = zero
		b.items = b.items[:b.n]
		return x
	default:
		x := b.items[b.start]
		b.items[b.start] = zero // the ring lets go of what it handed out
		b.start = (b.start + 1) % len(b.items)
		b.n--
		if b.n == 0 {
			b.start = 0
		}
		return x
	}
}

// grow doubles the ring, unwrapping it.
func (b *buffer[T]) grow() {
	items := make([]T, max(2*len(b.items), 8))
	k := copy(items, b.items[b.start:])
	copy(items[k:], b.items[:b.start])
	b.items, b.start = items, 0
}

func (b *buffer[T]) up(j int) {
	h := b.items
	for j > 0 {
		i := (j - 1) / 2
		if b.cmp(h[j], h[i]) >= 0 {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func (b *buffer[T]) down(i int) {
	h, n := b.items, b.n
	for {
		j := 2*i + 1
		if j >= n {
			return
		}
		if r := j + 1; r < n && b.cmp(h[r], h[j]) < 0 {
			j = r
		}
		if b.cmp(h[j], h[i]) >= 0 {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}
