//go:build !linux

package stall

import "net"

// socketMoved cannot tell on this system.
func socketMoved(net.Conn) (uint64, bool) { return 0, false }
