package main

import (
	"fmt"
	"net"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const mediaProtobuf = "application/vnd.kubernetes.protobuf"

// ownConnection returns a copy of rc whose clients get a transport, and so
// an HTTP/2 connection, of their own. client-go shares one transport among
// all configs with equal TLS settings; a custom Dial opts out of that cache.
func ownConnection(rc *rest.Config) *rest.Config {
	c := rest.CopyConfig(rc)
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	c.Dial = d.DialContext
	return c
}

// protobufConfig returns a copy of rc that sends and accepts protobuf.
func protobufConfig(rc *rest.Config) *rest.Config {
	c := rest.CopyConfig(rc)
	c.ContentType = mediaProtobuf
	c.AcceptContentTypes = mediaProtobuf
	return c
}

// clientsets makes n clientsets; with own set, each on its own connection,
// otherwise all on rc's shared transport.
func clientsets(rc *rest.Config, n int, own bool) ([]kubernetes.Interface, error) {
	out := make([]kubernetes.Interface, n)
	for i := range out {
		c := rc
		if own {
			c = ownConnection(rc)
		}
		cs, err := kubernetes.NewForConfig(c)
		if err != nil {
			return nil, fmt.Errorf("clientset: %w", err)
		}
		out[i] = cs
	}
	return out, nil
}
