package main

import (
	"strings"
	"testing"

	"github.com/bosun-dev/bosun/internal/agent/join"
)

func TestAgentMode(t *testing.T) {
	full := join.Config{Server: "https://10.1.0.2:6443", Token: "abcdef.0123456789abcdef", CACertHash: "sha256:00"}
	tests := []struct {
		name                  string
		kubeconfig, cert, key string
		ca                    string
		jc                    join.Config
		wantJoin              bool
		wantErr               string
	}{
		{name: "join", jc: full, wantJoin: true},
		{name: "files", kubeconfig: "k", cert: "c", key: "k", ca: "ca"},
		{name: "neither", wantErr: "--server URL --token T --ca-cert-hash sha256:H to join"},
		{name: "half a join", jc: join.Config{Server: full.Server}, wantErr: "joining needs --ca-cert-hash, --token too"},
		{name: "kubeconfig alone", kubeconfig: "k", wantErr: "--kubeconfig needs --client-ca-file, --tls-cert-file, --tls-private-key-file too"},
		{name: "both", kubeconfig: "k", jc: full, wantErr: "--ca-cert-hash, --server, --token (joining) and --kubeconfig (existing credentials) exclude each other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			joining, err := agentMode(tc.kubeconfig, tc.cert, tc.key, tc.ca, tc.jc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("agentMode error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || joining != tc.wantJoin {
				t.Fatalf("agentMode = %v, %v; want %v", joining, err, tc.wantJoin)
			}
		})
	}
}
