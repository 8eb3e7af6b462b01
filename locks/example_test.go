package locks_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gotornado/tornado/ioloop"
	"github.com/gotornado/tornado/locks"
)

func ExampleCondition() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	var cond locks.Condition

	l.AddCallback(func() { // a waiter
		fmt.Println("I'll wait right here")
		cond.Wait(l, 0, func(notified bool) {
			fmt.Println("I'm done waiting")
			l.Stop()
		})
	})
	l.AddCallback(func() { // a notifier
		fmt.Println("About to notify")
		cond.Notify(1)
		fmt.Println("Done notifying")
	})
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// I'll wait right here
	// About to notify
	// Done notifying
	// I'm done waiting
}

// A chat's long polls, on two loops, share a message buffer. A poll checks
// the buffer and waits under the buffer's mutex, so that a message posted
// in between cannot slip by; each poll's callback runs on its own loop.
func ExampleCondition_longPoll() {
	g, err := ioloop.NewGroup(2)
	if err != nil {
		panic(err)
	}
	g.Start()
	defer func() { g.Stop(); g.Wait(); g.Close() }()

	var (
		mu       sync.Mutex // guards messages
		messages []string
		newMsg   locks.Condition
	)
	replies := make(chan string, 2)
	poll := func(l *ioloop.Loop, name string, seen int) {
		mu.Lock()
		defer mu.Unlock()
		if len(messages) > seen {
			replies <- name + " got " + messages[seen]
			return
		}
		newMsg.Wait(l, 30*time.Second, func(notified bool) {
			// On l: the handler's own state is safe to touch here.
			mu.Lock()
			defer mu.Unlock()
			replies <- fmt.Sprintf("%s woken on its loop (%v): %s", name, l.OnLoop(), messages[seen])
		})
	}
	started := make(chan bool)
	for i, l := range g.Loops {
		l.AddCallback(func() { poll(l, fmt.Sprint("poll", i), 0); started <- true })
	}
	<-started
	<-started

	// A POST, handled anywhere: append, then wake every poll.
	mu.Lock()
	messages = append(messages, "hello")
	mu.Unlock()
	newMsg.NotifyAll()

	got := []string{<-replies, <-replies}
	slices.Sort(got)
	for _, s := range got {
		fmt.Println(s)
	}
	// Output:
	// poll0 woken on its loop (true): hello
	// poll1 woken on its loop (true): hello
}

func ExampleEvent() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	var ev locks.Event

	l.AddCallback(func() {
		fmt.Println("Waiting for event")
		ev.Wait(l, 0, func(bool) {
			fmt.Println("Not waiting this time")
			ev.Wait(l, 0, func(bool) {
				fmt.Println("Done")
				l.Stop()
			})
		})
	})
	l.AddCallback(func() {
		fmt.Println("About to set the event")
		ev.Set()
	})
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// Waiting for event
	// About to set the event
	// Not waiting this time
	// Done
}

// Two workers at a time may use a resource; the third waits until the
// first is done. (Each worker's use of the resource lasts a few turns of
// the loop.)
func ExampleSemaphore() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	sem := locks.NewSemaphore(2)
	var done int

	// later runs f after n turns of the loop.
	var later func(n int, f func())
	later = func(n int, f func()) {
		if n == 0 {
			f()
			return
		}
		l.AddCallback(func() { later(n-1, f) })
	}
	for id, turns := range []int{1, 4, 1} {
		l.AddCallback(func() {
			sem.Acquire(l, 0, func(bool) {
				fmt.Printf("Worker %d is working\n", id)
				later(turns, func() {
					fmt.Printf("Worker %d is done\n", id)
					sem.Release()
					if done++; done == 3 {
						l.Stop()
					}
				})
			})
		})
	}
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// Worker 0 is working
	// Worker 1 is working
	// Worker 0 is done
	// Worker 2 is working
	// Worker 2 is done
	// Worker 1 is done
}

// Goroutines use the blocking forms: here at most two of five run at once.
func ExampleSemaphore_AcquireContext() {
	sem := locks.NewSemaphore(2)
	var (
		mu           sync.Mutex
		running, top int
		wg           sync.WaitGroup
	)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sem.AcquireContext(context.Background()); err != nil {
				return
			}
			defer sem.Release()
			mu.Lock()
			running++
			top = max(top, running)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Println("at most", top, "at once")
	// Output: at most 2 at once
}

func ExampleLock() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()
	var lock locks.Lock

	for i := range 2 {
		l.AddCallback(func() {
			lock.Acquire(l, time.Second, func(ok bool) {
				if !ok {
					return // timed out
				}
				fmt.Println(i, "holds the lock")
				// The lock may be held across callbacks.
				l.AddCallback(func() {
					fmt.Println(i, "releases it")
					lock.Release()
					if i == 1 {
						l.Stop()
					}
				})
			})
		})
	}
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// 0 holds the lock
	// 0 releases it
	// 1 holds the lock
	// 1 releases it
}
