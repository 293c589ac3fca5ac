package storage

import (
	"strings"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	gv := storagev1.SchemeGroupVersion
	return registry.RulesSet{
		gv.WithKind("StorageClass"):     storageClassRules(),
		gv.WithKind("VolumeAttachment"): volumeAttachmentRules(),
		gv.WithKind("CSIDriver"):        csiDriverRules(),
		gv.WithKind("CSINode"):          csiNodeRules(),
	}
}

var (
	nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	ageColumn  = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
)

// maxDriverNameLength: CSI driver names are used in kubelet paths and
// socket names, Kubernetes caps them at a DNS label's length.
const maxDriverNameLength = 63

// validateDriverName checks a CSI driver name: a DNS subdomain (compared
// lower-case, as drivers often use mixed case) of at most 63 characters.
func validateDriverName(name string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(fldPath, ""))
	}
	if len(name) > maxDriverNameLength {
		errs = append(errs, field.TooLong(fldPath, name, maxDriverNameLength))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, field.Invalid(fldPath, name, msg))
	}
	return errs
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
