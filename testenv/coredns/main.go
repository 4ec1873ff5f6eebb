// CoreDNS with only the plugins the testenv's cluster DNS uses (the upstream
// binary links every plugin, cloud SDKs included): answers the cluster's
// Service and headless pod names (kubernetes), which mpi-operator's hostfile
// uses to reach the workers of a job.
package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"

	"github.com/coredns/coredns/coremain"
)

func main() {
	coremain.Run()
}
