package ioloop_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/gotornado/tornado/ioloop"
)

func Example() {
	l, err := ioloop.New()
	if err != nil {
		panic(err)
	}
	defer l.Close()

	l.CallLater(10*time.Millisecond, func() {
		fmt.Println("timer fired")
		// Blocking work runs on the executor; its result comes back on the loop.
		ioloop.RunInExecutor(l, func() (string, error) {
			return strings.ToUpper("from the executor"), nil
		}).AddDoneCallback(func(f *ioloop.Future[string]) {
			v, _ := f.Result()
			fmt.Println(v)
			l.Stop()
		})
	})
	l.AddCallback(func() { fmt.Println("callback ran") })
	if err := l.Start(); err != nil {
		panic(err)
	}
	// Output:
	// callback ran
	// timer fired
	// FROM THE EXECUTOR
}
