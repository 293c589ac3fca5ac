package podautoscaler

import (
	"context"
	"errors"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	listersautoscalingv2 "k8s.io/client-go/listers/autoscaling/v2"
	fakescale "k8s.io/client-go/scale/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

// fixedMetrics is a MetricsSource answering with fixed samples or an error.
type fixedMetrics struct {
	samples map[string]PodMetric
	err     error
}

func (f fixedMetrics) PodMetrics(context.Context, string, labels.Selector) (map[string]PodMetric, error) {
	return f.samples, f.err
}

type fixture struct {
	c       *Controller
	client  *fake.Clientset
	scales  *fakescale.FakeScaleClient
	rec     *record.FakeRecorder
	updated []int32
}

func newFixture(t *testing.T, replicas int32, metrics MetricsSource, pods ...*corev1.Pod) *fixture {
	t.Helper()
	min, util := int32(1), int32(50)
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Generation: 1},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &min, MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util}}}},
		},
	}
	f := &fixture{client: fake.NewSimpleClientset(hpa), scales: &fakescale.FakeScaleClient{}, rec: record.NewFakeRecorder(20)}
	f.scales.AddReactor("get", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
			Spec: autoscalingv1.ScaleSpec{Replicas: replicas}, Status: autoscalingv1.ScaleStatus{Replicas: replicas, Selector: "app=web"}}, nil
	})
	f.scales.AddReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sc := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
		f.updated = append(f.updated, sc.Spec.Replicas)
		return true, sc, nil
	})
	mapper := meta.NewDefaultRESTMapper([]schema.GroupVersion{{Group: "apps", Version: "v1"}})
	mapper.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	factory := informers.NewSharedInformerFactory(f.client, 0)
	f.c = New(f.client, factory, f.rec, Options{Scales: f.scales, Mapper: mapper, Metrics: metrics, Clock: clocktesting.NewFakeClock(now)})
	if err := factory.Autoscaling().V2().HorizontalPodAutoscalers().Informer().GetIndexer().Add(hpa); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		if err := factory.Core().V1().Pods().Informer().GetIndexer().Add(p); err != nil {
			t.Fatal(err)
		}
	}
	f.client.ClearActions()
	return f
}

func (f *fixture) status(t *testing.T) autoscalingv2.HorizontalPodAutoscalerStatus {
	t.Helper()
	actions := f.client.Actions()
	if len(actions) != 1 || actions[0].GetSubresource() != "status" {
		t.Fatalf("actions = %v, want one status update", actions)
	}
	return actions[0].(k8stesting.UpdateAction).GetObject().(*autoscalingv2.HorizontalPodAutoscaler).Status
}

func condition(st autoscalingv2.HorizontalPodAutoscalerStatus, typ autoscalingv2.HorizontalPodAutoscalerConditionType) autoscalingv2.HorizontalPodAutoscalerCondition {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return autoscalingv2.HorizontalPodAutoscalerCondition{}
}

func TestSyncWithoutMetricsAPI(t *testing.T) {
	notFound := errors.New("unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)")
	f := newFixture(t, 2, fixedMetrics{err: notFound}, podsN(2)...)
	exists, err := f.c.sync(context.Background(), "ns/web")
	if !exists || err == nil {
		t.Fatalf("sync = %v, %v; want an error for a live autoscaler", exists, err)
	}
	if len(f.updated) != 0 {
		t.Fatalf("scaled to %v without metrics", f.updated)
	}
	st := f.status(t)
	able, active := condition(st, autoscalingv2.AbleToScale), condition(st, autoscalingv2.ScalingActive)
	if able.Status != corev1.ConditionTrue || able.Reason != "SucceededGetScale" {
		t.Errorf("AbleToScale = %+v", able)
	}
	wantMsg := "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: " + notFound.Error()
	if active.Status != corev1.ConditionFalse || active.Reason != "FailedGetResourceMetric" || active.Message != wantMsg {
		t.Errorf("ScalingActive = %+v", active)
	}
	if st.CurrentReplicas != 2 {
		t.Errorf("currentReplicas = %d", st.CurrentReplicas)
	}
	for _, want := range []string{"Warning FailedGetResourceMetric failed to get cpu utilization", "Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1)"} {
		if got := nextEvent(f.rec); !strings.HasPrefix(got, want) {
			t.Errorf("event = %q, want prefix %q", got, want)
		}
	}

	// Nothing changed: the next evaluation writes no status.
	f.client.ClearActions()
	f.c.hpas = fakeLister(t, f.statusObj(st))
	if _, err := f.c.sync(context.Background(), "ns/web"); err == nil {
		t.Fatal("want the same error")
	}
	if len(f.client.Actions()) != 0 {
		t.Fatalf("actions = %v, want none", f.client.Actions())
	}
}

func TestSyncScalesUp(t *testing.T) {
	f := newFixture(t, 2, fixedMetrics{samples: cpu("100m", "100m")}, podsN(2)...)
	if _, err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if len(f.updated) != 1 || f.updated[0] != 4 {
		t.Fatalf("scale updates = %v, want [4]", f.updated)
	}
	st := f.status(t)
	if st.CurrentReplicas != 2 || st.DesiredReplicas != 4 || st.LastScaleTime == nil || !st.LastScaleTime.Time.Equal(now) {
		t.Fatalf("status = %+v", st)
	}
	if u := st.CurrentMetrics[0].Resource.Current.AverageUtilization; u == nil || *u != 100 {
		t.Fatalf("current metrics = %+v", st.CurrentMetrics)
	}
	if c := condition(st, autoscalingv2.AbleToScale); c.Reason != "SucceededRescale" {
		t.Errorf("AbleToScale = %+v", c)
	}
	if c := condition(st, autoscalingv2.ScalingActive); c.Reason != "ValidMetricFound" ||
		c.Message != "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)" {
		t.Errorf("ScalingActive = %+v", c)
	}
	if got := nextEvent(f.rec); got != "Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target" {
		t.Errorf("event = %q", got)
	}
}

func TestSyncScaledToZeroIsLeftAlone(t *testing.T) {
	f := newFixture(t, 0, fixedMetrics{samples: cpu("100m", "100m")}, podsN(2)...)
	if _, err := f.c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if len(f.updated) != 0 {
		t.Fatalf("scaled a zero-replica target: %v", f.updated)
	}
	if c := condition(f.status(t), autoscalingv2.ScalingActive); c.Reason != "ScalingDisabled" {
		t.Errorf("ScalingActive = %+v", c)
	}
}

func (f *fixture) statusObj(st autoscalingv2.HorizontalPodAutoscalerStatus) *autoscalingv2.HorizontalPodAutoscaler {
	hpa, _ := f.c.hpas.HorizontalPodAutoscalers("ns").Get("web")
	hpa = hpa.DeepCopy()
	hpa.Status = st
	return hpa
}

func fakeLister(t *testing.T, hpa *autoscalingv2.HorizontalPodAutoscaler) listersautoscalingv2.HorizontalPodAutoscalerLister {
	t.Helper()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := indexer.Add(hpa); err != nil {
		t.Fatal(err)
	}
	return listersautoscalingv2.NewHorizontalPodAutoscalerLister(indexer)
}

func nextEvent(rec *record.FakeRecorder) string {
	select {
	case e := <-rec.Events:
		return e
	default:
		return "(no event)"
	}
}
