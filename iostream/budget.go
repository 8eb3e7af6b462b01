package iostream

// OutputBudget bounds the output queued, and not yet written, by the
// streams that share it, such as all the connections of one server on one
// loop. The streams only account for their output; the owner decides what
// to do past the limit (stop reading requests, close the worst
// offenders). It belongs to one loop: every stream sharing it must run on
// that loop, and its methods must be called there.
type OutputBudget struct {
	// Limit is the bound in bytes; Over reports when it is passed. 0 means
	// none.
	Limit int64
	// OnRelief, if set, runs when the queued output falls to three
	// quarters of Limit or less after having passed Limit. It runs inside
	// the write or close that brought the output down: it must not call
	// back into the stream that is writing other than to resume reading.
	OnRelief func()

	used   int64
	queued int64
	over   bool
}

// Used returns the bytes queued and not yet written.
func (b *OutputBudget) Used() int64 { return b.used }

// Over reports whether the output passed Limit and has not fallen back to
// three quarters of it since.
func (b *OutputBudget) Over() bool { return b.over }

// Queued returns the bytes of output ever queued.
func (b *OutputBudget) Queued() int64 { return b.queued }

func (b *OutputBudget) add(n int) {
	b.used += int64(n)
	if n > 0 {
		b.queued += int64(n)
		if b.Limit > 0 && b.used > b.Limit {
			b.over = true
		}
		return
	}
	if b.over && b.used <= b.Limit-b.Limit/4 {
		b.over = false
		if b.OnRelief != nil {
			b.OnRelief()
		}
	}
}

// SetOutputBudget makes the stream account its queued output in b (nil:
// in none). Must be called on the stream's loop, which must be b's.
func (s *Stream) SetOutputBudget(b *OutputBudget) {
	if s.budget != nil {
		s.budget.add(-s.pending)
	}
	s.budget = b
	if b != nil && s.pending > 0 {
		b.add(s.pending)
	}
}

// addPending counts n more (or, negative, fewer) queued bytes.
func (s *Stream) addPending(n int) {
	s.pending += n
	if s.budget != nil && n != 0 {
		s.budget.add(n)
	}
}
