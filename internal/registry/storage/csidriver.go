package storage

import (
	"fmt"
	"strings"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

const (
	// Token lifetimes kubelet will request for a driver.
	minTokenSeconds = 600
	maxTokenSeconds = 1 << 32
	// minAllocatableUpdatePeriod bounds how often kubelet re-reads a
	// driver's volume limit.
	minAllocatableUpdatePeriod = 10
	// maxNodeIDLength is the CSI spec's limit on node IDs.
	maxNodeIDLength = 256
)

var (
	fsGroupPolicies = []storagev1.FSGroupPolicy{storagev1.FileFSGroupPolicy, storagev1.NoneFSGroupPolicy, storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy}
	lifecycleModes  = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecycleEphemeral, storagev1.VolumeLifecyclePersistent}
)

func csiDriverRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) { defaultCSIDriver(&obj.(*storagev1.CSIDriver).Spec) },
		NameValidation: func(name string, _ bool) []string {
			var msgs []string
			for _, e := range validateDriverName(name, field.NewPath("metadata", "name")) {
				msgs = append(msgs, e.Detail)
			}
			return msgs
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateCSIDriverSpec(&obj.(*storagev1.CSIDriver).Spec, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := &obj.(*storagev1.CSIDriver).Spec, &old.(*storagev1.CSIDriver).Spec
			errs := validateCSIDriverSpec(n, field.NewPath("spec"))
			// Volumes attach and publish according to these; existing
			// volumes would be handled inconsistently if they changed.
			errs = append(errs, apivalidation.ValidateImmutableField(n.AttachRequired, o.AttachRequired, field.NewPath("spec", "attachRequired"))...)
			return append(errs, apivalidation.ValidateImmutableField(n.VolumeLifecycleModes, o.VolumeLifecycleModes, field.NewPath("spec", "volumeLifecycleModes"))...)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "AttachRequired", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["attachRequired"]},
			{Name: "PodInfoOnMount", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["podInfoOnMount"]},
			{Name: "StorageCapacity", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["storageCapacity"]},
			{Name: "TokenRequests", Type: "string", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["tokenRequests"]},
			{Name: "RequiresRepublish", Type: "boolean", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["requiresRepublish"]},
			{Name: "Modes", Type: "string", Description: storagev1.CSIDriverSpec{}.SwaggerDoc()["volumeLifecycleModes"]},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} { return csiDriverRow(obj.(*storagev1.CSIDriver)) },
	}
}

