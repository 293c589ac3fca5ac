package agent

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// lookup answers the pod workers' questions about ConfigMaps, Secrets and
// Services from informer caches, so a pod sync costs no API round trip.
type lookup struct {
	configMaps corelisters.ConfigMapLister
	secrets    corelisters.SecretLister
	services   corelisters.ServiceLister
}

func newLookup(f informers.SharedInformerFactory) *lookup {
	return &lookup{
		configMaps: f.Core().V1().ConfigMaps().Lister(),
		secrets:    f.Core().V1().Secrets().Lister(),
		services:   f.Core().V1().Services().Lister(),
	}
}

func (l *lookup) ConfigMap(namespace, name string) (*v1.ConfigMap, error) {
	return l.configMaps.ConfigMaps(namespace).Get(name)
}

func (l *lookup) Secret(namespace, name string) (*v1.Secret, error) {
	return l.secrets.Secrets(namespace).Get(name)
}

func (l *lookup) Services(namespace string) ([]*v1.Service, error) {
	return l.services.Services(namespace).List(labels.Everything())
}
