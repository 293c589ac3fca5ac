package storage

import (
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/kubernetes/scheme"
)

// One etcd watch response may carry several changes of one key; each must
// build on the one before it.
func TestApplyBatchChangingOneKeyTwice(t *testing.T) {
	client := startEtcd(t, false)
	s, err := New(client, NewJSONCodec(scheme.Scheme), Options{})
	if err != nil {
		t.Fatal(err)
	}
	codec := NewJSONCodec(scheme.Scheme)
	put := func(name string, rev int64, lbl string) *clientv3.Event {
		data, err := codec.Encode(configMap("a", name, map[string]string{"l": lbl}, nil))
		if err != nil {
			t.Fatal(err)
		}
		return &clientv3.Event{Type: mvccpb.PUT, Kv: &mvccpb.KeyValue{Key: []byte(cmKey("a", name)), Value: data, ModRevision: rev}}
	}
	del := func(name string, rev int64) *clientv3.Event {
		return &clientv3.Event{Type: mvccpb.DELETE, Kv: &mvccpb.KeyValue{Key: []byte(cmKey("a", name)), ModRevision: rev}}
	}
	s.apply([]*clientv3.Event{put("x", 2, "1"), put("x", 3, "2"), put("y", 4, "1"), del("y", 5), put("y", 6, "3"), del("x", 7)})

	var got []want
	for i := range s.events.n {
		e := s.events.at(i)
		got = append(got, want{e.typ, nameOf(e.obj)})
	}
	wants := []want{{Added, "x"}, {Modified, "x"}, {Added, "y"}, {Deleted, "y"}, {Added, "y"}, {Deleted, "x"}}
	if len(got) != len(wants) {
		t.Fatalf("events %v, want %v", got, wants)
	}
	for i := range wants {
		if got[i] != wants[i] {
			t.Fatalf("events %v, want %v", got, wants)
		}
	}
	if s.rev != 7 || s.tree.Len() != 1 {
		t.Fatalf("cache at %d with %d objects, want 7 and 1", s.rev, s.tree.Len())
	}
	if e := s.events.at(5); rvOf(t, e.obj) != "7" || e.obj.(interface{ GetLabels() map[string]string }).GetLabels()["l"] != "2" {
		t.Fatalf("delete of x carries %+v", e.obj)
	}
}
