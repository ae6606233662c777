package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
	"strings"
)

// setupVersion is the version command (also --version).
func setupVersion(_ *flag.FlagSet, sio stdio) func(context.Context, []string) error {
	return func(_ context.Context, args []string) error {
		if len(args) > 0 {
			return usagef("mediaupload: version takes no arguments; run 'mediaupload help version'")
		}
		info, ok := debug.ReadBuildInfo()
		if !ok {
			info = nil
		}
		fmt.Fprintln(sio.stdout, versionLine(info))
		return nil
	}
}

// versionLine is "mediaupload VERSION", with the VCS revision and time and
// the Go version when the build recorded them; VERSION is "(devel)" when
// unknown, as for a test binary or go run.
func versionLine(info *debug.BuildInfo) string {
	version := "(devel)"
	if info != nil && info.Main.Version != "" {
		version = info.Main.Version
	}
	var rev, at, modified string
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
	}
	var details []string
	if rev != "" {
		details = append(details, "revision "+rev[:min(len(rev), 12)]+modified)
	}
	if at != "" {
		details = append(details, at)
	}
	if info != nil && info.GoVersion != "" {
		details = append(details, info.GoVersion)
	}
	line := "mediaupload " + version
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line
}
