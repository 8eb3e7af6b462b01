package main

import (
	"testing"

	"github.com/gotornado/tornado/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
