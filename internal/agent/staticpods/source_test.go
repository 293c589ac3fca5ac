package staticpods

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestSourceKeepsMirrorPods(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	client := kubefake.NewClientset(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "node-uid"}})
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(Config{Dir: dir, NodeName: "n1", Client: client, Clock: clock})
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mirrors := func() map[string]v1.Pod {
		t.Helper()
		list, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]v1.Pod{}
		for _, p := range list.Items {
			out[p.Namespace+"/"+p.Name] = p
		}
		return out
	}
	sync := func() {
		t.Helper()
		if err := s.sync(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// A good manifest, a bad one and a hidden file.
	write("web.yaml", webYAML)
	write("broken.yaml", "kind: Pod\nmetadata: [")
	write(".swp", "junk")
	sync()
	got := mirrors()
	web, ok := got["default/web-n1"]
	if len(got) != 1 || !ok {
		t.Fatalf("mirror pods = %v", got)
	}
	if web.OwnerReferences[0].UID != "node-uid" || web.Spec.NodeName != "n1" {
		t.Errorf("mirror pod = %+v", web.ObjectMeta)
	}
	firstHash := web.Annotations[ConfigHashAnnotation]

	// Deleted mirror pods come back.
	if err := client.CoreV1().Pods("default").Delete(ctx, "web-n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sync()
	if _, ok := mirrors()["default/web-n1"]; !ok {
		t.Fatal("deleted mirror pod not recreated")
	}

	// A changed manifest replaces the mirror pod.
	clock.Step(time.Minute)
	write("web.yaml", strings.Replace(webYAML, "image: busybox", "image: busybox:2", 1))
	sync()
	web = mirrors()["default/web-n1"]
	if web.Annotations[ConfigHashAnnotation] == firstHash || web.Spec.Containers[0].Image != "busybox:2" {
		t.Errorf("mirror pod not replaced: %v %s", web.Annotations, web.Spec.Containers[0].Image)
	}
	if web.Annotations[ConfigSeenAnnotation] != "2026-01-01T00:01:00Z" {
		t.Errorf("seen = %s", web.Annotations[ConfigSeenAnnotation])
	}

	// Someone else's pod on the node is no business of ours; a removed
	// manifest takes its mirror pod away.
	other := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "default"}, Spec: v1.PodSpec{NodeName: "n1"}}
	if _, err := client.CoreV1().Pods("default").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "web.yaml")); err != nil {
		t.Fatal(err)
	}
	sync()
	if got := mirrors(); len(got) != 1 || got["default/other"].Name != "other" {
		t.Errorf("pods = %v", got)
	}
}

func TestSourceUsesGivenNodeUIDAndMissingDir(t *testing.T) {
	client := kubefake.NewClientset()
	s := New(Config{Dir: filepath.Join(t.TempDir(), "absent"), NodeName: "n1", Client: client,
		NodeUID: func() types.UID { return "u" }})
	if err := s.sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}
