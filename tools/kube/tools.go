//go:build tools

// Package kubetools records the Kubernetes commands this module builds, so that
// go.mod and go.sum hold everything they need. It is never compiled on its own:
// scripts/kube/build-binaries.sh runs `go build k8s.io/kubernetes/cmd/NAME`.
package kubetools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
