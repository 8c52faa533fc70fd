// The pod sandbox's pause process: sleeps until told to stop and, as PID 1 of a shared PID namespace, reaps
// orphaned children. A static Go binary stands in for k8s.io/kubernetes/build/pause (which is C) so the node
// needs no C toolchain for its images.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
