// Command etcd is the upstream etcd server (go.etcd.io/etcd/server/v3/etcdmain),
// built in this module so it shares the etcd version kube-apiserver was tested with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
