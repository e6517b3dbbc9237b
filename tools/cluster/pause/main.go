// The pod sandbox ("pause") process of the dev cluster: holds the pod's namespaces open
// until the kubelet stops the sandbox. Our own, built by tools/cluster/build.sh.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
