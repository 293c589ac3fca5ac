package containerconfig

import (
	"os"
	"path/filepath"
	"testing"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// objects is an in-memory Lookup.
type objects struct {
	configMaps map[string]*v1.ConfigMap
	secrets    map[string]*v1.Secret
	services   []*v1.Service
}

func (o *objects) ConfigMap(ns, name string) (*v1.ConfigMap, error) {
	if cm, ok := o.configMaps[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func (o *objects) Secret(ns, name string) (*v1.Secret, error) {
	if s, ok := o.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

func (o *objects) Services(ns string) ([]*v1.Service, error) {
	var out []*v1.Service
	for _, s := range o.services {
		if s.Namespace == ns {
			out = append(out, s)
		}
	}
	return out, nil
}

func service(ns, name, ip string, port int32) *v1.Service {
	s := &v1.Service{Spec: v1.ServiceSpec{ClusterIP: ip, Ports: []v1.ServicePort{{Port: port, Protocol: v1.ProtocolTCP}}}}
	s.Namespace, s.Name = ns, name
	return s
}

func testBuilder(t *testing.T) (*Builder, string) {
	t.Helper()
	dir := t.TempDir()
	resolv := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 192.168.0.1\nsearch corp.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lookup := &objects{
		configMaps: map[string]*v1.ConfigMap{"ns/cfg": {Data: map[string]string{"color": "blue", "size": "L", "bad=key": "x"}}},
		secrets:    map[string]*v1.Secret{"ns/creds": {Data: map[string][]byte{"password": []byte("hunter2")}}},
		services: []*v1.Service{
			service("default", "kubernetes", "10.96.0.1", 443),
			service("ns", "db", "10.96.0.20", 5432),
			service("other", "cache", "10.96.0.30", 6379),
		},
	}
	b := NewBuilder(BuilderConfig{
		NodeName:        "node-1",
		LogDir:          filepath.Join(dir, "logs"),
		Lookup:          lookup,
		ClusterDNS:      []string{"10.96.0.10"},
		ResolvConf:      resolv,
		CgroupParent:    func(p *v1.Pod) string { return "/kubepods/burstable/pod" + string(p.UID) },
		NodeAllocatable: func() v1.ResourceList { return res("cpu", "4", "memory", "8Gi") },
		PodDir:          func(uid types.UID) string { return filepath.Join(dir, "pods", string(uid)) },
	})
	return b, dir
}

func testPod() *v1.Pod {
	p := &v1.Pod{}
	p.Name, p.Namespace, p.UID = "web-0", "ns", "uid-1"
	p.Labels = map[string]string{"app": "web"}
	p.Annotations = map[string]string{"note": "x"}
	p.Spec.Hostname = "web-0"
	p.Spec.Subdomain = "web"
	p.Spec.NodeName = "node-1"
	p.Spec.Containers = []v1.Container{{
		Name:  "app",
		Image: "busybox",
		Ports: []v1.ContainerPort{{ContainerPort: 80, HostPort: 8080}, {ContainerPort: 53, Protocol: v1.ProtocolUDP}},
		Resources: v1.ResourceRequirements{
			Requests: res("cpu", "100m", "memory", "64Mi"),
			Limits:   res("cpu", "500m", "memory", "128Mi"),
		},
		TerminationMessagePath: "/dev/termination-log",
	}}
	return p
}
