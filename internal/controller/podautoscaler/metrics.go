package podautoscaler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
)

// PodMetric is one pod's resource usage, summed over its containers.
type PodMetric struct {
	Timestamp time.Time
	Window    time.Duration
	Usage     corev1.ResourceList
}

// MetricsSource gives the current resource usage of the pods a selector
// picks, keyed by pod name.
type MetricsSource interface {
	PodMetrics(ctx context.Context, namespace string, selector labels.Selector) (map[string]PodMetric, error)
}

// errNoMetrics is Kubernetes' wording for an empty answer.
var errNoMetrics = errors.New("no metrics returned from resource metrics API")

// RESTMetrics reads PodMetrics from metrics.k8s.io/v1beta1 through the API
// server (served by an aggregated metrics server, or by us once we do).
type RESTMetrics struct {
	Client rest.Interface
}

// podMetricsList is the part of metrics.k8s.io/v1beta1 PodMetricsList we
// read; declared here to avoid depending on k8s.io/metrics for three fields.
type podMetricsList struct {
	Items []struct {
		metav1.ObjectMeta `json:"metadata"`
		Timestamp         metav1.Time     `json:"timestamp"`
		Window            metav1.Duration `json:"window"`
		Containers        []struct {
			Name  string              `json:"name"`
			Usage corev1.ResourceList `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// PodMetrics implements MetricsSource.
func (m RESTMetrics) PodMetrics(ctx context.Context, namespace string, selector labels.Selector) (map[string]PodMetric, error) {
	raw, err := m.Client.Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", namespace, "pods").
		Param("labelSelector", selector.String()).DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	var list podMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, errNoMetrics
	}
	out := map[string]PodMetric{}
	for _, it := range list.Items {
		usage := corev1.ResourceList{}
		for _, c := range it.Containers {
			for name, q := range c.Usage {
				sum := usage[name]
				sum.Add(q)
				usage[name] = sum
			}
		}
		out[it.Name] = PodMetric{Timestamp: it.Timestamp.Time, Window: it.Window.Duration, Usage: usage}
	}
	return out, nil
}
