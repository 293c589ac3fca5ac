package eviction

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

const mi = 1 << 20

func TestMetAndPressure(t *testing.T) {
	healthy := map[Signal]Observation{
		MemoryAvailable:   {Available: 500 * mi, Capacity: 4096 * mi},
		NodeFsAvailable:   {Available: 50 << 30, Capacity: 100 << 30},
		NodeFsInodesFree:  {Available: 900, Capacity: 1000},
		ImageFsAvailable:  {Available: 50 << 30, Capacity: 100 << 30},
		ImageFsInodesFree: {Available: 900, Capacity: 1000},
		PIDAvailable:      {Available: 30000, Capacity: 32768},
	}
	with := func(sig Signal, avail int64) map[Signal]Observation {
		o := make(map[Signal]Observation, len(healthy))
		for k, v := range healthy {
			o[k] = v
		}
		o[sig] = Observation{Available: avail, Capacity: healthy[sig].Capacity}
		return o
	}
	pidLimit := resource.MustParse("1000")
	thresholds := append(DefaultThresholds(), Threshold{Signal: PIDAvailable, Quantity: &pidLimit})
	tests := []struct {
		name            string
		obs             map[Signal]Observation
		met             []Signal
		mem, disk, pids bool
	}{
		{name: "healthy", obs: healthy},
		{name: "memory below 100Mi", obs: with(MemoryAvailable, 80*mi), met: []Signal{MemoryAvailable}, mem: true},
		{name: "memory at 100Mi is fine", obs: with(MemoryAvailable, 100*mi)},
		{name: "nodefs below 10%", obs: with(NodeFsAvailable, 9<<30), met: []Signal{NodeFsAvailable}, disk: true},
		{name: "imagefs below 15%", obs: with(ImageFsAvailable, 14<<30), met: []Signal{ImageFsAvailable}, disk: true},
		{name: "inodes below 5%", obs: with(NodeFsInodesFree, 40), met: []Signal{NodeFsInodesFree}, disk: true},
		{name: "pids", obs: with(PIDAvailable, 10), met: []Signal{PIDAvailable}, pids: true},
		{name: "unobserved signal meets nothing", obs: map[Signal]Observation{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Signal
			met := Met(thresholds, tt.obs)
			for _, m := range met {
				got = append(got, m.Signal)
			}
			if !slices.Equal(got, tt.met) {
				t.Errorf("met %v, want %v", got, tt.met)
			}
			if m, d, p := Pressure(met); m != tt.mem || d != tt.disk || p != tt.pids {
				t.Errorf("pressure %v %v %v, want %v %v %v", m, d, p, tt.mem, tt.disk, tt.pids)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	th := DefaultThresholds()
	tests := []struct {
		t    Threshold
		o    Observation
		want string
	}{
		{th[0], Observation{Available: 80 * mi, Capacity: 4096 * mi}, "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. "},
		{th[1], Observation{Available: 1780 << 10, Capacity: 21450506220}, "The node was low on resource: ephemeral-storage. Threshold quantity: 2145050622, available: 1780Ki. "},
		{th[2], Observation{Available: 10, Capacity: 1000}, "The node was low on resource: inodes. Threshold quantity: 50, available: 10. "},
	}
	for _, tt := range tests {
		if got := Message(tt.t, tt.o); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestParseThresholds(t *testing.T) {
	got, err := ParseThresholds("memory.available<200Mi, nodefs.available<5%")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Quantity.String() != "200Mi" || got[1].Signal != NodeFsAvailable || got[1].Percentage != 0.05 {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"memory.available=1Gi", "cpu.available<1", "nodefs.available<120%", "memory.available<lots"} {
		if _, err := ParseThresholds(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
