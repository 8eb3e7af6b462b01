package web

import "github.com/gotornado/tornado/autoreload"

// startAutoreload starts package autoreload for an Application with
// Settings.Autoreload or Debug: the process is replaced when one of its Go
// sources, or a file under TemplatePath or StaticPath (when set), changes.
// Autoreload logs to Settings.Logger when one is set. A path that cannot
// be watched is logged as a warning; the Application works without it.
func (a *Application) startAutoreload() {
	s := &a.settings
	if !s.Autoreload && !s.Debug {
		return
	}
	if s.Logger != nil {
		autoreload.SetLogger(s.Logger)
	}
	for _, p := range []string{s.TemplatePath, s.StaticPath} {
		if p == "" {
			continue
		}
		if err := autoreload.Watch(p); err != nil {
			a.logger().Warn("autoreload: cannot watch", "path", p, "err", err)
		}
	}
	autoreload.Start()
}
