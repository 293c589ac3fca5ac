package storage

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

func wantErrors(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.Error())
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got: %q\nwant: %q", g, want)
	}
}

func storageClass(mutate func(*storagev1.StorageClass)) *storagev1.StorageClass {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: "rancher.io/local-path", Parameters: map[string]string{"a": "b"}}
	storageClassRules().Default(sc)
	if mutate != nil {
		mutate(sc)
	}
	return sc
}

func TestStorageClass(t *testing.T) {
	r := storageClassRules()
	sc := storageClass(nil)
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("defaults %+v", sc)
	}
	wantErrors(t, r.Validate(sc))
	wantErrors(t, r.Validate(storageClass(func(sc *storagev1.StorageClass) {
		sc.Provisioner = ""
		sc.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRecycle)
		sc.VolumeBindingMode = ptr(storagev1.VolumeBindingMode("Later"))
		sc.AllowedTopologies = []corev1.TopologySelectorTerm{
			{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone", Values: []string{"a", "a"}}}},
			{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone", Values: []string{"a"}}}},
		}
	})),
		"provisioner: Required value",
		`reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"`,
		`volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"`,
		`allowedTopologies[0].matchLabelExpressions[0].values[1]: Duplicate value: "a"`,
		`allowedTopologies[1].matchLabelExpressions: Duplicate value: ""`,
	)
	changed := storageClass(func(sc *storagev1.StorageClass) {
		sc.Provisioner = "ebs.csi.aws.com"
		sc.Parameters = nil
		sc.VolumeBindingMode = ptr(storagev1.VolumeBindingWaitForFirstConsumer)
		sc.AllowVolumeExpansion = ptr(true)
	})
	wantErrors(t, r.ValidateUpdate(changed, sc),
		"parameters: Forbidden: updates to parameters are forbidden.",
		"provisioner: Forbidden: updates to provisioner are forbidden.",
		`volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable`,
	)
	expandable := sc.DeepCopy()
	expandable.AllowVolumeExpansion = ptr(true)
	wantErrors(t, r.ValidateUpdate(expandable, sc))

	sc.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	want := []interface{}{"standard (default)", "rancher.io/local-path", "Delete", "Immediate", false, "<unknown>"}
	if got := r.Row(sc); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
}

func TestVolumeAttachment(t *testing.T) {
	r := volumeAttachmentRules()
	va := &storagev1.VolumeAttachment{ObjectMeta: metav1.ObjectMeta{Name: "csi-123"}, Spec: storagev1.VolumeAttachmentSpec{
		Attacher: "ebs.csi.aws.com", NodeName: "node-1", Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")},
	}}
	wantErrors(t, r.Validate(va))
	wantErrors(t, r.Validate(&storagev1.VolumeAttachment{Spec: storagev1.VolumeAttachmentSpec{NodeName: "n"}}),
		"spec.attacher: Required value",
		`spec.attacher: Invalid value: "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		"spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName")
	moved := va.DeepCopy()
	moved.Spec.NodeName = "node-2"
	if errs := r.ValidateUpdate(moved, va); len(errs) != 1 || errs[0].Field != "spec" || errs[0].Detail != "field is immutable" {
		t.Errorf("update errors %v", errs)
	}
	va.Status.Attached = true
	want := []interface{}{"csi-123", "ebs.csi.aws.com", "pv-1", "node-1", true, "<unknown>"}
	if got := r.Row(va); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
}

func TestCSIDriver(t *testing.T) {
	r := csiDriverRules()
	d := &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "ebs.csi.aws.com"}}
	r.Default(d)
	want := storagev1.CSIDriverSpec{
		AttachRequired: ptr(true), PodInfoOnMount: ptr(false), StorageCapacity: ptr(false), RequiresRepublish: ptr(false),
		SELinuxMount: ptr(false), FSGroupPolicy: ptr(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy),
		VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{"Persistent"},
	}
	if !reflect.DeepEqual(d.Spec, want) {
		t.Errorf("defaults %+v", d.Spec)
	}
	wantErrors(t, r.Validate(d))
	bad := d.DeepCopy()
	bad.Spec.AttachRequired = ptr(false)
	bad.Spec.TokenRequests = []storagev1.TokenRequest{{Audience: "a", ExpirationSeconds: ptr(int64(60))}, {Audience: "a"}}
	bad.Spec.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{"Forever"}
	wantErrors(t, r.ValidateUpdate(bad, d),
		"spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
		`spec.tokenRequests[1].audience: Duplicate value: "a"`,
		`spec.volumeLifecycleModes: Unsupported value: "Forever": supported values: "Ephemeral", "Persistent"`,
		"spec.attachRequired: Invalid value: false: field is immutable",
		`spec.volumeLifecycleModes: Invalid value: ["Forever"]: field is immutable`,
	)
	if msgs := r.NameValidation(strings.Repeat("a", 64), false); len(msgs) != 1 {
		t.Errorf("long driver name: %v", msgs)
	}
	wantRow := []interface{}{"ebs.csi.aws.com", true, false, false, "<unset>", false, "Persistent", "<unknown>"}
	if got := r.Row(d); !reflect.DeepEqual(got, wantRow) {
		t.Errorf("row %#v, want %#v", got, wantRow)
	}
}

func TestCSINode(t *testing.T) {
	r := csiNodeRules()
	n := &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}, Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{
		{Name: "ebs.csi.aws.com", NodeID: "i-123", TopologyKeys: []string{"topology.ebs.csi.aws.com/zone"}},
	}}}
	wantErrors(t, r.Validate(n))
	bad := n.DeepCopy()
	bad.Spec.Drivers[0].NodeID = "i-456"
	bad.Spec.Drivers = append(bad.Spec.Drivers, storagev1.CSINodeDriver{Name: "ebs.csi.aws.com", Allocatable: &storagev1.VolumeNodeResources{Count: ptr(int32(-1))}})
	wantErrors(t, r.ValidateUpdate(bad, n),
		"spec.drivers[1].nodeID: Required value",
		"spec.drivers[1].allocatable.count: Invalid value: -1: must be greater than or equal to 0",
		`spec.drivers[1].name: Duplicate value: "ebs.csi.aws.com"`,
		`spec.drivers.nodeID: Invalid value: "i-456": field is immutable`,
		`spec.drivers.nodeID: Invalid value: "": field is immutable`,
		`spec.drivers.topologyKeys: Invalid value: null: field is immutable`,
	)
	if got := r.Row(n); !reflect.DeepEqual(got, []interface{}{"node-1", int64(1), "<unknown>"}) {
		t.Errorf("row %#v", got)
	}
}
