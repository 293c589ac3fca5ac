package serviceaccount_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/serviceaccount"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestIntegrationDefaultServiceAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	c := serviceaccount.New(env.Client, factory, record.NewFakeRecorder(10))
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	if _, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor := func() {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := env.Client.CoreV1().ServiceAccounts("apps").Get(ctx, serviceaccount.DefaultName, metav1.GetOptions{})
			return err == nil, nil
		})
		if err != nil {
			t.Fatal("default service account never appeared")
		}
	}
	waitFor()
	if err := env.Client.CoreV1().ServiceAccounts("apps").Delete(ctx, serviceaccount.DefaultName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor()
}
