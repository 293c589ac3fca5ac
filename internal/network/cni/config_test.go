package cni

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string
		wantErr string
	}{
		{"defaults", Config{PodCIDR: "10.244.3.0/24"}, `{
  "cniVersion": "1.0.0",
  "name": "bosun",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "bosun0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [
          [
            {
              "subnet": "10.244.3.0/24"
            }
          ]
        ],
        "routes": [
          {
            "dst": "0.0.0.0/0"
          }
        ],
        "dataDir": "/data/cni/ipam"
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      },
      "snat": true
    }
  ]
}
`, ""},
		{"bridge name, MTU and a host address masked", Config{PodCIDR: "10.1.2.7/24", BridgeName: "br9", MTU: 1400}, "", ""},
		{"bad CIDR", Config{PodCIDR: "10.1.2.0"}, "", `pod CIDR "10.1.2.0"`},
		{"IPv6", Config{PodCIDR: "fd00::/64"}, "", "not IPv4"},
		{"negative MTU", Config{PodCIDR: "10.0.0.0/24", MTU: -1}, "", "negative MTU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := render(tt.cfg, "/data/cni/ipam")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && string(b) != tt.want {
				t.Fatalf("conflist:\n%s\nwant:\n%s", b, tt.want)
			}
			var got struct {
				Plugins []struct {
					Bridge string
					MTU    int
					IPAM   struct{ Ranges [][]struct{ Subnet string } }
				}
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			br := got.Plugins[0]
			wantBridge := tt.cfg.BridgeName
			if wantBridge == "" {
				wantBridge = "bosun0"
			}
			if br.Bridge != wantBridge || br.MTU != tt.cfg.MTU {
				t.Fatalf("bridge %q mtu %d, want %q %d", br.Bridge, br.MTU, wantBridge, tt.cfg.MTU)
			}
			if tt.cfg.PodCIDR == "10.1.2.7/24" && br.IPAM.Ranges[0][0].Subnet != "10.1.2.0/24" {
				t.Fatalf("subnet %q, want the masked 10.1.2.0/24", br.IPAM.Ranges[0][0].Subnet)
			}
		})
	}
}

func TestWriteConfigReplacesAtomically(t *testing.T) {
	confDir := filepath.Join(t.TempDir(), "cni", "net.d")
	for _, cidr := range []string{"10.244.1.0/24", "10.244.2.0/24"} {
		if err := WriteConfig(confDir, Config{PodCIDR: cidr}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(confDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Fatalf("conf dir holds %v, want only %s", entries, FileName)
	}
	b, err := os.ReadFile(filepath.Join(confDir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"10.244.2.0/24"`) {
		t.Fatalf("config not replaced:\n%s", b)
	}
	if want := `"dataDir": "` + filepath.Join(filepath.Dir(confDir), "ipam") + `"`; !strings.Contains(string(b), want) {
		t.Fatalf("config lacks %s:\n%s", want, b)
	}
	if err := WriteConfig(confDir, Config{PodCIDR: "nope"}); err == nil {
		t.Fatal("bad CIDR accepted")
	}
}
