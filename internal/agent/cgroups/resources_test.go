package cgroups

import (
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

func res(pairs ...string) v1.ResourceList {
	l := v1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		l[v1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return l
}

func pod(uid string, init []v1.ResourceRequirements, containers ...v1.ResourceRequirements) *v1.Pod {
	p := &v1.Pod{}
	p.UID = types.UID("u-" + uid)
	for _, r := range init {
		p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{Resources: r})
	}
	for _, r := range containers {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: r})
	}
	return p
}

func TestPodCgroupName(t *testing.T) {
	g := v1.ResourceRequirements{Requests: res("cpu", "1", "memory", "1Gi"), Limits: res("cpu", "1", "memory", "1Gi")}
	b := v1.ResourceRequirements{Requests: res("cpu", "1")}
	for _, tc := range []struct {
		pod  *v1.Pod
		want string
	}{
		{pod("1", nil, g), "/kubepods/podu-1"},
		{pod("2", nil, b), "/kubepods/burstable/podu-2"},
		{pod("3", nil, v1.ResourceRequirements{}), "/kubepods/besteffort/podu-3"},
	} {
		if got := PodCgroupName("/kubepods", tc.pod); got != tc.want {
			t.Errorf("PodCgroupName = %q, want %q", got, tc.want)
		}
	}
}

func TestPodResources(t *testing.T) {
	g := v1.ResourceRequirements{Requests: res("cpu", "500m", "memory", "128Mi"), Limits: res("cpu", "500m", "memory", "128Mi")}
	for _, tc := range []struct {
		name string
		pod  *v1.Pod
		want Resources
	}{
		{"best effort", pod("a", nil, v1.ResourceRequirements{}), Resources{CPUShares: 2}},
		{"guaranteed sums containers", pod("b", nil, g, g), Resources{CPUShares: 1024, CPUQuota: 100000, CPUPeriod: 100000, MemoryLimit: 256 << 20}},
		{"burstable without limits", pod("c", nil, v1.ResourceRequirements{Requests: res("cpu", "250m")}), Resources{CPUShares: 256}},
		{"one container unlimited", pod("d", nil, v1.ResourceRequirements{Requests: res("cpu", "100m"), Limits: res("cpu", "200m", "memory", "64Mi")}, v1.ResourceRequirements{Requests: res("memory", "1Mi")}),
			Resources{CPUShares: 102}},
		{"init container larger", pod("e", []v1.ResourceRequirements{{Requests: res("cpu", "2"), Limits: res("cpu", "2", "memory", "1Gi")}}, v1.ResourceRequirements{Requests: res("cpu", "100m"), Limits: res("cpu", "100m", "memory", "64Mi")}),
			Resources{CPUShares: 2048, CPUQuota: 200000, CPUPeriod: 100000, MemoryLimit: 1 << 30}},
	} {
		if got := PodResources(tc.pod); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: PodResources = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestSharesToWeight(t *testing.T) {
	for shares, want := range map[int64]int64{2: 1, 1024: 39, 262144: 10000} {
		if got := sharesToWeight(shares); got != want {
			t.Errorf("sharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
}

func TestMemTotal(t *testing.T) {
	got, err := memTotal([]byte("MemFree: 1 kB\nMemTotal:       16384 kB\n"))
	if err != nil || got != 16384*1024 {
		t.Errorf("memTotal = %d, %v", got, err)
	}
	if _, err := memTotal([]byte("MemFree: 1 kB\n")); err == nil {
		t.Error("memTotal without MemTotal succeeded")
	}
}

func TestCgroupMounts(t *testing.T) {
	info := `22 1 0:21 / /sys rw - sysfs sysfs rw
30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw
31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
41 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
`
	want := []string{"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup/unified"}
	if got := cgroupMounts(strings.NewReader(info)); !reflect.DeepEqual(got, want) {
		t.Errorf("cgroupMounts = %v, want %v", got, want)
	}
}
