package csrsigning

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
	"github.com/bosun-dev/bosun/internal/pki"
)

// Options configures the signer.
type Options struct {
	// CA issues the certificates (only its CA fields are used).
	CA *pki.Bundle
}

// Controller signs approved CSRs.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	ca       *pki.Bundle
	csrs     certlisters.CertificateSigningRequestLister
	synced   []cache.InformerSynced
	queue    reconcile.Queue
	now      func() time.Time
}

// New wires the signer to the CSR informer of factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	inf := factory.Certificates().V1().CertificateSigningRequests()
	c := &Controller{
		client: client, recorder: recorder, ca: opts.CA, csrs: inf.Lister(),
		synced: []cache.InformerSynced{inf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "csrsigning"}),
		now: time.Now,
	}
	_, _ = inf.Informer().AddEventHandler(reconcile.Handler(func(obj any) { reconcile.Enqueue(c.queue, obj) }))
	return c
}

// Run signs until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "csrsigning", c.queue, c.synced, workers, c.sync)
}

func (c *Controller) sync(ctx context.Context, name string) error {
	cur, err := c.csrs.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !Pending(cur) {
		return nil
	}
	csr := cur.DeepCopy()
	req, failure := Check(csr)
	if failure == "" {
		certPEM, err := c.ca.SignCSR(req, csr.Spec.Usages, TTL(csr))
		if err != nil {
			// SignCSR fails only on what Check let through (an unknown
			// usage) or on the CA itself; neither improves by retrying.
			failure = err.Error()
		} else {
			csr.Status.Certificate = certPEM
		}
	}
	if failure != "" {
		now := metav1.NewTime(c.now())
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateFailed, Status: corev1.ConditionTrue,
			Reason: FailureReason, Message: failure, LastUpdateTime: now, LastTransitionTime: now,
		})
	}
	if _, err := c.client.CertificatesV1().CertificateSigningRequests().UpdateStatus(ctx, csr, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update csr %s status: %w", name, err)
	}
	if failure != "" {
		c.recorder.Event(csr, corev1.EventTypeWarning, FailureReason, failure)
		slog.Info("Refused certificate signing request", "csr", name, "signer", csr.Spec.SignerName, "reason", failure)
		return nil
	}
	c.recorder.Eventf(csr, corev1.EventTypeNormal, "Issued", "Issued a certificate for %s", req.Subject.CommonName)
	slog.Info("Issued certificate", "csr", name, "subject", req.Subject.CommonName, "signer", csr.Spec.SignerName)
	return nil
}
