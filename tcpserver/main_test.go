package tcpserver

import (
	"os"
	"testing"

	"github.com/gotornado/tornado/internal/leakcheck"
)

// helperEnv, when set, makes the test binary run a helper program (a
// pre-fork server, a server short of fds, ...) instead of the tests: the
// tests start it as a subprocess.
const helperEnv = "TCPSERVER_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	leakcheck.Main(m)
}