func defaultCSIDriver(s *storagev1.CSIDriverSpec) {
	for _, b := range []struct {
		p **bool
		v bool
	}{
		{&s.AttachRequired, true}, {&s.PodInfoOnMount, false}, {&s.StorageCapacity, false},
		{&s.RequiresRepublish, false}, {&s.SELinuxMount, false},
	} {
		if *b.p == nil {
			v := b.v
			*b.p = &v
		}
	}
	if s.FSGroupPolicy == nil {
		p := storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy
		s.FSGroupPolicy = &p
	}
	if len(s.VolumeLifecycleModes) == 0 {
		s.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
}

func validateCSIDriverSpec(s *storagev1.CSIDriverSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	// Kubernetes reports a missing attachRequired under this misspelt path.
	for _, r := range []struct {
		name string
		set  bool
	}{{"attachedRequired", s.AttachRequired != nil}, {"podInfoOnMount", s.PodInfoOnMount != nil}, {"storageCapacity", s.StorageCapacity != nil}} {
		if !r.set {
			errs = append(errs, field.Required(fldPath.Child(r.name), ""))
		}
	}
	switch p := s.FSGroupPolicy; {
	case p == nil:
		errs = append(errs, field.Required(fldPath.Child("fsGroupPolicy"), ""))
	case !contains(fsGroupPolicies, *p):
		errs = append(errs, field.NotSupported(fldPath.Child("fsGroupPolicy"), *p, fsGroupPolicies))
	}
	audiences := map[string]bool{}
	for i, t := range s.TokenRequests {
		path := fldPath.Child("tokenRequests").Index(i)
		if audiences[t.Audience] {
			errs = append(errs, field.Duplicate(path.Child("audience"), t.Audience))
		}
		audiences[t.Audience] = true
		if es := t.ExpirationSeconds; es != nil {
			if *es < minTokenSeconds {
				errs = append(errs, field.Invalid(path.Child("expirationSeconds"), *es, "may not specify a duration less than 10 minutes"))
			}
			if *es > maxTokenSeconds {
				errs = append(errs, field.Invalid(path.Child("expirationSeconds"), *es, "may not specify a duration larger than 2^32 seconds"))
			}
		}
	}
	for _, m := range s.VolumeLifecycleModes {
		if !contains(lifecycleModes, m) {
			errs = append(errs, field.NotSupported(fldPath.Child("volumeLifecycleModes"), m, lifecycleModes))
		}
	}
	if p := s.NodeAllocatableUpdatePeriodSeconds; p != nil && *p < minAllocatableUpdatePeriod {
		errs = append(errs, field.Invalid(fldPath.Child("nodeAllocatableUpdatePeriodSeconds"), *p, fmt.Sprintf("must be greater than or equal to %d seconds", minAllocatableUpdatePeriod)))
	}
	return errs
}

func csiDriverRow(d *storagev1.CSIDriver) []interface{} {
	flag := func(p *bool, dflt bool) bool {
		if p == nil {
			return dflt
		}
		return *p
	}
	tokens := "<unset>"
	if len(d.Spec.TokenRequests) > 0 {
		var aud []string
		for _, t := range d.Spec.TokenRequests {
			aud = append(aud, t.Audience)
		}
		tokens = strings.Join(aud, ",")
	}
	var modes []string
	for _, m := range d.Spec.VolumeLifecycleModes {
		modes = append(modes, string(m))
	}
	modeCell := strings.Join(modes, ",")
	if modeCell == "" {
		modeCell = "<none>"
	}
	return []interface{}{
		d.Name, flag(d.Spec.AttachRequired, true), flag(d.Spec.PodInfoOnMount, false), flag(d.Spec.StorageCapacity, false),
		tokens, flag(d.Spec.RequiresRepublish, false), modeCell, registry.Age(d.CreationTimestamp),
	}
}

func csiNodeRules() registry.Rules {
	return registry.Rules{
		Validate: func(obj runtime.Object) field.ErrorList { return validateCSINode(obj.(*storagev1.CSINode)) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*storagev1.CSINode), old.(*storagev1.CSINode)
			errs := validateCSINode(n)
			// A registered driver's identity on the node is fixed until it
			// re-registers (which removes and re-adds the entry).
			for _, od := range o.Spec.Drivers {
				for _, nd := range n.Spec.Drivers {
					if od.Name == nd.Name {
						errs = append(errs, apivalidation.ValidateImmutableField(nd.NodeID, od.NodeID, field.NewPath("spec.drivers.nodeID"))...)
						errs = append(errs, apivalidation.ValidateImmutableField(nd.TopologyKeys, od.TopologyKeys, field.NewPath("spec.drivers.topologyKeys"))...)
					}
				}
			}
			return errs
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Drivers", Type: "integer", Description: "Drivers indicates the number of CSI drivers registered on the node"},
			ageColumn,
		},
		Row: func(obj runtime.Object) []interface{} {
			n := obj.(*storagev1.CSINode)
			return []interface{}{n.Name, int64(len(n.Spec.Drivers)), registry.Age(n.CreationTimestamp)}
		},
	}
}

func validateCSINode(n *storagev1.CSINode) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, d := range n.Spec.Drivers {
		path := field.NewPath("spec", "drivers").Index(i)
		errs = append(errs, validateDriverName(d.Name, path.Child("name"))...)
		if d.NodeID == "" {
			errs = append(errs, field.Required(path.Child("nodeID"), ""))
		}
		if len(d.NodeID) > maxNodeIDLength {
			errs = append(errs, field.Invalid(path.Child("nodeID"), d.NodeID, fmt.Sprintf("must be %d characters or less", maxNodeIDLength)))
		}
		if a := d.Allocatable; a != nil && a.Count != nil && *a.Count < 0 {
			errs = append(errs, field.Invalid(path.Child("allocatable", "count"), *a.Count, "must be greater than or equal to 0"))
		}
		if names[d.Name] {
			errs = append(errs, field.Duplicate(path.Child("name"), d.Name))
		}
		names[d.Name] = true
		keys := map[string]bool{}
		for _, k := range d.TopologyKeys {
			if k == "" {
				errs = append(errs, field.Required(path, k))
			}
			if keys[k] {
				errs = append(errs, field.Duplicate(path, k))
			}
			keys[k] = true
			for _, msg := range content.IsLabelKey(k) {
				errs = append(errs, field.Invalid(path, k, msg))
			}
		}
	}
	return errs
}
