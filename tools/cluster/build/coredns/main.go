// CoreDNS with only the plugins a single-node cluster's DNS needs, instead of the ~60 of
// its release build. Built by tools/cluster/build.sh; the module's own coredns.go does
// the same with core/plugin (every plugin) in place of the imports below.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() {
	// The order plugins run in, whatever the order in a Corefile: CoreDNS's own order
	// (core/dnsserver/zdirectives.go, from its plugin.cfg) with the others left out.
	dnsserver.Directives = []string{
		"reload",
		"ready",
		"health",
		"errors",
		"log",
		"loadbalance",
		"cache",
		"kubernetes",
		"loop",
	}
	coremain.Run()
}
