package podautoscaler

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"
)

// Clients builds the scale client, REST mapper and metrics source the
// autoscaler needs from a client config. The mapper caches discovery and
// refreshes it when a kind is not found (a CRD added later).
func Clients(config *rest.Config) (scale.ScalesGetter, meta.RESTMapper, MetricsSource, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	scales, err := scale.NewForConfig(config, mapper, dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(cached))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scale client: %w", err)
	}
	return scales, mapper, RESTMetrics{Client: dc.RESTClient()}, nil
}
