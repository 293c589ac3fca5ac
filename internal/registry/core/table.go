package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Column definitions several tables share, as Kubernetes' printers word them.
var (
	nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	ageColumn  = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
)

const none = "<none>"

// orNone renders an empty cell as kubectl does.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// containerCells lists container names and images, comma separated.
func containerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, len(cs))
	im := make([]string, len(cs))
	for i, c := range cs {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// accessModesString abbreviates access modes in kubectl's fixed order.
func accessModesString(modes []corev1.PersistentVolumeAccessMode) string {
	has := map[corev1.PersistentVolumeAccessMode]bool{}
	for _, m := range modes {
		has[m] = true
	}
	var out []string
	for _, m := range []struct {
		mode corev1.PersistentVolumeAccessMode
		abbr string
	}{{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"}, {corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"}} {
		if has[m.mode] {
			out = append(out, m.abbr)
		}
	}
	return strings.Join(out, ",")
}

// moreList joins up to max items and says how many more there were.
func moreList(items []string, total, max int) string {
	s := strings.Join(items, ",")
	if total > max {
		return fmt.Sprintf("%s + %d more...", s, total-max)
	}
	return s
}

// labelsString renders a label map as kubectl does ("a=b,c=d", "<none>").
func labelsString(m map[string]string) string {
	return labels.FormatLabels(m)
}
