package csrapproving

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	certlisters "k8s.io/client-go/listers/certificates/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Controller approves node CSRs.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	csrs     certlisters.CertificateSigningRequestLister
	synced   []cache.InformerSynced
	queue    reconcile.Queue
	now      func() time.Time
}

// New wires the approver to the CSR informer of factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder) *Controller {
	inf := factory.Certificates().V1().CertificateSigningRequests()
	c := &Controller{
		client: client, recorder: recorder, csrs: inf.Lister(),
		synced: []cache.InformerSynced{inf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "csrapproving"}),
		now: time.Now,
	}
	_, _ = inf.Informer().AddEventHandler(reconcile.Handler(func(obj any) { reconcile.Enqueue(c.queue, obj) }))
	return c
}

// Run approves until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "csrapproving", c.queue, c.synced, workers, c.sync)
}

func (c *Controller) sync(ctx context.Context, name string) error {
	cur, err := c.csrs.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	message, skip := Decide(cur)
	if message == "" {
		slog.Debug("Leaving certificate signing request for a human", "csr", name, "why", skip)
		return nil
	}
	csr := cur.DeepCopy()
	now := metav1.NewTime(c.now())
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue,
		Reason: Reason, Message: message, LastUpdateTime: now, LastTransitionTime: now,
	})
	if _, err := c.client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, name, csr, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("approve csr %s: %w", name, err)
	}
	c.recorder.Event(csr, corev1.EventTypeNormal, Reason, message)
	slog.Info("Approved certificate signing request", "csr", name, "requestor", csr.Spec.Username, "signer", csr.Spec.SignerName)
	return nil
}
