package queues

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBufferOrders pushes and pops at random against a slice model, across
// the ring's wrap-around and growth.
func TestBufferOrders(t *testing.T) {
	kinds := []struct {
		name string
		b    func() *buffer[int]
		take func(model []int) ([]int, int) // removes the next item from the model
	}{
		{"fifo", func() *buffer[int] { return &buffer[int]{} }, func(m []int) ([]int, int) { return m[1:], m[0] }},
		{"lifo", func() *buffer[int] { return &buffer[int]{lifo: true} }, func(m []int) ([]int, int) { return m[:len(m)-1], m[len(m)-1] }},
		{"priority", func() *buffer[int] { return &buffer[int]{cmp: cmp.Compare[int]} }, func(m []int) ([]int, int) {
			i := slices.Index(m, slices.Min(m))
			x := m[i]
			return slices.Delete(m, i, i+1), x
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			b := k.b()
			var model []int
			for i := range 5000 {
				if len(model) == 0 || rng.IntN(3) > 0 && len(model) < 100 {
					x := rng.IntN(50)
					b.push(x)
					model = append(model, x)
				} else {
					var want int
					model, want = k.take(model)
					if got := b.pop(); got != want {
						t.Fatalf("step %d: pop() = %d, want %d", i, got, want)
					}
				}
				if b.len() != len(model) {
					t.Fatalf("step %d: len() = %d, want %d", i, b.len(), len(model))
				}
			}
		})
	}
}

func TestBufferLetsGoOfItems(t *testing.T) {
	for _, b := range []*buffer[*int]{{}, {lifo: true}, {cmp: func(a, b *int) int { return cmp.Compare(*a, *b) }}} {
		for i := range 3 {
			b.push(&i)
		}
		for range 3 {
			b.pop()
		}
		for i, p := range b.items[:cap(b.items)] {
			if p != nil {
				t.Errorf("slot %d still holds an item after it was taken", i)
			}
		}
	}
}
