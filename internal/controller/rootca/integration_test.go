package rootca_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/rootca"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestIntegrationPublishesCA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ca, err := os.ReadFile(filepath.Join(env.DataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	c := rootca.New(env.Client, factory, record.NewFakeRecorder(10), rootca.Options{CACert: ca})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	if _, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCA := func() {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			cm, err := env.Client.CoreV1().ConfigMaps("apps").Get(ctx, rootca.ConfigMapName, metav1.GetOptions{})
			return err == nil && cm.Data[rootca.DataKey] == string(ca), nil
		})
		if err != nil {
			t.Fatal("kube-root-ca.crt never held the CA")
		}
	}
	waitCA()

	cm, err := env.Client.CoreV1().ConfigMaps("apps").Get(ctx, rootca.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data[rootca.DataKey] = "tampered"
	if _, err := env.Client.CoreV1().ConfigMaps("apps").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCA()
	if err := env.Client.CoreV1().ConfigMaps("apps").Delete(ctx, rootca.ConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCA()
}
