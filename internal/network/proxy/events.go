package proxy

import (
	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// Handlers only mark the affected service dirty and wake Run; an update
// that changes no resourceVersion (an informer resync) marks nothing.

func (p *Proxier) markDirty(namespace, name string) {
	if name == "" {
		return
	}
	p.mu.Lock()
	p.dirty[namespace+"/"+name] = true
	p.mu.Unlock()
	p.trigger()
}

func (p *Proxier) serviceHandler() cache.ResourceEventHandler {
	mark := func(obj any) {
		if svc, ok := tombstone(obj).(*v1.Service); ok {
			p.markDirty(svc.Namespace, svc.Name)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: mark,
		UpdateFunc: func(old, new any) {
			o, ok1 := old.(*v1.Service)
			n, ok2 := new.(*v1.Service)
			if ok1 && ok2 && o.ResourceVersion != "" && o.ResourceVersion == n.ResourceVersion {
				return
			}
			mark(new)
		},
		DeleteFunc: mark,
	}
}

// A slice moving from one service to another (its label edited) dirties both.
func (p *Proxier) sliceHandler() cache.ResourceEventHandler {
	mark := func(obj any) {
		if s, ok := tombstone(obj).(*discoveryv1.EndpointSlice); ok {
			p.markDirty(s.Namespace, s.Labels[discoveryv1.LabelServiceName])
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: mark,
		UpdateFunc: func(old, new any) {
			o, ok1 := old.(*discoveryv1.EndpointSlice)
			n, ok2 := new.(*discoveryv1.EndpointSlice)
			if ok1 && ok2 && o.ResourceVersion != "" && o.ResourceVersion == n.ResourceVersion {
				return
			}
			mark(old)
			mark(new)
		},
		DeleteFunc: mark,
	}
}

// tombstone unwraps the last known state of an object deleted while the
// informer was disconnected.
func tombstone(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
