package stall

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// socketMoved returns how many bytes the TCP connection beneath c has had
// acknowledged by its peer and received from it, and whether it could tell.
func socketMoved(c net.Conn) (uint64, bool) {
	sc, ok := netConn(c).(syscall.Conn)
	if c == nil || !ok {
		return 0, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var n uint64
	var infoErr error
	err = raw.Control(func(fd uintptr) {
		var info *unix.TCPInfo
		if info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); infoErr == nil {
			n = info.Bytes_acked + info.Bytes_received
		}
	})
	return n, err == nil && infoErr == nil
}
